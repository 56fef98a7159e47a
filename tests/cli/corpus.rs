//! A public corpus no one here wrote: every certificate, CSR and key of the Python
//! `cryptography-vectors` 50.0.2 package that openssl reads (issue 13). `.ci/test`
//! downloads the wheel into target/corpus/; `corpus.sh` classifies each file with
//! openssl and computes the expected SubjectPublicKeyInfo digest; daneguard's `3 1 1`
//! must equal it. Counts are printed (and kept in testdata/README.md); a wrong digest,
//! or a refusal of something openssl reads without a documented reason, fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::util::{root, run, sh};

const WHEEL: &str =
    "target/corpus/cryptography-vectors/cryptography_vectors-50.0.2-py3-none-any.whl";

/// Why daneguard may refuse a file openssl reads: (part of daneguard's message, reason
/// as README "What generate reads" documents it).
const DOCUMENTED_REFUSALS: &[(&str, &str)] = &[
    (
        "duplicate extensions",
        "certificate with the same extension twice (RFC 5280 §4.2 forbids it; OpenSSL's verifier rejects it)",
    ),
    (
        "not a valid X.509 certificate (invalid date)",
        "certificate whose validity dates are not valid ASN.1 times",
    ),
    (
        "not a valid PKCS#1 RSA private key",
        "not valid DER for its type (wrong version, long-form length, empty attribute set, BIT STRING with unused bits): openssl is lenient, daneguard's parsers are strict",
    ),
    (
        "not a valid certificate signing request",
        "not valid DER for its type (wrong version, long-form length, empty attribute set, BIT STRING with unused bits): openssl is lenient, daneguard's parsers are strict",
    ),
    (
        "BIT STRING has unused bits",
        "not valid DER for its type (wrong version, long-form length, empty attribute set, BIT STRING with unused bits): openssl is lenient, daneguard's parsers are strict",
    ),
    (
        "DER data is not a certificate, CSR or key",
        "not valid DER for its type (wrong version, long-form length, empty attribute set, BIT STRING with unused bits): openssl is lenient, daneguard's parsers are strict",
    ),
];

fn wheel() -> Option<PathBuf> {
    let path = root().join(WHEEL);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("DANEGUARD_INTEROP").is_none(),
        "DANEGUARD_INTEROP is set but {WHEEL} is missing; run .ci/test"
    );
    eprintln!("note: {WHEEL} is missing; the corpus test checks nothing (run .ci/test)");
    None
}

#[derive(Default)]
struct Tally {
    agree: BTreeMap<String, usize>,
    refused: BTreeMap<String, usize>,
    skipped: BTreeMap<String, usize>,
    wrong: Vec<String>,
    undocumented: Vec<String>,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        for (mine, theirs) in [
            (&mut self.agree, other.agree),
            (&mut self.refused, other.refused),
            (&mut self.skipped, other.skipped),
        ] {
            for (k, n) in theirs {
                *mine.entry(k).or_default() += n;
            }
        }
        self.wrong.extend(other.wrong);
        self.undocumented.extend(other.undocumented);
    }
}

fn check_one(dir: &Path, file: &str, kind: &str, expected: &str, tally: &mut Tally) {
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
        match DOCUMENTED_REFUSALS
            .iter()
            .find(|(part, _)| why.contains(part))
        {
            Some((_, reason)) => *tally.refused.entry(reason.to_string()).or_default() += 1,
            None => tally
                .undocumented
                .push(format!("{file} ({kind}): exit {}: {why}", out.code)),
        }
        return;
    }
    let got = out
        .stdout
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().last());
    if got == Some(expected) {
        *tally.agree.entry(kind.to_string()).or_default() += 1;
    } else {
        tally.wrong.push(format!(
            "{file} ({kind}): daneguard {got:?}, openssl {expected}"
        ));
    }
}

#[test]
fn cryptography_vectors_digests_agree_with_openssl() {
    let Some(wheel) = wheel() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let script = root().join("tests/cli/corpus.sh");
    sh(&format!(
        "sh '{}' '{}' '{}'",
        script.display(),
        wheel.display(),
        dir.path().display()
    ));
    let manifest = std::fs::read_to_string(dir.path().join("manifest")).expect("manifest");
    let files = dir.path().join("x");
    let lines = Mutex::new(manifest.lines());
    let tally = Mutex::new(Tally::default());
    // Four workers, each running one daneguard process at a time.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some(line) = { lines.lock().unwrap().next() } {
                    let mut fields = line.splitn(3, '\t');
                    let (file, kind, rest) = (
                        fields.next().expect("file"),
                        fields.next().expect("kind"),
                        fields.next().expect("digest or reason"),
                    );
                    let mut mine = Tally::default();
                    if kind == "skip" {
                        *mine.skipped.entry(rest.to_string()).or_default() += 1;
                    } else {
                        check_one(&files, file, kind, rest, &mut mine);
                    }
                    tally.lock().unwrap().add(mine);
                }
            });
        }
    });
    let mut tally = tally.into_inner().unwrap();
    tally.wrong.sort();
    tally.undocumented.sort();
    report(&tally);
    assert!(tally.wrong.is_empty(), "wrong digests: {:#?}", tally.wrong);
    assert!(
        tally.undocumented.is_empty(),
        "openssl reads these but daneguard refuses them without a documented reason: {:#?}",
        tally.undocumented
    );
}

fn report(tally: &Tally) {
    let agree: usize = tally.agree.values().sum();
    let refused: usize = tally.refused.values().sum();
    eprintln!(
        "cryptography-vectors 50.0.2: {agree} agree with openssl, {refused} refused for a documented reason, {} refused without one, {} wrong",
        tally.undocumented.len(),
        tally.wrong.len()
    );
    for (kind, n) in &tally.agree {
        eprintln!("  agree: {n} {kind}");
    }
    for (why, n) in &tally.refused {
        eprintln!("  refused: {n}: {why}");
    }
    for (why, n) in &tally.skipped {
        eprintln!("  not tested, openssl: {n}: {why}");
    }
}
