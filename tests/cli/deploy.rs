//! `stage`, `deploy`, `deploy --rollback`, `config check` and `certbot-hook` with a
//! configuration: against the in-process signed DNS server with 1-second TTLs, with
//! openssl as the oracle for what was deployed and what a TLS server presents.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::dnsserver::{self, TestDns};
use crate::util::{Run, openssl_tlsa, run_with, sh, td};

/// A configuration, state directory and deployment target in a temporary directory.
struct Lab {
    dir: tempfile::TempDir,
    config: PathBuf,
}

impl Lab {
    fn new(hosts: &str) -> Lab {
        Lab::with(hosts, "")
    }

    fn with(hosts: &str, extra: &str) -> Lab {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path().display();
        let config = dir.path().join("daneguard.toml");
        std::fs::write(
            &config,
            format!(
                // The test DNS server listens on a random port, and name servers are asked
                // on port 53: the resolver alone is trusted here (`every_server = false`).
                "state_dir = \"{d}/state\"\n\n[dns]\nevery_server = false\n\n[[certificate]]\nname = \"mx\"\nhosts = [{hosts}]\ndeploy = \"{d}/mx.pem\"\nreload = \"echo reloaded >> '{d}/reload.log'\"\n{extra}"
            ),
        )
        .expect("write config");
        Lab { dir, config }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn target(&self) -> PathBuf {
        self.path("mx.pem")
    }

    /// Puts `pki/DIR`'s key and chain in place as the deployed file.
    fn deployed(&self, pki: &str) {
        let key = std::fs::read_to_string(td(&format!("pki/{pki}/privkey.pem"))).unwrap();
        let chain = std::fs::read_to_string(td(&format!("pki/{pki}/fullchain.pem"))).unwrap();
        std::fs::write(self.target(), key + &chain).unwrap();
    }

    fn run(&self, args: &[&str], dns: Option<&TestDns>, vars: &[(&str, &str)]) -> Run {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["--config".into(), self.config.display().to_string()]);
        if let Some(dns) = dns {
            all.extend(dns.args());
        }
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        run_with(&refs, None, vars)
    }

    fn stage(&self, pki: &str, dns: &TestDns) -> Run {
        let chain = td(&format!("pki/{pki}/fullchain.pem"));
        let key = td(&format!("pki/{pki}/privkey.pem"));
        self.run(
            &[
                "stage",
                "mx",
                "--chain",
                &chain.display().to_string(),
                "--key",
                &key.display().to_string(),
            ],
            Some(dns),
            &[],
        )
    }

    fn reloads(&self) -> usize {
        std::fs::read_to_string(self.path("reload.log"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    }

    fn staged(&self) -> bool {
        self.path("state/mx/staged.pem").exists()
    }
}

/// The `3 1 1` data of the first certificate in a file (openssl decides).
fn ee(path: &Path) -> String {
    openssl_tlsa(path, 1, 1)
}

fn pki_ee(dir: &str) -> String {
    ee(&td(&format!("pki/{dir}/cert.pem")))
}

/// The key in the deployed file belongs to its first certificate (openssl decides).
fn assert_key_matches(path: &Path) {
    let p = path.display();
    let key = sh(&format!(
        "openssl pkey -in '{p}' -pubout -outform DER | openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \\n'"
    ));
    assert_eq!(key, ee(path), "key and leaf of {p} differ");
}

/// A signed `dane.test.` with `mx` publishing these `3 1 1` data, TTL 1.
fn zone(ee_records: &[&str]) -> TestDns {
    let mut text = String::from(
        "$ORIGIN dane.test.\n$TTL 1\n@ IN SOA ns.dane.test. hostmaster.dane.test. 1 60 60 86400 1\n@ IN NS ns.dane.test.\nns IN A 127.0.0.1\nmx IN A 127.0.0.1\nplain IN A 127.0.0.1\n",
    );
    for data in ee_records {
        text.push_str(&format!("_25._tcp.mx 1 IN TLSA 3 1 1 {data}\n"));
    }
    dnsserver::start_zone(&text)
}

fn wait_two_ttls() {
    std::thread::sleep(Duration::from_millis(2100));
}

/// The `3 1 1` data of the certificate an openssl TLS server presents when it is
/// started now on the deployed file (a new server process, as a new smtpd is).
pub fn presented(path: &Path) -> String {
    presented_from(path, path)
}

/// As [`presented`], with the certificate chain and the key in two files.
pub fn presented_from(chain: &Path, key: &Path) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-accept"])
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(chain)
        .arg("-key")
        .arg(key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl s_server runs");
    let mut got = String::new();
    // Generous: the whole suite shares two cores with other builds.
    for _ in 0..300 {
        std::thread::sleep(Duration::from_millis(100));
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            continue;
        }
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("openssl s_client -connect 127.0.0.1:{port} </dev/null 2>/dev/null | openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \\n'"))
            .output()
            .unwrap();
        got = String::from_utf8(out.stdout).unwrap();
        if got.len() == 64 {
            break;
        }
    }
    let _ = server.kill();
    let _ = server.wait();
    got
}

