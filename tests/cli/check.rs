//! `check` against the in-process signed hickory-server (real DNS on 127.0.0.1).

// The document structs pin the JSON schema: parsing with deny_unknown_fields fails on
// any added, removed or renamed field, so not every field is read by a test.
#![allow(dead_code)]

use serde::Deserialize;

use crate::dnsserver;
use crate::util::run;

/// The JSON schema of `check --format json|jsonl`, parsed back strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckDoc {
    pub schema: u32,
    pub hosts: Vec<HostDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostDoc {
    pub domain: Option<String>,
    pub host: String,
    pub port: u16,
    pub tlsa_name: String,
    pub canonical: Option<String>,
    pub lookups: LookupsDoc,
    pub chain: Option<ChainDoc>,
    pub records: Vec<RecordDoc>,
    pub live: Vec<LiveDoc>,
    /// What DANE senders do: authenticated, encrypted, opportunistic, deferred or null.
    pub senders: Option<String>,
    pub findings: Vec<FindingDoc>,
    pub verdict: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveDoc {
    pub address: String,
    pub protocol: String,
    pub error: Option<String>,
    pub certificates: Vec<LiveCertDoc>,
    pub senders: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveCertDoc {
    pub family: String,
    pub chain: Vec<serde_json::Value>,
    pub matched: Vec<usize>,
    pub preferred: bool,
    pub unreadable: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupsDoc {
    pub mx: Option<AnswerDoc>,
    pub addresses: Option<AnswerDoc>,
    pub tlsa: Option<AnswerDoc>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerDoc {
    pub result: String,
    pub dnssec: Option<String>,
    pub ttl: Option<u32>,
    pub records: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainDoc {
    pub input: String,
    pub certificates: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDoc {
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    pub data: String,
    pub names: String,
    pub usable: bool,
    pub unusable_reason: Option<String>,
    pub matched: String,
    pub depth: Option<usize>,
    pub void_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingDoc {
    pub code: String,
    pub severity: String,
    pub message: String,
}

impl HostDoc {
    pub fn codes(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.code.as_str()).collect()
    }
}

/// Runs `check` against the server with JSON output and parses it.
fn check_json(dns: &dnsserver::TestDns, extra: &[&str]) -> (i32, CheckDoc, String) {
    let mut args: Vec<String> = vec!["check".into(), "--format".into(), "json".into()];
    args.extend(dns.args());
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    let doc: CheckDoc =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{r:?}"));
    assert_eq!(doc.schema, 2);
    (r.code, doc, r.stderr)
}

#[test]
fn secure_match_with_key_and_issuer_cover_is_ok() {
    let dns = dnsserver::start();
    let (code, doc, stderr) =
        check_json(&dns, &["mx.dane.test", "--chain", "testdata/pki/mx-p256"]);
    println!("{doc:#?}\n{stderr}");
    assert_eq!(code, 0);
}

/// host, expected exit status, verdict, finding codes, TLSA result, TLSA DNSSEC status
type Case = (
    &'static str,
    i32,
    &'static str,
    &'static [&'static str],
    &'static str,
    &'static str,
);

const CASES: &[Case] = &[
    (
        "single.dane.test",
        0,
        "warn",
        &["single-record"],
        "found",
        "secure",
    ),
    (
        "mismatch.dane.test",
        1,
        "fail",
        &["stale-record", "no-match"],
        "found",
        "secure",
    ),
    ("bad.dane.test", 1, "fail", &["bogus"], "bogus", "bogus"),
    (
        "nodata.dane.test",
        0,
        "warn",
        &["no-tlsa"],
        "nodata",
        "secure",
    ),
    (
        "ns.dane.test",
        0,
        "warn",
        &["no-tlsa"],
        "nxdomain",
        "secure",
    ),
    (
        "pkix.dane.test",
        0,
        "warn",
        &["pkix-usage-smtp", "no-usable-records"],
        "found",
        "secure",
    ),
    ("alias.dane.test", 0, "ok", &[], "found", "secure"),
];

#[test]
fn each_dnssec_and_match_case_gets_its_verdict() {
    let dns = dnsserver::start();
    for (host, code, verdict, codes, tlsa_result, tlsa_dnssec) in CASES {
        let (status, doc, stderr) = check_json(&dns, &[host, "--chain", "testdata/pki/mx-p256"]);
        let h = &doc.hosts[0];
        assert_eq!(
            (status, h.verdict.as_str(), h.codes()),
            (*code, *verdict, codes.to_vec()),
            "{host}: {h:#?}\n{stderr}"
        );
        let tlsa = h.lookups.tlsa.as_ref().expect("TLSA looked up");
        assert_eq!(
            (tlsa.result.as_str(), tlsa.dnssec.as_deref()),
            (*tlsa_result, Some(*tlsa_dnssec)),
            "{host}"
        );
        assert!(stderr.is_empty(), "{host}: {stderr}");
    }
}

fn check_args(dns: &dnsserver::TestDns, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["check".into()];
    args.extend(dns.args());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn run_check(dns: &dnsserver::TestDns, extra: &[&str]) -> crate::util::Run {
    let args = check_args(dns, extra);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&argv)
}

#[test]
fn table_shows_lookups_records_matches_and_findings() {
    let dns = dnsserver::start();
    let r = run_check(
        &dns,
        &[
            "--format",
            "table",
            "single.dane.test",
            "--chain",
            "testdata/pki/mx-p256",
        ],
    );
    let leaf = crate::util::openssl_tlsa(&crate::util::td("pki/mx-p256/cert.pem"), 1, 1);
    let expected = format!(
        "single.dane.test port 25: WARN
  addresses: secure, 1 record, TTL 3600: 127.0.0.1
  TLSA:      secure, 1 record, TTL 300 at _25._tcp.single.dane.test.
  chain:     testdata/pki/mx-p256/fullchain.pem
  senders:   authenticated (DANE senders verify the server)
┌────────┬───────────────────────┬────────┬──────────────────────────────┬──────────────────────────────────────────────────────────────────┐
│ Record ┆ Meaning               ┆ Usable ┆ Matches                      ┆ Data                                                             │
╞════════╪═══════════════════════╪════════╪══════════════════════════════╪══════════════════════════════════════════════════════════════════╡
│ 3 1 1  ┆ DANE-EE SPKI SHA2-256 ┆ yes    ┆ depth 0: CN = mx.example.com ┆ {leaf} │
└────────┴───────────────────────┴────────┴──────────────────────────────┴──────────────────────────────────────────────────────────────────┘
  warn single-record: only one published record matches: a key or issuer change breaks DANE; publish 3 1 1 for the key and 2 1 1 for the issuer

"
    );
    r.exact(0, &expected, "");
}

#[test]
fn mx_mode_checks_every_mx_host_in_preference_order() {
    let dns = dnsserver::start();
    let (code, doc, stderr) = check_json(
        &dns,
        &["--mx", "dane.test", "--chain", "testdata/pki/mx-p256"],
    );
    assert_eq!(code, 1, "{doc:#?}\n{stderr}");
    let hosts: Vec<(&str, &str, Option<&str>)> = doc
        .hosts
        .iter()
        .map(|h| (h.host.as_str(), h.verdict.as_str(), h.domain.as_deref()))
        .collect();
    assert_eq!(
        hosts,
        vec![
            ("mx.dane.test", "ok", Some("dane.test")),
            ("mismatch.dane.test", "fail", Some("dane.test"))
        ]
    );
    let mx = doc.hosts[0].lookups.mx.as_ref().expect("MX looked up");
    assert_eq!(mx.result, "found");
    assert_eq!(mx.dnssec.as_deref(), Some("secure"));
    // Each host report carries its own MX entry, not the whole set (issue: a 1,000-host
    // MX set was repeated in every host's report).
    assert_eq!(mx.records, vec!["10 mx.dane.test."]);
    let mx2 = doc.hosts[1].lookups.mx.as_ref().expect("MX looked up");
    assert_eq!(mx2.records, vec!["20 mismatch.dane.test."]);
    let addresses = doc.hosts[0].lookups.addresses.as_ref().expect("addresses");
    assert_eq!(addresses.records, vec!["127.0.0.1", "::1"]);
    assert_eq!(addresses.dnssec.as_deref(), Some("secure"));
}

#[test]
fn per_host_chains_apply_to_their_host_only() {
    let dns = dnsserver::start();
    let (code, doc, _) = check_json(
        &dns,
        &[
            "mx.dane.test",
            "single.dane.test",
            "--chain",
            "mx.dane.test=testdata/pki/mx-p256",
            "--chain",
            "single.dane.test=testdata/pki/mx-p256-newkey",
        ],
    );
    assert_eq!(code, 1);
    let chains: Vec<(&str, &str, &str)> = doc
        .hosts
        .iter()
        .map(|h| {
            (
                h.host.as_str(),
                h.chain.as_ref().map_or("", |c| c.input.as_str()),
                h.verdict.as_str(),
            )
        })
        .collect();
    assert_eq!(
        chains,
        vec![
            ("mx.dane.test", "testdata/pki/mx-p256/fullchain.pem", "ok"),
            (
                "single.dane.test",
                "testdata/pki/mx-p256-newkey/fullchain.pem",
                "fail"
            ),
        ]
    );
    assert_eq!(
        doc.hosts[0].chain.as_ref().map(|c| c.certificates.len()),
        Some(2)
    );
}

#[test]
fn allow_silences_a_code_and_strict_turns_warnings_into_exit_1() {
    let dns = dnsserver::start();
    let chain = ["--chain", "testdata/pki/mx-p256"];
    let (code, doc, _) = check_json(&dns, &["single.dane.test", chain[0], chain[1], "--strict"]);
    assert_eq!((code, doc.hosts[0].verdict.as_str()), (1, "warn"));
    let (code, doc, _) = check_json(
        &dns,
        &[
            "single.dane.test",
            chain[0],
            chain[1],
            "--strict",
            "--allow",
            "single-record",
        ],
    );
    assert_eq!((code, doc.hosts[0].verdict.as_str()), (0, "ok"));
    assert!(doc.hosts[0].findings.is_empty());
    let r = run_check(&dns, &["single.dane.test", "--allow", "no-such-code"]);
    r.code(2);
    assert!(r.stderr.contains("unknown finding code"), "{r:?}");
}

#[test]
fn without_a_chain_records_are_checked_but_not_compared() {
    let dns = dnsserver::start();
    let (code, doc, _) = check_json(&dns, &["mx.dane.test"]);
    assert_eq!(code, 0);
    let h = &doc.hosts[0];
    assert_eq!(h.codes(), vec!["no-chain"]);
    assert_eq!(h.findings[0].severity, "info");
    assert!(
        h.records
            .iter()
            .all(|r| r.matched == "not-compared" && r.usable)
    );
    assert_eq!(h.verdict, "ok");
}

#[test]
fn jsonl_streams_one_object_per_host_from_a_names_file() {
    let dns = dnsserver::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("names.txt");
    std::fs::write(
        &list,
        "# hosts\nmx.dane.test\n\nsingle.dane.test  # one record\nnodata.dane.test\n",
    )
    .expect("write");
    let list = list.display().to_string();
    let r = run_check(
        &dns,
        &[
            "--format",
            "jsonl",
            "--from",
            &list,
            "--concurrency",
            "2",
            "--chain",
            "testdata/pki/mx-p256",
        ],
    );
    r.code(0);
    let mut hosts: Vec<String> = r
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<HostDoc>(l)
                .unwrap_or_else(|e| panic!("{e}: {l}"))
                .host
        })
        .collect();
    hosts.sort();
    assert_eq!(
        hosts,
        vec!["mx.dane.test", "nodata.dane.test", "single.dane.test"]
    );
}

#[test]
fn names_from_stdin_and_a_bad_name_is_an_error_for_that_name_only() {
    let dns = dnsserver::start();
    let args = check_args(&dns, &["--format", "jsonl", "--from", "-"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = crate::util::run_with(&argv, Some(b"mx.dane.test\nnot a name\n"), &[]);
    r.code(2);
    assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
    assert_eq!(
        r.stderr,
        "daneguard: error: - line 2: 'not a name': 'not a name' is not a valid host name\n"
    );
}

/// A directory as `--from` is one error, not the same read error forever.
#[test]
fn a_directory_as_the_names_file_is_one_error() {
    let dns = dnsserver::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let shown = dir.path().display().to_string();
    let r = run_check(&dns, &["--from", &shown, "mx.dane.test"]);
    r.code(2);
    assert_eq!(
        r.stderr,
        format!("daneguard: error: {shown}: cannot read: is a directory\n"),
        "{r:?}"
    );
}

/// A line past the limit ends the file (nothing is held beyond the limit, so an
/// endless line such as /dev/zero's is refused at once); names before it are checked.
#[test]
fn a_names_file_with_an_overlong_line_is_read_up_to_it() {
    let dns = dnsserver::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let list = dir.path().join("names.txt");
    let long = "x".repeat(1025);
    std::fs::write(&list, format!("mx.dane.test\n{long}\nsingle.dane.test\n")).expect("write");
    let list = list.display().to_string();
    let r = run_check(&dns, &["--format", "jsonl", "--from", &list]);
    r.code(2);
    assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
    assert_eq!(
        r.stderr,
        format!("daneguard: error: {list} line 2: longer than 1024 bytes\n")
    );
    let r = run_check(&dns, &["--from", "/dev/zero"]);
    r.code(2);
    assert_eq!(
        r.stderr,
        "daneguard: error: /dev/zero line 1: longer than 1024 bytes\n"
    );
}

/// A `--chain HOST=PATH` for a host that is not checked (a typo) is an error: the
/// host meant would otherwise pass, compared with nothing.
#[test]
fn a_chain_for_a_host_not_checked_is_an_error() {
    let dns = dnsserver::start();
    let r = run_check(
        &dns,
        &[
            "--chain",
            "mx.dnae.test=testdata/pki/mx-p256",
            "mx.dane.test",
        ],
    );
    r.code(2);
    assert_eq!(
        r.stderr,
        "daneguard: error: --chain mx.dnae.test=…: no host of that name was checked, so that chain was compared with nothing\n",
        "{r:?}"
    );
    // the same chain for the host checked: used, no error
    run_check(
        &dns,
        &[
            "--chain",
            "mx.dane.test=testdata/pki/mx-p256",
            "mx.dane.test",
        ],
    )
    .code(0);
}

/// Nagios keeps stdout only: a name that could not be checked is named there.
#[test]
fn nagios_names_the_names_it_could_not_check() {
    let dns = dnsserver::start();
    let r = run_check(&dns, &["--format", "nagios", "bad..name", "mx.dane.test"]);
    r.code(3);
    let first = r.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(
            "DANE UNKNOWN - 1 name could not be checked ('bad..name': 'bad..name' has an empty label)"
        ),
        "{r:?}"
    );
    assert!(
        r.stdout
            .contains("not checked:\n  'bad..name': 'bad..name' has an empty label\n"),
        "{r:?}"
    );
}

#[test]
fn a_silent_resolver_is_could_not_decide_not_no_tlsa() {
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = dead.local_addr().expect("addr").to_string();
    let dns = dnsserver::start();
    let anchor = dns.anchor.display().to_string();
    let r = run(&[
        "check",
        "--resolver",
        &addr,
        "--trust-anchor",
        &anchor,
        "--timeout",
        "1",
        "mx.dane.test",
    ]);
    r.code(2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("did not answer (time-out); could not decide anything"),
        "{r:?}"
    );
}

#[test]
fn a_resolver_that_strips_dnssec_is_could_not_decide() {
    let plain = dnsserver::start_unsigned();
    let signed = dnsserver::start();
    let anchor = signed.anchor.display().to_string();
    let addr = plain.addr.to_string();
    let r = run(&[
        "check",
        "--resolver",
        &addr,
        "--trust-anchor",
        &anchor,
        "mx.dane.test",
    ]);
    r.code(2);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("it strips DNSSEC data"), "{r:?}");
    assert!(r.stderr.contains("--resolver"), "{r:?}");
}

#[test]
fn a_wrong_trust_anchor_file_is_bad_input() {
    let dns = dnsserver::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("anchor.txt");
    std::fs::write(&bad, "this is not a key\n").expect("write");
    let bad = bad.display().to_string();
    let addr = dns.addr.to_string();
    let r = run(&[
        "check",
        "--resolver",
        &addr,
        "--trust-anchor",
        &bad,
        "mx.dane.test",
    ]);
    r.code(2);
    assert!(
        r.stderr.starts_with(&format!(
            "daneguard: error: {bad}: not a DNSKEY trust anchor"
        )),
        "{r:?}"
    );
}
