//! The real ACME clients from Debian (certbot, lego, dehydrated) against pebble on
//! 127.0.0.1, each wired to daneguard exactly as the README's "Safe renewals" recipes
//! say, with DNS answered by the in-process signed server (TTL 1). Each client issues
//! once, renews with the same key and renews with a new key; what a TLS server started
//! on the deployed file presents is read back with openssl.
//!
//! `.ci/test` sets DANEGUARD_INTEROP=1 and installs the clients; then these tests fail,
//! never skip, when a client or pebble is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::deploy::presented;
use crate::dnsserver::{self, TestDns};
use crate::util::{openssl_tlsa, run_with};

/// Whether `cmds` are installed; panics when DANEGUARD_INTEROP requires them.
fn have(cmds: &[&str]) -> bool {
    let missing: Vec<&&str> = cmds
        .iter()
        .filter(|c| {
            !Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {c}"))
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("DANEGUARD_INTEROP").is_none(),
        "DANEGUARD_INTEROP is set but {missing:?} are missing; run .ci/test"
    );
    eprintln!("note: {missing:?} not installed; ACME client tests check nothing (run .ci/test)");
    false
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// pebble with a fresh TLS certificate for 127.0.0.1 that clients are told to trust.
struct Pebble {
    url: String,
    ca: PathBuf,
    child: Child,
}

impl Drop for Pebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sh_ok(script: &str) {
    let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert!(
        out.status.success(),
        "`{script}` failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn start_pebble(dir: &Path) -> Pebble {
    let d = dir.display();
    sh_ok(&format!(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout '{d}/pebble.key' -out '{d}/pebble.pem' -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost 2>/dev/null"
    ));
    let port = free_port();
    let config = format!(
        r#"{{"pebble":{{"listenAddress":"127.0.0.1:{port}","managementListenAddress":"127.0.0.1:{}","certificate":"{d}/pebble.pem","privateKey":"{d}/pebble.key","httpPort":{},"tlsPort":{},"ocspResponderURL":"","externalAccountBindingRequired":false}}}}"#,
        free_port(),
        free_port(),
        free_port()
    );
    std::fs::write(dir.join("pebble.json"), config).unwrap();
    let child = Command::new("pebble")
        .arg("-config")
        .arg(dir.join("pebble.json"))
        .env("PEBBLE_VA_ALWAYS_VALID", "1")
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pebble starts");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Pebble {
        url: format!("https://127.0.0.1:{port}/dir"),
        ca: dir.join("pebble.pem"),
        child,
    }
}

/// The daneguard side: configuration (with the current DNS server), state, target.
struct Site {
    dir: PathBuf,
    name: String,
    lineage: Option<String>,
}

impl Site {
    fn config(&self) -> PathBuf {
        self.dir.join("daneguard.toml")
    }

    fn target(&self) -> PathBuf {
        self.dir.join("mx.pem")
    }

    /// Points the configuration at `dns` (its address and trust anchor).
    fn use_dns(&self, dns: &TestDns) {
        let d = self.dir.display();
        let lineage = self
            .lineage
            .as_ref()
            .map(|l| format!("lineage = \"{l}\"\n"))
            .unwrap_or_default();
        std::fs::write(
            self.config(),
            format!(
                "state_dir = \"{d}/state\"\n\n[dns]\nresolvers = [\"{}\"]\ntrust_anchor = \"{}\"\nevery_server = false\n\n[[certificate]]\nname = \"{}\"\n{lineage}hosts = [\"mx.dane.test\"]\ndeploy = \"{d}/mx.pem\"\nreload = \"echo reloaded >> '{d}/reload.log'\"\n",
                dns.addr,
                dns.anchor.display(),
                self.name
            ),
        )
        .unwrap();
    }

    fn deploy(&self) -> crate::util::Run {
        let config = self.config().display().to_string();
        run_with(&["deploy", "--config", &config], None, &[])
    }

    fn staged(&self) -> bool {
        self.dir
            .join(format!("state/{}/staged.pem", self.name))
            .exists()
    }

    fn deployed_ee(&self) -> Option<String> {
        self.target()
            .exists()
            .then(|| openssl_tlsa(&self.target(), 1, 1))
    }
}

/// A signed `dane.test.` publishing these `3 1 1` data for `mx`, TTL 1.
fn zone(ee: &[&str]) -> TestDns {
    let mut text = String::from(
        "$ORIGIN dane.test.\n$TTL 1\n@ IN SOA ns.dane.test. hostmaster.dane.test. 1 60 60 86400 1\n@ IN NS ns.dane.test.\nns IN A 127.0.0.1\nmx IN A 127.0.0.1\n",
    );
    for data in ee {
        text.push_str(&format!("_25._tcp.mx 1 IN TLSA 3 1 1 {data}\n"));
    }
    dnsserver::start_zone(&text)
}

/// An ACME client wired to daneguard; `latest()` is its current certificate file.
trait Client {
    fn issue(&self, site: &Site);
    fn renew(&self, site: &Site, reuse_key: bool);
    fn latest(&self) -> PathBuf;
}

/// The whole life of a certificate: issue, publish, deploy; renew with the same key
/// (deployed at once); renew with a new key (held back until its record is published).
fn lifecycle(client: &dyn Client, site: &Site) {
    // No TLSA record yet: the first certificate stays staged.
    let dns = zone(&[]);
    site.use_dns(&dns);
    client.issue(site);
    assert!(site.staged(), "the hook staged the first certificate");
    assert_eq!(site.deployed_ee(), None);
    let first = openssl_tlsa(&client.latest(), 1, 1);
    drop(dns);
    // The record is published: deployed 2 × TTL after daneguard first sees it.
    let dns = zone(&[&first]);
    site.use_dns(&dns);
    site.deploy().code(0);
    assert_eq!(site.deployed_ee(), None);
    std::thread::sleep(Duration::from_millis(2100));
    site.deploy().code(0);
    assert_eq!(site.deployed_ee().as_deref(), Some(first.as_str()));
    assert!(!site.staged());
    // Same key: the published record has been seen long enough, deployed by the hook.
    let before = std::fs::read(site.target()).unwrap();
    client.renew(site, true);
    assert_eq!(openssl_tlsa(&client.latest(), 1, 1), first, "key reused");
    assert!(
        !site.staged(),
        "a renewal with the same key is deployed at once"
    );
    assert_ne!(
        std::fs::read(site.target()).unwrap(),
        before,
        "the new certificate is deployed"
    );
    assert_eq!(presented(&site.target()), first);
    // New key: held back, the server keeps presenting the old key.
    client.renew(site, false);
    let second = openssl_tlsa(&client.latest(), 1, 1);
    assert_ne!(second, first, "a new key");
    assert!(site.staged());
    assert_eq!(site.deployed_ee().as_deref(), Some(first.as_str()));
    assert_eq!(presented(&site.target()), first);
    site.deploy().code(1);
    drop(dns);
    // Its record is published: after 2 × TTL the new certificate goes live.
    let dns = zone(&[&first, &second]);
    site.use_dns(&dns);
    site.deploy().code(0);
    std::thread::sleep(Duration::from_millis(2100));
    let r = site.deploy();
    r.code(0);
    assert!(
        r.stdout
            .contains(&format!("3 1 1 {first} matches nothing deployed: remove")),
        "{r:?}"
    );
    assert_eq!(presented(&site.target()), second);
}

fn daneguard() -> &'static str {
    env!("CARGO_BIN_EXE_daneguard")
}

struct Certbot<'a> {
    pebble: &'a Pebble,
    dir: PathBuf,
}

