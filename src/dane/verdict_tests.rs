//! Unit tests for the verdict rules, on synthetic lookups and the test PKI.
//!
//! Certificates come from `testdata/pki` (see `testdata/README.md`); the association data
//! published in the synthetic TLSA answers is, wherever possible, the openssl-computed hex
//! from `testdata/expected/digests.txt`, so these tests do not trust daneguard's own
//! digest code to decide what "matching" means.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::*;
use crate::exit::ExitStatus;
use crate::findings::Code;
use crate::input::material::{self, Material};
use crate::lookup::Security;
use crate::tlsa::Params;

/// 2030-01-01T00:00:00Z: inside the test PKI's validity (2025 to 2125), after the
/// `expired` lineage (2020 to 2021) and before `notyet` (from 2120).
const NOW: i64 = 1_893_456_000;

/// 2026-06-01T00:00:00Z: inside the real Let's Encrypt YR1's validity (2025-09-03 to
/// 2028-09-02), so that only the broken signature can void a `2 x x` match on YR1.
const NOW_LE: i64 = 1_780_272_000;

const DAY: i64 = 86_400;

/// The mx-p256 leaf (SANs mx.example.com, mail.example.com, mx.dane.test).
const P256_LEAF: &str = "pki/mx-p256/cert.pem";
/// The mx-p256 leaf followed by its issuer, int-ec.
const P256_FULLCHAIN: &str = "pki/mx-p256/fullchain.pem";
/// The ECDSA intermediate that issued the mx-p256, other-host, expired and notyet leaves.
const INT_EC: &str = "pki/ca/int-ec.pem";
/// An unrelated intermediate (issued the RSA leaves).
const INT_RSA: &str = "pki/ca/int-rsa.pem";
/// A renewal of mx-p256 with a new key: its digests match nothing in the mx-p256 chain.
const NEWKEY_LEAF: &str = "pki/mx-p256-newkey/cert.pem";

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// The certificates in a PEM file under `testdata/`, in file order.
fn certs(rel: &str) -> Vec<Certificate> {
    let path = testdata(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let parsed = material::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    match parsed.material {
        Material::Chain(certs) => certs,
        Material::Key(_) => panic!("{} holds a key, not certificates", path.display()),
    }
}

/// The one certificate in a single-certificate PEM file.
fn cert(rel: &str) -> Certificate {
    let mut all = certs(rel);
    assert_eq!(all.len(), 1, "{rel} should hold exactly one certificate");
    all.remove(0)
}

/// The openssl-computed association data for a file, from `expected/digests.txt`.
fn openssl_digest(rel: &str, selector: u8, matching: u8) -> Vec<u8> {
    let path = testdata("expected/digests.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (s, m) = (selector.to_string(), matching.to_string());
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [p, ls, lm, hex] if p == rel && ls == s && lm == m => {
                    Some(hex::decode(hex).expect("hex in digests.txt"))
                }
                _ => None,
            },
        )
        .unwrap_or_else(|| panic!("no digest for {rel} {selector} {matching} in digests.txt"))
}

fn rec(usage: u8, selector: u8, matching: u8, data: Vec<u8>) -> Tlsa {
    Tlsa {
        params: Params::new(usage, selector, matching),
        data,
    }
}

/// A record with the given usage whose data is openssl's digest of `rel`.
fn published(usage: u8, selector: u8, matching: u8, rel: &str) -> Tlsa {
    rec(
        usage,
        selector,
        matching,
        openssl_digest(rel, selector, matching),
    )
}

fn found<T>(records: Vec<T>, security: Security) -> Answer<T> {
    Answer::Found {
        records,
        ttl: 300,
        security,
    }
}

fn addresses(security: Security) -> Answer<IpAddr> {
    found(vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 25))], security)
}

fn mx(security: Security) -> Answer<(u16, String)> {
    found(vec![(10, "mx.example.com.".to_string())], security)
}

/// Everything `judge` needs, owned, with defaults for a secure port-25 check of
/// mx.example.com at [`NOW`].
struct Case {
    host: Host,
    port: u16,
    mx: Option<Answer<(u16, String)>>,
    addresses: Answer<IpAddr>,
    tlsa: Answer<Tlsa>,
    chain: Option<Vec<Certificate>>,
    now: i64,
    days: u32,
    also_names: Vec<String>,
}

impl Case {
    /// Secure addresses, a secure TLSA RRset holding `records`, and the chain in `chain`.
    fn new(records: Vec<Tlsa>, chain: Option<&str>) -> Case {
        Case {
            host: Host::parse("mx.example.com").unwrap(),
            port: 25,
            mx: None,
            addresses: addresses(Security::Secure),
            tlsa: found(records, Security::Secure),
            chain: chain.map(certs),
            now: NOW,
            days: 30,
            also_names: Vec::new(),
        }
    }

    fn host(mut self, name: &str) -> Case {
        self.host = Host::parse(name).unwrap();
        self
    }

    fn judge(&self) -> HostVerdict {
        judge(&HostFacts {
            host: &self.host,
            port: self.port,
            service: Service::of(self.port, false),
            origin: Origin::Dns,
            live: &[],
            mx: self.mx.as_ref(),
            addresses: &self.addresses,
            tlsa: &self.tlsa,
            chain: self.chain.as_deref(),
            now: self.now,
            days: self.days,
            also_names: &self.also_names,
        })
    }
}

