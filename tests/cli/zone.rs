//! `zone`: offline checks of zone files (fixtures in testdata/zones, made by
//! testdata/zones/make-zones.sh). Expected findings are written out once per zone,
//! with TLSA data computed by openssl, and compared with the text, JSON and GitHub
//! output. Nothing here touches the network.

// The document structs pin the JSON schema: parsing with deny_unknown_fields fails on
// any added, removed or renamed field, so not every field is read by a test.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use crate::util::{Run, openssl_tlsa, root, run, sh, td};

/// The JSON schema of `zone --format json`, parsed back strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ZoneDoc {
    schema: u32,
    files: Vec<String>,
    findings: Vec<FindingDoc>,
    verdict: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
struct FindingDoc {
    file: String,
    line: usize,
    owner: Option<String>,
    code: String,
    severity: String,
    message: String,
}

const CLEAN: &str = "testdata/zones/clean.example.com.zone";
const CLEAN_INC: &str = "testdata/zones/include/tlsa-mail.inc";
const FINDINGS: &str = "testdata/zones/findings.example.com.zone";
const FINDINGS_INC: &str = "testdata/zones/include/findings.inc";
const CHAINS: &str = "testdata/zones/chains.example.com.zone";
const RELATIVE: &str = "testdata/zones/relative.example.org.zone";
const SIGNED: [&str; 3] = [
    "testdata/zones/signed-knot.example.com.zone",
    "testdata/zones/signed-bind.example.com.zone",
    "testdata/zones/signed-bind-nsec3.example.com.zone",
];

/// The chains under which the clean zone has no findings.
const CLEAN_CHAINS: [&str; 4] = [
    "--chain",
    "mx.example.com=testdata/pki/mx-p256",
    "--chain",
    "mail.example.com=testdata/pki/mx-p256",
];

/// The chains the chains zone is checked with (see make-zones.sh).
const CHAINS_ARGS: [&str; 12] = [
    "--origin",
    "example.com",
    "--chain",
    "mx.example.com=testdata/pki/mx-p256",
    "--chain",
    "mx.example.com:587=testdata/pki/mx-rsa2048",
    "--chain",
    "mx.example.com:2525=testdata/pki/expired",
    "--chain",
    "mx2.example.com=testdata/pki/mx-p256",
    "--chain",
    "mail.example.com=testdata/pki/le-rsa",
];

fn zone(args: &[&str]) -> Run {
    let mut argv = vec!["zone"];
    argv.extend_from_slice(args);
    run(&argv)
}

/// The first 16 hex digits of openssl's TLSA data, as daneguard abbreviates it.
fn data16(cert: &str, selector: u8, matching: u8) -> String {
    openssl_tlsa(&td(cert), selector, matching)[..16].to_string()
}

fn mx16() -> String {
    data16("pki/mx-p256/cert.pem", 1, 1)
}

fn int_ec16() -> String {
    data16("pki/ca/int-ec.pem", 1, 1)
}

fn finding(
    file: &str,
    line: usize,
    owner: Option<&str>,
    code: &str,
    severity: &str,
    message: impl Into<String>,
) -> FindingDoc {
    FindingDoc {
        file: file.to_string(),
        line,
        owner: owner.map(str::to_string),
        code: code.to_string(),
        severity: severity.to_string(),
        message: message.into(),
    }
}

/// `file:line: severity code: message` lines and the summary line.
fn text(findings: &[FindingDoc], files: usize) -> String {
    let mut out: String = findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {} {}: {}\n",
                f.file, f.line, f.severity, f.code, f.message
            )
        })
        .collect();
    let count = |s: &str| findings.iter().filter(|f| f.severity == s).count();
    let verdict = ["fail", "warn"]
        .into_iter()
        .find(|s| count(s) > 0)
        .unwrap_or("ok");
    out.push_str(&format!(
        "{files} file{} checked: {} fail, {} warn, {} info; verdict {verdict}\n",
        if files == 1 { "" } else { "s" },
        count("fail"),
        count("warn"),
        count("info"),
    ));
    out
}

/// GitHub Actions workflow-command escaping of a property value.
fn gh_property(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// `::error file=…,line=…,title=daneguard CODE::message`, one line per finding.
fn github(findings: &[FindingDoc]) -> String {
    findings
        .iter()
        .map(|f| {
            let level = match f.severity.as_str() {
                "fail" | "error" => "error",
                "warn" => "warning",
                _ => "notice",
            };
            format!(
                "::{level} file={},line={},title=daneguard {}::{}\n",
                gh_property(&f.file),
                f.line,
                f.code,
                f.message
            )
        })
        .collect()
}

fn json(args: &[&str]) -> (Run, ZoneDoc) {
    let mut argv = vec!["--format", "json"];
    argv.extend_from_slice(args);
    let r = zone(&argv);
    let doc: ZoneDoc =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{r:?}"));
    assert_eq!(doc.schema, 1, "{r:?}");
    assert_eq!(r.stderr, "", "{r:?}");
    (r, doc)
}

const SMTP_PKIX: &str = "SMTP senders ignore usages 0 and 1; publish 3 1 1 or 2 1 1 instead";
const NOT_PORT_PROTO: &str = "is not _PORT._PROTO.host (for example _25._tcp.mx.example.com.)";
const SINGLE: &str = "only one published record matches: a key or issuer change breaks DANE; publish 3 1 1 for the key and 2 1 1 for the issuer";

/// What `zone --origin example.com` reports for findings.example.com.zone (no chains).
fn findings_zone_expected() -> Vec<FindingDoc> {
    let mx = mx16();
    let mx_from_byte_1 = &openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1)[2..18];
    let ec = int_ec16();
    let set = Some("_25._tcp.mx.example.com.");
    let f = FINDINGS;
    vec![
        finding(
            f,
            8,
            Some("example.com."),
            "mx-inconsistent",
            "warn",
            "MX host mx2.example.com has no _25._tcp TLSA records while mx.example.com does: DANE senders authenticate only some of the domain's mail hosts",
        ),
        finding(
            f,
            12,
            None,
            "zone-syntax",
            "fail",
            "A record does not parse: expected IPv4 address",
        ),
        finding(
            f,
            15,
            set,
            "duplicate-record",
            "warn",
            format!("3 1 1 {mx}… appears more than once at _25._tcp.mx.example.com."),
        ),
        finding(
            f,
            16,
            None,
            "tlsa-syntax",
            "fail",
            "TLSA record does not parse: association data has an odd number of hex digits (65)",
        ),
        finding(
            f,
            17,
            None,
            "tlsa-syntax",
            "fail",
            "TLSA record does not parse: association data is not hexadecimal",
        ),
        finding(
            f,
            18,
            set,
            "tlsa-syntax",
            "fail",
            format!("3 1 1 {mx_from_byte_1}…: SHA2-256 data must be 32 bytes, not 31"),
        ),
        finding(
            f,
            19,
            set,
            "tlsa-syntax",
            "fail",
            format!("3 1 2 {mx}…: SHA2-512 data must be 64 bytes, not 32"),
        ),
        finding(
            f,
            20,
            set,
            "unusable-record",
            "warn",
            format!("7 1 1 {mx}…: unknown certificate usage 7"),
        ),
        finding(
            f,
            21,
            set,
            "unusable-record",
            "warn",
            format!("3 5 1 {mx}…: unknown selector 5"),
        ),
        finding(
            f,
            22,
            set,
            "unusable-record",
            "warn",
            format!("3 1 9 {mx}…: unknown matching type 9"),
        ),
        finding(
            f,
            23,
            set,
            "pkix-usage-smtp",
            "warn",
            format!("0 1 1 {ec}… (PKIX-TA SPKI SHA2-256): {SMTP_PKIX}"),
        ),
        finding(
            f,
            24,
            set,
            "pkix-usage-smtp",
            "warn",
            format!("1 1 1 {mx}… (PKIX-EE SPKI SHA2-256): {SMTP_PKIX}"),
        ),
        finding(
            f,
            25,
            Some("_tcp.mx.example.com."),
            "bad-owner",
            "fail",
            format!("_tcp.mx.example.com. {NOT_PORT_PROTO}"),
        ),
        finding(
            f,
            26,
            Some("_25.mx.example.com."),
            "bad-owner",
            "fail",
            format!("_25.mx.example.com. {NOT_PORT_PROTO}"),
        ),
        finding(
            f,
            27,
            Some("mx.example.com."),
            "bad-owner",
            "fail",
            format!("mx.example.com. {NOT_PORT_PROTO}"),
        ),
        finding(
            f,
            28,
            Some("_25._tcp.noaddr.example.com."),
            "no-address",
            "fail",
            "noaddr.example.com has no A, AAAA or CNAME record in the zone, but TLSA records at _25._tcp.noaddr.example.com.",
        ),
        // Line 31, _25._tcp.mx.sub below the delegation of sub, has no finding.
        finding(
            f,
            35,
            Some("_443._tcp.www.example.com."),
            "tlsa-syntax",
            "fail",
            format!("3 1 1 {mx}…: SHA2-256 data must be 32 bytes, not 31"),
        ),
        finding(
            f,
            35,
            Some("_443._tcp.www.example.com."),
            "no-usable-records",
            "warn",
            "the only TLSA record for www.example.com port 443 is not usable: senders require TLS but do not authenticate the server",
        ),
        finding(
            FINDINGS_INC,
            2,
            Some("_25._tcp.legacy.example.com."),
            "pkix-usage-smtp",
            "warn",
            format!("1 1 1 {mx}… (PKIX-EE SPKI SHA2-256): {SMTP_PKIX}"),
        ),
        finding(
            FINDINGS_INC,
            2,
            Some("_25._tcp.legacy.example.com."),
            "no-usable-records",
            "warn",
            "the only TLSA record for legacy.example.com port 25 is not usable: senders require TLS but do not authenticate the server",
        ),
    ]
}

