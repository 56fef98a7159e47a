//! `check --all-ns` against real authoritative servers: `tests/allns/run.sh` serves the
//! signed zone allns.test. from Knot (ns1) and NSD (ns2), delegated from a signed
//! parent, with Unbound as the resolver, in a private network namespace; then NSD
//! serves a stale copy, a tampered copy, and nothing. This test reads daneguard's JSON
//! for each case.
//!
//! Needs root or passwordless sudo, Knot, NSD, Unbound and ldns. `.ci/test` sets
//! DANEGUARD_INTEROP=1 and installs them; then this test fails, never skips, when any of
//! that is missing. A plain `cargo test` without them checks nothing.

use std::path::Path;
use std::process::Command;

use crate::util::root;

const TOOLS: &[&str] = &[
    "knotd",
    "nsd",
    "unbound",
    "kdig",
    "ldns-keygen",
    "ldns-signzone",
    "unshare",
    "ip",
];

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

fn can_be_root() -> bool {
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
    let missing: Vec<&str> = TOOLS.iter().copied().filter(|t| !have(t)).collect();
    if !missing.is_empty() || !can_be_root() {
        assert!(
            std::env::var_os("DANEGUARD_INTEROP").is_none(),
            "DANEGUARD_INTEROP is set but {missing:?} are missing, or neither root nor passwordless sudo; run .ci/test"
        );
        eprintln!(
            "note: --all-ns interop needs root, knot, nsd, unbound and ldns; nothing checked"
        );
        return false;
    }
    let status = Command::new("timeout")
        .args(["-k", "10", "170", "bash"])
        .arg(root().join("tests/allns/run.sh"))
        .arg(out)
        .env("DANEGUARD", env!("CARGO_BIN_EXE_daneguard"))
        .status()
        .expect("tests/allns/run.sh runs");
    assert!(status.success(), "tests/allns/run.sh failed: {status}");
    true
}

/// The driver's results, run once for every test here (it takes about 20 s); `None`
/// when it cannot run on this machine.
fn driver_output() -> Option<&'static Path> {
    static OUT: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    OUT.get_or_init(|| {
        let dir =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("allns-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        run_driver(&dir).then_some(dir)
    })
    .as_deref()
}

/// `(exit status, the host's JSON)` of one case.
fn case(out: &Path, name: &str) -> (i32, serde_json::Value) {
    let read = |ext: &str| std::fs::read_to_string(out.join(format!("{name}.{ext}"))).unwrap();
    let rc: i32 = read("rc").trim().parse().unwrap();
    let doc: serde_json::Value = serde_json::from_str(&read("json"))
        .unwrap_or_else(|e| panic!("{name}: not JSON ({e}); stderr: {}", read("err")));
    (rc, doc["hosts"][0].clone())
}

fn ns_findings(host: &serde_json::Value) -> Vec<String> {
    host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "ns-inconsistent")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// `(server, address, serial, result, dnssec)` per `ns` entry.
fn servers(host: &serde_json::Value) -> Vec<(String, String, String, String, String)> {
    let s = |v: &serde_json::Value| v.as_str().map_or(v.to_string(), str::to_string);
    host["ns"]
        .as_array()
        .expect("an ns array")
        .iter()
        .map(|n| {
            (
                s(&n["server"]),
                s(&n["address"]),
                s(&n["serial"]),
                s(&n["result"]),
                s(&n["dnssec"]),
            )
        })
        .collect()
}

fn row(
    server: &str,
    addr: &str,
    serial: &str,
    result: &str,
    dnssec: &str,
) -> (String, String, String, String, String) {
    (
        server.into(),
        addr.into(),
        serial.into(),
        result.into(),
        dnssec.into(),
    )
}

