//! Every key, public key, CSR and certificate form openssl makes, for every key type
//! it makes (RSA, RSA-PSS, DSA, EC on P-256/384/521, secp256k1 and brainpool curves
//! with named, explicit, compressed and public-less encodings, Ed25519, Ed448): the
//! `3 1 1` data must be openssl's SHA-256 of `openssl pkey -pubout` (issue 13). The
//! forms are made at test time by `key_forms.sh`.

use std::path::Path;

use crate::util::{root, run, sh};

/// Inputs daneguard refuses on purpose, by file-name part, with the reason it gives
/// (README "What generate reads").
struct Tally {
    agree: usize,
    refused: Vec<String>,
    wrong: Vec<String>,
}

fn check_one(dir: &Path, file: &str, expected: &str, tally: &mut Tally) {
    let path = dir.join(file);
    let out = run(&[
        "generate",
        "--no-comments",
        "--host",
        "mx.example.com",
        "--records",
        "3 1 1",
        path.to_str().expect("UTF-8 path"),
    ]);
    if out.code != 0 {
        let why = out.stderr.lines().last().unwrap_or("");
        tally
            .refused
            .push(format!("{file}: exit {}: {why}", out.code));
        return;
    }
    let got = out
        .stdout
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().last());
    if got == Some(expected) {
        tally.agree += 1;
    } else {
        tally
            .wrong
            .push(format!("{file}: daneguard {got:?}, openssl {expected}"));
    }
}

#[test]
fn every_key_csr_and_certificate_form_gives_openssls_spki_digest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = root().join("tests/cli/key_forms.sh");
    sh(&format!(
        "umask 077 && sh '{}' '{}'",
        script.display(),
        dir.path().display()
    ));
    let manifest = std::fs::read_to_string(dir.path().join("manifest")).expect("manifest");
    let mut tally = Tally {
        agree: 0,
        refused: vec![],
        wrong: vec![],
    };
    for line in manifest.lines() {
        let (file, expected) = line.split_once(' ').expect("FILE DIGEST");
        check_one(dir.path(), file, expected, &mut tally);
    }
    eprintln!(
        "key forms: {} agree with openssl, {} refused, {} wrong",
        tally.agree,
        tally.refused.len(),
        tally.wrong.len(),
    );
    assert!(tally.wrong.is_empty(), "wrong digests: {:#?}", tally.wrong);
    assert!(tally.refused.is_empty(), "refused: {:#?}", tally.refused);
    assert!(tally.agree > 150, "too few forms made: {}", tally.agree);
}
