#!/usr/bin/env bash
# Throughput and peak memory of `daneguard check --format jsonl --from FILE`
# against the local DNS lab (tests/dnslab/lab.sh), with the bench zone
# bench.test. holding N hosts (hI A 127.0.0.1, _25._tcp.hI TLSA 3 1 1 <SPKI
# SHA-256 of testdata/pki/mx-p256/cert.pem> and 2 1 1 <SPKI SHA-256 of its
# issuing CA, testdata/pki/ca/int-ec.pem>), signed by Knot; side by side with
# ldns-dane (ldnsutils) verifying the same names one process per name.
#
#   benches/check.sh N [N ...]          e.g. benches/check.sh 1000 10000
#
# Environment:
#   DANEGUARD    binary to measure (default: target/release/daneguard, built
#                with `cargo build --release` first)
#   CONCURRENCY  --concurrency values to try (default 64)
#   RUNS         runs per daneguard configuration (default 3; the table shows
#                the median wall time and the largest peak RSS)
#   LDNS         1 (default): also run ldns-dane; 0: skip it
#   LDNS_MAX     run ldns-dane on at most this many of the N names (default: all)
#   LDNS_AD_MAX  names for the extra ldns-dane run that trusts Unbound's AD bit
#                instead of validating itself (default 1000; 0 skips it)
# ldns-dane runs twice more on the same names: as is, and with
# SSL_CERT_FILE=/dev/null (OpenSSL then skips loading the system CA bundle,
# which is most of ldns-dane's per-process cost; DANE-EE does not need it).
#   BENCH_ALGORITHM  the bench zone's DNSSEC algorithm (tests/dnslab/lab.sh):
#                ecdsap256sha256 (default), rsasha256 or ed25519
#   OUT          directory for the results (default: benches/results)
#   LOAD_MAX     if set, wait before each run (at most LOAD_WAIT seconds, default
#                600) until the 1-min load average is below it. The machine is
#                shared: every row records the load average before and after
#                each run (/proc/loadavg, what `uptime` shows).
#
# daneguard asks Knot directly (--resolver 127.0.0.1:KNOT_PORT) and validates
# everything itself from the lab's trust anchor (--trust-anchor).
#
# ldns-dane cannot be given a resolver port: `-r` takes an address only (port 53)
# and /etc/resolv.conf has no port syntax either. And Knot does not echo the CD
# bit, which ldns-dane's -S needs to chase signatures itself. So ldns-dane is run
# in a private network namespace (`unshare -n`: only a loopback there, nothing
# can leave it) with a second lab whose *Unbound* listens on 127.0.0.1:53:
#   ldns-dane -r 127.0.0.1 -S -k TRUST_ANCHOR -n -c fullchain.pem verify hI.bench.test 25
# -S -k: ldns-dane chases the signatures itself up to the lab's trust anchor
# (Unbound only fetches and caches; queries carry CD). For comparison, daneguard
# is run once more in that namespace through the same Unbound.
# Needs root (or unprivileged user namespaces) for `unshare -n`.
#
# Nothing here talks to an address outside 127.0.0.0/8.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO=$(cd "$BENCH_DIR/.." && pwd -P)
LAB_SH=$REPO/tests/dnslab/lab.sh
CERT_DIR=$REPO/testdata/pki/mx-p256
CONCURRENCY=${CONCURRENCY:-64}
RUNS=${RUNS:-3}
LDNS=${LDNS:-1}
LDNS_MAX=${LDNS_MAX:-}
LDNS_AD_MAX=${LDNS_AD_MAX:-1000}
OUT=${OUT:-$BENCH_DIR/results}
LOAD_MAX=${LOAD_MAX:-}
LOAD_WAIT=${LOAD_WAIT:-600}

