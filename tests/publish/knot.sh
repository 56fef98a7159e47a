#!/usr/bin/env bash
# A Knot DNS primary for `daneguard publish` tests: zone dane.test., signed by Knot
# itself (dnssec-signing: on, so every dynamic update gets signed), dynamic updates
# allowed only with the TSIG key DIR/update.key (keymgr -t), listening on 127.0.0.1.
#
#   knot.sh start DIR   writes DIR/env (KNOT_PORT, KEY_KNOT, KEY_BIND, DELV_ANCHOR) and
#                       waits until the zone is served signed
#   knot.sh stop DIR    stops it (idempotent)
set -euo pipefail

cmd=${1:?start|stop}
dir=$(realpath -m "${2:?DIR}")

free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 12000))
        local hex
        hex=$(printf ':%04X ' "$p")
        if ! grep -qi "$hex" /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    echo "no free port" >&2
    exit 1
}

start() {
    mkdir -p "$dir/db" "$dir/zones"
    local port user
    port=${KNOT_PORT:-$(free_port)}
    user="$(id -un):$(id -gn)"
    umask 077   # key files: their owner's alone (daneguard warns otherwise)
    keymgr -t dg-update hmac-sha256 >"$dir/update.key"
    # the same key in BIND's format, for nsupdate -k and for daneguard's BIND reader
    local secret
    secret=$(awk '$1 == "secret:" { print $2 }' "$dir/update.key")
    printf 'key "dg-update" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" >"$dir/update.bind.key"
    # a key Knot does not know, and the known name with another secret
    keymgr -t dg-stranger hmac-sha256 >"$dir/stranger.key"
    keymgr -t dg-update hmac-sha256 >"$dir/wrong-secret.key"
    umask 022
    cat >"$dir/zones/dane.test.zone" <<ZONE
\$ORIGIN dane.test.
\$TTL 300
@   SOA ns1 hostmaster 1 3600 900 604800 300
@   NS  ns1
ns1 A   127.0.0.1
mx  A   127.0.0.1
ZONE
    cat >"$dir/knot.conf" <<CONF
server:
    rundir: "$dir"
    pidfile: "$dir/knot.pid"
    user: "$user"
    listen: 127.0.0.1@$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1

control:
    listen: "$dir/knot.sock"

database:
    storage: "$dir/db"

log:
  - target: "$dir/knot.log"
    any: info

$(sed -n '/^key:/,$p' "$dir/update.key")

acl:
  - id: update
    key: dg-update
    action: update

policy:
  - id: fast
    algorithm: ecdsap256sha256
    single-type-signing: on
    nsec3: off

zone:
  - domain: dane.test.
    storage: "$dir/zones"
    file: "dane.test.zone"
    zonefile-sync: -1
    journal-content: changes
    dnssec-signing: on
    dnssec-policy: fast
    serial-policy: increment
    acl: update
CONF
    knotc -c "$dir/knot.conf" conf-check >/dev/null
    knotd -c "$dir/knot.conf" -d </dev/null >"$dir/knotd.out" 2>&1
    local deadline=$((SECONDS + 20))
    until kdig @127.0.0.1 -p "$port" +dnssec +short +time=1 +retry=0 SOA dane.test. 2>/dev/null | grep -q '^SOA '; do
        if ((SECONDS > deadline)); then
            cat "$dir/knot.log" "$dir/knotd.out" >&2 || true
            echo "knotd did not serve dane.test. signed on port $port" >&2
            exit 1
        fi
        sleep 0.2
    done
    # delv's anchor: the zone's KSK (a CSK here), as a static key for dane.test.
    local flags proto alg b64
    read -r _ _ flags proto alg b64 < <(keymgr -c "$dir/knot.conf" dane.test. dnskey | head -1)
    printf 'trust-anchors {\n    "dane.test." static-key %s %s %s "%s";\n};\n' "$flags" "$proto" "$alg" "$b64" >"$dir/delv-anchor.conf"
    printf 'dane.test. 3600 IN DNSKEY %s %s %s %s\n' "$flags" "$proto" "$alg" "$b64" >"$dir/anchor.dnskey"
    {
        echo "KNOT_PORT=$port"
        echo "KEY_KNOT=$dir/update.key"
        echo "KEY_BIND=$dir/update.bind.key"
        echo "DELV_ANCHOR=$dir/delv-anchor.conf"
    } >"$dir/env"
}

stop() {
    local pid
    pid=$(cat "$dir/knot.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$dir/knot.pid"
}

case $cmd in
    start) start ;;
    stop) stop ;;
    *) echo "usage: knot.sh start|stop DIR" >&2; exit 2 ;;
esac