/// The finding codes, sorted, for order-independent comparison.
fn codes(v: &HostVerdict) -> Vec<Code> {
    let mut c: Vec<Code> = v.findings.iter().map(|f| f.code).collect();
    c.sort();
    c
}

fn sorted(mut c: Vec<Code>) -> Vec<Code> {
    c.sort();
    c
}

/// The only finding with `code`; panics (showing all findings) if there is not exactly one.
fn the(v: &HostVerdict, code: Code) -> &Finding {
    let hits: Vec<&Finding> = v.findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(
        hits.len(),
        1,
        "expected one {code} finding in {:#?}",
        v.findings
    );
    hits[0]
}

fn has(v: &HostVerdict, code: Code) -> bool {
    v.findings.iter().any(|f| f.code == code)
}

/// `3 1 1` for the mx-p256 leaf and `2 1 1` for int-ec: the recommended pair.
fn ee_and_ta_pair() -> Vec<Tlsa> {
    vec![published(3, 1, 1, P256_LEAF), published(2, 1, 1, INT_EC)]
}

// ---------------------------------------------------------------------------------------
// Matching, and the verdict / exit status
// ---------------------------------------------------------------------------------------

#[test]
fn matching_ee_and_ta_pair_is_ok_without_findings() {
    let v = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN)).judge();
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert_eq!(v.verdict, Verdict::Ok);
    assert_eq!(v.records.len(), 2);
    assert_eq!(v.records[0].matched, Match::Cert { depth: 0 });
    assert_eq!(v.records[1].matched, Match::Cert { depth: 1 });
    assert!(v.records.iter().all(RecordResult::counts));
    assert!(
        v.records
            .iter()
            .all(|r| r.unusable.is_none() && r.void.is_none())
    );
    assert_eq!(v.verdict.exit_status(false), ExitStatus::Ok);
    assert_eq!(v.verdict.exit_status(true), ExitStatus::Ok);
}

#[test]
fn verdicts_map_to_exit_statuses() {
    for strict in [false, true] {
        assert_eq!(Verdict::Ok.exit_status(strict).code(), 0);
        assert_eq!(Verdict::Fail.exit_status(strict).code(), 1);
        assert_eq!(Verdict::Error.exit_status(strict).code(), 2);
    }
    assert_eq!(Verdict::Warn.exit_status(false).code(), 0);
    assert_eq!(Verdict::Warn.exit_status(true).code(), 1);
}

#[test]
fn single_matching_record_warns_single_record() {
    let v = Case::new(vec![published(3, 1, 1, P256_LEAF)], Some(P256_FULLCHAIN)).judge();
    assert_eq!(codes(&v), vec![Code::SingleRecord]);
    assert_eq!(v.verdict, Verdict::Warn);
    assert_eq!(v.verdict.exit_status(false), ExitStatus::Ok);
    assert_eq!(v.verdict.exit_status(true), ExitStatus::Findings);
}

#[test]
fn stale_record_warns_alongside_a_match() {
    let mut records = ee_and_ta_pair();
    records.push(published(3, 1, 1, NEWKEY_LEAF));
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert_eq!(codes(&v), vec![Code::StaleRecord]);
    assert_eq!(v.records[2].matched, Match::Nothing);
    assert!(v.records[2].unusable.is_none());
    assert!(the(&v, Code::StaleRecord).message.contains("3 1 1"));
    assert_eq!(v.verdict, Verdict::Warn);
}

#[test]
fn nothing_matching_fails_no_match() {
    let records = vec![published(3, 1, 1, NEWKEY_LEAF), published(2, 1, 1, INT_RSA)];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert_eq!(
        codes(&v),
        sorted(vec![Code::NoMatch, Code::StaleRecord, Code::StaleRecord])
    );
    assert!(v.records.iter().all(|r| r.matched == Match::Nothing));
    assert_eq!(the(&v, Code::NoMatch).severity, Severity::Fail);
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(v.verdict.exit_status(false), ExitStatus::Findings);
}

/// RFC 7672 §3.1.3: SMTP senders ignore usages 0 and 1, even when they match.
#[test]
fn only_pkix_usages_on_port_25_give_no_usable_records() {
    let records = vec![published(1, 1, 1, P256_LEAF), published(0, 1, 1, INT_EC)];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert_eq!(
        codes(&v),
        sorted(vec![
            Code::NoUsableRecords,
            Code::PkixUsageSmtp,
            Code::PkixUsageSmtp
        ])
    );
    for r in &v.records {
        let why = r
            .unusable
            .as_deref()
            .expect("PKIX usage on port 25 is unusable");
        assert!(why.contains("RFC 7672"), "{why}");
        assert!(!r.counts());
    }
    assert!(!has(&v, Code::NoMatch));
    assert_eq!(the(&v, Code::NoUsableRecords).severity, Severity::Warn);
    assert_eq!(v.verdict, Verdict::Warn);
}

