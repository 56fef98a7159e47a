#!/usr/bin/env bash
# daneguard DNS lab: Knot DNS (authoritative, signing) + Unbound (validating
# resolver) on 127.0.0.1 high ports, for interop tests.
#
#   lab.sh start DIR   build zones/keys/configs under DIR, start both daemons,
#                      wait until they answer, write DIR/lab.env
#   lab.sh check DIR   print the DNSSEC status matrix (kdig via Unbound, delv
#                      against Knot) and fail if anything differs from the
#                      expectations documented in README.md
#   lab.sh stop  DIR   stop both daemons (pid files in DIR); idempotent
#
# Environment (all optional):
#   KNOT_PORT, UNBOUND_PORT  use these ports instead of picking free ones
#   LEAF_CERT  leaf certificate for the 3 1 1 TLSA records
#              (default: <repo>/testdata/pki/mx-p256/cert.pem)
#   CA_CERT    issuing CA certificate for the 2 1 1 TLSA records
#              (default: <repo>/testdata/pki/ca/int-ec.pem)
#   LAB_START_TIMEOUT  seconds to wait for the daemons (default 20; 120 with
#              BENCH_HOSTS)
#   BENCH_HOSTS  optional benchmark zone (benches/check.sh): with N > 0, `start`
#              also serves bench.test. (Knot-signed, NSEC, DS in test.) holding
#              hI A 127.0.0.1 and _25._tcp.hI TLSA 3 1 1 <LEAF_CERT SPKI SHA-256>
#              plus 2 1 1 <CA_CERT SPKI SHA-256>
#              for I = 1..N, and adds BENCH_ZONE/BENCH_HOSTS to lab.env. Unset,
#              empty or 0: no bench zone, everything exactly as without it.
#   BENCH_ALGORITHM  the bench zone's signing algorithm, as Knot names it:
#              ecdsap256sha256 (default), rsasha256 (2048-bit) or ed25519
#   EXTRA_ZONES  optional extra child zones of test. for other harnesses
#              (tests/postfix/): space-separated ZONE=FILE pairs, e.g.
#              "dane.test.=/tmp/x/dane.test.zone". Each FILE is a complete
#              unsigned zone (SOA, NS ns.ZONE, ns A 127.0.0.1, ...); Knot signs
#              it like nsec.test. (CSK, NSEC) and test. gets its delegation and
#              DS. Unset or empty: everything exactly as without it.
#
# Nothing here ever talks to an address outside 127.0.0.0/8.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)

LEAF_CERT=${LEAF_CERT:-$REPO_ROOT/testdata/pki/mx-p256/cert.pem}
CA_CERT=${CA_CERT:-$REPO_ROOT/testdata/pki/ca/int-ec.pem}
BENCH_HOSTS=${BENCH_HOSTS:-}
[[ $BENCH_HOSTS != 0 ]] || BENCH_HOSTS=
BENCH_ALGORITHM=${BENCH_ALGORITHM:-ecdsap256sha256}
case $BENCH_ALGORITHM in
    ecdsap256sha256 | ed25519) BENCH_KEY_SIZE= ;;
    rsasha256) BENCH_KEY_SIZE=" size=2048" ;;
    *) printf 'dnslab: ERROR: BENCH_ALGORITHM must be ecdsap256sha256, rsasha256 or ed25519, not %s\n' "$BENCH_ALGORITHM" >&2; exit 1 ;;
esac
# signing a large bench zone takes a while
[[ -z $BENCH_HOSTS ]] || LAB_START_TIMEOUT=${LAB_START_TIMEOUT:-120}
LAB_START_TIMEOUT=${LAB_START_TIMEOUT:-20}

SIGNED_BY_KNOT=(test. nsec.test. nsec3.test.)
PRESIGNED=(expired.test. tampered.test.)
CHILDREN=(nsec.test. nsec3.test. expired.test. tampered.test. insecure.test.)
# optional benchmark zone (BENCH_HOSTS=N), signed by Knot with NSEC like nsec.test.
BENCH_ZONES=()
if [[ -n $BENCH_HOSTS ]]; then
    BENCH_ZONES=(bench.test.)
    SIGNED_BY_KNOT+=(bench.test.)
fi
# optional extra zones (EXTRA_ZONES="zone.=file ..."), signed by Knot with NSEC
EXTRA_NAMES=()
EXTRA_FILES=()
for spec in ${EXTRA_ZONES:-}; do
    [[ $spec == *.test.=?* ]] || { printf 'dnslab: ERROR: EXTRA_ZONES entry must be ZONE.test.=FILE: %s\n' "$spec" >&2; exit 1; }
    EXTRA_NAMES+=("${spec%%=*}")
    EXTRA_FILES+=("${spec#*=}")
done
# every Knot-signed NSEC child zone beyond the fixed ones: delegation + DS in test.
KNOT_EXTRA=(${BENCH_ZONES[@]+"${BENCH_ZONES[@]}"} ${EXTRA_NAMES[@]+"${EXTRA_NAMES[@]}"})
SIGNED_BY_KNOT+=(${EXTRA_NAMES[@]+"${EXTRA_NAMES[@]}"})
ALL_ZONES=(test. "${CHILDREN[@]}" ${KNOT_EXTRA[@]+"${KNOT_EXTRA[@]}"})