/// What `zone CHAINS_ARGS` reports for chains.example.com.zone.
fn chains_zone_expected() -> Vec<FindingDoc> {
    let mx = mx16();
    let ec = int_ec16();
    let ec512 = data16("pki/ca/int-ec.pem", 1, 2);
    let mx_cert = data16("pki/mx-p256/cert.pem", 0, 1);
    let yr1 = data16("letsencrypt/gen-y/int-yr1.pem", 1, 1);
    let le_cert = data16("pki/le-rsa/cert.pem", 0, 1);
    let c = CHAINS;
    let (p25, p465, p587, p2525) = (
        Some("_25._tcp.mx.example.com."),
        Some("_465._tcp.mx.example.com."),
        Some("_587._tcp.mx.example.com."),
        Some("_2525._tcp.mx.example.com."),
    );
    let mx2 = Some("_25._tcp.mx2.example.com.");
    let mail = Some("_25._tcp.mail.example.com.");
    vec![
        finding(
            c,
            15,
            p25,
            "ee-cert-record",
            "warn",
            format!(
                "3 0 1 {mx_cert}… pins the whole leaf certificate: the certificate is replaced at every renewal, even with the same key; publish 3 1 1 instead"
            ),
        ),
        finding(c, 16, p465, "single-record", "warn", SINGLE),
        finding(
            c,
            16,
            p465,
            "digest-agility",
            "warn",
            "some SHA2-256 records match but the SHA2-512 records of the same usage and selector do not; senders preferring SHA2-512 see fewer matches",
        ),
        finding(
            c,
            17,
            p465,
            "stale-record",
            "warn",
            format!("3 1 2 {ec512}… (DANE-EE SPKI SHA2-512) matches nothing in the chain"),
        ),
        // The port-specific chain (mx-rsa2048) wins over the host's (mx-p256).
        finding(
            c,
            19,
            p587,
            "stale-record",
            "warn",
            format!("3 1 1 {mx}… (DANE-EE SPKI SHA2-256) matches nothing in the chain"),
        ),
        finding(
            c,
            19,
            p587,
            "no-match",
            "fail",
            "no usable record matches the certificate chain: DANE senders will defer mail to mx.example.com port 587 (and bounce it after their queue lifetime)",
        ),
        finding(
            c,
            20,
            p587,
            "stale-record",
            "warn",
            format!("2 1 1 {ec}… (DANE-TA SPKI SHA2-256) matches nothing in the chain"),
        ),
        finding(c, 21, p2525, "single-record", "warn", SINGLE),
        finding(
            c,
            21,
            p2525,
            "expired",
            "warn",
            "the leaf certificate (CN = mx.example.com) is valid only from 2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z; DANE-EE ignores dates, but other clients will not",
        ),
        finding(
            c,
            22,
            p2525,
            "expired",
            "warn",
            format!(
                "2 1 1 {ec}… matches, but does not count: certificate 0 is outside its validity period (DANE-TA checks dates)"
            ),
        ),
        finding(c, 23, mx2, "single-record", "warn", SINGLE),
        finding(
            c,
            24,
            mx2,
            "name-mismatch",
            "warn",
            format!(
                "2 1 1 {ec}… matches, but does not count: the leaf (mx.example.com, mail.example.com, mx.dane.test) does not name mx2.example.com (DANE-TA needs a name match)"
            ),
        ),
        finding(
            c,
            25,
            mail,
            "issuer-not-covered",
            "warn",
            "the 2 x x records at _25._tcp.mail.example.com. cover the current issuer YR1 but not YR2 (active), YR3 (backup), which the CA may pick at the next renewal (built-in Let's Encrypt facts of 2026-07-08)",
        ),
        finding(
            c,
            26,
            mail,
            "ta-chain-broken",
            "warn",
            format!(
                "2 1 1 {yr1}… matches, but does not count: certificate 0 does not verify with certificate 1's key"
            ),
        ),
        finding(
            c,
            27,
            mail,
            "ee-cert-record",
            "warn",
            format!(
                "3 0 1 {le_cert}… pins the whole leaf certificate: a Let's Encrypt certificate is replaced at every renewal (every 60 days or less), even with the same key; publish 3 1 1 instead"
            ),
        ),
    ]
}

fn without(findings: &[FindingDoc], codes: &[&str]) -> Vec<FindingDoc> {
    findings
        .iter()
        .filter(|f| !codes.contains(&f.code.as_str()))
        .cloned()
        .collect()
}

// ------------------------------------------------------------------ clean zone ---

#[test]
fn clean_zone_has_no_findings() {
    let ok = "1 file checked: 0 fail, 0 warn, 0 info; verdict ok\n";
    let mut args = vec![CLEAN];
    args.extend(CLEAN_CHAINS);
    zone(&args).exact(0, ok, "");
    args.extend(["--origin", "example.com"]);
    zone(&args).exact(0, ok, "");
    // --strict changes nothing when there is nothing to report.
    args.push("--strict");
    zone(&args).exact(0, ok, "");
}