#[test]
fn only_wrong_length_records_give_no_usable_records() {
    let mut short = openssl_digest(P256_LEAF, 1, 1);
    short.pop();
    let records = vec![
        rec(3, 1, 1, short),
        rec(2, 1, 2, openssl_digest(INT_EC, 1, 1)),
    ];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert_eq!(
        codes(&v),
        sorted(vec![
            Code::NoUsableRecords,
            Code::UnusableRecord,
            Code::UnusableRecord
        ])
    );
    assert!(!has(&v, Code::PkixUsageSmtp));
    assert!(!has(&v, Code::NoMatch));
    assert_eq!(v.verdict, Verdict::Warn);
}

#[test]
fn pkix_usages_on_port_443_are_usable_and_not_flagged() {
    let records = vec![published(1, 1, 1, P256_LEAF), published(0, 1, 1, INT_EC)];
    let mut case = Case::new(records, Some(P256_FULLCHAIN));
    case.port = 443;
    let v = case.judge();
    assert!(!has(&v, Code::PkixUsageSmtp), "{:#?}", v.findings);
    assert!(!has(&v, Code::NoUsableRecords));
    assert!(v.records.iter().all(|r| r.unusable.is_none()));
    assert_eq!(v.records[0].matched, Match::Cert { depth: 0 });
    assert_eq!(v.records[1].matched, Match::Cert { depth: 1 });
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert_eq!(v.verdict, Verdict::Ok);
}

/// RFC 6698 §2.1 / RFC 7671 §4: unknown parameters and wrong-length digests make the
/// record unusable (never the whole RRset), and the finding says why.
#[test]
fn boundary_values_are_unusable_with_a_reason() {
    let d256 = openssl_digest(P256_LEAF, 1, 1);
    let d512 = openssl_digest(P256_LEAF, 1, 2);
    let mut long = d256.clone();
    long.push(0);
    let cases: Vec<(Tlsa, &str)> = vec![
        (rec(4, 1, 1, d256.clone()), "usage 4"),
        (rec(255, 1, 1, d256.clone()), "usage 255"),
        (rec(3, 2, 1, d256.clone()), "selector 2"),
        (rec(3, 255, 1, d256.clone()), "selector 255"),
        (rec(3, 1, 3, d256.clone()), "matching type 3"),
        (rec(3, 1, 255, d256.clone()), "matching type 255"),
        // A 31-byte prefix of the right digest must not match as a prefix.
        (rec(3, 1, 1, d256[..31].to_vec()), "32 bytes, not 31"),
        (rec(3, 1, 1, long), "32 bytes, not 33"),
        // The first 32 bytes of the right SHA2-512 digest, published as SHA2-512.
        (rec(3, 1, 2, d512[..32].to_vec()), "64 bytes, not 32"),
        (rec(3, 1, 0, Vec::new()), "empty"),
        (rec(3, 1, 1, Vec::new()), "32 bytes, not 0"),
        (rec(3, 1, 2, Vec::new()), "64 bytes, not 0"),
    ];
    for (tlsa, reason) in cases {
        let label = tlsa.to_string();
        let v = Case::new(vec![tlsa], Some(P256_FULLCHAIN)).judge();
        let r = &v.records[0];
        let why = r
            .unusable
            .as_deref()
            .unwrap_or_else(|| panic!("{label}: usable"));
        assert!(why.contains(reason), "{label}: {why:?} lacks {reason:?}");
        assert_eq!(r.matched, Match::Nothing, "{label}");
        assert!(!r.counts(), "{label}");
        assert_eq!(
            codes(&v),
            sorted(vec![Code::NoUsableRecords, Code::UnusableRecord]),
            "{label}"
        );
        assert!(
            the(&v, Code::UnusableRecord).message.contains(reason),
            "{label}"
        );
        assert_eq!(v.verdict, Verdict::Warn, "{label}");
    }
}

#[test]
fn in_range_boundary_values_are_usable() {
    // 3 1 0 (the full SPKI) and 3 0 2 (SHA2-512 of the whole certificate).
    let leaf = cert(P256_LEAF);
    assert_eq!(
        Sha256::digest(&leaf.spki).to_vec(),
        openssl_digest(P256_LEAF, 1, 1)
    );
    let records = vec![
        rec(3, 1, 0, leaf.spki.clone()),
        published(3, 0, 2, P256_LEAF),
    ];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert!(
        v.records.iter().all(RecordResult::counts),
        "{:#?}",
        v.records
    );
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
}

#[test]
fn an_unusable_record_does_not_hide_usable_matches() {
    let mut records = ee_and_ta_pair();
    records.push(rec(4, 1, 1, openssl_digest(P256_LEAF, 1, 1)));
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert_eq!(codes(&v), vec![Code::UnusableRecord]);
    assert_eq!(v.verdict, Verdict::Warn);
}

// ---------------------------------------------------------------------------------------
// DANE-TA (RFC 7671 §5.2, RFC 7672 §3.2)
// ---------------------------------------------------------------------------------------