#[test]
fn a_new_key_waits_for_its_record_and_two_ttls_then_deploys_and_rolls_back() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let old = pki_ee("mx-p256");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[&old]);
    // Only the old key is published: staged, the records to publish printed, exit 1.
    let r = lab.stage("mx-p256-newkey", &dns);
    r.code(1);
    assert!(
        r.stdout
            .contains(&format!("_25._tcp.mx.dane.test. 1 IN TLSA 3 1 1 {new}\n")),
        "{r:?}"
    );
    assert!(r.stdout.contains("mx: staged, not deployed: no published record at _25._tcp.mx.dane.test. matches the new certificate"), "{r:?}");
    assert_eq!(ee(&lab.target()), old);
    assert_eq!(presented(&lab.target()), old);
    assert!(lab.staged() && lab.reloads() == 0);
    // Still missing on the timer's next run.
    lab.run(&["deploy"], Some(&dns), &[]).code(1);
    drop(dns);
    // The new record appears: first seen now, deployable 2 × TTL later.
    let dns = zone(&[&old, &new]);
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(0);
    assert!(r.stdout.contains("mx: staged, not deployed: _25._tcp.mx.dane.test. publishes a matching record; deployable from"), "{r:?}");
    assert_eq!(ee(&lab.target()), old);
    wait_two_ttls();
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(0);
    let target = lab.target().display().to_string();
    assert!(
        r.stdout.starts_with(&format!(
            "mx: deployed {target} (CN = mx.example.com, ECDSA P-256, expires 2125-01-01T00:00:00Z)\nmx: reloaded: echo reloaded >> "
        )),
        "{r:?}"
    );
    assert!(
        r.stdout.ends_with(&format!(
            "mx: _25._tcp.mx.dane.test. 3 1 1 {old} matches nothing deployed: remove\n"
        )),
        "{r:?}"
    );
    assert_eq!(ee(&lab.target()), new);
    assert_key_matches(&lab.target());
    assert_eq!(presented(&lab.target()), new);
    assert_eq!(lab.reloads(), 1);
    assert!(!lab.staged());
    let mode = sh(&format!("stat -c %a '{target}'"));
    assert_eq!(mode, "600");
    // Nothing staged: the next timer run does nothing.
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.exact(0, "", "");
    // Rollback puts the old file back, and rolling back again undoes that.
    let r = lab.run(&["deploy", "--rollback", "mx"], None, &[]);
    r.code(0);
    assert!(r.stdout.starts_with(&format!("mx: rolled back {target} to the previous certificate (ECDSA P-256, expires 2125-01-01T00:00:00Z)\n")), "{r:?}");
    assert_eq!(ee(&lab.target()), old);
    assert_key_matches(&lab.target());
    assert_eq!(lab.reloads(), 2);
    lab.run(&["deploy", "--rollback", "mx"], None, &[]).code(0);
    assert_eq!(ee(&lab.target()), new);
}

#[test]
fn a_record_that_disappears_starts_its_clock_again() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let old = pki_ee("mx-p256");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[&old, &new]);
    lab.stage("mx-p256-newkey", &dns).code(1);
    drop(dns);
    let dns = zone(&[&old]);
    lab.run(&["deploy"], Some(&dns), &[]).code(1);
    drop(dns);
    wait_two_ttls();
    // Back again, but seen only from now: not yet.
    let dns = zone(&[&old, &new]);
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(0);
    assert!(r.stdout.contains("deployable from"), "{r:?}");
    assert_eq!(ee(&lab.target()), old);
}