#[test]
fn clean_zone_data_are_openssl_digests_of_the_fixtures() {
    // The fixture is only meaningful if its data are the PKI's: check the raw text.
    let zone_text = std::fs::read_to_string(root().join(CLEAN)).unwrap();
    let include = std::fs::read_to_string(root().join(CLEAN_INC)).unwrap();
    let mx = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let ec = openssl_tlsa(&td("pki/ca/int-ec.pem"), 1, 1);
    assert!(zone_text.contains(&format!(
        "_25._tcp.mx     300 IN TLSA 3 1 1 (\n                        {}\n                        {} )\n",
        &mx[..32],
        &mx[32..]
    )));
    assert!(zone_text.contains(&format!("_25._tcp.mx     300 IN TLSA 2 1 1 {ec}\n")));
    assert!(zone_text.contains("\n$INCLUDE include/tlsa-mail.inc\n"));
    assert!(include.contains(&format!("_25._tcp.mail   300 IN TLSA 3 1 1 {mx}\n")));
    assert!(include.contains(&format!("_25._tcp.mail   300 IN TLSA 2 1 1 {ec}\n")));
}

/// Days until the leaf of `cert` expires, as daneguard counts them, for a now read
/// before and after the run (a run may straddle midnight UTC).
fn days_left(cert: &str) -> impl Fn() -> i64 {
    let end = sh(&format!(
        "date -u -d \"$(openssl x509 -in '{}' -noout -enddate | cut -d= -f2)\" +%s",
        td(cert).display()
    ))
    .parse::<i64>()
    .unwrap();
    move || {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        (end - now) / 86_400
    }
}

#[test]
fn days_option_warns_expires_soon_once_per_rrset_and_strict_exits_1() {
    let days = days_left("pki/mx-p256/cert.pem");
    let expected = |n: i64| {
        let message = format!("the leaf certificate expires on 2125-01-01T00:00:00Z (in {n} days)");
        text(
            &[
                finding(
                    CLEAN,
                    24,
                    Some("_25._tcp.mx.example.com."),
                    "expires-soon",
                    "warn",
                    &message,
                ),
                finding(
                    CLEAN,
                    29,
                    Some("_465._tcp.mx.example.com."),
                    "expires-soon",
                    "warn",
                    &message,
                ),
                finding(
                    CLEAN_INC,
                    2,
                    Some("_25._tcp.mail.example.com."),
                    "expires-soon",
                    "warn",
                    &message,
                ),
            ],
            1,
        )
    };
    for (strict, code) in [(false, 0), (true, 1)] {
        let mut args = vec![CLEAN, "--days", "40000"];
        args.extend(CLEAN_CHAINS);
        if strict {
            args.push("--strict");
        }
        let before = days();
        let r = zone(&args);
        let after = days();
        assert!(
            r.stdout == expected(before) || r.stdout == expected(after),
            "expected {before} days:\n{}\n{r:?}",
            expected(before)
        );
        r.code(code);
        assert_eq!(r.stderr, "");
    }
    // The default window (14 days) does not reach 2125.
    let mut args = vec![CLEAN];
    args.extend(CLEAN_CHAINS);
    zone(&args).exact(0, &text(&[], 1), "");
}

// --------------------------------------------------------------- findings zones ---

#[test]
fn findings_zone_reports_every_finding_that_needs_no_chain() {
    let expected = findings_zone_expected();
    assert_eq!(
        text(&expected, 1).lines().last().unwrap(),
        "1 file checked: 10 fail, 10 warn, 0 info; verdict fail"
    );
    zone(&[FINDINGS, "--origin", "example.com"]).exact(1, &text(&expected, 1), "");
}

#[test]
fn chains_zone_reports_findings_against_configured_chains() {
    let mut args = vec![CHAINS];
    args.extend(CHAINS_ARGS);
    let expected = chains_zone_expected();
    zone(&args).exact(1, &text(&expected, 1), "");
}

#[test]
fn allow_removes_a_code_and_its_effect_on_the_exit_status() {
    // tlsa-syntax is 6 of the 10 failures of the findings zone.
    let expected = without(&findings_zone_expected(), &["tlsa-syntax"]);
    zone(&[
        FINDINGS,
        "--origin",
        "example.com",
        "--allow",
        "tlsa-syntax",
    ])
    .exact(1, &text(&expected, 1), "");
    // no-match is the only failure of the chains zone: without it the verdict is warn.
    let mut args = vec![CHAINS];
    args.extend(CHAINS_ARGS);
    args.extend(["--allow", "no-match"]);
    let expected = without(&chains_zone_expected(), &["no-match"]);
    let out = text(&expected, 1);
    assert!(out.ends_with("1 file checked: 0 fail, 14 warn, 0 info; verdict warn\n"));
    zone(&args).exact(0, &out, "");
    // Several codes at once.
    args.extend(["--allow", "single-record", "--allow", "stale-record"]);
    let expected = without(
        &chains_zone_expected(),
        &["no-match", "single-record", "stale-record"],
    );
    zone(&args).exact(0, &text(&expected, 1), "");
}

#[test]
fn strict_turns_warnings_into_exit_1() {
    let mut args = vec![CHAINS];
    args.extend(CHAINS_ARGS);
    args.extend(["--allow", "no-match", "--strict"]);
    let expected = without(&chains_zone_expected(), &["no-match"]);
    zone(&args).exact(1, &text(&expected, 1), "");
}

#[test]
fn unknown_allow_code_is_a_usage_error() {
    let r = zone(&[CLEAN, "--allow", "no-such-code"]);
    r.code(2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.starts_with(
            "error: invalid value 'no-such-code' for '--allow <CODE>': unknown finding code; known codes: no-match, "
        ),
        "{r:?}"
    );
}

#[test]
fn several_files_are_checked_in_one_run() {
    let relative = finding(
        RELATIVE,
        8,
        Some("_25._tcp.mx.relative.example.org."),
        "no-address",
        "fail",
        "mx.relative.example.org has no A, AAAA or CNAME record in the zone, but TLSA records at _25._tcp.mx.relative.example.org.",
    );
    let out = text(std::slice::from_ref(&relative), 2);
    assert!(out.ends_with("2 files checked: 1 fail, 0 warn, 0 info; verdict fail\n"));
    zone(&[CLEAN, RELATIVE]).exact(1, &out, "");
    let (r, doc) = json(&[CLEAN, RELATIVE]);
    r.code(1);
    assert_eq!(doc.files, [CLEAN, RELATIVE]);
    assert_eq!(doc.findings, [relative]);
    assert_eq!(doc.verdict, "fail");
}

// ------------------------------------------------------------------ formats ---

#[test]
fn json_output_has_the_documented_schema_and_every_field() {
    let (r, doc) = json(&[FINDINGS, "--origin", "example.com"]);
    r.code(1);
    assert_eq!(doc.files, [FINDINGS]);
    assert_eq!(doc.findings, findings_zone_expected());
    assert_eq!(doc.verdict, "fail");

    let mut args = vec![CHAINS];
    args.extend(CHAINS_ARGS);
    let (r, doc) = json(&args);
    r.code(1);
    assert_eq!(doc.files, [CHAINS]);
    assert_eq!(doc.findings, chains_zone_expected());
    assert_eq!(doc.verdict, "fail");

    args.extend(["--allow", "no-match"]);
    let (r, doc) = json(&args);
    r.code(0);
    assert_eq!(doc.verdict, "warn");

    let mut args = vec![CLEAN];
    args.extend(CLEAN_CHAINS);
    let (r, doc) = json(&args);
    r.code(0);
    assert!(doc.findings.is_empty());
    assert_eq!(doc.verdict, "ok");
}

