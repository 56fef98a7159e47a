#!/usr/bin/env bash
# tests/dovecot/deploy-e2e.sh OUTDIR: a real Dovecot 2.3 (and, when EXIM_ROOT is set,
# a real Exim 4.96) serving the one combined file that `daneguard deploy` writes
# (issue 10: "what each server reads and when").
#
# Knot signs dane.test. (TTL 5) in the DNS lab. daneguard stages and deploys a first
# certificate; a private Dovecot (own base_dir, own config via `dovecot -c`, imaps on
# 993 and IMAP+STARTTLS on 143) reads it through `ssl_cert = <FILE` and
# `ssl_key = <FILE` (the same file: key first, then the full chain, mode 0600). Then a
# second certificate is staged, its `3 1 1` published, and after 2 x TTL `deploy`
# replaces the file. The configured reload command only records that it ran, so the
# test sees what Dovecot does before any reload: new connections keep the old key
# (even once the old record is withdrawn, when `check --live` fails) until
# `doveadm -c ... reload`, then get the new one. Last, with that as the configured
# reload command, `deploy --rollback` shows daneguard's reload reaching Dovecot.
#
# Exim (Debian's exim4-daemon-light, extracted with dpkg-deb into EXIM_ROOT, not
# installed: it conflicts with postfix) serves the same file on port 25 through
# `tls_certificate` with `tls_privatekey` unset, and is never reloaded.
#
# Every check is one line of OUTDIR/steps.tsv: step, expected, got, ok|FAIL. The
# script exits non-zero at the first FAIL; the Rust test (tests/cli/dovecot.rs)
# also checks that every step ran. It runs in a private mount + network namespace
# (root): only 127.0.0.0/8 exists there, so the real ports 993, 143 and 25 are free.
#
# Environment: DANEGUARD (default target/debug/daneguard), EXIM_ROOT (a directory
# holding usr/sbin/exim4 and the libraries it lacks; unset: no Exim steps),
# PF_KEEP=1 (keep the work directory), LAB_START_TIMEOUT (default 60).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
# shellcheck source=tests/postfix/lib.sh
source "$REPO_ROOT/tests/postfix/lib.sh"

