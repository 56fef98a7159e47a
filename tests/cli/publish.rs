//! `publish` against a real Knot DNS primary (`tests/publish/knot.sh`): zone dane.test.
//! signed by Knot itself, dynamic updates allowed only with one TSIG key. The zone is
//! read back with `kdig`, the signed answer validated by `delv` with the zone's key as
//! its trust anchor, the `--dry-run` script fed to BIND's `nsupdate`, and the TLSA data
//! computed independently by openssl.
//!
//! `.ci/test` sets DANEGUARD_INTEROP=1 and installs Knot and BIND's tools; then this
//! test fails, never skips, when any of them is missing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{openssl_tlsa, root, run, td};

const TOOLS: &[&str] = &["knotd", "knotc", "keymgr", "kdig", "delv", "nsupdate"];

/// A running Knot primary; stopped on drop.
struct Primary {
    dir: tempfile::TempDir,
    vars: HashMap<String, String>,
}

impl Primary {
    fn start() -> Option<Primary> {
        let missing: Vec<&str> = TOOLS
            .iter()
            .copied()
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
                std::env::var_os("DANEGUARD_INTEROP").is_none(),
                "DANEGUARD_INTEROP is set but {missing:?} are missing; run .ci/test"
            );
            eprintln!("note: publish interop needs Knot and BIND's delv/nsupdate; nothing checked");
            return None;
        }
        // short: the Knot control socket path must fit in sun_path
        let dir = tempfile::Builder::new()
            .prefix("dgp")
            .tempdir_in("/tmp")
            .unwrap();
        let out = Command::new("timeout")
            .args(["-k", "5", "60", "bash"])
            .arg(root().join("tests/publish/knot.sh"))
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("knot.sh runs");
        let mut primary = Primary {
            vars: HashMap::new(),
            dir,
        };
        assert!(
            out.status.success(),
            "knot.sh start failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(primary.dir.path().join("env")).unwrap();
        primary.vars = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Some(primary)
    }

    fn var(&self, name: &str) -> &str {
        &self.vars[name]
    }

    fn server(&self) -> String {
        format!("127.0.0.1:{}", self.var("KNOT_PORT"))
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `daneguard publish` for mx.dane.test port 25 with these extra arguments.
    fn publish(&self, key: &Path, extra: &[&str]) -> crate::util::Run {
        let server = self.server();
        let key = key.to_str().unwrap();
        let mut args = vec![
            "publish",
            "--server",
            &server,
            "--zone",
            "dane.test",
            "--key",
            key,
            "--host",
            "mx.dane.test:25",
            "--ttl",
            "300",
        ];
        args.extend_from_slice(extra);
        run(&args)
    }

    /// The TLSA records at _25._tcp.mx.dane.test. as Knot serves them, sorted
    /// ("3 1 1 hex", lower case), and whether an RRSIG came with them.
    fn served(&self) -> (Vec<String>, bool) {
        let out = Command::new("kdig")
            .args(["@127.0.0.1", "-p", self.var("KNOT_PORT")])
            .args(["+dnssec", "+short", "TLSA", "_25._tcp.mx.dane.test."])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut records: Vec<String> = text
            .lines()
            .filter(|l| !l.starts_with("TLSA "))
            .map(|l| l.replace(' ', "").to_ascii_lowercase())
            .map(|l| format!("{} {} {} {}", &l[..1], &l[1..2], &l[2..3], &l[3..]))
            .collect();
        records.sort();
        (records, text.lines().any(|l| l.starts_with("TLSA 13 ")))
    }

    /// delv, with dane.test.'s key as its only trust anchor, validates the TLSA RRset;
    /// returns the validated records ("3 1 1 hex"), sorted.
    fn validated(&self) -> Vec<String> {
        let out = Command::new("delv")
            .args(["-a", self.var("DELV_ANCHOR"), "+root=dane.test."])
            .args(["@127.0.0.1", "-p", self.var("KNOT_PORT")])
            .args(["+nomultiline", "TLSA", "_25._tcp.mx.dane.test."])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("; fully validated"), "delv:\n{text}");
        let mut records: Vec<String> = text
            .lines()
            .filter(|l| l.contains("\tTLSA\t"))
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                format!(
                    "{} {} {} {}",
                    f[4],
                    f[5],
                    f[6],
                    f[7..].concat().to_ascii_lowercase()
                )
            })
            .collect();
        records.sort();
        records
    }
}