#[test]
fn github_format_prints_one_workflow_command_per_finding() {
    let expected = findings_zone_expected();
    let out = github(&expected);
    assert!(out.contains(
        "::error file=testdata/zones/findings.example.com.zone,line=12,title=daneguard zone-syntax::A record does not parse: expected IPv4 address\n"
    ));
    assert!(out.contains(
        "::warning file=testdata/zones/include/findings.inc,line=2,title=daneguard no-usable-records::the only TLSA record for legacy.example.com port 25 is not usable"
    ));
    zone(&[FINDINGS, "--origin", "example.com", "--format", "github"]).exact(1, &out, "");

    let mut args = vec![CHAINS];
    args.extend(CHAINS_ARGS);
    args.extend(["--format", "github"]);
    zone(&args).exact(1, &github(&chains_zone_expected()), "");

    // Nothing to report: no output at all, exit 0.
    let mut args = vec![CLEAN, "--format", "github"];
    args.extend(CLEAN_CHAINS);
    zone(&args).exact(0, "", "");
}

#[test]
fn github_format_escapes_the_file_property() {
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("50%,odd:name.zone");
    std::fs::copy(root().join(RELATIVE), &odd).unwrap();
    let odd = odd.to_str().unwrap();
    let message = "mx.example.org has no A, AAAA or CNAME record in the zone, but TLSA records at _25._tcp.mx.example.org.";
    let expected = format!(
        "::error file={},line=8,title=daneguard no-address::{message}\n",
        gh_property(odd)
    );
    assert!(expected.contains("50%25%2Codd%3Aname.zone,line=8"));
    zone(&[odd, "--origin", "example.org", "--format", "github"]).exact(1, &expected, "");
}

// ------------------------------------------------------------------- origin ---

#[test]
fn origin_option_overrides_the_file_name_origin() {
    // No $ORIGIN in the file: relative names are relative to the file name...
    zone(&[RELATIVE]).exact(
        1,
        &text(
            &[finding(
                RELATIVE,
                8,
                None,
                "no-address",
                "fail",
                "mx.relative.example.org has no A, AAAA or CNAME record in the zone, but TLSA records at _25._tcp.mx.relative.example.org.",
            )],
            1,
        ),
        "",
    );
    // ...or to --origin, with or without the trailing dot.
    for origin in ["example.net", "example.net."] {
        let (r, doc) = json(&[RELATIVE, "--origin", origin]);
        r.code(1);
        assert_eq!(
            doc.findings,
            [finding(
                RELATIVE,
                8,
                Some("_25._tcp.mx.example.net."),
                "no-address",
                "fail",
                "mx.example.net has no A, AAAA or CNAME record in the zone, but TLSA records at _25._tcp.mx.example.net.",
            )]
        );
    }
}

#[test]
fn bad_origin_is_a_usage_error() {
    zone(&[CLEAN, "--origin", "a..b"])
        .fails_with("daneguard: error: --origin: 'a..b' is not a domain name");
}

#[test]
fn origin_defaults_to_the_origin_directive_of_the_file() {
    // `zone --help`: "--origin: Origin of the zone files (default: $ORIGIN, or the
    // file name, e.g. example.com.zone)". findings.example.com.zone starts with
    // `$ORIGIN example.com.`, so the default must be example.com., not the file name.
    zone(&[FINDINGS]).exact(1, &text(&findings_zone_expected(), 1), "");
}

// ------------------------------------------------------------------- config ---