#[test]
fn the_same_key_deploys_once_its_record_has_been_seen_for_two_ttls() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let old = pki_ee("mx-p256");
    let dns = zone(&[&old]);
    // The first look starts the clock, even for a record that was there before.
    let r = lab.stage("mx-p256-samekey", &dns);
    r.code(1);
    assert!(r.stdout.contains("deployable from"), "{r:?}");
    wait_two_ttls();
    let r = lab.stage("mx-p256-samekey", &dns);
    r.code(0);
    let same = std::fs::read_to_string(td("pki/mx-p256-samekey/cert.pem")).unwrap();
    let deployed = std::fs::read_to_string(lab.target()).unwrap();
    assert!(deployed.contains(same.trim()), "{deployed}");
    assert!(deployed.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert_key_matches(&lab.target());
    assert!(!r.stdout.contains("remove"), "{r:?}");
}

#[test]
fn a_crash_between_write_and_rename_leaves_the_old_file() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let before = std::fs::read(lab.target()).unwrap();
    let old = pki_ee("mx-p256");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[&old, &new]);
    lab.stage("mx-p256-newkey", &dns).code(1);
    wait_two_ttls();
    let r = lab.run(
        &["deploy"],
        Some(&dns),
        &[("DANEGUARD_FAULT", "before-rename")],
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert_eq!(std::fs::read(lab.target()).unwrap(), before);
    let leftovers = sh(&format!(
        "ls -A '{}' | grep -c daneguard- || true",
        lab.dir.path().display()
    ));
    assert_eq!(leftovers, "1", "the crash leaves its temporary file");
    assert!(lab.staged() && lab.reloads() == 0);
    // The next run deploys and clears the leftover.
    lab.run(&["deploy"], Some(&dns), &[]).code(0);
    assert_eq!(ee(&lab.target()), new);
    let leftovers = sh(&format!(
        "ls -A '{}' | grep -c daneguard- || true",
        lab.dir.path().display()
    ));
    assert_eq!(leftovers, "0");
}

#[test]
fn two_concurrent_deploys_deploy_once() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let old = pki_ee("mx-p256");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[&old, &new]);
    lab.stage("mx-p256-newkey", &dns).code(1);
    wait_two_ttls();
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| lab.run(&["deploy"], Some(&dns), &[])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let deployed = runs
        .iter()
        .filter(|r| r.stdout.contains("mx: deployed"))
        .count();
    assert_eq!(deployed, 1, "{runs:?}");
    assert!(runs.iter().all(|r| r.code == 0), "{runs:?}");
    assert_eq!(lab.reloads(), 1);
    assert_eq!(ee(&lab.target()), new);
}

#[test]
fn unreachable_dns_is_exit_2_and_keeps_the_old_file() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let before = std::fs::read(lab.target()).unwrap();
    let dns = zone(&[&pki_ee("mx-p256")]);
    let chain = td("pki/mx-p256-samekey/fullchain.pem")
        .display()
        .to_string();
    let key = td("pki/mx-p256-samekey/privkey.pem").display().to_string();
    let r = lab.run(
        &[
            "stage",
            "mx",
            "--chain",
            &chain,
            "--key",
            &key,
            "--resolver",
            "127.0.0.1:9",
            "--timeout",
            "1",
            "--trust-anchor",
            &dns.anchor.display().to_string(),
        ],
        None,
        &[],
    );
    r.code(2);
    assert!(r.stderr.starts_with("daneguard: error: "), "{r:?}");
    assert_eq!(r.stdout, "");
    assert_eq!(std::fs::read(lab.target()).unwrap(), before);
    assert!(
        lab.staged(),
        "the certificate stays staged for the next run"
    );
}

#[test]
fn a_bogus_or_unsigned_answer_is_exit_2_and_never_deploys() {
    // `_25._tcp.bad` in the standard test zone is tampered with after signing.
    let lab = Lab::new("\"bad.dane.test\"");
    lab.deployed("mx-p256");
    let before = std::fs::read(lab.target()).unwrap();
    let dns = dnsserver::start();
    let r = lab.stage("mx-p256-samekey", &dns);
    r.code(2);
    assert!(r.stderr.contains("fail DNSSEC validation"), "{r:?}");
    assert!(r.stderr.contains("not deployed"), "{r:?}");
    assert_eq!(std::fs::read(lab.target()).unwrap(), before);
    // A server without DNSSEC data, judged with the signed zone's trust anchor.
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let signed = dnsserver::start();
    let plain = dnsserver::start_unsigned();
    let chain = td("pki/mx-p256-samekey/fullchain.pem")
        .display()
        .to_string();
    let key = td("pki/mx-p256-samekey/privkey.pem").display().to_string();
    let r = lab.run(
        &[
            "stage",
            "mx",
            "--chain",
            &chain,
            "--key",
            &key,
            "--resolver",
            &plain.addr.to_string(),
            "--trust-anchor",
            &signed.anchor.display().to_string(),
            "--timeout",
            "2",
        ],
        None,
        &[],
    );
    r.code(2);
    assert_eq!(std::fs::read(lab.target()).unwrap(), before);
}

