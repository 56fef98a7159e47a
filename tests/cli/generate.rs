//! `daneguard generate`: exact output for every record set, owner form, input form and
//! output format. Every expected digest is computed by openssl at test time.

use std::path::{Path, PathBuf};

use crate::util::{
    copy_with_mode, generate_bare, openssl_comments, openssl_key_spki_sha256, openssl_tlsa, root,
    run, run_with, sh, split_certs, td,
};

const HOST: &str = "mx.example.com";
const OWNER: &str = "_25._tcp.mx.example.com.";
const P256_CHAIN: &str = "testdata/pki/mx-p256/fullchain.pem";

fn p256_leaf() -> PathBuf {
    td("pki/mx-p256/cert.pem")
}

fn p256_issuer() -> PathBuf {
    td("pki/mx-p256/chain.pem")
}

/// openssl's association data for the first certificate in `cert`.
fn data(cert: &Path, selector: u8, matching: u8) -> String {
    openssl_tlsa(cert, selector, matching)
}

/// One zone-file line (no TTL).
fn tlsa(owner: &str, params: &str, data: &str) -> String {
    format!("{owner} IN TLSA {params} {data}\n")
}

/// A certificate's comment block (openssl's text plus `;; key=`), records, blank line.
fn cert_block(cert: &Path, key: &str, records: &str) -> String {
    format!("{};; key={key}\n;;\n{records}\n", openssl_comments(cert))
}

/// A lone key's comment block, records, blank line.
fn key_block(about: &str, records: &str) -> String {
    format!(";; key={about}\n;;\n{records}\n")
}

/// chaingen's block: openssl's comments, `;;`, records, blank line.
fn chaingen_block(cert: &Path, records: &str) -> String {
    format!("{};;\n{records}\n", openssl_comments(cert))
}

/// The note printed when the owner comes from the leaf's first DNS name.
fn first_name_note(input: &str) -> String {
    format!(
        "daneguard: note: {input}: no --host given; using the leaf's first DNS name, mx.example.com\n"
    )
}

/// `generate` on mx-p256's chain with the default set, as openssl says it must look.
fn p256_recommended(owner: &str) -> String {
    let (leaf, issuer) = (p256_leaf(), p256_issuer());
    cert_block(
        &leaf,
        "ECDSA P-256",
        &tlsa(owner, "3 1 1", &data(&leaf, 1, 1)),
    ) + &cert_block(
        &issuer,
        "ECDSA P-384",
        &tlsa(owner, "2 1 1", &data(&issuer, 1, 1)),
    )
}

/// `generate --no-comments --host mx.example.com ARGS… mx-p256/fullchain.pem`.
fn p256_bare(args: &[&str]) -> crate::util::Run {
    generate_bare(&[args, &[P256_CHAIN]].concat())
}

