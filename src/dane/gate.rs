//! Does DANE apply? The DNSSEC status of the MX, address and TLSA lookups decides whether
//! a sender uses the TLSA records, ignores them, or defers mail (RFC 7672 §2.1-2.2,
//! RFC 4035 §4.3). Pure.

use std::net::IpAddr;

use crate::findings::{Code, Finding, Severity};
use crate::lookup::{Answer, Security};
use crate::owner::Host;
use crate::tlsa::Tlsa;

/// What a sender does with the TLSA records of a host, before any certificate is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Secure MX (if any), addresses and TLSA records: senders use the records.
    Applies,
    /// Something on the way is insecure, or there are no TLSA records: opportunistic TLS.
    NotInEffect,
    /// The host has no addresses: senders cannot connect at all.
    NoAddress,
    /// A lookup senders need is bogus: they defer mail.
    Defer,
    /// A lookup failed or its DNSSEC status is unknown: daneguard cannot decide.
    Undecided,
}

/// The lookups of one host and port, as DNS answered them.
pub struct Lookups<'a> {
    pub host: &'a Host,
    pub port: u16,
    /// The MX RRset that named this host, when checking a mail domain.
    pub mx: Option<&'a Answer<(u16, String)>>,
    /// A and AAAA records together (the worse status of the two).
    pub addresses: &'a Answer<IpAddr>,
    pub tlsa: &'a Answer<Tlsa>,
}

/// The gate and the findings that explain it.
pub fn gate(l: &Lookups<'_>) -> (Gate, Vec<Finding>) {
    let mut out = Vec::new();
    if let Some(gate) = failures(l, &mut out) {
        return (gate, out);
    }
    (in_effect(l, &mut out), out)
}

/// Failed, bogus and undecidable lookups. `None` when every lookup gave an answer whose
/// status is known.
fn failures(l: &Lookups<'_>, out: &mut Vec<Finding>) -> Option<Gate> {
    let host = l.host;
    let lookups: [(&str, Option<Security>, Option<&str>); 3] = [
        (
            "MX",
            l.mx.map(|m| m.security().unwrap_or(Security::Indeterminate)),
            l.mx.and_then(failure),
        ),
        (
            "address (A/AAAA)",
            l.addresses.security(),
            failure(l.addresses),
        ),
        ("TLSA", l.tlsa.security(), failure(l.tlsa)),
    ];
    let mut worst: Option<Gate> = None;
    for (what, security, reason) in lookups {
        let gate = if let Some(reason) = reason {
            out.push(Finding::new(
                Code::LookupFailed,
                format!("the {what} lookup for {host} failed ({reason}); a DANE sender would defer mail until it succeeds"),
            ));
            Gate::Undecided
        } else if security == Some(Security::Bogus) {
            let finding = bogus_finding(l, what);
            let ignored = finding.severity < Severity::Fail;
            out.push(finding);
            if ignored {
                Gate::NotInEffect
            } else {
                Gate::Defer
            }
        } else if security == Some(Security::Indeterminate) {
            out.push(Finding::new(
                Code::LookupFailed,
                format!("the DNSSEC status of the {what} records for {host} could not be determined (does the resolver pass DNSSEC records? try --resolver with a validating resolver)"),
            ));
            Gate::Undecided
        } else {
            continue;
        };
        worst = Some(match (worst, gate) {
            (Some(Gate::Defer), _) | (_, Gate::Defer) => Gate::Defer,
            (Some(Gate::Undecided), _) | (_, Gate::Undecided) => Gate::Undecided,
            _ => gate,
        });
    }
    worst
}

