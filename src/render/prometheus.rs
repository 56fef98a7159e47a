//! `--format prometheus`: the Prometheus text exposition format (version 0.0.4), for
//! node_exporter's textfile collector. Metric names and labels are listed in the README.

use std::io::{self, Write};

use crate::dane::report::{HostReport, RenewReport};
use crate::findings::{Finding, Severity, Verdict};
use crate::lookup::Security;

/// One metric family: every sample is written under one HELP and TYPE line, as the
/// format requires.
struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(String, String)>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Family {
        Family {
            name,
            help,
            samples: Vec::new(),
        }
    }

    fn add(&mut self, labels: &str, value: impl ToString) {
        self.samples.push((labels.to_string(), value.to_string()));
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        if self.samples.is_empty() {
            return Ok(());
        }
        writeln!(out, "# HELP {} {}", self.name, self.help)?;
        writeln!(out, "# TYPE {} gauge", self.name)?;
        for (labels, value) in &self.samples {
            if labels.is_empty() {
                writeln!(out, "{} {value}", self.name)?;
            } else {
                writeln!(out, "{}{{{labels}}} {value}", self.name)?;
            }
        }
        Ok(())
    }
}

/// A label value with `\`, `"` and newlines escaped as the format requires.
fn quoted(value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n");
    format!("\"{escaped}\"")
}

/// `domain="…",host="…",port="…"` (`domain` only for hosts found through --mx).
fn host_labels(domain: Option<&str>, host: &str, port: u16) -> String {
    let domain = domain
        .map(|d| format!("domain={},", quoted(d)))
        .unwrap_or_default();
    format!("{domain}host={},port=\"{port}\"", quoted(host))
}

/// 0 ok, 1 warn, 2 fail, 3 error: higher is worse, so alerts can compare.
fn verdict_value(v: Verdict) -> u8 {
    match v {
        Verdict::Ok => 0,
        Verdict::Warn => 1,
        Verdict::Fail => 2,
        Verdict::Error => 3,
    }
}

const SEVERITIES: [Severity; 4] = [
    Severity::Info,
    Severity::Warn,
    Severity::Fail,
    Severity::Error,
];

/// DNSSEC status label values; `failed` is a lookup that gave no status.
const DNSSEC: [&str; 5] = ["secure", "insecure", "bogus", "indeterminate", "failed"];

fn add_findings(f: &mut Family, labels: &str, findings: &[Finding]) {
    for s in SEVERITIES {
        let n = findings.iter().filter(|x| x.severity == s).count();
        f.add(&format!("{labels},severity=\"{s}\""), n);
    }
}

/// `check`'s reports. `complete` is false when some names could not be checked.
pub fn check(
    out: &mut dyn Write,
    reports: &[HostReport],
    complete: bool,
    now: i64,
) -> io::Result<()> {
    let mut f = CheckFamilies::new();
    for r in reports {
        f.add(r, now);
    }
    let mut success = Family::new(
        "daneguard_check_success",
        "1 if every name could be checked, 0 if some could not (their errors are on stderr).",
    );
    success.add("", u8::from(complete));
    for family in [
        &f.verdict,
        &f.dnssec,
        &f.records,
        &f.matching,
        &f.expiry,
        &f.findings,
        &f.live_up,
        &f.live_match,
        &f.checked,
        &success,
    ] {
        family.write(out)?;
    }
    Ok(())
}

/// The metric families of `check`, filled host by host.
struct CheckFamilies {
    verdict: Family,
    dnssec: Family,
    records: Family,
    matching: Family,
    expiry: Family,
    findings: Family,
    live_up: Family,
    live_match: Family,
    checked: Family,
}