#[test]
fn bad_material_is_refused_before_staging() {
    let lab = Lab::new("\"mx.dane.test\"");
    let dns = zone(&[]);
    let args = |chain: &str, key: &str| {
        lab.run(
            &["stage", "mx", "--chain", chain, "--key", key],
            Some(&dns),
            &[],
        )
    };
    let p = |rel: &str| td(rel).display().to_string();
    let r = args(
        &p("pki/expired/fullchain.pem"),
        &p("pki/expired/privkey.pem"),
    );
    r.code(2);
    assert!(
        r.stderr.contains(
            "the leaf certificate expired on 2021-01-01T00:00:00Z; not staged, nothing was deployed"
        ),
        "{r:?}"
    );
    let r = args(&p("pki/notyet/fullchain.pem"), &p("pki/notyet/privkey.pem"));
    r.code(2);
    assert!(r.stderr.contains("is not valid before 2120-01-01"), "{r:?}");
    let r = args(
        &p("pki/mx-p256/fullchain.pem"),
        &p("pki/mx-p256-newkey/privkey.pem"),
    );
    r.code(2);
    assert!(
        r.stderr
            .contains("the private key does not belong to the leaf certificate"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("PRIVATE KEY-----"), "{r:?}");
    // A hook whose variables are unset passes empty arguments.
    let r = args("", "");
    r.fails_with("daneguard: error: --chain is empty: was the hook's variable for the full chain set? Nothing was staged");
    let r = args(&p("pki/mx-p256/fullchain.pem"), "");
    r.fails_with("daneguard: error: --key is empty: was the hook's variable for the private key set? Nothing was staged");
    assert!(!lab.staged() && !lab.target().exists());
    let r = lab.run(
        &[
            "stage",
            "nosuch",
            "--chain",
            &p("pki/mx-p256/fullchain.pem"),
        ],
        Some(&dns),
        &[],
    );
    r.fails_with(&format!(
        "daneguard: error: {}: has no [[certificate]] named 'nosuch'",
        lab.config.display()
    ));
}

#[test]
fn an_unusable_state_directory_is_exit_2() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    std::fs::write(lab.path("file"), "").unwrap();
    let dns = zone(&[&pki_ee("mx-p256")]);
    let chain = td("pki/mx-p256-samekey/fullchain.pem")
        .display()
        .to_string();
    let state = lab.path("file/state").display().to_string();
    let r = lab.run(
        &[
            "stage",
            "mx",
            "--chain",
            &chain,
            "--key",
            &td("pki/mx-p256-samekey/privkey.pem").display().to_string(),
            "--state-dir",
            &state,
        ],
        Some(&dns),
        &[],
    );
    r.code(2);
    assert!(r.stderr.contains("cannot use the state directory"), "{r:?}");
    assert!(r.stderr.contains("nothing was deployed"), "{r:?}");
    // A read-only state directory (a private read-only bind mount; root ignores modes).
    let script = format!(
        "mkdir -p '{s}' && mount --bind -o ro '{s}' '{s}' && exec \"$@\"",
        s = lab.path("ro").display()
    );
    let r = in_private_mount(
        &script,
        &lab,
        &[
            "stage",
            "mx",
            "--chain",
            &chain,
            "--key",
            &td("pki/mx-p256-samekey/privkey.pem").display().to_string(),
            "--state-dir",
            &lab.path("ro").display().to_string(),
        ],
        &dns,
    );
    r.code(2);
    assert!(r.stderr.contains("cannot use the state directory"), "{r:?}");
    assert!(r.stderr.contains("Read-only file system"), "{r:?}");
}

