#!/usr/bin/env bash
# tests/postfix/run.sh OUTDIR: Postfix 3.7 judges `daneguard check --live`.
#
# Builds a throwaway PKI and a signed zone dane.test. with one host per case of
# cases.txt, starts the DNS lab (Knot + validating Unbound, tests/dnslab/lab.sh), a
# receiving Postfix whose smtpd listeners serve the certificates, and a sending
# Postfix at smtp_tls_security_level = dane. Per case it records what smtp(8) did with
# one message, what posttls-finger -l dane says, and daneguard's JSON. Results go to
# OUTDIR (results.tsv, CASE.daneguard.json, CASE.finger.txt, tx.maillog, ...); the
# comparison itself is tests/cli/postfix.rs.
#
# Postfix and posttls-finger use the system resolver, so the whole run happens in a
# private mount + network namespace (unshare -mn, root only): /etc/resolv.conf is
# replaced there by a bind mount naming the lab's Unbound on 127.0.0.1:53, only the
# namespace's own loopback exists (no address outside 127.0.0.0/8 can be reached), and
# fixed ports cannot collide with anything else on the host.
#
# Environment: DANEGUARD (the binary; default target/debug/daneguard), LAB_START_TIMEOUT
# (default 60),
# PF_KEEP=1 (keep the work directory and print its path), PF_CASES (only these ids,
# space-separated).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
# shellcheck source=tests/postfix/lib.sh
source "$SCRIPT_DIR/lib.sh"

(($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
DANEGUARD=${DANEGUARD:-$REPO_ROOT/target/debug/daneguard}

# name:port:served files (comma-separated, in the PKI directory):TLS level of smtpd
SERVERS=(
    "ec25:25:ec.combined.pem:may"
    "ec:2501:ec.combined.pem:may"
    "ecleaf:2502:ec.leafonly.pem:may"
    "ecroot:2503:ec.withroot.pem:may"
    "rsa:2504:rsa.combined.pem:may"
    "dual:2505:ec.combined.pem,rsa.combined.pem:may"
    "other:2506:other.combined.pem:may"
    "expired:2507:expired.combined.pem:may"
    "notls:2508:ec.combined.pem:none"
)
INJECT_PORT=2600

need_tools() {
    local t missing=()
    for t in postfix posttls-finger smtp-source openssl unshare mount ip knotd unbound kdig; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    ((${#missing[@]} == 0)) || pf_die "missing tools: ${missing[*]} (run .ci/test, which installs them)"
    [[ -x $DANEGUARD ]] || pf_die "no daneguard binary at $DANEGUARD (cargo build, or set DANEGUARD)"
}

# ---------------------------------------------------------------- outside ---

if [[ -z ${PF_IN_NS:-} ]]; then
    need_tools
    # root for Postfix's master and unshare -mn; CI runners have passwordless sudo
    if [[ $(id -u) != 0 ]]; then
        sudo -n true 2>/dev/null || pf_die "needs root or passwordless sudo (Postfix's master, unshare -mn)"
        exec sudo -n --preserve-env=DANEGUARD,PF_KEEP,PF_CASES,LAB_START_TIMEOUT bash "$0" "$@"
    fi
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd -P)
    # --fork: the namespace's processes are children of unshare, which waits for the
    # driver; the driver's EXIT trap stops every daemon it started.
    exec unshare --mount --net --fork --propagation private \
        env PF_IN_NS=1 DANEGUARD="$DANEGUARD" bash "$0" "$OUT"
fi

# ---------------------------------------------------------------- inside ----

ip link set lo up
# the sender listens on an address of its own (see pf_sender in lib.sh)
ip addr add 127.0.0.2/8 dev lo
W=$(mktemp -d /tmp/pfl.XXXXXX)   # short: Knot's control socket path must stay short
chmod 755 "$W"   # Postfix daemons run as the postfix user
LAB=$W/lab
RX=$W/rx
TX=$W/tx
PKI=$W/pki

cleanup() {
    local rc=$?
    pf_stop "$TX" || true
    pf_stop "$RX" || true
    if [[ -d $LAB ]]; then bash "$REPO_ROOT/tests/dnslab/lab.sh" stop "$LAB" >/dev/null 2>&1 || true; fi
    cp "$TX/maillog" "$OUT/tx.maillog" 2>/dev/null || true
    cp "$RX/maillog" "$OUT/rx.maillog" 2>/dev/null || true
    if [[ -n ${PF_KEEP:-} ]]; then
        pf_log "work directory kept: $W"
    else
        rm -rf "$W"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

server_field() { # NAME FIELD(1-based after the name)
    local s
    for s in "${SERVERS[@]}"; do
        [[ ${s%%:*} == "$1" ]] || continue
        cut -d: -f"$(($2 + 1))" <<<"$s"
        return
    done
    pf_die "unknown server $1"
}

# case lines without comments, filtered by PF_CASES
case_lines() {
    local id rest
    grep -vE '^[[:space:]]*(#|$)' "$SCRIPT_DIR/cases.txt" | while IFS='|' read -r id rest; do
        [[ -z ${PF_CASES:-} || " $PF_CASES " == *" $id "* ]] && printf '%s|%s\n' "$id" "$rest"
    done
}

# A case's host field: "cNN" (the host cNN.dane.test, reached as [cNN.dane.test]),
# "@cNN" (the mail domain cNN.dane.test with MX 10 mx.cNN.dane.test, reached through an
# MX lookup) or a full name from the lab.
is_mx() { [[ $1 == @* ]]; }
# the TLSA base domain (MX host), fully qualified
fqdn() {
    case $1 in
        @*) echo "mx.${1#@}.dane.test" ;;
        *.*) echo "$1" ;;
        *) echo "$1.dane.test" ;;
    esac
}
# what smtp(8) and posttls-finger are given
nexthop() { # HOSTFIELD PORT
    if is_mx "$1"; then echo "${1#@}.dane.test:$2"; else echo "[$(fqdn "$1")]:$2"; fi
}

# "U S M CERT" -> zone-file TLSA data
record_rdata() {
    local u s m c data
    read -r u s m c <<<"$1"
    case $c in
        zero) data=$(printf '%0*d' $((m == 2 ? 128 : 64)) 0) ;;
        ec | rsa | other | expired | int-ec | int-rsa | root) data=$(pf_tlsa_data "$PKI/$c.pem" "$s" "$m") ;;
        *) pf_die "unknown certificate '$c' in cases.txt" ;;
    esac
    printf '%s %s %s %s' "$u" "$s" "$m" "$data"
}

