#!/usr/bin/env bash
# check --all-ns against real authoritative servers: the signed zone allns.test. is
# served by Knot (ns1, 127.0.0.11) and NSD (ns2, 127.0.0.12), delegated from the signed
# parent test. (Knot, 127.0.0.10); Unbound on 127.0.0.1 is the resolver daneguard
# forwards to. Name servers are asked on port 53 (the NS records' addresses carry no
# port), so everything runs in a private network namespace (unshare --net).
#
#   run.sh OUT   writes OUT/CASE.json, OUT/CASE.err and OUT/CASE.rc: daneguard's
#                `check --all-ns --format json` for each CASE: `fresh` (both servers
#                serve the current zone, serial 2), `stale` (NSD serves the previous
#                copy, serial 1, with another TLSA record), `tampered` (NSD serves the
#                current copy with the TLSA data changed after signing) and `down`
#                (NSD stopped). tests/cli/allns.rs asserts on them.
#                Then `stage`/`deploy` with `every_server` (the default): the new
#                key's record for smtp.allns.test (TTL 1) is on Knot but not yet on a
#                stale NSD, then on both; OUT/deploy-STEP.{out,err,rc} and
#                OUT/deployed-STEP.spki (the deployed file's key) record each step.
#
# Environment: DANEGUARD (the binary, required), AN_KEEP=1 keeps the work directory.
# Needs root (or passwordless sudo) for the namespace. Nothing leaves 127.0.0.0/8.
set -euo pipefail

die() { printf 'allns: ERROR: %s\n' "$*" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
OUT=${1:?usage: run.sh OUT}
DANEGUARD=${DANEGUARD:?set DANEGUARD to the daneguard binary}

if [[ -z ${AN_IN_NS:-} ]]; then
    for t in knotd nsd unbound ldns-keygen ldns-signzone unshare ip kdig; do
        command -v "$t" >/dev/null 2>&1 || die "missing tool: $t (run .ci/test, which installs it)"
    done
    [[ -x $DANEGUARD ]] || die "no daneguard binary at $DANEGUARD"
    if [[ $(id -u) != 0 ]]; then
        sudo -n true 2>/dev/null || die "needs root or passwordless sudo (unshare --net)"
        exec sudo -n --preserve-env=DANEGUARD,AN_KEEP bash "$0" "$@"
    fi
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd -P)
    exec unshare --net --fork env AN_IN_NS=1 DANEGUARD="$DANEGUARD" AN_KEEP="${AN_KEEP:-}" \
        bash "$0" "$OUT"
fi

# ---------------------------------------------------------------- inside ----
ip link set lo up
W=$(mktemp -d /tmp/allns.XXXXXX)
chmod 755 "$W"
PIDS=()
cleanup() {
    local p
    for p in ${PIDS[@]+"${PIDS[@]}"}; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [[ -n ${AN_KEEP:-} ]] || rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W"/{zones,keys,knot,nsd,unbound}

OLD=$(printf 'old key' | sha256sum | cut -d' ' -f1)
NEW=$(printf 'new key' | sha256sum | cut -d' ' -f1)
# the deployment scenario: real keys (openssl decides the digests)
spki() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -d' ' -f1; }
KEY_OLD=$(spki "$ROOT/testdata/pki/mx-p256/cert.pem")
KEY_NEW=$(spki "$ROOT/testdata/pki/mx-p256-newkey/cert.pem")

# keys: one KSK + ZSK pair per zone; each ldns-keygen prints the key's base name
keys() {
    (cd "$W/keys" && echo "$(ldns-keygen -a ECDSAP256SHA256 -k "$1")" "$(ldns-keygen -a ECDSAP256SHA256 "$1")")
}
read -r CHILD_KSK CHILD_ZSK < <(keys allns.test.)
read -r PARENT_KSK PARENT_ZSK < <(keys test.)

