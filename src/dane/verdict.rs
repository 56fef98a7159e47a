//! Published TLSA records × a certificate chain → per-record results and findings
//! (RFC 6698 §2.1, RFC 7671 §5 and §9, RFC 7672 §2-3). Pure: no I/O, "now" passed in.

use std::net::IpAddr;

use crate::chain::Certificate;
use crate::findings::{Code, Finding, Severity, Verdict};
use crate::lookup::{Answer, Security};
use crate::owner::Host;
use crate::sanitize::escape;
use crate::tlsa::{Matching, Params, Selector, Tlsa, Usage};

/// Everything known about one host and port.
pub struct HostFacts<'a> {
    pub host: &'a Host,
    pub port: u16,
    /// The MX RRset that named this host, when checking a mail domain.
    pub mx: Option<&'a Answer<(u16, String)>>,
    /// A and AAAA records together (the worse status of the two).
    pub addresses: &'a Answer<IpAddr>,
    pub tlsa: &'a Answer<Tlsa>,
    pub chain: Option<&'a [Certificate]>,
    pub now: i64,
    /// Warn when the leaf expires within this many days.
    pub days: u32,
    /// Further names the leaf may carry for DANE-TA (RFC 7672 §3.2.3): the CNAME-expanded
    /// TLSA base domain and the mail domain.
    pub also_names: &'a [String],
}

/// What one published record matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The certificate at this depth (0 = leaf).
    Cert { depth: usize },
    /// A `2 x 0` trust-anchor key or certificate that signed the top certificate sent
    /// (RFC 7671 §5.2.2: the TA itself need not be sent).
    TopSigner,
    /// Matches nothing in the chain.
    Nothing,
    /// No chain to compare with.
    NotCompared,
}

/// One published record and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResult {
    pub tlsa: Tlsa,
    /// Why senders cannot use this record, if they cannot.
    pub unusable: Option<String>,
    pub matched: Match,
    /// Why a match does not count for a DANE sender.
    pub void: Option<Void>,
}

/// Why a DANE-TA match does not satisfy a sender (RFC 7671 §5.2.2, RFC 7672 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Void {
    /// A link between the leaf and the matched CA does not verify.
    BrokenChain(String),
    /// The leaf does not name the host (RFC 7672 §3.2.3).
    NameMismatch(String),
    /// A certificate up to the trust anchor is outside its validity period.
    OutOfDate(String),
    /// Usage 2 matched the leaf itself rather than a CA certificate.
    LeafAsTa,
}

impl Void {
    pub fn code(&self) -> Code {
        match self {
            Void::BrokenChain(_) | Void::LeafAsTa => Code::TaChainBroken,
            Void::NameMismatch(_) => Code::NameMismatch,
            Void::OutOfDate(_) => Code::Expired,
        }
    }
}

impl std::fmt::Display for Void {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Void::BrokenChain(s) | Void::NameMismatch(s) | Void::OutOfDate(s) => f.write_str(s),
            Void::LeafAsTa => {
                f.write_str("a DANE-TA record must match a CA certificate, not the leaf")
            }
        }
    }
}

impl RecordResult {
    /// Usable and matching in a way a DANE sender accepts.
    pub fn counts(&self) -> bool {
        self.unusable.is_none()
            && self.void.is_none()
            && matches!(self.matched, Match::Cert { .. } | Match::TopSigner)
    }
}

