//! Real-world PEM that openssl or certtool read: byte-order marks, indentation, prose
//! around blocks, CRLF, legacy labels and legacy encrypted keys (issue 13). Every
//! expected digest comes from openssl at test time.

use std::path::{Path, PathBuf};

use crate::util::{generate_bare, openssl_tlsa, sh, td};

/// The owner of the records `generate_bare` makes (host mx.example.com, port 25).
const OWNER: &str = "_25._tcp.mx.example.com.";

/// The two default records of mx-p256, per openssl, without comments.
fn p256_records() -> String {
    let leaf = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let ca = openssl_tlsa(&td("pki/mx-p256/chain.pem"), 1, 1);
    format!("{OWNER} IN TLSA 3 1 1 {leaf}\n{OWNER} IN TLSA 2 1 1 {ca}\n")
}

fn fullchain() -> String {
    std::fs::read_to_string(td("pki/mx-p256/fullchain.pem")).expect("fixture")
}

/// Writes `bytes` as `name` in a new temporary directory (mode 0600).
fn write(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    (dir, path)
}

fn generate(path: &Path) -> crate::util::Run {
    generate_bare(&[path.to_str().expect("UTF-8 path")])
}

/// The headline bug: a UTF-8 BOM made the leaf block unknown, so the CA's key came
/// out as `3 1 1` with exit 0.
#[test]
fn byte_order_mark_before_fullchain_gives_the_leaf_key_not_the_ca_key() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(fullchain().as_bytes());
    let (_d, path) = write("fullchain.pem", &bytes);
    generate(&path).exact(0, &p256_records(), "");
}

#[test]
fn indented_begin_line_does_not_drop_the_leaf() {
    let text = fullchain().replacen("-----BEGIN", "   -----BEGIN", 1);
    let (_d, path) = write("fullchain.pem", text.as_bytes());
    generate(&path).exact(0, &p256_records(), "");
}

#[test]
fn prose_before_and_between_blocks_and_crlf_are_read() {
    let text = format!("Bag Attributes\n    friendlyName: mx\n{}", fullchain())
        .replace(
            "-----END CERTIFICATE-----\n-----BEGIN",
            "-----END CERTIFICATE-----\nsubject=whatever\n\n-----BEGIN",
        )
        .replace('\n', "\r\n");
    let (_d, path) = write("fullchain.pem", text.as_bytes());
    generate(&path).exact(0, &p256_records(), "");
}

#[test]
fn rfc7468_lax_whitespace_inside_the_base64_is_read() {
    let text: String = fullchain()
        .lines()
        .map(|l| {
            if l.starts_with("-----") {
                format!("{l}\n")
            } else {
                format!(" {l}\t \n")
            }
        })
        .collect();
    let (_d, path) = write("fullchain.pem", text.as_bytes());
    generate(&path).exact(0, &p256_records(), "");
}

#[test]
fn old_x509_certificate_label_is_read() {
    let text = fullchain().replace(" CERTIFICATE-----", " X509 CERTIFICATE-----");
    let (_d, path) = write("fullchain.pem", text.as_bytes());
    generate(&path).exact(0, &p256_records(), "");
}

#[test]
fn old_new_certificate_request_label_is_read() {
    let csr = std::fs::read_to_string(td("pki/forms/p256.csr")).expect("fixture");
    let text = csr.replace(" CERTIFICATE REQUEST-----", " NEW CERTIFICATE REQUEST-----");
    let (_d, path) = write("req.pem", text.as_bytes());
    let leaf = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    generate(&path).exact(0, &format!("{OWNER} IN TLSA 3 1 1 {leaf}\n"), "");
}

/// A Postfix-style combined file whose key is a legacy encrypted `RSA PRIVATE KEY`
/// (Proc-Type/DEK-Info headers) was "corrupt base64"; the key is skipped, never decrypted.
#[test]
fn legacy_encrypted_key_in_a_combined_file_is_skipped_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("enc.key");
    sh(&format!(
        "openssl rsa -in testdata/pki/forms/rsa2048-pkcs1.key -aes128 -traditional -passout pass:secret -out '{}' 2>/dev/null",
        key.display()
    ));
    let enc = std::fs::read_to_string(&key).expect("encrypted key");
    assert!(enc.contains("Proc-Type: 4,ENCRYPTED"), "fixture: {enc}");
    let (_d, path) = write("combined.pem", format!("{enc}{}", fullchain()).as_bytes());
    let p = path.display();
    generate(&path).exact(
        0,
        &p256_records(),
        &format!("daneguard: note: {p}: PEM block 1 (RSA PRIVATE KEY) skipped: it is encrypted (Proc-Type/DEK-Info headers) and is never decrypted; give the certificate, the CSR or the public key\n"),
    );
    let (_d2, alone) = write("enc.key", enc.as_bytes());
    generate(&alone).fails_with(&format!(
        "daneguard: error: {}: no certificate, CSR or key found: PEM block 1 (RSA PRIVATE KEY) skipped: it is encrypted (Proc-Type/DEK-Info headers) and is never decrypted; give the certificate, the CSR or the public key",
        alone.display()
    ));
}