/// The two default records of mx-p256 for one owner, without comments.
fn p256_bare_records(owner_and_ttl: &str) -> String {
    tlsa(owner_and_ttl, "3 1 1", &data(&p256_leaf(), 1, 1))
        + &tlsa(owner_and_ttl, "2 1 1", &data(&p256_issuer(), 1, 1))
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

// ---------------------------------------------------------------------------------
// 1. The default set

#[test]
fn default_set_prints_commented_3_1_1_for_leaf_and_2_1_1_for_issuer() {
    run(&["generate", P256_CHAIN]).exact(0, &p256_recommended(OWNER), &first_name_note(P256_CHAIN));
}

#[test]
fn explicit_recommended_set_equals_the_default() {
    run(&["generate", "--set", "recommended", P256_CHAIN]).exact(
        0,
        &p256_recommended(OWNER),
        &first_name_note(P256_CHAIN),
    );
}

#[test]
fn lineage_directory_reads_its_fullchain() {
    run(&["generate", "testdata/pki/mx-p256"]).exact(
        0,
        &p256_recommended(OWNER),
        &first_name_note("testdata/pki/mx-p256/fullchain.pem"),
    );
}

#[test]
fn stdin_input_is_read_and_named_stdin() {
    let chain = std::fs::read(td("pki/mx-p256/fullchain.pem")).unwrap();
    run_with(&["generate", "-"], Some(&chain), &[]).exact(
        0,
        &p256_recommended(OWNER),
        &first_name_note("<stdin>"),
    );
}

// ---------------------------------------------------------------------------------
// 2. --set chaingen

/// (oracle file, input under testdata/, port, expected stderr)
const CHAINGEN_CASES: [(&str, &str, &str, &str); 5] = [
    ("mx-rsa2048", "pki/mx-rsa2048/fullchain.pem", "25", ""),
    (
        "fullchain-with-root",
        "pki/fullchain-with-root.pem",
        "465",
        "",
    ),
    (
        "le-rsa",
        "pki/le-rsa/fullchain.pem",
        "25",
        "daneguard: note: testdata/pki/le-rsa/fullchain.pem: the signature on certificate 0 does not verify with the key of certificate 1 (C = US, O = Let's Encrypt, CN = YR1)\n",
    ),
    (
        "le-ec",
        "pki/le-ec/fullchain.pem",
        "25",
        "daneguard: note: testdata/pki/le-ec/fullchain.pem: the signature on certificate 0 does not verify with the key of certificate 1 (C = US, O = Let's Encrypt, CN = YE1)\n",
    ),
    ("mx-ed25519", "pki/mx-ed25519/fullchain.pem", "25", ""),
];

fn chaingen(input: &str, port: &str) -> crate::util::Run {
    let input = format!("testdata/{input}");
    run(&[
        "generate", "--set", "chaingen", "--host", HOST, "--port", port, &input,
    ])
}

#[test]
fn chaingen_set_is_byte_identical_to_chaingen_output() {
    for (name, input, port, stderr) in CHAINGEN_CASES {
        let oracle = std::fs::read_to_string(td(&format!("expected/chaingen/{name}.txt")))
            .expect("chaingen oracle file");
        chaingen(input, port).exact(0, &oracle, stderr);
    }
}

#[test]
fn chaingen_records_are_openssl_digests_of_each_certificate() {
    for (_, input, port, stderr) in CHAINGEN_CASES {
        let (_dir, certs) = split_certs(&td(input));
        assert!(certs.len() >= 2, "{input} is a chain");
        let owner = format!("_{port}._tcp.{HOST}.");
        let mut expected = String::new();
        for (depth, cert) in certs.iter().enumerate() {
            let usage = if depth == 0 { 3 } else { 2 };
            let mut records = String::new();
            for (s, m) in [(0, 1), (1, 1), (0, 2), (1, 2)] {
                records += &tlsa(&owner, &format!("{usage} {s} {m}"), &data(cert, s, m));
            }
            expected += &chaingen_block(cert, &records);
        }
        chaingen(input, port).exact(0, &expected, stderr);
    }
}

// ---------------------------------------------------------------------------------
// 3. --records

#[test]
fn records_by_number_and_by_rfc7218_name_are_the_same() {
    let expected = tlsa(OWNER, "3 1 1", &data(&p256_leaf(), 1, 1))
        + &tlsa(OWNER, "2 0 2", &data(&p256_issuer(), 0, 2));
    p256_bare(&["--records", "3 1 1, 2 0 2"]).exact(0, &expected, "");
    p256_bare(&["--records", "DANE-EE SPKI SHA2-256, dane-ta CERT sha2-512"])
        .exact(0, &expected, "");
}

#[test]
fn full_data_records_are_the_der_of_certificate_and_spki() {
    let (leaf, issuer) = (p256_leaf(), p256_issuer());
    let expected = tlsa(OWNER, "3 0 0", &data(&leaf, 0, 0))
        + &tlsa(OWNER, "3 1 0", &data(&leaf, 1, 0))
        + &tlsa(OWNER, "2 0 0", &data(&issuer, 0, 0))
        + &tlsa(OWNER, "2 1 0", &data(&issuer, 1, 0));
    p256_bare(&[
        "--records",
        "3 0 0, DANE-EE SPKI Full, 2 0 0, DANE-TA SPKI FULL",
    ])
    .exact(0, &expected, "");
}

#[test]
fn sha2_512_records_match_openssl() {
    let (leaf, issuer) = (p256_leaf(), p256_issuer());
    let expected = tlsa(OWNER, "3 0 2", &data(&leaf, 0, 2))
        + &tlsa(OWNER, "3 1 2", &data(&leaf, 1, 2))
        + &tlsa(OWNER, "2 1 2", &data(&issuer, 1, 2));
    p256_bare(&["--records", "3 0 2, DANE-EE SPKI SHA2-512, 2 1 2"]).exact(0, &expected, "");
}

#[test]
fn ta_records_are_made_per_ca_certificate_and_ee_records_for_the_leaf_only() {
    let (_dir, certs) = split_certs(&td("pki/fullchain-with-root.pem"));
    let [leaf, int, root] = certs.as_slice() else {
        panic!("leaf, intermediate and root expected: {certs:?}");
    };
    let expected = tlsa(OWNER, "3 0 1", &data(leaf, 0, 1))
        + &tlsa(OWNER, "2 1 1", &data(int, 1, 1))
        + &tlsa(OWNER, "2 1 1", &data(root, 1, 1));
    generate_bare(&[
        "--records",
        "DANE-TA SPKI SHA2-256, DANE-EE Cert SHA2-256",
        "testdata/pki/fullchain-with-root.pem",
    ])
    .exact(0, &expected, "");
}

#[test]
fn pkix_usages_on_port_25_warn_and_are_still_printed() {
    let expected = tlsa(OWNER, "1 1 1", &data(&p256_leaf(), 1, 1))
        + &tlsa(OWNER, "0 0 1", &data(&p256_issuer(), 0, 1));
    p256_bare(&["--records", "PKIX-EE SPKI SHA2-256, 0 0 1"]).exact(
        0,
        &expected,
        "daneguard: warning: 1 1 1 (PKIX-EE SPKI SHA2-256) on port 25: SMTP senders ignore usages 0 and 1 (RFC 7672 §3.1.3); use 3 1 1 or 2 1 1\n\
         daneguard: warning: 0 0 1 (PKIX-TA Cert SHA2-256) on port 25: SMTP senders ignore usages 0 and 1 (RFC 7672 §3.1.3); use 3 1 1 or 2 1 1\n",
    );
}

#[test]
fn pkix_usage_on_other_ports_does_not_warn() {
    let expected = tlsa(
        "_465._tcp.mx.example.com.",
        "1 1 1",
        &data(&p256_leaf(), 1, 1),
    );
    p256_bare(&["--records", "1 1 1", "--port", "465"]).exact(0, &expected, "");
}

#[test]
fn ta_record_without_ca_certificate_is_skipped_with_a_note() {
    let expected = tlsa(OWNER, "3 1 1", &data(&p256_leaf(), 1, 1));
    generate_bare(&[
        "--records",
        "2 1 1, 3 1 1",
        "testdata/pki/missing-issuer.pem",
    ])
    .exact(
        0,
        &expected,
        "daneguard: note: testdata/pki/missing-issuer.pem: the leaf's issuer (O = daneguard tests, CN = daneguard Test ECDSA CA 1) is not in the input, so no 2 x x record can cover it; use fullchain.pem\n\
         daneguard: note: testdata/pki/missing-issuer.pem: 2 1 1 (DANE-TA SPKI SHA2-256) skipped: the input holds no CA certificate\n",
    );
}

/// `--records LIST` on mx-p256 must fail with exactly `error`.
fn bad_records(list: &str, error: &str) {
    p256_bare(&["--records", list]).fails_with(&format!("daneguard: error: --records: {error}"));
}

#[test]
fn record_list_with_two_fields_is_rejected() {
    bad_records(
        "3 1",
        "'3 1' is not three fields (usage selector matching), e.g. '3 1 1' or 'DANE-EE SPKI SHA2-256'",
    );
}

#[test]
fn record_list_with_unknown_usage_number_is_rejected() {
    bad_records("9 1 1", "9 1 1: usage 9 is not one of 0-3");
}

#[test]
fn record_list_with_unknown_matching_type_is_rejected() {
    bad_records(
        "3 1 7",
        "3 1 7: matching type 7 is not 0 (Full), 1 (SHA2-256) or 2 (SHA2-512)",
    );
}

#[test]
fn record_list_with_unknown_selector_is_rejected() {
    bad_records("3 2 1", "3 2 1: selector 2 is not 0 (Cert) or 1 (SPKI)");
}

#[test]
fn record_list_with_unknown_usage_name_is_rejected() {
    bad_records(
        "DANE-XX SPKI SHA2-256",
        "'DANE-XX' is not a usage: use 0-255 or one of PKIX-TA, PKIX-EE, DANE-TA, DANE-EE",
    );
}

#[test]
fn empty_record_list_is_rejected() {
    bad_records(" , ", "the record list is empty");
}

#[test]
fn records_and_set_together_are_a_usage_error() {
    let r = p256_bare(&["--set", "chaingen", "--records", "3 1 1"]);
    r.code(2);
    assert_eq!(r.stdout, "", "{r:?}");
    assert!(
        r.stderr.starts_with(
            "error: the argument '--set <SET>' cannot be used with '--records <LIST>'\n"
        ),
        "{r:?}"
    );
}

// ---------------------------------------------------------------------------------
// 4. Owner names

#[test]
fn trailing_dot_host_gives_one_trailing_dot() {
    let r = run(&[
        "generate",
        "--no-comments",
        "--host",
        "mx.example.com.",
        P256_CHAIN,
    ]);
    r.exact(0, &p256_bare_records(OWNER), "");
    assert!(!r.stdout.contains(".."), "{r:?}");
}

#[test]
fn every_host_gets_every_port() {
    let r = run(&[
        "generate",
        "--no-comments",
        "--host",
        "mx.example.com",
        "--host",
        "mail.example.com",
        "--port",
        "25",
        "--port",
        "465",
        "--port",
        "587",
        P256_CHAIN,
    ]);
    let expected: String = ["mx.example.com", "mail.example.com"]
        .iter()
        .flat_map(|h| ["25", "465", "587"].map(|p| p256_bare_records(&format!("_{p}._tcp.{h}."))))
        .collect();
    r.exact(0, &expected, "");
}

#[test]
fn proto_udp_changes_the_protocol_label() {
    p256_bare(&["--proto", "udp"]).exact(0, &p256_bare_records("_25._udp.mx.example.com."), "");
}

#[test]
fn ttl_is_written_into_each_zone_line() {
    p256_bare(&["--ttl", "3600"]).exact(0, &p256_bare_records(&format!("{OWNER} 3600")), "");
}

#[test]
fn ttl_of_rfc2181_maximum_is_accepted() {
    p256_bare(&["--ttl", "2147483647"]).exact(
        0,
        &p256_bare_records(&format!("{OWNER} 2147483647")),
        "",
    );
}

#[test]
fn ttl_above_rfc2181_maximum_is_rejected() {
    let r = p256_bare(&["--ttl", "2147483648"]);
    r.code(2);
    assert_eq!(r.stdout, "", "{r:?}");
    assert!(r.stderr.contains("--ttl"), "{r:?}");
}

#[test]
fn host_is_lowercased() {
    run(&[
        "generate",
        "--no-comments",
        "--host",
        "MX.Example.COM",
        P256_CHAIN,
    ])
    .exact(0, &p256_bare_records(OWNER), "");
}

#[test]
fn internationalised_host_becomes_an_a_label() {
    run(&[
        "generate",
        "--no-comments",
        "--host",
        "bücher.example",
        P256_CHAIN,
    ])
    .exact(
        0,
        &p256_bare_records("_25._tcp.xn--bcher-kva.example."),
        "daneguard: note: testdata/pki/mx-p256/fullchain.pem: host xn--bcher-kva.example is not among the leaf's names (mx.example.com, mail.example.com, mx.dane.test): DANE-TA (2 x x) records will fail the name check\n",
    );
}

fn bad_host(host: &str, error: &str) {
    run(&["generate", "--host", host, P256_CHAIN])
        .fails_with(&format!("daneguard: error: --host: {error}"));
}

#[test]
fn wildcard_host_is_rejected() {
    bad_host(
        "*.example.com",
        "'*.example.com' is a wildcard; TLSA records need a concrete host name",
    );
}

#[test]
fn host_with_empty_label_is_rejected() {
    bad_host("mx..example.com", "'mx..example.com' has an empty label");
}

#[test]
fn host_with_space_is_rejected() {
    bad_host(
        "mx .example.com",
        "'mx .example.com' is not a valid host name",
    );
}

#[test]
fn host_with_overlong_label_is_rejected() {
    let host = format!("{}.example.com", "a".repeat(64));
    bad_host(
        &host,
        &format!("'{host}' has a label longer than 63 characters"),
    );
}

#[test]
fn empty_host_is_rejected() {
    bad_host("", "empty host name");
}

#[test]
fn repeated_port_gives_each_owner_once() {
    p256_bare(&["--port", "25", "--port", "465", "--port", "25"]).exact(
        0,
        &(p256_bare_records(OWNER) + &p256_bare_records("_465._tcp.mx.example.com.")),
        "",
    );
}

#[test]
fn same_host_in_two_spellings_gives_its_owner_once() {
    run(&[
        "generate",
        "--no-comments",
        "--host",
        "mx.example.com",
        "--host",
        "MX.example.com.",
        P256_CHAIN,
    ])
    .exact(0, &p256_bare_records(OWNER), "");
}

// ---------------------------------------------------------------------------------
// 5. Input forms

#[test]
fn der_certificate_gives_the_leaf_records() {
    let der = td("pki/forms/mx-p256.der");
    assert_eq!(
        data(&der, 1, 1),
        data(&p256_leaf(), 1, 1),
        "fixture relation"
    );
    run(&["generate", "--host", HOST, "testdata/pki/forms/mx-p256.der"]).exact(
        0,
        &cert_block(
            &p256_leaf(),
            "ECDSA P-256",
            &tlsa(OWNER, "3 1 1", &data(&p256_leaf(), 1, 1)),
        ),
        "daneguard: note: testdata/pki/forms/mx-p256.der: the leaf's issuer (O = daneguard tests, CN = daneguard Test ECDSA CA 1) is not in the input, so no 2 x x record can cover it; use fullchain.pem\n",
    );
}

fn combined_note(path: &str) -> String {
    format!(
        "daneguard: note: {path}: PEM block 1 (private key) ignored: only the certificates are used, and key material is never printed\n"
    )
}

#[test]
fn combined_key_and_chain_file_uses_only_the_certificates() {
    let (_dir, file) = copy_with_mode(&td("pki/forms/combined-p256.pem"), 0o600);
    let path = path_str(&file);
    run(&["generate", "--host", HOST, path]).exact(
        0,
        &p256_recommended(OWNER),
        &combined_note(path),
    );
}

#[test]
fn combined_file_readable_by_others_gets_a_permission_warning() {
    let (_dir, file) = copy_with_mode(&td("pki/forms/combined-p256.pem"), 0o644);
    let path = path_str(&file);
    run(&["generate", "--host", HOST, path]).exact(
        0,
        &p256_recommended(OWNER),
        &(combined_note(path)
            + &format!(
                "daneguard: warning: {path}: holds a private key but is readable by group or others (mode 644); consider chmod 600\n"
            )),
    );
}

/// Lowercase hex of the private scalar, from `openssl pkey -text`.
fn openssl_private_scalar(key: &Path) -> String {
    let text = sh(&format!(
        "openssl pkey -in '{}' -noout -text",
        key.display()
    ));
    let after = text.split("priv:").nth(1).expect("priv: section");
    let block = after.split("pub:").next().expect("pub: section");
    let hex: String = block
        .chars()
        .filter(char::is_ascii_hexdigit)
        .collect::<String>()
        .to_lowercase();
    // openssl may print a leading 00 byte; the P-256 scalar is the last 32 bytes.
    hex[hex.len().saturating_sub(64)..].to_string()
}

#[test]
fn combined_file_never_prints_the_private_key_in_any_format() {
    let (_dir, file) = copy_with_mode(&td("pki/forms/combined-p256.pem"), 0o644);
    let path = path_str(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    let body: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "-----BEGIN PRIVATE KEY-----")
        .skip(1)
        .take_while(|l| *l != "-----END PRIVATE KEY-----")
        .collect();
    assert!(body.len() >= 2, "the fixture starts with a private key");
    let der_hex = sh(&format!(
        "openssl pkey -in '{path}' -outform DER | od -An -vtx1 | tr -d ' \\n'"
    ));
    let scalar = openssl_private_scalar(&file);
    assert_eq!(scalar.len(), 64, "P-256 scalar: {scalar}");
    for format in ["zone", "table", "json", "nsupdate", "generic"] {
        for records in [None, Some("3 0 0, 3 1 0, 2 0 0, 2 1 0, 3 1 1, 3 1 2")] {
            let mut args = vec!["generate", "--host", HOST, "--format", format];
            if let Some(list) = records {
                args.extend(["--records", list]);
            }
            args.push(path);
            let r = run(&args);
            r.code(0);
            for (stream, out) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
                for line in &body {
                    assert!(
                        !out.contains(line),
                        "{format}: key line {line} in {stream}: {r:?}"
                    );
                }
                let squashed: String = out
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_lowercase();
                assert!(
                    !squashed.contains(&der_hex),
                    "{format}: key DER in {stream}"
                );
                assert!(
                    !squashed.contains(&scalar),
                    "{format}: private scalar in {stream}"
                );
            }
        }
    }
}

