#!/bin/sh
# Each function's own instructions per operation of a Go benchmark under
# callgrind, (Ir(N2) - Ir(N1)) / (N2 - N1) function by function, so set-up
# cost cancels (as in instructions-per-op.sh); largest first.
#   go test -c -o x.test ./httpapi
#   scripts/instructions-by-function.sh ./x.test 'BenchmarkVerifyHandler$' 200 1200
bin=$1 bench=$2 n1=$3 n2=$4
for n in $n1 $n2; do GODEBUG=asyncpreemptoff=1 GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file=${TMPDIR:-/tmp}/cgd.$n.out $bin -test.run '^$' -test.bench "$bench" -test.benchtime ${n}x >/dev/null 2>&1
callgrind_annotate --threshold=100 ${TMPDIR:-/tmp}/cgd.$n.out 2>/dev/null | awk '$1 ~ /^[0-9,]+$/ && $2 ~ /^\(/' | sed 's/ (.*%) / /; s/ \[.*//' | awk '{gsub(",","",$1); split($2,a,":"); print $1, (a[2] == "" ? "(total)" : a[2])}' > ${TMPDIR:-/tmp}/cgd.$n.txt; done
awk -v d=$((n2-n1)) 'FNR==NR {a[$2]+=$1; next} {b[$2]+=$1} END {for (k in b) { v=(b[k]-a[k])/d; if (v>50 || v < -50) printf "%8d %s\n", v, k } }' ${TMPDIR:-/tmp}/cgd.$n1.txt ${TMPDIR:-/tmp}/cgd.$n2.txt | sort -rn
