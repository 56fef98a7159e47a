#!/usr/bin/env bash
# The work of `daneguard generate --set chaingen --host HOST FULLCHAIN` done with
# an openssl pipeline, as a shell script would do it: for every certificate in
# the chain (leaf first) the four records U 0 1, U 1 1, U 0 2, U 1 2, with
# U = 3 for the first certificate and 2 for the others.
#
#   benches/openssl-chaingen.sh HOST FULLCHAIN.pem [PORT]
#
# Output: one zone-file line per record, in daneguard's format
#   _25._tcp.HOST. IN TLSA U S M <lower-case hex>
# (no comment blocks; compare with `grep TLSA`). Baseline for benches/generate.sh.
set -euo pipefail

(($# == 2 || $# == 3)) || { echo "usage: $0 HOST FULLCHAIN.pem [PORT]" >&2; exit 2; }
host=${1%.}
chain=$2
port=${3:-25}
OPENSSL=${OPENSSL:-openssl}
[[ -r $chain ]] || { echo "$0: cannot read $chain" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Split the chain: cert-1.pem, cert-2.pem, ... (only the CERTIFICATE blocks).
awk -v dir="$tmp" '
    /^-----BEGIN CERTIFICATE-----/ { n++; f = sprintf("%s/cert-%d.pem", dir, n); inside = 1 }
    inside { print > f }
    /^-----END CERTIFICATE-----/ { inside = 0; close(f) }
' "$chain"

hexdump() { od -An -vtx1 | tr -d ' \n'; }

owner="_${port}._tcp.${host}."
i=0
for cert in "$tmp"/cert-*.pem; do
    [[ -e $cert ]] || { echo "$0: no certificate in $chain" >&2; exit 1; }
    i=$((i + 1))
done
for ((n = 1; n <= i; n++)); do
    cert=$tmp/cert-$n.pem
    if ((n == 1)); then usage=3; else usage=2; fi
    # selector 0: the whole certificate (DER); selector 1: SubjectPublicKeyInfo (DER)
    "$OPENSSL" x509 -in "$cert" -outform DER -out "$tmp/full.der"
    "$OPENSSL" x509 -in "$cert" -noout -pubkey | "$OPENSSL" pkey -pubin -outform DER -out "$tmp/spki.der"
    for mt in 1 2; do
        if ((mt == 1)); then alg=-sha256; else alg=-sha512; fi
        for sel in 0 1; do
            if ((sel == 0)); then der=$tmp/full.der; else der=$tmp/spki.der; fi
            printf '%s IN TLSA %s %s %s %s\n' "$owner" "$usage" "$sel" "$mt" \
                "$("$OPENSSL" dgst "$alg" -binary "$der" | hexdump)"
        done
    done
done