/// A key form must give the same `3 1 1` as the lineage's certificate, per openssl.
fn key_form_gives_leaf_digest(file: &Path, lineage: &str, about: &str) {
    let cert = td(&format!("pki/{lineage}/cert.pem"));
    let expected = key_block(about, &tlsa(OWNER, "3 1 1", &data(&cert, 1, 1)));
    run(&["generate", "--host", HOST, path_str(file)]).exact(0, &expected, "");
}

/// Private key fixtures are copied with mode 0600 so that no permission warning is due.
fn private_key_form(name: &str, lineage: &str, kind: &str) {
    let (_dir, key) = copy_with_mode(&td(&format!("pki/forms/{name}")), 0o600);
    let cert = td(&format!("pki/{lineage}/cert.pem"));
    assert_eq!(
        openssl_key_spki_sha256(&key, false),
        data(&cert, 1, 1),
        "fixture relation: {name} is {lineage}'s key"
    );
    key_form_gives_leaf_digest(
        &key,
        lineage,
        &format!("{kind} (public half of a private key)"),
    );
}

#[test]
fn rsa_pkcs1_private_key_gives_the_leaf_spki_digest() {
    private_key_form("rsa2048-pkcs1.key", "mx-rsa2048", "RSA 2048");
}

#[test]
fn rsa_pkcs8_private_key_gives_the_leaf_spki_digest() {
    private_key_form("rsa2048-pkcs8.key", "mx-rsa2048", "RSA 2048");
}

