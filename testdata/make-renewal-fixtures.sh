#!/usr/bin/env bash
# Build the renewal fixtures of `renew-check` and `certbot-hook` under testdata/:
#
#   testdata/letsencrypt-dir/   a certbot configuration directory (live/, archive/,
#                               renewal/) made from the lineages in testdata/pki/
#   testdata/renewal/*.records  published TLSA records (zone-file lines, absolute
#                               owner names), data computed by openssl
#   testdata/renewal/example.com.zone   the same kind of records in a zone file
#
# Uses only openssl and POSIX shell tools. Run from anywhere:
#     bash testdata/make-renewal-fixtures.sh
#
# It does NOT regenerate testdata/pki/ (that is make-fixtures.sh, which makes new
# keys for everything). Everything here is derived from testdata/pki/ and
# testdata/letsencrypt/, except ONE new key and certificate: version 2 of the
# `mx-newissuer` lineage (a new RSA 2048 key issued by pki/ca/int-rsa-b). That pair
# is kept across runs while it still verifies under the current pki/ca/ and its
# key matches; otherwise (or with NEW_KEY=1) a new pair is made. So after
# make-fixtures.sh, run this script too.
set -euo pipefail

TD=$(cd "$(dirname "$0")" && pwd)
cd "$TD"

OPENSSL=${OPENSSL:-openssl}
NEW_KEY=${NEW_KEY:-0}

START=20250101000000Z
END=21250101000000Z
SAN_MX="DNS:mx.example.com,DNS:mail.example.com,DNS:mx.dane.test"
OWNER=_25._tcp.mx.example.com.
TTL=300
LE=letsencrypt-dir

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ossl() { "$OPENSSL" "$@"; }
log() { printf '== %s\n' "$*" >&2; }
die() { printf 'make-renewal-fixtures.sh: %s\n' "$*" >&2; exit 1; }

if [ ! -f pki/ca/int-rsa-b.key ] || [ ! -f pki/mx-p256/fullchain.pem ]; then
    die "testdata/pki/ is missing: run make-fixtures.sh first"
fi

# ---------------------------------------------------------------------------
# 1. Version 2 of mx-newissuer: new RSA 2048 key, issued by int-rsa-b
# ---------------------------------------------------------------------------
NI_KEY=$LE/archive/mx-newissuer/privkey2.pem
NI_CERT=$LE/archive/mx-newissuer/cert2.pem
keep_newissuer() {
    [ "$NEW_KEY" = 1 ] && return 1
    [ -f "$NI_KEY" ] && [ -f "$NI_CERT" ] || return 1
    ossl verify -attime 1893456000 -x509_strict -CAfile pki/ca/root.pem \
        -untrusted pki/ca/int-rsa-b.pem "$NI_CERT" >/dev/null 2>&1 || return 1
    [ "$(ossl pkey -in "$NI_KEY" -pubout)" = "$(ossl x509 -in "$NI_CERT" -noout -pubkey)" ]
}
if keep_newissuer; then
    log "keeping the mx-newissuer version 2 key and certificate"
    cp "$NI_KEY" "$WORK/ni.key"
    cp "$NI_CERT" "$WORK/ni.pem"
else
    log "new key and certificate for mx-newissuer version 2 (issuer int-rsa-b)"
    cat >"$WORK/openssl.cnf" <<'EOF'
