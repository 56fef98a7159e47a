//! Whole `check` and `check --live` runs in-process, through the `Env` seam: scripted DNS
//! answers with their DNSSEC status, scripted chains presented by servers, a fixed clock.
//! Each case asserts the exit status, what senders do, the finding codes and stderr;
//! a few assert the whole output. The association data comes from openssl
//! (`testdata/expected/digests.txt`), the presented DER from `openssl x509 -outform DER`.
//!
//! What a real sender does in the same cases is asked of Postfix itself by the
//! end-to-end test in tests/postfix.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;

use daneguard::env::fake::{FakeFiles, Run, ScriptedDns, ScriptedProber, World};
use daneguard::exit::ExitStatus;
use daneguard::live::{Family, LiveError};
use daneguard::lookup::{Answer, Security};
use daneguard::tlsa::{Params, Tlsa};

/// 2030-01-01T00:00:00Z: inside the test PKI's validity, after `expired`'s.
const NOW: i64 = 1_893_456_000;
const HOST: &str = "mx.example.com";
const ADDR: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 25);

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// openssl's association data for a single-certificate file (`expected/digests.txt`).
fn digest(rel: &str, selector: u8, matching: u8) -> Vec<u8> {
    let text = std::fs::read_to_string(testdata("expected/digests.txt")).expect("digests.txt");
    let (s, m) = (selector.to_string(), matching.to_string());
    text.lines()
        .find_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
            [p, ls, lm, hex] if p == rel && ls == s && lm == m => Some(hex::decode(hex).unwrap()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no digest for {rel} {selector} {matching}"))
}

fn rec(usage: u8, selector: u8, matching: u8, rel: &str) -> Tlsa {
    Tlsa {
        params: Params::new(usage, selector, matching),
        data: digest(rel, selector, matching),
    }
}

/// The DER of each certificate file, by openssl.
fn der(files: &[&str]) -> Vec<Vec<u8>> {
    files
        .iter()
        .map(|f| {
            let out = Command::new("openssl")
                .args(["x509", "-outform", "DER", "-in"])
                .arg(testdata(f))
                .output()
                .expect("openssl runs");
            assert!(out.status.success(), "openssl x509 {f}");
            out.stdout
        })
        .collect()
}

const P256: &str = "pki/mx-p256/cert.pem";
const NEWKEY: &str = "pki/mx-p256-newkey/cert.pem";
const INT_EC: &str = "pki/ca/int-ec.pem";
const RSA: &str = "pki/mx-rsa2048/cert.pem";
const INT_RSA: &str = "pki/ca/int-rsa.pem";
const EXPIRED: &str = "pki/expired/cert.pem";
const OTHER: &str = "pki/other-host/cert.pem";

fn secure<T>(records: Vec<T>) -> Answer<T> {
    Answer::Found {
        records,
        ttl: 300,
        security: Security::Secure,
    }
}

/// A world where mx.example.com has a secure address and `tlsa` at port `port`.
fn world(port: u16, tlsa: Answer<Tlsa>) -> World {
    World {
        now: NOW,
        dns: ScriptedDns::default()
            .addresses(HOST, secure(vec![IpAddr::V4(ADDR)]), None)
            .tlsa(&format!("_{port}._tcp.{HOST}"), tlsa),
        ..World::default()
    }
}

fn presenting(mut w: World, port: u16, chains: Vec<(Family, Vec<Vec<u8>>)>) -> World {
    w.prober = ScriptedProber::default().presents(SocketAddr::new(IpAddr::V4(ADDR), port), chains);
    w
}

fn live(w: &World, port: u16, extra: &[&str]) -> Run {
    let port_s = port.to_string();
    let mut args = vec!["check", "--live", "--format", "json", "--port", &port_s];
    args.extend_from_slice(extra);
    args.push(HOST);
    w.run(&args)
}

/// `(senders, verdict, sorted finding codes)` of the one host in a JSON document.
fn summary(run: &Run) -> (String, String, Vec<String>) {
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    });
    let host = &doc["hosts"][0];
    let mut codes: Vec<String> = host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    (
        host["senders"].as_str().unwrap_or("null").to_string(),
        host["verdict"].as_str().unwrap().to_string(),
        codes,
    )
}

