#!/usr/bin/env bash
# daneguard DNSSEC conformance lab: a tree of offline-signed zones under conf.
# (dnssec-signzone and ldns-signzone, broken on purpose in many ways), served by
# Knot on 127.0.0.1, with Unbound (forwarding to Knot, validating) and delv as
# oracles. The cases are listed in conformance.cases beside this script.
#
#   conformance.sh start DIR   sign the zones, start knotd and unbound, write DIR/conf.env
#   conformance.sh oracle DIR  print "qname qtype | unbound | delv" for every case
#   conformance.sh stop DIR    stop both daemons (pid files in DIR); idempotent
#
# Nothing here ever talks to an address outside 127.0.0.0/8.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
CASES=$SCRIPT_DIR/conformance.cases
START_TIMEOUT=${LAB_START_TIMEOUT:-30}

log() { printf 'conformance: %s\n' "$*" >&2; }
die() { printf 'conformance: ERROR: %s\n' "$*" >&2; exit 1; }

# Two SHA-256-sized values for TLSA data (the records are never matched here).
H1=$(printf '1%.0s' {1..64})
H2=$(printf '2%.0s' {1..64})

zf() { echo "$LAB/zones/$1.zone"; }
# the zone's name: conf. for the parent, LABEL.conf. for a child
zn() { if [[ $1 == conf ]]; then echo conf.; else echo "$1.conf."; fi; }
kd() { echo "$LAB/keys/$1"; }

# ------------------------------------------------------------ zone text --

# Every child zone: SOA, NS and the host h (A + TLSA) that most cases ask for.
base() {
    local z=$1
    cat <<EOF
\$ORIGIN $z.conf.
\$TTL 3600
@ IN SOA ns.conf. hostmaster.conf. 1 3600 900 604800 300
@ IN NS ns.conf.
h IN A 127.0.0.1
_25._tcp.h 300 IN TLSA 3 1 1 $H1
EOF
}

# The record-level cases (on top of base) for the NSEC zone r and the NSEC3 zone r3.
records() {
    cat <<EOF
nx-neighbour IN A 127.0.0.1
nd IN A 127.0.0.1
_25._tcp.nd IN TXT "no TLSA here"
a.ent IN A 127.0.0.1
*.w IN A 127.0.0.1
*.w 300 IN TLSA 3 1 1 $H1
*.wn IN A 127.0.0.1
EOF
}

# Extra names in r only: broken RRSIGs, CNAMEs, DNAME, a large RRset, mixed case.
records_r() {
    local i
    for n in texp tnyv ttam tmis; do
        printf '%s IN A 127.0.0.1\n_25._tcp.%s 300 IN TLSA 3 1 1 %s\n' "$n" "$n" "$H1"
    done
    cat <<EOF
cs IN CNAME h.a8.conf.
ci IN CNAME h.ins.conf.
cb IN CNAME h.dkexp.conf.
l1 IN CNAME l2
l2 IN CNAME l1
dn IN DNAME a8.conf.
big IN A 127.0.0.1
MiXeD IN A 127.0.0.1
_25._tcp.MiXeD 300 IN TLSA 3 1 1 $H2
EOF
    for ((i = 0; i < 40; i++)); do
        printf '_25._tcp.big 300 IN TLSA 3 1 1 %064x\n' "$i"
    done
}

# ---------------------------------------------------------------- signing --

# newkey ZONE ALG [ksk]: a key in the zone's key directory; prints its base name.
newkey() {
    local z=$1 alg=$2 flag=()
    [[ ${3:-} == ksk ]] && flag=(-f KSK)
    mkdir -p "$(kd "$z")"
    dnssec-keygen -q -K "$(kd "$z")" -a "$alg" "${flag[@]}" -n ZONE "$(zn "$z")" 2>/dev/null
}