#[test]
fn ec_sec1_private_key_gives_the_leaf_spki_digest() {
    private_key_form("p256-sec1.key", "mx-p256", "ECDSA P-256");
}

#[test]
fn ec_pkcs8_private_key_gives_the_leaf_spki_digest() {
    private_key_form("p256-pkcs8.key", "mx-p256", "ECDSA P-256");
}

#[test]
fn ed25519_pkcs8_private_key_gives_the_leaf_spki_digest() {
    private_key_form("ed25519-pkcs8.key", "mx-ed25519", "Ed25519");
}

#[test]
fn ec_spki_public_key_gives_the_leaf_spki_digest() {
    key_form_gives_leaf_digest(
        &td("pki/forms/p256-pub.pem"),
        "mx-p256",
        "ECDSA P-256 (public key)",
    );
}

#[test]
fn rsa_spki_public_key_gives_the_leaf_spki_digest() {
    key_form_gives_leaf_digest(
        &td("pki/forms/rsa2048-pub.pem"),
        "mx-rsa2048",
        "RSA 2048 (public key)",
    );
}

#[test]
fn ed25519_spki_public_key_gives_the_leaf_spki_digest() {
    key_form_gives_leaf_digest(
        &td("pki/forms/ed25519-pub.pem"),
        "mx-ed25519",
        "Ed25519 (public key)",
    );
}

#[test]
fn rsa_pkcs1_public_key_gives_the_leaf_spki_digest() {
    key_form_gives_leaf_digest(
        &td("pki/forms/rsa2048-pub-pkcs1.pem"),
        "mx-rsa2048",
        "RSA 2048 (public key)",
    );
}

