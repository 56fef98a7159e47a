#!/usr/bin/env bash
# Peak RSS of `daneguard check --format jsonl --from FILE` as the number of names
# grows: one lab with BENCH_HOSTS=MAX (tests/dnslab/lab.sh), then daneguard on
# the first N names for each N. With jsonl output, memory should not depend on N.
#
#   benches/check-memory.sh [N ...]     default: 1000 2000 5000 10000 20000 40000
#
# Environment: DANEGUARD (default target/release/daneguard, built first),
# CONCURRENCY (default 8), OUT (default benches/results).
# Nothing here talks to an address outside 127.0.0.0/8.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$BENCH_DIR/.." && pwd -P)
LAB_SH=$REPO/tests/dnslab/lab.sh
CONCURRENCY=${CONCURRENCY:-8}
OUT=${OUT:-$BENCH_DIR/results}
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(1000 2000 5000 10000 20000 40000)
for n in "${SIZES[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "not a number: $n" >&2; exit 2; }; done
max=$(printf '%s\n' "${SIZES[@]}" | sort -n | tail -1)

if [[ -z ${DANEGUARD:-} ]]; then
    (cd "$REPO" && cargo build --release --quiet)
    DANEGUARD=$REPO/target/release/daneguard
fi
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/dg-mem.XXXXXX)
trap '"$LAB_SH" stop "$WORK/lab" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

env -u LEAF_CERT -u CA_CERT -u KNOT_PORT -u UNBOUND_PORT BENCH_HOSTS="$max" "$LAB_SH" start "$WORK/lab" >&2
# shellcheck disable=SC1091
source "$WORK/lab/lab.env"

{
    echo "| names | wall s | names/s | peak RSS MiB | RSS growth per added name since the previous row |"
    echo "| ---: | ---: | ---: | ---: | ---: |"
} >"$OUT/check-memory.md"
prev_n='' prev_rss=''
for n in $(printf '%s\n' "${SIZES[@]}" | sort -n); do
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "h%d.bench.test\n", i }' >"$WORK/names"
    t0=$EPOCHREALTIME
    /usr/bin/time -v -o "$WORK/time" "$DANEGUARD" check --format jsonl --from "$WORK/names" \
        --concurrency "$CONCURRENCY" --resolver "127.0.0.1:$KNOT_PORT" \
        --trust-anchor "$TRUST_ANCHOR" --chain "$REPO/testdata/pki/mx-p256" >"$WORK/out" || true
    t1=$EPOCHREALTIME
    lines=$(grep -c '"matched":"cert"' "$WORK/out" || true)
    [[ $lines == "$n" ]] || { echo "only $lines of $n names matched" >&2; exit 1; }
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")
    awk -v n="$n" -v a="$t0" -v b="$t1" -v rss="$rss" -v pn="$prev_n" -v pr="$prev_rss" 'BEGIN {
        w = b - a
        g = (pn != "" && n > pn) ? sprintf("%.2f KiB", (rss - pr) / (n - pn)) : "-"
        printf "| %d | %.2f | %.0f | %.1f | %s |\n", n, w, n / w, rss / 1024, g
    }' | tee -a "$OUT/check-memory.md"
    prev_n=$n prev_rss=$rss
done
echo "results: $OUT/check-memory.md" >&2