/// Runs daneguard in a private mount namespace after `script` set it up (`unshare`).
fn in_private_mount(script: &str, lab: &Lab, args: &[&str], dns: &TestDns) -> Run {
    let mut all: Vec<String> = vec![
        "-rm".into(),
        "sh".into(),
        "-c".into(),
        script.into(),
        "sh".into(),
        env!("CARGO_BIN_EXE_daneguard").into(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    all.extend(["--config".into(), lab.config.display().to_string()]);
    all.extend(dns.args());
    let out = std::process::Command::new("unshare")
        .args(&all)
        .env("NO_COLOR", "1")
        .output()
        .expect("unshare runs (util-linux)");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

#[test]
fn a_full_disk_keeps_the_old_file_and_the_staged_certificate() {
    let lab = Lab::with("\"mx.dane.test\"", "");
    std::fs::create_dir(lab.path("full")).unwrap();
    // The deployment target lives on a 16 KiB tmpfs that is filled before deploying.
    let config = std::fs::read_to_string(&lab.config)
        .unwrap()
        .replace("/mx.pem\"", "/full/mx.pem\"");
    std::fs::write(&lab.config, config).unwrap();
    let old = pki_ee("mx-p256");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[&old, &new]);
    lab.stage("mx-p256-newkey", &dns).code(1);
    wait_two_ttls();
    let full = lab.path("full").display().to_string();
    let key = td("pki/mx-p256/privkey.pem").display().to_string();
    let chain = td("pki/mx-p256/fullchain.pem").display().to_string();
    let script = format!(
        "mount -t tmpfs -o size=16k tmpfs '{full}' && cat '{key}' '{chain}' > '{full}/mx.pem' && (dd if=/dev/zero of='{full}/fill' bs=1k count=64 2>/dev/null; true) && \"$@\"; s=$?; cat '{full}/mx.pem' > '{full}/../after.pem'; exit $s"
    );
    let r = in_private_mount(&script, &lab, &["deploy"], &dns);
    r.code(2);
    assert!(r.stderr.contains("cannot write"), "{r:?}");
    assert!(r.stderr.contains("No space left on device"), "{r:?}");
    assert!(
        r.stderr
            .contains("the old file is unchanged and the certificate stays staged"),
        "{r:?}"
    );
    assert_eq!(ee(&lab.path("after.pem")), old);
    assert!(lab.staged() && lab.reloads() == 0);
}

#[test]
fn certbot_hook_with_a_configured_lineage_stages() {
    let lineage = td("letsencrypt-dir/live/mx-newkey").display().to_string();
    let lab = Lab::with("\"mx.dane.test\"", &format!("lineage = \"{lineage}\"\n"));
    lab.deployed("mx-p256");
    let old = pki_ee("mx-p256");
    let dns = zone(&[&old]);
    let r = lab.run(
        &["certbot-hook"],
        Some(&dns),
        &[
            ("RENEWED_LINEAGE", &lineage),
            ("RENEWED_DOMAINS", "mx.example.com"),
        ],
    );
    r.code(1);
    let new = ee(&td("letsencrypt-dir/archive/mx-newkey/cert2.pem"));
    assert!(
        r.stdout
            .contains(&format!("_25._tcp.mx.dane.test. 1 IN TLSA 3 1 1 {new}\n")),
        "{r:?}"
    );
    assert!(lab.staged());
    assert_eq!(ee(&lab.target()), old);
    // Without RENEWED_LINEAGE the hook stages nothing.
    let r = lab.run(&["certbot-hook"], Some(&dns), &[]);
    r.code(2);
    // Offline record sources cannot decide a deployment.
    let records = td("renewal/p256-ee.records").display().to_string();
    let r = lab.run(
        &["certbot-hook", "--records", &records],
        Some(&dns),
        &[("RENEWED_LINEAGE", &lineage)],
    );
    r.code(2);
    assert!(
        r.stderr
            .contains("--host, --zone and --records do not apply"),
        "{r:?}"
    );
}

#[test]
fn config_check_names_the_line_of_an_unknown_key() {
    let lab = Lab::new("\"mx.dane.test\"");
    let r = lab.run(&["config", "check"], None, &[]);
    r.code(0);
    let d = lab.dir.path().display();
    assert_eq!(
        r.stdout,
        format!(
            "{c}: ok\ncertificate mx: deploy {d}/mx.pem, hosts mx.dane.test, ports 25, reload 'echo reloaded >> '{d}/reload.log''\n",
            c = lab.config.display()
        )
    );
    let text = std::fs::read_to_string(&lab.config).unwrap() + "reload_command = \"x\"\n";
    std::fs::write(&lab.config, text).unwrap();
    let r = lab.run(&["config", "check"], None, &[]);
    r.code(2);
    assert!(
        r.stderr.starts_with(&format!(
            "daneguard: error: {}: line 11: unknown field `reload_command`",
            lab.config.display()
        )),
        "{r:?}"
    );
}

/// Replaces the reload command of a lab's configuration.
fn set_reload(lab: &Lab, command: &str) {
    let text = std::fs::read_to_string(&lab.config).unwrap();
    let start = text.find("reload = ").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let text = format!("{}reload = \"{command}\"{}", &text[..start], &text[end..]);
    std::fs::write(&lab.config, text).unwrap();
}

#[test]
fn a_next_key_is_published_first_then_certbot_is_told_and_its_certificate_deploys_at_once() {
    let lab = Lab::with("\"mx.dane.test\"", "lineage = \"le/live/mx\"\n");
    lab.deployed("mx-p256");
    let old = pki_ee("mx-p256");
    let new = pki_ee("mx-p256-newkey");
    let key_file = td("pki/mx-p256-newkey/privkey.pem").display().to_string();
    let stage_key =
        |dns: &TestDns| lab.run(&["stage", "mx", "--next-key", &key_file], Some(dns), &[]);
    let dns = zone(&[&old]);
    let r = stage_key(&dns);
    r.code(1);
    assert!(r.stdout.starts_with("mx: next key staged: no published record at _25._tcp.mx.dane.test. matches it; publish these next to the current records (keep those until the new certificate is deployed); 'daneguard deploy' reports it usable 2 × TTL (2 s) after it first sees them:\n"), "{r:?}");
    assert!(
        r.stdout
            .ends_with(&format!("_25._tcp.mx.dane.test. 1 IN TLSA 3 1 1 {new}\n")),
        "{r:?}"
    );
    // Stored privately, never printed; the deployed file is untouched.
    let stored = lab.path("state/mx/next-key.pem");
    assert_eq!(sh(&format!("stat -c %a '{}'", stored.display())), "600");
    let key_text = std::fs::read_to_string(&key_file).unwrap();
    let body = key_text.lines().nth(1).unwrap();
    assert!(!r.stdout.contains(body) && !r.stderr.contains(body) && !r.stdout.contains("PRIVATE"));
    assert_eq!(ee(&lab.target()), old);
    // deploy reports it on every run; nothing published yet is exit 1.
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(1);
    assert!(
        r.stdout
            .contains("mx: next key staged: no published record"),
        "{r:?}"
    );
    drop(dns);
    let dns = zone(&[&old, &new]);
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(0);
    assert!(
        r.stdout.starts_with(
            "mx: next key staged: _25._tcp.mx.dane.test. publishes its record; usable from "
        ),
        "{r:?}"
    );
    wait_two_ttls();
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    let d = lab.dir.path().display();
    r.exact(0, &format!("mx: the next key (ECDSA P-256) has its records published long enough; a certificate for it is deployed as soon as it is staged\nmx: have certbot sign its next certificate with it (its deploy hook stages it):\n  install -m 0600 {d}/state/mx/next-key.pem \"$(readlink -f {d}/le/live/mx/privkey.pem)\" && certbot renew --config-dir {d}/le --cert-name mx --force-renewal --reuse-key --key-type ecdsa --elliptic-curve secp256r1\n"), "");
    // The old key's record has not been called stale before the switch.
    assert!(!r.stdout.contains("remove"));
    // The certificate for the next key is deployed at once; the rollover ends.
    let r = lab.stage("mx-p256-newkey", &dns);
    r.code(0);
    assert!(
        r.stdout
            .contains("mx: the deployed certificate uses the next key: rollover complete\n"),
        "{r:?}"
    );
    assert!(
        r.stdout.ends_with(&format!(
            "mx: _25._tcp.mx.dane.test. 3 1 1 {old} matches nothing deployed: remove\n"
        )),
        "{r:?}"
    );
    assert_eq!(ee(&lab.target()), new);
    assert_key_matches(&lab.target());
    assert!(!stored.exists());
    lab.run(&["deploy"], Some(&dns), &[]).exact(0, "", "");
}

#[test]
fn a_next_key_that_is_no_key_or_already_deployed_is_refused_and_a_second_replaces_the_first() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    let dns = zone(&[&pki_ee("mx-p256")]);
    for (file, why) in [
        (
            "pki/mx-p256/fullchain.pem",
            "holds certificates too: give the next private key alone; nothing was staged",
        ),
        (
            "pki/mx-p256/privkey.pem",
            "is the key of the certificate deployed at ",
        ),
    ] {
        let path = td(file).display().to_string();
        let r = lab.run(&["stage", "mx", "--next-key", &path], Some(&dns), &[]);
        r.code(2);
        assert!(r.stderr.contains(&format!("{path}: {why}")), "{r:?}");
        assert!(!lab.path("state/mx/next-key.pem").exists());
    }
    // A second next key replaces the first, with a note.
    let first = td("pki/mx-p256-newkey/privkey.pem").display().to_string();
    let second = td("pki/mx-p384/privkey.pem").display().to_string();
    lab.run(&["stage", "mx", "--next-key", &first], Some(&dns), &[])
        .code(1);
    let r = lab.run(&["stage", "mx", "--next-key", &second], Some(&dns), &[]);
    r.code(1);
    assert!(
        r.stderr.contains("mx: replaces the next key staged before"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains(&format!("3 1 1 {}", pki_ee("mx-p384"))),
        "{r:?}"
    );
    std::fs::remove_file(lab.path("state/mx/next-key.pem")).unwrap();
    let r = lab.run(&["stage", "mx", "--next-key", ""], Some(&dns), &[]);
    r.code(2);
    assert!(r.stderr.contains("--next-key is empty"), "{r:?}");
    let chain = td("pki/mx-p256/fullchain.pem").display().to_string();
    let key = td("pki/mx-p256-newkey/privkey.pem").display().to_string();
    lab.run(
        &["stage", "mx", "--chain", &chain, "--next-key", &key],
        Some(&dns),
        &[],
    )
    .code(2);
}

#[test]
fn a_failing_reload_names_the_certificate_once_and_says_the_file_was_deployed() {
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256");
    set_reload(&lab, "echo no server >&2; false");
    let old = pki_ee("mx-p256");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[&old, &new]);
    lab.stage("mx-p256-newkey", &dns).code(1);
    wait_two_ttls();
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(2);
    let target = lab.target().display().to_string();
    assert_eq!(
        r.stderr,
        format!(
            "no server\ndaneguard: error: mx: deployed {target} (the previous file is kept for 'deploy --rollback mx'), but the reload command 'echo no server >&2; false' failed (exit status: 1): a running server may still present the old certificate; keep the old TLSA records until 'echo no server >&2; false' has succeeded\n"
        ),
        "{r:?}"
    );
    // Deployed, and no stale-record advice while the server may serve the old one.
    assert_eq!(ee(&lab.target()), new);
    assert!(!r.stdout.contains("remove"), "{r:?}");
    assert!(!lab.staged());
}

#[test]
fn a_first_deployment_deploys_even_when_the_server_is_not_running() {
    let lab = Lab::new("\"mx.dane.test\"");
    set_reload(&lab, "false");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[&new]);
    lab.stage("mx-p256-newkey", &dns).code(1);
    assert!(!lab.target().exists());
    wait_two_ttls();
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(0);
    let target = lab.target().display().to_string();
    assert!(
        r.stdout.starts_with(&format!("mx: deployed {target} (")),
        "{r:?}"
    );
    assert!(r.stderr.contains(&format!("mx: first deployment of {target}; the reload command 'false' failed (exit status: 1), as it does when the server is not running: the server reads {target} when it starts")), "{r:?}");
    assert_eq!(ee(&lab.target()), new);
    assert_key_matches(&lab.target());
}

