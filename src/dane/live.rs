//! `check --live`: the chains servers present × the published TLSA records → findings
//! per address (pure).

use std::net::SocketAddr;

use crate::chain::Certificate;
use crate::dane::verdict::{self, MatchContext};
use crate::findings::{Code, Finding};
use crate::live::{Family, LiveError, Probe, Starttls};
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// One certificate chain a server presented.
#[derive(Debug, Clone)]
pub struct LiveChain {
    pub family: Family,
    pub certs: Vec<Certificate>,
    /// Indices of the published records that count for this chain.
    pub matched: Vec<usize>,
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
}

/// Parses the presented chains and finds which records count for each.
pub fn assess(probe: Probe, records: &[Tlsa], ctx: &MatchContext<'_>) -> LiveAddress {
    let chains = probe
        .chains
        .into_iter()
        .map(|(family, ders)| {
            let parsed: Result<Vec<Certificate>, String> =
                ders.into_iter().map(Certificate::from_der).collect();
            match parsed {
                Ok(certs) => {
                    let matched = records
                        .iter()
                        .enumerate()
                        .filter(|(_, t)| verdict::evaluate(t, Some(&certs), ctx).counts())
                        .map(|(i, _)| i)
                        .collect();
                    LiveChain {
                        family,
                        certs,
                        matched,
                        unreadable: None,
                    }
                }
                Err(e) => LiveChain {
                    family,
                    certs: Vec::new(),
                    matched: Vec::new(),
                    unreadable: Some(e),
                },
            }
        })
        .collect();
    LiveAddress {
        address: probe.address,
        protocol: probe.protocol,
        chains,
        error: probe.error,
    }
}

/// Findings for the addresses of one host. `dane_applies`: secure, usable TLSA records
/// that senders use; `file`: the chain given with `--chain`, if any.
pub fn findings(
    addresses: &[LiveAddress],
    dane_applies: bool,
    file: Option<&[Certificate]>,
    host: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for a in addresses {
        if let Some(e) = &a.error {
            out.push(error_finding(a, e, host));
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

fn error_finding(a: &LiveAddress, e: &LiveError, host: &str) -> Finding {
    match e {
        LiveError::StarttlsMissing(m) => Finding::new(
            Code::StarttlsMissing,
            format!(
                "{} ({host}): {}; DANE senders defer mail to it",
                a.address,
                escape(m)
            ),
        ),
        other => Finding::new(
            Code::Unreachable,
            format!("{} ({host}): {}", a.address, escape(&other.to_string())),
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