log() { printf 'dnslab: %s\n' "$*" >&2; }
die() { printf 'dnslab: ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
    echo "usage: $0 {start|check|stop} DIR" >&2
    exit 2
}

need() {
    local t missing=()
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    if ((${#missing[@]})); then
        die "missing tools: ${missing[*]} (apt-get install -y knot knot-dnsutils unbound bind9-utils bind9-dnsutils ldnsutils openssl)"
    fi
}

# ---------------------------------------------------------------- ports ---

# All ports currently bound/used on this host (TCP+UDP, v4+v6), decimal.
used_ports() {
    local f
    for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
        [[ -r $f ]] || continue
        awk 'NR>1 { split($2, a, ":"); print a[2] }' "$f"
    done | while read -r hex; do echo $((16#$hex)); done | sort -un
}

port_is_free() {
    local p=$1
    ! used_ports | grep -qx "$p"
}

# Random free port in 20000..31999 (below the Linux ephemeral range 32768+),
# different from the ports given as arguments.
pick_port() {
    local p i avoid
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 12000))
        for avoid in "$@"; do [[ $p == "$avoid" ]] && continue 2; done
        if port_is_free "$p"; then echo "$p"; return 0; fi
    done
    die "could not find a free port"
}

# ----------------------------------------------------------- helpers -----

spki_sha256() {
    local f=$1 h
    [[ -r $f ]] || die "certificate not found: $f (set LEAF_CERT / CA_CERT)"
    h=$(openssl x509 -in "$f" -noout -pubkey | openssl pkey -pubin -outform DER |
        openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \n')
    [[ $h =~ ^[0-9a-f]{64}$ ]] || die "could not hash SPKI of $f"
    echo "$h"
}

zonefile() { echo "$LAB/zones/${1%.}.zone"; }

# kdig wrapper: short timeouts, never retries forever.
q() { kdig +time=1 +retry=0 "$@" 2>&1 || true; }

# is $1 (pid) alive and its command name $2?
pid_is() {
    local pid=$1 name=$2 comm
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    [[ -z $comm || $comm == "$name"* ]]
}

dump_logs() {
    local f
    for f in "$LAB/knot/knot.log" "$LAB/knot/knotd.out" "$LAB/unbound/unbound.log" \
             "$LAB/unbound/unbound.out" "$LAB/unbound/checkconf.out"; do
        [[ -s $f ]] || continue
        echo "----- $f (last 40 lines) -----" >&2
        tail -n 40 "$f" >&2
    done
}

# ------------------------------------------------------------- zones ------

# Records common to every child zone.
child_body() {
    local zone=$1
    cat <<EOF
\$ORIGIN $zone
\$TTL 3600
@            IN SOA   ns.$zone hostmaster.$zone 1 3600 900 604800 300
@            IN NS    ns
ns           IN A     127.0.0.1
@            IN MX    10 mx
mx           IN A     127.0.0.1
mx           IN AAAA  ::1
_25._tcp.mx  300 IN TLSA 3 1 1 $LEAF_HASH
_25._tcp.mx  300 IN TLSA 2 1 1 $CA_HASH
EOF
}

write_zones() {
    local z
    for z in "${CHILDREN[@]}"; do child_body "$z" >"$(zonefile "$z")"; done

    cat >>"$(zonefile nsec.test.)" <<EOF
; secure mismatch: TLSA that matches nothing
mismatch            IN A    127.0.0.1
_25._tcp.mismatch   300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000000
; second MX host without any TLSA: _25._tcp.mx2 TLSA is a secure NXDOMAIN
@                   IN MX   20 mx2
mx2                 IN A    127.0.0.1
; host whose TLSA owner exists with another type: _25._tcp.nodata TLSA is a
; secure NODATA (NOERROR, empty answer, NSEC proves "no TLSA type here")
nodata              IN A    127.0.0.1
_25._tcp.nodata     300 IN TXT "no TLSA here"
; CNAME to the TLSA-carrying host
alias               IN CNAME mx.nsec.test.
EOF

    # tampered.test.: sign a decoy 3 1 1 value; after signing it is replaced
    # with the real leaf hash, so a non-validating client would see a
    # "match" while the RRSIG over the TLSA RRset is bogus.
    local decoy
    decoy=$(printf '%s' "$LEAF_HASH" | tr '0-9a-f' '1-9a-f0')
    sed -i "s/TLSA 3 1 1 $LEAF_HASH/TLSA 3 1 1 $decoy/" "$(zonefile tampered.test.)"
    TAMPER_DECOY=$decoy

    ((${#BENCH_ZONES[@]} == 0)) || write_bench_zone
    local i
    for i in "${!EXTRA_NAMES[@]}"; do
        [[ -r ${EXTRA_FILES[$i]} ]] || die "EXTRA_ZONES file not readable: ${EXTRA_FILES[$i]}"
        cp "${EXTRA_FILES[$i]}" "$(zonefile "${EXTRA_NAMES[$i]}")"
    done
}

# bench.test.: h1..hN, each with an A record, a 3 1 1 TLSA for LEAF_CERT and a
# 2 1 1 TLSA for CA_CERT (the usual pair: current key plus issuing CA).
write_bench_zone() {
    {
        cat <<EOF
\$ORIGIN bench.test.
\$TTL 3600
@            IN SOA   ns.bench.test. hostmaster.bench.test. 1 3600 900 604800 300
@            IN NS    ns
ns           IN A     127.0.0.1
EOF
        awk -v n="$BENCH_HOSTS" -v hash="$LEAF_HASH" -v ca="$CA_HASH" 'BEGIN {
            for (i = 1; i <= n; i++)
                printf "h%d\tIN A\t127.0.0.1\n_25._tcp.h%d\t300 IN TLSA\t3 1 1 %s\n_25._tcp.h%d\t300 IN TLSA\t2 1 1 %s\n", i, i, hash, i, ca
        }'
    } >"$(zonefile bench.test.)"
}

# Sign $1 offline with BIND tools; extra dnssec-signzone args follow.
presign() {
    local zone=$1; shift
    local kd=$LAB/keys/${zone%.} key
    mkdir -p "$kd"
    key=$(dnssec-keygen -q -K "$kd" -a ECDSAP256SHA256 -f KSK -n ZONE "$zone")
    cat "$kd/$key.key" >>"$(zonefile "$zone")"
    # -z: the single KSK-flagged key signs everything (a CSK)
    # -P: no post-sign verification (it would reject the expired signatures)
    # -O full: one RR per line, so the tamper step can edit it with awk
    # dnssec-signzone writes its temporary output file (tmp-XXXX) into the
    # current directory and renames it afterwards: run it inside DIR.
    (cd "$LAB/zones" && dnssec-signzone -q -O full -P -z -d "$kd" -o "$zone" -K "$kd" \
        -f "$(zonefile "$zone").signed" "$@" "$(zonefile "$zone")" "$kd/$key.key" >/dev/null)
    dnssec-dsfromkey -2 "$kd/$key.key" | awk '{ $1 = $1; print }' >"$kd/ds"
}

tamper() {
    local f
    f="$(zonefile tampered.test.).signed"
    awk -v decoy="$TAMPER_DECOY" -v real="$LEAF_HASH" '
        $4 == "TLSA" && $5 == "3" && $6 == "1" && $7 == "1" && !done {
            data = ""
            for (i = 8; i <= NF; i++) data = data $i
            if (tolower(data) == decoy) {
                print $1, $2, $3, "TLSA", "3 1 1", real
                done = 1
                next
            }
        }
        { print }
        END { if (!done) exit 3 }' "$f" >"$f.tmp" || die "tamper step did not find the TLSA record"
    mv "$f.tmp" "$f"
}

write_knot_conf() {
    local port=$1 z
    local user
    user="$(id -un):$(id -gn)"
    {
        cat <<EOF
# generated by tests/dnslab/lab.sh
server:
    rundir: "$LAB/knot"
    pidfile: "$LAB/knot/knot.pid"
    user: "$user"
    listen: 127.0.0.1@$port
    udp-workers: 2
    tcp-workers: 2
    background-workers: 2
    identity: "dnslab-knot"

control:
    listen: "$LAB/knot/knot.sock"

database:
    storage: "$LAB/knot/db"

log:
  - target: "$LAB/knot/knot.log"
    any: info

policy:
  - id: csk-nsec
    algorithm: ecdsap256sha256
    single-type-signing: on
    manual: on
    nsec3: off

  - id: csk-nsec-bench
    algorithm: $BENCH_ALGORITHM
    single-type-signing: on
    manual: on
    nsec3: off

  - id: csk-nsec3
    algorithm: ecdsap256sha256
    single-type-signing: on
    manual: on
    nsec3: on
    nsec3-iterations: 0
    nsec3-salt-length: 0

template:
  - id: default
    storage: "$LAB/zones"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
    serial-policy: increment

zone:
EOF
        for z in "${ALL_ZONES[@]}"; do
            echo "  - domain: $z"
            case " ${EXTRA_NAMES[*]-} " in
                *" $z "*)
                    echo "    file: \"$(zonefile "$z")\""
                    echo "    dnssec-signing: on"
                    echo "    dnssec-policy: csk-nsec"
                    echo
                    continue ;;
            esac
            case $z in
                test. | nsec.test.)
                    echo "    file: \"$(zonefile "$z")\""
                    echo "    dnssec-signing: on"
                    echo "    dnssec-policy: csk-nsec" ;;
                bench.test.)
                    echo "    file: \"$(zonefile "$z")\""
                    echo "    dnssec-signing: on"
                    echo "    dnssec-policy: csk-nsec-bench" ;;
                nsec3.test.)
                    echo "    file: \"$(zonefile "$z")\""
                    echo "    dnssec-signing: on"
                    echo "    dnssec-policy: csk-nsec3" ;;
                expired.test. | tampered.test.)
                    echo "    file: \"$(zonefile "$z").signed\""
                    echo "    dnssec-signing: off"
                    echo "    dnssec-validation: off" ;;
                *)
                    echo "    file: \"$(zonefile "$z")\""
                    echo "    dnssec-signing: off" ;;
            esac
            echo
        done
    } >"$LAB/knot/knot.conf"
}

