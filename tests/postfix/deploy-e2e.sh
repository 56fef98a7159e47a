#!/usr/bin/env bash
# tests/postfix/deploy-e2e.sh OUTDIR: a certbot renewal with a new key, staged by
# daneguard, against a real Postfix smtpd and a real signed zone (issue 10, "Done
# means" item 1).
#
# certbot (Debian) issues and renews against pebble on 127.0.0.1, with daneguard wired
# as the README says (--deploy-hook 'daneguard certbot-hook --config ...'); a private
# Postfix smtpd on 127.0.0.1:25 serves daneguard's combined file
# (smtpd_tls_chain_files = that one file) and is reloaded by daneguard's `reload`
# command; Knot signs dane.test. (TTL 5) in the DNS lab and Unbound validates for
# Postfix's own DANE client (posttls-finger). A second smtpd on port 2525 serves
# certbot's live/ files directly: the control that shows what the staging prevents.
#
# Then a rollover to a key made ahead of time (`stage --next-key`) with certbot keeping
# reuse_key, run with the certbot command daneguard prints.
#
# Every check is one line of OUTDIR/steps.tsv: step, expected, got, ok|FAIL. The
# script exits non-zero at the first FAIL (and on any harness error); the Rust test
# (tests/cli/postfix.rs) also checks that every step ran. Like run.sh it runs in a
# private mount + network namespace (root): only 127.0.0.0/8 exists there, and
# /etc/resolv.conf is a private bind mount (the host's file is never touched).
#
# Environment: DANEGUARD (default target/debug/daneguard), PF_KEEP=1 (keep the work
# directory), LAB_START_TIMEOUT (default 60).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
# shellcheck source=tests/postfix/lib.sh
source "$SCRIPT_DIR/lib.sh"