#[test]
fn ec_csr_gives_the_leaf_spki_digest() {
    key_form_gives_leaf_digest(
        &td("pki/forms/p256.csr"),
        "mx-p256",
        "ECDSA P-256 (key of a CSR for CN = mx.example.com)",
    );
}

#[test]
fn rsa_csr_gives_the_leaf_spki_digest() {
    key_form_gives_leaf_digest(
        &td("pki/forms/rsa2048.csr"),
        "mx-rsa2048",
        "RSA 2048 (key of a CSR for CN = mx.example.com)",
    );
}

#[test]
fn der_encoded_keys_and_csr_give_the_leaf_spki_digest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    sh(&format!(
        "umask 077 && cd testdata/pki/forms && \
         openssl pkey -in p256-pkcs8.key -outform DER -out '{d}/pkcs8.der' && \
         openssl rsa -in rsa2048-pkcs1.key -traditional -outform DER -out '{d}/pkcs1.der' 2>/dev/null && \
         openssl ec -in p256-sec1.key -outform DER -out '{d}/sec1.der' 2>/dev/null && \
         openssl pkey -pubin -in p256-pub.pem -outform DER -out '{d}/spki.der' && \
         openssl req -in p256.csr -outform DER -out '{d}/csr.der'"
    ));
    for (file, lineage, about) in [
        (
            "pkcs8.der",
            "mx-p256",
            "ECDSA P-256 (public half of a private key)",
        ),
        (
            "pkcs1.der",
            "mx-rsa2048",
            "RSA 2048 (public half of a private key)",
        ),
        (
            "sec1.der",
            "mx-p256",
            "ECDSA P-256 (public half of a private key)",
        ),
        ("spki.der", "mx-p256", "ECDSA P-256 (public key)"),
        (
            "csr.der",
            "mx-p256",
            "ECDSA P-256 (key of a CSR for CN = mx.example.com)",
        ),
    ] {
        key_form_gives_leaf_digest(&dir.path().join(file), lineage, about);
    }
}

#[test]
fn private_key_on_stdin_gets_no_permission_warning() {
    let key = std::fs::read(td("pki/forms/p256-pkcs8.key")).unwrap();
    run_with(&["generate", "--host", HOST, "-"], Some(&key), &[]).exact(
        0,
        &key_block(
            "ECDSA P-256 (public half of a private key)",
            &tlsa(OWNER, "3 1 1", &data(&p256_leaf(), 1, 1)),
        ),
        "",
    );
}

fn no_host_error(path: &str) -> String {
    format!(
        "daneguard: error: {path}: give --host: host names are taken only from a certificate, not from a key or CSR"
    )
}

#[test]
fn public_key_without_host_asks_for_host() {
    run(&["generate", "testdata/pki/forms/p256-pub.pem"])
        .fails_with(&no_host_error("testdata/pki/forms/p256-pub.pem"));
}

#[test]
fn csr_without_host_asks_for_host() {
    run(&["generate", "testdata/pki/forms/rsa2048.csr"])
        .fails_with(&no_host_error("testdata/pki/forms/rsa2048.csr"));
}

#[test]
fn private_key_without_host_asks_for_host() {
    let (_dir, key) = copy_with_mode(&td("pki/forms/p256-sec1.key"), 0o600);
    run(&["generate", path_str(&key)]).fails_with(&no_host_error(path_str(&key)));
}

#[test]
fn recommended_set_on_a_key_prints_only_3_1_1() {
    let (_dir, key) = copy_with_mode(&td("pki/forms/rsa2048-pkcs8.key"), 0o600);
    let cert = td("pki/mx-rsa2048/cert.pem");
    run(&[
        "generate",
        "--set",
        "recommended",
        "--host",
        HOST,
        path_str(&key),
    ])
    .exact(
        0,
        &key_block(
            "RSA 2048 (public half of a private key)",
            &tlsa(OWNER, "3 1 1", &data(&cert, 1, 1)),
        ),
        "",
    );
}

#[test]
fn ta_record_from_a_key_alone_exits_2_with_notes() {
    let (_dir, key) = copy_with_mode(&td("pki/forms/p256-pkcs8.key"), 0o600);
    let path = path_str(&key);
    run(&["generate", "--host", HOST, "--records", "2 1 1", path]).exact(
        2,
        "",
        &format!(
            "daneguard: note: {path}: 2 1 1 (DANE-TA SPKI SHA2-256) skipped: a key alone yields only 3 1 x records (DANE-EE SPKI)\n\
             daneguard: error: {path}: none of the requested records can be made from this input\n"
        ),
    );
}

#[test]
fn certificate_records_from_a_key_are_skipped_and_the_rest_printed() {
    generate_bare(&[
        "--records",
        "3 0 1, 3 1 2",
        "testdata/pki/forms/p256-pub.pem",
    ])
    .exact(
        0,
        &tlsa(OWNER, "3 1 2", &data(&p256_leaf(), 1, 2)),
        "daneguard: note: testdata/pki/forms/p256-pub.pem: 3 0 1 (DANE-EE Cert SHA2-256) skipped: a key alone yields only 3 1 x records (DANE-EE SPKI)\n",
    );
}

// ---------------------------------------------------------------------------------
// 6. Output formats