write_parent_zone() {
    local f z label
    f=$(zonefile test.)
    cat >"$f" <<EOF
\$ORIGIN test.
\$TTL 3600
@        IN SOA ns.test. hostmaster.test. 1 3600 900 604800 300
@        IN NS  ns
ns       IN A   127.0.0.1
EOF
    for z in "${CHILDREN[@]}" ${KNOT_EXTRA[@]+"${KNOT_EXTRA[@]}"}; do
        label=${z%.test.}
        printf '%s\tIN NS\tns.%s\nns.%s\tIN A\t127.0.0.1\n' "$label" "$z" "$label" >>"$f"
    done
    # DS for every signed child (SHA-256 only); insecure.test. gets none.
    for z in nsec.test. nsec3.test. ${KNOT_EXTRA[@]+"${KNOT_EXTRA[@]}"}; do
        keymgr -c "$LAB/knot/knot.conf" "$z" ds | awk '$5 == "2" { print $1, 3600, "IN", $2, $3, $4, $5, $6 }' >>"$f"
    done
    for z in "${PRESIGNED[@]}"; do
        awk '{ print $1, 3600, $2, $3, $4, $5, $6, $7 }' "$LAB/keys/${z%.}/ds" >>"$f"
    done
    [[ $(grep -c ' DS ' "$f") == $((4 + ${#KNOT_EXTRA[@]})) ]] ||
        die "expected $((4 + ${#KNOT_EXTRA[@]})) DS records in $f"
}

write_anchors() {
    local dnskey
    dnskey=$(keymgr -c "$LAB/knot/knot.conf" test. dnskey)
    # "test. DNSKEY 257 3 13 <b64>"
    read -r _ _ flags proto alg b64 <<<"$dnskey"
    [[ $flags == 257 && $alg == 13 && -n $b64 ]] || die "unexpected keymgr dnskey output: $dnskey"
    printf 'test. 3600 IN DNSKEY %s %s %s %s\n' "$flags" "$proto" "$alg" "$b64" >"$LAB/trust-anchor.dnskey"
    keymgr -c "$LAB/knot/knot.conf" test. ds |
        awk '$5 == "2" { print $1, 3600, "IN", $2, $3, $4, $5, $6 }' >"$LAB/trust-anchor.ds"
    [[ -s $LAB/trust-anchor.ds ]] || die "could not compute DS of test."
    cat >"$LAB/delv-anchor.conf" <<EOF
trust-anchors {
    "test." static-key $flags $proto $alg "$b64";
};
EOF
}

write_unbound_conf() {
    cat >"$LAB/unbound/unbound.conf" <<EOF
# generated by tests/dnslab/lab.sh
server:
    verbosity: 1
    interface: 127.0.0.1
    port: $UNBOUND_PORT
    do-ip4: yes
    do-ip6: no
    do-udp: yes
    do-tcp: yes
    # only ever send queries from (and therefore to) the loopback
    outgoing-interface: 127.0.0.1
    access-control: 127.0.0.0/8 allow
    do-daemonize: yes
    username: ""
    chroot: ""
    directory: "$LAB/unbound"
    pidfile: "$LAB/unbound/unbound.pid"
    logfile: "$LAB/unbound/unbound.log"
    use-syslog: no
    log-time-ascii: yes
    num-threads: 1
    so-reuseport: no
    outgoing-range: 64
    module-config: "validator iterator"
    trust-anchor-file: "$LAB/trust-anchor.dnskey"
    trust-anchor-signaling: no
    root-key-sentinel: no
    val-log-level: 2
    ede: yes
    do-not-query-localhost: no
    local-zone: "test." nodefault
    # no internet: the root is a stub to Knot too (which answers REFUSED)
    qname-minimisation: no

stub-zone:
    name: "test."
    stub-addr: 127.0.0.1@$KNOT_PORT
    stub-prime: no

# The delegations' glue says 127.0.0.1 port 53, where nothing listens; every child
# zone is served by the same Knot, so point Unbound there for each of them too.

stub-zone:
    name: "nsec.test."
    stub-addr: 127.0.0.1@$KNOT_PORT
    stub-prime: no

stub-zone:
    name: "nsec3.test."
    stub-addr: 127.0.0.1@$KNOT_PORT
    stub-prime: no

stub-zone:
    name: "expired.test."
    stub-addr: 127.0.0.1@$KNOT_PORT
    stub-prime: no

stub-zone:
    name: "tampered.test."
    stub-addr: 127.0.0.1@$KNOT_PORT
    stub-prime: no

stub-zone:
    name: "insecure.test."
    stub-addr: 127.0.0.1@$KNOT_PORT
    stub-prime: no

stub-zone:
    name: "."
    stub-addr: 127.0.0.1@$KNOT_PORT
    stub-prime: no

remote-control:
    control-enable: no
EOF
    local z
    for z in ${KNOT_EXTRA[@]+"${KNOT_EXTRA[@]}"}; do
        printf '\nstub-zone:\n    name: "%s"\n    stub-addr: 127.0.0.1@%s\n    stub-prime: no\n' \
            "$z" "$KNOT_PORT" >>"$LAB/unbound/unbound.conf"
    done
}

# ------------------------------------------------------------- start ------

wait_knot() {
    local deadline=$1 z out pending pid
    while :; do
        pending=()
        pid=$(cat "$LAB/knot/knot.pid" 2>/dev/null || true)
        if [[ -z $pid ]]; then
            ((SECONDS < deadline)) || { dump_logs; die "knotd wrote no pid file"; }
            sleep 0.05; continue
        fi
        pid_is "$pid" knotd || { dump_logs; die "knotd (pid $pid) is not running"; }
        for z in "${ALL_ZONES[@]}"; do
            out=$(q @127.0.0.1 -p "$KNOT_PORT" +dnssec +norecurse SOA "$z")
            if ! grep -q 'status: NOERROR' <<<"$out" || ! grep -qE '^;; Flags: qr aa' <<<"$out"; then
                pending+=("$z"); continue
            fi
            case " ${SIGNED_BY_KNOT[*]} ${PRESIGNED[*]} " in
                *" $z "*) grep -qE "^${z//./\\.}[[:space:]].*RRSIG[[:space:]]+SOA" <<<"$out" || pending+=("$z") ;;
            esac
        done
        ((${#pending[@]} == 0)) && return 0
        if ((SECONDS >= deadline)); then
            dump_logs; die "knotd did not serve ${pending[*]} within ${LAB_START_TIMEOUT}s (port $KNOT_PORT)"
        fi
        sleep 0.1
    done
}

wait_unbound() {
    local deadline=$1 out="" pid
    while :; do
        pid=$(cat "$LAB/unbound/unbound.pid" 2>/dev/null || true)
        if [[ -n $pid ]] && ! pid_is "$pid" unbound; then
            dump_logs; die "unbound (pid $pid) is not running"
        elif [[ -n $pid ]]; then
            out=$(q @127.0.0.1 -p "$UNBOUND_PORT" +dnssec SOA test.)
            if grep -q 'status: NOERROR' <<<"$out" && grep -qE '^;; Flags: .*\bad\b' <<<"$out"; then
                return 0
            fi
        fi
        if ((SECONDS >= deadline)); then
            echo "$out" >&2; dump_logs
            die "unbound did not return a validated (AD) answer for test. SOA within ${LAB_START_TIMEOUT}s (port $UNBOUND_PORT)"
        fi
        sleep 0.1
    done
}

check_parent_side_ds() {
    local z out
    for z in nsec.test. nsec3.test. expired.test. tampered.test. ${KNOT_EXTRA[@]+"${KNOT_EXTRA[@]}"}; do
        out=$(q @127.0.0.1 -p "$KNOT_PORT" +dnssec +norecurse DS "$z")
        if ! grep -qE "^${z//./\\.}[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+DS[[:space:]]" <<<"$out" ||
           ! grep -qE "RRSIG[[:space:]]+DS[[:space:]]+13[[:space:]]+2[[:space:]].* test\. " <<<"$out"; then
            echo "$out" >&2; die "Knot does not answer DS $z (signed) from the parent zone"
        fi
    done
    out=$(q @127.0.0.1 -p "$KNOT_PORT" +dnssec +norecurse DS insecure.test.)
    if ! grep -q 'status: NOERROR' <<<"$out" ||
       ! grep -qE '^insecure\.test\.[[:space:]].*NSEC[[:space:]]' <<<"$out"; then
        echo "$out" >&2; die "Knot does not prove the absence of DS insecure.test."
    fi
}

# EXIT trap of cmd_start: on failure, take down whatever was launched.
on_start_exit() {
    local rc=$? i
    ((rc)) || return 0
    log "start failed (rc=$rc), stopping daemons"
    if ((LAUNCHED)); then
        # a daemon that was just forked may not have written its pid file yet
        for ((i = 0; i < 40; i++)); do
            [[ -s $LAB/knot/knot.pid && -s $LAB/unbound/unbound.pid ]] && break
            sleep 0.05
        done
    fi
    cmd_stop >/dev/null 2>&1 || true
}

cmd_start() {
    need knotd keymgr kdig unbound unbound-checkconf dnssec-keygen dnssec-signzone \
         dnssec-dsfromkey openssl awk flock
    if [[ -n $BENCH_HOSTS ]] && ! [[ $BENCH_HOSTS =~ ^[1-9][0-9]{0,6}$ && $BENCH_HOSTS -le 1000000 ]]; then
        die "BENCH_HOSTS must be a number from 0 to 1000000, not '$BENCH_HOSTS'"
    fi
    mkdir -p "$LAB"
    LAB=$(cd "$LAB" && pwd -P)
    if [[ -e $LAB/lab.env || -e $LAB/knot/knot.conf ]]; then
        die "$LAB already holds a lab; use a fresh directory (or '$0 stop $LAB' first and remove it)"
    fi
    (( ${#LAB} < 80 )) || die "DIR path too long for the knot control socket: $LAB"
    local t0=$SECONDS
    LAUNCHED=0
    trap on_start_exit EXIT

    mkdir -p "$LAB/zones" "$LAB/keys" "$LAB/knot/db" "$LAB/unbound"

    LEAF_HASH=$(spki_sha256 "$LEAF_CERT")
    CA_HASH=$(spki_sha256 "$CA_CERT")

    write_zones

    # offline-signed zones (BIND tools)
    presign expired.test. -s 20200101000000 -e 20200201000000
    presign tampered.test. -s now-3600 -e now+31536000
    tamper

    # Knot keys: one CSK (ECDSA P-256) per Knot-signed zone, generated before
    # the first start so the parent can carry the DS right away.
    write_knot_conf 53   # port irrelevant for keymgr
    local z
    for z in "${SIGNED_BY_KNOT[@]}"; do
        if [[ $z == bench.test. ]]; then
            # shellcheck disable=SC2086 # BENCH_KEY_SIZE is empty or one word
            keymgr -c "$LAB/knot/knot.conf" "$z" generate algorithm="$BENCH_ALGORITHM"$BENCH_KEY_SIZE ksk=yes zsk=yes >/dev/null
        else
            keymgr -c "$LAB/knot/knot.conf" "$z" generate algorithm=ecdsap256sha256 ksk=yes zsk=yes >/dev/null
        fi
    done
    write_parent_zone
    write_anchors

    # -- ports + daemons (serialized between concurrent labs on this host)
    local lockfile
    lockfile=${TMPDIR:-/tmp}/daneguard-dnslab.$(id -u).lock
    exec 9>"$lockfile"
    flock -w 60 9 || die "could not lock $lockfile"

    if [[ -n ${KNOT_PORT:-} ]]; then
        port_is_free "$KNOT_PORT" || die "KNOT_PORT $KNOT_PORT is in use"
    else
        KNOT_PORT=$(pick_port)
    fi
    if [[ -n ${UNBOUND_PORT:-} ]]; then
        port_is_free "$UNBOUND_PORT" || die "UNBOUND_PORT $UNBOUND_PORT is in use"
    else
        UNBOUND_PORT=$(pick_port "$KNOT_PORT")
    fi
    [[ $KNOT_PORT != "$UNBOUND_PORT" ]] || die "KNOT_PORT and UNBOUND_PORT must differ"

    write_knot_conf "$KNOT_PORT"
    knotc -c "$LAB/knot/knot.conf" conf-check >"$LAB/knot/checkconf.out" 2>&1 ||
        { cat "$LAB/knot/checkconf.out" >&2; die "knot.conf invalid"; }
    write_unbound_conf
    unbound-checkconf "$LAB/unbound/unbound.conf" >"$LAB/unbound/checkconf.out" 2>&1 ||
        { cat "$LAB/unbound/checkconf.out" >&2; die "unbound.conf invalid"; }

    local deadline=$((SECONDS + LAB_START_TIMEOUT))
    # fd 9 (the lock) must not leak into the daemons
    LAUNCHED=1
    knotd -c "$LAB/knot/knot.conf" -d </dev/null >"$LAB/knot/knotd.out" 2>&1 9>&- ||
        { dump_logs; die "knotd failed to start"; }
    unbound -c "$LAB/unbound/unbound.conf" </dev/null >"$LAB/unbound/unbound.out" 2>&1 9>&- ||
        { dump_logs; die "unbound failed to start"; }

    wait_knot "$deadline"
    check_parent_side_ds
    wait_unbound "$deadline"
    exec 9>&-

    {
        echo "# generated by tests/dnslab/lab.sh start; source me"
        printf 'LAB_DIR=%q\n' "$LAB"
        printf 'KNOT_ADDR=127.0.0.1\n'
        printf 'KNOT_PORT=%q\n' "$KNOT_PORT"
        printf 'UNBOUND_ADDR=127.0.0.1\n'
        printf 'UNBOUND_PORT=%q\n' "$UNBOUND_PORT"
        printf 'TRUST_ANCHOR=%q\n' "$LAB/trust-anchor.dnskey"
        printf 'TRUST_ANCHOR_DS=%q\n' "$LAB/trust-anchor.ds"
        printf 'DELV_ANCHOR=%q\n' "$LAB/delv-anchor.conf"
        printf 'KNOT_PIDFILE=%q\n' "$LAB/knot/knot.pid"
        printf 'UNBOUND_PIDFILE=%q\n' "$LAB/unbound/unbound.pid"
        printf 'KNOT_LOG=%q\n' "$LAB/knot/knot.log"
        printf 'UNBOUND_LOG=%q\n' "$LAB/unbound/unbound.log"
        printf 'LEAF_CERT=%q\n' "$LEAF_CERT"
        printf 'CA_CERT=%q\n' "$CA_CERT"
        printf 'LEAF_SPKI_SHA256=%q\n' "$LEAF_HASH"
        printf 'CA_SPKI_SHA256=%q\n' "$CA_HASH"
        echo "# zones (all served by Knot); names below are without trailing dot"
        echo "ANCHOR_ZONE=test"
        echo "ZONE_NSEC=nsec.test"
        echo "ZONE_NSEC3=nsec3.test"
        echo "ZONE_EXPIRED=expired.test"
        echo "ZONE_TAMPERED=tampered.test"
        echo "ZONE_INSECURE=insecure.test"
        echo "# TLSA owner names (_25._tcp.mx.<zone>) and MX hosts"
        echo "TLSA_NSEC=_25._tcp.mx.nsec.test"
        echo "TLSA_NSEC3=_25._tcp.mx.nsec3.test"
        echo "TLSA_EXPIRED=_25._tcp.mx.expired.test"
        echo "TLSA_TAMPERED=_25._tcp.mx.tampered.test"
        echo "TLSA_INSECURE=_25._tcp.mx.insecure.test"
        echo "MX_NSEC=mx.nsec.test"
        echo "MX_NSEC3=mx.nsec3.test"
        echo "MX_EXPIRED=mx.expired.test"
        echo "MX_TAMPERED=mx.tampered.test"
        echo "MX_INSECURE=mx.insecure.test"
        echo "# special names in nsec.test"
        echo "HOST_MISMATCH=mismatch.nsec.test"
        echo "TLSA_MISMATCH=_25._tcp.mismatch.nsec.test"
        echo "HOST_NO_TLSA=mx2.nsec.test"
        echo "TLSA_NO_TLSA=_25._tcp.mx2.nsec.test   # secure NXDOMAIN"
        echo "HOST_TLSA_NODATA=nodata.nsec.test"
        echo "TLSA_NODATA=_25._tcp.nodata.nsec.test # secure NODATA (TXT exists there)"
        echo "CNAME_ALIAS=alias.nsec.test"
        echo "CNAME_TARGET=mx.nsec.test"
        if ((${#BENCH_ZONES[@]})); then
            echo "# benchmark zone (BENCH_HOSTS): h1.bench.test ... h$BENCH_HOSTS.bench.test"
            echo "BENCH_ZONE=bench.test"
            printf 'BENCH_HOSTS=%q\n' "$BENCH_HOSTS"
        fi
    } >"$LAB/lab.env.tmp"
    mv "$LAB/lab.env.tmp" "$LAB/lab.env"
    trap - EXIT
    log "up in $((SECONDS - t0))s: knot 127.0.0.1:$KNOT_PORT, unbound 127.0.0.1:$UNBOUND_PORT, env $LAB/lab.env"
}

# -------------------------------------------------------------- stop ------

# Stop both daemons in parallel: SIGTERM, wait up to 5 s, then SIGKILL.
# Only processes named in our own pid files (and still carrying the expected
# command name) are signalled. Safe to call any number of times.
cmd_stop() {
    [[ -d $LAB ]] || return 0
    LAB=$(cd "$LAB" && pwd -P)
    local entries=("$LAB/unbound/unbound.pid:unbound" "$LAB/knot/knot.pid:knotd")
    local e pidfile name pid i alive live=()
    for e in "${entries[@]}"; do
        pidfile=${e%:*} name=${e##*:}
        [[ -f $pidfile ]] || continue
        pid=$(cat "$pidfile" 2>/dev/null || true)
        if pid_is "$pid" "$name"; then
            kill -TERM "$pid" 2>/dev/null || true
            live+=("$pid:$name")
        fi
    done
    for ((i = 0; i < 100; i++)); do
        alive=()
        for e in "${live[@]+"${live[@]}"}"; do pid_is "${e%:*}" "${e##*:}" && alive+=("$e"); done
        ((${#alive[@]})) || break
        sleep 0.05
    done
    for e in "${alive[@]+"${alive[@]}"}"; do
        log "${e##*:} (${e%:*}) ignored SIGTERM, sending SIGKILL"
        kill -KILL "${e%:*}" 2>/dev/null || true
    done
    for ((i = 0; i < 40; i++)); do
        alive=()
        for e in "${live[@]+"${live[@]}"}"; do pid_is "${e%:*}" "${e##*:}" && alive+=("$e"); done
        ((${#alive[@]})) || break
        sleep 0.05
    done
    ((${#alive[@]} == 0)) || die "could not stop: ${alive[*]}"
    rm -f "$LAB/unbound/unbound.pid" "$LAB/knot/knot.pid"
}

# ------------------------------------------------------------- check ------

cmd_check() {
    need kdig delv
    [[ -f $LAB/lab.env ]] || die "no lab.env in $LAB (run start first)"
    # shellcheck disable=SC1091
    source "$LAB/lab.env"
    local fails=0 name out status ad rrsig got want

    # "name|expected unbound result|expected delv result"
    local cases=(
        "_25._tcp.mx.nsec.test TLSA|NOERROR+AD|fully validated"
        "_25._tcp.mx.nsec3.test TLSA|NOERROR+AD|fully validated"
        "_25._tcp.mx.expired.test TLSA|SERVFAIL|resolution failed: broken trust chain"
        "_25._tcp.mx.tampered.test TLSA|SERVFAIL|resolution failed: RRSIG failed to verify"
        "_25._tcp.mx.insecure.test TLSA|NOERROR|unsigned answer"
        "_25._tcp.mismatch.nsec.test TLSA|NOERROR+AD|fully validated"
        "_25._tcp.mx2.nsec.test TLSA|NXDOMAIN+AD|negative response, fully validated"
        "_25._tcp.nodata.nsec.test TLSA|NODATA+AD|negative response, fully validated"
        "_25._tcp.mx.nsec3.test A|NODATA+AD|negative response, fully validated"
        "nope.nsec.test TLSA|NXDOMAIN+AD|negative response, fully validated"
        "nope.nsec3.test A|NXDOMAIN+AD|negative response, fully validated"
        "nope.insecure.test A|NXDOMAIN|negative response, unsigned answer"
        "_25._tcp.mx.expired.test A|SERVFAIL|resolution failed: broken trust chain"
        "mx.tampered.test A|NOERROR+AD|fully validated"
        "alias.nsec.test A|NOERROR+AD|fully validated"
        "nsec.test MX|NOERROR+AD|fully validated"
        "mx.insecure.test A|NOERROR|unsigned answer"
    )
    if [[ -n ${BENCH_ZONE:-} && -n ${BENCH_HOSTS:-} ]]; then
        cases+=(
            "_25._tcp.h1.$BENCH_ZONE TLSA|NOERROR+AD|fully validated"
            "_25._tcp.h$BENCH_HOSTS.$BENCH_ZONE TLSA|NOERROR+AD|fully validated"
            "h$BENCH_HOSTS.$BENCH_ZONE A|NOERROR+AD|fully validated"
            "_25._tcp.h$((BENCH_HOSTS + 1)).$BENCH_ZONE TLSA|NXDOMAIN+AD|negative response, fully validated"
        )
    fi
    printf "%-34s %-12s %-12s %-42s %s\n" "QUERY" "UNBOUND" "EXPECTED" "DELV (against Knot directly)" "RESULT"
    local c qn qt wu wd du
    for c in "${cases[@]}"; do
        IFS='|' read -r name wu wd <<<"$c"
        read -r qn qt <<<"$name"
        out=$(q @127.0.0.1 -p "$UNBOUND_PORT" +dnssec "$qt" "$qn")
        status=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out" | head -1)
        ad=; grep -qE '^;; Flags: .*\bad\b' <<<"$out" && ad=+AD
        if [[ $status == NOERROR ]] && grep -qE "^;; Flags: .*; ANSWER: 0;" <<<"$out"; then status=NODATA; fi
        got="${status:-TIMEOUT}$ad"
        out=$(delv -a "$DELV_ANCHOR" +root=test. @127.0.0.1 -p "$KNOT_PORT" "$qn" "$qt" 2>&1 || true)
        du=$(grep -m1 -E "^; [a-z]" <<<"$out" || grep -m1 "^;; resolution failed" <<<"$out" || echo "no verdict")
        du=${du#;; }; du=${du#; }
        local mark=ok
        [[ $got == "$wu" ]] || { mark=FAIL; fails=$((fails + 1)); }
        [[ $du == "$wd"* ]] || { mark=FAIL; fails=$((fails + 1)); }
        [[ $mark == ok ]] || mark="FAIL (want delv: $wd)"
        printf "%-34s %-12s %-12s %-42s %s\n" "$name" "$got" "$wu" "$du" "$mark"
    done

    # direct to Knot: RRSIGs present for signed zones, absent for insecure
    for c in nsec.test nsec3.test expired.test tampered.test insecure.test; do
        out=$(q @127.0.0.1 -p "$KNOT_PORT" +dnssec +norecurse TLSA "_25._tcp.mx.$c")
        if grep -qE 'RRSIG[[:space:]]+TLSA' <<<"$out"; then rrsig=yes; else rrsig=no; fi
        printf 'knot direct _25._tcp.mx.%-16s RRSIG=%s\n' "$c" "$rrsig"
        if [[ $c == insecure.test ]]; then want=no; else want=yes; fi
        [[ $rrsig == "$want" ]] || { fails=$((fails + 1)); echo "  FAIL: expected RRSIG=$want"; }
    done
    ((fails == 0)) || die "$fails check(s) failed"
    log "all checks passed"
}

# -------------------------------------------------------------- main ------

(($# == 2)) || usage
LAB=$2
[[ -n $LAB ]] || usage
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    check) cmd_check ;;
    *) usage ;;
esac
