//! Every key, public key, CSR and certificate form openssl makes, for every key type
//! it makes (RSA, RSA-PSS, DSA, EC on P-256/384/521, secp256k1 and brainpool curves
//! with named, explicit, compressed and public-less encodings, Ed25519, Ed448): the
//! `3 1 1` data must be openssl's SHA-256 of `openssl pkey -pubout` (issue 13). The
//! forms are made at test time by `key_forms.sh`.

use std::path::Path;

use crate::util::{root, run, sh};

/// Inputs daneguard refuses on purpose, by file-name part, with the reason it gives
/// (README "What generate reads").
const DOCUMENTED_REFUSALS: &[(&str, &str)] = &[
    // No Ed448 arithmetic in the dependencies; the key's other forms work.
    (
        "ed448-pkcs8",
        "the public half of an Ed448 private key cannot be derived here",
    ),
    // openssl ec -no_public on a curve without RustCrypto arithmetic (brainpool).
    (
        "nopublic-sec1",
        "holds no public key, and its curve is not P-256, P-384, P-521 or secp256k1",
    ),
    // openssl re-encodes the base point uncompressed: arithmetic on any curve.
    (
        "explicit-compressed-sec1",
        "explicit curve parameters with a compressed base point",
    ),
];

struct Tally {
    agree: usize,
    refused: Vec<String>,
    wrong: Vec<String>,
    undocumented: Vec<String>,
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
        let why = out.stderr.lines().last().unwrap_or("").to_string();
        let documented = DOCUMENTED_REFUSALS
            .iter()
            .any(|(part, reason)| file.contains(part) && why.contains(reason));
        if documented {
            tally.refused.push(format!("{file}: {why}"));
        } else {
            tally
                .undocumented
                .push(format!("{file}: exit {}: {why}", out.code));
        }
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
        undocumented: vec![],
    };
    for line in manifest.lines() {
        let (file, expected) = line.split_once(' ').expect("FILE DIGEST");
        check_one(dir.path(), file, expected, &mut tally);
    }
    eprintln!(
        "key forms: {} agree with openssl, {} refused for a documented reason, {} wrong, {} refused without one",
        tally.agree,
        tally.refused.len(),
        tally.wrong.len(),
        tally.undocumented.len()
    );
    for r in &tally.refused {
        eprintln!("  refused: {r}");
    }
    assert!(tally.wrong.is_empty(), "wrong digests: {:#?}", tally.wrong);
    assert!(
        tally.undocumented.is_empty(),
        "refused without a documented reason: {:#?}",
        tally.undocumented
    );
    assert!(tally.agree > 150, "too few forms made: {}", tally.agree);
}
