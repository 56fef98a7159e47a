#!/usr/bin/env bash
# Peak RSS of `daneguard check --format jsonl --from FILE` as the number of names
# grows: one lab with BENCH_HOSTS=MAX (tests/dnslab/lab.sh; each host has a 3 1 1
# and a 2 1 1 TLSA record), then daneguard on the first N names for each N. With
# jsonl output, memory should not depend on N.
#
#   benches/check-memory.sh [N ...]     default: 1000 10000 100000
#
# Environment: DANEGUARD (default target/release/daneguard, built first),
# CONCURRENCY (default 64), OUT (default benches/results), LOAD_MAX and
# LOAD_WAIT (as in check.sh: wait for the 1-min load average to drop below
# LOAD_MAX before each run, at most LOAD_WAIT seconds, default 600). Every row
# records the 1-min load average before and after its run.
# Nothing here talks to an address outside 127.0.0.0/8.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$BENCH_DIR/.." && pwd -P)
LAB_SH=$REPO/tests/dnslab/lab.sh
CONCURRENCY=${CONCURRENCY:-64}
OUT=${OUT:-$BENCH_DIR/results}
LOAD_MAX=${LOAD_MAX:-}
LOAD_WAIT=${LOAD_WAIT:-600}
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(1000 10000 100000)
for n in "${SIZES[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "not a number: $n" >&2; exit 2; }; done
max=$(printf '%s\n' "${SIZES[@]}" | sort -n | tail -1)

load1() { cut -d' ' -f1 /proc/loadavg; }
wait_load() {
    [[ -n $LOAD_MAX ]] || return 0
    local waited=0
    while awk -v l="$(load1)" -v m="$LOAD_MAX" 'BEGIN { exit !(l >= m) }' && ((waited < LOAD_WAIT)); do
        sleep 10
        waited=$((waited + 10))
    done
}

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
    echo "C = $CONCURRENCY, daneguard → Knot, one lab with $max hosts"
    echo
    echo "| names | wall s | names/s | peak RSS MiB | RSS growth per added name since the previous row | user + sys CPU s | 1-min load before→after |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} >"$OUT/check-memory.md"
prev_n='' prev_rss=''
for n in $(printf '%s\n' "${SIZES[@]}" | sort -n); do
    awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "h%d.bench.test\n", i }' >"$WORK/names"
    wait_load
    l0=$(load1)
    t0=$EPOCHREALTIME
    /usr/bin/time -v -o "$WORK/time" "$DANEGUARD" check --format jsonl --from "$WORK/names" \
        --concurrency "$CONCURRENCY" --resolver "127.0.0.1:$KNOT_PORT" \
        --trust-anchor "$TRUST_ANCHOR" --chain "$REPO/testdata/pki/mx-p256" >"$WORK/out" || true
    t1=$EPOCHREALTIME
    lines=$(grep -c '"tlsa":{"result":"found","dnssec":"secure".*"matched":"cert"' "$WORK/out" || true)
    [[ $lines == "$n" ]] || { echo "only $lines of $n names matched" >&2; exit 1; }
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time")
    cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { printf "%.1f", s }' "$WORK/time")
    awk -v n="$n" -v a="$t0" -v b="$t1" -v rss="$rss" -v pn="$prev_n" -v pr="$prev_rss" \
        -v cpu="$cpu" -v ld="$l0→$(load1)" 'BEGIN {
        w = b - a
        g = (pn != "" && n > pn) ? sprintf("%.3f KiB", (rss - pr) / (n - pn)) : "-"
        printf "| %d | %.2f | %.0f | %.1f | %s | %s | %s |\n", n, w, n / w, rss / 1024, g, cpu, ld
    }' | tee -a "$OUT/check-memory.md"
    prev_n=$n prev_rss=$rss
done
echo "results: $OUT/check-memory.md" >&2
