#!/usr/bin/env bash
# Regenerate the daneguard test fixtures under testdata/.
#
# Uses only openssl (tested with OpenSSL 3.0.x) and POSIX shell tools.
# Run from anywhere:   bash testdata/make-fixtures.sh
#
# What it (re)creates, always from scratch:
#   testdata/letsencrypt/   copies of the real Let's Encrypt CA certificates
#                           (refreshed from $LE_SRC when that directory exists,
#                           otherwise the committed copies are kept as they are)
#   testdata/pki/           a throwaway test PKI (new random keys every run)
#   testdata/bad/           malformed / non-certificate inputs
#   testdata/expected/digests.txt        openssl-computed TLSA digests
#   testdata/expected/key-digests.txt    openssl-computed SPKI digests of keys/CSRs
#   testdata/expected/chaingen/*.txt     chaingen output, ONLY if a chaingen
#                           script is available at $CHAINGEN (default
#                           /tmp/chaingen/chaingen); otherwise the old outputs
#                           are deleted, because new keys make them stale.
#
# All keys are fresh random throwaway test keys, so every run produces
# different certificates and digests; file names are always the same.
set -euo pipefail

TD=$(cd "$(dirname "$0")" && pwd)
cd "$TD"

OPENSSL=${OPENSSL:-openssl}
LE_SRC=${LE_SRC:-$TD/../../shared/data/letsencrypt}
CHAINGEN=${CHAINGEN:-/tmp/chaingen/chaingen}

# Validity windows (GeneralizedTime form; openssl ca stores UTCTime for
# years < 2050 as RFC 5280 requires).
START=20250101000000Z
END=21250101000000Z

SAN_MX="DNS:mx.example.com,DNS:mail.example.com,DNS:mx.dane.test"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