#[test]
fn dane_ta_matching_the_leaf_does_not_count() {
    let v = Case::new(vec![published(2, 1, 1, P256_LEAF)], Some(P256_FULLCHAIN)).judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::Cert { depth: 0 });
    assert_eq!(r.void, Some(Void::LeafAsTa));
    assert!(!r.counts());
    assert_eq!(codes(&v), sorted(vec![Code::NoMatch, Code::TaChainBroken]));
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn dane_ta_matching_the_intermediate_counts_when_the_leaf_names_the_host() {
    for host in ["mx.example.com", "mail.example.com", "mx.dane.test"] {
        let v = Case::new(vec![published(2, 1, 1, INT_EC)], Some(P256_FULLCHAIN))
            .host(host)
            .judge();
        let r = &v.records[0];
        assert_eq!(r.matched, Match::Cert { depth: 1 }, "{host}");
        assert_eq!(r.void, None, "{host}");
        assert!(r.counts(), "{host}");
        assert_eq!(codes(&v), vec![Code::SingleRecord], "{host}");
    }
}

/// RFC 7672 §3.2.3: DANE-TA needs the leaf to name the TLSA base domain or MX host.
#[test]
fn dane_ta_match_with_a_leaf_not_naming_the_host_does_not_count() {
    let v = Case::new(
        vec![published(2, 1, 1, INT_EC)],
        Some("pki/other-host/fullchain.pem"),
    )
    .judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::Cert { depth: 1 });
    assert!(
        matches!(r.void, Some(Void::NameMismatch(_))),
        "{:?}",
        r.void
    );
    assert!(!r.counts());
    assert_eq!(codes(&v), sorted(vec![Code::NameMismatch, Code::NoMatch]));
    assert!(
        the(&v, Code::NameMismatch)
            .message
            .contains("other.example.org")
    );
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn dane_ta_name_match_through_also_names_counts() {
    let mut case = Case::new(
        vec![published(2, 1, 1, INT_EC)],
        Some("pki/other-host/fullchain.pem"),
    );
    case.also_names = vec![
        "mail.example.net".to_string(),
        "other.example.org".to_string(),
    ];
    let v = case.judge();
    assert_eq!(v.records[0].void, None);
    assert!(v.records[0].counts());
    assert_eq!(codes(&v), vec![Code::SingleRecord]);
}

/// RFC 7672 §3.1.1: DANE-EE does not check names, so the wrong-name leaf still counts.
#[test]
fn dane_ee_ignores_the_leaf_names() {
    let v = Case::new(
        vec![published(3, 1, 1, "pki/other-host/cert.pem")],
        Some("pki/other-host/fullchain.pem"),
    )
    .judge();
    assert!(v.records[0].counts());
    assert_eq!(codes(&v), vec![Code::SingleRecord]);
}

/// The le-rsa leaf carries YR1's exact issuer name but was signed by a stand-in: a
/// DANE-TA match on the real YR1 must not count (RFC 7671 §5.2.2: the chain up to the
/// trust anchor must verify).
#[test]
fn dane_ta_match_above_an_unverifiable_link_is_ta_chain_broken() {
    let mut case = Case::new(
        vec![published(2, 1, 1, "letsencrypt/gen-y/int-yr1.pem")],
        Some("pki/le-rsa/fullchain.pem"),
    );
    case.now = NOW_LE;
    let v = case.judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::Cert { depth: 1 });
    assert!(matches!(r.void, Some(Void::BrokenChain(_))), "{:?}", r.void);
    assert!(!r.counts());
    assert_eq!(codes(&v), sorted(vec![Code::NoMatch, Code::TaChainBroken]));
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn dane_ee_match_survives_an_unverifiable_issuer_link() {
    let records = vec![
        published(3, 1, 1, "pki/le-rsa/cert.pem"),
        published(2, 1, 1, "letsencrypt/gen-y/int-yr1.pem"),
    ];
    let mut case = Case::new(records, Some("pki/le-rsa/fullchain.pem"));
    case.now = NOW_LE;
    let v = case.judge();
    assert!(v.records[0].counts());
    assert!(!v.records[1].counts());
    assert_eq!(
        codes(&v),
        sorted(vec![Code::SingleRecord, Code::TaChainBroken])
    );
    assert_eq!(v.verdict, Verdict::Warn);
}

#[test]
fn dane_ta_match_with_a_not_yet_valid_leaf_does_not_count() {
    let v = Case::new(
        vec![published(2, 1, 1, INT_EC)],
        Some("pki/notyet/fullchain.pem"),
    )
    .judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::Cert { depth: 1 });
    assert!(matches!(r.void, Some(Void::OutOfDate(_))), "{:?}", r.void);
    assert!(!r.counts());
    assert!(has(&v, Code::NoMatch));
    assert_eq!(v.verdict, Verdict::Fail);
}

/// RFC 7671 §5.2.2: a `2 1 0` record (the TA's full key) can vouch for the top certificate
/// sent even when the TA itself is not sent.
#[test]
fn dane_ta_full_key_signing_the_only_certificate_matches_as_top_signer() {
    let spki = cert(INT_EC).spki;
    // The key we publish is the one openssl digests as int-ec's SPKI.
    assert_eq!(Sha256::digest(&spki).to_vec(), openssl_digest(INT_EC, 1, 1));
    let v = Case::new(vec![rec(2, 1, 0, spki)], Some(P256_LEAF)).judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::TopSigner);
    assert_eq!(r.void, None);
    assert!(r.counts());
    assert_eq!(codes(&v), vec![Code::SingleRecord]);
}

