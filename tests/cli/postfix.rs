//! A real Postfix judges `check --live`: `tests/postfix/run.sh` serves each case of
//! `tests/postfix/cases.txt` from a Postfix smtpd, lets a second Postfix deliver one
//! message to it at `smtp_tls_security_level = dane` and asks `posttls-finger -l dane`;
//! this test compares what the sender did with what daneguard says senders do.
//!
//! A second test runs `tests/postfix/deploy-e2e.sh`: certbot renews with a new key
//! against pebble, daneguard stages it, and a Postfix smtpd serving daneguard's file
//! keeps presenting the old key until the new `3 1 1` has been published for 2 × TTL
//! and `deploy` switches the file and reloads Postfix; `deploy --rollback` goes back.
//!
//! Needs root or passwordless sudo (a private mount + network namespace), Postfix, Knot
//! and Unbound (and certbot and pebble for the second test).
//! `.ci/test` sets DANEGUARD_INTEROP=1 and installs them; then this test fails, never
//! skips, when any of that is missing. A plain `cargo test` without them checks nothing.

use std::path::Path;
use std::process::Command;

use crate::check::{CheckDoc, HostDoc};
use crate::util::root;

/// One line of `results.tsv`.
struct Outcome {
    id: String,
    host: String,
    port: String,
    records: String,
    what: String,
    smtp: String,
    finger: String,
    daneguard: String,
    detail: String,
}

/// What daneguard says a DANE sender (RFC 7672) does with this host: the per-host
/// `"senders"` field of `check --live` (the worst over every address and presented
/// chain); `none` when daneguard could not decide.
fn daneguard_class(host: &HostDoc) -> String {
    host.senders.clone().unwrap_or_else(|| "none".to_string())
}

/// Postfix's class against daneguard's. daneguard has no `plain`: a host where DANE is
/// not in effect is `opportunistic` (TLS if offered), which covers Postfix delivering
/// without TLS to a server that offers none.
fn agrees(postfix: &str, daneguard: &str) -> bool {
    postfix == daneguard || (postfix == "plain" && daneguard == "opportunistic")
}

fn tools_present() -> bool {
    have_all(&[
        "postfix",
        "posttls-finger",
        "smtp-source",
        "knotd",
        "unbound",
        "unshare",
    ])
}