# signz ZONE OUT [dnssec-signzone args...]: signs zf(ZONE) with every key in kd(ZONE).
signz() {
    local z=$1 out=$2; shift 2
    (cd "$LAB/zones" && dnssec-signzone -q -O full -P -o "$(zn "$z")" -K "$(kd "$z")" \
        -f "$out" "$@" "$(zf "$z")" "$(kd "$z")"/*.key >/dev/null)
}

# Adds the zone's public keys to its file (dnssec-signzone signs what is in it).
addkeys() {
    cat "$(kd "$1")"/*.key | grep -v '^;' >>"$(zf "$1")"
}

# ds ZONE DSFROMKEY-OPTIONS...: DS lines of the zone's KSKs.
ds() {
    local z=$1 f; shift
    for f in "$(kd "$z")"/*.key; do
        if grep -q ' 257 ' "$f"; then dnssec-dsfromkey "$@" "$f"; fi
    done
}

# splice FILE OWNER TYPE FROM: the RRSIG(s) over OWNER/TYPE in FILE replaced by FROM's.
splice() {
    local file=$1 owner=$2 type=$3 from=$4
    awk -v o="$owner" -v t="$type" '!($1 == o && $4 == "RRSIG" && $5 == t)' "$file" >"$file.tmp"
    awk -v o="$owner" -v t="$type" '$1 == o && $4 == "RRSIG" && $5 == t' "$from" >>"$file.tmp"
    grep -q . "$file.tmp" && mv "$file.tmp" "$file"
}

# drop FILE AWK-CONDITION: removes the matching lines.
drop() { awk "!($2)" "$1" >"$1.tmp" && mv "$1.tmp" "$1"; }

# Flips one character in the signature of every RRSIG line matching the condition.
tamper_sig() {
    awk "($2) && \$4 == \"RRSIG\" { s = \$NF; c = substr(s, 10, 1); r = (c == \"A\") ? \"B\" : \"A\"; \$NF = substr(s, 1, 9) r substr(s, 11) } { print }" \
        "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

signed() { echo "$(zf "$1").signed"; }

# A zone with one key (CSK) of algorithm ALG; extra args go to dnssec-signzone.
simple() {
    local z=$1 alg=$2; shift 2
    base "$z" >"$(zf "$z")"
    newkey "$z" "$alg" ksk >/dev/null
    addkeys "$z"
    signz "$z" "$(signed "$z")" -z "$@"
}

# A zone with a KSK and a ZSK (ECDSA P-256).
split_keys() {
    local z=$1
    base "$z" >"$(zf "$z")"
    newkey "$z" ECDSAP256SHA256 ksk >/dev/null
    newkey "$z" ECDSAP256SHA256 >/dev/null
    addkeys "$z"
    signz "$z" "$(signed "$z")" -x
}

# Variants of the DNSKEY RRSIG: expired, not yet valid, tampered, missing.
dnskey_variants() {
    local prefix=$1 maker=$2 v z
    for v in exp nyv tam mis; do
        z=$prefix$v
        "$maker" "$z"
        case $v in
            exp) signz "$z" "$LAB/tmp.$z" "$SIGN_FLAG" -s 20200101000000 -e 20200201000000
                 splice "$(signed "$z")" "$z.conf." DNSKEY "$LAB/tmp.$z" ;;
            nyv) signz "$z" "$LAB/tmp.$z" "$SIGN_FLAG" -s 20400101000000 -e 20410101000000
                 splice "$(signed "$z")" "$z.conf." DNSKEY "$LAB/tmp.$z" ;;
            tam) tamper_sig "$(signed "$z")" "\$1 == \"$z.conf.\" && \$5 == \"DNSKEY\"" ;;
            mis) drop "$(signed "$z")" "\$1 == \"$z.conf.\" && \$4 == \"RRSIG\" && \$5 == \"DNSKEY\"" ;;
        esac
    done
}

csk13() { simple "$1" ECDSAP256SHA256; }

build_children() {
    local z
    # algorithms (RFC 8624 §3.1 lists what validators implement)
    simple a5 RSASHA1
    simple a7 NSEC3RSASHA1 -3 -
    simple a8 RSASHA256
    simple a10 RSASHA512
    simple a13 ECDSAP256SHA256
    simple a14 ECDSAP384SHA384
    simple a15 ED25519
    simple a16 ED448
    # DS digests and DS that match nothing usable
    for z in d1 d4 dunk dalg dnokey; do simple "$z" ECDSAP256SHA256; done
    newkey dnokey ECDSAP256SHA256 ksk >"$LAB/dnokey.stray"
    # DNSKEY RRset signatures: single key, then KSK/ZSK (signed by the KSK only)
    SIGN_FLAG=-z dnskey_variants dk csk13
    SIGN_FLAG=-x dnskey_variants kz split_keys
    # a key added to the DNSKEY RRset after signing
    split_keys kzinj
    newkey kzinj ECDSAP256SHA256 >"$LAB/kzinj.added"
    grep -v '^;' "$(kd kzinj)/$(cat "$LAB/kzinj.added").key" >>"$(signed kzinj)"
    rm "$(kd kzinj)/$(cat "$LAB/kzinj.added")".*
    # data in anc. signed with the parent's key (spliced in by build_parent)
    simple anc ECDSAP256SHA256
    # DS RRsets whose signature in conf. is broken (the children are fine)
    for z in dsexp dstam dsmis; do simple "$z" ECDSAP256SHA256; done
    # unsigned child without DS
    base ins >"$(zf ins)"
    cp "$(zf ins)" "$(signed ins)"
    build_records
    build_optout
    build_iterations
    build_rollovers
    build_proofless
    build_keytrap
}

build_records() {
    local z=r
    { base r; records; records_r; } >"$(zf r)"
    newkey r ECDSAP256SHA256 ksk >/dev/null
    addkeys r
    signz r "$(signed r)" -z
    signz r "$LAB/tmp.r.exp" -z -s 20200101000000 -e 20200201000000
    signz r "$LAB/tmp.r.nyv" -z -s 20400101000000 -e 20410101000000
    splice "$(signed r)" _25._tcp.texp.r.conf. TLSA "$LAB/tmp.r.exp"
    splice "$(signed r)" _25._tcp.tnyv.r.conf. TLSA "$LAB/tmp.r.nyv"
    drop "$(signed r)" "\$1 == \"_25._tcp.tmis.r.conf.\" && \$4 == \"RRSIG\""
    # the data changes after signing; the RRSIG stays
    awk '$1 == "_25._tcp.ttam.r.conf." && $4 == "TLSA" { gsub("1", "2", $NF) } { print }' \
        "$(signed r)" >"$LAB/tmp" && mv "$LAB/tmp" "$(signed r)"
    { base r3; records; } >"$(zf r3)"
    newkey r3 ECDSAP256SHA256 ksk >/dev/null
    addkeys r3
    signz r3 "$(signed r3)" -z -3 - -H 0
}

# NSEC3 opt-out zone oo. with an unsigned delegation sub.oo. (no DS).
build_optout() {
    { base oo; printf 'sub IN NS ns.conf.\n'; } >"$(zf oo)"
    newkey oo ECDSAP256SHA256 ksk >/dev/null
    addkeys oo
    signz oo "$(signed oo)" -z -3 - -H 0 -A
    base sub.oo >"$(zf sub.oo)"
    cp "$(zf sub.oo)" "$(signed sub.oo)"
}

# NSEC3 iteration counts (RFC 9276 §3.2): ldns-signzone signs any count.
build_iterations() {
    local n z key
    for n in 0 100 150 151 500 2500; do
        z=it$n
        base "$z" >"$(zf "$z")"
        mkdir -p "$(kd "$z")"
        key=$(cd "$(kd "$z")" && ldns-keygen -a ECDSAP256SHA256 -k "$z.conf." 2>/dev/null)
        cat "$(kd "$z")/$key.key" >>"$(zf "$z")"
        (cd "$(kd "$z")" && ldns-signzone -n -t "$n" -f "$(signed "$z").tmp" "$(zf "$z")" "$key" >/dev/null)
        # one record per line, like dnssec-signzone -O full
        named-compilezone -q -i none -s full -o "$(signed "$z")" "$z.conf." "$(signed "$z").tmp" >/dev/null
        rm -f "$(kd "$z")/$key.ds"
        mv "$(kd "$z")/$key.private" "$LAB/tmp.$z.private"
    done
}

# KSK double-signature (DS for the old KSK only) and algorithm roll (8 + 13, DS for 8).
build_rollovers() {
    base rollk >"$(zf rollk)"
    newkey rollk ECDSAP256SHA256 ksk >"$LAB/rollk.old"
    newkey rollk ECDSAP256SHA256 ksk >/dev/null
    newkey rollk ECDSAP256SHA256 >/dev/null
    addkeys rollk
    signz rollk "$(signed rollk)" -x
    base rolla >"$(zf rolla)"
    newkey rolla RSASHA256 ksk >"$LAB/rolla.old"
    newkey rolla ECDSAP256SHA256 ksk >/dev/null
    addkeys rolla
    signz rolla "$(signed rolla)" -z
}

# Negative answers and a wildcard without proofs (NSEC / NSEC3 records and their
# RRSIGs removed), and with tampered proof signatures.
build_proofless() {
    { base np; records; } >"$(zf np)"
    newkey np ECDSAP256SHA256 ksk >/dev/null
    addkeys np
    signz np "$(signed np)" -z
    drop "$(signed np)" '($4 == "NSEC" || ($4 == "RRSIG" && $5 == "NSEC")) && $1 != "np.conf."'
    { base np3; records; } >"$(zf np3)"
    newkey np3 ECDSAP256SHA256 ksk >/dev/null
    addkeys np3
    signz np3 "$(signed np3)" -z -3 - -H 0
    # NSEC3PARAM goes too: Knot 3.2 crashes answering from a chain it cannot find
    drop "$(signed np3)" '$4 ~ /^NSEC3/ || ($4 == "RRSIG" && $5 ~ /^NSEC3/)'
    { base tp; records; } >"$(zf tp)"
    newkey tp ECDSAP256SHA256 ksk >/dev/null
    addkeys tp
    signz tp "$(signed tp)" -z
    tamper_sig "$(signed tp)" '$5 == "NSEC"'
}

# KeyTrap (CVE-2023-50387): 500 extra DNSKEYs whose key tag equals the real key's,
# and 40 RRSIGs over the TLSA RRset that name that tag and verify with none of them.
build_keytrap() {
    local z=kt key tag
    base kt >"$(zf kt)"
    mkdir -p "$(kd kt)"
    # ldns-signzone: dnssec-signzone refuses a zone whose DNSKEYs are not real keys
    key=$(cd "$(kd kt)" && ldns-keygen -a ECDSAP256SHA256 -k kt.conf. 2>/dev/null)
    rm -f "$(kd kt)/$key.ds"
    cat "$(kd kt)/$key.key" >>"$(zf kt)"
    tag=$((10#${key##*+}))
    python3 - "$tag" 500 >>"$(zf kt)" <<'PY'
import base64, os, sys
tag, count = int(sys.argv[1]), int(sys.argv[2])
def keytag(rdata):
    ac = sum(b << 8 if i % 2 == 0 else b for i, b in enumerate(rdata))
    return (ac + (ac >> 16)) & 0xFFFF
made = 0
while made < count:
    body = bytearray(b"\x01\x00\x03\x0d" + os.urandom(64))
    for c in range(4):
        x = (tag - keytag(body[:-2]) - c) % 65536
        body[-2], body[-1] = x >> 8, x & 0xFF
        if keytag(body) == tag:
            print("kt.conf. 3600 IN DNSKEY 256 3 13", base64.b64encode(bytes(body[4:])).decode())
            made += 1
            break
PY
    (cd "$(kd kt)" && ldns-signzone -f "$(signed kt).tmp" "$(zf kt)" "$key" >/dev/null)
    named-compilezone -q -i none -s full -o "$(signed kt)" kt.conf. "$(signed kt).tmp" >/dev/null
    mv "$(kd kt)/$key.private" "$LAB/tmp.kt.private"
    awk -v o="_25._tcp.h.kt.conf." '$1 == o && $4 == "RRSIG" && $5 == "TLSA" { print > "/dev/stderr" } { print }' \
        "$(signed kt)" 2>"$LAB/tmp.kt.sig" >/dev/null
    drop "$(signed kt)" '$1 == "_25._tcp.h.kt.conf." && $4 == "RRSIG" && $5 == "TLSA"'
    python3 - "$LAB/tmp.kt.sig" 40 >>"$(signed kt)" <<'PY'
import base64, os, sys
line = open(sys.argv[1]).read().split()
for _ in range(int(sys.argv[2])):
    print(" ".join(line[:-1] + [base64.b64encode(os.urandom(64)).decode()]))
PY
}

CHILDREN=(anc kt a5 a7 a8 a10 a13 a14 a15 a16 d1 d4 dunk dalg dnokey dkexp dknyv dktam dkmis
    kzexp kznyv kztam kzmis kzinj dsexp dstam dsmis ins r r3 oo it0 it100 it150 it151
    it500 it2500 rollk rolla np np3 tp)

# The DS lines conf. carries for each child.
child_ds() {
    local z=$1 line
    case $z in
        ins) ;;
        d1) ds d1 -1 ;;
        d4) ds d4 -a SHA-384 ;;
        dunk) ds dunk -2 | awk '{ $6 = 99; print }' ;;
        dalg) ds dalg -2 | awk '{ $5 = 200; print }' ;;
        dnokey) dnssec-dsfromkey -2 "$(kd dnokey)/$(cat "$LAB/dnokey.stray").key"
                rm "$(kd dnokey)/$(cat "$LAB/dnokey.stray")".* ;;
        it*) dnssec-dsfromkey -2 -f "$(signed "$z")" "$z.conf." ;;
        rollk) dnssec-dsfromkey -2 "$(kd rollk)/$(cat "$LAB/rollk.old").key" ;;
        rolla) dnssec-dsfromkey -2 "$(kd rolla)/$(cat "$LAB/rolla.old").key" ;;
        kt) dnssec-dsfromkey -2 -f "$(signed kt)" kt.conf. ;;
        *) ds "$z" -2 ;;
    esac
}

build_parent() {
    local z f
    f=$(zf conf)
    cat >"$f" <<EOF
\$ORIGIN conf.
\$TTL 3600
@ IN SOA ns.conf. hostmaster.conf. 1 3600 900 604800 300
@ IN NS ns
ns IN A 127.0.0.1
EOF
    for z in "${CHILDREN[@]}"; do
        printf '%s IN NS ns.conf.\n' "$z" >>"$f"
        child_ds "$z" | awk '{ $1 = $1; print }' | sed 's/ IN DS / 3600 IN DS /' >>"$f"
    done
    newkey conf ECDSAP256SHA256 ksk >"$LAB/conf.key"
    addkeys conf
    signz conf "$(signed conf)" -z
    signz conf "$LAB/tmp.conf.exp" -z -s 20200101000000 -e 20200201000000
    splice "$(signed conf)" dsexp.conf. DS "$LAB/tmp.conf.exp"
    tamper_sig "$(signed conf)" '$1 == "dstam.conf." && $5 == "DS"'
    drop "$(signed conf)" '$1 == "dsmis.conf." && $4 == "RRSIG" && $5 == "DS"'
    # the TLSA RRset of h.anc. signed by conf.'s key (signer name conf.), as a hostile
    # parent could: RFC 4035 §5.3.1 wants the signer to be the zone holding the RRset
    {
        printf '$ORIGIN conf.\n$TTL 3600\n@ IN SOA ns.conf. hostmaster.conf. 1 3600 900 604800 300\n'
        printf '@ IN NS ns\nns IN A 127.0.0.1\n_25._tcp.h.anc 300 IN TLSA 3 1 1 %s\n' "$H1"
        grep -hv '^;' "$(kd conf)"/*.key
    } >"$(zf ancestor)"
    (cd "$LAB/zones" && dnssec-signzone -q -O full -P -o conf. -K "$(kd conf)" \
        -f "$LAB/tmp.ancestor" -z "$(zf ancestor)" "$(kd conf)"/*.key >/dev/null)
    splice "$(signed anc)" _25._tcp.h.anc.conf. TLSA "$LAB/tmp.ancestor"
    grep -v '^;' "$(kd conf)/$(cat "$LAB/conf.key").key" | awk '{ $1 = $1; print }' >"$LAB/anchor.dnskey"
    awk '{ k = ""; for (i = 7; i <= NF; i++) k = k $i; printf "trust-anchors {\n    \"conf.\" static-key %s %s %s \"%s\";\n};\n", $4, $5, $6, k }' \
        "$LAB/anchor.dnskey" >"$LAB/delv-anchor.conf"
}

# ---------------------------------------------------------------- daemons --

# Ports in use on this host (TCP and UDP, v4 and v6), from /proc (no iproute2 needed).
used_ports() {
    local f
    for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
        [[ -r $f ]] && awk 'NR > 1 { split($2, a, ":"); print a[2] }' "$f"
    done | while read -r hex; do echo $((16#$hex)); done | sort -un
}

free_port() {
    local p i a used
    used=$(used_ports)
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 12000))
        for a in "$@"; do [[ $p == "$a" ]] && continue 2; done
        grep -qx "$p" <<<"$used" || { echo "$p"; return 0; }
    done
    die "no free port"
}

write_knot_conf() {
    local z
    {
        cat <<EOF
server:
    rundir: "$LAB/knot"
    pidfile: "$LAB/knot/knot.pid"
    user: "$(id -un):$(id -gn)"
    listen: 127.0.0.1@$KNOT_PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "$LAB/knot/knot.sock"
database:
    storage: "$LAB/knot/db"
log:
  - target: "$LAB/knot/knot.log"
    any: info
template:
  - id: default
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
    dnssec-signing: off
    dnssec-validation: off
zone:
EOF
        printf '  - domain: conf.\n    file: "%s"\n' "$(signed conf)"
        for z in "${CHILDREN[@]}" sub.oo; do
            printf '  - domain: %s.conf.\n    file: "%s"\n' "$z" "$(signed "$z")"
        done
    } >"$LAB/knot/knot.conf"
}

write_unbound_conf() {
    cat >"$LAB/unbound/unbound.conf" <<EOF
server:
    verbosity: 1
    interface: 127.0.0.1
    port: $UNBOUND_PORT
    do-ip6: no
    outgoing-interface: 127.0.0.1
    access-control: 127.0.0.0/8 allow
    do-daemonize: yes
    username: ""
    chroot: ""
    directory: "$LAB/unbound"
    pidfile: "$LAB/unbound/unbound.pid"
    logfile: "$LAB/unbound/unbound.log"
    use-syslog: no
    num-threads: 1
    so-reuseport: no
    module-config: "validator iterator"
    trust-anchor-file: "$LAB/anchor.dnskey"
    trust-anchor-signaling: no
    root-key-sentinel: no
    val-log-level: 2
    do-not-query-localhost: no
    rrset-roundrobin: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$KNOT_PORT
remote-control:
    control-enable: no
EOF
}

pid_is() {
    local pid=$1 name=$2
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name"* ]]
}

cmd_start() {
    local t
    for t in knotd unbound kdig delv dnssec-keygen dnssec-signzone dnssec-dsfromkey \
        ldns-signzone ldns-keygen named-compilezone python3; do
        command -v "$t" >/dev/null || die "missing tool: $t"
    done
    [[ ! -e $LAB/conf.env ]] || die "$LAB already holds a lab"
    mkdir -p "$LAB/zones" "$LAB/keys" "$LAB/knot/db" "$LAB/unbound"
    LAB=$(cd "$LAB" && pwd -P)
    local t0=$SECONDS
    trap 'rc=$?; ((rc == 0)) || cmd_stop' EXIT
    build_children
    build_parent
    KNOT_PORT=$(free_port)
    UNBOUND_PORT=$(free_port "$KNOT_PORT")
    write_knot_conf
    write_unbound_conf
    knotd -c "$LAB/knot/knot.conf" -d </dev/null >"$LAB/knot/knotd.out" 2>&1 || die "knotd failed"
    unbound -c "$LAB/unbound/unbound.conf" </dev/null >"$LAB/unbound/unbound.out" 2>&1 ||
        { cat "$LAB/unbound/unbound.out" >&2; die "unbound failed"; }
    grep -v '^;' "$(kd rollk)/$(cat "$LAB/rollk.old").key" >"$LAB/rollk-ksk.dnskey"
    local deadline=$((SECONDS + START_TIMEOUT)) out
    while :; do
        out=$(kdig +time=1 +retry=0 @127.0.0.1 -p "$UNBOUND_PORT" +dnssec A h.r.conf 2>&1 || true)
        grep -q 'status: NOERROR' <<<"$out" && grep -qE '^;; Flags: .*\bad\b' <<<"$out" && break
        if ((SECONDS >= deadline)); then
            echo "$out" >&2; tail -20 "$LAB/knot/knot.log" >&2
            die "no validated answer for h.r.conf A"
        fi
        sleep 0.2
    done
    {
        printf 'KNOT_PORT=%s\nUNBOUND_PORT=%s\n' "$KNOT_PORT" "$UNBOUND_PORT"
        printf 'TRUST_ANCHOR=%s\nDELV_ANCHOR=%s\n' "$LAB/anchor.dnskey" "$LAB/delv-anchor.conf"
        # a trust anchor for rollk. alone that lists one of its two KSKs only (the
        # ZSK signs the data): validation must start from the KSK
        printf 'KSK_ONLY_ANCHOR=%s\n' "$LAB/rollk-ksk.dnskey"
    } >"$LAB/conf.env"
    trap - EXIT
    log "up in $((SECONDS - t0))s: knot 127.0.0.1:$KNOT_PORT, unbound 127.0.0.1:$UNBOUND_PORT"
}

cmd_stop() {
    local f pid i
    for f in "$LAB/unbound/unbound.pid:unbound" "$LAB/knot/knot.pid:knotd"; do
        pid=$(cat "${f%:*}" 2>/dev/null || true)
        if pid_is "$pid" "${f##*:}"; then
            kill -TERM "$pid" 2>/dev/null || true
            for ((i = 0; i < 100; i++)); do pid_is "$pid" "${f##*:}" || break; sleep 0.05; done
            if pid_is "$pid" "${f##*:}"; then kill -KILL "$pid" 2>/dev/null || true; fi
        fi
        rm -f "${f%:*}"
    done
    return 0
}

# unbound_class QNAME QTYPE: "secure found", "insecure negative", "servfail", ...
unbound_class() {
    local qn=$1 qt=$2 out st ad neg
    out=$(kdig +time=8 +retry=0 @127.0.0.1 -p "$UNBOUND_PORT" +dnssec "$qt" "$qn" 2>&1 || true)
    st=$(sed -n 's/.*status: \([A-Z]*\).*/\1/p' <<<"$out" | head -1)
    ad=insecure
    grep -qE '^;; Flags: .*\bad\b' <<<"$out" && ad=secure
    neg=negative
    # an answer of the asked type (at the end of any CNAME chain) is "found"
    sed -n '/ANSWER SECTION/,/^$/p' <<<"$out" | awk -v t="$qt" '$4 == t { f = 1 } END { exit !f }' && neg=found
    case $st in
        NOERROR | NXDOMAIN) echo "$ad $neg" ;;
        SERVFAIL) echo servfail ;;
        *) echo "${st:-timeout}" ;;
    esac
}