/// The judgement on one host.
#[derive(Debug, Clone)]
pub struct HostVerdict {
    pub records: Vec<RecordResult>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

/// Judges one host.
pub fn judge(facts: &HostFacts<'_>) -> HostVerdict {
    let records: Vec<RecordResult> = facts
        .tlsa
        .records()
        .iter()
        .map(|t| record_result(t, facts))
        .collect();
    let mut findings = Vec::new();
    let dane_applies = dns_findings(facts, &mut findings);
    record_findings(facts, &records, &mut findings);
    if dane_applies {
        match_findings(facts, &records, &mut findings);
    }
    chain_findings(facts, &records, &mut findings);
    let verdict = Verdict::of(&findings);
    HostVerdict {
        records,
        findings,
        verdict,
    }
}

/// Findings from the lookups' DNSSEC status. Returns whether DANE applies, i.e. a
/// sender would use the TLSA records (secure MX, addresses and TLSA).
fn dns_findings(f: &HostFacts<'_>, out: &mut Vec<Finding>) -> bool {
    let host = f.host;
    let mut failed = false;
    let lookups: [(&str, Option<Security>, Option<&str>); 3] = [
        (
            "MX",
            f.mx.map(|m| m.security().unwrap_or(Security::Indeterminate)),
            f.mx.and_then(failure),
        ),
        (
            "address (A/AAAA)",
            f.addresses.security(),
            failure(f.addresses),
        ),
        ("TLSA", f.tlsa.security(), failure(f.tlsa)),
    ];
    for (what, security, reason) in lookups {
        if let Some(reason) = reason {
            out.push(Finding::new(
                Code::LookupFailed,
                format!("the {what} lookup for {host} failed ({reason}); a DANE sender would defer mail until it succeeds"),
            ));
            failed = true;
        } else if security == Some(Security::Bogus) {
            out.push(bogus_finding(f, what));
            failed = true;
        } else if security == Some(Security::Indeterminate) {
            out.push(Finding::new(
                Code::LookupFailed,
                format!("the DNSSEC status of the {what} records for {host} could not be determined (does the resolver pass DNSSEC records? try --resolver with a validating resolver)"),
            ));
            failed = true;
        }
    }
    if failed {
        return false;
    }
    if f.mx.and_then(Answer::security) == Some(Security::Insecure) {
        out.push(Finding::new(
            Code::DaneNotInEffect,
            "the MX records are not DNSSEC-signed: senders do not look up TLSA records and use opportunistic TLS",
        ));
        return false;
    }
    if let Answer::NoData { security } | Answer::NxDomain { security } = f.addresses {
        out.push(Finding::new(
            Code::NoAddress,
            format!(
                "{host} has no A or AAAA records ({security} {}): senders cannot deliver to it",
                f.addresses.kind()
            ),
        ));
        return false;
    }
    let addresses_secure = f.addresses.security() == Some(Security::Secure);
    match f.tlsa {
        Answer::Found {
            security: Security::Insecure,
            ..
        } if addresses_secure => {
            out.push(Finding::new(
                Code::InsecureTlsa,
                format!("the TLSA records for {host} are insecure while its address records are secure: DANE senders ignore them and fall back to opportunistic TLS"),
            ));
            false
        }
        _ if !addresses_secure => {
            out.push(Finding::new(
                Code::DaneNotInEffect,
                format!("the address records of {host} are not DNSSEC-signed (insecure): senders do not look up TLSA records and use opportunistic TLS"),
            ));
            false
        }
        Answer::Found { .. } => true,
        Answer::NoData { security } | Answer::NxDomain { security } => {
            if *security == Security::Secure {
                out.push(Finding::new(
                    Code::NoTlsa,
                    format!("no TLSA records for {host} port {} (authenticated denial): senders use opportunistic TLS", f.port),
                ));
            } else {
                out.push(Finding::new(
                    Code::DaneNotInEffect,
                    format!("no TLSA records for {host}, and the denial is {security}: DANE is not in effect"),
                ));
            }
            false
        }
        Answer::Bogus { .. } | Answer::Failed { .. } => false,
    }
}

/// A bogus RRset defers mail, except a bogus TLSA RRset that senders never ask for
/// because the MX or address records are insecure (RFC 7672 §2.2).
fn bogus_finding(f: &HostFacts<'_>, what: &str) -> Finding {
    let host = f.host;
    let insecure_above = f.mx.and_then(Answer::security) == Some(Security::Insecure)
        || f.addresses.security() == Some(Security::Insecure);
    if what == "TLSA" && insecure_above {
        return Finding::with(
            Code::Bogus,
            Severity::Warn,
            format!(
                "the TLSA records for {host} fail DNSSEC validation (bogus); senders do not look them up today because the MX or address records are insecure, but they will defer mail once those are signed"
            ),
        );
    }
    Finding::new(
        Code::Bogus,
        format!(
            "the {what} records for {host} fail DNSSEC validation (bogus): DANE senders defer mail to this host"
        ),
    )
}

fn failure<T>(a: &Answer<T>) -> Option<&str> {
    match a {
        Answer::Failed { reason } => Some(reason),
        _ => None,
    }
}

/// What a record is compared in: the host and its other reference names, the port and
/// "now".
pub struct MatchContext<'a> {
    pub host: &'a Host,
    pub port: u16,
    pub now: i64,
    pub also_names: &'a [String],
}