(($# == 1)) || { echo "usage: $0 OUTDIR" >&2; exit 2; }
OUT=$1
DANEGUARD=${DANEGUARD:-$REPO_ROOT/target/debug/daneguard}
EXIM_ROOT=${EXIM_ROOT:-}
TTL=5

if [[ -z ${PF_IN_NS:-} ]]; then
    for t in dovecot doveadm openssl unshare mount ip knotd knotc unbound kdig; do
        command -v "$t" >/dev/null 2>&1 || pf_die "missing tool: $t (run .ci/test, which installs it)"
    done
    [[ -x $DANEGUARD ]] || pf_die "no daneguard binary at $DANEGUARD (cargo build, or set DANEGUARD)"
    if [[ -n $EXIM_ROOT ]]; then
        [[ -x $EXIM_ROOT/usr/sbin/exim4 ]] || pf_die "no exim4 under EXIM_ROOT=$EXIM_ROOT (run .ci/test)"
        EXIM_ROOT=$(cd "$EXIM_ROOT" && pwd -P)
    fi
    if [[ $(id -u) != 0 ]]; then
        sudo -n true 2>/dev/null || pf_die "needs root or passwordless sudo (unshare -mn)"
        exec sudo -n --preserve-env=DANEGUARD,EXIM_ROOT,PF_KEEP,LAB_START_TIMEOUT bash "$0" "$@"
    fi
    mkdir -p "$OUT"
    OUT=$(cd "$OUT" && pwd -P)
    exec unshare --mount --net --fork --kill-child=TERM --propagation private \
        env PF_IN_NS=1 DANEGUARD="$DANEGUARD" EXIM_ROOT="$EXIM_ROOT" bash "$0" "$OUT"
fi

ip link set lo up
W=$(mktemp -d /tmp/dvd.XXXXXX) # short: Knot's control socket path must stay short
chmod 755 "$W"                 # Dovecot's login processes run as dovenull
LAB=$W/lab
DV=$W/dovecot
EX=$W/exim
CONF=$W/daneguard.toml
TARGET=$W/certs/mx.pem
ZONE=$W/dane.test.zone
: >"$OUT/steps.tsv"
: >"$OUT/daneguard.log"

cleanup() {
    local rc=$?
    [[ ! -f $DV/dovecot.conf ]] || doveadm -c "$DV/dovecot.conf" stop >/dev/null 2>&1 || true
    [[ ! -f $EX/exim.pid ]] || kill "$(cat "$EX/exim.pid")" 2>/dev/null || true
    if [[ -d $LAB ]]; then bash "$REPO_ROOT/tests/dnslab/lab.sh" stop "$LAB" >/dev/null 2>&1 || true; fi
    cp "$DV/dovecot.log" "$OUT/dovecot.log" 2>/dev/null || true
    cat "$EX"/log/mainlog >"$OUT/exim.log" 2>/dev/null || true
    if [[ -n ${PF_KEEP:-} ]]; then pf_log "work directory kept: $W"; else rm -rf "$W"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'pf_log "command failed at line $LINENO: $BASH_COMMAND"' ERR

# the PEM block types of FILE in order, e.g. "PRIVATE KEY,CERTIFICATE,CERTIFICATE"
layout() { sed -nE 's/^-----BEGIN (.*)-----$/\1/p' "$1" | paste -sd,; }

dg() { # ARGS...: daneguard with the configuration; output to $W/dg.out, prints the exit status
    local rc=0
    "$DANEGUARD" "$@" --config "$CONF" >"$W/dg.out" 2>&1 || rc=$?
    cat "$W/dg.out" >>"$OUT/daneguard.log"
    echo "$rc"
}

# presented PORT imap|smtp|none: SPKI SHA-256 of the leaf served at 127.0.0.1:PORT by a
# new connection; empty when the handshake fails
presented() {
    local st=() pem
    [[ $2 == none ]] || st=(-starttls "$2")
    pem=$(timeout 10 openssl s_client -connect "127.0.0.1:$1" ${st[@]+"${st[@]}"} </dev/null 2>/dev/null |
        openssl x509 2>/dev/null) || true
    [[ -n $pem ]] || return 0
    openssl x509 -noout -pubkey <<<"$pem" | openssl pkey -pubin -outform DER |
        openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \n'
}

# live PORT NAME: `daneguard check --live` of mx.dane.test on PORT (STARTTLS from the
# port: imap on 143, smtp on 25, implicit TLS on 993); prints the exit status
live() {
    local rc=0
    "$DANEGUARD" check mx.dane.test --live --port "$1" --resolver "127.0.0.1:$KNOT_PORT" \
        --trust-anchor "$TRUST_ANCHOR" --format json >"$OUT/live-$2.json" 2>"$OUT/live-$2.err" || rc=$?
    echo "$rc"
}

# ------------------------------------------------------------------- DNS ---

write_zone() { # SERIAL SPKI...: dane.test. with one 3 1 1 per SPKI at ports 993, 143, 25 of mx
    local serial=$1 h p
    shift
    cat >"$ZONE" <<EOF
\$ORIGIN dane.test.
\$TTL $TTL
@   IN SOA ns.dane.test. hostmaster.dane.test. $serial 3600 900 604800 $TTL
@   IN NS  ns
ns  IN A   127.0.0.1
mx  IN A   127.0.0.1
EOF
    for h in "$@"; do
        for p in 993 143 25; do printf '_%s._tcp.mx IN TLSA 3 1 1 %s\n' "$p" "$h" >>"$ZONE"; done
    done
}

start_dns() {
    write_zone 1
    LAB_START_TIMEOUT=${LAB_START_TIMEOUT:-60} EXTRA_ZONES="dane.test.=$ZONE" \
        bash "$REPO_ROOT/tests/dnslab/lab.sh" start "$LAB" >"$W/lab.out" 2>&1 ||
        { cat "$W/lab.out" >&2; pf_die "DNS lab did not start"; }
    # shellcheck disable=SC1091
    source "$LAB/lab.env"
}

# publish SERIAL SPKI...: the zone with these records, re-signed by Knot; returns once
# Knot serves the new serial.
publish() {
    local serial=$1 i
    write_zone "$@"
    cp "$ZONE" "$LAB/zones/dane.test.zone"
    knotc -c "$LAB/knot/knot.conf" zone-reload dane.test. >/dev/null
    for ((i = 0; i < 100; i++)); do
        kdig @127.0.0.1 -p "$KNOT_PORT" +short SOA dane.test. 2>/dev/null | awk '{print $3}' |
            grep -qx "$serial" && return 0
        sleep 0.1
    done
    pf_die "Knot did not serve serial $serial of dane.test."
}

# ---------------------------------------------------------- certificates ---

# pki NAME: a fresh PKI (pf_pki); NAME.fullchain.pem (leaf, issuer) and NAME.key as an
# ACME client leaves them
pki() {
    pf_pki "$W/pki-$1" DNS:mx.dane.test >/dev/null 2>&1 || pf_die "openssl PKI $1 failed"
    cat "$W/pki-$1/ec.pem" "$W/pki-$1/int-ec.pem" >"$W/$1.fullchain.pem"
    cp "$W/pki-$1/ec.key" "$W/$1.key"
}

write_config() {
    mkdir -p "$W/certs"
    chmod 700 "$W/certs"
    # the reload command only records that it ran: the test reloads Dovecot itself,
    # later, to see what Dovecot serves before a reload
    cat >"$CONF" <<EOF
state_dir = "$W/state"

[dns]
resolvers = ["127.0.0.1:$KNOT_PORT"]
trust_anchor = "$TRUST_ANCHOR"
# The lab's Knot listens on a high port; name servers are asked on port 53.
every_server = false

[[certificate]]
name = "mx"
hosts = ["mx.dane.test"]
ports = [993, 143, 25]
deploy = "$TARGET"
reload = "echo reload >>$W/reloads"
EOF
}

# ---------------------------------------------------------------- Dovecot ---

start_dovecot() {
    mkdir -p "$DV/run" "$DV/state"
    # only TLS is exercised: a static passdb/userdb so that no system auth is needed;
    # service_count = 1 (the default, said explicitly): every connection gets a new
    # imap-login process, which asks the config process for its settings
    cat >"$DV/dovecot.conf" <<EOF
# generated by tests/dovecot/deploy-e2e.sh
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
instance_name = dg-dovecot
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <$TARGET
ssl_key = <$TARGET
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$DV/home
}
service imap-login {
  service_count = 1
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
EOF
    dovecot -c "$DV/dovecot.conf" || { cat "$DV/dovecot.log" >&2; pf_die "dovecot did not start"; }
    pf_wait_port 993
    pf_wait_port 143
}

# ------------------------------------------------------------------- Exim ---

# Exim runs as root with a private /etc/passwd that knows its compiled-in user
# (Debian-exim): the bind mounts live in this namespace only.
start_exim() {
    mkdir -p "$EX/spool" "$EX/log"
    cp /etc/passwd "$EX/passwd"
    cp /etc/group "$EX/group"
    if ! getent passwd Debian-exim >/dev/null; then
        echo 'Debian-exim:x:64990:64990::/nonexistent:/usr/sbin/nologin' >>"$EX/passwd"
        echo 'Debian-exim:x:64990:' >>"$EX/group"
        mount --bind "$EX/passwd" /etc/passwd
        mount --bind "$EX/group" /etc/group
    fi
    cat >"$EX/exim.conf" <<EOF
# generated by tests/dovecot/deploy-e2e.sh: TLS only, every recipient refused
primary_hostname = mx.dane.test
spool_directory = $EX/spool
log_file_path = $EX/log/%slog
exim_user = root
exim_group = root
never_users =
keep_environment =
local_interfaces = 127.0.0.1
tls_advertise_hosts = *
tls_certificate = $TARGET
acl_smtp_rcpt = refuse
begin acl
refuse:
  deny
EOF
    # the libraries Debian's exim4 needs beyond postfix's (libidn12), unpacked with it
    local libs
    libs=$(printf '%s:' "$EXIM_ROOT"/usr/lib/*-linux-gnu)
    if LD_LIBRARY_PATH=$libs ldd "$EXIM_ROOT/usr/sbin/exim4" | grep 'not found' >&2; then
        pf_die "exim4 under $EXIM_ROOT lacks libraries (add their packages to .ci/test)"
    fi
    LD_LIBRARY_PATH=$libs "$EXIM_ROOT/usr/sbin/exim4" -C "$EX/exim.conf" \
        -bd -oX 25 -oP "$EX/exim.pid" >"$EX/daemon.out" 2>&1 ||
        { cat "$EX/daemon.out" >&2; pf_die "exim did not start"; }
    pf_wait_port 25
    EXIM_PID=$(cat "$EX/exim.pid")
}

# until port 25 presents SPKI, at most 30 s; prints the seconds it took and the SPKI
exim_switch_time() {
    local want=$1 got t0=$SECONDS i
    for ((i = 0; i < 60; i++)); do
        got=$(presented 25 smtp)
        [[ $got != "$want" ]] || break
        sleep 0.5
    done
    echo "$((SECONDS - t0)) $got"
}

# ------------------------------------------------------------------ steps ---

setup() {
    start_dns
    pki old
    pki new
    OLD=$(spki "$W/old.fullchain.pem")
    NEW=$(spki "$W/new.fullchain.pem")
    write_config
    publish 2 "$OLD"
    step first-stage-waits 1 "$(dg stage mx --chain "$W/old.fullchain.pem" --key "$W/old.key")"
    sleep $((2 * TTL + 1))
    step first-deploy 0 "$(dg deploy)"
    contains first-deployed "$W/dg.out" "mx: deployed $TARGET"
    step first-file-key "$OLD" "$(key_spki "$TARGET")"
    step first-file-layout "PRIVATE KEY,CERTIFICATE,CERTIFICATE" "$(layout "$TARGET")"
    step first-file-mode 600 "$(stat -c %a "$TARGET")"
    start_dovecot
    # Dovecot accepts the combined file for both settings: it started, and serves it
    step dovecot-imaps-old "$OLD" "$(presented 993 none)"
    step dovecot-starttls-old "$OLD" "$(presented 143 imap)"
    step dovecot-live-993 0 "$(live 993 start-993)"
    step dovecot-live-143 0 "$(live 143 start-143)"
    if [[ -n $EXIM_ROOT ]]; then
        start_exim
        step exim-smtp-old "$OLD" "$(presented 25 smtp)"
        step exim-live-25 0 "$(live 25 start-25)"
    fi
}

# The new certificate is staged while only the old record is published: nothing changes.
stage_new() {
    step stage-no-record 1 "$(dg stage mx --chain "$W/new.fullchain.pem" --key "$W/new.key")"
    contains stage-says-publish "$W/dg.out" "3 1 1 $NEW"
    step stage-file-unchanged "$OLD" "$(key_spki "$TARGET")"
    step stage-imaps-old "$OLD" "$(presented 993 none)"
}

# The new record is published; after 2 x TTL deploy replaces the file (atomically).
deploy_new() {
    publish 3 "$OLD" "$NEW"
    step publish-first-look 0 "$(dg deploy)"
    contains publish-deployable-from "$W/dg.out" "deployable from"
    sleep $((2 * TTL + 1))
    step deploy-exit 0 "$(dg deploy)"
    contains deploy-deployed "$W/dg.out" "mx: deployed $TARGET"
    contains deploy-reload-ran "$W/dg.out" "mx: reloaded: echo reload"
    step deploy-reload-count 2 "$(wc -l <"$W/reloads")"
    step deploy-file-key "$NEW" "$(key_spki "$TARGET")"
    step deploy-file-cert "$NEW" "$(spki "$TARGET")"
    step deploy-file-layout "PRIVATE KEY,CERTIFICATE,CERTIFICATE" "$(layout "$TARGET")"
    step deploy-file-mode 600 "$(stat -c %a "$TARGET")"
    if [[ -n $EXIM_ROOT ]]; then
        read -r secs key < <(exim_switch_time "$NEW")
        step exim-new-without-reload "$NEW" "$key"
        pf_log "Exim presented the new key ${secs}s after the deployment"
        printf '%s\n' "$secs" >"$OUT/exim-switch-seconds"
        # no restart either: the daemon that started is the one still listening
        step exim-same-daemon "$EXIM_PID alive" "$(cat "$EX/exim.pid") $(kill -0 "$EXIM_PID" && echo alive)"
    fi
}

# Dovecot, not reloaded, keeps serving the old key to new connections.
dovecot_before_reload() {
    local i
    sleep 3
    for i in 1 2 3; do
        step "noreload-imaps-old-$i" "$OLD" "$(presented 993 none)"
        step "noreload-starttls-old-$i" "$OLD" "$(presented 143 imap)"
        sleep 1
    done
    # daneguard then advises removing the old record; done before a Dovecot reload,
    # new IMAP clients get a certificate that no record matches
    publish 4 "$NEW"
    step noreload-live-993-fails 1 "$(live 993 noreload-993)"
    step noreload-live-143-fails 1 "$(live 143 noreload-143)"
    contains noreload-live-993-no-match "$OUT/live-noreload-993.json" '"code": "live-no-match"'
    if [[ -n $EXIM_ROOT ]]; then step noreload-exim-live-25 0 "$(live 25 noreload-25)"; fi
}

dovecot_reload() {
    local got i
    doveadm -c "$DV/dovecot.conf" reload
    for ((i = 0; i < 20; i++)); do
        got=$(presented 993 none)
        [[ $got != "$NEW" ]] || break
        sleep 0.5
    done
    step reload-imaps-new "$NEW" "$got"
    step reload-starttls-new "$NEW" "$(presented 143 imap)"
    step reload-live-993 0 "$(live 993 reload-993)"
    step reload-live-143 0 "$(live 143 reload-143)"
    contains reload-logged "$DV/dovecot.log" "SIGHUP received - reloading configuration"
}

# daneguard's own reload command reaches Dovecot: with `reload = "doveadm ... reload"`,
# `deploy --rollback` puts the old file back and Dovecot serves it at once.
rollback_reloads() {
    local got i
    sed -i "s|^reload = .*|reload = \"doveadm -c $DV/dovecot.conf reload\"|" "$CONF"
    step rollback-exit 0 "$(dg deploy --rollback mx)"
    contains rollback-message "$W/dg.out" "mx: rolled back $TARGET to the previous certificate"
    contains rollback-reloaded "$W/dg.out" "mx: reloaded: doveadm -c $DV/dovecot.conf reload"
    step rollback-file-key "$OLD" "$(key_spki "$TARGET")"
    for ((i = 0; i < 20; i++)); do
        got=$(presented 993 none)
        [[ $got != "$OLD" ]] || break
        sleep 0.5
    done
    step rollback-imaps-old "$OLD" "$got"
    step rollback-starttls-old "$OLD" "$(presented 143 imap)"
}

t0=$SECONDS
setup
stage_new
deploy_new
dovecot_before_reload
dovecot_reload
rollback_reloads
pf_log "all steps passed in $((SECONDS - t0))s"
