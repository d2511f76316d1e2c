#!/usr/bin/env bash
# The long coverage-guided campaign of issue 17: RUNS inputs per loader, one loader after the
# other, at the lowest priority (it may run while the machine does other work).
#
#   tests/fuzz/campaign.sh [RUNS] [OUTDIR]      # defaults: 1000000, /tmp/microtensor-fuzz
#
# Each loader keeps its corpus in OUTDIR/corpus-<loader> (a rerun continues from it) and its
# log in OUTDIR/<loader>.log; a violation stops that loader's run and libFuzzer writes the input
# to OUTDIR/crashes/crash-<sha1> (replay it: python -m tests.fuzz.fuzz_loaders --loader L FILE).
# The summary line of each loader ("Done N runs in S second(s)", exec/s, crashes) is printed at
# the end. LOADERS="torch pickle" picks loaders; MEASURE_EVERY=1 traces the allocations of every
# input (default: one in 50, as fuzz_loaders.py). Stop it with: kill -- -<pid of this script>.
set -u
RUNS=${1:-1000000}
OUT=${2:-/tmp/microtensor-fuzz}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT/crashes"
cd "$ROOT" || exit 1
for loader in ${LOADERS:-torch pickle safetensors}; do
    mkdir -p "$OUT/corpus-$loader"
    nice -n 19 python -m tests.fuzz.fuzz_loaders --loader "$loader" \
        --measure-every "${MEASURE_EVERY:-50}" "-runs=$RUNS" \
        -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
        "-artifact_prefix=$OUT/crashes/" "$OUT/corpus-$loader" >"$OUT/$loader.log" 2>&1
    echo "$loader: exit $? $(grep -E '^Done' "$OUT/$loader.log")" \
        "$(grep -E 'average_exec_per_sec' "$OUT/$loader.log")" | tee -a "$OUT/summary.txt"
done
ls "$OUT/crashes" | tee -a "$OUT/summary.txt"