impl Drop for Primary {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(root().join("tests/publish/knot.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// `3 1 1` of a leaf and `2 1 1` of its issuer, computed by openssl.
fn records_of(dir: &str) -> (String, String) {
    (
        format!(
            "3 1 1 {}",
            openssl_tlsa(&td(&format!("pki/{dir}/cert.pem")), 1, 1)
        ),
        format!(
            "2 1 1 {}",
            openssl_tlsa(&td(&format!("pki/{dir}/chain.pem")), 1, 1)
        ),
    )
}

#[test]
fn publish_round_trip_through_knot() {
    let Some(p) = Primary::start() else {
        return;
    };
    let knot_key = PathBuf::from(p.var("KEY_KNOT"));
    let bind_key = PathBuf::from(p.var("KEY_BIND"));
    let (leaf, ca) = records_of("mx-p256");
    let chain = td("pki/mx-p256/fullchain.pem");
    let chain = chain.to_str().unwrap();

    // --dry-run: the exact script, nothing sent
    let dry = p.publish(&bind_key, &["--dry-run", chain]);
    dry.code(0);
    assert_eq!(
        dry.stdout,
        format!(
            "; daneguard publish --dry-run: nothing was sent\n\
             ; send with: nsupdate -k {} < THIS-FILE\n\
             server 127.0.0.1 {}\n\
             zone dane.test.\n\
             prereq yxrrset dane.test. IN SOA\n\
             update add _25._tcp.mx.dane.test. 300 IN TLSA {leaf}\n\
             update add _25._tcp.mx.dane.test. 300 IN TLSA {ca}\n\
             send\n",
            bind_key.display(),
            p.var("KNOT_PORT")
        )
    );
    let secret = std::fs::read_to_string(p.file("update.key")).unwrap();
    let secret = secret
        .lines()
        .find_map(|l| l.trim().strip_prefix("secret: "))
        .unwrap()
        .to_string();
    assert!(!dry.stdout.contains(&secret) && !dry.stderr.contains(&secret));
    assert_eq!(
        p.served().0,
        Vec::<String>::new(),
        "a dry run sends nothing"
    );
    let shown = p.publish(&bind_key, &["--dry-run", "--show-secret", chain]);
    assert!(
        shown
            .stdout
            .contains(&format!("key hmac-sha256:dg-update {secret}\n")),
        "{shown:?}"
    );

    // the real update, signed with the key as keymgr -t wrote it
    let sent = p.publish(&knot_key, &[chain]);
    sent.code(0);
    assert!(
        sent.stdout.ends_with(&format!(
            "dane.test.: update accepted by {} (TSIG key dg-update verified the answer)\n",
            p.server()
        )),
        "{sent:?}"
    );
    let (served, signed) = p.served();
    assert_eq!(served, sorted(vec![leaf.clone(), ca.clone()]));
    assert!(signed, "Knot signs the updated RRset");
    assert_eq!(p.validated(), sorted(vec![leaf.clone(), ca.clone()]));
    // and daneguard's own check, validating from the zone's key, finds DANE working
    let anchor = p.file("anchor.dnskey");
    let server = p.server();
    let chain_arg = format!("mx.dane.test:25={chain}");
    let check = run(&[
        "check",
        "--format",
        "json",
        "--resolver",
        &server,
        "--trust-anchor",
        anchor.to_str().unwrap(),
        "--chain",
        &chain_arg,
        "mx.dane.test",
    ]);
    check.code(0);
    let doc: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    let host = &doc["hosts"][0];
    assert_eq!(host["lookups"]["tlsa"]["dnssec"], "secure", "{check:?}");
    assert_eq!(host["verdict"], "ok", "{check:?}");

    wrong_keys_are_refused(&p, chain, &secret);
    rollover(&p, &knot_key, &leaf, &ca);
    dry_run_script_is_what_nsupdate_sends(&p, &bind_key);
}

/// BADKEY and BADSIG end with exit 2, one message, no secret, nothing changed.
fn wrong_keys_are_refused(p: &Primary, chain: &str, secret: &str) {
    let before = p.served().0;
    let other = td("pki/mx-p384/fullchain.pem");
    let other = other.to_str().unwrap();
    for (key, words) in [
        (
            "stranger.key",
            [
                "NOTAUTH",
                "BADKEY: the server does not know key 'dg-stranger'",
            ],
        ),
        (
            "wrong-secret.key",
            [
                "NOTAUTH",
                "BADSIG: the server knows key 'dg-update' with another secret",
            ],
        ),
    ] {
        let r = p.publish(&p.file(key), &[other]);
        r.code(2);
        assert_eq!(r.stdout, "", "{r:?}");
        let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(errors.len(), 1, "{r:?}");
        for w in words {
            assert!(errors[0].contains(w), "{key}: {r:?}");
        }
        assert!(!r.stderr.contains(secret));
    }
    assert_eq!(p.served().0, before);
    // a zone the server is not primary for
    let server = p.server();
    let key = p.var("KEY_KNOT");
    let r = run(&[
        "publish",
        "--server",
        &server,
        "--zone",
        "other.test",
        "--key",
        key,
        "--host",
        "mx.other.test",
        chain,
    ]);
    r.code(2);
    assert!(
        r.stderr.contains(&format!(
            "daneguard: error: other.test.: {server} refused the update: NOTAUTH (the key may not update this zone, or the server is not its primary)\n"
        )),
        "{r:?}"
    );
    // a key file others may read: a warning, never the secret
    let open = p.file("open.key");
    std::fs::copy(key, &open).unwrap();
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let r = p.publish(&open, &["--dry-run", chain]);
    r.code(0);
    assert_eq!(
        r.stderr,
        format!(
            "daneguard: warning: {}: holds a TSIG secret but is readable by group or others (mode 644); consider chmod 600\n",
            open.display()
        )
    );
    // a key file that is not one: one message naming the file
    let bad = p.file("not-a-key");
    std::fs::write(&bad, "secret: c2VjcmV0\n").unwrap();
    let r = p.publish(&bad, &[chain]);
    r.fails_with(&format!(
        "daneguard: error: {}: is not a TSIG key file (expected BIND's key \"NAME\" {{ algorithm hmac-sha256; secret \"…\"; }}; or Knot's key: list from keymgr -t)",
        bad.display()
    ));
    assert!(!r.stderr.contains("c2VjcmV0"));
}

/// A new key: published next to the deployed chain's records (--keep), then the
/// old leaf's record deleted as stale once the new chain is deployed.
fn rollover(p: &Primary, key: &Path, old_leaf: &str, ca: &str) {
    let (new_leaf, new_ca) = records_of("mx-p256-newkey");
    assert_eq!(&new_ca, ca, "same issuer");
    let old = td("pki/mx-p256/fullchain.pem");
    let new = td("pki/mx-p256-newkey/fullchain.pem");
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let r = p.publish(key, &["--delete-stale", "--keep", old, new]);
    r.code(0);
    assert!(
        r.stdout.starts_with(&format!(
            "added _25._tcp.mx.dane.test. 300 TLSA {new_leaf}\n"
        )),
        "{r:?}"
    );
    assert_eq!(
        p.validated(),
        sorted(vec![old_leaf.into(), ca.into(), new_leaf.clone()])
    );
    let r = p.publish(key, &["--delete-stale", new]);
    r.code(0);
    assert!(
        r.stdout.starts_with(&format!(
            "deleted _25._tcp.mx.dane.test. TLSA {old_leaf}\ndane.test.: update accepted"
        )),
        "{r:?}"
    );
    assert_eq!(p.validated(), sorted(vec![ca.into(), new_leaf.clone()]));
    let again = p.publish(key, &["--delete-stale", new]);
    again.code(0);
    assert!(
        again.stdout.starts_with("dane.test.: nothing to change"),
        "{again:?}"
    );
}

/// The --dry-run script, run by nsupdate with the BIND key file, does what publish does.
fn dry_run_script_is_what_nsupdate_sends(p: &Primary, bind_key: &Path) {
    let (leaf, ca) = records_of("mx-p384");
    let chain = td("pki/mx-p384/fullchain.pem");
    let dry = p.publish(
        bind_key,
        &["--dry-run", "--delete-stale", chain.to_str().unwrap()],
    );
    dry.code(0);
    assert!(
        dry.stdout
            .contains("update delete _25._tcp.mx.dane.test. IN TLSA 3 1 1 "),
        "{dry:?}"
    );
    let script = p.file("script.txt");
    std::fs::write(&script, &dry.stdout).unwrap();
    let out = Command::new("nsupdate")
        .arg("-k")
        .arg(bind_key)
        .arg(&script)
        .output()
        .unwrap();
    assert!(out.status.success(), "nsupdate: {out:?}");
    let mut want = vec![leaf];
    if ca != want[0] {
        want.push(ca);
    }
    assert_eq!(p.validated(), sorted(want));
}

/// A signed `dane.test.` from the in-process test server (what `stage` and `deploy`
/// observe through their resolver), `mx` publishing these `3 1 1` data, TTL 1.
fn observed_zone(ee_records: &[&str]) -> crate::dnsserver::TestDns {
    let mut text = String::from(
        "$ORIGIN dane.test.\n$TTL 1\n@ IN SOA ns.dane.test. hostmaster.dane.test. 1 60 60 86400 1\n@ IN NS ns.dane.test.\nns IN A 127.0.0.1\nmx IN A 127.0.0.1\n",
    );
    for data in ee_records {
        text.push_str(&format!("_25._tcp.mx 1 IN TLSA 3 1 1 {data}\n"));
    }
    crate::dnsserver::start_zone(&text)
}

/// With a `[publish]` table, `stage` publishes the staged chain's records through the
/// primary and `deploy` deletes the ones it reports stale. The resolver `stage` and
/// `deploy` observe is the in-process test server (fed by hand, as a secondary would be
/// after the primary's update); the primary is Knot, read back with delv.
#[test]
fn stage_publishes_and_deploy_deletes_through_the_configured_primary() {
    let Some(p) = Primary::start() else {
        return;
    };
    let (old, ca) = records_of("mx-p256");
    let (new, _) = records_of("mx-p256-newkey");
    let knot_key = PathBuf::from(p.var("KEY_KNOT"));
    let old_chain = td("pki/mx-p256/fullchain.pem");
    p.publish(&knot_key, &[old_chain.to_str().unwrap()]).code(0);
    let d = p.dir.path().display().to_string();
    let config = p.file("daneguard.toml");
    std::fs::write(
        &config,
        format!(
            "state_dir = \"{d}/state\"\n\n[dns]\nevery_server = false\n\n[[certificate]]\nname = \"mx\"\nhosts = [\"mx.dane.test\"]\ndeploy = \"{d}/mx.pem\"\n\n[publish]\nserver = \"{}\"\nzone = \"dane.test\"\nkey = \"{}\"\nttl = 300\n",
            p.server(),
            knot_key.display()
        ),
    )
    .unwrap();
    let pki = |f: &str| std::fs::read_to_string(td(&format!("pki/{f}"))).unwrap();
    std::fs::write(
        p.file("mx.pem"),
        pki("mx-p256/privkey.pem") + &pki("mx-p256/fullchain.pem"),
    )
    .unwrap();
    let run = |args: &[&str], dns: &crate::dnsserver::TestDns| {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["--config".into(), config.display().to_string()]);
        all.extend(dns.args());
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        run(&refs)
    };
    let hex = |r: &str| r.rsplit(' ').next().unwrap().to_string();

    let dns = observed_zone(&[&hex(&old)]);
    let chain = td("pki/mx-p256-newkey/fullchain.pem");
    let key = td("pki/mx-p256-newkey/privkey.pem");
    let r = run(
        &[
            "stage",
            "mx",
            "--chain",
            chain.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
        &dns,
    );
    r.code(1);
    assert!(
        r.stdout
            .contains(&format!("added _25._tcp.mx.dane.test. 300 TLSA {new}\n")),
        "{r:?}"
    );
    assert_eq!(
        p.validated(),
        sorted(vec![old.clone(), ca.clone(), new.clone()])
    );
    drop(dns);

    let dns = observed_zone(&[&hex(&old), &hex(&new)]);
    run(&["deploy"], &dns).code(0);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let r = run(&["deploy"], &dns);
    r.code(0);
    assert!(
        r.stdout.contains(&format!(
            "mx: _25._tcp.mx.dane.test. {old} matches nothing deployed: remove\ndeleted _25._tcp.mx.dane.test. TLSA {old}\n"
        )),
        "{r:?}"
    );
    assert_eq!(p.validated(), sorted(vec![ca.clone(), new.clone()]));
    // a rollback publishes the restored certificate's records again
    let r = run(&["deploy", "--rollback", "mx"], &dns);
    r.code(0);
    assert!(
        r.stdout
            .contains(&format!("added _25._tcp.mx.dane.test. 300 TLSA {old}\n")),
        "{r:?}"
    );
    assert_eq!(p.validated(), sorted(vec![old, ca, new]));
}

/// `generate --format nsupdate` writes `server` and `zone` lines when given, through the
/// same script writer; the owners must be in the zone.
#[test]
fn generate_nsupdate_has_server_and_zone_lines_when_given() {
    let chain = td("pki/mx-p256/fullchain.pem");
    let chain = chain.to_str().unwrap();
    let (leaf, ca) = records_of("mx-p256");
    let args = [
        "generate",
        "--format",
        "nsupdate",
        "--host",
        "mx.dane.test",
        "--ttl",
        "300",
    ];
    let r = run(&[
        &args[..],
        &["--server", "[::1]:5300", "--zone", "dane.test", chain],
    ]
    .concat());
    r.exact(
        0,
        &format!(
            "server ::1 5300\nzone dane.test.\nupdate add _25._tcp.mx.dane.test. 300 IN TLSA {leaf}\nupdate add _25._tcp.mx.dane.test. 300 IN TLSA {ca}\nsend\n"
        ),
        "",
    );
    run(&[&args[..], &["--zone", "example.org", chain]].concat()).fails_with(
        "daneguard: error: _25._tcp.mx.dane.test. is not in zone example.org.: give the zone the host is in with --zone",
    );
    run(&[
        "generate",
        "--host",
        "mx.dane.test",
        "--server",
        "192.0.2.1",
        chain,
    ])
    .fails_with("daneguard: error: --server and --zone go with --format nsupdate");
}

/// Without a server to talk to, or without the zone or key: one message, exit 2.
#[test]
fn unreachable_server_and_missing_settings_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("update.key");
    std::fs::write(
        &key,
        "key \"dg-update\" {\n\talgorithm hmac-sha256;\n\tsecret \"MRuuQoNIDitPB1MHLeUuCLfG7MWtu9wB/r5P52DKUM4=\";\n};\n",
    )
    .unwrap();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let key = key.to_str().unwrap();
    let chain = td("pki/mx-p256/fullchain.pem");
    let chain = chain.to_str().unwrap();
    // a port nothing listens on
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("127.0.0.1:{port}");
    let base = ["publish", "--host", "mx.dane.test", "--zone", "dane.test"];
    let r = run(&[&base[..], &["--server", &server, "--key", key, chain]].concat());
    r.code(2);
    assert!(
        r.stderr.starts_with(&format!(
            "daneguard: error: dane.test.: cannot reach {server}: "
        )),
        "{r:?}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    run(&[&base[..], &["--server", &server, chain]].concat()).fails_with(
        "daneguard: error: give --key FILE (a TSIG key) or key in the [publish] table of --config",
    );
    run(&["publish", "--server", &server, "--key", key, chain]).fails_with(
        "daneguard: error: give --zone ZONE or zone in the [publish] table of --config",
    );
    run(&[&base[..], &["--key", key, chain]].concat()).fails_with(
        "daneguard: error: give --server ADDR[:PORT] (the zone's primary) or server in [publish]",
    );
}

/// A fake primary on 127.0.0.1 that answers one TCP request with NOERROR, either
/// unsigned or signed with another secret; returns its address.
fn fake_primary(sign_with: Option<&'static [u8]>) -> std::net::SocketAddr {
    use hickory_proto::op::{Message, MessageType, ResponseCode};
    use hickory_proto::rr::rdata::tsig::TsigAlgorithm;
    use hickory_proto::rr::{Name, TSigner};
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let Ok((mut s, _)) = listener.accept() else {
            return;
        };
        let mut len = [0u8; 2];
        s.read_exact(&mut len).unwrap();
        let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
        s.read_exact(&mut buf).unwrap();
        let request = Message::from_vec(&buf).unwrap();
        let mut answer = Message::new(
            request.metadata.id,
            MessageType::Response,
            request.metadata.op_code,
        );
        answer.metadata.response_code = ResponseCode::NoError;
        if let Some(secret) = sign_with {
            let name = Name::from_ascii("dg-update.").unwrap();
            let signer =
                TSigner::new(secret.to_vec(), TsigAlgorithm::HmacSha256, name, 300).unwrap();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            answer.finalize(&signer, now).unwrap();
        }
        let bytes = answer.to_vec().unwrap();
        let mut framed = u16::try_from(bytes.len()).unwrap().to_be_bytes().to_vec();
        framed.extend(bytes);
        let _ = s.write_all(&framed);
    });
    addr
}

/// An answer without TSIG, or with a MAC made with another secret, is not trusted:
/// exit 2, even though its RCODE says NOERROR.
#[test]
fn an_unsigned_or_forged_answer_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("update.key");
    std::fs::write(
        &key,
        "key \"dg-update\" { algorithm hmac-sha256; secret \"MRuuQoNIDitPB1MHLeUuCLfG7MWtu9wB/r5P52DKUM4=\"; };\n",
    )
    .unwrap();
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let chain = td("pki/mx-p256/fullchain.pem");
    for (sign_with, why) in [
        (None, "the answer carries no TSIG; not trusted"),
        (
            Some(&b"another secret"[..]),
            "the answer's TSIG does not verify",
        ),
    ] {
        let server = fake_primary(sign_with).to_string();
        let r = run(&[
            "publish",
            "--server",
            &server,
            "--zone",
            "dane.test",
            "--key",
            key.to_str().unwrap(),
            "--host",
            "mx.dane.test",
            chain.to_str().unwrap(),
        ]);
        r.code(2);
        assert!(
            r.stderr
                .starts_with(&format!("daneguard: error: dane.test.: {server}: {why}")),
            "{r:?}"
        );
        assert_eq!(r.stdout, "", "{r:?}");
    }
}