/// A config file in a temporary directory, with copies of two chains under certs/
/// so that relative paths only resolve against the config's directory.
fn config_dir(toml: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    std::fs::copy(
        td("pki/mx-p256/fullchain.pem"),
        dir.path().join("certs/mx-p256.pem"),
    )
    .unwrap();
    std::fs::copy(
        td("pki/mx-rsa2048/fullchain.pem"),
        dir.path().join("certs/submission.pem"),
    )
    .unwrap();
    let path = dir.path().join("dane.toml");
    std::fs::write(&path, toml).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

fn abs(rel: &str) -> String {
    td(rel).to_str().unwrap().to_string()
}

#[test]
fn config_maps_hosts_and_ports_to_chains_relative_to_the_config_file() {
    let toml = format!(
        r#"# chains for chains.example.com.zone
[hosts."mx.example.com"]
chain = "certs/mx-p256.pem"

[hosts."mx.example.com:587"]
chain = "certs/submission.pem"

[hosts."mx.example.com:2525"]
chain = '{}'

[hosts."mx2.example.com"]
chain = "./certs/mx-p256.pem"

[hosts."mail.example.com"]
chain = '{}'
"#,
        abs("pki/expired"),
        abs("pki/le-rsa")
    );
    let (_dir, config) = config_dir(&toml);
    // The run's working directory is the repository root, where certs/ does not exist.
    assert!(!root().join("certs").exists());
    zone(&[CHAINS, "--origin", "example.com", "--config", &config]).exact(
        1,
        &text(&chains_zone_expected(), 1),
        "",
    );
}

#[test]
fn config_and_chain_options_combine() {
    let toml = "[hosts.\"mx.example.com\"]\nchain = \"certs/mx-p256.pem\"\n";
    let (_dir, config) = config_dir(toml);
    let mut args = vec![CLEAN, "--config", &config];
    args.extend(["--chain", "mail.example.com=testdata/pki/mx-p256"]);
    zone(&args).exact(0, &text(&[], 1), "");
}

#[test]
fn chain_option_overrides_the_config_for_the_same_host() {
    // The config points mx.example.com at the wrong chain; the command line names
    // the right one and, as usual for a command-line option, must win.
    let toml = "[hosts.\"mx.example.com\"]\nchain = \"certs/submission.pem\"\n";
    let (_dir, config) = config_dir(toml);
    let mut args = vec![CLEAN, "--config", &config];
    args.extend(CLEAN_CHAINS);
    zone(&args).exact(0, &text(&[], 1), "");
}

#[test]
fn config_with_an_unknown_host_key_fails() {
    let (_dir, config) =
        config_dir("[hosts.\"mx.example.com\"]\nchain = \"certs/mx-p256.pem\"\nport = 25\n");
    zone(&[CLEAN, "--config", &config]).fails_with(&format!(
        "daneguard: error: {config}: not a valid config: line 3: unknown field `port`, expected `chain`"
    ));
}

/// One configuration file: the daneguard.toml of `stage` and `deploy` (with `[dns]` and
/// `[[certificate]]`) serves `zone --config` too; it used to be refused.
#[test]
fn the_deployment_configuration_file_serves_zone_config() {
    let toml = "state_dir = \"/var/lib/daneguard\"\n[dns]\nresolvers = [\"127.0.0.1\"]\n\n[hosts.\"mx.example.com\"]\nchain = \"certs/mx-p256.pem\"\n\n[[certificate]]\nname = \"mx\"\ndeploy = \"/etc/daneguard/mx.pem\"\n";
    let (_dir, config) = config_dir(toml);
    let r = zone(&[CLEAN, "--config", &config]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn config_with_an_unknown_top_level_key_fails() {
    let (_dir, config) = config_dir("verbose = true\n");
    zone(&[CLEAN, "--config", &config]).fails_with(&format!(
        "daneguard: error: {config}: not a valid config: line 1: unknown field `verbose`, expected one of `state_dir`, `dns`, `hosts`, `certificate`, `publish`, `check`"
    ));
}

#[test]
fn config_that_is_not_toml_fails() {
    let (_dir, config) = config_dir("[hosts.\"mx.example.com\"\nchain = \"certs/mx-p256.pem\"\n");
    zone(&[CLEAN, "--config", &config]).fails_with(&format!(
        "daneguard: error: {config}: not a valid config: line 1: unclosed table, expected `]`"
    ));
}

#[test]
fn config_naming_a_missing_chain_fails() {
    let (dir, config) = config_dir("[hosts.\"mx.example.com\"]\nchain = \"certs/nope.pem\"\n");
    let missing = dir.path().join("certs/nope.pem");
    zone(&[CLEAN, "--config", &config]).fails_with(&format!(
        "daneguard: error: {}: no such file",
        missing.display()
    ));
}

#[test]
fn missing_config_file_fails() {
    zone(&[CLEAN, "--config", "testdata/zones/nope.toml"])
        .fails_with("daneguard: error: testdata/zones/nope.toml: no such file");
}

// ------------------------------------------------------------ bad arguments ---

#[test]
fn missing_zone_file_fails_with_one_line() {
    zone(&["testdata/zones/nope.example.com.zone"])
        .fails_with("daneguard: error: testdata/zones/nope.example.com.zone: no such file");
    // Also when another file before it is fine: nothing is printed for that one.
    zone(&[CLEAN, "testdata/zones/nope.example.com.zone"])
        .fails_with("daneguard: error: testdata/zones/nope.example.com.zone: no such file");
}

#[test]
fn bad_chain_options_fail() {
    // One grammar for every command: without '=' the argument is the chain's path.
    zone(&[CLEAN, "--chain", "mx.example.com"])
        .fails_with("daneguard: error: mx.example.com: no such file");
    zone(&[
        CLEAN,
        "--chain",
        "mx.example.com=testdata/pki/mx-p256",
        "--chain",
        "mx.example.com=testdata/pki/mx-p384",
    ])
    .fails_with("daneguard: error: --chain is given twice for mx.example.com");
    zone(&[
        CLEAN,
        "--chain",
        "mx.example.com:99999=testdata/pki/mx-p256",
    ])
    .fails_with("daneguard: error: --chain: 'mx.example.com:99999' has a bad port");
    zone(&[CLEAN, "--chain", "mx.example.com=testdata/pki/forms/p256-pub.pem"]).fails_with(
        "daneguard: error: testdata/pki/forms/p256-pub.pem: is a key, not a certificate chain; zone checks need the chain",
    );
}

// ------------------------------------------------------------- signed zones ---

#[test]
fn signed_zones_hold_what_they_should() {
    let has = |text: &str, t: &str| text.lines().any(|l| l.split_whitespace().any(|w| w == t));
    for file in SIGNED {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        for t in ["DNSKEY", "RRSIG", "TLSA"] {
            assert!(has(&text, t), "{file} has no {t}");
        }
        assert!(!text.contains("PRIVATE"), "{file}");
    }
    let knot = std::fs::read_to_string(root().join(SIGNED[0])).unwrap();
    assert!(knot.starts_with(";; Zone dump (Knot DNS "), "{knot}");
    assert!(has(&knot, "NSEC"));
    let bind = std::fs::read_to_string(root().join(SIGNED[1])).unwrap();
    assert!(bind.contains("\n; dnssec_signzone version "));
    assert!(has(&bind, "NSEC") && !has(&bind, "NSEC3"));
    let nsec3 = std::fs::read_to_string(root().join(SIGNED[2])).unwrap();
    assert!(has(&nsec3, "NSEC3") && has(&nsec3, "NSEC3PARAM") && !has(&nsec3, "NSEC"));
}

#[test]
fn signed_zones_have_no_findings_with_the_right_chains() {
    for file in SIGNED {
        let mut args = vec![file, "--origin", "example.com"];
        args.extend(CLEAN_CHAINS);
        zone(&args).exact(0, &text(&[], 1), "");
    }
}

/// The owner of `line` (1-based) in a zone file with absolute owner names: the first
/// field of the nearest line at or above it that does not start with white space.
fn owner_of_line(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[..line]
        .iter()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with([' ', '\t', ';']))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_ascii_lowercase()
}

/// The whole entry starting at `line`: the line and, while parentheses are open, the
/// following lines, lower-cased, without parentheses and with single spaces.
fn entry_at(text: &str, line: usize) -> String {
    let mut out = Vec::new();
    let mut depth = 0i32;
    for l in text.lines().skip(line - 1) {
        let l = l.split(';').next().unwrap();
        depth += l.matches('(').count() as i32 - l.matches(')').count() as i32;
        out.push(l.replace(['(', ')'], " "));
        if depth <= 0 {
            break;
        }
    }
    out.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

#[test]
fn signed_zones_give_the_source_zones_findings_at_their_tlsa_lines() {
    // A chain that matches nothing at mx (stale-record, no-match) and --days to get a
    // finding for every TLSA RRset (expires-soon).
    let args = |file: &'static str| {
        vec![
            file,
            "--origin",
            "example.com",
            "--days",
            "40000",
            "--chain",
            "mx.example.com=testdata/pki/mx-rsa2048",
            "--chain",
            "mail.example.com=testdata/pki/mx-p256",
        ]
    };
    // Line-independent: owner, code, severity, message, with repetitions.
    let key = |doc: &ZoneDoc| {
        let mut m: BTreeMap<(Option<String>, String, String, String), usize> = BTreeMap::new();
        for f in &doc.findings {
            *m.entry((
                f.owner.clone(),
                f.code.clone(),
                f.severity.clone(),
                f.message.clone(),
            ))
            .or_default() += 1;
        }
        m
    };
    let (r, source) = json(&args(CLEAN));
    r.code(1);
    let codes: Vec<&str> = source.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "stale-record",
            "no-match",
            "expires-soon",
            "stale-record",
            "stale-record",
            "no-match",
            "expires-soon",
            "stale-record",
            "expires-soon"
        ],
        "{source:#?}"
    );
    let mut inherits_after_rrsig = 0;
    for file in SIGNED {
        let (r, signed) = json(&args(file));
        r.code(1);
        assert_eq!(key(&signed), key(&source), "{file}: {signed:#?}");
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for f in &signed.findings {
            assert_eq!(f.file, file);
            let here = lines[f.line - 1];
            let entry = entry_at(&text, f.line);
            let words: Vec<&str> = entry.split(' ').collect();
            // The line holds a TLSA record, not an RRSIG (over TLSA) or NSEC record.
            assert!(
                words.contains(&"tlsa") && !words.contains(&"rrsig") && !words.contains(&"nsec"),
                "{file}:{}: {here}\n{f:?}",
                f.line
            );
            assert_eq!(
                Some(owner_of_line(&text, f.line)),
                f.owner,
                "{file}:{}: {here}",
                f.line
            );
            // Findings about one record point at that record: "2 1 1 ef75de0d150fc80f…".
            if f.code == "stale-record" {
                let record = f.message.split('…').next().unwrap().to_ascii_lowercase();
                assert!(
                    entry.contains(&format!("tlsa {record}")),
                    "{file}:{}: {entry}\n{f:?}",
                    f.line
                );
            }
            // BIND writes a TLSA record that inherits its owner right after the
            // closing line of a multi-line RRSIG.
            if here.starts_with([' ', '\t']) && lines[f.line - 2].trim_end().ends_with(')') {
                inherits_after_rrsig += 1;
            }
        }
    }
    assert!(
        inherits_after_rrsig >= 4,
        "the BIND zones no longer have a TLSA line inheriting its owner after an RRSIG"
    );
}