/// A key block that cannot be read was fatal although only the certificates are used.
#[test]
fn bogus_private_key_beside_a_chain_is_a_note_not_a_refusal() {
    let text = format!(
        "{}-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n",
        fullchain()
    );
    let (_d, path) = write("fullchain.pem", text.as_bytes());
    let p = path.display();
    generate(&path).exact(
        0,
        &p256_records(),
        &format!("daneguard: note: {p}: PEM block 3 ignored: PRIVATE KEY: not a valid PKCS#8 private key; only the certificates are used\n"),
    );
}

/// The same bogus block alone is all there is, so it is refused.
#[test]
fn bogus_private_key_alone_is_refused() {
    let (_d, path) = write(
        "key.pem",
        b"-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n",
    );
    generate(&path).fails_with(&format!(
        "daneguard: error: {}: PEM block 1: PRIVATE KEY: not a valid PKCS#8 private key",
        path.display()
    ));
}

/// A broken certificate block is never skipped: dropping it could change the leaf.
#[test]
fn corrupt_certificate_block_beside_good_ones_is_refused() {
    let text = fullchain().replacen("MII", "MI*", 1);
    let (_d, path) = write("fullchain.pem", text.as_bytes());
    generate(&path).fails_with(&format!(
        "daneguard: error: {}: PEM block 1: corrupt base64 in the CERTIFICATE block",
        path.display()
    ));
}

/// CSRs whose self-signature ring cannot check (RSA-PSS with openssl's default salt
/// length, here) were refused although only their key is needed.
#[test]
fn csr_with_an_unconfirmed_self_signature_yields_its_key_with_a_note() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display();
    sh(&format!(
        "cd '{d}' && openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out k.pem 2>/dev/null && \
         openssl req -new -key k.pem -subj /CN=mx.example.com -out r.csr && openssl req -in r.csr -verify -noout 2>/dev/null"
    ));
    let csr = dir.path().join("r.csr");
    let expected = sh(&format!(
        "openssl req -in '{}' -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \\n'",
        csr.display()
    ));
    generate(&csr).exact(
        0,
        &format!("{OWNER} IN TLSA 3 1 1 {expected}\n"),
        &format!(
            "daneguard: note: {}: the CSR's self-signature (1.2.840.113549.1.1.10) could not be confirmed here; only its key is used (openssl req -verify checks it)\n",
            csr.display()
        ),
    );
}

/// A CA certificate alone said it was one and then refused every `2 x x` record with
/// "the input holds no CA certificate".
#[test]
fn ca_certificate_alone_gives_2_x_x_records_with_a_note() {
    let ca = td("pki/mx-p256/chain.pem");
    let data = openssl_tlsa(&ca, 1, 1);
    let note = "daneguard: note: testdata/pki/mx-p256/chain.pem: O = daneguard tests, CN = daneguard Test ECDSA CA 1 is a CA certificate given alone: DANE-TA (2 x x) records are made for it as a trust anchor, DANE-EE (3 x x) ones in case a server presents it as its own\n";
    generate_bare(&["--records", "2 1 1", "testdata/pki/mx-p256/chain.pem"]).exact(
        0,
        &format!("{OWNER} IN TLSA 2 1 1 {data}\n"),
        note,
    );
    generate_bare(&["testdata/pki/mx-p256/chain.pem"]).exact(
        0,
        &format!("{OWNER} IN TLSA 3 1 1 {data}\n{OWNER} IN TLSA 2 1 1 {data}\n"),
        note,
    );
    // chaingen's set takes it as the server's own certificate (U = 3), and says so
    let r = generate_bare(&["--set", "chaingen", "testdata/pki/mx-p256/chain.pem"]);
    r.code(0);
    assert!(
        r.stdout
            .contains(&format!("{OWNER} IN TLSA 3 1 1 {data}\n")),
        "{r:?}"
    );
    assert!(!r.stdout.contains("IN TLSA 2 "), "{r:?}");
    assert!(
        r.stderr.contains("is a CA certificate given alone: its records are made as for a server's own certificate (3 x x); --set recommended adds DANE-TA (2 x x) ones"),
        "{r:?}"
    );
}