#[test]
fn advice_without_a_published_rrset_invents_no_ttl() {
    let lab = Lab::new("\"mx.dane.test\"");
    let new = pki_ee("mx-p256-newkey");
    let dns = zone(&[]);
    let r = lab.stage("mx-p256-newkey", &dns);
    r.code(1);
    assert!(r.stdout.contains("matches the new certificate; publish these, then 'daneguard deploy' switches 2 × the TTL the zone gives them after it first sees them:\n"), "{r:?}");
    assert!(
        r.stdout
            .contains(&format!("\n_25._tcp.mx.dane.test. IN TLSA 3 1 1 {new}\n")),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains("3600") && !r.stdout.contains(" 0 s"),
        "{r:?}"
    );
    // certbot-hook staging a configured lineage gives the same advice.
    let lineage = td("letsencrypt-dir/live/mx-newkey").display().to_string();
    let lab = Lab::with("\"mx.dane.test\"", &format!("lineage = \"{lineage}\"\n"));
    let r = lab.run(
        &["certbot-hook"],
        Some(&dns),
        &[("RENEWED_LINEAGE", &lineage)],
    );
    r.code(1);
    assert!(
        r.stdout
            .contains("2 × the TTL the zone gives them after it first sees them:\n"),
        "{r:?}"
    );
    assert!(
        !r.stdout.contains("3600") && !r.stdout.contains(" 0 s"),
        "{r:?}"
    );
}

