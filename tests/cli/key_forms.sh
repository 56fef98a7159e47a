#!/bin/sh
# Makes every key, public key, CSR and certificate form openssl can make for each key
# type into the directory $1, and lists them in $1/manifest as
# "FILE EXPECTED-SHA256-OF-SPKI" with openssl's digest (used by key_forms.rs).
set -eu
cd "$1"
spki() { openssl dgst -sha256 | sed 's/.*= //'; }
add() { printf '%s %s\n' "$1" "$2" >> manifest; }
: > manifest
gen() {
    name=$1; shift
    openssl genpkey "$@" -out "$name.key" 2>/dev/null
}
gen rsa2048 -algorithm RSA -pkeyopt rsa_keygen_bits:2048
gen rsa1024 -algorithm RSA -pkeyopt rsa_keygen_bits:1024
gen rsa-pss -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048
gen rsa-pss-params -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 \
    -pkeyopt rsa_pss_keygen_md:sha256 -pkeyopt rsa_pss_keygen_saltlen:32
for c in P-256 P-384 P-521 secp256k1 brainpoolP256r1 brainpoolP384r1 brainpoolP512r1; do
    gen "ec-$c" -algorithm EC -pkeyopt "ec_paramgen_curve:$c"
done
gen ed25519 -algorithm ED25519
gen ed448 -algorithm ED448
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa.params 2>/dev/null
openssl genpkey -paramfile dsa.params -out dsa.key 2>/dev/null
for key in *.key; do
    b=${key%.key}
    # Private key forms: PKCS#8 PEM and DER, and the traditional form where one exists.
    openssl pkey -in "$key" -out "$b-pkcs8.pem"
    openssl pkey -in "$key" -outform DER -out "$b-pkcs8.der"
    if openssl pkey -in "$key" -traditional -out "$b-trad.pem" 2>/dev/null \
        && ! grep -q 'BEGIN PRIVATE KEY' "$b-trad.pem"; then
        openssl pkey -in "$key" -traditional -outform DER -out "$b-trad.der" 2>/dev/null || rm -f "$b-trad.der"
    else
        rm -f "$b-trad.pem"
    fi
    for f in "$b-pkcs8.pem" "$b-pkcs8.der" "$b-trad.pem" "$b-trad.der"; do
        [ -s "$f" ] || continue
        add "$f" "$(openssl pkey -in "$f" -pubout -outform DER | spki)"
    done
    # Public keys, a CSR and a self-signed certificate.
    openssl pkey -in "$key" -pubout -out "$b-pub.pem"
    openssl pkey -in "$key" -pubout -outform DER -out "$b-pub.der"
    add "$b-pub.pem" "$(openssl pkey -pubin -in "$b-pub.pem" -outform DER | spki)"
    add "$b-pub.der" "$(openssl pkey -pubin -in "$b-pub.pem" -outform DER | spki)"
    if openssl req -new -key "$key" -subj /CN=mx.example.com -out "$b.csr" 2>/dev/null; then
        openssl req -in "$b.csr" -outform DER -out "$b-csr.der"
        add "$b.csr" "$(openssl req -in "$b.csr" -noout -pubkey | openssl pkey -pubin -outform DER | spki)"
        add "$b-csr.der" "$(openssl req -in "$b.csr" -noout -pubkey | openssl pkey -pubin -outform DER | spki)"
    fi
    if openssl req -x509 -new -key "$key" -subj /CN=mx.example.com -days 2 -out "$b.crt" 2>/dev/null; then
        add "$b.crt" "$(openssl x509 -in "$b.crt" -noout -pubkey | openssl pkey -pubin -outform DER | spki)"
    fi
done
# EC point and parameter encodings: compressed points, explicit parameters, no public key.
for c in P-256 P-384 P-521 secp256k1 brainpoolP256r1; do
    k="ec-$c.key"
    openssl ec -in "$k" -conv_form compressed -out "ec-$c-compressed-sec1.pem" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "ec-$c-compressed-sec1.pem" -out "ec-$c-compressed-pkcs8.pem"
    openssl ec -in "$k" -conv_form compressed -pubout -out "ec-$c-compressed-pub.pem" 2>/dev/null
    openssl ec -in "$k" -param_enc explicit -out "ec-$c-explicit-sec1.pem" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "ec-$c-explicit-sec1.pem" -out "ec-$c-explicit-pkcs8.pem"
    openssl ec -in "$k" -param_enc explicit -pubout -out "ec-$c-explicit-pub.pem" 2>/dev/null
    openssl ec -in "$k" -no_public -out "ec-$c-nopublic-sec1.pem" 2>/dev/null
    openssl ec -in "$k" -param_enc explicit -conv_form compressed -out "ec-$c-explicit-compressed-sec1.pem" 2>/dev/null
    openssl req -new -key "ec-$c-compressed-sec1.pem" -subj /CN=mx.example.com -out "ec-$c-compressed.csr" 2>/dev/null
    openssl req -x509 -new -key "ec-$c-compressed-sec1.pem" -subj /CN=mx.example.com -days 2 -out "ec-$c-compressed.crt" 2>/dev/null
    openssl req -new -key "ec-$c-explicit-sec1.pem" -subj /CN=mx.example.com -out "ec-$c-explicit.csr" 2>/dev/null
    for f in "ec-$c-compressed-sec1.pem" "ec-$c-compressed-pkcs8.pem" "ec-$c-explicit-sec1.pem" \
        "ec-$c-explicit-pkcs8.pem" "ec-$c-nopublic-sec1.pem" "ec-$c-explicit-compressed-sec1.pem"; do
        add "$f" "$(openssl pkey -in "$f" -pubout -outform DER | spki)"
    done
    for f in "ec-$c-compressed-pub.pem" "ec-$c-explicit-pub.pem"; do
        add "$f" "$(openssl pkey -pubin -in "$f" -outform DER | spki)"
    done
    for f in "ec-$c-compressed.csr" "ec-$c-explicit.csr"; do
        add "$f" "$(openssl req -in "$f" -noout -pubkey | openssl pkey -pubin -outform DER | spki)"
    done
    add "ec-$c-compressed.crt" "$(openssl x509 -in "ec-$c-compressed.crt" -noout -pubkey | openssl pkey -pubin -outform DER | spki)"
done