impl HostFacts<'_> {
    fn ctx(&self) -> MatchContext<'_> {
        MatchContext {
            host: self.host,
            port: self.port,
            now: self.now,
            also_names: self.also_names,
        }
    }
}

fn record_result(tlsa: &Tlsa, f: &HostFacts<'_>) -> RecordResult {
    evaluate(tlsa, f.chain, &f.ctx())
}

/// Judges one record against a chain (or none): usable or not, what it matches, and
/// whether that match counts for a DANE sender.
pub fn evaluate(tlsa: &Tlsa, chain: Option<&[Certificate]>, f: &MatchContext<'_>) -> RecordResult {
    let unusable = tlsa.malformed().or_else(|| {
        (f.port == 25 && tlsa.params.usage.is_pkix()).then(|| {
            format!(
                "{} is ignored by SMTP senders (RFC 7672 §3.1.3)",
                tlsa.params.usage.name().unwrap_or("PKIX")
            )
        })
    });
    let Some(chain) = chain else {
        return RecordResult {
            tlsa: tlsa.clone(),
            unusable,
            matched: Match::NotCompared,
            void: None,
        };
    };
    let (matched, void) = match_chain(tlsa, chain, f);
    RecordResult {
        tlsa: tlsa.clone(),
        unusable,
        matched,
        void,
    }
}

/// Which certificate a record matches and, for DANE-TA, whether that match holds up.
fn match_chain(tlsa: &Tlsa, chain: &[Certificate], f: &MatchContext<'_>) -> (Match, Option<Void>) {
    if tlsa.malformed().is_some() {
        return (Match::Nothing, None);
    }
    let usage = tlsa.params.usage;
    if !usage.is_ta() {
        return match chain.first() {
            Some(leaf) if tlsa.matches(Some(&leaf.der), &leaf.spki) => {
                (Match::Cert { depth: 0 }, None)
            }
            _ => (Match::Nothing, None),
        };
    }
    let found = chain
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, c)| tlsa.matches(Some(&c.der), &c.spki));
    if let Some((depth, _)) = found {
        return (Match::Cert { depth }, ta_void(chain, depth, f));
    }
    if let Some(top) = chain.last()
        && signed_by_full_ta(tlsa, top)
    {
        return (Match::TopSigner, ta_void(chain, chain.len() - 1, f));
    }
    if chain
        .first()
        .is_some_and(|leaf| tlsa.matches(Some(&leaf.der), &leaf.spki))
    {
        return (Match::Cert { depth: 0 }, Some(Void::LeafAsTa));
    }
    (Match::Nothing, None)
}

/// RFC 7671 §5.2.2: a `2 1 0` (full key) or `2 0 0` (full certificate) record may
/// vouch for the top certificate sent even when the trust anchor is not sent.
fn signed_by_full_ta(tlsa: &Tlsa, top: &Certificate) -> bool {
    if tlsa.params.matching != Matching::FULL || tlsa.params.usage != Usage::DANE_TA {
        return false;
    }
    match tlsa.params.selector {
        Selector::SPKI => top.signed_by_key(&tlsa.data),
        Selector::CERT => {
            Certificate::from_der(tlsa.data.clone()).is_ok_and(|ta| top.signed_by(&ta))
        }
        _ => false,
    }
}

