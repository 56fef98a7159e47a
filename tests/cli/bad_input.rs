//! Inputs that are not usable: exit status 2, nothing on stdout, and exactly one
//! `daneguard: error: <path>: <message>` line on stderr.

use crate::util::{run, run_with, td};

/// `daneguard generate --host mx.example.com PATH` must fail with exactly `message`.
fn fails(path: &str, message: &str) {
    run(&["generate", "--host", "mx.example.com", path])
        .fails_with(&format!("daneguard: error: {path}: {message}"));
}

#[test]
fn empty_file_is_rejected() {
    fails("testdata/bad/empty.pem", "the file is empty");
}

#[test]
fn text_without_pem_block_is_rejected() {
    fails(
        "testdata/bad/no-cert.pem",
        "no PEM block (-----BEGIN …-----) and not DER: no certificate, CSR or key found",
    );
}

#[test]
fn truncated_pem_is_rejected() {
    fails(
        "testdata/bad/truncated.pem",
        "PEM block 1: the CERTIFICATE block has no END line (truncated file?)",
    );
}

#[test]
fn corrupt_base64_is_rejected() {
    fails(
        "testdata/bad/corrupt-base64.pem",
        "PEM block 1: corrupt base64 in the CERTIFICATE block",
    );
}

#[test]
fn pem_holding_no_certificate_der_is_rejected() {
    fails(
        "testdata/bad/bad-der-in-pem.pem",
        "PEM block 1: CERTIFICATE: not a valid X.509 certificate (BER error: Invalid Length)",
    );
}

#[test]
fn random_binary_is_rejected() {
    fails(
        "testdata/bad/garbage.der",
        "not PEM, and not a DER certificate, CSR or key (it does not start with an ASN.1 SEQUENCE)",
    );
}

#[test]
fn binary_with_embedded_begin_line_is_rejected() {
    fails(
        "testdata/bad/binary.bin",
        "not PEM, and not a DER certificate, CSR or key (it does not start with an ASN.1 SEQUENCE)",
    );
}

#[test]
fn crl_is_rejected() {
    fails(
        "testdata/bad/crl.pem",
        "no certificate, CSR or key found, only PEM block 1 (X509 CRL)",
    );
}

#[test]
fn nested_begin_is_rejected() {
    fails(
        "testdata/bad/two-begin.pem",
        "PEM block 1: a second BEGIN line comes before the END line of the CERTIFICATE block",
    );
}

#[test]
fn directory_without_fullchain_is_rejected() {
    fails(
        "testdata/bad/empty-dir",
        "is a directory without fullchain.pem (expected a certbot lineage such as /etc/letsencrypt/live/NAME)",
    );
}

#[test]
fn missing_file_is_rejected() {
    fails("testdata/bad/does-not-exist.pem", "no such file");
}

#[test]
fn file_over_1_mib_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.pem");
    std::fs::write(&big, vec![b'A'; 1024 * 1024 + 1]).unwrap();
    fails(
        big.to_str().unwrap(),
        "larger than 1048576 bytes; this is not a certificate chain or key",
    );
}

#[test]
fn chain_padded_to_exactly_1_mib_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("padded.pem");
    let mut bytes = std::fs::read(td("pki/mx-p256/fullchain.pem")).unwrap();
    let pad = 1024 * 1024 - bytes.len();
    bytes.extend(std::iter::repeat_n(b'\n', pad));
    assert_eq!(bytes.len(), 1024 * 1024);
    std::fs::write(&file, &bytes).unwrap();
    let padded = run(&[
        "generate",
        "--host",
        "mx.example.com",
        file.to_str().unwrap(),
    ]);
    let plain = run(&[
        "generate",
        "--host",
        "mx.example.com",
        "testdata/pki/mx-p256/fullchain.pem",
    ]);
    padded.exact(0, &plain.stdout, "");
}

#[cfg(unix)]
#[test]
fn symlink_to_nothing_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("dangling.pem");
    std::os::unix::fs::symlink(dir.path().join("nothing-here.pem"), &link).unwrap();
    fails(link.to_str().unwrap(), "broken symbolic link");
}

#[test]
fn garbage_on_stdin_is_rejected() {
    run_with(&["generate", "--host", "mx.example.com", "-"], Some(b"garbage\n"), &[]).fails_with(
        "daneguard: error: <stdin>: no PEM block (-----BEGIN …-----) and not DER: no certificate, CSR or key found",
    );
}

#[test]
fn over_1_mib_on_stdin_is_rejected() {
    let big = vec![b'A'; 1024 * 1024 + 1];
    run_with(&["generate", "--host", "mx.example.com", "-"], Some(&big), &[]).fails_with(
        "daneguard: error: <stdin>: larger than 1048576 bytes; this is not a certificate chain or key",
    );
}

#[test]
fn control_characters_in_a_file_name_are_escaped() {
    run(&["generate", "no\nsuch\x1b[31m.pem"])
        .fails_with("daneguard: error: no\\x0asuch\\x1b[31m.pem: no such file");
}

#[test]
fn bad_input_after_a_good_one_prints_nothing() {
    run(&[
        "generate",
        "--host",
        "mx.example.com",
        "testdata/pki/mx-p256/fullchain.pem",
        "testdata/bad/empty.pem",
    ])
    .fails_with("daneguard: error: testdata/bad/empty.pem: the file is empty");
}

#[test]
fn generate_without_input_is_a_usage_error() {
    let r = run(&["generate"]);
    r.code(2);
    assert_eq!(r.stdout, "", "{r:?}");
    assert!(
        r.stderr.starts_with(
            "error: the following required arguments were not provided:\n  <INPUT>...\n"
        ),
        "{r:?}"
    );
}

#[test]
fn generate_with_unknown_option_is_a_usage_error() {
    let r = run(&["generate", "--bogus", "testdata/pki/mx-p256/fullchain.pem"]);
    r.code(2);
    assert_eq!(r.stdout, "", "{r:?}");
    assert!(
        r.stderr
            .starts_with("error: unexpected argument '--bogus' found\n"),
        "{r:?}"
    );
}

/// A zone file, a configuration or a TSIG key is not looked for as a certbot
/// lineage: a directory or an oversized file is named as what it is not.
#[test]
fn zone_and_config_files_are_named_as_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let shown = dir.path().display().to_string();
    crate::util::run(&["zone", &shown])
        .fails_with(&format!("daneguard: error: {shown}: is a directory"));
    crate::util::run(&["check", "--config", &shown])
        .fails_with(&format!("daneguard: error: {shown}: is a directory"));
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; 1024 * 1024 + 1]).unwrap();
    let big = big.display().to_string();
    crate::util::run(&["check", "--config", &big]).fails_with(&format!(
        "daneguard: error: {big}: larger than 1048576 bytes; this is not a daneguard configuration"
    ));
}