impl Certbot<'_> {
    fn run(&self, args: &[&str]) {
        let d = self.dir.display();
        let dirs = format!("--config-dir {d}/le --work-dir {d}/work --logs-dir {d}/logs");
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("certbot {dirs} {} 2>&1", args.join(" ")))
            .env("REQUESTS_CA_BUNDLE", &self.pebble.ca)
            .output()
            .unwrap();
        // A hook that exits 1 (certificate staged, not deployed) is reported by certbot
        // but does not undo the renewal; the assertions look at the files.
        let _ = out;
    }
}

impl Client for Certbot<'_> {
    fn issue(&self, site: &Site) {
        self.issue_with(site, "");
    }

    fn renew(&self, _site: &Site, reuse_key: bool) {
        let key = if reuse_key {
            "--reuse-key"
        } else {
            "--no-reuse-key"
        };
        self.run(&[
            "renew --cert-name mx --force-renewal --no-random-sleep-on-renew",
            &format!("--http-01-port {}", free_port()),
            key,
        ]);
    }

    fn latest(&self) -> PathBuf {
        self.dir.join("le/live/mx/cert.pem")
    }
}

impl Certbot<'_> {
    fn issue_with(&self, site: &Site, extra: &str) {
        // README: certbot ... --deploy-hook 'daneguard certbot-hook'
        let hook = format!(
            "'{} certbot-hook --config {}'",
            daneguard(),
            site.config().display()
        );
        self.run(&[
            "certonly --non-interactive --agree-tos -m t@example.com --no-eff-email",
            &format!("--server {}", self.pebble.url),
            &format!(
                "--standalone --http-01-address 127.0.0.1 --http-01-port {}",
                free_port()
            ),
            "--key-type ecdsa -d mx.dane.test --cert-name mx",
            &format!("--deploy-hook {hook}"),
            extra,
        ]);
    }
}

