//! renew-check predictions from certbot's renewal configuration (issue 10 item 6):
//! `server =` decides the next CA, a change of CA is a finding of its own, a guessed
//! issuer never reads "keeps DANE working", and a key_type change means a new key.

use crate::util::{Run, run, td};

/// A copy of testdata/letsencrypt-dir whose renewal/NAME.conf is edited by `edit`.
fn lineage(name: &str, edit: &dyn Fn(String) -> String) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    crate::util::sh(&format!(
        "cp -a '{}/.' '{}'",
        td("letsencrypt-dir").display(),
        dir.path().display()
    ));
    let conf = dir.path().join(format!("renewal/{name}.conf"));
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(&conf, edit(text)).unwrap();
    let live = dir
        .path()
        .join(format!("live/{name}"))
        .display()
        .to_string();
    (dir, live)
}

fn server(url: &'static str) -> impl Fn(String) -> String {
    move |text: String| {
        text.lines()
            .map(|l| {
                if l.starts_with("server =") {
                    format!("server = {url}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn check(live: &str, records: &str) -> Run {
    let records = td(&format!("renewal/{records}.records"))
        .display()
        .to_string();
    run(&[
        "renew-check",
        "mx.example.com",
        "--current",
        live,
        "--records",
        &records,
    ])
}

#[test]
fn a_switch_to_zerossl_is_a_finding_and_le_2_1_1_records_do_not_cover_it() {
    let (_dir, live) = lineage("le-rsa", &server("https://acme.zerossl.com/v2/DV90"));
    let r = check(&live, "le-yr-all");
    r.code(1);
    assert!(!r.stdout.contains("keeps DANE working"), "{r:?}");
    assert!(
        r.stdout
            .contains("an unknown issuer of another CA (Let's Encrypt → ZeroSSL)"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains(
            "warn ca-switch: the renewal configuration switches the CA (Let's Encrypt → ZeroSSL)"
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("fail renewal-breaks"), "{r:?}");
}

#[test]
fn a_ca_switch_with_the_same_key_still_never_reads_keeps_working() {
    let (_dir, live) = lineage(
        "le-rsa-reuse",
        &server("https://acme-staging-v02.api.letsencrypt.org/directory"),
    );
    let r = check(&live, "le-yr1-only");
    assert!(
        r.stdout
            .starts_with("mx.example.com port 25: the switch MAY BREAK DANE"),
        "{r:?}"
    );
    assert!(r.stdout.contains("warn ca-switch: the renewal configuration switches the CA (Let's Encrypt → Let's Encrypt staging)"), "{r:?}");
}

#[test]
fn without_a_server_line_certbot_renews_from_lets_encrypt_production() {
    let (_dir, with) = lineage("le-rsa", &|t| t);
    let (_dir2, without) = lineage("le-rsa", &|t: String| {
        t.lines()
            .filter(|l| !l.starts_with("server ="))
            .collect::<Vec<_>>()
            .join("\n")
    });
    let a = check(&with, "le-yr-all");
    let b = check(&without, "le-yr-all");
    assert_eq!(a.code, b.code);
    assert!(
        b.stdout
            .contains("an issuer picked from YR1 active, YR2 active, YR3 backup"),
        "{b:?}"
    );
    assert!(!b.stdout.contains("ca-switch"), "{b:?}");
}

#[test]
fn an_unknown_issuer_with_only_2_1_1_cover_is_a_warning_not_keeps_working() {
    let live = td("letsencrypt-dir/live/mx-newkey").display().to_string();
    let r = check(&live, "p256-ee-ta");
    r.code(0);
    assert!(
        r.stdout.starts_with(
            "mx.example.com port 25: the switch MAY BREAK DANE (the next issuer is a guess) (warn)"
        ),
        "{r:?}"
    );
    assert!(r.stdout.contains("warn issuer-unknown"), "{r:?}");
    let records = td("renewal/p256-ee-ta.records").display().to_string();
    let json = run(&[
        "renew-check",
        "mx.example.com",
        "--current",
        &live,
        "--records",
        &records,
        "--format",
        "json",
    ]);
    assert!(
        json.stdout
            .contains("\"survives\": true,\n      \"uncertain\": true,"),
        "{json:?}"
    );
    assert!(
        run(&[
            "renew-check",
            "mx.example.com",
            "--current",
            &live,
            "--records",
            &td("renewal/p256-ee-ta.records").display().to_string(),
            "--strict"
        ])
        .code
            == 1
    );
}

#[test]
fn a_key_type_change_predicts_a_new_key_even_with_reuse_key() {
    let (_dir, live) = lineage("mx-reuse", &|t: String| {
        t.replace("key_type = ecdsa", "key_type = rsa")
    });
    let r = check(&live, "p256-ee");
    r.code(1);
    assert!(
        r.stdout
            .contains("RSA key, a new one (key_type changes: ecdsa → rsa)"),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("certbot makes a new key at renewal because key_type changes (ecdsa → rsa)"),
        "{r:?}"
    );
    assert!(r.stdout.contains("fail renewal-breaks"), "{r:?}");
}
