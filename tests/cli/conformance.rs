//! DNSSEC conformance table: every case of tests/dnslab/conformance.cases (a tree of
//! offline-signed zones, broken on purpose, served by Knot) must get daneguard's expected
//! status, asked directly and through a validating Unbound, and the oracles (Unbound
//! and delv) must agree with it unless the case names a known exception.
//!
//! The lab starts once for the whole table. Under DANEGUARD_INTEROP=1 a missing tool
//! fails the test; otherwise it prints a note and checks nothing.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use crate::check::CheckDoc;
use crate::util::{root, run};

struct Case {
    qname: String,
    qtype: String,
    expected: String,
    rfc: String,
    what: String,
    /// Oracle name ("unbound", "delv") → the class it is known to give instead.
    exceptions: HashMap<String, String>,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("tests/dnslab/conformance.cases"))
        .expect("conformance.cases");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('|').map(str::trim).collect();
            assert!(f.len() >= 5, "bad case line: {l}");
            let exceptions = f
                .get(5)
                .map(|x| {
                    x.split(';')
                        .filter_map(|e| e.split_once('='))
                        .map(|(k, v)| {
                            let class = v.split('(').next().unwrap_or(v).trim();
                            (k.trim().to_string(), class.to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            Case {
                qname: f[0].into(),
                qtype: f[1].into(),
                expected: f[2].into(),
                rfc: f[3].into(),
                what: f[4].into(),
                exceptions,
            }
        })
        .collect()
}

/// The class an oracle reports for an expected daneguard status.
fn class(status: &str) -> String {
    match status {
        "bogus" | "failed" => "servfail".into(),
        s => s
            .replace("nxdomain", "negative")
            .replace("nodata", "negative"),
    }
}

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn script() -> std::path::PathBuf {
        root().join("tests/dnslab/conformance.sh")
    }

    fn start() -> Option<Lab> {
        let required = std::env::var_os("DANEGUARD_INTEROP").is_some();
        let tools = [
            "knotd",
            "unbound",
            "kdig",
            "delv",
            "dnssec-signzone",
            "ldns-signzone",
            "named-compilezone",
            "ldns-keygen",
            "python3",
        ];
        let missing: Vec<&str> = tools
            .into_iter()
            .filter(|t| {
                !Command::new("sh")
                    .arg("-c")
                    .arg(format!("command -v {t}"))
                    .output()
                    .is_ok_and(|o| o.status.success())
            })
            .collect();
        if !missing.is_empty() {
            assert!(
                !required,
                "DANEGUARD_INTEROP is set but {missing:?} are missing; run .ci/test"
            );
            eprintln!("note: {missing:?} not installed; the conformance table checks nothing");
            return None;
        }
        let dir = tempfile::Builder::new()
            .prefix("dgc")
            .tempdir_in("/tmp")
            .expect("tempdir");
        let out = Command::new("bash")
            .arg(Self::script())
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("conformance.sh runs");
        let lab = Lab { dir };
        assert!(
            out.status.success(),
            "conformance.sh start failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(lab)
    }

    fn env(&self) -> HashMap<String, String> {
        let text = std::fs::read_to_string(self.dir.path().join("conf.env")).expect("conf.env");
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// "qname qtype" → (Unbound's class, delv's class).
    fn oracles(&self) -> HashMap<String, (String, String)> {
        let out = Command::new("bash")
            .arg(Self::script())
            .arg("oracle")
            .arg(self.dir.path())
            .output()
            .expect("conformance.sh oracle");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split('|').collect();
                (f.len() == 3).then(|| (f[0].to_string(), (f[1].to_string(), f[2].to_string())))
            })
            .collect()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(Self::script())
            .arg("stop")
            .arg(self.dir.path())
            .output();
    }
}

/// daneguard's status per case, from one `check --from` run against `port`.
fn daneguard(cases: &[Case], port: &str, anchor: &str, dir: &Path) -> Vec<String> {
    let hosts: Vec<&str> = cases
        .iter()
        .map(|c| c.qname.strip_prefix("_25._tcp.").unwrap_or(&c.qname))
        .collect();
    let list = dir.join(format!("hosts-{port}.txt"));
    std::fs::write(&list, hosts.join("\n") + "\n").expect("write host list");
    let resolver = format!("127.0.0.1:{port}");
    let list = list.display().to_string();
    let r = run(&[
        "check",
        "--format",
        "json",
        "--resolver",
        &resolver,
        "--trust-anchor",
        anchor,
        "--timeout",
        "3",
        "--from",
        &list,
    ]);
    let doc: CheckDoc =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{r:?}"));
    assert_eq!(doc.hosts.len(), cases.len(), "{}", r.stderr);
    cases
        .iter()
        .zip(&doc.hosts)
        .map(|(c, h)| {
            let a = if c.qtype == "TLSA" {
                h.lookups.tlsa.as_ref()
            } else {
                h.lookups.addresses.as_ref()
            };
            match a {
                None => "missing".into(),
                Some(a) if a.result == "bogus" || a.result == "failed" => a.result.clone(),
                Some(a) => format!("{} {}", a.dnssec.as_deref().unwrap_or("?"), a.result),
            }
        })
        .collect()
}

#[test]
fn conformance_table_agrees_with_the_rfcs_unbound_and_delv() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let Some(lab) = Lab::start() else { return };
    let env = lab.env();
    let anchor = &env["TRUST_ANCHOR"];
    let started = std::time::Instant::now();
    let direct = daneguard(&cases, &env["KNOT_PORT"], anchor, lab.dir.path());
    // hostile cases (KeyTrap) included, the whole table is bounded work: a hang guard
    // (it takes seconds), not a speed figure, so it holds on a loaded machine
    let took = started.elapsed();
    assert!(took.as_secs() < 120, "the table took {took:?}");
    let via_unbound = daneguard(&cases, &env["UNBOUND_PORT"], anchor, lab.dir.path());
    let oracles = lab.oracles();
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let key = format!("{} {}", c.qname, c.qtype);
        let (unbound, delv) = oracles.get(&key).cloned().unwrap_or_default();
        let want = class(&c.expected);
        let want_unbound = c.exceptions.get("unbound").unwrap_or(&want);
        let want_delv = c.exceptions.get("delv").unwrap_or(&want);
        let ok = direct[i] == c.expected
            && via_unbound[i] == c.expected
            && &unbound == want_unbound
            && &delv == want_delv;
        if !ok {
            failures.push(format!(
                "{key}: expected {} ({}; {}), daneguard direct {}, through Unbound {}, Unbound {unbound} (want {want_unbound}), delv {delv} (want {want_delv})",
                c.expected, c.rfc, c.what, direct[i], via_unbound[i]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} conformance cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    zone_ttl_not_cache_ttl(&env, lab.dir.path());
    ksk_only_anchor(&env, lab.dir.path());
}

/// A trust anchor for a child zone with a KSK/ZSK split that names only a KSK: the
/// DNSKEY RRset validates from it, then the ZSK-signed data (RFC 4035 §5.2).
fn ksk_only_anchor(env: &HashMap<String, String>, dir: &Path) {
    let anchor = std::fs::read_to_string(&env["KSK_ONLY_ANCHOR"]).expect("anchor");
    assert_eq!(anchor.lines().count(), 1, "{anchor}");
    assert!(anchor.contains(" 257 3 13 "), "{anchor}");
    let list = dir.join("ksk-host.txt");
    std::fs::write(&list, "h.rollk.conf\nh.r.conf\n").expect("write host list");
    let resolver = format!("127.0.0.1:{}", env["KNOT_PORT"]);
    let r = run(&[
        "check",
        "--format",
        "json",
        "--resolver",
        &resolver,
        "--trust-anchor",
        &env["KSK_ONLY_ANCHOR"],
        "--from",
        &list.display().to_string(),
    ]);
    let doc: CheckDoc = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    let status = |i: usize| {
        let t = doc.hosts[i].lookups.tlsa.as_ref().expect("TLSA lookup");
        (t.result.clone(), t.dnssec.clone())
    };
    assert_eq!(status(0), ("found".into(), Some("secure".into())), "{r:?}");
    // outside the anchor's zone nothing can be decided
    assert_eq!(
        status(1),
        ("found".into(), Some("indeterminate".into())),
        "{r:?}"
    );
}

/// Through Unbound, whose cache has counted the TLSA RRset's TTL down since the table
/// asked for it, daneguard still reports the zone's TTL (the RRSIG's original TTL).
fn zone_ttl_not_cache_ttl(env: &HashMap<String, String>, dir: &Path) {
    std::thread::sleep(std::time::Duration::from_secs(2));
    let port = &env["UNBOUND_PORT"];
    let out = Command::new("kdig")
        .args([
            "+time=3",
            "+retry=0",
            "@127.0.0.1",
            "-p",
            port,
            "+noall",
            "+answer",
        ])
        .args(["TLSA", "_25._tcp.h.r.conf"])
        .output()
        .expect("kdig");
    let text = String::from_utf8_lossy(&out.stdout);
    let cached: u32 = text
        .split_whitespace()
        .nth(1)
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("no TTL in {text}"));
    assert!(
        cached < 300,
        "Unbound's cache should have counted down: {text}"
    );
    let list = dir.join("ttl-host.txt");
    std::fs::write(&list, "h.r.conf\n").expect("write host list");
    let resolver = format!("127.0.0.1:{port}");
    let r = run(&[
        "check",
        "--format",
        "json",
        "--resolver",
        &resolver,
        "--trust-anchor",
        &env["TRUST_ANCHOR"],
        "--from",
        &list.display().to_string(),
    ]);
    let doc: CheckDoc = serde_json::from_str(&r.stdout).expect("JSON");
    let tlsa = doc.hosts[0].lookups.tlsa.as_ref().expect("TLSA lookup");
    assert_eq!(tlsa.ttl, Some(300), "{tlsa:?} (Unbound's cache: {cached})");
}