write_zone() {
    local f=$1 id host server records what port owner r
    cat >"$f" <<'EOF'
$ORIGIN dane.test.
$TTL 300
@   IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 900 604800 300
@   IN NS  ns
ns  IN A   127.0.0.1
EOF
    local name
    while IFS='|' read -r id host server records what; do
        [[ $host != *.* ]] || continue
        port=$(server_field "$server" 1)
        name=$(fqdn "$host")
        name=${name%.dane.test}
        owner="_$port._tcp.$name"
        is_mx "$host" && printf '%s IN MX 10 %s\n' "${host#@}" "$name" >>"$f"
        printf '%s IN A 127.0.0.1\n' "$name" >>"$f"
        case $records in
            none) ;;
            nodata) printf '%s IN TXT "no TLSA here"\n' "$owner" >>"$f" ;;
            *)
                IFS=';' read -ra rs <<<"$records"
                for r in "${rs[@]}"; do
                    printf '%s IN TLSA %s\n' "$owner" "$(record_rdata "$r")" >>"$f"
                done ;;
        esac
    done < <(case_lines)
}

start_dns() {
    local san="" id host rest
    while IFS='|' read -r id host rest; do
        [[ $host == *.* && $host != @* ]] || san+="${san:+,}DNS:$(fqdn "$host")"
    done < <(case_lines)
    pf_pki "$PKI" "${san:-DNS:c00.dane.test}"
    write_zone "$W/dane.test.zone"
    # a loaded CI machine signs slowly: more than the lab's default 20 s
    LAB_START_TIMEOUT=${LAB_START_TIMEOUT:-60} UNBOUND_PORT=53 EXTRA_ZONES="dane.test.=$W/dane.test.zone" \
        bash "$REPO_ROOT/tests/dnslab/lab.sh" start "$LAB" >"$W/lab.out" 2>&1 ||
        { cat "$W/lab.out" >&2; pf_die "DNS lab did not start"; }
    # shellcheck disable=SC1091
    source "$LAB/lab.env"
    # the namespace's resolver: the lab's validating Unbound. trust-ad: glibc passes the
    # AD bit on only with it, and Postfix's DANE needs the AD bit.
    printf 'nameserver 127.0.0.1\noptions trust-ad timeout:2 attempts:2\n' >"$W/resolv.conf"
    mount --bind "$W/resolv.conf" /etc/resolv.conf
}

