#!/usr/bin/env bash
# Whole-process benchmark of `daneguard generate --set chaingen` against an
# openssl pipeline doing the same work (benches/openssl-chaingen.sh), on the
# Let's Encrypt-style test chains testdata/pki/le-ec (4 ECDSA certificates) and
# testdata/pki/le-rsa (3 RSA certificates).
#
#   benches/generate.sh
#
# Environment:
#   DANEGUARD  binary to measure (default: target/release/daneguard, built with
#              `cargo build --release` first)
#   RUNS       hyperfine runs per command (default 100, at least 50)
#   WARMUP     hyperfine warm-up runs (default 10)
#   OUT        directory for the results (default: benches/results)
#
# Output: $OUT/generate.md (hyperfine --export-markdown), $OUT/generate.json,
# $OUT/generate-rss.txt (peak RSS of one run of each command, /usr/bin/time -v).
# Needs: hyperfine, GNU time (/usr/bin/time), openssl, awk, od.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$BENCH_DIR/.." && pwd -P)
cd "$REPO"

RUNS=${RUNS:-100}
WARMUP=${WARMUP:-10}
OUT=${OUT:-$BENCH_DIR/results}
((RUNS >= 50)) || { echo "RUNS must be at least 50" >&2; exit 2; }

for t in hyperfine /usr/bin/time openssl awk od; do
    command -v "$t" >/dev/null || { echo "missing: $t (apt-get install -y hyperfine time openssl)" >&2; exit 2; }
done
if [[ -z ${DANEGUARD:-} ]]; then
    cargo build --release --quiet
    DANEGUARD=$REPO/target/release/daneguard
fi
[[ -x $DANEGUARD ]] || { echo "not executable: $DANEGUARD" >&2; exit 2; }
OPENSSL_SCRIPT=$BENCH_DIR/openssl-chaingen.sh
HOST=mx.example.com
CHAINS=(testdata/pki/le-ec/fullchain.pem testdata/pki/le-rsa/fullchain.pem)
mkdir -p "$OUT"

# 1. Both must print the same records before anything is timed.
for chain in "${CHAINS[@]}"; do
    a=$("$DANEGUARD" generate --set chaingen --host "$HOST" "$chain" 2>/dev/null | grep ' TLSA ')
    b=$("$OPENSSL_SCRIPT" "$HOST" "$chain")
    if ! diff <(echo "$a") <(echo "$b") >&2; then
        echo "daneguard and openssl-chaingen.sh disagree on $chain" >&2
        exit 1
    fi
    echo "same $(wc -l <<<"$a") TLSA lines from both: $chain" >&2
done

# 2. Peak RSS of one run of each.
rss() { # label command...
    local label=$1 f
    shift
    f=$(mktemp)
    /usr/bin/time -v -o "$f" "$@" >/dev/null 2>&1
    printf '%-40s %8s KiB\n' "$label" "$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$f")"
    rm -f "$f"
}
{
    echo "# peak RSS (/usr/bin/time -v, Maximum resident set size), one run each"
    for chain in "${CHAINS[@]}"; do
        name=$(basename "$(dirname "$chain")")
        rss "daneguard $name" "$DANEGUARD" generate --set chaingen --host "$HOST" "$chain"
        # for the pipeline this is the largest single process (bash or one openssl)
        rss "openssl-chaingen.sh $name (largest process)" "$OPENSSL_SCRIPT" "$HOST" "$chain"
    done
} | tee "$OUT/generate-rss.txt"

# 3. Timing. -N: no intermediate shell; every command is an executable.
args=()
for chain in "${CHAINS[@]}"; do
    name=$(basename "$(dirname "$chain")")
    args+=(-n "daneguard $name" "$DANEGUARD generate --set chaingen --host $HOST $chain")
    args+=(-n "openssl pipeline $name" "$OPENSSL_SCRIPT $HOST $chain")
done
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" \
    --export-markdown "$OUT/generate.md" --export-json "$OUT/generate.json" \
    "${args[@]}"
echo "results: $OUT/generate.md $OUT/generate-rss.txt" >&2