#[test]
fn a_next_key_without_hosts_or_a_deployed_certificate_asks_for_hosts() {
    let lab = Lab::new("");
    let dns = zone(&[]);
    let key = td("pki/mx-p256-newkey/privkey.pem").display().to_string();
    let r = lab.run(&["stage", "mx", "--next-key", &key], Some(&dns), &[]);
    r.fails_with("daneguard: error: mx: no certificate is deployed yet to take the host names from; set hosts = [...] in its [[certificate]]");
    assert!(
        !lab.path("state/mx/next-key.pem").exists(),
        "nothing staged"
    );
}

#[test]
fn a_next_key_already_deployed_ends_the_rollover_on_the_next_run() {
    // As left by a run that deployed but could not remove next-key.pem.
    let lab = Lab::new("\"mx.dane.test\"");
    lab.deployed("mx-p256-newkey");
    std::fs::create_dir_all(lab.path("state/mx")).unwrap();
    std::fs::copy(
        td("pki/mx-p256-newkey/privkey.pem"),
        lab.path("state/mx/next-key.pem"),
    )
    .unwrap();
    let dns = zone(&[&pki_ee("mx-p256-newkey")]);
    lab.run(&["deploy"], Some(&dns), &[]).exact(
        0,
        "mx: the deployed certificate uses the next key: rollover complete\n",
        "",
    );
    assert!(!lab.path("state/mx/next-key.pem").exists());
    lab.run(&["deploy"], Some(&dns), &[]).exact(0, "", "");
}