[ ca ]
default_ca = CA_default
[ CA_default ]
dir             = $ENV::CADIR
database        = $dir/index.txt
new_certs_dir   = $dir/newcerts
serial          = $dir/serial
default_md      = sha256
policy          = policy_any
unique_subject  = no
preserve        = yes
email_in_dn     = no
copy_extensions = none
[ policy_any ]
commonName      = supplied
[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder
[ v3_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = $ENV::SAN
EOF
    mkdir -p "$WORK/db/newcerts"
    : >"$WORK/db/index.txt"
    ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/ni.key" 2>/dev/null
    # the configuration refers to $CADIR and $SAN, so both must be set for req too
    OPENSSL_CONF=$WORK/openssl.cnf CADIR=$WORK/db SAN=$SAN_MX ossl req -new -key "$WORK/ni.key" \
        -subj "/CN=mx.example.com" -out "$WORK/ni.csr"
    OPENSSL_CONF=$WORK/openssl.cnf CADIR=$WORK/db SAN=$SAN_MX ossl ca -batch -notext \
        -rand_serial -cert pki/ca/int-rsa-b.pem -keyfile pki/ca/int-rsa-b.key -md sha256 \
        -extensions v3_leaf -startdate "$START" -enddate "$END" \
        -in "$WORK/ni.csr" -out "$WORK/ni.pem" 2>"$WORK/ca.log" ||
        { cat "$WORK/ca.log" >&2; die "signing the mx-newissuer certificate failed"; }
fi

# ---------------------------------------------------------------------------
# 2. The certbot configuration directory
# ---------------------------------------------------------------------------
rm -rf "$LE"
mkdir -p "$LE/live" "$LE/archive" "$LE/renewal"

# certbot's README files (live/README and live/NAME/README)
cat >"$LE/live/README" <<'EOF'
This directory contains your keys and certificates.

`[cert name]/privkey.pem`  : the private key for your certificate.
`[cert name]/fullchain.pem`: the certificate file used in most server software.
`[cert name]/chain.pem`    : used for OCSP stapling in Nginx >=1.3.7.
`[cert name]/cert.pem`     : will break many server configurations, and should not be used
                 without reading further documentation (see link below).

WARNING: DO NOT MOVE OR RENAME THESE FILES!
         Certbot expects these files to remain in this location in order
         to function properly!

We recommend not moving these files. For more information, see the Certbot
User Guide at https://certbot.eff.org/docs/using.html#where-are-my-certificates.
EOF
lineage_readme() {
    cat <<'EOF'
This directory contains your keys and certificates.

`privkey.pem`  : the private key for your certificate.
`fullchain.pem`: the certificate file used in most server software.
`chain.pem`    : used for OCSP stapling in Nginx >=1.3.7.
`cert.pem`     : will break many server configurations, and should not be used
                 without reading further documentation (see link below).

WARNING: DO NOT MOVE OR RENAME THESE FILES!
         Certbot expects these files to remain in this location in order
         to function properly!

We recommend not moving these files. For more information, see the Certbot
User Guide at https://certbot.eff.org/docs/using.html#where-are-my-certificates.
EOF
}

# lineage NAME VERSION1DIR [VERSION2DIR ...]: archive/NAME/{cert,chain,fullchain,privkey}N.pem
# copied from each directory in turn; live/NAME/*.pem are relative symlinks to the last.
lineage() {
    local name=$1 n=0 src f
    shift
    log "lineage $name"
    mkdir -p "$LE/archive/$name" "$LE/live/$name"
    for src in "$@"; do
        n=$((n + 1))
        for f in cert chain fullchain privkey; do
            cp "$src/$f.pem" "$LE/archive/$name/$f$n.pem"
        done
        chmod 600 "$LE/archive/$name/privkey$n.pem"
    done
    for f in cert chain fullchain privkey; do
        ln -s "../../archive/$name/$f$n.pem" "$LE/live/$name/$f.pem"
    done
    lineage_readme >"$LE/live/$name/README"
}

# renewal_conf NAME SERVER AUTHENTICATOR PARAMS...: renewal/NAME.conf as certbot 2.x
# writes it; PARAMS are extra 'key = value' lines of [renewalparams], written as given.
renewal_conf() {
    local name=$1 server=$2 auth=$3 p
    shift 3
    {
        echo "# renew_before_expiry = 30 days"
        echo "version = 2.11.0"
        echo "archive_dir = /etc/letsencrypt/archive/$name"
        echo "cert = /etc/letsencrypt/live/$name/cert.pem"
        echo "privkey = /etc/letsencrypt/live/$name/privkey.pem"
        echo "chain = /etc/letsencrypt/live/$name/chain.pem"
        echo "fullchain = /etc/letsencrypt/live/$name/fullchain.pem"
        echo
        echo "# Options used in the renewal process"
        echo "[renewalparams]"
        echo "account = 6f1c0e4a9b2d47c3a8e5f0b1d2c3e4f5"
        echo "authenticator = $auth"
        echo "server = $server"
        for p in "$@"; do
            printf '%s\n' "$p"
        done
    } >"$LE/renewal/$name.conf"
}

# A private ACME CA (the test CA) for the mx-* lineages, Let's Encrypt for le-*.
PRIVATE_ACME=https://acme.example.test/acme/directory
LE_ACME=https://acme-v02.api.letsencrypt.org/directory

mkdir -p "$WORK/ni2"
cp "$WORK/ni.key" "$WORK/ni2/privkey.pem"
cp "$WORK/ni.pem" "$WORK/ni2/cert.pem"
cp pki/ca/int-rsa-b.pem "$WORK/ni2/chain.pem"
cat "$WORK/ni2/cert.pem" "$WORK/ni2/chain.pem" >"$WORK/ni2/fullchain.pem"

lineage mx-reuse pki/mx-p256 pki/mx-p256-samekey
renewal_conf mx-reuse "$PRIVATE_ACME" standalone \
    "key_type = ecdsa" "elliptic_curve = secp256r1" "reuse_key = True"

lineage mx-newkey pki/mx-p256 pki/mx-p256-newkey
renewal_conf mx-newkey "$PRIVATE_ACME" standalone \
    "key_type = ecdsa" "elliptic_curve = secp256r1"

lineage mx-newissuer pki/mx-rsa2048 "$WORK/ni2"
renewal_conf mx-newissuer "$PRIVATE_ACME" standalone \
    "key_type = rsa" "rsa_key_size = 2048" "reuse_key = False"

lineage le-rsa pki/le-rsa
renewal_conf le-rsa "$LE_ACME" webroot \
    "webroot_path = /var/www/html," "key_type = rsa" "rsa_key_size = 2048" \
    "[[webroot_map]]" "mx.example.com = /var/www/html" "mail.example.com = /var/www/html"

lineage le-rsa-reuse pki/le-rsa
renewal_conf le-rsa-reuse "$LE_ACME" standalone \
    "key_type = rsa" "rsa_key_size = 2048" "reuse_key = True"

# ---------------------------------------------------------------------------
# 3. Published records (openssl only)
# ---------------------------------------------------------------------------
# spki_sha256 PEM: SHA-256 of the DER SubjectPublicKeyInfo of the first certificate
spki_sha256() {
    ossl x509 -in "$1" -noout -pubkey | ossl pkey -pubin -outform DER |
        ossl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \n'
}
rec() { # USAGE PEM
    printf '%s %s IN TLSA %s 1 1 %s\n' "$OWNER" "$TTL" "$1" "$(spki_sha256 "$2")"
}
# records NAME DESCRIPTION (USAGE PEM)...
records() {
    local name=$1 what=$2
    shift 2
    log "renewal/$name.records"
    {
        echo "; $what"
        echo "; made by testdata/make-renewal-fixtures.sh: data = openssl x509 -noout -pubkey"
        echo ";   | openssl pkey -pubin -outform DER | openssl dgst -sha256"
        while [ $# -gt 0 ]; do
            echo "; $1 1 1: ${2#./}"
            rec "$1" "$2"
            shift 2
        done
    } >"renewal/$name.records"
}

rm -rf renewal
mkdir -p renewal
GY=letsencrypt/gen-y
records p256-ee "3 1 1 of the mx-p256 key only" \
    3 pki/mx-p256/cert.pem
records p256-ee-ta "3 1 1 of the mx-p256 key and 2 1 1 of its issuer int-ec" \
    3 pki/mx-p256/cert.pem 2 pki/ca/int-ec.pem
records p256-newkey-ee "3 1 1 of the mx-p256-newkey key only (the live key of lineage mx-newkey)" \
    3 pki/mx-p256-newkey/cert.pem
records p256-newkey-ee-ta "3 1 1 of the mx-p256-newkey key and 2 1 1 of int-ec" \
    3 pki/mx-p256-newkey/cert.pem 2 pki/ca/int-ec.pem
records rsa-ee-ta "3 1 1 of the mx-rsa2048 key and 2 1 1 of its issuer int-rsa" \
    3 pki/mx-rsa2048/cert.pem 2 pki/ca/int-rsa.pem
records rsa-ta-both "2 1 1 of both test RSA intermediates, int-rsa and int-rsa-b" \
    2 pki/ca/int-rsa.pem 2 pki/ca/int-rsa-b.pem
records le-retired "3 1 1 of the le-rsa key and 2 1 1 of the retired R10 and R11" \
    3 pki/le-rsa/cert.pem 2 letsencrypt/2024/r10.pem 2 letsencrypt/2024/r11.pem
records le-yr-all "3 1 1 of the le-rsa key and 2 1 1 of every generation-Y RSA intermediate: YR1, YR2, YR3" \
    3 pki/le-rsa/cert.pem 2 $GY/int-yr1.pem 2 $GY/int-yr2.pem 2 $GY/int-yr3.pem
records le-yr1-only "3 1 1 of the le-rsa key and 2 1 1 of YR1 only" \
    3 pki/le-rsa/cert.pem 2 $GY/int-yr1.pem
records le-root-yr "3 1 1 of the le-rsa key and 2 1 1 of ISRG Root YR (the key of root-yr-by-x1.pem, sent above YR1-YR3)" \
    3 pki/le-rsa/cert.pem 2 $GY/root-yr-by-x1.pem

log "renewal/example.com.zone"
cat >renewal/example.com.zone <<EOF
; example.com with the records of p256-ee-ta.records (made by make-renewal-fixtures.sh).
; No \$ORIGIN: the names are relative to the origin the server (or --origin, or
; daneguard's default: the file name without .zone) gives.
\$TTL 3600
@               IN SOA  ns1 hostmaster 2025010101 3600 900 1209600 300
@               IN NS   ns1
@               IN MX   10 mx
ns1             IN A    192.0.2.53
mx              IN A    192.0.2.25
_25._tcp.mx $TTL IN TLSA 3 1 1 $(spki_sha256 pki/mx-p256/cert.pem)
_25._tcp.mx $TTL IN TLSA 2 1 1 $(spki_sha256 pki/ca/int-ec.pem)
EOF

# ---------------------------------------------------------------------------
# 4. Checks
# ---------------------------------------------------------------------------
log "checks"
same_key() { [ "$(spki_sha256 "$LE/live/$1/cert.pem")" = "$(spki_sha256 "$LE/archive/$1/cert1.pem")" ]; }
same_key mx-reuse || die "mx-reuse changed its key"
same_key mx-newkey && die "mx-newkey kept its key"
same_key mx-newissuer && die "mx-newissuer kept its key"
ossl verify -attime 1893456000 -x509_strict -CAfile pki/ca/root.pem \
    -untrusted $LE/live/mx-newissuer/chain.pem $LE/live/mx-newissuer/cert.pem >/dev/null ||
    die "mx-newissuer version 2 does not verify under int-rsa-b"
for l in mx-reuse mx-newkey mx-newissuer le-rsa le-rsa-reuse; do
    for f in cert chain fullchain privkey; do
        t=$(readlink "$LE/live/$l/$f.pem")
        case "$t" in ../../archive/"$l"/"$f"[0-9]*.pem) ;; *) die "live/$l/$f.pem -> $t" ;; esac
        [ -f "$LE/live/$l/$f.pem" ] || die "live/$l/$f.pem is dangling"
    done
    [ -f "$LE/renewal/$l.conf" ] || die "no renewal/$l.conf"
done
log "done"