impl CheckFamilies {
    fn new() -> CheckFamilies {
        CheckFamilies {
            verdict: Family::new(
                "daneguard_check_verdict",
                "Verdict for the host and port: 0 ok, 1 warn, 2 fail (DANE broken), 3 error (could not check).",
            ),
            dnssec: Family::new(
                "daneguard_check_tlsa_dnssec",
                "DNSSEC status of the TLSA lookup: 1 for the status it had, 0 for the others.",
            ),
            records: Family::new(
                "daneguard_check_tlsa_records",
                "TLSA records published for the host and port.",
            ),
            matching: Family::new(
                "daneguard_check_matching_records",
                "Published TLSA records that are usable and match the chain (given or presented).",
            ),
            expiry: Family::new(
                "daneguard_check_leaf_expiry_timestamp_seconds",
                "notAfter of the leaf certificate as a Unix time (the earliest if several are known).",
            ),
            findings: Family::new(
                "daneguard_check_findings",
                "Findings for the host and port by severity.",
            ),
            live_up: Family::new(
                "daneguard_check_live_up",
                "1 if a TLS handshake with the address succeeded (--live), else 0.",
            ),
            live_match: Family::new(
                "daneguard_check_live_matching",
                "1 if the chain the address presents for the key family matches a usable TLSA record (--live).",
            ),
            checked: Family::new(
                "daneguard_check_timestamp_seconds",
                "When the host and port were checked, as a Unix time.",
            ),
        }
    }

    fn add(&mut self, r: &HostReport, now: i64) {
        let labels = host_labels(r.domain.as_deref(), &r.host, r.port);
        self.verdict.add(&labels, verdict_value(r.verdict));
        if let Some(tlsa) = &r.tlsa {
            let status = tlsa.security().map(Security::as_str).unwrap_or("failed");
            for s in DNSSEC {
                self.dnssec
                    .add(&format!("{labels},status=\"{s}\""), u8::from(s == status));
            }
            self.records.add(&labels, tlsa.records().len());
        }
        let compared = r.chain.is_some() || r.live.iter().any(|a| !a.chains.is_empty());
        if compared {
            // The records a sender uses (RFC 7671 §9 applied), as the rules count them.
            let matching = crate::dane::rrset::authenticating(&r.records).len();
            self.matching.add(&labels, matching);
        }
        if let Some(t) = super::nagios::leaves(r).map(|c| c.not_after).min() {
            self.expiry.add(&labels, t);
        }
        add_findings(&mut self.findings, &labels, &r.findings);
        for a in &r.live {
            let at = format!("{labels},address={}", quoted(&a.address.to_string()));
            self.live_up.add(&at, u8::from(a.error.is_none()));
            for c in &a.chains {
                let family = format!("{at},family=\"{}\"", c.family.as_str());
                self.live_match
                    .add(&family, u8::from(!c.matched.is_empty()));
            }
        }
        self.checked.add(&labels, now);
    }
}

/// `renew-check`'s (and `certbot-hook`'s) reports.
pub fn renew(out: &mut dyn Write, reports: &[RenewReport], now: i64) -> io::Result<()> {
    let mut verdict = Family::new(
        "daneguard_renew_verdict",
        "Verdict for the next certificate: 0 ok, 1 warn, 2 fail (the switch breaks DANE), 3 error.",
    );
    let mut survives = Family::new(
        "daneguard_renew_survives",
        "1 if a published record still matches after the switch to the next certificate or key.",
    );
    let mut next = Family::new(
        "daneguard_renew_matching_next_records",
        "Published usable TLSA records that match the next certificate or key.",
    );
    let mut publish = Family::new(
        "daneguard_renew_records_to_publish",
        "TLSA records to publish before the switch.",
    );
    let mut wait = Family::new(
        "daneguard_renew_wait_seconds",
        "Seconds to wait after publishing before the server may switch (twice the TLSA TTL).",
    );
    let mut findings = Family::new(
        "daneguard_renew_findings",
        "Findings for the host and port by severity.",
    );
    let mut checked = Family::new(
        "daneguard_renew_timestamp_seconds",
        "When the host and port were checked, as a Unix time.",
    );
    for r in reports {
        let labels = host_labels(None, &r.host, r.port);
        let o = &r.outcome;
        verdict.add(&labels, verdict_value(o.verdict));
        survives.add(&labels, u8::from(o.survives));
        let n = o.records.iter().filter(|x| x.role.matches_next()).count();
        next.add(&labels, n);
        publish.add(&labels, o.publish.len());
        if let Some(w) = o.wait_seconds {
            wait.add(&labels, w);
        }
        add_findings(&mut findings, &labels, &o.findings);
        checked.add(&labels, now);
    }
    for f in [
        &verdict, &survives, &next, &publish, &wait, &findings, &checked,
    ] {
        f.write(out)?;
    }
    Ok(())
}