/// `key_file` and `chain_file`: the same deployment once more as two files (key 0600,
/// chain 0644), renamed into place together with the combined file, and rolled back
/// with it; a server started on the pair presents the new key, then the old one again.
#[test]
fn separate_key_and_chain_files_are_deployed_and_rolled_back_with_the_combined_file() {
    let lab = Lab::with(
        "\"mx.dane.test\"",
        "key_file = \"mx.key\"\nchain_file = \"mx.crt\"\n",
    );
    lab.deployed("mx-p256");
    let (old, new) = (pki_ee("mx-p256"), pki_ee("mx-p256-newkey"));
    let dns = zone(&[&old, &new]);
    lab.stage("mx-p256-newkey", &dns).code(1);
    wait_two_ttls();
    let r = lab.run(&["deploy"], Some(&dns), &[]);
    r.code(0);
    let (key, crt) = (lab.path("mx.key"), lab.path("mx.crt"));
    assert!(
        r.stdout.contains(&format!(
            "mx: deployed {} and {} + {} (",
            lab.target().display(),
            key.display(),
            crt.display()
        )),
        "{r:?}"
    );
    let mode = |p: &Path| sh(&format!("stat -c %a '{}'", p.display()));
    assert_eq!((mode(&key), mode(&crt)), ("600".into(), "644".into()));
    let key_text = std::fs::read_to_string(&key).unwrap();
    let crt_text = std::fs::read_to_string(&crt).unwrap();
    assert!(!key_text.contains("CERTIFICATE") && key_text.contains("PRIVATE KEY"));
    assert!(!crt_text.contains("PRIVATE KEY"));
    assert_eq!(crt_text.matches("BEGIN CERTIFICATE").count(), 2);
    assert_eq!(ee(&crt), new);
    assert_eq!(presented_from(&crt, &key), new);
    assert_eq!(presented(&lab.target()), new);

    let r = lab.run(&["deploy", "--rollback", "mx"], Some(&dns), &[]);
    r.code(0);
    assert!(r.stdout.contains(" and "), "{r:?}");
    assert_eq!(presented_from(&crt, &key), old);
    assert_eq!(ee(&lab.target()), old);
}

#[test]
fn key_file_without_chain_file_is_a_config_error() {
    let lab = Lab::with("\"mx.dane.test\"", "key_file = \"mx.key\"\n");
    let r = lab.run(&["config", "check"], None, &[]);
    r.code(2);
    assert!(
        r.stderr
            .contains("certificate 'mx': key_file and chain_file go together"),
        "{r:?}"
    );
    let lab = Lab::with(
        "\"mx.dane.test\"",
        "key_file = \"mx.pem\"\nchain_file = \"mx.crt\"\n",
    );
    let r = lab.run(&["config", "check"], None, &[]);
    r.code(2);
    assert!(
        r.stderr.contains(
            "certificate 'mx': deploy, key_file and chain_file must be three different files"
        ),
        "{r:?}"
    );
}