child() { # SERIAL TLSA-HASH SMTP-TLSA-HASH...
    local serial=$1 hash=$2 h
    shift 2
    cat <<EOF
\$ORIGIN allns.test.
\$TTL 300
@           SOA  ns1 hostmaster $serial 3600 900 604800 300
@           NS   ns1
@           NS   ns2
ns1         A    127.0.0.11
ns2         A    127.0.0.12
mx          A    127.0.0.25
_25._tcp.mx TLSA 3 1 1 $hash
smtp        A    127.0.0.26
EOF
    for h in "$@"; do printf '_25._tcp.smtp 1 TLSA 3 1 1 %s\n' "$h"; done
}
child 1 "$OLD" "$KEY_OLD" >"$W/zones/allns.v1"
child 2 "$NEW" "$KEY_OLD" "$KEY_NEW" >"$W/zones/allns.v2"
cat >"$W/zones/test" <<EOF
\$ORIGIN test.
\$TTL 300
@               SOA  ns hostmaster 1 3600 900 604800 300
@               NS   ns
ns              A    127.0.0.10
allns           NS   ns1.allns.test.
allns           NS   ns2.allns.test.
ns1.allns       A    127.0.0.11
ns2.allns       A    127.0.0.12
EOF
cat "$W/keys/$CHILD_KSK.ds" >>"$W/zones/test"
for z in allns.v1 allns.v2; do
    ldns-signzone -f "$W/zones/$z.signed" "$W/zones/$z" "$W/keys/$CHILD_KSK" "$W/keys/$CHILD_ZSK"
done
ldns-signzone -f "$W/zones/test.signed" "$W/zones/test" "$W/keys/$PARENT_KSK" "$W/keys/$PARENT_ZSK"
cp "$W/keys/$PARENT_KSK.ds" "$W/anchor.ds"

cat >"$W/knot/knot.conf" <<EOF
server:
    rundir: "$W/knot"
    listen: [ 127.0.0.10@53, 127.0.0.11@53 ]
log:
  - target: "$W/knot/knot.log"
    any: info
database:
    storage: "$W/knot"
template:
  - id: default
    storage: "$W/zones"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: test.
    file: test.signed
  - domain: allns.test.
    file: allns.v2.signed
EOF

nsd_conf() { # ZONEFILE
    cat >"$W/nsd/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.12
    port: 53
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$W/zones"
    pidfile: "$W/nsd/nsd.pid"
    xfrdfile: "$W/nsd/xfrd.state"
    xfrdir: "$W/nsd"
    zonelistfile: "$W/nsd/zone.list"
    logfile: "$W/nsd/nsd.log"
remote-control:
    control-enable: no
zone:
    name: allns.test.
    zonefile: "$1"
EOF
}

cat >"$W/unbound/unbound.conf" <<EOF
server:
    interface: 127.0.0.1
    port: 53
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    username: ""
    chroot: ""
    directory: "$W/unbound"
    pidfile: "$W/unbound/unbound.pid"
    use-syslog: no
    logfile: "$W/unbound/unbound.log"
    module-config: "validator iterator"
    trust-anchor-file: "$W/anchor.ds"
    qname-minimisation: no
    # test. is special-use (RFC 6761): Unbound answers it itself unless told not to
    local-zone: "test." nodefault
remote-control:
    control-enable: no
stub-zone:
    name: "test."
    stub-addr: 127.0.0.10
EOF