#[test]
fn signed_zones_without_the_origin_option_have_no_findings_either() {
    // Knot and BIND write absolute names and no $ORIGIN, so without --origin the apex
    // is the file name's (signed-knot.example.com.): still nothing to report.
    for file in SIGNED {
        let mut args = vec![file];
        args.extend(CLEAN_CHAINS);
        zone(&args).exact(0, &text(&[], 1), "");
    }
}

// ------------------------------------------------------------- more zone text ---

/// Writes `body` to `name` in a new temporary directory.
fn temp_zone(name: &str, body: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, body).unwrap();
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

fn head(mx: &str) -> String {
    format!(
        "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 900 604800 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n@ IN MX 10 mx\n@ IN MX 20 mx2\nmx IN A 192.0.2.2\nmx2 IN A 192.0.2.3\n_25._tcp.mx2 IN TLSA 3 1 1 {mx}\n"
    )
}

#[test]
fn missing_include_is_a_zone_syntax_error_on_its_line() {
    let (_dir, path) = temp_zone(
        "example.com.zone",
        "$ORIGIN example.com.\n$TTL 300\n$INCLUDE missing.inc\nmx IN A 192.0.2.1\n",
    );
    let (r, doc) = json(&[&path]);
    r.code(1);
    assert_eq!(doc.findings.len(), 1, "{doc:#?}");
    let f = &doc.findings[0];
    assert_eq!(
        (f.line, f.code.as_str(), f.owner.as_deref()),
        (3, "zone-syntax", None)
    );
    assert!(f.message.starts_with("$INCLUDE "), "{f:?}");
    assert!(f.message.contains("missing.inc"), "{f:?}");
}

#[test]
fn crlf_line_endings_keep_line_numbers() {
    let mx = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let body = format!(
        "$ORIGIN example.com.\r\n$TTL 300\r\nmx IN A 192.0.2.1\r\n_25._tcp.mx IN TLSA 3 1 1 (\r\n {} {} )\r\nmx2 IN A 192.0.2.300\r\n",
        &mx[..32],
        &mx[32..]
    );
    let (_dir, path) = temp_zone("example.com.zone", &body);
    zone(&[
        &path,
        "--chain",
        "mx.example.com=testdata/pki/mx-p256",
        "--allow",
        "single-record",
    ])
    .exact(
        1,
        &text(
            &[finding(
                &path,
                6,
                None,
                "zone-syntax",
                "fail",
                "A record does not parse: expected IPv4 address",
            )],
            1,
        ),
        "",
    );
}

#[test]
fn unknown_record_type_is_a_zone_syntax_error() {
    // named-checkzone: "unknown RR type 'AAA'" / "unknown RR type 'TSLA'", zone not
    // loaded; kzonecheck: "unknown class/type".
    let mx = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let body = format!(
        "{}mx IN AAA 2001:db8::1\n_25._tcp.mx IN TSLA 3 1 1 {mx}\n",
        head(&mx)
    );
    let (_dir, path) = temp_zone("example.com.zone", &body);
    let (r, doc) = json(&[&path]);
    r.code(1);
    let at: Vec<(usize, &str)> = doc
        .findings
        .iter()
        .map(|f| (f.line, f.code.as_str()))
        .collect();
    // (line 6 may also report mx-inconsistent: the TLSA type of mx is misspelt.)
    assert!(at.contains(&(11, "zone-syntax")), "{doc:#?}");
    assert!(
        at.contains(&(12, "zone-syntax")) || at.contains(&(12, "tlsa-syntax")),
        "{doc:#?}"
    );
}

#[test]
fn tlsa_records_in_generic_form_are_checked() {
    // BIND (named-checkzone) and Knot (kzonecheck) load this zone; the two TYPE52
    // records are mx's 3 1 1 and 2 1 1, and both match the chain.
    let mx = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let ec = openssl_tlsa(&td("pki/ca/int-ec.pem"), 1, 1);
    let body = format!(
        "{}_25._tcp.mx2 IN TLSA 2 1 1 {ec}\n_25._tcp.mx IN TYPE52 \\# 35 030101{mx}\n_25._tcp.mx IN TYPE52 \\# 35 020101{ec}\n",
        head(&mx)
    );
    let (_dir, path) = temp_zone("example.com.zone", &body);
    zone(&[
        &path,
        "--chain",
        "mx.example.com=testdata/pki/mx-p256",
        "--strict",
    ])
    .exact(0, &text(&[], 1), "");
    // With a chain they do not match, the records are compared and fail.
    let (r, doc) = json(&[&path, "--chain", "mx.example.com=testdata/pki/mx-rsa2048"]);
    r.code(1);
    let codes: Vec<(usize, &str)> = doc
        .findings
        .iter()
        .map(|f| (f.line, f.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [(12, "stale-record"), (12, "no-match"), (13, "stale-record")],
        "{doc:#?}"
    );
}

#[test]
fn tlsa_mnemonic_with_generic_rdata_is_parsed() {
    let mx = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let ec = openssl_tlsa(&td("pki/ca/int-ec.pem"), 1, 1);
    let body = format!(
        "{}_25._tcp.mx2 IN TLSA 2 1 1 {ec}\n_25._tcp.mx IN TLSA \\# 35 030101{mx}\n_25._tcp.mx IN TLSA \\# 35 020101{ec}\n",
        head(&mx)
    );
    let (_dir, path) = temp_zone("example.com.zone", &body);
    zone(&[
        &path,
        "--chain",
        "mx.example.com=testdata/pki/mx-p256",
        "--strict",
    ])
    .exact(0, &text(&[], 1), "");
}

#[test]
fn fixtures_are_relative_to_the_repository() {
    // The tests pass relative paths; they must exist from the repository root.
    for f in [CLEAN, CLEAN_INC, FINDINGS, FINDINGS_INC, CHAINS, RELATIVE] {
        assert!(root().join(f).is_file(), "{f}");
    }
}

#[test]
fn an_empty_zone_file_is_bad_input_not_a_clean_zone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.zone");
    std::fs::write(&empty, "; nothing but a comment\n").expect("write");
    let shown = empty.display().to_string();
    crate::util::run(&["zone", &shown]).fails_with(&format!(
        "daneguard: error: {shown}: holds no DNS records; is this a zone file?"
    ));
}

/// TLSA data in the generic form (`\#`) with the wrong length says so, not that
/// the usage `\#` is not a number (BIND: "ran out of space").
#[test]
fn generic_tlsa_data_of_the_wrong_length_is_named_as_such() {
    let data = format!("030101{}", openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1));
    let (_d, r) = zone_text(&format!(
        "mx IN A 192.0.2.25\n_25._tcp.mx IN TLSA \\# 34 {data}\n"
    ));
    assert!(
        r.stdout.contains(
            "fail tlsa-syntax: TLSA record does not parse: generic data has incorrect length"
        ),
        "{r:?}"
    );
    let (_d, r) = zone_text(&format!(
        "mx IN A 192.0.2.25\n_25._tcp.mx IN TLSA \\# 35 {data}\n"
    ));
    assert!(!r.stdout.contains("tlsa-syntax"), "{r:?}");
}