/// Why a DANE-TA match at `depth` would not satisfy a sender: a broken chain below
/// it, the leaf not naming the host (RFC 7672 §3.2.3), or an expired certificate.
fn ta_void(chain: &[Certificate], depth: usize, f: &MatchContext<'_>) -> Option<Void> {
    for i in 0..depth {
        if chain[i].issuer_der != chain[i + 1].subject_der || !chain[i].signed_by(&chain[i + 1]) {
            return Some(Void::BrokenChain(format!(
                "certificate {i} does not verify with certificate {}'s key",
                i + 1
            )));
        }
    }
    let leaf = &chain[0];
    let named =
        leaf.covers_host(f.host.as_str()) || f.also_names.iter().any(|n| leaf.covers_host(n));
    if !named {
        return Some(Void::NameMismatch(format!(
            "the leaf ({}) does not name {} (DANE-TA needs a name match)",
            escape(&leaf.reference_names().join(", ")),
            f.host
        )));
    }
    let stale = chain[..=depth]
        .iter()
        .position(|c| c.not_after < f.now || c.not_before > f.now);
    stale.map(|i| {
        Void::OutOfDate(format!(
            "certificate {i} is outside its validity period (DANE-TA checks dates)"
        ))
    })
}

/// Findings about individual records, whatever their DNSSEC status.
fn record_findings(f: &HostFacts<'_>, records: &[RecordResult], out: &mut Vec<Finding>) {
    for (i, r) in records.iter().enumerate() {
        if r.tlsa.malformed().is_some() {
            out.push(
                Finding::new(
                    Code::UnusableRecord,
                    format!(
                        "{}: {}",
                        short(&r.tlsa),
                        r.unusable.as_deref().unwrap_or("unusable")
                    ),
                )
                .about(i),
            );
        } else if f.port == 25 && r.tlsa.params.usage.is_pkix() {
            out.push(
                Finding::new(
                    Code::PkixUsageSmtp,
                    format!(
                        "{} ({}): SMTP senders ignore usages 0 and 1; publish 3 1 1 or 2 1 1 instead",
                        short(&r.tlsa),
                        r.tlsa.params.names()
                    ),
                )
                .about(i),
            );
        }
    }
}

/// Findings from comparing usable records with the chain (only when DANE applies).
fn match_findings(f: &HostFacts<'_>, records: &[RecordResult], out: &mut Vec<Finding>) {
    let usable: Vec<&RecordResult> = records.iter().filter(|r| r.unusable.is_none()).collect();
    if usable.is_empty() {
        out.push(Finding::new(
            Code::NoUsableRecords,
            format!(
                "{} for {} port {} {} usable: senders require TLS but do not authenticate the server",
                if records.len() == 1 { "the only TLSA record".to_string() } else { format!("none of the {} TLSA records", records.len()) },
                f.host,
                f.port,
                if records.len() == 1 { "is not" } else { "is" }
            ),
        ));
        return;
    }
    if f.chain.is_none() {
        out.push(Finding::new(
            Code::NoChain,
            "no --chain given: the records were checked but not compared with a certificate chain",
        ));
        return;
    }
    for (i, r) in records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.unusable.is_none())
    {
        if let Some(why) = &r.void {
            out.push(
                Finding::new(
                    why.code(),
                    format!("{} matches, but does not count: {why}", short(&r.tlsa)),
                )
                .about(i),
            );
        }
        if r.matched == Match::Nothing {
            out.push(
                Finding::new(
                    Code::StaleRecord,
                    format!(
                        "{} ({}) matches nothing in the chain",
                        short(&r.tlsa),
                        r.tlsa.params.names()
                    ),
                )
                .about(i),
            );
        }
    }
    let effective = agility_filter(&usable);
    let counting = effective.iter().filter(|r| r.counts()).count();
    let counting_any = usable.iter().filter(|r| r.counts()).count();
    if counting == 0 {
        let why = if counting_any > 0 {
            "only SHA2-256 records match, and senders that support SHA2-512 use only the SHA2-512 records of the same usage and selector (RFC 7671 §9)".to_string()
        } else {
            "no usable record matches the certificate chain".to_string()
        };
        out.push(Finding::new(
            Code::NoMatch,
            format!("{why}: DANE senders will defer mail to {} port {} (and bounce it after their queue lifetime)", f.host, f.port),
        ));
    } else if counting == 1 {
        out.push(Finding::new(
            Code::SingleRecord,
            "only one published record matches: a key or issuer change breaks DANE; publish 3 1 1 for the key and 2 1 1 for the issuer",
        ));
    }
    if counting > 0 && sha256_only_groups(&usable) {
        out.push(Finding::new(
            Code::DigestAgility,
            "some SHA2-256 records match but the SHA2-512 records of the same usage and selector do not; senders preferring SHA2-512 see fewer matches",
        ));
    }
}