start_postfix() {
    local s name port files level chain f
    pf_instance "$RX" rx
    pf_receiver "$RX"
    for s in "${SERVERS[@]}"; do
        IFS=: read -r name port files level <<<"$s"
        chain=""
        IFS=, read -ra fs <<<"$files"
        for f in "${fs[@]}"; do chain+="${chain:+,}$PKI/$f"; done
        pf_smtpd "$RX" "$port" "$chain" "$level"
    done
    pf_sender "$TX" tx "$INJECT_PORT"
    local id host server rest
    while IFS='|' read -r id host server rest; do
        pf_route "$TX" "$id@rx.test" "$(nexthop "$host" "$(server_field "$server" 1)")"
    done < <(case_lines)
    pf_start "$RX"
    pf_start "$TX"
    pf_wait_port "$INJECT_PORT" 127.0.0.2
    for s in "${SERVERS[@]}"; do pf_wait_port "$(cut -d: -f2 <<<"$s")"; done
}

run_daneguard() { # ID HOSTFIELD PORT
    local id=$1 port=$3 rc=0 target=()
    if is_mx "$2"; then target=(--mx "${2#@}.dane.test"); else target=("$(fqdn "$2")"); fi
    "$DANEGUARD" check --live --format json --resolver "127.0.0.1:$KNOT_PORT" \
        --trust-anchor "$TRUST_ANCHOR" --timeout 3 --tls-timeout 5 --port "$port" \
        --connect "127.0.0.1:$port" --starttls smtp "${target[@]}" \
        >"$OUT/$id.daneguard.json" 2>"$OUT/$id.daneguard.err" || rc=$?
    echo "$rc"
}

main() {
    local t0=$SECONDS id host server records what port fq
    start_dns
    start_postfix
    pf_log "lab up in $((SECONDS - t0))s (Knot $KNOT_PORT, Unbound 53, Postfix rx+tx)"
    # every message first: smtp(8) works on them while the rest runs
    while IFS='|' read -r id host server records what; do
        pf_inject "$INJECT_PORT" "sender@tx.test" "$id@rx.test"
    done < <(case_lines)
    : >"$OUT/cases.tsv"
    while IFS='|' read -r id host server records what; do
        port=$(server_field "$server" 1)
        fq=$(fqdn "$host")
        is_mx "$host" && fq="${host#@}.dane.test MX $fq"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$fq" "$port" "$server" "$records" "$what" \
            "$(pf_finger "$TX/etc" "$(nexthop "$host" "$port")" "$OUT/$id.finger.txt")" >>"$OUT/cases.tsv"
        run_daneguard "$id" "$host" "$port" >"$OUT/$id.daneguard.rc"
    done < <(case_lines)
    wait_deliveries
    # results.tsv: id host port server records what smtp finger daneguard-exit
    : >"$OUT/results.tsv"
    local finger smtp
    while IFS=$'\t' read -r id fq port server records what finger; do
        smtp=$(pf_delivery "$TX" "$id@rx.test")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$fq" "$port" "$server" "$records" \
            "$what" "$smtp" "$finger" "$(cat "$OUT/$id.daneguard.rc")" >>"$OUT/results.tsv"
    done <"$OUT/cases.tsv"
    cp "$TX/maillog" "$OUT/tx.maillog"
    pf_log "done in $((SECONDS - t0))s: $OUT/results.tsv"
}

# until smtp(8) has logged a status for every message (bounded)
wait_deliveries() {
    local deadline=$((SECONDS + 60)) id rest pending
    while :; do
        pending=()
        while IFS='|' read -r id rest; do
            [[ $(pf_delivery "$TX" "$id@rx.test") != pending ]] || pending+=("$id")
        done < <(case_lines)
        ((${#pending[@]} == 0)) && return 0
        ((SECONDS < deadline)) || { pf_log "no delivery status for: ${pending[*]}"; return 0; }
        sleep 0.5
    done
}

main