(($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
DANEGUARD=${DANEGUARD:-$REPO_ROOT/target/debug/daneguard}
TTL=5
PEBBLE_PORT=14000
ACME_HTTP_PORT=5002

if [[ -z ${PF_IN_NS:-} ]]; then
    for t in postfix posttls-finger openssl unshare mount ip knotd knotc unbound kdig certbot pebble; do
        command -v "$t" >/dev/null 2>&1 || pf_die "missing tool: $t (run .ci/test, which installs it)"
    done
    [[ -x $DANEGUARD ]] || pf_die "no daneguard binary at $DANEGUARD (cargo build, or set DANEGUARD)"
    if [[ $(id -u) != 0 ]]; then
        sudo -n true 2>/dev/null || pf_die "needs root or passwordless sudo (Postfix's master, unshare -mn)"
        exec sudo -n --preserve-env=DANEGUARD,PF_KEEP,LAB_START_TIMEOUT bash "$0" "$@"
    fi
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd -P)
    # --kill-child=TERM: if unshare itself is killed (timeout -k), the script still
    # gets to run its EXIT trap and stop the daemons
    exec unshare --mount --net --fork --kill-child=TERM --propagation private \
        env PF_IN_NS=1 DANEGUARD="$DANEGUARD" bash "$0" "$OUT"
fi

ip link set lo up
W=$(mktemp -d /tmp/pfd.XXXXXX) # short: Knot's control socket path must stay short
chmod 755 "$W"                 # Postfix daemons run as the postfix user
LAB=$W/lab
RX=$W/rx
LE=$W/le
CONF=$W/daneguard.toml
TARGET=$W/certs/mx.pem
ZONE=$W/dane.test.zone
PEBBLE_PID=""
: >"$OUT/steps.tsv"
: >"$OUT/certbot.log"
: >"$OUT/daneguard.log"

cleanup() {
    local rc=$?
    pf_stop "$RX" || true
    [[ -z $PEBBLE_PID ]] || kill "$PEBBLE_PID" 2>/dev/null || true
    if [[ -d $LAB ]]; then bash "$REPO_ROOT/tests/dnslab/lab.sh" stop "$LAB" >/dev/null 2>&1 || true; fi
    cp "$RX/maillog" "$OUT/rx.maillog" 2>/dev/null || true
    if [[ -n ${PF_KEEP:-} ]]; then pf_log "work directory kept: $W"; else rm -rf "$W"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# set -e stops silently otherwise
trap 'pf_log "command failed at line $LINENO: $BASH_COMMAND"' ERR

dg() { # ARGS...: daneguard with the configuration; stdout+stderr to $W/dg.out, prints the exit status
    local rc=0
    "$DANEGUARD" "$@" --config "$CONF" >"$W/dg.out" 2>&1 || rc=$?
    cat "$W/dg.out" >>"$OUT/daneguard.log"
    echo "$rc"
}

# ------------------------------------------------------------------- DNS ---

write_zone() { # SERIAL SPKI...: dane.test. with one 3 1 1 per SPKI hash at _25._tcp.mx (and _2525)
    local serial=$1 h
    shift
    cat >"$ZONE" <<EOF
\$ORIGIN dane.test.
\$TTL $TTL
@   IN SOA ns.dane.test. hostmaster.dane.test. $serial 3600 900 604800 $TTL
@   IN NS  ns
ns  IN A   127.0.0.1
mx  IN A   127.0.0.1
EOF
    # the same records for the control smtpd on port 2525, so that Postfix's DANE client
    # judges it too
    for h in "$@"; do printf '_25._tcp.mx IN TLSA 3 1 1 %s\n_2525._tcp.mx IN TLSA 3 1 1 %s\n' "$h" "$h" >>"$ZONE"; done
}

start_dns() {
    write_zone 1
    LAB_START_TIMEOUT=${LAB_START_TIMEOUT:-60} UNBOUND_PORT=53 EXTRA_ZONES="dane.test.=$ZONE" \
        bash "$REPO_ROOT/tests/dnslab/lab.sh" start "$LAB" >"$W/lab.out" 2>&1 ||
        { cat "$W/lab.out" >&2; pf_die "DNS lab did not start"; }
    # shellcheck disable=SC1091
    source "$LAB/lab.env"
    # Postfix's DANE client asks the system resolver: the lab's validating Unbound.
    # trust-ad: glibc passes the AD bit on only with it.
    printf 'nameserver 127.0.0.1\noptions trust-ad timeout:2 attempts:2\n' >"$W/resolv.conf"
    mount --bind "$W/resolv.conf" /etc/resolv.conf
}

# publish SERIAL SPKI...: the zone with these records, re-signed by Knot; returns once
# Knot serves the new serial.
publish() {
    local serial=$1 i
    write_zone "$@"
    # the lab copied the file; Knot reads its own copy
    cp "$ZONE" "$LAB/zones/dane.test.zone"
    knotc -c "$LAB/knot/knot.conf" zone-reload dane.test. >/dev/null
    for ((i = 0; i < 100; i++)); do
        kdig @127.0.0.1 -p "$KNOT_PORT" +short SOA dane.test. 2>/dev/null | awk '{print $3}' |
            grep -qx "$serial" && return 0
        sleep 0.1
    done
    pf_die "Knot did not serve serial $serial of dane.test."
}

# ------------------------------------------------------------------ ACME ---

start_pebble() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/pebble.key" \
        -out "$W/pebble.pem" -days 2 -subj /CN=localhost \
        -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null
    cat >"$W/pebble.json" <<EOF
{"pebble":{"listenAddress":"127.0.0.1:$PEBBLE_PORT","managementListenAddress":"127.0.0.1:15000",
"certificate":"$W/pebble.pem","privateKey":"$W/pebble.key","httpPort":$ACME_HTTP_PORT,"tlsPort":5001,
"ocspResponderURL":"","externalAccountBindingRequired":false}}
EOF
    PEBBLE_VA_ALWAYS_VALID=1 PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 \
        pebble -config "$W/pebble.json" >"$W/pebble.log" 2>&1 &
    PEBBLE_PID=$!
    pf_wait_port "$PEBBLE_PORT"
}

certbot_run() { # ARGS...: certbot with private directories, trusting pebble; its output to certbot.log
    printf '$ certbot %s\n' "$*" >>"$W/certbot.log"
    REQUESTS_CA_BUNDLE=$W/pebble.pem certbot --config-dir "$LE" --work-dir "$W/work" --logs-dir "$W/logs" \
        "$@" >>"$W/certbot.log" 2>&1 || { cat "$W/certbot.log" >&2; pf_die "certbot $1 failed"; }
    cat "$W/certbot.log" >>"$OUT/certbot.log"
}

write_config() {
    mkdir -p "$W/certs"
    chmod 700 "$W/certs"
    cat >"$CONF" <<EOF
state_dir = "$W/state"

[dns]
resolvers = ["127.0.0.1:$KNOT_PORT"]
trust_anchor = "$TRUST_ANCHOR"
# The lab's Knot listens on a high port; name servers are asked on port 53.
every_server = false

[[certificate]]
name = "mx"
lineage = "$LE/live/mx"
hosts = ["mx.dane.test"]
ports = [25]
deploy = "$TARGET"
reload = "postfix -c $RX/etc reload"
EOF
}

# ---------------------------------------------------------------- Postfix ---

start_postfix() {
    pf_instance "$RX" rx
    # posttls-finger reads this main.cf: DANE needs DNSSEC lookups
    postconf -c "$RX/etc" -e 'smtp_dns_support_level = dnssec' 'smtp_host_lookup = dns'
    # max_idle=2: idle smtpd processes exit after 2 s, so new ones start (and read the
    # files again) within seconds, as they do on a busy server
    pf_smtpd "$RX" 25 "$TARGET" may max_idle=2
    # the control: certbot's files served directly, as the issue's failing setup did
    pf_smtpd "$RX" 2525 "$LE/live/mx/privkey.pem,$LE/live/mx/fullchain.pem" may max_idle=2
    pf_start "$RX"
    pf_wait_port 25
    pf_wait_port 2525
}

# smtpd pids of port 25 that have logged a connection so far
smtpd_pids() { sed -nE 's#.* rx/smtpd-25/smtpd\[([0-9]+)\]: connect from .*#\1#p' "$RX/maillog" | sort -u; }

# process_age PID LINES: "old" when smtpd PID logged within the first LINES lines of
# Postfix's log, "new" when it did not, "none" without a pid
process_age() {
    [[ -n $1 ]] || { echo none; return; }
    if head -n "$2" "$RX/maillog" | grep -qF "[$1]:"; then echo old; else echo new; fi
}

finger() { pf_finger "$RX/etc" "[mx.dane.test]:${2:-25}" "$OUT/finger-$1.txt"; }

reloads() { grep -c 'reload -- version' "$RX/maillog" 2>/dev/null || true; }

# until port 25 presents SPKI (a reload lets running processes finish first), at most 10 s
presented_eventually() {
    local want=$1 got i
    for ((i = 0; i < 20; i++)); do
        got=$(pf_presented 25)
        [[ $got != "$want" ]] || break
        sleep 0.5
    done
    echo "$got"
}

# ------------------------------------------------------------------ steps ---

# certbot issues with daneguard's hook; the first certificate is published and
# deployed through daneguard too, and Postfix starts serving it.
setup() {
    start_dns
    start_pebble
    write_config
    : >"$W/certbot.log"
    # README: certbot certonly ... --deploy-hook 'daneguard certbot-hook' (certbot keeps
    # it as renew_hook in renewal/mx.conf); --config only because this is no /etc
    certbot_run certonly --non-interactive --agree-tos -m t@example.com --no-eff-email \
        --server "https://127.0.0.1:$PEBBLE_PORT/dir" --standalone --http-01-address 127.0.0.1 \
        --http-01-port "$ACME_HTTP_PORT" --key-type ecdsa -d mx.dane.test --cert-name mx \
        --deploy-hook "$DANEGUARD certbot-hook --config $CONF"
    step layout-archive "$LE/archive/mx/cert1.pem" "$(ls "$LE"/archive/mx/cert1.pem)"
    step layout-live-link ../../archive/mx/privkey1.pem "$(readlink "$LE/live/mx/privkey.pem")"
    contains layout-renewal-hook "$LE/renewal/mx.conf" "renew_hook = $DANEGUARD certbot-hook --config $CONF"
    step issue-staged-not-deployed "staged absent" \
        "$([[ -f $W/state/mx/staged.pem ]] && echo staged) $([[ -e $TARGET ]] && echo present || echo absent)"
    OLD=$(spki "$LE/live/mx/cert.pem")
    # Postfix runs before the first deployment (its reload must succeed); until then
    # port 25 has no certificate to present
    start_postfix
    publish 2 "$OLD"
    step first-look-deploy 0 "$(dg deploy)"
    sleep $((2 * TTL + 1))
    step first-deploy 0 "$(dg deploy)"
    step first-deployed-key "$OLD" "$(spki "$TARGET")"
    step start-presents-old "$OLD" "$(presented_eventually "$OLD")"
    step start-control-presents-old "$OLD" "$(pf_presented 2525)"
    step start-finger authenticated "$(finger start)"
}

# certbot renews with a new key; the hook stages it; Postfix keeps the old key.
renew_new_key() {
    local logged pid
    [[ -n $(smtpd_pids) ]] || pf_die "no smtpd connection logged before the renewal"
    : >"$W/certbot.log"
    # certbot exits 0 although the hook exits 1: the renewal is kept
    certbot_run renew --cert-name mx --force-renewal --no-random-sleep-on-renew \
        --http-01-port "$ACME_HTTP_PORT" --no-reuse-key
    # Postfix's log up to here: what ran before certbot had replaced live/mx
    logged=$(wc -l <"$RX/maillog")
    NEW=$(spki "$LE/live/mx/cert.pem")
    step renew-new-key different "$([[ $NEW != "$OLD" ]] && echo different || echo same)"
    step renew-live-points-at-cert2 ../../archive/mx/cert2.pem "$(readlink "$LE/live/mx/cert.pem")"
    contains renew-hook-exit-1 "$W/certbot.log" "Hook 'deploy-hook' reported error code 1"
    step renew-staged-key "$NEW" "$(key_spki "$W/state/mx/staged.pem")"
    step renew-deploy-no-record 1 "$(dg deploy)"
    contains renew-deploy-says-publish "$W/dg.out" "3 1 1 $NEW"
    step renew-file-unchanged "$OLD" "$(spki "$TARGET")"
    # idle processes have exited (max_idle=2): the next connection gets a new smtpd
    sleep 3
    step renew-presents-old "$OLD" "$(pf_presented 25)"
    pid=$(sed -nE 's#.* rx/smtpd-25/smtpd\[([0-9]+)\]: connect from .*#\1#p' "$RX/maillog" | tail -n1)
    step renew-new-smtpd-process new "$(process_age "$pid" "$logged")"
    step renew-control-presents-new "$NEW" "$(pf_presented 2525)"
    step renew-finger authenticated "$(finger renew)"
    # what daneguard prevents: the control, serving certbot's files, already fails DANE
    step renew-control-finger deferred "$(finger renew-control 2525)"
    contains renew-control-no-match "$OUT/finger-renew-control.txt" "num=65:"
}

# The new key's 3 1 1 is published; after 2 x TTL deploy switches the file and reloads.
publish_and_deploy() {
    publish 3 "$OLD" "$NEW"
    step publish-first-look 0 "$(dg deploy)"
    contains publish-deployable-from "$W/dg.out" "deployable from"
    step publish-file-unchanged "$OLD" "$(spki "$TARGET")"
    sleep $((2 * TTL + 1))
    step deploy-exit 0 "$(dg deploy)"
    contains deploy-deployed "$W/dg.out" "mx: deployed $TARGET"
    contains deploy-reloaded "$W/dg.out" "mx: reloaded: postfix -c $RX/etc reload"
    contains deploy-stale-record "$W/dg.out" "3 1 1 $OLD matches nothing deployed: remove"
    step deploy-file-key "$NEW" "$(spki "$TARGET")"
    step deploy-file-key-matches "$NEW" "$(key_spki "$TARGET")"
    step deploy-file-mode 600 "$(stat -c %a "$TARGET")"
    step deploy-postfix-reloaded 2 "$(reloads)"
    step deploy-presents-new "$NEW" "$(presented_eventually "$NEW")"
    step deploy-finger authenticated "$(finger deploy)"
}

rollback() {
    step rollback-exit 0 "$(dg deploy --rollback mx)"
    contains rollback-message "$W/dg.out" "mx: rolled back $TARGET to the previous certificate"
    step rollback-file-key "$OLD" "$(spki "$TARGET")"
    step rollback-postfix-reloaded 3 "$(reloads)"
    step rollback-presents-old "$OLD" "$(presented_eventually "$OLD")"
    step rollback-finger authenticated "$(finger rollback)"
}

# README "Rotating a reused key": a key made ahead of time is staged, its 3 1 1
# published next to the others; once deploy says it is usable, the certbot command it
# prints (plus this run's private certbot directories and port) renews with that key
# and keeps reuse_key; the hook deploys that certificate at once.
rollover_next_key() {
    local cmd
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/next.key" 2>/dev/null
    NEXT=$(key_spki "$W/next.key")
    step next-stage-exit 1 "$(dg stage mx --next-key "$W/next.key")"
    contains next-stage-says-publish "$W/dg.out" "IN TLSA 3 1 1 $NEXT"
    step next-stored-mode 600 "$(stat -c %a "$W/state/mx/next-key.pem")"
    step next-file-unchanged "$OLD" "$(spki "$TARGET")"
    publish 4 "$OLD" "$NEW" "$NEXT"
    step next-first-look 0 "$(dg deploy)"
    contains next-usable-from "$W/dg.out" "publishes its record; usable from"
    sleep $((2 * TTL + 1))
    step next-ready 0 "$(dg deploy)"
    cmd=$(sed -n 's/^  \(install -m 0600 .*certbot renew .*\)$/\1/p' "$W/dg.out")
    step next-certbot-command printed "$([[ -n $cmd ]] && echo printed || echo missing)"
    : >"$W/certbot.log"
    printf '$ %s\n' "$cmd" >>"$W/certbot.log"
    REQUESTS_CA_BUNDLE=$W/pebble.pem bash -c "$cmd --work-dir '$W/work' --logs-dir '$W/logs' --http-01-port $ACME_HTTP_PORT --no-random-sleep-on-renew" \
        >>"$W/certbot.log" 2>&1 || { cat "$W/certbot.log" >&2; pf_die "the printed certbot command failed"; }
    cat "$W/certbot.log" >>"$OUT/certbot.log"
    step next-certbot-signed-next "$NEXT" "$(spki "$LE/live/mx/cert.pem")"
    contains next-reuse-key-kept "$LE/renewal/mx.conf" "reuse_key = True"
    contains next-hook-rollover-complete "$W/certbot.log" "mx: the deployed certificate uses the next key: rollover complete"
    step next-deployed-key "$NEXT" "$(spki "$TARGET")"
    step next-deployed-key-matches "$NEXT" "$(key_spki "$TARGET")"
    step next-key-forgotten absent "$([[ -e $W/state/mx/next-key.pem ]] && echo present || echo absent)"
    step next-presents-next "$NEXT" "$(presented_eventually "$NEXT")"
    step next-finger authenticated "$(finger next)"
}

t0=$SECONDS
setup
renew_new_key
publish_and_deploy
rollback
rollover_next_key
pf_log "all steps passed in $((SECONDS - t0))s"