/// With every status known: whether senders use the TLSA records.
fn in_effect(l: &Lookups<'_>, out: &mut Vec<Finding>) -> Gate {
    let host = l.host;
    if l.mx.and_then(Answer::security) == Some(Security::Insecure) {
        out.push(Finding::new(
            Code::DaneNotInEffect,
            "the MX records are not DNSSEC-signed: senders do not look up TLSA records and use opportunistic TLS",
        ));
        return Gate::NotInEffect;
    }
    if let Answer::NoData { security } | Answer::NxDomain { security } = l.addresses {
        out.push(Finding::new(
            Code::NoAddress,
            format!(
                "{host} has no A or AAAA records ({security} {}): senders cannot deliver to it",
                l.addresses.kind()
            ),
        ));
        return Gate::NoAddress;
    }
    let addresses_secure = l.addresses.security() == Some(Security::Secure);
    match l.tlsa {
        Answer::Found {
            security: Security::Insecure,
            ..
        } if addresses_secure => {
            out.push(Finding::new(
                Code::InsecureTlsa,
                format!("the TLSA records for {host} are insecure while its address records are secure: DANE senders ignore them and fall back to opportunistic TLS"),
            ));
            Gate::NotInEffect
        }
        _ if !addresses_secure => {
            out.push(Finding::new(
                Code::DaneNotInEffect,
                format!("the address records of {host} are not DNSSEC-signed (insecure): senders do not look up TLSA records and use opportunistic TLS"),
            ));
            Gate::NotInEffect
        }
        Answer::Found { .. } => Gate::Applies,
        Answer::NoData { security } | Answer::NxDomain { security } => {
            if *security == Security::Secure {
                out.push(Finding::new(
                    Code::NoTlsa,
                    format!("no TLSA records for {host} port {} (authenticated denial): senders use opportunistic TLS", l.port),
                ));
            } else {
                out.push(Finding::new(
                    Code::DaneNotInEffect,
                    format!("no TLSA records for {host}, and the denial is {security}: DANE is not in effect"),
                ));
            }
            Gate::NotInEffect
        }
        // Handled by `failures`.
        Answer::Bogus { .. } | Answer::Failed { .. } => Gate::Undecided,
    }
}

/// A bogus RRset defers mail, except a bogus TLSA RRset that senders never ask for
/// because the MX or address records are insecure (RFC 7672 §2.2).
fn bogus_finding(l: &Lookups<'_>, what: &str) -> Finding {
    let host = l.host;
    let reason = [
        l.mx.and_then(bogus_reason),
        bogus_reason(l.addresses),
        bogus_reason(l.tlsa),
    ];
    let why = match what {
        "MX" => reason[0],
        "TLSA" => reason[2],
        _ => reason[1],
    }
    .map(|r| format!(": {r}"))
    .unwrap_or_default();
    let insecure_above = l.mx.and_then(Answer::security) == Some(Security::Insecure)
        || l.addresses.security() == Some(Security::Insecure);
    if what == "TLSA" && insecure_above {
        return Finding::with(
            Code::Bogus,
            Severity::Warn,
            format!(
                "the TLSA records for {host} fail DNSSEC validation (bogus{why}); senders do not look them up today because the MX or address records are insecure, but they will defer mail once those are signed"
            ),
        );
    }
    Finding::new(
        Code::Bogus,
        format!(
            "the {what} records for {host} fail DNSSEC validation (bogus{why}): DANE senders defer mail to this host"
        ),
    )
}

fn bogus_reason<T>(a: &Answer<T>) -> Option<&str> {
    match a {
        Answer::Bogus { reason } if !reason.is_empty() => Some(reason),
        _ => None,
    }
}

fn failure<T>(a: &Answer<T>) -> Option<&str> {
    match a {
        Answer::Failed { reason } => Some(reason),
        _ => None,
    }
}

/// Whether a TLSA RRset alone can be relied on, for the commands that look at the
/// records without the host's addresses (`renew-check`, `stage`, `deploy`): `None` when
/// the answer (records or a denial) is DNSSEC-secure, else the finding that says why not.
pub fn tlsa_rrset(owner: &str, answer: &Answer<Tlsa>) -> Option<Finding> {
    let finding = match (answer, answer.security()) {
        (Answer::Bogus { reason }, _) => Finding::new(
            Code::Bogus,
            format!(
                "the TLSA records at {owner} fail DNSSEC validation ({reason}): DANE senders defer mail already"
            ),
        ),
        (Answer::Failed { reason }, _) => Finding::new(
            Code::LookupFailed,
            format!("the TLSA lookup at {owner} failed ({reason}): could not decide"),
        ),
        (_, Some(Security::Secure)) => return None,
        (_, Some(Security::Insecure)) => Finding::new(
            Code::DaneNotInEffect,
            format!(
                "the TLSA answer at {owner} is not DNSSEC-signed (insecure): DANE is not in effect"
            ),
        ),
        _ => Finding::new(
            Code::LookupFailed,
            format!("the DNSSEC status of the TLSA answer at {owner} could not be determined"),
        ),
    };
    Some(finding)
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