#[test]
fn certbot_renewals_are_staged_and_deployed_only_when_published() {
    if !have(&["certbot", "pebble", "openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pebble = start_pebble(dir.path());
    let certbot = Certbot {
        pebble: &pebble,
        dir: dir.path().join("certbot"),
    };
    let site = Site {
        dir: dir.path().to_path_buf(),
        name: "mx".into(),
        lineage: Some(dir.path().join("certbot/le/live/mx").display().to_string()),
    };
    lifecycle(&certbot, &site);
}

/// README "Rotating a reused key": with `reuse_key = True` kept, a key made ahead of
/// time is staged, its record published, and the certbot command daneguard prints
/// (run as printed, plus this test's own certbot directories and port) renews with it;
/// the hook deploys that certificate at once.
#[test]
fn certbot_with_reuse_key_rotates_to_a_staged_next_key() {
    if !have(&["certbot", "pebble", "openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pebble = start_pebble(dir.path());
    let certbot = Certbot {
        pebble: &pebble,
        dir: dir.path().join("certbot"),
    };
    let site = Site {
        dir: dir.path().to_path_buf(),
        name: "mx".into(),
        lineage: Some(dir.path().join("certbot/le/live/mx").display().to_string()),
    };
    let dns = zone(&[]);
    site.use_dns(&dns);
    certbot.issue_with(&site, "--reuse-key");
    let first = openssl_tlsa(&certbot.latest(), 1, 1);
    drop(dns);
    let dns = zone(&[&first]);
    site.use_dns(&dns);
    site.deploy().code(0);
    std::thread::sleep(Duration::from_millis(2100));
    site.deploy().code(0);
    assert_eq!(presented(&site.target()), first);
    // The next key: staged, its record printed, nothing deployed.
    let next_key = dir.path().join("next.key");
    sh_ok(&format!(
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '{}'",
        next_key.display()
    ));
    let next = crate::util::sh(&format!(
        "openssl pkey -in '{}' -pubout -outform DER | openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \\n'",
        next_key.display()
    ));
    let config = site.config().display().to_string();
    let key_arg = next_key.display().to_string();
    let r = run_with(
        &["stage", "mx", "--next-key", &key_arg, "--config", &config],
        None,
        &[],
    );
    r.code(1);
    assert!(
        r.stdout.contains(&format!("IN TLSA 3 1 1 {next}\n")),
        "{r:?}"
    );
    drop(dns);
    // Published: usable 2 × TTL after daneguard first sees it; then the command.
    let dns = zone(&[&first, &next]);
    site.use_dns(&dns);
    site.deploy().code(0);
    std::thread::sleep(Duration::from_millis(2100));
    let r = site.deploy();
    r.code(0);
    let command = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("  install -m 0600 "))
        .unwrap_or_else(|| panic!("no certbot command: {r:?}"));
    assert_eq!(presented(&site.target()), first, "nothing deployed yet");
    let d = certbot.dir.display();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "install -m 0600 {command} --work-dir {d}/work --logs-dir {d}/logs --http-01-port {} --no-random-sleep-on-renew 2>&1",
            free_port()
        ))
        .env("REQUESTS_CA_BUNDLE", &pebble.ca)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{log}");
    // certbot signed for the next key; its hook deployed that at once.
    assert_eq!(openssl_tlsa(&certbot.latest(), 1, 1), next, "{log}");
    assert_eq!(presented(&site.target()), next, "{log}");
    assert!(!dir.path().join("state/mx/next-key.pem").exists());
    let conf = std::fs::read_to_string(certbot.dir.join("le/renewal/mx.conf")).unwrap();
    assert!(conf.contains("reuse_key = True"), "{conf}");
    // Later renewals keep reusing the new key.
    certbot.renew(&site, true);
    assert_eq!(openssl_tlsa(&certbot.latest(), 1, 1), next);
    assert_eq!(presented(&site.target()), next);
}

struct Lego<'a> {
    pebble: &'a Pebble,
    dir: PathBuf,
}