/// The cells of each body row of a comfy-table (header and borders dropped).
fn table_rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .filter(|l| l.starts_with('│'))
        .skip(1)
        .map(|l| {
            l.trim_matches('│')
                .split('┆')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn table_format_shows_rfc7218_names_and_data() {
    let r = p256_bare(&["--format", "table"]);
    r.code(0);
    assert_eq!(r.stderr, "", "{r:?}");
    let header = r.stdout.lines().nth(1).unwrap_or_default();
    for column in ["Owner", "Record", "Meaning", "Certificate", "Data"] {
        assert!(header.contains(column), "{r:?}");
    }
    let row = |params: &str, names: &str, about: &str, data: String| {
        [OWNER, params, names, about, &data]
            .map(String::from)
            .to_vec()
    };
    assert_eq!(
        table_rows(&r.stdout),
        vec![
            row(
                "3 1 1",
                "DANE-EE SPKI SHA2-256",
                "0: CN = mx.example.com",
                data(&p256_leaf(), 1, 1)
            ),
            row(
                "2 1 1",
                "DANE-TA SPKI SHA2-256",
                "1: O = daneguard tests, CN = daneguard Test ECDSA CA 1",
                data(&p256_issuer(), 1, 1)
            ),
        ],
        "{r:?}"
    );
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct GenerateDoc {
    schema: u32,
    inputs: Vec<InputDoc>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct InputDoc {
    input: String,
    certificates: Vec<CertDoc>,
    key: Option<KeyDoc>,
    records: Vec<RecordDoc>,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CertDoc {
    depth: usize,
    subject: String,
    issuer: String,
    not_before: String,
    not_after: String,
    key: String,
    ca: bool,
    dns_names: Vec<String>,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyDoc {
    origin: String,
    key: String,
    csr_subject: Option<String>,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordDoc {
    owner: String,
    ttl: Option<u32>,
    usage: u8,
    selector: u8,
    matching: u8,
    data: String,
    names: String,
    depth: Option<usize>,
}

fn parse_json(r: &crate::util::Run) -> GenerateDoc {
    r.code(0);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("JSON: {e}\n{r:?}"))
}

/// openssl's `-subject` / `-issuer` text without the `subject=` prefix.
fn openssl_name(cert: &Path, which: &str) -> String {
    sh(&format!(
        "openssl x509 -in '{}' -noout -{which}",
        cert.display()
    ))
    .split_once('=')
    .expect("name=value")
    .1
    .to_string()
}

fn record(
    owner: &str,
    ttl: Option<u32>,
    params: [u8; 3],
    data: String,
    names: &str,
    depth: Option<usize>,
) -> RecordDoc {
    RecordDoc {
        owner: owner.to_string(),
        ttl,
        usage: params[0],
        selector: params[1],
        matching: params[2],
        data,
        names: names.to_string(),
        depth,
    }
}

#[test]
fn json_format_describes_chain_and_records() {
    let r = p256_bare(&["--format", "json", "--port", "25", "--port", "465"]);
    assert_eq!(r.stderr, "", "{r:?}");
    let doc = parse_json(&r);
    assert_eq!(doc.schema, 1);
    let [input] = doc.inputs.as_slice() else {
        panic!("one input: {doc:?}");
    };
    assert_eq!(input.input, P256_CHAIN);
    assert_eq!(input.key, None);
    let (leaf, issuer) = (p256_leaf(), p256_issuer());
    let cert = |depth: usize, path: &Path, key: &str, ca: bool, dns: &[&str]| CertDoc {
        depth,
        subject: openssl_name(path, "subject"),
        issuer: openssl_name(path, "issuer"),
        not_before: "2025-01-01T00:00:00Z".to_string(),
        not_after: "2125-01-01T00:00:00Z".to_string(),
        key: key.to_string(),
        ca,
        dns_names: dns.iter().map(|s| s.to_string()).collect(),
    };
    assert_eq!(
        input.certificates,
        vec![
            cert(
                0,
                &leaf,
                "ECDSA P-256",
                false,
                &["mx.example.com", "mail.example.com", "mx.dane.test"]
            ),
            cert(1, &issuer, "ECDSA P-384", true, &[]),
        ]
    );
    let (ee, ta) = ("DANE-EE SPKI SHA2-256", "DANE-TA SPKI SHA2-256");
    let smtps = "_465._tcp.mx.example.com.";
    assert_eq!(
        input.records,
        vec![
            record(OWNER, None, [3, 1, 1], data(&leaf, 1, 1), ee, Some(0)),
            record(smtps, None, [3, 1, 1], data(&leaf, 1, 1), ee, Some(0)),
            record(OWNER, None, [2, 1, 1], data(&issuer, 1, 1), ta, Some(1)),
            record(smtps, None, [2, 1, 1], data(&issuer, 1, 1), ta, Some(1)),
        ]
    );
}

#[test]
fn json_format_describes_a_lone_key_and_its_ttl() {
    let r = run(&[
        "generate",
        "--format",
        "json",
        "--host",
        HOST,
        "--ttl",
        "300",
        "testdata/pki/forms/p256.csr",
    ]);
    assert_eq!(r.stderr, "", "{r:?}");
    let doc = parse_json(&r);
    assert_eq!(doc.schema, 1);
    let [input] = doc.inputs.as_slice() else {
        panic!("one input: {doc:?}");
    };
    assert_eq!(input.input, "testdata/pki/forms/p256.csr");
    assert_eq!(input.certificates, vec![]);
    assert_eq!(
        input.key,
        Some(KeyDoc {
            origin: "csr".to_string(),
            key: "ECDSA P-256".to_string(),
            csr_subject: Some("CN = mx.example.com".to_string()),
        })
    );
    assert_eq!(
        input.records,
        vec![record(
            OWNER,
            Some(300),
            [3, 1, 1],
            data(&p256_leaf(), 1, 1),
            "DANE-EE SPKI SHA2-256",
            None
        )]
    );
}

#[test]
fn nsupdate_format_uses_ttl_3600_by_default_and_ends_with_send() {
    let expected = format!(
        "update add {OWNER} 3600 IN TLSA 3 1 1 {}\nupdate add {OWNER} 3600 IN TLSA 2 1 1 {}\nsend\n",
        data(&p256_leaf(), 1, 1),
        data(&p256_issuer(), 1, 1)
    );
    p256_bare(&["--format", "nsupdate"]).exact(0, &expected, "");
}

#[test]
fn nsupdate_format_respects_ttl() {
    let expected = format!(
        "update add {OWNER} 300 IN TLSA 3 1 1 {}\nupdate add {OWNER} 300 IN TLSA 2 1 1 {}\nsend\n",
        data(&p256_leaf(), 1, 1),
        data(&p256_issuer(), 1, 1)
    );
    p256_bare(&["--format", "nsupdate", "--ttl", "300"]).exact(0, &expected, "");
}

#[test]
fn generic_format_is_rfc3597_type52_of_the_whole_rdata() {
    let (leaf_digest, issuer_digest) = (data(&p256_leaf(), 1, 1), data(&p256_issuer(), 1, 1));
    let leaf_rdata = format!("030101{leaf_digest}");
    let issuer_rdata = format!("020101{issuer_digest}");
    assert_eq!(leaf_rdata.len(), 2 * 35);
    let expected =
        format!("{OWNER} IN TYPE52 \\# 35 {leaf_rdata}\n{OWNER} IN TYPE52 \\# 35 {issuer_rdata}\n");
    p256_bare(&["--format", "generic"]).exact(0, &expected, "");
}

#[test]
fn generic_format_of_sha2_512_has_length_67_and_keeps_the_ttl() {
    let rdata = format!("030102{}", data(&p256_leaf(), 1, 2));
    assert_eq!(rdata.len(), 2 * 67);
    p256_bare(&["--format", "generic", "--ttl", "60", "--records", "3 1 2"]).exact(
        0,
        &format!("{OWNER} 60 IN TYPE52 \\# 67 {rdata}\n"),
        "",
    );
}

#[test]
fn no_comments_prints_only_record_lines() {
    p256_bare(&[]).exact(0, &p256_bare_records(OWNER), "");
}

// ---------------------------------------------------------------------------------
// 7. Chain sanity notes (output is still produced)

/// Runs the default set with `--host mx.example.com --no-comments` on `input`.
fn sanity(input: &str) -> crate::util::Run {
    run(&["generate", "--no-comments", "--host", HOST, input])
}

fn note(input: &str, text: &str) -> String {
    format!("daneguard: note: {input}: {text}\n")
}

#[test]
fn out_of_order_chain_gets_notes_and_still_output() {
    let input = "testdata/pki/out-of-order.pem";
    let r = sanity(input);
    r.code(0);
    let leaf = td("pki/mx-rsa2048/cert.pem");
    let int = td("pki/ca/int-rsa.pem");
    r.exact(
        0,
        &(tlsa(OWNER, "3 1 1", &data(&leaf, 1, 1)) + &tlsa(OWNER, "2 1 1", &data(&int, 1, 1))),
        &note(
            input,
            "certificates out of order: servers must send the leaf first, then each issuer; records are made for the order CN = mx.example.com <- O = daneguard tests, CN = daneguard Test RSA CA 1",
        ),
    );
}

#[test]
fn out_of_order_chain_is_called_out_of_order() {
    let r = sanity("testdata/pki/out-of-order.pem");
    r.code(0);
    assert!(r.stderr.contains("out of order"), "{r:?}");
}

#[test]
fn duplicate_certificate_is_noted() {
    let input = "testdata/pki/duplicate.pem";
    let r = sanity(input);
    r.code(0);
    assert!(
        r.stderr.contains(&note(
            input,
            "certificate 2 is a duplicate of certificate 1; it is listed once"
        )),
        "{r:?}"
    );
    let leaf = td("pki/mx-rsa2048/cert.pem");
    let int = td("pki/ca/int-rsa.pem");
    assert!(
        r.stdout.starts_with(
            &(tlsa(OWNER, "3 1 1", &data(&leaf, 1, 1)) + &tlsa(OWNER, "2 1 1", &data(&int, 1, 1)))
        ),
        "{r:?}"
    );
}

#[test]
fn duplicate_ca_certificate_gives_its_record_once() {
    let leaf = td("pki/mx-rsa2048/cert.pem");
    let int = td("pki/ca/int-rsa.pem");
    let input = "testdata/pki/duplicate.pem";
    sanity(input).exact(
        0,
        &(tlsa(OWNER, "3 1 1", &data(&leaf, 1, 1)) + &tlsa(OWNER, "2 1 1", &data(&int, 1, 1))),
        &note(
            input,
            "certificate 2 is a duplicate of certificate 1; it is listed once",
        ),
    );
}

#[test]
fn missing_issuer_is_noted() {
    let input = "testdata/pki/missing-issuer.pem";
    sanity(input).exact(
        0,
        &tlsa(OWNER, "3 1 1", &data(&p256_leaf(), 1, 1)),
        &note(
            input,
            "the leaf's issuer (O = daneguard tests, CN = daneguard Test ECDSA CA 1) is not in the input, so no 2 x x record can cover it; use fullchain.pem",
        ),
    );
}

#[test]
fn ca_certificate_first_is_noted() {
    let input = "testdata/pki/ca-as-leaf.pem";
    let (int, root) = (td("pki/ca/int-rsa.pem"), td("pki/ca/root.pem"));
    sanity(input).exact(
        0,
        &(tlsa(OWNER, "3 1 1", &data(&int, 1, 1)) + &tlsa(OWNER, "2 1 1", &data(&root, 1, 1))),
        &(note(
            input,
            "the first certificate (O = daneguard tests, CN = daneguard Test RSA CA 1) is a CA certificate, but the first one should be the server's own (leaf) certificate",
        ) + &note(
            input,
            "host mx.example.com is not among the leaf's names (daneguard Test RSA CA 1): DANE-TA (2 x x) records will fail the name check",
        )),
    );
}

/// The default records of a lineage from int-ec, without comments.
fn lineage_records(lineage: &str) -> String {
    let leaf = td(&format!("pki/{lineage}/cert.pem"));
    let issuer = td(&format!("pki/{lineage}/chain.pem"));
    tlsa(OWNER, "3 1 1", &data(&leaf, 1, 1)) + &tlsa(OWNER, "2 1 1", &data(&issuer, 1, 1))
}

#[test]
fn expired_leaf_is_noted() {
    sanity("testdata/pki/expired").exact(
        0,
        &lineage_records("expired"),
        &note(
            "testdata/pki/expired/fullchain.pem",
            "certificate 0 (CN = mx.example.com) expired on 2021-01-01T00:00:00Z",
        ),
    );
}

#[test]
fn not_yet_valid_leaf_is_noted() {
    sanity("testdata/pki/notyet").exact(
        0,
        &lineage_records("notyet"),
        &note(
            "testdata/pki/notyet/fullchain.pem",
            "certificate 0 (CN = mx.example.com) is not valid before 2120-01-01T00:00:00Z",
        ),
    );
}

#[test]
fn host_missing_from_leaf_names_is_fatal_for_ta_records() {
    sanity("testdata/pki/other-host").exact(
        0,
        &lineage_records("other-host"),
        &note(
            "testdata/pki/other-host/fullchain.pem",
            "host mx.example.com is not among the leaf's names (other.example.org): DANE-TA (2 x x) records will fail the name check",
        ),
    );
}

#[test]
fn host_missing_from_leaf_names_is_harmless_for_ee_records() {
    let leaf = td("pki/other-host/cert.pem");
    generate_bare(&[
        "--records",
        "3 1 1",
        "testdata/pki/other-host",
    ])
    .exact(
        0,
        &tlsa(OWNER, "3 1 1", &data(&leaf, 1, 1)),
        &note(
            "testdata/pki/other-host/fullchain.pem",
            "host mx.example.com is not among the leaf's names (other.example.org): harmless for DANE-EE (3 x x) records, fatal for DANE-TA (2 x x) ones",
        ),
    );
}

#[test]
fn leaf_signature_not_verifying_with_the_next_certificate_is_noted() {
    let (_dir, certs) = split_certs(&td("pki/le-rsa/fullchain.pem"));
    let [leaf, yr1, root] = certs.as_slice() else {
        panic!("three certificates: {certs:?}");
    };
    sanity("testdata/pki/le-rsa").exact(
        0,
        &(tlsa(OWNER, "3 1 1", &data(leaf, 1, 1))
            + &tlsa(OWNER, "2 1 1", &data(yr1, 1, 1))
            + &tlsa(OWNER, "2 1 1", &data(root, 1, 1))),
        &note(
            "testdata/pki/le-rsa/fullchain.pem",
            "the signature on certificate 0 does not verify with the key of certificate 1 (C = US, O = Let's Encrypt, CN = YR1)",
        ),
    );
}

// ---------------------------------------------------------------------------------
// 8. Several inputs

#[test]
fn several_inputs_are_printed_in_order() {
    let (_dir, next_key) = copy_with_mode(&td("pki/mx-p256-newkey/privkey.pem"), 0o600);
    let next_cert = td("pki/mx-p256-newkey/cert.pem");
    assert_ne!(
        data(&next_cert, 1, 1),
        data(&p256_leaf(), 1, 1),
        "a new key"
    );
    let expected = p256_recommended(OWNER)
        + &key_block(
            "ECDSA P-256 (public half of a private key)",
            &tlsa(OWNER, "3 1 1", &data(&next_cert, 1, 1)),
        );
    run(&["generate", "--host", HOST, P256_CHAIN, path_str(&next_key)]).exact(0, &expected, "");
}

#[test]
fn several_inputs_in_nsupdate_format_end_with_one_send() {
    let next_cert = td("pki/mx-p256-newkey/cert.pem");
    let (_dir, next_key) = copy_with_mode(&td("pki/mx-p256-newkey/privkey.pem"), 0o600);
    let expected = format!(
        "update add {OWNER} 3600 IN TLSA 3 1 1 {}\nupdate add {OWNER} 3600 IN TLSA 2 1 1 {}\nupdate add {OWNER} 3600 IN TLSA 3 1 1 {}\nsend\n",
        data(&p256_leaf(), 1, 1),
        data(&p256_issuer(), 1, 1),
        data(&next_cert, 1, 1)
    );
    run(&[
        "generate",
        "--format",
        "nsupdate",
        "--host",
        HOST,
        P256_CHAIN,
        path_str(&next_key),
    ])
    .exact(0, &expected, "");
}

#[test]
fn several_inputs_in_json_are_listed_in_order() {
    let r = run(&[
        "generate",
        "--format",
        "json",
        "--host",
        HOST,
        P256_CHAIN,
        "testdata/pki/forms/rsa2048.csr",
    ]);
    assert_eq!(r.stderr, "", "{r:?}");
    let doc = parse_json(&r);
    let names: Vec<&str> = doc.inputs.iter().map(|i| i.input.as_str()).collect();
    assert_eq!(names, [P256_CHAIN, "testdata/pki/forms/rsa2048.csr"]);
    assert_eq!(doc.inputs[1].records.len(), 1);
    assert_eq!(
        doc.inputs[1].records[0].data,
        data(&td("pki/mx-rsa2048/cert.pem"), 1, 1)
    );
}

#[test]
fn chain_and_key_without_host_fail_on_the_key() {
    run(&["generate", P256_CHAIN, "testdata/pki/forms/p256-pub.pem"]).exact(
        2,
        "",
        &(first_name_note(P256_CHAIN) + &no_host_error("testdata/pki/forms/p256-pub.pem") + "\n"),
    );
}

/// A root and its cross-signed copy share a key: their 2 1 1 is one record, written
/// once (a zone with it twice gets `duplicate-record` from `zone`), with a note.
#[test]
fn certificates_sharing_a_key_give_their_spki_record_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain = dir.path().join("chain.pem");
    let mut pem = std::fs::read(root().join("testdata/pki/le-rsa/fullchain.pem")).expect("read");
    pem.extend(std::fs::read(root().join("testdata/letsencrypt/gen-y/root-yr.pem")).expect("read"));
    std::fs::write(&chain, pem).expect("write");
    let r = run(&[
        "generate",
        "--no-comments",
        "--host",
        "mx.example.com",
        path_str(&chain),
    ]);
    r.code(0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    let mut unique = lines.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(lines.len(), unique.len(), "{r:?}");
    // the records openssl computes: the leaf's 3 1 1, then the 2 1 1 of YR1 and of
    // Root YR (the cross-signed and the self-signed copy share this one)
    let (_split, leaf) = split_certs(&root().join("testdata/pki/le-rsa/fullchain.pem"));
    let expected = [
        format!("{OWNER} IN TLSA 3 1 1 {}", openssl_tlsa(&leaf[0], 1, 1)),
        format!("{OWNER} IN TLSA 2 1 1 {}", openssl_tlsa(&leaf[1], 1, 1)),
        format!(
            "{OWNER} IN TLSA 2 1 1 {}",
            openssl_tlsa(&root().join("testdata/letsencrypt/gen-y/root-yr.pem"), 1, 1)
        ),
    ];
    assert_eq!(lines, expected, "{r:?}");
    assert!(
        r.stderr.contains(
            "is the same record as certificate 2's (the two share a key); it is written once"
        ),
        "{r:?}"
    );
}
