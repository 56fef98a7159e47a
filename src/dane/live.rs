//! `check --live`: the chains servers present × the published TLSA records → findings
//! and the senders' outcome per address (pure). A presented chain counts exactly as a
//! chain file does: through [`rrset::authenticating`].

use std::net::SocketAddr;

use crate::chain::Certificate;
use crate::dane::gate::Gate;
use crate::dane::record::MatchContext;
use crate::dane::rrset;
use crate::dane::verdict::Senders;
use crate::findings::{Code, Finding, Severity};
use crate::live::{Family, LiveError, Probe, Starttls};
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// One certificate chain a server presented.
#[derive(Debug, Clone)]
pub struct LiveChain {
    pub family: Family,
    pub certs: Vec<Certificate>,
    /// Indices of the published records that authenticate this chain (RFC 7671 §9 applied).
    pub matched: Vec<usize>,
    /// Whether any published record is usable for this service.
    pub usable: bool,
    /// The chain a client offering every signature scheme gets (the server's choice).
    pub preferred: bool,
    /// Why the chain could not be read, if it could not.
    pub unreadable: Option<String>,
}

/// One address and what it presented.
#[derive(Debug, Clone)]
pub struct LiveAddress {
    pub address: SocketAddr,
    pub protocol: Starttls,
    pub chains: Vec<LiveChain>,
    pub error: Option<LiveError>,
    /// What a DANE sender does at this address, when DANE applies and it can be told.
    pub senders: Option<Senders>,
}

/// Parses the presented chains and finds which records count for each.
pub fn assess(probe: Probe, records: &[Tlsa], ctx: &MatchContext<'_>) -> LiveAddress {
    let preferred = probe.preferred;
    let chains: Vec<LiveChain> = probe
        .chains
        .into_iter()
        .enumerate()
        .map(|(i, (family, ders))| {
            let preferred = preferred == Some(i);
            let parsed: Result<Vec<Certificate>, _> =
                ders.into_iter().map(Certificate::from_der).collect();
            match parsed {
                Ok(certs) => {
                    let results = rrset::compare(records, Some(&certs), ctx);
                    LiveChain {
                        family,
                        certs,
                        matched: rrset::authenticating(&results),
                        usable: rrset::any_usable(&results),
                        preferred,
                        unreadable: None,
                    }
                }
                Err(e) => LiveChain {
                    family,
                    certs: Vec::new(),
                    matched: Vec::new(),
                    usable: rrset::any_usable(&rrset::compare(records, None, ctx)),
                    preferred,
                    unreadable: Some(e.to_string()),
                },
            }
        })
        .collect();
    let senders = address_senders(&chains, probe.error.as_ref(), !records.is_empty());
    LiveAddress {
        address: probe.address,
        protocol: probe.protocol,
        chains,
        error: probe.error,
        senders,
    }
}

/// What a DANE sender does at one address, assuming DANE applies (the gate is applied by
/// the caller): no STARTTLS defers; with no usable record TLS is merely required; else
/// the chain a sender offering every scheme gets decides (the server's preference, as
/// Postfix negotiates it). When that is unknown, the worst presented chain decides. A
/// sender limited to the other key family may still be deferred: `dual-cert-mismatch`.
fn address_senders(
    chains: &[LiveChain],
    error: Option<&LiveError>,
    any_records: bool,
) -> Option<Senders> {
    if !any_records {
        return None;
    }
    match error {
        Some(LiveError::StarttlsMissing(_)) => return Some(Senders::Deferred),
        Some(_) => return None,
        None => {}
    }
    let decides: Vec<&LiveChain> = match chains.iter().find(|c| c.preferred) {
        Some(c) => vec![c],
        None => chains.iter().collect(),
    };
    decides
        .into_iter()
        .map(|c| match c {
            c if c.unreadable.is_some() => None,
            c if !c.usable => Some(Senders::Encrypted),
            c if c.matched.is_empty() => Some(Senders::Deferred),
            _ => Some(Senders::Authenticated),
        })
        .try_fold(None, |worst: Option<Senders>, s| {
            s.map(|s| Some(worst.map_or(s, |w| w.max(s))))
        })
        .flatten()
}

/// Findings for the addresses of one host. `gate`: whether senders use the TLSA records;
/// `usable`: whether any of them is usable (without one, senders require TLS but match
/// nothing, RFC 7672 §2.2); `file`: the chain given with `--chain`, if any.
pub fn findings(
    addresses: &[LiveAddress],
    gate: Gate,
    usable: bool,
    file: Option<&[Certificate]>,
    host: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let dane_applies = gate == Gate::Applies && usable;
    for a in addresses {
        if let Some(e) = &a.error {
            out.push(error_finding(a, e, host, gate == Gate::Applies));
            continue;
        }
        let dual = a.chains.len() > 1;
        for c in &a.chains {
            let what = describe(c);
            if let Some(why) = &c.unreadable {
                out.push(Finding::new(
                    Code::Unreachable,
                    format!(
                        "{}: the presented certificate cannot be read: {why}",
                        a.address
                    ),
                ));
            } else if dane_applies && c.matched.is_empty() {
                let code = if dual && a.chains.iter().any(|o| !o.matched.is_empty()) {
                    Code::DualCertMismatch
                } else {
                    Code::LiveNoMatch
                };
                out.push(Finding::new(
                    code,
                    format!("{} presents {what}, which no usable TLSA record matches: DANE senders that get it defer mail", a.address),
                ));
            }
        }
        if let Some(leaf) = file.and_then(<[Certificate]>::first) {
            let served = a
                .chains
                .iter()
                .any(|c| c.certs.first().is_some_and(|l| l.der == leaf.der));
            if !served && !a.chains.is_empty() {
                let shown: Vec<String> = a.chains.iter().map(describe).collect();
                out.push(Finding::new(
                    Code::LiveDiffersFromFile,
                    format!("{} presents {} instead of the chain file's certificate: was the server reloaded after the renewal?", a.address, shown.join(" and ")),
                ));
            }
        }
    }
    out
}

fn error_finding(a: &LiveAddress, e: &LiveError, host: &str, dane: bool) -> Finding {
    match e {
        LiveError::StarttlsMissing(m) if dane => Finding::new(
            Code::StarttlsMissing,
            format!("{} ({host}): {m}; DANE senders defer mail to it", a.address,),
        ),
        LiveError::StarttlsMissing(m) => Finding::with(
            Code::StarttlsMissing,
            Severity::Warn,
            format!(
                "{} ({host}): {m}; DANE is not in effect, so senders deliver without TLS",
                a.address,
            ),
        ),
        other => Finding::new(
            Code::Unreachable,
            format!("{} ({host}): {other}", a.address),
        ),
    }
}

/// `the ECDSA certificate CN = mx.example.com`.
pub fn describe(c: &LiveChain) -> String {
    let kind = match c.family {
        Family::Ecdsa => "ECDSA/EdDSA",
        Family::Rsa => "RSA",
    };
    match c.certs.first() {
        Some(leaf) => format!("the {kind} certificate {}", escape(&leaf.subject)),
        None => format!("an unreadable {kind} certificate"),
    }
}