ossl() { "$OPENSSL" "$@"; }
log() { printf '== %s\n' "$*" >&2; }
die() { printf 'make-fixtures.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------
# 0. Clean
# ---------------------------------------------------------------------------
rm -rf pki bad expected/digests.txt expected/key-digests.txt
mkdir -p pki/ca pki/forms pki/le-fake-ca bad expected

# ---------------------------------------------------------------------------
# 1. Let's Encrypt CA certificates (real, public)
# ---------------------------------------------------------------------------
if [ -d "$LE_SRC" ]; then
    log "copying Let's Encrypt certificates from $LE_SRC"
    rm -rf letsencrypt
    mkdir -p letsencrypt
    for d in gen-y 2024 isrg older; do
        mkdir -p "letsencrypt/$d"
        cp "$LE_SRC/$d"/*.pem "letsencrypt/$d/"
    done
    cp "$LE_SRC/README.md" letsencrypt/README.md
elif [ -d letsencrypt/gen-y ]; then
    log "LE_SRC ($LE_SRC) not found; keeping committed testdata/letsencrypt"
else
    die "no Let's Encrypt certificates: set LE_SRC to shared/data/letsencrypt"
fi

# ---------------------------------------------------------------------------
# openssl configuration used for every signing operation (openssl ca, because
# OpenSSL 3.0 `x509 -req` has no -not_before/-not_after)
# ---------------------------------------------------------------------------
CNF=$WORK/openssl.cnf
cat >"$CNF" <<'EOF'
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
default_crl_days = 36500

[ policy_any ]
countryName            = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ req ]
distinguished_name = req_dn
string_mask        = default
prompt             = no
[ req_dn ]
CN = placeholder

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_int ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, digitalSignature, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Throwaway stand-in for a real LE intermediate: same subject, same SKI value.
[ v3_fake_le ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, digitalSignature, keyCertSign, cRLSign
subjectKeyIdentifier   = $ENV::FAKE_SKI

[ v3_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, $ENV::LEAF_KU
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
subjectAltName         = $ENV::SAN
EOF
export OPENSSL_CONF=$CNF
export CADIR=$WORK FAKE_SKI=none LEAF_KU=digitalSignature SAN=DNS:placeholder.invalid

# CA database directory for issuer NAME
cadb() {
    local d=$WORK/db-$1
    if [ ! -d "$d" ]; then
        mkdir -p "$d/newcerts"
        : >"$d/index.txt"
    fi
    printf '%s' "$d"
}

# genkey TYPE OUT  -- unencrypted PKCS#8 PEM
genkey() { _genkey "$@" 2>"$WORK/genkey.log" || { cat "$WORK/genkey.log" >&2; die "key generation failed: $2"; }; }
_genkey() {
    case "$1" in
    rsa2048) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
    rsa4096) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$2" ;;
    p256) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
        -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    p384) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
        -pkeyopt ec_param_enc:named_curve -out "$2" ;;
    ed25519) ossl genpkey -algorithm ED25519 -out "$2" ;;
    *) die "unknown key type $1" ;;
    esac
}

# sign DBNAME CACERT CAKEY MD EXTSECTION CSR OUT START END [-selfsign]
sign() {
    local db=$1 cacert=$2 cakey=$3 md=$4 ext=$5 csr=$6 out=$7 sd=$8 ed=$9
    shift 9
    CADIR=$(cadb "$db") ossl ca -batch -notext -rand_serial "$@" \
        -cert "$cacert" -keyfile "$cakey" -md "$md" -extensions "$ext" \
        -startdate "$sd" -enddate "$ed" -in "$csr" -out "$out" 2>"$WORK/ca.log" ||
        { cat "$WORK/ca.log" >&2; die "signing $out failed"; }
}

# ---------------------------------------------------------------------------
# 2. Test PKI: root and intermediates
# ---------------------------------------------------------------------------
log "root CA"
genkey rsa4096 pki/ca/root.key
ossl req -new -key pki/ca/root.key -subj "/O=daneguard tests/CN=daneguard Test Root" \
    -out "$WORK/root.csr"
CADIR=$(cadb root) ossl ca -batch -notext -rand_serial -selfsign \
    -keyfile pki/ca/root.key -md sha256 -extensions v3_root \
    -startdate "$START" -enddate "$END" -in "$WORK/root.csr" -out pki/ca/root.pem \
    2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; die "root failed"; }

# make_int NAME KEYTYPE CN
make_int() {
    log "intermediate $1"
    genkey "$2" "pki/ca/$1.key"
    ossl req -new -key "pki/ca/$1.key" -subj "/O=daneguard tests/CN=$3" -out "$WORK/$1.csr"
    sign root pki/ca/root.pem pki/ca/root.key sha256 v3_int "$WORK/$1.csr" \
        "pki/ca/$1.pem" "$START" "$END"
}
make_int int-rsa rsa2048 "daneguard Test RSA CA 1"
make_int int-rsa-b rsa2048 "daneguard Test RSA CA 2"
make_int int-ec p384 "daneguard Test ECDSA CA 1"

# ---------------------------------------------------------------------------
# Leaf lineages (certbot-like: cert.pem chain.pem fullchain.pem privkey.pem)
# ---------------------------------------------------------------------------
# make_leaf DIR KEYTYPE|@KEYFILE ISSUER CN SAN START END
#   ISSUER is int-rsa, int-rsa-b or int-ec.
#   @path reuses an existing private key instead of generating one.
make_leaf() {
    local dir=pki/$1 keyspec=$2 issuer=$3 cn=$4 san=$5 sd=$6 ed=$7 ku md
    log "leaf $1"
    mkdir -p "$dir"
    case "$keyspec" in
    @*) cp "${keyspec#@}" "$dir/privkey.pem" ;;
    *) genkey "$keyspec" "$dir/privkey.pem" ;;
    esac
    case "$(ossl pkey -in "$dir/privkey.pem" -noout -text | head -n 1)" in
    *RSA*) ku="digitalSignature, keyEncipherment" ;;
    *) ku="digitalSignature" ;;
    esac
    case "$issuer" in
    int-ec) md=sha384 ;;
    *) md=sha256 ;;
    esac
    ossl req -new -key "$dir/privkey.pem" -subj "/CN=$cn" -out "$WORK/$1.csr"
    SAN=$san LEAF_KU=$ku sign "$issuer" "pki/ca/$issuer.pem" "pki/ca/$issuer.key" \
        "$md" v3_leaf "$WORK/$1.csr" "$dir/cert.pem" "$sd" "$ed"
    cp "pki/ca/$issuer.pem" "$dir/chain.pem"
    cat "$dir/cert.pem" "$dir/chain.pem" >"$dir/fullchain.pem"
}

make_leaf mx-rsa2048 rsa2048 int-rsa mx.example.com "$SAN_MX" "$START" "$END"
make_leaf mx-rsa4096 rsa4096 int-rsa mx.example.com "$SAN_MX" "$START" "$END"
make_leaf mx-p256 p256 int-ec mx.example.com "$SAN_MX" "$START" "$END"
make_leaf mx-p384 p384 int-ec mx.example.com "$SAN_MX" "$START" "$END"
make_leaf mx-ed25519 ed25519 int-ec mx.example.com "$SAN_MX" "$START" "$END"
make_leaf mx-p256-newkey p256 int-ec mx.example.com "$SAN_MX" "$START" "$END"
make_leaf mx-p256-samekey @pki/mx-p256/privkey.pem int-ec mx.example.com "$SAN_MX" "$START" "$END"
make_leaf mx-rsa2048-issuer-b @pki/mx-rsa2048/privkey.pem int-rsa-b mx.example.com "$SAN_MX" "$START" "$END"
make_leaf expired p256 int-ec mx.example.com "$SAN_MX" 20200101000000Z 20210101000000Z
make_leaf notyet p256 int-ec mx.example.com "$SAN_MX" 21200101000000Z 21210101000000Z
make_leaf other-host p256 int-ec other.example.org "DNS:other.example.org" "$START" "$END"

# Chains assembled from the above
log "assembled chains"
cat pki/mx-rsa2048/cert.pem pki/ca/int-rsa.pem pki/ca/root.pem >pki/fullchain-with-root.pem
cat pki/ca/int-rsa.pem pki/mx-rsa2048/cert.pem >pki/out-of-order.pem
cat pki/mx-rsa2048/cert.pem pki/ca/int-rsa.pem pki/ca/int-rsa.pem >pki/duplicate.pem
cp pki/mx-p256/cert.pem pki/missing-issuer.pem
cat pki/ca/int-rsa.pem pki/ca/root.pem >pki/ca-as-leaf.pem

# ---------------------------------------------------------------------------
# Let's-Encrypt-style lineages. No LE private keys exist: each leaf is signed
# by a throwaway self-signed CA whose subject DN (same string types) and SKI
# equal those of the real intermediate. The issuer NAME and AKI therefore match
# the real YR1/YE1, but the leaf signature does NOT verify with the real key.
# ---------------------------------------------------------------------------
# make_fake_ca NAME REALCERT KEYTYPE MD
make_fake_ca() {
    local name=$1 real=$2 kt=$3 md=$4 subj ski
    log "throwaway stand-in CA $name"
    subj=$(ossl x509 -in "$real" -noout -subject -nameopt compat)
    subj=${subj#subject=}
    ski=$(ossl x509 -in "$real" -noout -ext subjectKeyIdentifier | sed -n '2p' | tr -d ' ')
    [ -n "$ski" ] || die "no SKI in $real"
    genkey "$kt" "pki/le-fake-ca/$name.key"
    ossl req -new -key "pki/le-fake-ca/$name.key" -subj "$subj" -out "$WORK/$name.csr"
    FAKE_SKI=$ski CADIR=$(cadb "$name") ossl ca -batch -notext -rand_serial -selfsign \
        -keyfile "pki/le-fake-ca/$name.key" -md "$md" -extensions v3_fake_le \
        -startdate "$START" -enddate "$END" -in "$WORK/$name.csr" \
        -out "pki/le-fake-ca/$name.pem" 2>"$WORK/ca.log" ||
        { cat "$WORK/ca.log" >&2; die "fake CA $name failed"; }
    # byte-level check: same DER name (string types included) as the real CA
    local a b
    a=$(ossl x509 -in "$real" -noout -subject -nameopt sep_comma_plus,dump_all,dump_der,oid)
    b=$(ossl x509 -in "pki/le-fake-ca/$name.pem" -noout -subject -nameopt sep_comma_plus,dump_all,dump_der,oid)
    [ "$a" = "$b" ] || die "subject of $name differs from $real: $a vs $b"
}

# make_le_leaf DIR KEYTYPE FAKECA MD CHAINFILES...
make_le_leaf() {
    local name=$1 dir=pki/$1 kt=$2 fake=$3 md=$4 ku
    shift 4
    log "LE-style leaf $name"
    mkdir -p "$dir"
    genkey "$kt" "$dir/privkey.pem"
    case "$kt" in rsa*) ku="digitalSignature, keyEncipherment" ;; *) ku="digitalSignature" ;; esac
    ossl req -new -key "$dir/privkey.pem" -subj "/CN=mx.example.com" -out "$WORK/$name.csr"
    SAN=$SAN_MX LEAF_KU=$ku sign "$fake" "pki/le-fake-ca/$fake.pem" "pki/le-fake-ca/$fake.key" \
        "$md" v3_leaf "$WORK/$name.csr" "$dir/cert.pem" "$START" "$END"
    cat "$@" >"$dir/chain.pem"
    cat "$dir/cert.pem" "$dir/chain.pem" >"$dir/fullchain.pem"
}

make_fake_ca fake-yr1 letsencrypt/gen-y/int-yr1.pem rsa2048 sha256
make_fake_ca fake-ye1 letsencrypt/gen-y/int-ye1.pem p384 sha384
make_le_leaf le-rsa rsa2048 fake-yr1 sha256 \
    letsencrypt/gen-y/int-yr1.pem letsencrypt/gen-y/root-yr-by-x1.pem
make_le_leaf le-ec p256 fake-ye1 sha384 \
    letsencrypt/gen-y/int-ye1.pem letsencrypt/gen-y/root-ye-by-x2.pem \
    letsencrypt/gen-y/root-x2-by-x1.pem

# ---------------------------------------------------------------------------
# Other input forms (same keys as the mx-rsa2048 / mx-p256 / mx-ed25519 leaves)
# ---------------------------------------------------------------------------
log "input forms"
F=pki/forms
ossl x509 -in pki/mx-p256/cert.pem -outform DER -out $F/mx-p256.der
cat pki/mx-p256/privkey.pem pki/mx-p256/fullchain.pem >$F/combined-p256.pem
ossl rsa -in pki/mx-rsa2048/privkey.pem -traditional -out $F/rsa2048-pkcs1.key 2>/dev/null
ossl pkey -in pki/mx-rsa2048/privkey.pem -out $F/rsa2048-pkcs8.key
ossl pkey -in pki/mx-p256/privkey.pem -traditional -out $F/p256-sec1.key
ossl pkey -in pki/mx-p256/privkey.pem -out $F/p256-pkcs8.key
ossl pkey -in pki/mx-ed25519/privkey.pem -out $F/ed25519-pkcs8.key
ossl pkey -in pki/mx-p256/privkey.pem -pubout -out $F/p256-pub.pem
ossl pkey -in pki/mx-rsa2048/privkey.pem -pubout -out $F/rsa2048-pub.pem
ossl pkey -in pki/mx-ed25519/privkey.pem -pubout -out $F/ed25519-pub.pem
ossl rsa -in pki/mx-rsa2048/privkey.pem -RSAPublicKey_out -out $F/rsa2048-pub-pkcs1.pem 2>/dev/null
ossl req -new -key pki/mx-p256/privkey.pem -subj "/CN=mx.example.com" \
    -addext "subjectAltName=$SAN_MX" -out $F/p256.csr
ossl req -new -key pki/mx-rsa2048/privkey.pem -subj "/CN=mx.example.com" \
    -addext "subjectAltName=$SAN_MX" -out $F/rsa2048.csr

# ---------------------------------------------------------------------------
# 3. Bad inputs
# ---------------------------------------------------------------------------
log "bad inputs"
# deterministic pseudo-random bytes: AES-128-CTR keystream, fixed all-zero key/IV
detbytes() { # N [KEYHEX]
    head -c "$1" /dev/zero |
        ossl enc -aes-128-ctr -K "${2:-00000000000000000000000000000000}" \
            -iv 00000000000000000000000000000000
}
: >bad/empty.pem
cat >bad/no-cert.pem <<'EOF'
This file is plain text. It mentions a certificate, but it contains no
PEM block at all: no BEGIN line, no END line, no base64.
EOF
head -c 400 pki/mx-p256/cert.pem >bad/truncated.pem
awk 'NR == 5 { $0 = substr($0, 1, 20) "!!**@@##%%" substr($0, 31) } { print }' \
    pki/mx-p256/cert.pem >bad/corrupt-base64.pem
{
    echo "-----BEGIN CERTIFICATE-----"
    detbytes 300 01010101010101010101010101010101 | ossl base64
    echo "-----END CERTIFICATE-----"
} >bad/bad-der-in-pem.pem
detbytes 500 >bad/garbage.der
printf 'BIN\000\000\000\001\002\003\377\376\000-----BEGIN CERTIFICATE-----\000\000\n\000' >bad/binary.bin
mkdir -p bad/empty-dir
: >bad/empty-dir/.gitkeep
CADIR=$(cadb int-rsa) ossl ca -batch -gencrl -cert pki/ca/int-rsa.pem \
    -keyfile pki/ca/int-rsa.key -md sha256 -crldays 36500 -out bad/crl.pem 2>"$WORK/ca.log" ||
    { cat "$WORK/ca.log" >&2; die "gencrl failed"; }
{
    echo "-----BEGIN CERTIFICATE-----"
    sed -n '2,4p' pki/mx-p256/cert.pem
    cat pki/ca/int-ec.pem
    echo "-----END CERTIFICATE-----"
} >bad/two-begin.pem

# ---------------------------------------------------------------------------
# Sanity checks of what was built (fail loudly if openssl behaves differently)
# ---------------------------------------------------------------------------
log "sanity checks"
vfy() { # LEAF ISSUER ATTIME
    ossl verify -attime "$3" -x509_strict -CAfile pki/ca/root.pem -untrusted "$2" "$1" >/dev/null ||
        die "verify failed: $1"
}
T2030=1893456000 # 2030-01-01
for l in mx-rsa2048 mx-rsa4096 mx-p256 mx-p384 mx-ed25519 mx-p256-newkey \
    mx-p256-samekey mx-rsa2048-issuer-b other-host; do
    vfy pki/$l/cert.pem pki/$l/chain.pem $T2030
done
# the CAs are only valid from 2025, so check the expired/not-yet leaves without time checks
ossl verify -no_check_time -CAfile pki/ca/root.pem -untrusted pki/expired/chain.pem pki/expired/cert.pem >/dev/null || die "verify failed: expired"
vfy pki/notyet/cert.pem pki/notyet/chain.pem 4749148800 # 2120-07-01
if ossl verify -CAfile pki/ca/root.pem -untrusted pki/expired/chain.pem pki/expired/cert.pem >/dev/null 2>&1; then
    die "expired cert verifies now?"
fi
# same key / different key expectations
spki() { ossl x509 -in "$1" -noout -pubkey | ossl pkey -pubin -outform DER | ossl dgst -sha256 -r | cut -d' ' -f1; }
[ "$(spki pki/mx-p256/cert.pem)" = "$(spki pki/mx-p256-samekey/cert.pem)" ] || die "samekey differs"
[ "$(spki pki/mx-p256/cert.pem)" != "$(spki pki/mx-p256-newkey/cert.pem)" ] || die "newkey same"
[ "$(spki pki/mx-rsa2048/cert.pem)" = "$(spki pki/mx-rsa2048-issuer-b/cert.pem)" ] || die "issuer-b key differs"
[ "$(ossl x509 -in pki/mx-p256/cert.pem -noout -serial)" != \
    "$(ossl x509 -in pki/mx-p256-samekey/cert.pem -noout -serial)" ] || die "samekey serial equal"
# LE-style leaves: issuer DER name == real intermediate's subject; signature
# verifies with the throwaway CA, and does NOT verify with the real one.
for p in "le-rsa int-yr1 fake-yr1" "le-ec int-ye1 fake-ye1"; do
    set -- $p
    a=$(ossl x509 -in pki/$1/cert.pem -noout -issuer -nameopt sep_comma_plus,dump_all,dump_der,oid)
    b=$(ossl x509 -in letsencrypt/gen-y/$2.pem -noout -subject -nameopt sep_comma_plus,dump_all,dump_der,oid)
    [ "${a#issuer=}" = "${b#subject=}" ] || die "$1 issuer name != $2 subject"
    ossl verify -attime $T2030 -partial_chain -CAfile pki/le-fake-ca/$3.pem pki/$1/cert.pem >/dev/null ||
        die "$1 does not verify with $3"
    if ossl verify -attime $T2030 -partial_chain -CAfile letsencrypt/gen-y/$2.pem pki/$1/cert.pem >/dev/null 2>&1; then
        die "$1 unexpectedly verifies with the real $2"
    fi
done

# ---------------------------------------------------------------------------
# 4. Independent expected values (openssl only)
#    <relative path> <selector> <matching> <hex>
# ---------------------------------------------------------------------------
log "expected/digests.txt"
sel() { # SELECTOR FILE
    local inform=PEM
    case "$2" in *.der) inform=DER ;; esac
    case "$1" in
    0) ossl x509 -inform $inform -in "$2" -outform DER ;;
    1) ossl x509 -inform $inform -in "$2" -noout -pubkey | ossl pkey -pubin -outform DER ;;
    esac
}
mtch() { # MATCHING
    case "$1" in
    1) ossl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \n' ;;
    2) ossl dgst -sha512 -binary | od -An -vtx1 | tr -d ' \n' ;;
    esac
}
{
    echo "# TLSA association data computed by testdata/make-fixtures.sh with openssl only."
    echo "# <path relative to testdata/> <selector> <matching> <lowercase hex>"
    echo "# selector 0: openssl x509 -outform DER"
    echo "# selector 1: openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER"
    echo "# matching 1: openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \\n'   (2: -sha512)"
    echo "# Only files holding exactly ONE certificate are listed; fullchain.pem files"
    echo "# are cert.pem + chain.pem, and the LE chain.pem files are concatenations"
    echo "# of the letsencrypt/gen-y/*.pem files listed here."
    {
        ls pki/ca/*.pem pki/le-fake-ca/*.pem
        ls pki/*/cert.pem
        for c in pki/*/chain.pem; do
            [ "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$c")" = 1 ] && echo "$c"
        done
        echo pki/forms/mx-p256.der
        find letsencrypt -name '*.pem' -type f
    } | LC_ALL=C sort | while read -r f; do
        for s in 0 1; do
            for m in 1 2; do
                printf '%s %s %s %s\n' "$f" "$s" "$m" "$(sel "$s" "$f" | mtch "$m")"
            done
        done
    done
} >expected/digests.txt

log "expected/key-digests.txt"
{
    echo "# SubjectPublicKeyInfo digests (selector 1 only) of key, public-key and CSR files,"
    echo "# computed by testdata/make-fixtures.sh with openssl only:"
    echo "#   private key / SPKI public key: openssl pkey [-pubin] -in F -pubout -outform DER"
    echo "#   PKCS#1 RSA public key:         openssl rsa -RSAPublicKey_in -in F -pubout -outform DER"
    echo "#   CSR:                           openssl req -in F -noout -pubkey | openssl pkey -pubin -outform DER"
    echo "# <path relative to testdata/> 1 <matching> <lowercase hex>"
    {
        ls pki/*/privkey.pem pki/forms/*.key pki/forms/*-pub*.pem pki/forms/*.csr
        echo pki/forms/combined-p256.pem
    } | LC_ALL=C sort | while read -r f; do
        case "$f" in
        *-pub-pkcs1.pem) spkicmd() { ossl rsa -RSAPublicKey_in -in "$f" -pubout -outform DER 2>/dev/null; } ;;
        *-pub.pem) spkicmd() { ossl pkey -pubin -in "$f" -pubout -outform DER; } ;;
        *.csr) spkicmd() { ossl req -in "$f" -noout -pubkey | ossl pkey -pubin -outform DER; } ;;
        *) spkicmd() { ossl pkey -in "$f" -pubout -outform DER; } ;;
        esac
        for m in 1 2; do
            printf '%s 1 %s %s\n' "$f" "$m" "$(spkicmd | mtch "$m")"
        done
    done
} >expected/key-digests.txt

# ---------------------------------------------------------------------------
# 5. chaingen oracle (optional: chaingen is NOT part of this repository)
# ---------------------------------------------------------------------------
rm -rf expected/chaingen
if [ -x "$CHAINGEN" ]; then
    log "chaingen outputs with $CHAINGEN"
    mkdir -p expected/chaingen
    "$CHAINGEN" pki/mx-rsa2048/fullchain.pem mx.example.com >expected/chaingen/mx-rsa2048.txt
    "$CHAINGEN" pki/fullchain-with-root.pem mx.example.com:465 >expected/chaingen/fullchain-with-root.txt
    "$CHAINGEN" pki/le-rsa/fullchain.pem mx.example.com >expected/chaingen/le-rsa.txt
    "$CHAINGEN" pki/le-ec/fullchain.pem mx.example.com >expected/chaingen/le-ec.txt
    "$CHAINGEN" pki/mx-ed25519/fullchain.pem mx.example.com >expected/chaingen/mx-ed25519.txt
    # cross-check: every chaingen digest must be in expected/digests.txt with
    # the same selector and matching type
    for f in expected/chaingen/*.txt; do
        [ "$(grep -c ' IN TLSA ' "$f")" -ge 8 ] || die "$f: too few records"
        grep ' IN TLSA ' "$f" | while read -r _ _ _ _ s m hex; do
            grep -q " $s $m $hex\$" expected/digests.txt || die "$f: $s $m $hex not in digests.txt"
        done
    done
else
    log "WARNING: no chaingen at $CHAINGEN: expected/chaingen/ removed (it would be stale)"
fi

log "done"