# waits until SERVER answers NAME SOA with SERIAL (or anything, without one)
wait_for() { # SERVER NAME [SERIAL]
    local i answer
    for ((i = 0; i < 100; i++)); do
        answer=$(kdig +time=1 +retry=0 +short @"$1" "$2" SOA 2>/dev/null || true)
        if [[ -n $answer && ( -z ${3:-} || $(awk '{print $3}' <<<"$answer") == "$3" ) ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "$1 does not answer $2 SOA ${3:-}"
}

NSD_PID=
stop_nsd() {
    [[ -n $NSD_PID ]] || return 0
    kill "$NSD_PID" 2>/dev/null || true
    wait "$NSD_PID" 2>/dev/null || true
    NSD_PID=
}

start_nsd() { # ZONEFILE SERIAL
    stop_nsd
    nsd_conf "$1"
    nsd -c "$W/nsd/nsd.conf" -d >>"$W/nsd/nsd.out" 2>&1 &
    NSD_PID=$!
    PIDS+=($!)
    wait_for 127.0.0.12 allns.test. "$2"
}

knotd -c "$W/knot/knot.conf" >"$W/knot/knotd.out" 2>&1 &
PIDS+=($!)
wait_for 127.0.0.10 test.
wait_for 127.0.0.11 allns.test. 2
start_nsd allns.v2.signed 2
UNBOUND_PID=
start_unbound() { # (again): a fresh cache
    if [[ -n $UNBOUND_PID ]]; then
        kill "$UNBOUND_PID" 2>/dev/null || true
        wait "$UNBOUND_PID" 2>/dev/null || true
    fi
    unbound -d -c "$W/unbound/unbound.conf" >>"$W/unbound/unbound.out" 2>&1 &
    UNBOUND_PID=$!
    PIDS+=($!)
    wait_for 127.0.0.1 allns.test.
}
start_unbound

check() { # NAME
    local rc=0
    "$DANEGUARD" check --all-ns --resolver 127.0.0.1 --trust-anchor "$W/anchor.ds" --timeout 2 \
        --format json mx.allns.test >"$OUT/$1.json" 2>"$OUT/$1.err" || rc=$?
    # the table as well, for the README
    "$DANEGUARD" check --all-ns --resolver 127.0.0.1 --trust-anchor "$W/anchor.ds" --timeout 2 \
        --format table mx.allns.test >"$OUT/$1.txt" 2>&1 || true
    echo "$rc" >"$OUT/$1.rc"
}

check fresh
# the secondary falls behind: NSD serves the previous copy with the old record
start_nsd allns.v1.signed 1
check stale
# NSD serves the current copy with the TLSA data changed after signing: bogus there
sed "s/TLSA[[:space:]]*3 1 1 $NEW/TLSA 3 1 1 $OLD/" "$W/zones/allns.v2.signed" >"$W/zones/allns.tampered"
grep -q "TLSA.*$OLD" "$W/zones/allns.tampered" || die "could not tamper with the signed zone"
start_nsd allns.tampered 2
check tampered
# NSD is down: its address does not answer
stop_nsd
check down

# ------------------------------------------------------ deploy, every server ----
# smtp.allns.test's server reads $W/deploy/smtp.pem (the old key). The new key's
# record is published on Knot only: NSD is a stale secondary.
mkdir -p "$W/deploy"
cat "$ROOT/testdata/pki/mx-p256/privkey.pem" "$ROOT/testdata/pki/mx-p256/fullchain.pem" >"$W/deploy/smtp.pem"
chmod 600 "$W/deploy/smtp.pem"
cat >"$W/daneguard.toml" <<EOF
state_dir = "$W/state"

[dns]
resolvers = ["127.0.0.1"]
trust_anchor = "$W/anchor.ds"
# every_server = true is the default: each NS address is asked on port 53

[[certificate]]
name = "smtp"
hosts = ["smtp.allns.test"]
deploy = "$W/deploy/smtp.pem"
EOF
step() { # NAME daneguard-ARGS...
    local name=$1 rc=0
    shift
    "$DANEGUARD" "$@" --config "$W/daneguard.toml" >"$OUT/deploy-$name.out" 2>"$OUT/deploy-$name.err" || rc=$?
    echo "$rc" >"$OUT/deploy-$name.rc"
}
deployed_key() { # STEP: the key of the first certificate in the deployed file
    openssl x509 -in "$W/deploy/smtp.pem" -noout -pubkey | openssl pkey -pubin -outform DER |
        openssl dgst -sha256 -r | cut -d' ' -f1 >"$OUT/deployed-$1.spki"
}
start_nsd allns.v1.signed 1
step stage stage smtp --chain "$ROOT/testdata/pki/mx-p256-newkey/fullchain.pem" \
    --key "$ROOT/testdata/pki/mx-p256-newkey/privkey.pem"
sleep 2.2
step stale deploy
deployed_key stale
# the secondary catches up: from now on both serve the new record. The resolver starts
# with an empty cache, so that what it serves is what the servers serve now (this
# harness tests the servers, not the resolver's cache: a CI run once got the old RRset
# from Unbound after its TTL of 1 s).
start_nsd allns.v2.signed 2
start_unbound
step seen deploy
sleep 2.2
step deployed deploy
deployed_key deployed
echo "$KEY_OLD $KEY_NEW" >"$OUT/keys"
echo "allns: done; results in $OUT" >&2