/// `$INCLUDE "sub/my file.inc"`: the quoted file name, space and all (BIND and Knot
/// load it; the closing quote was taken as part of the name).
#[test]
fn a_quoted_include_file_name_is_read() {
    let (dir, _) = zone_text("");
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/my file.inc"), "x IN A 192.0.2.2\n").unwrap();
    let path = dir.path().join("example.com.zone");
    std::fs::write(&path, format!("{HEAD}$INCLUDE \"sub/my file.inc\"\n")).unwrap();
    let r = zone(&[path.to_str().unwrap()]);
    r.code(0);
    assert!(r.stdout.ends_with("verdict ok\n"), "{r:?}");
}

/// `_025._tcp` is not where a sender looks for port 25 (it builds `_25`), but
/// `_25._TCP` is the same name as `_25._tcp`.
#[test]
fn the_port_label_is_the_one_a_sender_builds() {
    let rec = |owner: &str| format!("mx IN A 192.0.2.25\n{owner} IN TLSA 3 1 1 {}\n", mx16());
    let (_d, r) = zone_text(&rec("_025._tcp.mx"));
    assert!(
        r.stdout
            .contains("fail bad-owner: _025._tcp.mx.example.com. is not _PORT._PROTO.host"),
        "{r:?}"
    );
    for owner in ["_+25._tcp.mx", "_25._tcp.mx"] {
        let (_d, r) = zone_text(&rec(owner));
        assert_eq!(
            r.stdout.contains("bad-owner"),
            owner.starts_with("_+"),
            "{owner}: {r:?}"
        );
    }
    let (_d, r) = zone_text(&rec("_25._TCP.mx"));
    assert!(!r.stdout.contains("bad-owner"), "{r:?}");
}

/// A zone file is bytes: a Latin-1 comment (BIND and Knot load it) and a raw byte
/// in an `$INCLUDE`d file are read, not refused as "not UTF-8".
#[test]
fn a_zone_with_latin1_bytes_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = dir.path().join("example.com.zone");
    let mut text = b"$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\n".to_vec();
    text.extend_from_slice(b"ns IN A 192.0.2.53 ; Verantwortlich: M\xfcller\n$INCLUDE txt.inc\n");
    std::fs::write(&zone, text).expect("write");
    std::fs::write(dir.path().join("txt.inc"), b"t IN TXT \"caf\xe9\"\n").expect("write");
    let shown = zone.display().to_string();
    let r = crate::util::run(&["zone", "--whole-zone", &shown]);
    r.code(0);
    assert!(r.stdout.ends_with("verdict ok\n"), "{r:?}");
}

// ------------------------------------------ zone files as the servers read them ---
// Issue 13: each case below was a false zone-syntax finding (or worse) with the
// hand-written tokenizer; BIND and Knot load every "ok" zone here.

/// SOA, NS and MX lines every zone below starts with (no `$TTL`: see the TTL test).
const HEAD: &str =
    "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 192.0.2.53\n";

/// Writes `body` after [`HEAD`] as example.com.zone in a temporary folder and runs
/// `daneguard zone` on it.
fn zone_text(body: &str) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.com.zone");
    std::fs::write(&path, format!("{HEAD}{body}")).unwrap();
    let r = zone(&[path.to_str().unwrap()]);
    (dir, r)
}

/// Asserts a clean run: no finding at all, exit 0.
fn loads_cleanly(body: &str) {
    let (_dir, r) = zone_text(body);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("zone-syntax"), "{r:?}");
}

#[test]
fn at_sign_in_rdata_is_the_origin() {
    loads_cleanly("@ IN MX 10 @\n@ IN A 192.0.2.1\nwww IN CNAME @\nsub IN NS @\n");
}

#[test]
fn underscores_in_owner_names_and_targets_are_names() {
    loads_cleanly("google_2048._domainkey IN TXT \"v=DKIM1\"\nzz IN CNAME zz_zz.example.net.\n");
}

#[test]
fn rfc3597_generic_data_for_known_types_is_read() {
    loads_cleanly(
        "a IN A \\# 4 0A000001\n@ IN MX \\# 6 000a026d7800\nsvc IN SVCB \\# 7 ( 0001 00 0001 0000 )\n",
    );
}

#[test]
fn escaped_names_and_rfc2317_slashes_are_names() {
    loads_cleanly(
        "esc\\046two IN A 192.0.2.1\n0/25 IN NS ns\n1.0/25 IN CNAME 1.0/25.example.net.\n",
    );
}

#[test]
fn sshfp_hex_and_openpgpkey_base64_may_be_split_over_fields_and_lines() {
    loads_cleanly(
        "h IN SSHFP 1 1 ( 0123456789abcdef\n 0123456789abcdef01234567 )\nk IN OPENPGPKEY ( AAAA\n BBBB )\n",
    );
}

#[test]
fn svcb_quoting_and_numbered_keys_are_read() {
    loads_cleanly("s IN SVCB 1 . alpn=\"h2,h3\" key65000=\"x y\"\nh IN HTTPS 1 . port=\"443\"\n");
}

#[test]
fn type52_mnemonic_reads_as_tlsa() {
    let (_dir, r) = zone_text("mx IN A 192.0.2.25\n_25._tcp.mx IN TYPE52 \\# 6 030101aabbcc\n");
    assert!(!r.stdout.contains("zone-syntax"), "{r:?}");
    assert!(
        r.stdout.contains("SHA2-256 data must be 32 bytes, not 3"),
        "{r:?}"
    );
}

#[test]
fn generate_is_expanded_and_its_records_are_checked() {
    let (_dir, r) = zone_text("$GENERATE 1-3 mx$ A 192.0.2.$\n_25._tcp.mx2 IN TLSA 3 1 1 00\n");
    assert!(!r.stdout.contains("zone-syntax"), "{r:?}");
    assert!(r.stdout.contains(":6: fail tlsa-syntax"), "{r:?}");
    assert!(!r.stdout.contains("no-address"), "{r:?}");
}

#[test]
fn types_daneguard_does_not_read_are_skipped_with_a_note() {
    let (_dir, r) = zone_text(
        "n IN NSAP-PTR foo.\ne IN EID 1234\nl IN LOC 42 21 54 N 71 06 18 W -24m 30m\nl2 IN LOC 1 N 1 E 0m\n",
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("zone-syntax"), "{r:?}");
    assert!(
        r.stdout
            .contains(":5: info zone-note: NSAP-PTR records are not read"),
        "{r:?}"
    );
    assert_eq!(r.stdout.matches("LOC records").count(), 1, "{r:?}");
}

#[test]
fn no_ttl_anywhere_uses_the_soa_minimum_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.com.zone");
    std::fs::write(
        &path,
        "@ IN SOA ns hostmaster 1 3600 600 86400 300\n@ IN NS ns\nns IN A 192.0.2.53\n",
    )
    .unwrap();
    let r = zone(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains(":1: info zone-note: no $TTL"), "{r:?}");
    assert!(r.stdout.contains("the SOA minimum (300)"), "{r:?}");
}

#[test]
fn ttl_units_in_ttl_directive_records_and_soa_timers_are_read() {
    loads_cleanly("$TTL 1D\nx 1h IN A 192.0.2.9\n");
}