log() { printf 'check.sh: %s\n' "$*" >&2; }
die() { printf 'check.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------ helpers -----

# /usr/bin/time -v output file -> "<wall seconds> <max RSS KiB>"
time_fields() {
    awk -F': ' '
        /Elapsed \(wall clock\) time/ {
            n = split($2, p, ":"); s = 0
            for (i = 1; i <= n; i++) s = s * 60 + p[i]
            wall = s
        }
        /Maximum resident set size/ { rss = $2 }
        END { printf "%.3f %d\n", wall, rss }' "$1"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

now() { echo "$EPOCHREALTIME"; }

load1() { cut -d' ' -f1 /proc/loadavg; }

# With LOAD_MAX set: waits (at most LOAD_WAIT s) for the 1-min load to drop below it.
wait_load() {
    [[ -n $LOAD_MAX ]] || return 0
    local waited=0
    while awk -v l="$(load1)" -v m="$LOAD_MAX" 'BEGIN { exit !(l >= m) }' && ((waited < LOAD_WAIT)); do
        sleep 10
        waited=$((waited + 10))
    done
}

names_file() { # N FILE
    awk -v n="$1" 'BEGIN { for (i = 1; i <= n; i++) printf "h%d.bench.test\n", i }' >"$2"
}

# Checks one daneguard jsonl output: N lines, every TLSA lookup secure and its
# 3 1 1 record matching the certificate.
check_jsonl() { # FILE N
    local lines ok
    lines=$(wc -l <"$1")
    ok=$(grep -c '"tlsa":{"result":"found","dnssec":"secure".*"matched":"cert"' "$1" || true)
    [[ $lines == "$2" && $ok == "$2" ]] ||
        die "daneguard output $1: $lines lines, $ok secure+matching (want $2 of each)"
}

# Runs daneguard RUNS times; appends a table row to $ROWS.
# dg_runs LABEL N C NAMES RESOLVER TRUST_ANCHOR
dg_runs() {
    local label=$1 n=$2 c=$3 names=$4 resolver=$5 anchor=$6 r tf walls=() rsss=() loads=() w m t0 t1 rc l0
    for ((r = 1; r <= RUNS; r++)); do
        tf=$WORK/time.txt
        wait_load
        l0=$(load1)
        t0=$(now)
        rc=0
        /usr/bin/time -v -o "$tf" "$DANEGUARD" check --format jsonl --from "$names" \
            --concurrency "$c" --resolver "$resolver" --trust-anchor "$anchor" \
            --chain "$CERT_DIR" >"$WORK/out.jsonl" 2>"$WORK/err.txt" || rc=$?
        t1=$(now)
        loads+=("$l0→$(load1)")
        # 0, or 1 when findings break DANE (not expected here; check_jsonl decides)
        ((rc <= 1)) || { cat "$WORK/err.txt" >&2; die "daneguard failed (exit status $rc)"; }
        check_jsonl "$WORK/out.jsonl" "$n"
        read -r _ m < <(time_fields "$tf")
        w=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
        walls+=("$w")
        rsss+=("$m")
        log "$label N=$n C=$c run $r: ${w}s, peak RSS ${m} KiB, load ${loads[-1]}"
    done
    w=$(printf '%s\n' "${walls[@]}" | median)
    m=$(printf '%s\n' "${rsss[@]}" | sort -n | tail -1)
    printf '| %s | %d | %d | %s | %s | %.0f | %.1f | %s |\n' "$label" "$n" "$c" "$w" \
        "$(printf '%s ' "${walls[@]}" | sed 's/ $//')" "$(awk -v n="$n" -v w="$w" 'BEGIN { print n / w }')" \
        "$(awk -v k="$m" 'BEGIN { print k / 1024 }')" "${loads[*]}" >>"$ROWS"
}

start_lab() { # DIR N [VAR=VALUE ...]
    local dir=$1 n=$2
    shift 2
    env -u LEAF_CERT -u CA_CERT -u KNOT_PORT -u UNBOUND_PORT "$@" BENCH_HOSTS="$n" \
        "$LAB_SH" start "$dir" >&2
}

# ------------------------------------------------- ldns-dane (namespace) --

# ldns_loop LABEL COUNT OUTPREFIX COMMAND...: runs COMMAND hI.bench.test 25 for
# I = 1..COUNT, one process after the other; every one must print
# "dane-validated successfully". Appends a row to $ROWS_LDNS; the peak RSS is
# that of one process (/usr/bin/time -v on h1).
ldns_loop() {
    local label=$1 count=$2 prefix=$3 t0 t1 i ok rss l0
    shift 3
    /usr/bin/time -v -o "$prefix.time" "$@" h1.bench.test 25 >"$prefix.one" 2>&1 ||
        { cat "$prefix.one" >&2; die "$label: failed on h1.bench.test"; }
    grep -q 'dane-validated successfully' "$prefix.one" ||
        { cat "$prefix.one" >&2; die "$label: h1.bench.test did not validate"; }
    read -r _ rss < <(time_fields "$prefix.time")
    log "$label: $count names, one process each"
    wait_load
    l0=$(load1)
    t0=$(now)
    for ((i = 1; i <= count; i++)); do
        "$@" "h$i.bench.test" 25 || true
    done >"$prefix.out" 2>"$prefix.err"
    t1=$(now)
    ok=$(grep -c 'dane-validated successfully' "$prefix.out" || true)
    ((ok == count)) || { head "$prefix.err" >&2; die "$label: $ok of $count names validated"; }
    awk -v l="$label" -v m="$count" -v t0="$t0" -v t1="$t1" -v rss="$rss" -v ld="$l0→$(load1)" 'BEGIN {
        w = t1 - t0
        printf "| %s | %d | %.3f | %.1f | %.1f ms | %.1f | %s |\n", l, m, w, m / w, 1000 * w / m, rss / 1024, ld
    }' >>"$ROWS_LDNS"
    log "$label: $(tail -1 "$ROWS_LDNS")"
}

# Runs inside `unshare -n`: a lab with Unbound on 127.0.0.1:53, then ldns-dane
# and daneguard through it. Appends rows to $ROWS_LDNS and $ROWS_DG_UNBOUND.
ldns_inner() {
    local n=$1 m=$2 names=$3 ma c
    LAB53=$WORK/lab53
    ip link set dev lo up
    start_lab "$LAB53" "$n" UNBOUND_PORT=53
    # shellcheck disable=SC1091
    source "$LAB53/lab.env"
    trap '"$LAB_SH" stop "$LAB53" >&2 || true' EXIT
    [[ $UNBOUND_PORT == 53 ]] || die "lab did not put Unbound on port 53"
    local cert=$CERT_DIR/fullchain.pem

    # as it is used: -S -k validates from the lab's trust anchor itself
    ldns_loop "ldns-dane -S -k (validates itself)" "$m" "$WORK/ldns-S" \
        ldns-dane -r 127.0.0.1 -S -k "$TRUST_ANCHOR" -n -c "$cert" verify
    # the same without loading the system CA bundle (OpenSSL's default verify
    # paths, /usr/lib/ssl/cert.pem); DANE-EE does not need it
    ldns_loop "ldns-dane -S -k, SSL_CERT_FILE=/dev/null" "$m" "$WORK/ldns-S-noca" \
        env SSL_CERT_FILE=/dev/null ldns-dane -r 127.0.0.1 -S -k "$TRUST_ANCHOR" -n -c "$cert" verify
    if ((LDNS_AD_MAX > 0)); then
        ma=$((m < LDNS_AD_MAX ? m : LDNS_AD_MAX))
        # no -S: trusts the AD bit of the validating Unbound
        ldns_loop "ldns-dane, trusts Unbound's AD bit" "$ma" "$WORK/ldns-ad" \
            ldns-dane -r 127.0.0.1 -n -c "$cert" verify
    fi

    # daneguard through the same Unbound, for a like-for-like path
    for c in $CONCURRENCY; do
        ROWS=$ROWS_DG_UNBOUND dg_runs "daneguard via Unbound" "$n" "$c" "$names" "127.0.0.1:53" "$TRUST_ANCHOR"
    done
}

# ------------------------------------------------------------- main ------

if [[ ${1:-} == --ldns-inner ]]; then
    # internal: benches/check.sh --ldns-inner N M NAMES (environment from the parent)
    ldns_inner "$2" "$3" "$4"
    exit 0
fi

(($# >= 1)) || { echo "usage: $0 N [N ...]   (e.g. $0 1000 10000)" >&2; exit 2; }
for n in "$@"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number: $n"; done
for t in /usr/bin/time knotd unbound kdig awk; do
    command -v "$t" >/dev/null || die "missing: $t (see tests/dnslab/README.md; apt-get install -y time)"
done
if [[ -z ${DANEGUARD:-} ]]; then
    (cd "$REPO" && cargo build --release --quiet)
    DANEGUARD=$REPO/target/release/daneguard
fi
[[ -x $DANEGUARD ]] || die "not executable: $DANEGUARD"
export DANEGUARD RUNS CONCURRENCY LDNS_AD_MAX LOAD_MAX LOAD_WAIT

mkdir -p "$OUT"
# short path: Knot's control socket must fit in a Unix socket name
WORK=$(mktemp -d /tmp/dg-bench.XXXXXX)
export WORK
LAB=$WORK/lab
cleanup() {
    "$LAB_SH" stop "$LAB" >/dev/null 2>&1 || true
    "$LAB_SH" stop "$WORK/lab53" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

can_unshare() {
    command -v unshare >/dev/null && command -v ip >/dev/null || return 1
    if ((EUID == 0)); then UNSHARE=(unshare -n); else UNSHARE=(unshare -rn); fi
    "${UNSHARE[@]}" true 2>/dev/null
}

for n in "$@"; do
    ROWS=$OUT/check-$n.rows.md
    ROWS_LDNS=$OUT/check-$n.ldns.rows.md
    ROWS_DG_UNBOUND=$OUT/check-$n.dg-unbound.rows.md
    export ROWS_LDNS ROWS_DG_UNBOUND
    : >"$ROWS"
    : >"$ROWS_LDNS"
    : >"$ROWS_DG_UNBOUND"
    names=$WORK/names-$n.txt
    names_file "$n" "$names"

    log "N=$n: starting the lab with BENCH_HOSTS=$n BENCH_ALGORITHM=${BENCH_ALGORITHM:-ecdsap256sha256}"
    rm -rf "$LAB"
    start_lab "$LAB" "$n"
    # shellcheck disable=SC1091
    (
        source "$LAB/lab.env"
        for c in $CONCURRENCY; do
            dg_runs "daneguard → Knot" "$n" "$c" "$names" "127.0.0.1:$KNOT_PORT" "$TRUST_ANCHOR"
        done
    )
    "$LAB_SH" stop "$LAB" >&2

    if [[ $LDNS == 1 ]]; then
        if ! command -v ldns-dane >/dev/null; then
            log "ldns-dane not installed (apt-get install -y ldnsutils); skipping it"
        elif ! can_unshare; then
            log "cannot create a network namespace (need root or user namespaces);" \
                "ldns-dane needs a resolver on port 53, skipping it"
        else
            m=$n
            [[ -z $LDNS_MAX ]] || ((m <= LDNS_MAX)) || m=$LDNS_MAX
            rm -rf "$WORK/lab53"
            "${UNSHARE[@]}" "$BENCH_DIR/check.sh" --ldns-inner "$n" "$m" "$names"
        fi
    fi

    {
        echo "### check, N = $n, bench zone signed with ${BENCH_ALGORITHM:-ecdsap256sha256}"
        echo
        echo "finished $(date -u '+%Y-%m-%d %H:%M UTC'); uptime then:$(uptime | sed 's/.*load/ load/')"
        echo
        echo "| tool | names | concurrency | wall s (median of $RUNS) | all runs, s | names/s | peak RSS MiB (max) | 1-min load before→after each run |"
        echo "| --- | ---: | ---: | ---: | --- | ---: | ---: | --- |"
        cat "$ROWS" "$ROWS_DG_UNBOUND"
        if [[ -s $ROWS_LDNS ]]; then
            echo
            echo "| ldns-dane, one process per name, sequential, via Unbound on :53 | names | wall s | names/s | per name | peak RSS MiB (one process) | 1-min load before→after |"
            echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
            cat "$ROWS_LDNS"
        fi
    } >"$OUT/check-$n.md"
    rm -f "$ROWS" "$ROWS_LDNS" "$ROWS_DG_UNBOUND"
    cat "$OUT/check-$n.md"
done
