#!/usr/bin/env python3
"""CPU time per operation of a Go benchmark, from the children's rusage: (cpu(N2) - cpu(N1)) / (N2 - N1),
so set-up cost cancels; binaries alternate. For a shared machine, where wall time per op is noise.
Usage: go test -c -o old.test ./verify (on each tree), then
  scripts/cpu-per-op.py 'BenchmarkVerify$/ES256$' 2000 12000 8 ./old.test ./new.test"""
import resource, subprocess, sys, statistics
def cpu(binary, bench, n):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([binary, "-test.run", "^$", "-test.bench", bench, "-test.benchtime", f"{n}x"],
                   check=True, stdout=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
bench, n1, n2, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
bins = sys.argv[5:]
res = {b: [] for b in bins}
for r in range(rounds):
    order = bins if r % 2 == 0 else bins[::-1]
    for b in order:
        res[b].append((cpu(b, bench, n2) - cpu(b, bench, n1)) / (n2 - n1) * 1e9)
for b in bins:
    v = res[b]
    print(f"{b}: median {statistics.median(v):.0f} cpu-ns/op  (n={len(v)}: {' '.join(f'{x:.0f}' for x in v)})")
