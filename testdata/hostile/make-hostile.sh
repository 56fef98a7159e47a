#!/usr/bin/env bash
# Regenerates the hostile-input corpus in testdata/hostile/ (see README.md there).
#
# Deterministic: every run writes byte-identical files. Certificates are signed with
# an Ed25519 key made from a fixed seed (Ed25519 signatures are deterministic), with a
# fixed serial and fixed dates, by `openssl ca` (OpenSSL 3.0 `x509 -req` has no
# -not_before/-not_after). Files that need bytes openssl will not write (invalid UTF-8,
# broken DER lengths, deep nesting) are made or patched with python3 (standard library
# only). `bash make-hostile.sh --check` regenerates into a temporary directory and
# fails if anything differs from the committed files.
#
# Needs: bash, openssl (tested with 3.0.x), python3 (3.8 or later).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OPENSSL=${OPENSSL:-openssl}
PYTHON=${PYTHON:-python3}

if [ "${1:-}" = "--check" ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    HOSTILE_OUT=$tmp bash "$HERE/make-hostile.sh"
    status=0
    for f in "$tmp"/*; do
        name=$(basename "$f")
        if ! cmp -s "$f" "$HERE/$name"; then
            echo "make-hostile.sh --check: $name differs from the committed file" >&2
            status=1
        fi
    done
    [ "$status" = 0 ] && echo "make-hostile.sh --check: all files are up to date"
    exit "$status"
fi

OUT=${HOSTILE_OUT:-$HERE}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The files this script owns; README.md and the script itself are kept.
FILES=(
    empty.pem zero-body.pem nested-begin.pem base64-10mib.pem
    der-length-past-end.der der-inner-length-past-end.der der-length-overflow.der
    der-length-past-end.pem san-10000.pem nested-asn1-10000.der nested-asn1-10000.pem
    nested-in-extension.pem invalid-utf8-subject.pem invalid-utf8-san.pem
    private-key-as-certificate.pem ansi-subject.pem ansi-label.pem nul-bytes.bin
    many-blocks.pem plain-ed25519.pem ansi-ca.pem
)
for f in "${FILES[@]}"; do rm -f "$OUT/$f"; done

ossl() { "$OPENSSL" "$@"; }
py() { "$PYTHON" - "$@"; }

# --- the signing key: Ed25519 from the fixed seed 01 02 … 20 (a throwaway test key;
# PKCS#8 = fixed 16-byte prefix + the 32-byte seed) -----------------------------------
py "$WORK/key.pem" <<'EOF'
import base64, sys
der = bytes.fromhex("302e020100300506032b657004220420") + bytes(range(1, 33))
with open(sys.argv[1], "w") as f:
    f.write("-----BEGIN PRIVATE KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PRIVATE KEY-----\n")
EOF

export OPENSSL_CONF=$WORK/openssl.cnf CADIR=$WORK
cat >"$OPENSSL_CONF" <<'EOF'
[ ca ]
default_ca = CA_default

[ CA_default ]
dir             = $ENV::CADIR
database        = $dir/index.txt
new_certs_dir   = $dir/newcerts
serial          = $dir/serial
policy          = policy_any
unique_subject  = no
preserve        = yes
email_in_dn     = no
copy_extensions = none

[ policy_any ]
commonName      = optional

[ req ]
distinguished_name = req_dn
string_mask        = utf8only
prompt             = no
[ req_dn ]
CN = placeholder

[ v3_leaf ]
basicConstraints = critical, CA:FALSE
subjectAltName   = DNS:mx.example.com
EOF

# selfsign OUT SUBJECT SERIAL [EXTFILE]: a self-signed, non-CA leaf certificate.
# EXTFILE (an openssl config with a [ v3_leaf ] section) replaces the default extensions.
selfsign() {
    local out=$1 subj=$2 serial=$3 extfile=${4:-}
    local db=$WORK/db-$serial
    mkdir -p "$db/newcerts"
    : >"$db/index.txt"
    printf '%s\n' "$serial" >"$db/serial"
    ossl req -new -utf8 -key "$WORK/key.pem" -subj "$subj" -out "$WORK/req.csr"
    local ext=()
    [ -n "$extfile" ] && ext=(-extfile "$extfile")
    CADIR=$db ossl ca -batch -notext -selfsign -utf8 -keyfile "$WORK/key.pem" \
        -extensions v3_leaf "${ext[@]}" -startdate 20250101000000Z -enddate 21250101000000Z \
        -in "$WORK/req.csr" -out "$out" 2>"$WORK/ca.log" ||
        { cat "$WORK/ca.log" >&2; exit 1; }
    # `openssl ca` writes the certificate only; normalise to one PEM block.
    ossl x509 -in "$out" -out "$out.tmp" && mv "$out.tmp" "$out"
}

# --- a plain, valid certificate (the base for the patched and wrapped files) ----------
selfsign "$OUT/plain-ed25519.pem" "/CN=mx.example.com" 01

# --- empty.pem: zero bytes --------------------------------------------------------------
: >"$OUT/empty.pem"

# --- zero-body.pem: BEGIN and END with nothing between ----------------------------------
printf -- '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' >"$OUT/zero-body.pem"

# --- nested-begin.pem: a certificate block opened twice, closed twice -----------------
{
    printf -- '-----BEGIN CERTIFICATE-----\n'
    cat "$OUT/plain-ed25519.pem"
    printf -- '-----END CERTIFICATE-----\n'
} >"$OUT/nested-begin.pem"

# --- base64-10mib.pem: one CERTIFICATE block of 10 MiB of base64 (over the 1 MiB limit) -
py "$OUT/base64-10mib.pem" <<'EOF'
import sys
line = b"MIIBkTCCAUOgAwIBAgIBATAFBgMrZXAwGTEXMBUGA1UEAwwObXguZXhhbXBsZS5j\n"  # 65 bytes
body = line * (10 * 1024 * 1024 // len(line) + 1)
with open(sys.argv[1], "wb") as f:
    f.write(b"-----BEGIN CERTIFICATE-----\n" + body + b"-----END CERTIFICATE-----\n")
EOF

# --- DER whose lengths point past the end ---------------------------------------------
ossl x509 -in "$OUT/plain-ed25519.pem" -outform DER -out "$WORK/plain.der"
py "$WORK/plain.der" "$OUT" <<'EOF'
import base64, sys
der = open(sys.argv[1], "rb").read()
out = sys.argv[2]
def split(buf):
    """(header length, content length) of the DER element at the start of buf."""
    if buf[1] < 0x80:
        return 2, buf[1]
    n = buf[1] & 0x7F
    return 2 + n, int.from_bytes(buf[2:2 + n], "big")
def header(tag, n):
    if n < 0x80:
        return bytes([tag, n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(body)]) + body
hl, cl = split(der)
assert der[0] == 0x30 and hl + cl == len(der)
content = der[hl:]
# Outer SEQUENCE claims 65535 bytes; the file keeps the real (shorter) body.
open(f"{out}/der-length-past-end.der", "wb").write(b"\x30\x82\xff\xff" + content)
# Outer length correct; the TBSCertificate inside claims 65535 bytes.
thl, tcl = split(content)
assert content[0] == 0x30
tampered = b"\x30\x82\xff\xff" + content[thl:]
inner = header(0x30, len(tampered)) + tampered
open(f"{out}/der-inner-length-past-end.der", "wb").write(inner)
# An 8-byte length of 2^64-1 (overflows any offset arithmetic), then a few bytes.
open(f"{out}/der-length-overflow.der", "wb").write(b"\x30\x88" + b"\xff" * 8 + b"\x30\x03\x02\x01\x00")
# The inner variant again, inside a CERTIFICATE PEM block.
b64 = base64.b64encode(inner).decode()
pem = "".join(b64[i:i + 64] + "\n" for i in range(0, len(b64), 64))
open(f"{out}/der-length-past-end.pem", "w").write(
    "-----BEGIN CERTIFICATE-----\n" + pem + "-----END CERTIFICATE-----\n")
EOF

# --- san-10000.pem: 10,000 subjectAltName DNS names (openssl, generated config) -------
py "$WORK/san.cnf" <<'EOF'
import sys
with open(sys.argv[1], "w") as f:
    f.write("[ v3_leaf ]\nbasicConstraints = critical, CA:FALSE\nsubjectAltName = @san\n[ san ]\n")
    f.write("DNS.1 = mx.example.com\n")
    for i in range(2, 10001):
        f.write(f"DNS.{i} = h{i:05d}.example.com\n")
EOF
selfsign "$OUT/san-10000.pem" "/CN=mx.example.com" 02 "$WORK/san.cnf"

# --- deeply nested ASN.1: 10,000 SEQUENCE headers, each holding the next ---------------
py "$WORK/nested.hex" "$OUT" <<'EOF'
import base64, sys
def header(tag, n):
    if n < 0x80:
        return bytes([tag, n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(body)]) + body
der = b""
for _ in range(10000):
    der = header(0x30, len(der)) + der
out = sys.argv[2]
open(f"{out}/nested-asn1-10000.der", "wb").write(der)
b64 = base64.b64encode(der).decode()
pem = "".join(b64[i:i + 64] + "\n" for i in range(0, len(b64), 64))
open(f"{out}/nested-asn1-10000.pem", "w").write(
    "-----BEGIN CERTIFICATE-----\n" + pem + "-----END CERTIFICATE-----\n")
# 10,000 levels inside an unknown (private-arc) extension of an otherwise normal certificate.
open(sys.argv[1], "w").write(der.hex())
EOF
{
    printf '[ v3_leaf ]\nbasicConstraints = critical, CA:FALSE\nsubjectAltName = DNS:mx.example.com\n'
    printf '1.3.6.1.4.1.55555.1 = DER:%s\n' "$(cat "$WORK/nested.hex")"
} >"$WORK/nested.cnf"
selfsign "$OUT/nested-in-extension.pem" "/CN=mx.example.com" 03 "$WORK/nested.cnf"

# --- invalid UTF-8: a UTF8String CN and an IA5String dNSName patched after signing ----
# (the signature no longer verifies; the bytes are what matters)
printf '[ v3_leaf ]\nbasicConstraints = critical, CA:FALSE\nsubjectAltName = DNS:bad-QQQQ.example.com, DNS:mx.example.com\n' >"$WORK/utf8.cnf"
selfsign "$WORK/utf8-subject.pem" "/CN=mx.example.com-PPPP" 04
selfsign "$WORK/utf8-san.pem" "/CN=mx.example.com" 05 "$WORK/utf8.cnf"
py "$WORK/utf8-subject.pem" "$WORK/utf8-san.pem" "$OUT" <<'EOF'
import base64, re, sys
def der_of(path):
    text = open(path).read()
    b64 = re.search(r"-----BEGIN CERTIFICATE-----\n(.*?)-----END CERTIFICATE-----", text, re.S).group(1)
    return base64.b64decode(b64)
def write_pem(path, der):
    b64 = base64.b64encode(der).decode()
    pem = "".join(b64[i:i + 64] + "\n" for i in range(0, len(b64), 64))
    open(path, "w").write("-----BEGIN CERTIFICATE-----\n" + pem + "-----END CERTIFICATE-----\n")
out = sys.argv[3]
# CN (subject and issuer): "PPPP" -> FF FE C3 28 (a bad start byte and a bad continuation).
der = der_of(sys.argv[1])
assert der.count(b"PPPP") == 2
write_pem(f"{out}/invalid-utf8-subject.pem", der.replace(b"PPPP", b"\xff\xfe\xc3\x28"))
# First dNSName: "QQQQ" -> FF FE 80 C3 (bytes an IA5String may not hold).
der = der_of(sys.argv[2])
assert der.count(b"QQQQ") == 1
write_pem(f"{out}/invalid-utf8-san.pem", der.replace(b"QQQQ", b"\xff\xfe\x80\xc3"))
EOF

# --- private-key-as-certificate.pem: a CERTIFICATE block whose body is a private key ----
# (PKCS#8 Ed25519 from the fixed seed 40 41 … 5f; a throwaway test key)
py "$OUT/private-key-as-certificate.pem" <<'EOF'
import base64, sys
der = bytes.fromhex("302e020100300506032b657004220420") + bytes(range(0x40, 0x60))
open(sys.argv[1], "w").write(
    "-----BEGIN CERTIFICATE-----\n" + base64.b64encode(der).decode() + "\n-----END CERTIFICATE-----\n")
EOF

# --- ansi-subject.pem: ESC sequences, a newline and a bidi override in the subject CN,
# and ESC, newline and tab in the first dNSName (raw ESC in the config; `\n` and `\t`
# are openssl config escapes) -------------------------------------------------------------
ESC=$'\x1b'
printf '[ v3_leaf ]\nbasicConstraints = critical, CA:FALSE\nsubjectAltName = @san\n[ san ]\nDNS.1 = evil%s[31m\\nx\\ty.example.com\nDNS.2 = mx.example.com\n' "$ESC" >"$WORK/ansi.cnf"
selfsign "$OUT/ansi-subject.pem" "/CN=evil${ESC}[31mred${ESC}[0m"$'\n'"line2 "$'\u202e'"moc.elpmaxe" 06 "$WORK/ansi.cnf"

# --- ansi-ca.pem: an issuing CA (pathlen 0, as --ca-certs takes one) whose CN holds ESC
# sequences and a bidi override -----------------------------------------------------------
printf '[ v3_leaf ]\nbasicConstraints = critical, CA:TRUE, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\n' >"$WORK/ansi-ca.cnf"
selfsign "$OUT/ansi-ca.pem" "/CN=R${ESC}[31m99${ESC}[0m"$'\u202e' 07 "$WORK/ansi-ca.cnf"

# --- ansi-label.pem: an unknown PEM block whose label holds an ESC sequence ---------------
printf -- '-----BEGIN \033[31mEVIL\033[0m-----\nAAAA\n-----END \033[31mEVIL\033[0m-----\n' >"$OUT/ansi-label.pem"

# --- nul-bytes.bin: 64 KiB of NUL bytes --------------------------------------------------
head -c 65536 /dev/zero >"$OUT/nul-bytes.bin"

# --- many-blocks.pem: a valid certificate, then empty unknown blocks up to ~1 MiB --------
py "$OUT/plain-ed25519.pem" "$OUT/many-blocks.pem" <<'EOF'
import sys
cert = open(sys.argv[1], "rb").read()
block = b"-----BEGIN X-----\n-----END X-----\n"  # 34 bytes
n = (1024 * 1024 - len(cert)) // len(block)
open(sys.argv[2], "wb").write(cert + block * n)
EOF

echo "make-hostile.sh: wrote ${#FILES[@]} files to $OUT" >&2
