#!/bin/sh
# Classifies the certificates, CSRs and keys of the cryptography-vectors wheel ($1) with
# openssl into "$2/manifest", one line per file, for corpus.rs:
#   FILE KIND SHA256   openssl reads FILE as KIND (cert, csr, private, public); SHA256 is
#                      the digest of the SubjectPublicKeyInfo: for certificates and CSRs
#                      the bytes exactly as they appear, for private keys what
#                      `openssl pkey -pubout` writes, for public keys the DER as given
#                      (or, for a PKCS#1 or DSA public key, openssl's SPKI of it)
#   FILE skip WHY      openssl does not read it as any of those (or needs a password)
set -eu
sha() { openssl dgst -sha256 | sed 's/.*= //'; }
# The DER of element N (1-based) at depth 2 of the DER file $1 (tbsCertificate or
# certificationRequestInfo members), cut out by offset and length from asn1parse.
member() {
    openssl asn1parse -inform DER -in "$1" 2>/dev/null | awk -v n="$2" '
        /d=2/ { k++ }
        /d=2/ && k == n {
            line = $0; sub(/^ */, "", line); split(line, a, ":")
            match(line, /hl= *[0-9]+/); hl = substr(line, RSTART + 3, RLENGTH - 3)
            match(line, / l= *[0-9]+/); l = substr(line, RSTART + 3, RLENGTH - 3)
            print a[1], hl + l; exit
        }' | {
        read -r off len
        dd if="$1" bs=1 skip="$off" count="$len" 2>/dev/null
    }
}
first_is_version() {
    openssl asn1parse -inform DER -in "$1" 2>/dev/null | awk '/d=2/ { print; exit }' | grep -q 'cont \[ 0 \]'
}
# The digest a public key's 3 1 1 record has: of the SubjectPublicKeyInfo as given when
# the file (its first PEM block, or the DER) is one, else of the one openssl makes from
# the other forms it reads (PKCS#1 RSA, OpenSSL's DSA form), whatever the PEM label.
public_digest() {
    if grep -q -- '-----BEGIN' "$1"; then
        openssl asn1parse -in "$1" -noout -out "$2" 2>/dev/null
    else
        cp "$1" "$2"
    fi
    # A SubjectPublicKeyInfo starts with the AlgorithmIdentifier SEQUENCE.
    if openssl asn1parse -inform DER -in "$2" 2>/dev/null | sed -n 2p | grep -q 'cons: SEQUENCE'; then
        sha < "$2"
    else
        openssl pkey -pubin -in "$1" -outform DER | sha
    fi
}
# classify FILE...: one manifest line per file (run in the unpacked folder); the
# lines are short single writes to a file opened for appending, so the parallel
# workers' lines never mix.
classify() {
    der=$(mktemp)
    for f in "$@"; do
        f=${f#./}
        if grep -q 'ENCRYPTED' "$f" 2>/dev/null; then
            printf '%s\t%s\t%s\n' "$f" skip "encrypted (openssl needs a password)" >> ../manifest
        elif openssl x509 -in "$f" -outform DER -out "$der" 2>/dev/null \
            || openssl x509 -inform DER -in "$f" -outform DER -out "$der" 2>/dev/null; then
            # tbsCertificate: [version] serial signature issuer validity subject SPKI
            n=6; first_is_version "$der" && n=7
            printf '%s\t%s\t%s\n' "$f" cert "$(member "$der" $n | sha)" >> ../manifest
        elif openssl req -in "$f" -outform DER -out "$der" 2>/dev/null \
            || openssl req -inform DER -in "$f" -outform DER -out "$der" 2>/dev/null; then
            # certificationRequestInfo: version subject SPKI
            printf '%s\t%s\t%s\n' "$f" csr "$(member "$der" 3 | sha)" >> ../manifest
        elif openssl pkey -in "$f" -passin pass: -noout 2>/dev/null; then
            printf '%s\t%s\t%s\n' "$f" private "$(openssl pkey -in "$f" -passin pass: -pubout -outform DER | sha)" >> ../manifest
        elif openssl pkey -inform DER -in "$f" -passin pass: -noout 2>/dev/null; then
            printf '%s\t%s\t%s\n' "$f" private "$(openssl pkey -inform DER -in "$f" -passin pass: -pubout -outform DER | sha)" >> ../manifest
        elif openssl pkey -pubin -in "$f" -noout 2>/dev/null; then
            printf '%s\t%s\t%s\n' "$f" public "$(public_digest "$f" "$der")" >> ../manifest
        else
            printf '%s\t%s\t%s\n' "$f" skip "openssl reads no certificate, CSR or key in it" >> ../manifest
        fi
    done
    rm -f "$der"
}
if [ "${1:-}" = --one ]; then
    shift
    classify "$@"
    exit 0
fi
wheel=$1
out=$2
python3 -m zipfile -e "$wheel" "$out/x"
cd "$out/x"
: > ../manifest
find . -type f \( -name '*.pem' -o -name '*.der' -o -name '*.crt' -o -name '*.cer' \
    -o -name '*.csr' -o -name '*.key' -o -name '*.p8' -o -name '*.pub' \) -print0 > ../files
# Four workers: the files are independent and each costs a few openssl processes.
xargs -0 -P 4 -n 16 sh "$0" --one < ../files
sort -o ../manifest ../manifest
# One manifest line per file found, or the test would check less than it says (a
# loop whose commands read its own input once lost 236 files this way).
found=$(tr -dc '\0' < ../files | wc -c)
listed=$(wc -l < ../manifest)
if [ "$found" -ne "$listed" ]; then
    echo "corpus.sh: $found files found, $listed classified" >&2
    exit 1
fi