/// An EC private key whose public point is stored compressed gave a `3 1 1` over the
/// uncompressed point, while the certificate for that key carries the compressed one.
#[test]
fn compressed_ec_private_key_gives_the_digest_of_its_certificates_compressed_spki() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display();
    sh(&format!(
        "umask 077 && cd '{d}' && openssl ec -in '{}' -conv_form compressed -out key.pem 2>/dev/null && \
         openssl req -x509 -new -key key.pem -subj /CN=mx.example.com -days 2 -out cert.pem 2>/dev/null",
        td("pki/forms/p256-sec1.key").display()
    ));
    let cert_data = openssl_tlsa(&dir.path().join("cert.pem"), 1, 1);
    assert_ne!(
        cert_data,
        openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1),
        "fixture: the compressed SPKI differs from the uncompressed one"
    );
    generate(&dir.path().join("key.pem")).exact(
        0,
        &format!("{OWNER} IN TLSA 3 1 1 {cert_data}\n"),
        "",
    );
}

/// The `3 1 1` line daneguard prints for a key file, or its exit status and stderr.
fn key_record(path: &Path) -> crate::util::Run {
    generate_bare(&["--records", "3 1 1", path.to_str().expect("UTF-8 path")])
}

/// The corpus test skipped these until its file list stopped being eaten by the
/// openssl processes in its loop: a SubjectPublicKeyInfo under the `RSA PUBLIC KEY`
/// label, PKCS#1 under `PUBLIC KEY`, and a PKCS#1 public key in DER were refused,
/// though openssl reads all three.
#[test]
fn public_keys_under_the_other_label_and_pkcs1_der_are_read_as_openssl_reads_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display();
    sh(&format!(
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out '{d}/k.pem' 2>/dev/null \
         && openssl pkey -in '{d}/k.pem' -pubout -out '{d}/spki.pem' \
         && openssl rsa -in '{d}/k.pem' -RSAPublicKey_out -out '{d}/pkcs1.pem' 2>/dev/null \
         && openssl rsa -in '{d}/k.pem' -RSAPublicKey_out -outform DER -out '{d}/pkcs1.der' 2>/dev/null \
         && sed 's/BEGIN PUBLIC/BEGIN RSA PUBLIC/; s/END PUBLIC/END RSA PUBLIC/' '{d}/spki.pem' > '{d}/spki-as-rsa.pem' \
         && sed 's/BEGIN RSA PUBLIC/BEGIN PUBLIC/; s/END RSA PUBLIC/END PUBLIC/' '{d}/pkcs1.pem' > '{d}/pkcs1-as-spki.pem'"
    ));
    let want = crate::util::openssl_key_spki_sha256(&dir.path().join("k.pem"), false);
    for file in ["spki-as-rsa.pem", "pkcs1-as-spki.pem", "pkcs1.der"] {
        key_record(&dir.path().join(file)).exact(0, &format!("{OWNER} IN TLSA 3 1 1 {want}\n"), "");
    }
}

/// Key-agreement keys (X25519, X448) were "unsupported private key algorithm"; their
/// public key is what `openssl pkey -pubout` writes.
#[test]
fn x25519_and_x448_private_keys_give_openssls_public_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    for alg in ["X25519", "X448"] {
        let key = dir.path().join(format!("{alg}.pem"));
        sh(&format!(
            "openssl genpkey -algorithm {alg} -out '{}'",
            key.display()
        ));
        let want = crate::util::openssl_key_spki_sha256(&key, false);
        let out = key_record(&key);
        assert_eq!(out.code, 0, "{alg}: {}", out.stderr);
        assert_eq!(
            out.stdout,
            format!("{OWNER} IN TLSA 3 1 1 {want}\n"),
            "{alg}"
        );
    }
}

/// An Ed25519 SubjectPublicKeyInfo whose BIT STRING claims unused bits gave a digest
/// of bytes no valid certificate can hold; it is refused as invalid DER.
#[test]
fn public_key_with_unused_bits_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display();
    sh(&format!(
        "openssl genpkey -algorithm ED25519 -out '{d}/k.pem' \
         && openssl pkey -in '{d}/k.pem' -pubout -outform DER -out '{d}/pub.der'"
    ));
    let path = dir.path().join("pub.der");
    let mut der = std::fs::read(&path).expect("pub.der");
    // SEQUENCE, SEQUENCE { OID 1.3.101.112 }, BIT STRING: the unused-bits octet is 11.
    assert_eq!(&der[9..12], &[0x03, 0x21, 0x00], "Ed25519 SPKI layout");
    der[11] = 1;
    // The one unused bit zero (what DER wants of unused bits) and one (not DER at all).
    for last_bit in [0, 1] {
        let last = der.len() - 1;
        der[last] = der[last] & 0xfe | last_bit;
        std::fs::write(&path, &der).expect("write");
        let out = key_record(&path);
        assert_eq!(out.code, 2, "{}", out.stdout);
        assert!(
            out.stderr.contains("BIT STRING has unused bits"),
            "unused bit {last_bit}: {}",
            out.stderr
        );
    }
}