# delv prints one status line per RRset it validated (a CNAME chain has several):
# the last one is the status of the answer.
delv_class() {
    local qn=$1 qt=$2 out last
    out=$(delv -a "$DELV_ANCHOR" +root=conf. @127.0.0.1 -p "$KNOT_PORT" "$qn" "$qt" 2>&1 || true)
    last=$(grep -E '^; (negative response, )?(fully validated|unsigned answer)' <<<"$out" | tail -1)
    # a failure anywhere in the chain fails the answer (ncache: a validated denial)
    # (delv 9.18 stops with "crypto failure" at a DNSKEY that is not a valid key)
    if grep -E '^;; (resolution failed|.*crypto failure)' <<<"$out" | grep -qv 'ncache'; then
        echo servfail
        return
    fi
    case $last in
        "; negative response, fully validated") echo "secure negative" ;;
        "; negative response, unsigned answer") echo "insecure negative" ;;
        "; fully validated") echo "secure found" ;;
        "; unsigned answer") echo "insecure found" ;;
        *) if grep -q '^;; resolution failed' <<<"$out"; then echo servfail; else echo unknown; fi ;;
    esac
}

# One line per case: "qname qtype|unbound class|delv class".
cmd_oracle() {
    # shellcheck disable=SC1091
    source "$LAB/conf.env"
    local qn qt
    while IFS='|' read -r qn qt _; do
        qn=$(sed "s/^ *//; s/ *$//" <<<"$qn")
        [[ -z $qn || $qn == \#* ]] && continue
        qt=$(sed "s/^ *//; s/ *$//" <<<"$qt")
        printf '%s %s|%s|%s\n' "$qn" "$qt" "$(unbound_class "$qn" "$qt")" "$(delv_class "$qn" "$qt")"
    done <"$CASES"
}

(($# == 2)) || { echo "usage: $0 {start|oracle|stop} DIR" >&2; exit 2; }
LAB=$2
case $1 in
    start) cmd_start ;;
    stop) if [[ -d $LAB ]]; then cmd_stop; fi ;;
    oracle) cmd_oracle ;;
    *) echo "usage: $0 {start|oracle|stop} DIR" >&2; exit 2 ;;
esac