pub(crate) fn have_all(cmds: &[&str]) -> bool {
    cmds.iter().all(|cmd| {
        Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {cmd}"))
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Root, or passwordless sudo (the driver re-runs itself with it).
pub(crate) fn can_be_root() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    root || Command::new("sudo")
        .args(["-n", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the driver into `out`; false (after a note) when it cannot run here.
fn run_driver(out: &Path) -> bool {
    let required = std::env::var_os("DANEGUARD_INTEROP").is_some();
    if !tools_present() || !can_be_root() {
        assert!(
            !required,
            "DANEGUARD_INTEROP is set but Postfix/Knot/Unbound are missing, or neither root nor passwordless sudo; run .ci/test"
        );
        eprintln!("note: Postfix interop needs root, postfix, knot and unbound; nothing checked");
        return false;
    }
    // timeout(1): the whole run is bounded; TERM lets the driver stop its daemons
    let status = Command::new("timeout")
        .args(["-k", "10", "170", "bash"])
        .arg(root().join("tests/postfix/run.sh"))
        .arg(out)
        .env("DANEGUARD", env!("CARGO_BIN_EXE_daneguard"))
        .status()
        .expect("tests/postfix/run.sh runs");
    assert!(status.success(), "tests/postfix/run.sh failed: {status}");
    true
}

fn read_outcomes(out: &Path) -> Vec<Outcome> {
    let tsv = std::fs::read_to_string(out.join("results.tsv")).expect("results.tsv");
    tsv.lines()
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            assert_eq!(f.len(), 9, "bad results.tsv line: {line}");
            let json = out.join(format!("{}.daneguard.json", f[0]));
            let text = std::fs::read_to_string(&json).unwrap_or_default();
            let (daneguard, detail) = match serde_json::from_str::<CheckDoc>(&text) {
                Ok(doc) if doc.hosts.len() == 1 => {
                    let h = &doc.hosts[0];
                    let detail = format!("exit {}, {} {}", f[8], h.verdict, h.codes().join(","));
                    (daneguard_class(h), detail)
                }
                _ => ("no-json".to_string(), format!("exit {}", f[8])),
            };
            Outcome {
                id: f[0].into(),
                host: f[1].into(),
                port: f[2].into(),
                records: f[4].into(),
                what: f[5].into(),
                smtp: f[6].into(),
                finger: f[7].into(),
                daneguard,
                detail,
            }
        })
        .collect()
}

fn table(rows: &[Outcome]) -> String {
    let mut t = format!(
        "{:<4} {:<40} {:<28} {:<14} {:<14} {:<14} {:<5} {}\n",
        "case",
        "host:port",
        "records",
        "Postfix",
        "posttls-finger",
        "daneguard",
        "",
        "daneguard says"
    );
    for r in rows {
        let mark = if !agrees(&r.smtp, &r.daneguard) || r.smtp != r.finger {
            "DIFF"
        } else {
            ""
        };
        t.push_str(&format!(
            "{:<4} {:<40} {:<28} {:<14} {:<14} {:<14} {:<5} {} ({})\n",
            r.id,
            format!("{}:{}", r.host, r.port),
            r.records.chars().take(28).collect::<String>(),
            r.smtp,
            r.finger,
            r.daneguard,
            mark,
            r.detail,
            r.what
        ));
    }
    t
}

#[test]
fn postfix_dane_client_agrees_with_check_live() {
    let out = tempfile::Builder::new()
        .prefix("dg-postfix")
        .tempdir_in("/tmp")
        .expect("tempdir");
    if !run_driver(out.path()) {
        return;
    }
    let rows = read_outcomes(out.path());
    // printed, not put into the assertion messages: libtest shows a failed test's output
    println!("{}", table(&rows));
    // Every case of cases.txt ran (a loop whose commands read its stdin would drop some).
    let cases = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/postfix/cases.txt"),
    )
    .expect("cases.txt");
    let listed = cases
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count();
    if std::env::var_os("PF_CASES").is_none() {
        assert_eq!(rows.len(), listed, "cases run / cases listed in cases.txt");
    }
    let harness: Vec<&str> = rows
        .iter()
        .filter(|r| r.smtp != r.finger || r.smtp == "pending" || r.smtp == "unknown")
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        harness.is_empty(),
        "smtp(8) and posttls-finger disagree, or no delivery status (a harness problem), on {harness:?}"
    );
    let diff: Vec<String> = rows
        .iter()
        .filter(|r| !agrees(&r.smtp, &r.daneguard))
        .map(|r| format!("{}: Postfix {}, daneguard {}", r.id, r.smtp, r.daneguard))
        .collect();
    assert!(
        diff.is_empty(),
        "daneguard disagrees with Postfix on {} case(s):\n  {}",
        diff.len(),
        diff.join("\n  ")
    );
}

/// Every check of `tests/postfix/deploy-e2e.sh`, in order: a run that skipped one fails.
const DEPLOY_STEPS: &[&str] = &[
    "layout-archive",
    "layout-live-link",
    "layout-renewal-hook",
    "issue-staged-not-deployed",
    "first-look-deploy",
    "first-deploy",
    "first-deployed-key",
    "start-presents-old",
    "start-control-presents-old",
    "start-finger",
    "renew-new-key",
    "renew-live-points-at-cert2",
    "renew-hook-exit-1",
    "renew-staged-key",
    "renew-deploy-no-record",
    "renew-deploy-says-publish",
    "renew-file-unchanged",
    "renew-presents-old",
    "renew-new-smtpd-process",
    "renew-control-presents-new",
    "renew-finger",
    "renew-control-finger",
    "renew-control-no-match",
    "publish-first-look",
    "publish-deployable-from",
    "publish-file-unchanged",
    "deploy-exit",
    "deploy-deployed",
    "deploy-reloaded",
    "deploy-stale-record",
    "deploy-file-key",
    "deploy-file-key-matches",
    "deploy-file-mode",
    "deploy-postfix-reloaded",
    "deploy-presents-new",
    "deploy-finger",
    "rollback-exit",
    "rollback-message",
    "rollback-file-key",
    "rollback-postfix-reloaded",
    "rollback-presents-old",
    "rollback-finger",
    "next-stage-exit",
    "next-stage-says-publish",
    "next-stored-mode",
    "next-file-unchanged",
    "next-first-look",
    "next-usable-from",
    "next-ready",
    "next-certbot-command",
    "next-certbot-signed-next",
    "next-reuse-key-kept",
    "next-hook-rollover-complete",
    "next-deployed-key",
    "next-deployed-key-matches",
    "next-key-forgotten",
    "next-presents-next",
    "next-finger",
];

#[test]
fn postfix_keeps_the_old_key_until_deploy_switches_it() {
    let required = std::env::var_os("DANEGUARD_INTEROP").is_some();
    let tools = [
        "postfix",
        "posttls-finger",
        "knotd",
        "knotc",
        "kdig",
        "unbound",
        "unshare",
        "certbot",
        "pebble",
    ];
    if !have_all(&tools) || !can_be_root() {
        assert!(
            !required,
            "DANEGUARD_INTEROP is set but one of {tools:?} is missing, or neither root nor passwordless sudo; run .ci/test"
        );
        eprintln!(
            "note: the Postfix deployment test needs root, postfix, knot, unbound, certbot and pebble; nothing checked"
        );
        return;
    }
    let out = tempfile::Builder::new()
        .prefix("dg-pfdeploy")
        .tempdir_in("/tmp")
        .expect("tempdir");
    // timeout(1): bounded (about 60 s alone); TERM lets the script stop its daemons
    let status = Command::new("timeout")
        .args(["-k", "10", "210", "bash"])
        .arg(root().join("tests/postfix/deploy-e2e.sh"))
        .arg(out.path())
        .env("DANEGUARD", env!("CARGO_BIN_EXE_daneguard"))
        .status()
        .expect("tests/postfix/deploy-e2e.sh runs");
    let steps = std::fs::read_to_string(out.path().join("steps.tsv")).unwrap_or_default();
    // printed, not put into the assertion messages: libtest shows a failed test's output
    println!("{steps}");
    assert!(
        status.success(),
        "tests/postfix/deploy-e2e.sh failed: {status}"
    );
    let ran: Vec<(&str, &str)> = steps
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "bad steps.tsv line: {l}");
            (f[0], f[3])
        })
        .collect();
    let names: Vec<&str> = ran.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, DEPLOY_STEPS, "the script's checks");
    assert!(ran.iter().all(|(_, ok)| *ok == "ok"), "{steps}");
}