#[test]
fn all_ns_against_knot_and_nsd() {
    let Some(out) = driver_output() else {
        return;
    };
    let ns1 = row("ns1.allns.test.", "127.0.0.11", "2", "found", "secure");

    let (rc, host) = case(out, "fresh");
    assert_eq!(rc, 0, "{host}");
    assert_eq!(
        servers(&host),
        vec![
            ns1.clone(),
            row("ns2.allns.test.", "127.0.0.12", "2", "found", "secure")
        ]
    );
    assert!(ns_findings(&host).is_empty(), "{host}");

    let (rc, host) = case(out, "stale");
    assert_eq!(rc, 1, "{host}");
    assert_eq!(
        servers(&host),
        vec![
            ns1.clone(),
            row("ns2.allns.test.", "127.0.0.12", "1", "found", "secure")
        ]
    );
    let found = ns_findings(&host);
    assert_eq!(found.len(), 1, "{host}");
    assert!(
        found[0].starts_with("ns2.allns.test. (127.0.0.12) of zone allns.test. (SOA serial 1) serves secure [3 1 1 2d9ac2b9"),
        "{}",
        found[0]
    );

    // the README shows this run's table
    let shown = std::fs::read_to_string(out.join("stale.txt")).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(shown.trim_end()),
        "README --all-ns example differs from this run:\n{shown}"
    );

    let (rc, host) = case(out, "tampered");
    assert_eq!(rc, 1, "{host}");
    assert_eq!(
        servers(&host),
        vec![
            ns1.clone(),
            row("ns2.allns.test.", "127.0.0.12", "null", "bogus", "bogus")
        ]
    );
    let found = ns_findings(&host);
    assert_eq!(found.len(), 1, "{host}");
    assert!(
        found[0]
            .starts_with("ns2.allns.test. (127.0.0.12) of zone allns.test. serves a bogus answer"),
        "{}",
        found[0]
    );

    let (rc, host) = case(out, "down");
    assert_eq!(rc, 1, "{host}");
    assert_eq!(
        servers(&host),
        vec![
            ns1,
            row("ns2.allns.test.", "127.0.0.12", "null", "failed", "null")
        ]
    );
    let found = ns_findings(&host);
    assert_eq!(found.len(), 1, "{host}");
    assert!(
        found[0]
            .starts_with("ns2.allns.test. (127.0.0.12) of zone allns.test. gives no usable answer"),
        "{}",
        found[0]
    );
}

/// `stage`/`deploy` with `every_server` (the default), against the same two servers:
/// a new key's record on Knot but not on a stale NSD counts as not published (exit 1,
/// the file keeps the old key, the lagging server named); once NSD serves it too, the
/// clock starts, and after 2 × TTL `deploy` switches the file.
#[test]
fn deploy_waits_until_every_authoritative_server_serves_the_record() {
    let Some(out) = driver_output() else {
        return;
    };
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let step = |name: &str| {
        (
            read(&format!("deploy-{name}.rc")).trim().to_string(),
            read(&format!("deploy-{name}.out")),
            read(&format!("deploy-{name}.err")),
        )
    };
    let keys = read("keys");
    let (old, new) = keys.trim().split_once(' ').unwrap();
    let owner = "_25._tcp.smtp.allns.test.";
    let lag = format!(
        "daneguard: note: smtp: {owner}: not every authoritative server serves all of its records yet (ns2.allns.test. (127.0.0.12)); a record counts as published once each one does\n"
    );

    let (rc, stdout, stderr) = step("stage");
    assert_eq!(rc, "1", "{stdout}{stderr}");
    assert!(stderr.starts_with(&lag), "{stderr}");
    assert!(
        stdout.starts_with(&format!(
            "smtp: staged, not deployed: no published record at {owner} matches the new certificate"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{owner} 1 IN TLSA 3 1 1 {new}\n")),
        "{stdout}"
    );

    let (rc, stdout, stderr) = step("stale");
    assert_eq!(rc, "1", "{stdout}{stderr}");
    assert_eq!(stderr, lag);
    assert_eq!(read("deployed-stale.spki").trim(), old, "nothing deployed");

    let (rc, stdout, stderr) = step("seen");
    assert_eq!(rc, "0", "{stdout}{stderr}");
    assert_eq!(stderr, "");
    assert!(
        stdout.starts_with(&format!(
            "smtp: staged, not deployed: {owner} publishes a matching record; deployable from "
        )),
        "{stdout}"
    );

    let (rc, stdout, stderr) = step("deployed");
    assert_eq!(rc, "0", "{stdout}{stderr}");
    assert_eq!(stderr, "");
    assert!(stdout.starts_with("smtp: deployed "), "{stdout}");
    assert!(
        stdout.ends_with(&format!(
            "smtp: {owner} 3 1 1 {old} matches nothing deployed: remove\n"
        )),
        "{stdout}"
    );
    assert_eq!(read("deployed-deployed.spki").trim(), new);
}
