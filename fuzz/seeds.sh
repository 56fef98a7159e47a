#!/usr/bin/env bash
# Writes seed inputs for every fuzz target into OUT/TARGET/seed-* (default OUT:
# fuzz/corpus, which .gitignore excludes), taken from testdata/ and a few hand-made
# strings. Existing corpus files are kept; seeds are overwritten. Deterministic.
#
#   bash fuzz/seeds.sh [OUT]
set -euo pipefail
FUZZ=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$FUZZ")
OUT=${1:-$FUZZ/corpus}
TD=$ROOT/testdata
MAX_SEED=65536 # larger files would raise libFuzzer's max_len and slow every run

n=0
# seed TARGET FILE...: copies files (up to MAX_SEED bytes) as seeds.
seed() {
    local target=$1 f
    shift
    mkdir -p "$OUT/$target"
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$(wc -c <"$f")" -le "$MAX_SEED" ] || continue
        n=$((n + 1))
        cp "$f" "$OUT/$target/seed-$(printf '%04d' "$n")-$(basename "$f")"
    done
}
# text TARGET STRING...: one seed per string (printf %b: \n, \t, \033, \0 work).
text() {
    local target=$1 s
    shift
    mkdir -p "$OUT/$target"
    for s in "$@"; do
        n=$((n + 1))
        printf '%b' "$s" >"$OUT/$target/seed-$(printf '%04d' "$n")"
    done
}

shopt -s nullglob
pem_files=(
    "$TD"/pki/*/*.pem "$TD"/pki/*.pem "$TD"/pki/forms/* "$TD"/pki/ca/*
    "$TD"/bad/* "$TD"/letsencrypt/*/*.pem "$TD"/hostile/*.pem "$TD"/hostile/*.der
    "$TD"/hostile/*.bin
)

# --- material_parse: every certificate, key, CSR and bad file ---------------------------
seed material_parse "${pem_files[@]}"

# --- generate_stdin: the same, behind a selector byte (format, set, --host) --------------
mkdir -p "$OUT/generate_stdin"
i=0
for f in "${pem_files[@]}"; do
    [ -f "$f" ] && [ "$(wc -c <"$f")" -le "$MAX_SEED" ] || continue
    for sel in 00 21 0a 32 3b 14; do
        i=$((i + 1))
        { printf "\\x$sel"; cat "$f"; } >"$OUT/generate_stdin/seed-$(printf '%04d' "$i")-$sel-$(basename "$f")"
    done
done

# --- tlsa_rdata: the RDATA of every TLSA line in the zone fixtures -----------------------
mkdir -p "$OUT/tlsa_rdata"
i=0
for f in "$TD"/zones/*.zone "$TD"/zones/include/* "$TD"/renewal/*; do
    [ -f "$f" ] || continue
    while IFS= read -r rdata; do
        i=$((i + 1))
        printf '%s' "$rdata" >"$OUT/tlsa_rdata/seed-rdata-$(printf '%04d' "$i")"
    done < <(sed -n 's/;.*//; s/.*[[:space:]]TLSA[[:space:]]\+//p' "$f" | head -40)
done
text tlsa_rdata '3 1 1 00' '2 0 2 ab CD\tef' '255 255 255 00' '0 0 0 00112233 44556677' \
    '3 1 1\n  b975b1ba0fe111e8d09ad5bcbfdfa61f\n  e271effd4154445b9cbf7121911832f5' '3 1 1 abc'

# --- tlsa_params: --records lists ---------------------------------------------------------
text tlsa_params '3 1 1' '3 1 1, 2 1 1' 'DANE-EE SPKI SHA2-256, DANE-TA SPKI SHA2-512' \
    'PrivCert PrivSel PrivMatch' 'pkix-ta cert full,pkix-ee 1 2' '255 0 1, 3 1 1, 3 1 1' ' , 3 1 1 ,'

# --- zonefile: the zone fixtures -----------------------------------------------------------
seed zonefile "$TD"/zones/*.zone "$TD"/zones/include/* "$TD"/renewal/*
text zonefile '$ORIGIN example.com.\n$TTL 300\n$INCLUDE inc.zone sub\n$INCLUDE missing.zone\nmx IN A 192.0.2.1\n_25._tcp.mx IN TLSA 3 1 1 (\n 00ff )\n' \
    '@ 300 IN SOA ns hostmaster ( 1 2 3 4 5 )\n  IN TXT "a ; b ( c"\nx CLASS1 TYPE52 \\# 3 030101\n'

# --- certbot_conf: certbot renewal configurations ------------------------------------------
seed certbot_conf "$TD"/letsencrypt-dir/renewal/*.conf
text certbot_conf '[renewalparams]\nreuse_key = True\nkey_type = ecdsa\nelliptic_curve = secp384r1\n' \
    '# c\n; c\n[renewalparams]\nrsa_key_size = 4096\nkey_type = RSA\n'

# --- le_hierarchy: status.txt, NUL, then PEM files separated by NUL ------------------------
mkdir -p "$OUT/le_hierarchy"
status=$ROOT/src/input/letsencrypt/status.txt
i=0
for group in "int-y*.pem root-*.pem" "r1*.pem" "e*.pem" "int-yr1.pem root-yr-by-x1.pem"; do
    i=$((i + 1))
    {
        cat "$status"
        for f in $(cd "$ROOT/src/input/letsencrypt" && echo $group); do
            printf '\0'
            cat "$ROOT/src/input/letsencrypt/$f"
        done
    } >"$OUT/le_hierarchy/seed-group-$i"
done
{ printf 'YE1 backup\n\0'; cat "$TD/pki/ca/int-ec.pem"; printf '\0'; cat "$TD/pki/ca/root.pem"; } \
    >"$OUT/le_hierarchy/seed-test-ca"

# --- zone_config: zone --config TOML --------------------------------------------------------
text zone_config '[hosts."mx.example.com"]\nchain = "/etc/letsencrypt/live/mx.example.com"\n[hosts."mx.example.com:465"]\nchain = "certs/submission.pem"\n' \
    'hosts = { "b\\u00fccher.example" = { chain = "x" } }\n' '[hosts]\n"*.example.com:0" = { chain = 1 }\n'

# --- host_parse: host names -------------------------------------------------------------
text host_parse 'mx.example.com' 'mx.example.com.' 'MX.B\xc3\xbccher.example' 'xn--bcher-kva.example' \
    '_25._tcp.mx.example.com' '*.example.com' 'a..b' '.' '' 'mx .example.com' \
    "$(printf 'a%.0s' $(seq 63)).example" '\xe2\x80\xaeevil.example' 'mx\xe3\x80\x82example\xef\xbc\x8ecom'

# --- sanitize: text with controls, bidi and backslashes --------------------------------------
text sanitize 'CN = mx.example.com' 'M\xc3\xbcller GmbH' 'a\033[31mb\nc' 'x\xe2\x80\xaey' 'a\xc2\x9bb' \
    '\\\\x1b' 'ab\xffc\007' '\0\001\177'

text server_replies "220 mx.example.com ESMTP\r\n" "250-mx.example.com\r\n250-PIPELINING\r\n250 STARTTLS\r\n" \
    "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n" "+OK POP3 ready\r\n" "502 5.5.2 no\r\n" "25\r\n"

echo "fuzz/seeds.sh: wrote seeds to $OUT" >&2
