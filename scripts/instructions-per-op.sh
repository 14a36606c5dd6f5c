#!/bin/sh
# Instructions per operation of a Go benchmark under callgrind: (Ir(N2) - Ir(N1)) / (N2 - N1),
# so set-up cost cancels and the load of a shared machine does not count.
# usage: go test -c -o old.test ./verify (on each tree), then
#   scripts/instructions-per-op.sh 'BenchmarkVerify$/EdDSA$' 200 1200 ./old.test ./new.test
bench=$1 n1=$2 n2=$3; shift 3
for b in "$@"; do
  ir() { GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$b" -test.run '^$' -test.bench "$bench" -test.benchtime "$1x" 2>&1 | sed -n 's/.*Collected : //p'; }
  a=$(ir $n1); z=$(ir $n2)
  echo "$b $bench: $(( (z - a) / (n2 - n1) )) instructions/op"
done