#[test]
fn unclosed_parenthesis_is_a_zone_error_on_its_line_not_a_tlsa_error_on_the_next() {
    let (_dir, r) = zone_text(
        "mx IN A 192.0.2.25 (\n_25._tcp.mx IN TLSA 3 1 1 0011223344556677889900112233445566778899001122334455667788990011\n",
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains(":5: fail zone-syntax"), "{r:?}");
    assert!(!r.stdout.contains("tlsa-syntax"), "{r:?}");
}

// ---------------------------------------------------------- $INCLUDE confined ---

/// A zone in `dir` that includes `target`; the run's stdout must not show `secret`.
fn include_refused(dir: &std::path::Path, target: &str, secret: &str) {
    let path = dir.join("example.com.zone");
    std::fs::write(&path, format!("{HEAD}$INCLUDE {target}\n")).unwrap();
    for format in ["text", "github", "json"] {
        let r = zone(&["--format", format, path.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{r:?}");
        assert!(r.stdout.contains("refused"), "{target}: {r:?}");
        assert!(r.stdout.contains("zone-syntax"), "{r:?}");
        assert!(!r.stdout.contains(secret), "{target} echoed: {r:?}");
        assert!(!r.stderr.contains(secret), "{target} echoed: {r:?}");
    }
}

#[test]
fn include_of_etc_passwd_is_refused_without_echo() {
    let dir = tempfile::tempdir().unwrap();
    include_refused(dir.path(), "/etc/passwd", "root:");
}

#[test]
fn include_of_proc_self_environ_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    include_refused(dir.path(), "/proc/self/environ", "PATH=");
}

#[test]
fn include_escaping_with_dot_dot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("zones")).unwrap();
    std::fs::write(
        dir.path().join("outside.inc"),
        "leak IN TXT \"secret-outside\"\n",
    )
    .unwrap();
    include_refused(
        &dir.path().join("zones"),
        "../outside.inc",
        "secret-outside",
    );
}

#[test]
fn include_through_a_symlink_out_of_the_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("zones")).unwrap();
    std::fs::write(
        dir.path().join("outside.inc"),
        "leak IN TXT \"secret-link\"\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("outside.inc"),
        dir.path().join("zones/in.inc"),
    )
    .unwrap();
    include_refused(&dir.path().join("zones"), "in.inc", "secret-link");
}

#[test]
fn include_root_allows_a_sibling_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("zones")).unwrap();
    std::fs::write(dir.path().join("common.inc"), "extra IN A 192.0.2.7\n").unwrap();
    let path = dir.path().join("zones/example.com.zone");
    std::fs::write(&path, format!("{HEAD}$INCLUDE ../common.inc\n")).unwrap();
    let root = dir.path().to_str().unwrap();
    let r = zone(&["--include-root", root, path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn renew_check_zone_takes_the_apex_from_origin_directive_not_the_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.example.com");
    std::fs::copy(td("zones/clean.example.com.zone"), &path).unwrap();
    let r = run(&[
        "renew-check",
        "mx.example.com",
        "--current",
        "testdata/letsencrypt-dir/live/mx-reuse",
        "--zone",
        path.to_str().unwrap(),
    ]);
    assert!(!r.stdout.contains("outside the zone"), "{r:?}");
    assert!(r.code != 2, "{r:?}");
}

#[test]
fn include_of_a_fifo_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.inc");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo");
    include_refused(dir.path(), "pipe.inc", "never-written");
}

#[test]
fn no_ttl_and_no_soa_is_a_zone_error_as_bind_says() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.com.zone");
    std::fs::write(&path, "mx IN A 192.0.2.25\n").unwrap();
    let r = zone(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains(":1: fail zone-syntax: no TTL"), "{r:?}");
}

#[test]
fn soa_without_ns_and_soa_off_the_given_origin_are_zone_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.com.zone");
    std::fs::write(
        &path,
        "$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 300\nns IN A 192.0.2.53\n",
    )
    .unwrap();
    let r = zone(&[path.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.contains(":2: fail zone-syntax: no NS records"),
        "{r:?}"
    );
    std::fs::write(&path, format!("$ORIGIN example.net.\n{HEAD}")).unwrap();
    let r = zone(&["--origin", "example.com", path.to_str().unwrap()]);
    assert!(
        r.stdout.contains("not at the top of the zone example.com."),
        "{r:?}"
    );
}

/// Found by the zonefile fuzz target: the `domain` scanner (0.12.3) panics with an index
/// out of bounds on this quoted TXT string. daneguard reports the entry as a syntax
/// error, prints no panic message, and goes on.
#[test]
fn a_panic_of_the_zone_scanner_is_a_syntax_finding_without_a_panic_message() {
    let file = "testdata/zones/regress/domain-charstr-panic.zone";
    let r = zone(&["--origin", "example.com", file]);
    r.code(1);
    assert_eq!(r.stderr, "", "{r:?}");
    assert!(
        r.stdout.contains(&format!(
            "{file}:3: fail zone-syntax: the zone-file scanner failed on this entry"
        )),
        "{r:?}"
    );
}

/// The README's `zone-structure` example, run as it is shown there: the zone file
/// and the output are taken from the README, so the two cannot drift apart.
#[test]
fn readme_zone_structure_example_is_what_zone_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("$ cat zones/example.net.zone\n")
        .expect("README example");
    let rest = &readme[start..];
    let (text, rest) = rest["$ cat zones/example.net.zone\n".len()..]
        .split_once("$ daneguard zone zones/example.net.zone\n")
        .unwrap();
    let (shown, _) = rest.split_once("$ echo $?\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("zones")).unwrap();
    let path = dir.path().join("zones/example.net.zone");
    std::fs::write(&path, text).unwrap();
    let r = zone(&[path.to_str().unwrap()]);
    r.code(1);
    let out = r
        .stdout
        .replace(path.to_str().unwrap(), "zones/example.net.zone");
    assert_eq!(
        out, shown,
        "README zone-structure example differs from this run"
    );
    assert!(
        out.contains("zones/example.net.zone:5: fail zone-structure: NS target ns2.example.net.")
    );
}

#[test]
fn whole_zone_makes_a_missing_soa_a_finding_and_a_part_stays_a_part() {
    let (_dir, path) = temp_zone(
        "hints.db",
        "$TTL 300\n. IN NS a.root-servers.nil.\na.root-servers.nil. IN A 192.0.2.1\n",
    );
    // By default a file without an SOA is a part of a zone (for $INCLUDE).
    let (r, doc) = json(&[&path]);
    r.code(0);
    assert!(doc.findings.is_empty(), "{doc:#?}");
    let (r, doc) = json(&[&path, "--whole-zone"]);
    r.code(1);
    let found: Vec<(usize, &str, &str)> = doc
        .findings
        .iter()
        .map(|f| (f.line, f.code.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![(
            2,
            "zone-syntax",
            "no SOA record at the top of the zone .: a whole zone (--whole-zone) needs one; BIND and Knot refuse the zone"
        )]
    );
    // A whole zone with its SOA passes as before.
    let mut args = vec![CLEAN, "--whole-zone", "--origin", "example.com"];
    args.extend(CLEAN_CHAINS);
    zone(&args).exact(
        0,
        "1 file checked: 0 fail, 0 warn, 0 info; verdict ok\n",
        "",
    );
}