/// RFC 7671 §5.2.2 with `2 0 0`: the TA's full certificate in the record.
#[test]
fn dane_ta_full_certificate_signing_the_only_certificate_matches_as_top_signer() {
    let der = cert(INT_EC).der;
    assert_eq!(Sha256::digest(&der).to_vec(), openssl_digest(INT_EC, 0, 1));
    let v = Case::new(vec![rec(2, 0, 0, der)], Some(P256_LEAF)).judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::TopSigner);
    assert_eq!(r.void, None);
    assert!(r.counts());
    assert_eq!(codes(&v), vec![Code::SingleRecord]);
}

#[test]
fn dane_ta_full_key_sent_in_the_chain_matches_the_certificate() {
    let v = Case::new(vec![rec(2, 1, 0, cert(INT_EC).spki)], Some(P256_FULLCHAIN)).judge();
    assert_eq!(v.records[0].matched, Match::Cert { depth: 1 });
    assert!(v.records[0].counts());
}

#[test]
fn dane_ta_full_key_of_a_ca_that_did_not_sign_matches_nothing() {
    let v = Case::new(vec![rec(2, 1, 0, cert(INT_RSA).spki)], Some(P256_LEAF)).judge();
    assert_eq!(v.records[0].matched, Match::Nothing);
    assert_eq!(codes(&v), sorted(vec![Code::NoMatch, Code::StaleRecord]));
}

/// A digest of a TA that is not sent cannot be checked against anything (only the full
/// key or certificate can, RFC 7671 §5.2.2).
#[test]
fn dane_ta_digest_of_an_unsent_ca_matches_nothing() {
    let v = Case::new(vec![published(2, 1, 1, INT_EC)], Some(P256_LEAF)).judge();
    assert_eq!(v.records[0].matched, Match::Nothing);
    assert_eq!(codes(&v), sorted(vec![Code::NoMatch, Code::StaleRecord]));
}

#[test]
fn dane_ta_top_signer_still_needs_the_leaf_to_name_the_host() {
    let v = Case::new(
        vec![rec(2, 1, 0, cert(INT_EC).spki)],
        Some("pki/other-host/cert.pem"),
    )
    .judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::TopSigner);
    assert!(
        matches!(r.void, Some(Void::NameMismatch(_))),
        "{:?}",
        r.void
    );
    assert_eq!(codes(&v), sorted(vec![Code::NameMismatch, Code::NoMatch]));
}

// ---------------------------------------------------------------------------------------
// Digest algorithm agility (RFC 7671 §9)
// ---------------------------------------------------------------------------------------

