//! `check` against independent servers from Debian: Knot DNS (NSEC, NSEC3, pre-signed
//! expired and tampered zones, an insecure delegation) and Unbound as a validating
//! resolver, started on 127.0.0.1 by `tests/dnslab/lab.sh`.
//!
//! `.ci/test` sets DANEGUARD_INTEROP=1 and installs the servers; then these tests fail,
//! never skip, when the lab cannot start. A plain `cargo test` without the servers
//! installed prints a note and checks nothing here.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::check::{CheckDoc, HostDoc};
use crate::util::{root, run};

struct Lab {
    dir: tempfile::TempDir,
    vars: HashMap<String, String>,
}

impl Lab {
    fn start() -> Option<Lab> {
        let required = std::env::var_os("DANEGUARD_INTEROP").is_some();
        let have = ["knotd", "unbound", "keymgr", "dnssec-signzone", "kdig"]
            .iter()
            .all(|cmd| {
                Command::new("sh")
                    .arg("-c")
                    .arg(format!("command -v {cmd}"))
                    .output()
                    .is_ok_and(|o| o.status.success())
            });
        if !have {
            assert!(
                !required,
                "DANEGUARD_INTEROP is set but Knot/Unbound/BIND tools are missing; run .ci/test"
            );
            eprintln!(
                "note: Knot DNS and Unbound are not installed; interop tests check nothing (run .ci/test)"
            );
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("dg")
            .tempdir_in("/tmp")
            .expect("tempdir");
        let script = root().join("tests/dnslab/lab.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("lab.sh runs");
        assert!(
            out.status.success(),
            "lab.sh start failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let vars = parse_env(&dir.path().join("lab.env"));
        Some(Lab { dir, vars })
    }

    fn var(&self, name: &str) -> &str {
        self.vars
            .get(name)
            .unwrap_or_else(|| panic!("lab.env has no {name}"))
    }

    /// `check --format json` with the given resolver port and anchor file.
    fn check(&self, port_var: &str, anchor_var: &str, extra: &[&str]) -> (i32, CheckDoc, String) {
        let resolver = format!("127.0.0.1:{}", self.var(port_var));
        let mut args = vec![
            "check",
            "--format",
            "json",
            "--resolver",
            &resolver,
            "--trust-anchor",
            self.var(anchor_var),
            "--timeout",
            "3",
        ];
        args.extend_from_slice(extra);
        let r = run(&args);
        let doc: CheckDoc =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{r:?}"));
        (r.code, doc, r.stderr)
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let script = root().join("tests/dnslab/lab.sh");
        let _ = Command::new("bash")
            .arg(script)
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

fn parse_env(path: &Path) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).expect("lab.env");
    text.lines()
        .filter_map(|l| l.split('#').next())
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect()
}

fn summary(h: &HostDoc) -> (String, Vec<String>, String, Option<String>) {
    let tlsa = h.lookups.tlsa.as_ref();
    (
        h.verdict.clone(),
        h.codes().iter().map(|s| s.to_string()).collect(),
        tlsa.map_or(String::new(), |t| t.result.clone()),
        tlsa.and_then(|t| t.dnssec.clone()),
    )
}

/// host → (verdict, codes, TLSA result, TLSA DNSSEC status) when asking Knot directly
/// and validating with daneguard's own code. The leaf names mx.dane.test, not the lab's
/// hosts, so the 2 1 1 match fails the DANE-TA name check (name-mismatch).
/// host, verdict, finding codes, TLSA result, TLSA DNSSEC status
type Case = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static str,
    Option<&'static str>,
);

const KNOT_CASES: &[Case] = &[
    (
        "mx.nsec.test",
        "warn",
        &["name-mismatch", "single-record"],
        "found",
        Some("secure"),
    ),
    (
        "mx.nsec3.test",
        "warn",
        &["name-mismatch", "single-record"],
        "found",
        Some("secure"),
    ),
    (
        "mx.expired.test",
        "fail",
        &["bogus", "bogus"],
        "bogus",
        Some("bogus"),
    ),
    (
        "mx.tampered.test",
        "fail",
        &["bogus"],
        "bogus",
        Some("bogus"),
    ),
    (
        "mx.insecure.test",
        "warn",
        &["dane-not-in-effect"],
        "found",
        Some("insecure"),
    ),
    (
        "mismatch.nsec.test",
        "fail",
        &["stale-record", "no-match"],
        "found",
        Some("secure"),
    ),
    (
        "mx2.nsec.test",
        "warn",
        &["no-tlsa"],
        "nxdomain",
        Some("secure"),
    ),
    (
        "nodata.nsec.test",
        "warn",
        &["no-tlsa"],
        "nodata",
        Some("secure"),
    ),
    (
        "nope.nsec3.test",
        "fail",
        &["no-address"],
        "nxdomain",
        Some("secure"),
    ),
];

#[test]
fn knot_zones_get_the_right_dnssec_status_and_verdict() {
    let Some(lab) = Lab::start() else { return };
    for (host, verdict, codes, tlsa, dnssec) in KNOT_CASES {
        let (_, doc, stderr) = lab.check(
            "KNOT_PORT",
            "TRUST_ANCHOR",
            &[host, "--chain", "testdata/pki/mx-p256"],
        );
        let got = summary(&doc.hosts[0]);
        let want = (
            verdict.to_string(),
            codes.iter().map(|s| s.to_string()).collect(),
            tlsa.to_string(),
            dnssec.map(str::to_string),
        );
        assert_eq!(got, want, "{host}: {:#?}\n{stderr}", doc.hosts[0]);
    }
}

#[test]
fn ds_trust_anchor_and_cname_expansion_against_knot() {
    let Some(lab) = Lab::start() else { return };
    let (code, doc, stderr) = lab.check(
        "KNOT_PORT",
        "TRUST_ANCHOR_DS",
        &["alias.nsec.test", "--chain", "testdata/pki/mx-p256"],
    );
    assert_eq!(code, 0, "{doc:#?}\n{stderr}");
    let h = &doc.hosts[0];
    assert_eq!(h.canonical.as_deref(), Some("mx.nsec.test"));
    assert_eq!(h.tlsa_name, "_25._tcp.mx.nsec.test.");
    assert_eq!(
        h.lookups.tlsa.as_ref().and_then(|t| t.dnssec.as_deref()),
        Some("secure")
    );
    // The leaf names neither alias.nsec.test nor mx.nsec.test.
    assert_eq!(h.codes(), vec!["name-mismatch", "single-record"]);
}

#[test]
fn mx_mode_against_knot() {
    let Some(lab) = Lab::start() else { return };
    let (code, doc, stderr) = lab.check(
        "KNOT_PORT",
        "TRUST_ANCHOR",
        &["--mx", "nsec.test", "--chain", "testdata/pki/mx-p256"],
    );
    assert_eq!(code, 0, "{doc:#?}\n{stderr}");
    let mx = doc.hosts[0].lookups.mx.as_ref().expect("MX");
    assert_eq!(
        (mx.result.as_str(), mx.dnssec.as_deref()),
        ("found", Some("secure"))
    );
    assert_eq!(doc.hosts[0].host, "mx.nsec.test");
}

/// Through Unbound: secure answers pass with their signatures and daneguard validates
/// them itself; for bogus ones the validating upstream answers SERVFAIL, libunbound asks
/// again with the CD bit (RFC 4035 §3.2.2) and reports bogus with the reason.
#[test]
fn unbound_as_validating_resolver() {
    let Some(lab) = Lab::start() else { return };
    let chain = ["--chain", "testdata/pki/mx-p256"];
    let (code, doc, _) = lab.check(
        "UNBOUND_PORT",
        "TRUST_ANCHOR",
        &["mx.nsec.test", chain[0], chain[1]],
    );
    assert_eq!(
        (code, summary(&doc.hosts[0]).0.as_str()),
        (0, "warn"),
        "{doc:#?}"
    );
    assert_eq!(
        doc.hosts[0]
            .lookups
            .tlsa
            .as_ref()
            .and_then(|t| t.dnssec.as_deref()),
        Some("secure")
    );
    let (code, doc, _) = lab.check(
        "UNBOUND_PORT",
        "TRUST_ANCHOR",
        &["mx.tampered.test", chain[0], chain[1]],
    );
    assert_eq!(code, 1, "{doc:#?}");
    let h = &doc.hosts[0];
    assert_eq!(h.verdict, "fail");
    assert_eq!(h.codes(), vec!["bogus"]);
    let reason = h.lookups.tlsa.as_ref().and_then(|t| t.error.as_deref());
    assert!(
        reason.is_some_and(|r| r.contains("<_25._tcp.mx.tampered.test. TLSA IN>")
            && r.contains("signature verification failed")),
        "{h:#?}"
    );
    let (code, doc, _) = lab.check(
        "UNBOUND_PORT",
        "TRUST_ANCHOR",
        &["mx.insecure.test", chain[0], chain[1]],
    );
    assert_eq!(
        (code, doc.hosts[0].codes()),
        (0, vec!["dane-not-in-effect"])
    );
}

/// `renew-check` against the lab agrees with `check`: on an unsigned zone DANE is not
/// in effect, so a switch that would break the records is a warning (exit 0), and a
/// `2 1 1` whose CA matches but whose leaf does not name the host is named as such
/// (`name-mismatch`), not called stale.
#[test]
fn renew_check_agrees_with_check_on_unsigned_zones_and_name_mismatches() {
    let Some(lab) = Lab::start() else { return };
    let resolver = format!("127.0.0.1:{}", lab.var("KNOT_PORT"));
    let renew = |host: &str| {
        run(&[
            "renew-check",
            host,
            "--current",
            "testdata/pki/mx-p256",
            "--next",
            "testdata/pki/mx-p256-newkey",
            "--resolver",
            &resolver,
            "--trust-anchor",
            lab.var("TRUST_ANCHOR"),
            "--format",
            "json",
        ])
    };
    let r = renew("mx.insecure.test");
    assert_eq!(r.code, 0, "{r:?}");
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let h = &doc["hosts"][0];
    assert_eq!(h["verdict"], "warn", "{r:?}");
    assert_eq!(h["dnssec"], "insecure", "{r:?}");
    let r = renew("mx.nsec.test");
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let h = &doc["hosts"][0];
    // each entry's `field` in the list `key` of the host
    let each = |key: &str, field: &str| -> Vec<String> {
        h[key]
            .as_array()
            .expect(key)
            .iter()
            .map(|x| x[field].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(
        each("records", "role").contains(&"void".to_string()),
        "{r:?}"
    );
    let codes = each("findings", "code");
    assert!(codes.contains(&"name-mismatch".to_string()), "{r:?}");
    assert!(!codes.contains(&"stale-record".to_string()), "{r:?}");
}