impl Lego<'_> {
    /// README: a hook script, because lego runs the hook without a shell.
    fn hook(&self, site: &Site) -> PathBuf {
        let path = self.dir.join("daneguard-lego-hook");
        std::fs::create_dir_all(&self.dir).unwrap();
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\nexec {} stage {} --config {} --chain \"$LEGO_CERT_PATH\" --key \"$LEGO_CERT_KEY_PATH\"\n",
                daneguard(),
                site.name,
                site.config().display()
            ),
        )
        .unwrap();
        sh_ok(&format!("chmod 755 '{}'", path.display()));
        path
    }

    fn run(&self, args: &str) {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "lego --server {} --email t@example.com --accept-tos --domains mx.dane.test --http --http.port 127.0.0.1:{} --path {} --key-type ec256 {args} 2>&1",
                self.pebble.url,
                free_port(),
                self.dir.display()
            ))
            .env("LEGO_CA_CERTIFICATES", &self.pebble.ca)
            .output()
            .unwrap();
        let _ = out;
    }
}

impl Client for Lego<'_> {
    fn issue(&self, site: &Site) {
        let hook = self.hook(site);
        self.run(&format!("run --run-hook {}", hook.display()));
    }

    fn renew(&self, site: &Site, reuse_key: bool) {
        let hook = self.hook(site);
        let reuse = if reuse_key { "--reuse-key" } else { "" };
        self.run(&format!(
            "renew --days 3000 --no-random-sleep {reuse} --renew-hook {}",
            hook.display()
        ));
    }

    fn latest(&self) -> PathBuf {
        self.dir.join("certificates/mx.dane.test.crt")
    }
}

#[test]
fn lego_renewals_are_staged_and_deployed_only_when_published() {
    if !have(&["lego", "pebble", "openssl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pebble = start_pebble(dir.path());
    let lego = Lego {
        pebble: &pebble,
        dir: dir.path().join("lego"),
    };
    let site = Site {
        dir: dir.path().to_path_buf(),
        name: "mx".into(),
        lineage: None,
    };
    lifecycle(&lego, &site);
}

struct Dehydrated<'a> {
    pebble: &'a Pebble,
    dir: PathBuf,
}

impl Dehydrated<'_> {
    fn run(&self, site: &Site, reuse_key: bool, args: &str) {
        let d = self.dir.display();
        std::fs::create_dir_all(self.dir.join("wk")).unwrap();
        // README: the deploy_cert case of a dehydrated hook script.
        std::fs::write(
            self.dir.join("hook.sh"),
            format!(
                "#!/bin/sh\ncase \"$1\" in\n  deploy_cert) {} stage \"$2\" --config {} --chain \"$5\" --key \"$3\" ;;\nesac\nexit 0\n",
                daneguard(),
                site.config().display()
            ),
        )
        .unwrap();
        sh_ok(&format!("chmod 755 '{d}/hook.sh'"));
        let renew = if reuse_key { "no" } else { "yes" };
        std::fs::write(
            self.dir.join("config"),
            format!(
                "CA=\"{}\"\nBASEDIR=\"{d}\"\nCHALLENGETYPE=http-01\nWELLKNOWN=\"{d}/wk\"\nHOOK=\"{d}/hook.sh\"\nKEY_ALGO=prime256v1\nCONTACT_EMAIL=t@example.com\nPRIVATE_KEY_RENEW=\"{renew}\"\n",
                self.pebble.url
            ),
        )
        .unwrap();
        std::fs::write(self.dir.join("domains.txt"), "mx.dane.test\n").unwrap();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("dehydrated --config '{d}/config' {args} 2>&1"))
            .env("CURL_CA_BUNDLE", &self.pebble.ca)
            .output()
            .unwrap();
        let _ = out;
    }
}