struct Case {
    name: &'static str,
    port: u16,
    extra: &'static [&'static str],
    tlsa: Answer<Tlsa>,
    chains: Vec<(Family, Vec<Vec<u8>>)>,
    status: ExitStatus,
    senders: &'static str,
    codes: &'static [&'static str],
}

fn ecdsa(files: &[&str]) -> Vec<(Family, Vec<Vec<u8>>)> {
    vec![(Family::Ecdsa, der(files))]
}

fn cases() -> Vec<Case> {
    use ExitStatus::{Findings, Ok};
    let c = |name, tlsa: Vec<Tlsa>, chains, status, senders, codes| Case {
        name,
        port: 25,
        extra: &[],
        tlsa: secure(tlsa),
        chains,
        status,
        senders,
        codes,
    };
    vec![
        c(
            "3 1 1 + 2 1 1 match",
            vec![rec(3, 1, 1, P256), rec(2, 1, 1, INT_EC)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "authenticated",
            &[],
        ),
        c(
            "3 1 1 mismatch",
            vec![rec(3, 1, 1, NEWKEY)],
            ecdsa(&[P256, INT_EC]),
            Findings,
            "deferred",
            &["live-no-match", "stale-record"],
        ),
        c(
            "3 0 1 match",
            vec![rec(3, 0, 1, P256)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "authenticated",
            &["single-record"],
        ),
        c(
            "3 1 2 match",
            vec![rec(3, 1, 2, P256)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "authenticated",
            &["single-record"],
        ),
        c(
            "3 0 2 mismatch",
            vec![rec(3, 0, 2, NEWKEY)],
            ecdsa(&[P256, INT_EC]),
            Findings,
            "deferred",
            &["live-no-match", "stale-record"],
        ),
        c(
            "2 1 1 issuer sent",
            vec![rec(2, 1, 1, INT_EC)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "authenticated",
            &["single-record"],
        ),
        c(
            "2 0 1 issuer sent",
            vec![rec(2, 0, 1, INT_EC)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "authenticated",
            &["single-record"],
        ),
        c(
            "2 1 1 issuer not sent",
            vec![rec(2, 1, 1, INT_EC)],
            ecdsa(&[P256]),
            Findings,
            "deferred",
            &["live-no-match", "stale-record"],
        ),
        c(
            "2 1 1 leaf names another host",
            vec![rec(2, 1, 1, INT_EC)],
            ecdsa(&[OTHER, INT_EC]),
            Findings,
            "deferred",
            &["live-no-match", "name-mismatch"],
        ),
        c(
            "3 1 1 ignores the names",
            vec![rec(3, 1, 1, OTHER)],
            ecdsa(&[OTHER, INT_EC]),
            Ok,
            "authenticated",
            &["single-record"],
        ),
        c(
            "3 1 1 expired leaf still authenticates",
            vec![rec(3, 1, 1, EXPIRED), rec(2, 1, 1, INT_EC)],
            ecdsa(&[EXPIRED, INT_EC]),
            Ok,
            "authenticated",
            &["expired", "expired", "single-record"],
        ),
        c(
            "2 1 1 expired leaf does not",
            vec![rec(2, 1, 1, INT_EC)],
            ecdsa(&[EXPIRED, INT_EC]),
            Findings,
            "deferred",
            &["expired", "expired", "live-no-match"],
        ),
        c(
            "digest agility: 3 1 1 matches, 3 1 2 does not",
            vec![rec(3, 1, 1, P256), rec(3, 1, 2, NEWKEY)],
            ecdsa(&[P256, INT_EC]),
            Findings,
            "deferred",
            &["live-no-match", "stale-record"],
        ),
        c(
            "digest agility: both match",
            vec![rec(3, 1, 1, P256), rec(3, 1, 2, P256)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "authenticated",
            &["single-record"],
        ),
        c(
            "only 1 1 1 on port 25",
            vec![rec(1, 1, 1, P256)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "encrypted",
            &["no-usable-records", "pkix-usage-smtp"],
        ),
        c(
            "only 0 0 1 on port 25",
            vec![rec(0, 0, 1, INT_EC)],
            ecdsa(&[P256, INT_EC]),
            Ok,
            "encrypted",
            &["no-usable-records", "pkix-usage-smtp"],
        ),
        c(
            "dual: ECDSA matches, RSA does not",
            vec![rec(3, 1, 1, P256), rec(2, 1, 1, INT_EC)],
            vec![
                (Family::Ecdsa, der(&[P256, INT_EC])),
                (Family::Rsa, der(&[RSA, INT_RSA])),
            ],
            // Postfix gets the server's choice (listed first) and authenticates it;
            // RSA-only senders would defer: dual-cert-mismatch fails the check.
            Findings,
            "authenticated",
            &["dual-cert-mismatch"],
        ),
        c(
            "dual: both covered",
            vec![rec(3, 1, 1, P256), rec(3, 1, 1, RSA)],
            vec![
                (Family::Ecdsa, der(&[P256, INT_EC])),
                (Family::Rsa, der(&[RSA, INT_RSA])),
            ],
            Ok,
            "authenticated",
            &["single-record"],
        ),
        Case {
            name: "only 4 1 1 (unknown usage)",
            port: 25,
            extra: &[],
            tlsa: secure(vec![Tlsa {
                params: Params::new(4, 1, 1),
                data: digest(P256, 1, 1),
            }]),
            chains: ecdsa(&[P256, INT_EC]),
            status: Ok,
            senders: "encrypted",
            codes: &["no-usable-records", "unusable-record"],
        },
        Case {
            name: "usage 1 with --starttls smtp on port 2525 is unusable",
            port: 2525,
            extra: &["--starttls", "smtp"],
            tlsa: secure(vec![rec(1, 1, 1, P256)]),
            chains: ecdsa(&[P256, INT_EC]),
            status: Ok,
            senders: "encrypted",
            codes: &["no-usable-records", "pkix-usage-smtp"],
        },
        Case {
            name: "usage 1 on submission port 587 is usable",
            port: 587,
            extra: &["--starttls", "smtp"],
            tlsa: secure(vec![rec(1, 1, 1, P256), rec(3, 1, 1, P256)]),
            chains: ecdsa(&[P256, INT_EC]),
            status: Ok,
            senders: "authenticated",
            codes: &[],
        },
        Case {
            name: "no TLSA (secure denial)",
            port: 25,
            extra: &[],
            tlsa: Answer::NoData {
                security: Security::Secure,
            },
            chains: ecdsa(&[P256, INT_EC]),
            status: Ok,
            senders: "opportunistic",
            codes: &["no-tlsa"],
        },
        Case {
            name: "bogus TLSA",
            port: 25,
            extra: &[],
            tlsa: Answer::Bogus {
                reason: "RRSIG expired".into(),
            },
            chains: ecdsa(&[P256, INT_EC]),
            status: Findings,
            senders: "deferred",
            codes: &["bogus"],
        },
        Case {
            name: "insecure TLSA under secure addresses",
            port: 25,
            extra: &[],
            tlsa: Answer::Found {
                records: vec![rec(3, 1, 1, NEWKEY)],
                ttl: 300,
                security: Security::Insecure,
            },
            chains: ecdsa(&[P256, INT_EC]),
            status: Findings,
            senders: "opportunistic",
            codes: &["insecure-tlsa"],
        },
    ]
}

#[test]
fn check_live_cases_give_the_expected_sender_outcome() {
    let mut failures = Vec::new();
    for case in cases() {
        let w = presenting(
            world(case.port, case.tlsa.clone()),
            case.port,
            case.chains.clone(),
        );
        let run = live(&w, case.port, case.extra);
        let (senders, _, codes) = summary(&run);
        let want: Vec<String> = case.codes.iter().map(|s| s.to_string()).collect();
        if run.status != case.status
            || senders != case.senders
            || codes != want
            || !run.stderr.is_empty()
        {
            failures.push(format!(
                "{}: got {:?} {senders} {codes:?} stderr {:?}; want {:?} {} {want:?}",
                case.name, run.status, run.stderr, case.status, case.senders
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn starttls_missing_defers_only_where_dane_applies() {
    let addr = SocketAddr::new(IpAddr::V4(ADDR), 25);
    let mut w = world(25, secure(vec![rec(3, 1, 1, P256)]));
    w.prober = ScriptedProber::default().fails(
        addr,
        LiveError::StarttlsMissing("EHLO reply has no STARTTLS".into()),
    );
    let run = live(&w, 25, &[]);
    assert_eq!(run.status, ExitStatus::Findings, "{}", run.stderr);
    assert_eq!(
        summary(&run),
        (
            "deferred".into(),
            "fail".into(),
            vec!["starttls-missing".into()]
        )
    );

    let mut w = world(
        25,
        Answer::NoData {
            security: Security::Secure,
        },
    );
    w.prober = ScriptedProber::default().fails(
        addr,
        LiveError::StarttlsMissing("EHLO reply has no STARTTLS".into()),
    );
    let run = live(&w, 25, &[]);
    assert_eq!(run.status, ExitStatus::Ok, "{}", run.stderr);
    let (senders, verdict, codes) = summary(&run);
    assert_eq!(
        (senders.as_str(), verdict.as_str()),
        ("opportunistic", "warn")
    );
    assert_eq!(codes, vec!["no-tlsa", "starttls-missing"]);
}

#[test]
fn a_lookup_failure_is_exit_2_and_no_sender_outcome() {
    let w = world(
        25,
        Answer::Failed {
            reason: "SERVFAIL".into(),
        },
    );
    let run = w.run(&["check", "--format", "json", HOST]);
    assert_eq!(run.status, ExitStatus::Failure);
    let (senders, verdict, codes) = summary(&run);
    assert_eq!((senders.as_str(), verdict.as_str()), ("null", "error"));
    assert_eq!(codes, vec!["lookup-failed"]);
}

#[test]
fn static_check_and_live_agree_on_digest_agility() {
    let tlsa = secure(vec![rec(3, 1, 1, P256), rec(3, 1, 2, NEWKEY)]);
    let w = World {
        files: FakeFiles::default().copied(
            "/etc/ssl/mx/fullchain.pem",
            &testdata("pki/mx-p256/fullchain.pem"),
        ),
        ..world(25, tlsa)
    };
    let run = w.run(&[
        "check",
        "--format",
        "json",
        "--chain",
        "/etc/ssl/mx/fullchain.pem",
        HOST,
    ]);
    assert_eq!(run.status, ExitStatus::Findings, "{}", run.stderr);
    let (senders, _, codes) = summary(&run);
    assert_eq!(senders, "deferred");
    assert_eq!(codes, vec!["no-match", "stale-record"]);
}

#[test]
fn table_output_is_exact() {
    let w = presenting(
        world(25, secure(vec![rec(3, 1, 1, P256), rec(3, 1, 1, NEWKEY)])),
        25,
        ecdsa(&[P256, INT_EC]),
    );
    let run = w.run(&["check", "--live", "--format", "table", HOST]);
    assert_eq!(run.status, ExitStatus::Ok, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let expected =
        std::fs::read_to_string(testdata("expected/seam/live-table.txt")).expect("expected output");
    assert_eq!(run.stdout, expected);
}

#[test]
fn mx_hosts_with_and_without_tlsa_are_mx_inconsistent() {
    let mx = secure(vec![
        (10, "mx1.example.com.".to_string()),
        (20, "mx2.example.com.".to_string()),
    ]);
    let w = World {
        now: NOW,
        dns: ScriptedDns::default()
            .mx("example.com", mx)
            .addresses("mx1.example.com", secure(vec![IpAddr::V4(ADDR)]), None)
            .addresses("mx2.example.com", secure(vec![IpAddr::V4(ADDR)]), None)
            .tlsa("_25._tcp.mx1.example.com", secure(vec![rec(3, 1, 1, P256)]))
            .tlsa(
                "_25._tcp.mx2.example.com",
                Answer::NxDomain {
                    security: Security::Secure,
                },
            ),
        ..World::default()
    };
    let run = w.run(&["check", "--mx", "--format", "json", "example.com"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let codes = |i: usize| -> Vec<String> {
        doc["hosts"][i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes(0), vec!["no-chain"]);
    assert_eq!(codes(1), vec!["no-tlsa", "mx-inconsistent"]);
    // Each host carries only its own MX entry, not the whole set.
    assert_eq!(
        doc["hosts"][1]["lookups"]["mx"]["records"],
        serde_json::json!(["20 mx2.example.com."])
    );
}

#[test]
fn from_file_without_names_is_exit_2() {
    let world = World {
        files: FakeFiles::default().file("/srv/names.txt", "# only a comment\n\n"),
        ..World::default()
    };
    let run = world.run(&["check", "--from", "/srv/names.txt"]);
    assert_eq!(run.status, ExitStatus::Failure);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "daneguard: error: /srv/names.txt: holds no host names to check\n"
    );
}

#[test]
fn from_file_bad_line_names_file_and_line() {
    let world = World {
        files: FakeFiles::default().file("/srv/names.txt", "# hosts\nnot a host!\n"),
        ..World::default()
    };
    let run = world.run(&["check", "--format", "json", "--from", "/srv/names.txt"]);
    assert_eq!(run.status, ExitStatus::Failure);
    assert!(
        run.stderr
            .starts_with("daneguard: error: /srv/names.txt line 2: 'not a host!': "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_from_file_is_named_with_exit_2() {
    let run = World::default().run(&["check", "--from", "/srv/none.txt"]);
    assert_eq!(run.status, ExitStatus::Failure);
    assert_eq!(
        run.stderr,
        "daneguard: error: /srv/none.txt: no such file\n"
    );
}

/// `check --all-ns`: two servers agreeing give no finding; a stale one is
/// `ns-inconsistent` naming it, exit 1; the JSON has one `ns` entry per server.
#[test]
fn all_ns_names_the_stale_server() {
    use daneguard::lookup::{NsAnswer, NsSurvey};
    let owner = format!("_25._tcp.{HOST}");
    let fresh = vec![rec(3, 1, 1, P256)];
    let stale = vec![rec(3, 1, 1, NEWKEY)];
    let server = |n: u8, records: Vec<Tlsa>| NsAnswer {
        server: format!("ns{n}.example.com."),
        address: Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10 + n))),
        answer: secure(records),
        serial: Some(2),
    };
    let survey = |second: Vec<Tlsa>| NsSurvey::Done {
        zone: "example.com.".into(),
        servers: vec![server(1, fresh.clone()), server(2, second)],
    };
    let args = ["check", "--all-ns", "--format", "json", HOST];

    let mut w = world(25, secure(fresh.clone()));
    w.dns = w.dns.all_ns(&owner, survey(fresh.clone()));
    let run = w.run(&args);
    assert_eq!(run.status, ExitStatus::Ok, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ns = doc["hosts"][0]["ns"].as_array().expect("an ns array");
    assert_eq!(ns.len(), 2);
    assert_eq!(ns[1]["server"], "ns2.example.com.");
    assert_eq!(ns[1]["address"], "127.0.0.12");
    assert_eq!(ns[1]["result"], "found");
    assert_eq!(ns[1]["dnssec"], "secure");
    assert_eq!(ns[1]["records"].as_array().unwrap().len(), 1);

    let mut w = world(25, secure(fresh.clone()));
    w.dns = w.dns.all_ns(&owner, survey(stale));
    let run = w.run(&args);
    assert_eq!(run.status, ExitStatus::Findings, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let findings = doc["hosts"][0]["findings"].as_array().unwrap();
    let ns: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["code"] == "ns-inconsistent")
        .collect();
    assert_eq!(ns.len(), 1, "{findings:?}");
    let msg = ns[0]["message"].as_str().unwrap();
    assert!(msg.starts_with("ns2.example.com. (127.0.0.12)"), "{msg}");
    assert_eq!(ns[0]["severity"], "fail");

    // without --all-ns nothing is asked and no `ns` key is written
    let run = world(25, secure(fresh)).run(&["check", "--format", "json", HOST]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(doc["hosts"][0].get("ns").is_none());
}

/// A survey that could not be made is exit 2, never a silent "ok".
#[test]
fn all_ns_survey_failure_is_exit_2() {
    let w = world(25, secure(vec![rec(3, 1, 1, P256)]));
    let run = w.run(&["check", "--all-ns", "--format", "json", HOST]);
    assert_eq!(run.status, ExitStatus::Failure, "{}", run.stdout);
    assert!(run.stdout.contains("lookup-failed"), "{}", run.stdout);
}

/// certbot's layout in memory: `live/mx` links (relative, as certbot makes them) into
/// `archive/mx`, and the renewal configuration of a reused key.
fn certbot_files() -> FakeFiles {
    let le = |rel: &str| testdata(&format!("letsencrypt-dir/{rel}"));
    let mut files = FakeFiles::default().copied(
        "/etc/letsencrypt/renewal/mx.conf",
        &le("renewal/mx-reuse.conf"),
    );
    for name in ["cert", "chain", "fullchain", "privkey"] {
        for n in [1, 2] {
            files = files.copied(
                format!("/etc/letsencrypt/archive/mx/{name}{n}.pem"),
                &le(&format!("archive/mx-reuse/{name}{n}.pem")),
            );
        }
        files = files.link(
            format!("/etc/letsencrypt/live/mx/{name}.pem"),
            format!("../../archive/mx/{name}2.pem"),
        );
    }
    files
}

/// `renew-check` on a lineage read through the seam: the relative links are followed,
/// the renewal configuration predicts the same key, and the published `3 1 1` keeps
/// working.
#[test]
fn renew_check_reads_a_certbot_lineage_through_the_seam() {
    let w = World {
        files: certbot_files(),
        ..world(25, secure(vec![rec(3, 1, 1, P256)]))
    };
    let run = w.run(&["renew-check", HOST, "--current", "/etc/letsencrypt/live/mx"]);
    assert_eq!(run.status, ExitStatus::Ok, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with(&format!(
            "{HOST} port 25: the switch keeps DANE working (ok)\n"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("current:   /etc/letsencrypt/live/mx/fullchain.pem (ECDSA P-256"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("predicted from /etc/letsencrypt/renewal/mx.conf"),
        "{}",
        run.stdout
    );
}

/// A lineage whose `fullchain.pem` link points nowhere is named as a broken link.
#[test]
fn a_dangling_lineage_link_is_named() {
    let files = FakeFiles::default()
        .link(
            "/etc/letsencrypt/live/mx/fullchain.pem",
            "../../archive/mx/fullchain9.pem",
        )
        .file("/etc/letsencrypt/live/mx/README", "certbot");
    let w = World {
        files,
        ..World::default()
    };
    let run = w.run(&["generate", "/etc/letsencrypt/live/mx/fullchain.pem"]);
    assert_eq!(run.status, ExitStatus::Failure);
    assert_eq!(
        run.stderr,
        "daneguard: error: /etc/letsencrypt/live/mx/fullchain.pem: broken symbolic link\n"
    );
}

/// `generate` on a private key readable by others warns, and prints the key's record
/// (never the key).
#[test]
fn a_world_readable_key_is_warned_about() {
    let key = std::fs::read(testdata("pki/mx-p256/privkey.pem")).unwrap();
    let w = World {
        files: FakeFiles::default().file_with_mode("/etc/ssl/mx.key", key, 0o644),
        ..World::default()
    };
    let run = w.run(&["generate", "--host", HOST, "/etc/ssl/mx.key"]);
    assert_eq!(run.status, ExitStatus::Ok, "{}", run.stderr);
    let spki = hex::encode(digest(P256, 1, 1));
    assert!(run.stdout.contains(&spki), "{}", run.stdout);
    assert!(!run.stdout.contains("PRIVATE"));
    assert!(
        run.stderr.contains(
            "/etc/ssl/mx.key: holds a private key but is readable by group or others (mode 644); consider chmod 600"
        ),
        "{}",
        run.stderr
    );
}

/// A `--ca-certs` directory is listed through the seam; a directory without the
/// certificates is refused with its name.
#[test]
fn ca_certs_directory_is_read_through_the_seam() {
    let w = World {
        files: FakeFiles::default().file("/srv/ca/notes.txt", "nothing here"),
        ..World::default()
    };
    let run = w.run(&["zone", "--ca-certs", "/srv/ca", "/srv/example.com.zone"]);
    assert_eq!(run.status, ExitStatus::Failure, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("daneguard: error: /srv/ca"),
        "{}",
        run.stderr
    );
}

/// `check` with nothing to check reads /etc/daneguard/daneguard.toml; given a name it
/// never reads that file (a broken one does not matter then); without the file, and
/// with nothing to check, it is a usage error.
#[test]
fn check_reads_the_default_configuration_only_when_nothing_is_named() {
    const DEFAULT: &str = "/etc/daneguard/daneguard.toml";
    let mut w = world(465, secure(vec![rec(3, 1, 1, "pki/mx-p256/cert.pem")]));
    w.files = FakeFiles::default().file(
        DEFAULT,
        format!("[check]\nhosts = [\"{HOST}\"]\nports = [465]\nallow = [\"single-record\"]\n"),
    );
    let run = w.run(&["check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let host = &doc["hosts"][0];
    assert_eq!(
        (
            host["host"].as_str(),
            host["port"].as_u64(),
            host["verdict"].as_str()
        ),
        (Some(HOST), Some(465), Some("ok")),
        "{run:?}"
    );
    assert_eq!(doc["hosts"].as_array().map(Vec::len), Some(1));
    assert_eq!(run.status, ExitStatus::Ok, "{run:?}");

    w.files = FakeFiles::default().file(DEFAULT, "[check]\nhosts = []\nnonsense = 1\n");
    let run = w.run(&["check", "--format", "json"]);
    assert_eq!(run.status, ExitStatus::Failure);
    assert!(
        run.stderr.starts_with(&format!(
            "daneguard: error: {DEFAULT}: line 3: unknown field `nonsense`"
        )),
        "{run:?}"
    );
    let run = w.run(&["check", "--format", "json", "--port", "465", HOST]);
    assert_eq!(run.stderr, "", "{run:?}");
    assert!(run.stdout.contains(HOST), "{run:?}");

    let run = World::default().run(&["check"]);
    assert_eq!(run.status, ExitStatus::Failure);
    assert_eq!(
        run.stderr,
        "daneguard: error: give host names (or mail domains with --mx), or --from FILE, or --config FILE\n"
    );
}

/// `--starttls` and `--connect` need `--live`, which the configuration's `[check]`
/// may give instead of the flag.
#[test]
fn starttls_needs_live_from_the_flag_or_the_configuration() {
    let w = presenting(
        world(25, secure(vec![rec(3, 1, 1, P256)])),
        25,
        ecdsa(&[P256, INT_EC]),
    );
    let run = w.run(&["check", "--starttls", "smtp", HOST]);
    assert_eq!(run.status, ExitStatus::Failure);
    assert_eq!(
        run.stderr,
        "daneguard: error: --starttls and --connect need --live (or live = true in [check] of the configuration)\n"
    );
    let config = format!("[check]\nhosts = [\"{HOST}\"]\nlive = true\n");
    let w = World {
        files: FakeFiles::default().file("/etc/dg.toml", config),
        ..w
    };
    let run = w.run(&[
        "check",
        "--config",
        "/etc/dg.toml",
        "--starttls",
        "smtp",
        "--format",
        "json",
    ]);
    assert_eq!(run.status, ExitStatus::Ok, "{}", run.stderr);
    let (senders, verdict, codes) = summary(&run);
    assert_eq!(
        (senders.as_str(), verdict.as_str(), codes),
        ("authenticated", "warn", vec!["single-record".to_string()])
    );
}