/// Whether some usage/selector pair has a matching SHA2-256 record while its SHA2-512
/// records match nothing (senders preferring SHA2-512 lose that match).
fn sha256_only_groups(usable: &[&RecordResult]) -> bool {
    usable.iter().any(|r| {
        let p = r.tlsa.params;
        let group_512 = |o: &&&RecordResult| {
            o.tlsa.params
                == Params {
                    matching: Matching::SHA2_512,
                    ..p
                }
        };
        p.matching == Matching::SHA2_256
            && r.counts()
            && usable.iter().any(|o| group_512(&o))
            && !usable.iter().filter(group_512).any(|o| o.counts())
    })
}

/// RFC 7671 §9: per usage and selector, clients use only the strongest digest published.
fn agility_filter<'r>(usable: &[&'r RecordResult]) -> Vec<&'r RecordResult> {
    usable
        .iter()
        .copied()
        .filter(|r| {
            let p = r.tlsa.params;
            !(p.matching == Matching::SHA2_256
                && usable.iter().any(|o| {
                    let q = o.tlsa.params;
                    q == Params {
                        matching: Matching::SHA2_512,
                        ..p
                    }
                }))
        })
        .collect()
}

/// Expiry of the chain's leaf, and of CA certificates a DANE-TA match relies on.
fn chain_findings(f: &HostFacts<'_>, records: &[RecordResult], out: &mut Vec<Finding>) {
    let Some(leaf) = f.chain.and_then(<[Certificate]>::first) else {
        return;
    };
    let window = i64::from(f.days) * 86_400;
    if leaf.not_after < f.now || leaf.not_before > f.now {
        let ee_matches = records
            .iter()
            .any(|r| r.counts() && r.tlsa.params.usage == Usage::DANE_EE);
        let severity = if ee_matches {
            Severity::Warn
        } else {
            Severity::Fail
        };
        out.push(Finding::with(
            Code::Expired,
            severity,
            format!(
                "the leaf certificate ({}) is valid only from {} to {}{}",
                escape(&leaf.subject),
                crate::render::iso_time(leaf.not_before),
                crate::render::iso_time(leaf.not_after),
                if ee_matches {
                    "; DANE-EE ignores dates, but other clients will not"
                } else {
                    ""
                }
            ),
        ));
    } else if leaf.not_after < f.now + window {
        let days_left = (leaf.not_after - f.now) / 86_400;
        out.push(Finding::new(
            Code::ExpiresSoon,
            format!(
                "the leaf certificate expires on {} (in {days_left} days)",
                crate::render::iso_time(leaf.not_after)
            ),
        ));
    }
}

/// `3 1 1 b975b1ba…` for messages.
pub fn short(t: &Tlsa) -> String {
    let hex = t.data_hex();
    if hex.len() > 16 {
        format!("{} {}…", t.params, &hex[..16])
    } else {
        t.to_string()
    }
}

/// Findings for a mail domain whose MX lookup gave no hosts to check.
pub fn mx_findings(domain: &str, mx: &Answer<(u16, String)>) -> Vec<Finding> {
    let finding = match mx {
        Answer::Bogus { reason } => Finding::new(
            Code::Bogus,
            format!(
                "the MX records of {domain} fail DNSSEC validation ({reason}): DANE senders defer all mail to {domain}"
            ),
        ),
        Answer::Failed { reason } => Finding::new(
            Code::LookupFailed,
            format!(
                "the MX lookup for {domain} failed ({reason}); senders defer mail until it succeeds"
            ),
        ),
        Answer::NxDomain { security } => Finding::new(
            Code::LookupFailed,
            format!("the mail domain {domain} does not exist ({security} NXDOMAIN)"),
        ),
        Answer::Found { .. } => Finding::new(
            Code::NullMx,
            format!("{domain} has a null MX (RFC 7505): it accepts no mail"),
        ),
        Answer::NoData { security } => Finding::new(
            Code::LookupFailed,
            format!(
                "{domain} has no MX records ({security} denial) and could not be checked as its own mail host"
            ),
        ),
    };
    vec![finding]
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