impl Client for Dehydrated<'_> {
    fn issue(&self, site: &Site) {
        self.run(site, false, "--register --accept-terms");
        self.run(site, false, "-c");
    }

    fn renew(&self, site: &Site, reuse_key: bool) {
        self.run(site, reuse_key, "-c --force");
    }

    fn latest(&self) -> PathBuf {
        self.dir.join("certs/mx.dane.test/cert.pem")
    }
}

#[test]
fn dehydrated_renewals_are_staged_and_deployed_only_when_published() {
    if !have(&["dehydrated", "pebble", "openssl", "curl"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pebble = start_pebble(dir.path());
    let client = Dehydrated {
        pebble: &pebble,
        dir: dir.path().join("dehydrated"),
    };
    // dehydrated's hook names the certificate by its domain.
    let site = Site {
        dir: dir.path().to_path_buf(),
        name: "mx.dane.test".into(),
        lineage: None,
    };
    lifecycle(&client, &site);
}

/// acme.sh is not packaged: its `--reloadcmd` is run the way acme.sh's `_installcert`
/// runs it — `eval` in a subshell inside the domain directory with CERT_PATH,
/// CERT_KEY_PATH, CA_CERT_PATH, CERT_FULLCHAIN_PATH and Le_Domain exported.
#[test]
fn acme_sh_reloadcmd_stages_with_its_variables() {
    let dir = tempfile::tempdir().unwrap();
    let domain = dir.path().join("mx.dane.test_ecc");
    std::fs::create_dir(&domain).unwrap();
    let pki = crate::util::td("pki/mx-p256-newkey");
    for (src, dst) in [
        ("cert.pem", "mx.dane.test.cer"),
        ("privkey.pem", "mx.dane.test.key"),
        ("chain.pem", "ca.cer"),
        ("fullchain.pem", "fullchain.cer"),
    ] {
        std::fs::copy(pki.join(src), domain.join(dst)).unwrap();
    }
    let old = openssl_tlsa(&crate::util::td("pki/mx-p256/cert.pem"), 1, 1);
    let dns = zone(&[&old]);
    let site = Site {
        dir: dir.path().to_path_buf(),
        name: "mx".into(),
        lineage: None,
    };
    site.use_dns(&dns);
    // README: acme.sh --install-cert -d mx.dane.test --reloadcmd '…'
    let reloadcmd = format!(
        "{} stage mx --config {} --chain \"$CERT_FULLCHAIN_PATH\" --key \"$CERT_KEY_PATH\"",
        daneguard(),
        site.config().display()
    );
    let d = domain.display();
    let script = format!(
        "CERT_PATH='{d}/mx.dane.test.cer'; CERT_KEY_PATH='{d}/mx.dane.test.key'; CA_CERT_PATH='{d}/ca.cer'; CERT_FULLCHAIN_PATH='{d}/fullchain.cer'; _reload_cmd=\"$1\"; ( export CERT_PATH; export CERT_KEY_PATH; export CA_CERT_PATH; export CERT_FULLCHAIN_PATH; export Le_Domain=mx.dane.test; cd '{d}' && eval \"$_reload_cmd\" )"
    );
    let out = Command::new("sh")
        .args(["-c", &script, "sh", &reloadcmd])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let new = openssl_tlsa(&pki.join("cert.pem"), 1, 1);
    assert!(
        stdout.contains(&format!("_25._tcp.mx.dane.test. 1 IN TLSA 3 1 1 {new}")),
        "{stdout}"
    );
    assert!(site.staged());
    // The same hook with the variables unset (e.g. run by hand) stages nothing.
    let out = Command::new("sh")
        .args(["-c", "eval \"$1\"", "sh", &reloadcmd])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--chain is empty"));
}