#[test]
fn sha256_match_is_ignored_when_the_sha512_record_does_not_match() {
    let records = vec![
        published(3, 1, 1, P256_LEAF),
        published(3, 1, 2, NEWKEY_LEAF),
    ];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert!(v.records[0].counts(), "the SHA2-256 record itself matches");
    assert_eq!(v.records[1].matched, Match::Nothing);
    assert_eq!(codes(&v), sorted(vec![Code::NoMatch, Code::StaleRecord]));
    assert!(the(&v, Code::NoMatch).message.contains("RFC 7671 §9"));
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn sha256_and_sha512_of_the_same_key_both_matching_is_not_no_match() {
    let records = vec![published(3, 1, 1, P256_LEAF), published(3, 1, 2, P256_LEAF)];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert!(v.records.iter().all(RecordResult::counts));
    assert!(!has(&v, Code::NoMatch), "{:#?}", v.findings);
    assert!(!has(&v, Code::StaleRecord));
    // Both digests cover the same key: still no cover for a key or issuer change.
    assert!(has(&v, Code::SingleRecord));
    assert_ne!(v.verdict, Verdict::Fail);
}

/// RFC 7671 §9: when every SHA2-256 match is also covered by a matching SHA2-512 record of
/// the same usage and selector, a SHA2-512-preferring sender sees the same matches, so
/// there is nothing to warn about.
#[test]
fn sha256_matches_covered_by_matching_sha512_records_are_ok() {
    let records = vec![
        published(3, 1, 1, P256_LEAF),
        published(3, 1, 2, P256_LEAF),
        published(2, 1, 1, INT_EC),
        published(2, 1, 2, INT_EC),
    ];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert_eq!(v.verdict, Verdict::Ok);
}

/// The same bug on the smallest RRset: the SHA2-512 record covers exactly what the
/// SHA2-256 one does, so the digest-agility warning ("the SHA2-512 records ... do not")
/// is false. (single-record is right here: both records pin the same key.)
#[test]
fn sha256_and_sha512_of_the_same_key_is_not_digest_agility() {
    let records = vec![published(3, 1, 1, P256_LEAF), published(3, 1, 2, P256_LEAF)];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert!(!has(&v, Code::DigestAgility), "{:#?}", v.findings);
}

#[test]
fn sha512_missing_a_sha256_match_warns_digest_agility() {
    let records = vec![
        published(3, 1, 1, P256_LEAF),
        published(3, 1, 2, NEWKEY_LEAF),
        published(2, 1, 1, INT_EC),
    ];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert_eq!(
        codes(&v),
        sorted(vec![
            Code::DigestAgility,
            Code::SingleRecord,
            Code::StaleRecord
        ])
    );
    assert_eq!(v.verdict, Verdict::Warn);
}

#[test]
fn sha512_records_of_another_usage_or_selector_do_not_hide_sha256_matches() {
    for other in [published(2, 1, 2, INT_RSA), published(3, 0, 2, NEWKEY_LEAF)] {
        let label = other.params.to_string();
        let records = vec![published(3, 1, 1, P256_LEAF), other];
        let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
        assert_eq!(
            codes(&v),
            sorted(vec![Code::SingleRecord, Code::StaleRecord]),
            "{label}"
        );
    }
}

#[test]
fn unusable_sha512_record_does_not_hide_sha256_matches() {
    let records = vec![
        published(3, 1, 1, P256_LEAF),
        rec(3, 1, 2, openssl_digest(P256_LEAF, 1, 1)),
    ];
    let v = Case::new(records, Some(P256_FULLCHAIN)).judge();
    assert!(v.records[0].counts());
    assert_eq!(
        codes(&v),
        sorted(vec![Code::SingleRecord, Code::UnusableRecord])
    );
}

// ---------------------------------------------------------------------------------------
// DNSSEC status of the lookups (RFC 7672 §2)
// ---------------------------------------------------------------------------------------

#[test]
fn bogus_tlsa_fails_bogus() {
    let mut case = Case::new(Vec::new(), Some(P256_FULLCHAIN));
    case.tlsa = Answer::Bogus {
        reason: "RRSIG expired".to_string(),
    };
    let v = case.judge();
    assert_eq!(codes(&v), vec![Code::Bogus]);
    assert!(the(&v, Code::Bogus).message.contains("TLSA"));
    assert!(v.records.is_empty());
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(v.verdict.exit_status(false), ExitStatus::Findings);
}

#[test]
fn bogus_addresses_fail_bogus_even_with_matching_records() {
    let mut case = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    case.addresses = Answer::Bogus {
        reason: "no valid RRSIG".to_string(),
    };
    let v = case.judge();
    assert_eq!(codes(&v), vec![Code::Bogus]);
    assert!(the(&v, Code::Bogus).message.contains("address"));
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn bogus_mx_fails_bogus() {
    let mut case = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    case.mx = Some(Answer::Bogus {
        reason: "DS mismatch".to_string(),
    });
    let v = case.judge();
    assert_eq!(codes(&v), vec![Code::Bogus]);
    assert!(the(&v, Code::Bogus).message.contains("MX"));
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn a_failed_lookup_anywhere_is_lookup_failed_with_exit_2() {
    let failed = || "SERVFAIL".to_string();
    let mut cases = Vec::new();
    let mut c = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    c.mx = Some(Answer::Failed { reason: failed() });
    cases.push(("MX", c));
    let mut c = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    c.addresses = Answer::Failed { reason: failed() };
    cases.push(("address", c));
    let mut c = Case::new(Vec::new(), Some(P256_FULLCHAIN));
    c.tlsa = Answer::Failed { reason: failed() };
    cases.push(("TLSA", c));
    for (what, case) in cases {
        let v = case.judge();
        assert_eq!(codes(&v), vec![Code::LookupFailed], "{what}");
        let f = the(&v, Code::LookupFailed);
        assert!(
            f.message.contains(what) && f.message.contains("SERVFAIL"),
            "{f:?}"
        );
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(v.verdict, Verdict::Error, "{what}");
        assert_eq!(v.verdict.exit_status(false), ExitStatus::Failure);
        assert_eq!(v.verdict.exit_status(false).code(), 2);
    }
}

#[test]
fn insecure_tlsa_with_secure_addresses_fails_insecure_tlsa() {
    let mut case = Case::new(vec![published(3, 1, 1, NEWKEY_LEAF)], Some(P256_FULLCHAIN));
    case.tlsa = found(vec![published(3, 1, 1, NEWKEY_LEAF)], Security::Insecure);
    let v = case.judge();
    // Senders ignore the records, so no no-match / stale-record either.
    assert_eq!(codes(&v), vec![Code::InsecureTlsa]);
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn insecure_addresses_mean_dane_not_in_effect_without_no_match() {
    for tlsa_security in [Security::Secure, Security::Insecure] {
        let mut case = Case::new(Vec::new(), Some(P256_FULLCHAIN));
        case.addresses = addresses(Security::Insecure);
        case.tlsa = found(vec![published(3, 1, 1, NEWKEY_LEAF)], tlsa_security);
        let v = case.judge();
        assert_eq!(codes(&v), vec![Code::DaneNotInEffect], "{tlsa_security}");
        assert_eq!(v.verdict, Verdict::Warn);
    }
}

#[test]
fn insecure_mx_means_dane_not_in_effect() {
    let mut case = Case::new(vec![published(3, 1, 1, NEWKEY_LEAF)], Some(P256_FULLCHAIN));
    case.mx = Some(mx(Security::Insecure));
    let v = case.judge();
    assert_eq!(codes(&v), vec![Code::DaneNotInEffect]);
    assert!(the(&v, Code::DaneNotInEffect).message.contains("MX"));
    assert_eq!(v.verdict, Verdict::Warn);
}

#[test]
fn secure_mx_keeps_dane_in_effect() {
    let mut case = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    case.mx = Some(mx(Security::Secure));
    let v = case.judge();
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert_eq!(v.verdict, Verdict::Ok);

    let mut case = Case::new(vec![published(3, 1, 1, NEWKEY_LEAF)], Some(P256_FULLCHAIN));
    case.mx = Some(mx(Security::Secure));
    assert!(has(&case.judge(), Code::NoMatch));
}

#[test]
fn secure_denial_of_tlsa_warns_no_tlsa() {
    for tlsa in [
        Answer::NoData {
            security: Security::Secure,
        },
        Answer::NxDomain {
            security: Security::Secure,
        },
    ] {
        let kind = tlsa.kind();
        let mut case = Case::new(Vec::new(), Some(P256_FULLCHAIN));
        case.tlsa = tlsa;
        let v = case.judge();
        assert_eq!(codes(&v), vec![Code::NoTlsa], "{kind}");
        assert!(v.records.is_empty());
        assert_eq!(v.verdict, Verdict::Warn);
    }
}

#[test]
fn insecure_denial_of_tlsa_is_dane_not_in_effect() {
    let mut case = Case::new(Vec::new(), Some(P256_FULLCHAIN));
    case.tlsa = Answer::NoData {
        security: Security::Insecure,
    };
    let v = case.judge();
    assert_eq!(codes(&v), vec![Code::DaneNotInEffect]);
}

#[test]
fn indeterminate_statuses_are_lookup_failed() {
    let mut cases = Vec::new();
    let mut c = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    c.addresses = addresses(Security::Indeterminate);
    cases.push(("address", c));
    let mut c = Case::new(Vec::new(), Some(P256_FULLCHAIN));
    c.tlsa = found(ee_and_ta_pair(), Security::Indeterminate);
    cases.push(("TLSA", c));
    let mut c = Case::new(Vec::new(), Some(P256_FULLCHAIN));
    c.tlsa = Answer::NoData {
        security: Security::Indeterminate,
    };
    cases.push(("TLSA", c));
    for (what, case) in cases {
        let v = case.judge();
        assert_eq!(codes(&v), vec![Code::LookupFailed], "{what}");
        assert!(the(&v, Code::LookupFailed).message.contains(what));
        assert_eq!(v.verdict, Verdict::Error);
        assert_eq!(v.verdict.exit_status(false).code(), 2);
    }
}

/// RFC 7672 §2.2.1: DANE applies to an MX host only when the MX RRset was obtained
/// securely. An MX answer whose DNSSEC status could not be determined (RFC 4035 §4.3,
/// e.g. a resolver that strips DNSSEC data) does not establish that, so the check cannot
/// decide: lookup-failed, like an indeterminate address or TLSA answer. `dns_findings`
/// skips the Indeterminate test for the MX row (`f.mx.is_none_or(|_| what != "MX")` is
/// false whenever the MX row has a status), so the host is judged as if DANE applied and
/// comes out `ok`.
#[test]
fn indeterminate_mx_is_lookup_failed() {
    let mut case = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    case.mx = Some(mx(Security::Indeterminate));
    let v = case.judge();
    assert!(has(&v, Code::LookupFailed), "{:#?}", v.findings);
    assert!(the(&v, Code::LookupFailed).message.contains("MX"));
    assert_eq!(v.verdict, Verdict::Error);
}

// ---------------------------------------------------------------------------------------
// No chain
// ---------------------------------------------------------------------------------------

#[test]
fn no_chain_is_info_and_ok() {
    let v = Case::new(ee_and_ta_pair(), None).judge();
    assert_eq!(codes(&v), vec![Code::NoChain]);
    assert_eq!(the(&v, Code::NoChain).severity, Severity::Info);
    assert_eq!(v.verdict, Verdict::Ok);
    assert_eq!(v.records.len(), 2);
    for r in &v.records {
        assert_eq!(r.matched, Match::NotCompared);
        assert_eq!(r.void, None);
        assert!(r.unusable.is_none());
        assert!(!r.counts());
    }
}

#[test]
fn no_chain_still_flags_unusable_records() {
    let mut records = ee_and_ta_pair();
    records.push(rec(3, 1, 1, vec![0; 31]));
    let v = Case::new(records, None).judge();
    assert_eq!(codes(&v), sorted(vec![Code::NoChain, Code::UnusableRecord]));
    assert_eq!(v.records[2].matched, Match::NotCompared);
    assert!(v.records[2].unusable.is_some());
}

// ---------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------

#[test]
fn leaf_expiring_within_days_warns_expires_soon() {
    let not_after = cert(P256_LEAF).not_after;
    let mut case = Case::new(ee_and_ta_pair(), Some(P256_FULLCHAIN));
    case.now = not_after - 5 * DAY;
    case.days = 30;
    let v = case.judge();
    assert_eq!(codes(&v), vec![Code::ExpiresSoon]);
    assert!(the(&v, Code::ExpiresSoon).message.contains("in 5 days"));
    assert_eq!(v.verdict, Verdict::Warn);

    case.days = 3;
    let v = case.judge();
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
}

#[test]
fn expired_leaf_with_a_dane_ee_match_is_a_warning() {
    let v = Case::new(
        vec![published(3, 1, 1, "pki/expired/cert.pem")],
        Some("pki/expired/fullchain.pem"),
    )
    .judge();
    assert!(v.records[0].counts());
    assert_eq!(codes(&v), sorted(vec![Code::Expired, Code::SingleRecord]));
    let f = the(&v, Code::Expired);
    assert_eq!(f.severity, Severity::Warn);
    assert!(f.message.contains("DANE-EE ignores dates"), "{}", f.message);
    assert_eq!(v.verdict, Verdict::Warn);
}

#[test]
fn expired_leaf_with_only_a_dane_ta_match_fails() {
    let v = Case::new(
        vec![published(2, 1, 1, INT_EC)],
        Some("pki/expired/fullchain.pem"),
    )
    .judge();
    let r = &v.records[0];
    assert_eq!(r.matched, Match::Cert { depth: 1 });
    assert!(matches!(r.void, Some(Void::OutOfDate(_))), "{:?}", r.void);
    assert!(has(&v, Code::NoMatch));
    let expired: Vec<&Finding> = v
        .findings
        .iter()
        .filter(|f| f.code == Code::Expired)
        .collect();
    assert!(
        expired.iter().any(|f| f.severity == Severity::Fail),
        "{expired:#?}"
    );
    assert_eq!(v.verdict, Verdict::Fail);
}

#[test]
fn not_yet_valid_leaf_is_reported_as_expired() {
    let v = Case::new(
        vec![published(3, 1, 1, "pki/notyet/cert.pem")],
        Some("pki/notyet/fullchain.pem"),
    )
    .judge();
    assert_eq!(the(&v, Code::Expired).severity, Severity::Warn);
    assert_eq!(v.verdict, Verdict::Warn);
}

/// RFC 6698 §2.1.1: with usage 1 (PKIX-EE) the certificate "MUST pass PKIX certification
/// path validation", which checks the validity period (RFC 5280 §6.1.3 (a)(2)). Only
/// DANE-EE (3) ignores dates (RFC 7671 §5.1). So on a port where PKIX-EE is usable, an
/// expired leaf whose only match is a `1 x x` record breaks authentication: fail, not
/// warn. `chain_findings` treats every non-TA usage as DANE-EE (`!is_ta()`), so usage 1
/// downgrades the finding to a warning whose text claims "DANE-EE ignores dates".
#[test]
fn expired_leaf_with_only_a_pkix_ee_match_fails() {
    let mut case = Case::new(
        vec![published(1, 1, 1, "pki/expired/cert.pem")],
        Some("pki/expired/fullchain.pem"),
    );
    case.port = 443;
    let v = case.judge();
    let f = the(&v, Code::Expired);
    assert_eq!(f.severity, Severity::Fail, "{}", f.message);
    assert!(!f.message.contains("DANE-EE ignores dates"));
    assert_eq!(v.verdict, Verdict::Fail);
}

// ---------------------------------------------------------------------------------------
// Mail domains without hosts, and messages
// ---------------------------------------------------------------------------------------

/// An MX answer, the code `mx_findings` must give for it, and text the message must hold.
type MxCase = (Answer<(u16, String)>, Code, &'static str);

#[test]
fn mx_findings_give_bogus_and_lookup_failed() {
    let cases: Vec<MxCase> = vec![
        (
            Answer::Bogus {
                reason: "RRSIG expired".to_string(),
            },
            Code::Bogus,
            "RRSIG expired",
        ),
        (
            Answer::Failed {
                reason: "time-out".to_string(),
            },
            Code::LookupFailed,
            "time-out",
        ),
        (
            Answer::NxDomain {
                security: Security::Secure,
            },
            Code::LookupFailed,
            "secure NXDOMAIN",
        ),
        (
            Answer::NoData {
                security: Security::Secure,
            },
            Code::LookupFailed,
            "no MX records",
        ),
    ];
    for (answer, code, text) in cases {
        let kind = answer.kind();
        let found = mx_findings("example.com", &answer);
        assert_eq!(found.len(), 1, "{kind}");
        assert_eq!(found[0].code, code, "{kind}");
        assert_eq!(found[0].severity, code.severity(), "{kind}");
        assert!(found[0].message.contains("example.com"), "{kind}");
        assert!(
            found[0].message.contains(text),
            "{kind}: {}",
            found[0].message
        );
    }
}

#[test]
fn a_bogus_mx_answer_fails_and_a_failed_lookup_is_an_error() {
    assert_eq!(
        Verdict::of(&mx_findings(
            "example.com",
            &Answer::Bogus {
                reason: String::new()
            }
        )),
        Verdict::Fail
    );
    assert_eq!(
        Verdict::of(&mx_findings(
            "example.com",
            &Answer::Failed {
                reason: String::new()
            }
        )),
        Verdict::Error
    );
}

#[test]
fn short_abbreviates_long_association_data() {
    let long = published(3, 1, 1, P256_LEAF);
    let hex = long.data_hex();
    assert_eq!(short(&long), format!("3 1 1 {}…", &hex[..16]));
    let tiny = rec(3, 1, 0, vec![0xab, 0xcd]);
    assert_eq!(short(&tiny), "3 1 0 abcd");
}
