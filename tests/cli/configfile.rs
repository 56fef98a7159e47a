//! `check --config` and `renew-check --config` against the in-process signed DNS
//! server: the same verdicts as the equivalent flags, flags overriding the file, and
//! bad or missing files named with exit 2.

use std::path::{Path, PathBuf};

use crate::dnsserver::{self, TestDns};
use crate::util::{Run, run, td};

/// A configuration file in a temporary directory, with `[dns]` pointing at `dns`
/// unless `resolver` replaces the resolver.
struct Conf {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Conf {
    fn new(dns: &TestDns, resolver: Option<&str>, rest: &str) -> Conf {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("daneguard.toml");
        let resolver = resolver.map_or(dns.addr.to_string(), str::to_string);
        let text = format!(
            "[dns]\nresolvers = [\"{resolver}\"]\ntrust_anchor = \"{}\"\n\n{rest}",
            dns.anchor.display()
        );
        std::fs::write(&path, text).expect("write config");
        Conf { dir, path }
    }

    fn arg(&self) -> String {
        self.path.display().to_string()
    }

    /// Writes `pki/mx-p256`'s key and full chain as a deployed file (key first).
    fn deployed(&self) -> PathBuf {
        let key = std::fs::read_to_string(td("pki/mx-p256/privkey.pem")).unwrap();
        let chain = std::fs::read_to_string(td("pki/mx-p256/fullchain.pem")).unwrap();
        let path = self.dir.path().join("mx.pem");
        std::fs::write(&path, key + &chain).unwrap();
        path
    }
}

fn run_all(args: &[String]) -> Run {
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&argv)
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// `check --format json --timeout 2 ARGS`.
fn check(args: &[&str]) -> Run {
    let mut all = strings(&["check", "--format", "json", "--timeout", "2"]);
    all.extend(strings(args));
    run_all(&all)
}

/// The same flags without a configuration file: resolver and trust anchor of `dns`.
fn check_flags(dns: &TestDns, args: &[&str]) -> Run {
    let mut all = strings(&["check", "--format", "json"]);
    all.extend(dns.args());
    all.extend(strings(args));
    run_all(&all)
}

fn hosts_and_ports(r: &Run) -> Vec<(String, u16, String)> {
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    doc["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| {
            (
                h["host"].as_str().unwrap().to_string(),
                h["port"].as_u64().unwrap() as u16,
                h["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn check_hosts_from_the_file_give_the_same_report_as_the_flags() {
    let dns = dnsserver::start();
    let chain = td("pki/mx-p256").display().to_string();
    let conf = Conf::new(
        &dns,
        None,
        &format!(
            "[check]\nhosts = [\"mx.dane.test\", \"single.dane.test\", \"mismatch.dane.test\"]\nports = [25]\ndays = 30\nallow = [\"single-record\"]\n\n[hosts.\"mx.dane.test\"]\nchain = \"{chain}\"\n[hosts.\"mismatch.dane.test\"]\nchain = \"{chain}\"\n"
        ),
    );
    let from_file = check(&["--config", &conf.arg()]);
    let from_flags = check_flags(
        &dns,
        &[
            "mx.dane.test",
            "single.dane.test",
            "mismatch.dane.test",
            "--port",
            "25",
            "--days",
            "30",
            "--allow",
            "single-record",
            "--chain",
            &format!("mx.dane.test={chain}"),
            "--chain",
            &format!("mismatch.dane.test={chain}"),
        ],
    );
    from_flags.code(1);
    assert_eq!(
        (from_file.code, &from_file.stdout, &from_file.stderr),
        (from_flags.code, &from_flags.stdout, &from_flags.stderr),
        "file:\n{from_file:?}\nflags:\n{from_flags:?}"
    );
    assert_eq!(
        hosts_and_ports(&from_file),
        vec![
            ("mx.dane.test".into(), 25, "ok".into()),
            ("single.dane.test".into(), 25, "ok".into()),
            ("mismatch.dane.test".into(), 25, "fail".into()),
        ]
    );
}

#[test]
fn certificates_give_hosts_ports_and_their_deployed_file_as_the_chain() {
    let dns = dnsserver::start();
    let conf = Conf::new(&dns, None, "");
    let deployed = conf.deployed();
    let text = std::fs::read_to_string(&conf.path).unwrap()
        + "[[certificate]]\nname = \"mx\"\nhosts = [\"mx.dane.test\"]\nports = [25, 465]\ndeploy = \"mx.pem\"\n";
    std::fs::write(&conf.path, text).unwrap();
    let from_file = check(&["--config", &conf.arg()]);
    let d = deployed.display().to_string();
    let from_flags = check_flags(
        &dns,
        &[
            "mx.dane.test",
            "--port",
            "25",
            "--port",
            "465",
            "--chain",
            &format!("mx.dane.test={d}"),
        ],
    );
    from_flags.code(0);
    assert_eq!(
        (from_file.code, &from_file.stdout, &from_file.stderr),
        (from_flags.code, &from_flags.stdout, &from_flags.stderr),
        "file:\n{from_file:?}\nflags:\n{from_flags:?}"
    );
    assert_eq!(
        hosts_and_ports(&from_file),
        vec![
            ("mx.dane.test".into(), 25, "ok".into()),
            ("mx.dane.test".into(), 465, "ok".into()),
        ]
    );
    // The private key in the deployed file is never printed.
    assert!(!from_file.stdout.contains("PRIVATE KEY"));
}

#[test]
fn flags_override_the_file() {
    let dns = dnsserver::start();
    // Nothing answers on 127.0.0.1:9: the configured resolver alone cannot decide.
    let conf = Conf::new(
        &dns,
        Some("127.0.0.1:9"),
        "[check]\nhosts = [\"mx.dane.test\"]\nports = [465]\nallow = [\"single-record\"]\n",
    );
    let c = conf.arg();
    let r = check(&["--config", &c]);
    r.code(2);
    assert!(
        r.stderr.contains("the resolver 127.0.0.1:9 did not answer"),
        "{r:?}"
    );
    // --resolver replaces the configured resolvers; --port replaces the ports; a name
    // on the command line replaces the configured hosts; --allow adds to the list.
    let resolver = dns.addr.to_string();
    let r = check(&[
        "--config",
        &c,
        "--resolver",
        &resolver,
        "--port",
        "25",
        "single.dane.test",
        "nodata.dane.test",
        "--allow",
        "no-tlsa",
    ]);
    r.code(0);
    assert_eq!(
        hosts_and_ports(&r),
        vec![
            ("single.dane.test".into(), 25, "ok".into()),
            ("nodata.dane.test".into(), 25, "ok".into()),
        ]
    );
    // Without --allow no-tlsa, the configured allow-list alone holds.
    let r = check(&["--config", &c, "--resolver", &resolver, "nodata.dane.test"]);
    assert_eq!(
        hosts_and_ports(&r),
        vec![("nodata.dane.test".into(), 465, "warn".into())]
    );
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let dns = dnsserver::start();
    let conf = Conf::new(
        &dns,
        None,
        "[check]\nhosts = [\"mx.dane.test\"]\nhost = \"x\"\n",
    );
    let r = check(&["--config", &conf.arg()]);
    r.code(2);
    assert!(
        r.stderr.starts_with(&format!(
            "daneguard: error: {}: line 7: unknown field `host`, expected one of `hosts`,",
            conf.arg()
        )),
        "{r:?}"
    );
    let r = run(&["config", "check", "--config", &conf.arg()]);
    r.code(2);
    assert!(r.stderr.contains(": line 7: unknown field `host`"), "{r:?}");
    let bad = Conf::new(&dns, None, "[check]\nallow = [\"no-tlsa\", \"nope\"]\n");
    let r = check(&["--config", &bad.arg()]);
    r.fails_with(&format!(
        "daneguard: error: {}: line 6: [check] allow: 'nope' is not a finding code",
        bad.arg()
    ));
}

#[test]
fn a_missing_or_unreadable_file_is_named_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("none.toml").display().to_string();
    let r = check(&["--config", &missing]);
    r.code(2);
    assert!(
        r.stderr
            .starts_with(&format!("daneguard: error: {missing}: ")),
        "{r:?}"
    );
    assert!(r.stdout.is_empty(), "{r:?}");
    let binary = dir.path().join("binary.toml");
    std::fs::write(&binary, b"[check]\nhosts = [\"\xff\"]\n").unwrap();
    let binary = binary.display().to_string();
    let r = check(&["--config", &binary, "mx.dane.test"]);
    r.fails_with(&format!("daneguard: error: {binary}: is not UTF-8 text"));
    let r = run(&[
        "renew-check",
        "--config",
        &missing,
        "--next",
        "testdata/pki/mx-p256",
    ]);
    r.code(2);
    assert!(
        r.stderr
            .starts_with(&format!("daneguard: error: {missing}: ")),
        "{r:?}"
    );
    // A [[certificate]] whose deployed file is missing: named, exit 2.
    let conf = dir.path().join("d.toml");
    std::fs::write(
        &conf,
        "[[certificate]]\nname = \"mx\"\nhosts = [\"mx.dane.test\"]\ndeploy = \"gone.pem\"\n",
    )
    .unwrap();
    let r = check(&["--config", &conf.display().to_string()]);
    r.code(2);
    let gone = dir.path().join("gone.pem").display().to_string();
    assert!(
        r.stderr.starts_with(&format!("daneguard: error: {gone}: ")),
        "{r:?}"
    );
}

#[test]
fn a_file_without_hosts_and_no_names_is_an_error() {
    let dns = dnsserver::start();
    let conf = Conf::new(&dns, None, "");
    let r = check(&["--config", &conf.arg()]);
    r.fails_with(&format!(
        "daneguard: error: {}: names no host to check: set [check] hosts, or hosts in a [[certificate]]",
        conf.arg()
    ));
}

#[test]
fn renew_check_takes_hosts_ports_and_settings_of_the_current_certificate() {
    let dns = dnsserver::start();
    let current = Path::new("testdata/letsencrypt-dir/archive/mx-newkey/fullchain1.pem");
    let conf = Conf::new(
        &dns,
        None,
        &format!(
            "[check]\nallow = [\"single-record\"]\n\n[[certificate]]\nname = \"mx\"\nhosts = [\"mx.dane.test\"]\nports = [25, 465]\ndeploy = \"{}\"\n",
            crate::util::root().join(current).display()
        ),
    );
    let next = "testdata/letsencrypt-dir/live/mx-newkey";
    let cur = current.display().to_string();
    let base = [
        "renew-check",
        "--format",
        "json",
        "--current",
        &cur,
        "--next",
        next,
    ];
    let mut from_file = strings(&base);
    from_file.extend(strings(&["--config", &conf.arg(), "--timeout", "2"]));
    let from_file = run_all(&from_file);
    let mut from_flags = strings(&base);
    from_flags.extend(dns.args());
    from_flags.extend(strings(&[
        "mx.dane.test",
        "--port",
        "25",
        "--port",
        "465",
        "--allow",
        "single-record",
    ]));
    let from_flags = run_all(&from_flags);
    from_flags.code(0);
    assert_eq!(
        (from_file.code, &from_file.stdout, &from_file.stderr),
        (from_flags.code, &from_flags.stdout, &from_flags.stderr),
        "file:\n{from_file:?}\nflags:\n{from_flags:?}"
    );
    let doc: serde_json::Value = serde_json::from_str(&from_file.stdout).unwrap();
    let owners: Vec<&str> = doc["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["owner"].as_str().unwrap())
        .collect();
    assert_eq!(
        owners,
        ["_25._tcp.mx.dane.test.", "_465._tcp.mx.dane.test."]
    );
}

#[test]
fn config_check_shows_and_validates_the_check_table() {
    let dns = dnsserver::start();
    let conf = Conf::new(
        &dns,
        None,
        "[check]\nhosts = [\"dane.test\"]\nmx = true\nlive = true\nports = [25, 465]\ndays = 21\nallow = [\"single-record\"]\n",
    );
    let r = run(&["config", "check", "--config", &conf.arg()]);
    r.exact(
        0,
        &format!(
            "{}: ok\ncheck: hosts dane.test, ports 25, 465, mx, live, days 21, allow single-record\n",
            conf.arg()
        ),
        "",
    );
    let bad = Conf::new(&dns, None, "[check]\nports = [25, 0]\n");
    let r = run(&["config", "check", "--config", &bad.arg()]);
    r.fails_with(&format!(
        "daneguard: error: {}: line 6: [check] ports must list port numbers from 1 to 65535",
        bad.arg()
    ));
}

#[test]
fn a_bare_file_name_is_relative_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    std::fs::write(
        dir.path().join("daneguard.toml"),
        "[[certificate]]\nname = \"mx\"\ndeploy = \"certs/mx.pem\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_daneguard"))
        .args(["config", "check", "--config", "daneguard.toml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        (out.status.code(), stdout.lines().next()),
        (Some(0), Some("daneguard.toml: ok")),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(&format!(
        "deploy {}/certs/mx.pem",
        std::fs::canonicalize(dir.path()).unwrap().display()
    )));
}

#[test]
fn a_certificate_without_hosts_is_checked_at_its_leafs_names() {
    let dns = dnsserver::start();
    let conf = Conf::new(&dns, None, "");
    conf.deployed();
    let text = std::fs::read_to_string(&conf.path).unwrap()
        + "[[certificate]]\nname = \"mx\"\ndeploy = \"mx.pem\"\n";
    std::fs::write(&conf.path, text).unwrap();
    let r = check(&["--config", &conf.arg()]);
    let checked: Vec<(String, u16)> = hosts_and_ports(&r)
        .into_iter()
        .map(|(h, p, _)| (h, p))
        .collect();
    // The leaf of testdata/pki/mx-p256 names these three; only mx.dane.test is served.
    assert_eq!(
        checked,
        vec![
            ("mx.example.com".into(), 25),
            ("mail.example.com".into(), 25),
            ("mx.dane.test".into(), 25),
        ],
        "{r:?}"
    );
    let mx = hosts_and_ports(&r).pop().unwrap();
    assert_eq!(mx.2, "ok", "{r:?}");
}

#[test]
fn renew_check_with_only_the_file_predicts_each_configured_lineage() {
    let dns = dnsserver::start();
    let live = |n: &str| {
        crate::util::root()
            .join("testdata/letsencrypt-dir/live")
            .join(n)
            .display()
            .to_string()
    };
    let (newkey, reuse) = (live("mx-newkey"), live("mx-reuse"));
    let conf = Conf::new(
        &dns,
        None,
        &format!(
            "[[certificate]]\nname = \"a\"\nlineage = \"{newkey}\"\nhosts = [\"mx.dane.test\"]\nports = [25, 465]\ndeploy = \"a.pem\"\n\n[[certificate]]\nname = \"b\"\nlineage = \"{reuse}\"\nhosts = [\"single.dane.test\"]\ndeploy = \"b.pem\"\n\n[[certificate]]\nname = \"c\"\ndeploy = \"c.pem\"\n"
        ),
    );
    let all = run_all(&strings(&[
        "renew-check",
        "--format",
        "json",
        "--timeout",
        "2",
        "--config",
        &conf.arg(),
    ]));
    let one = |current: &str, more: &[&str]| {
        let mut a = strings(&["renew-check", "--format", "json", "--current", current]);
        a.extend(dns.args());
        a.extend(strings(more));
        run_all(&a)
    };
    let a = one(&newkey, &["mx.dane.test", "--port", "25", "--port", "465"]);
    let b = one(&reuse, &["single.dane.test"]);
    let hosts = |r: &Run| -> Vec<serde_json::Value> {
        let doc: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
        doc["hosts"].as_array().unwrap().clone()
    };
    let mut expected = hosts(&a);
    expected.extend(hosts(&b));
    assert_eq!(hosts(&all), expected, "{all:?}");
    assert_eq!(expected.len(), 3);
    assert_eq!(all.code, a.code.max(b.code), "{all:?}\n{a:?}\n{b:?}");
    assert_eq!(
        all.stderr,
        "daneguard: note: certificate 'c' has no lineage: no renewal to predict\n"
    );
    // HOST without --current or --next is ambiguous across certificates.
    let r = run(&["renew-check", "--config", &conf.arg(), "mx.dane.test"]);
    r.code(2);
    // A file without any lineage: nothing to predict.
    let none = Conf::new(
        &dns,
        None,
        "[[certificate]]\nname = \"c\"\ndeploy = \"c.pem\"\n",
    );
    let r = run(&["renew-check", "--config", &none.arg()]);
    r.code(2);
    assert!(
        r.stderr
            .ends_with(": has no [[certificate]] with a lineage: give --current or --next\n"),
        "{r:?}"
    );
}
