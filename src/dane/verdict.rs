//! One host and port judged as a whole: the DNSSEC gate, every published record against
//! the chain file and against each chain the servers presented, the RRset rules, and
//! what senders therefore do (RFC 7672 §2-3, RFC 7671 §5 and §9). Pure: "now" is passed
//! in. `check`, `check --live`, `zone` and `renew-check` all decide through here.

use std::net::IpAddr;

use serde::Serialize;

use crate::chain::Certificate;
use crate::dane::gate::{self, Gate, Lookups};
use crate::dane::live::{self, LiveAddress};
pub use crate::dane::record::{Match, MatchContext, RecordResult, Service, Void, evaluate, short};
use crate::dane::rrset::{self, Reported};
use crate::findings::{Code, Finding, Severity, Verdict};
use crate::lookup::Answer;
use crate::owner::Host;
use crate::sanitize::escape;
use crate::tlsa::{Tlsa, Usage};

pub use crate::dane::gate::mx_findings;

/// Where the published records come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// DNS: the lookups' DNSSEC status decides whether DANE applies.
    Dns,
    /// A zone file, judged as if it were served signed. A record whose data has the wrong
    /// length is reported as `tlsa-syntax` by the zone rules, not as unusable here.
    ZoneFile,
}

/// Everything known about one host and port.
pub struct HostFacts<'a> {
    pub host: &'a Host,
    pub port: u16,
    pub service: Service,
    pub origin: Origin,
    /// The MX RRset that named this host, when checking a mail domain.
    pub mx: Option<&'a Answer<(u16, String)>>,
    /// A and AAAA records together (the worse status of the two).
    pub addresses: &'a Answer<IpAddr>,
    pub tlsa: &'a Answer<Tlsa>,
    /// The chain file (`--chain`).
    pub chain: Option<&'a [Certificate]>,
    /// What each address presented (`--live`); empty without `--live`.
    pub live: &'a [LiveAddress],
    pub now: i64,
    /// Warn when the leaf expires within this many days.
    pub days: u32,
    /// Further names the leaf may carry for DANE-TA (RFC 7672 §3.2.3): the CNAME-expanded
    /// TLSA base domain and the mail domain.
    pub also_names: &'a [String],
}

impl HostFacts<'_> {
    pub fn ctx(&self) -> MatchContext<'_> {
        MatchContext {
            host: self.host,
            port: self.port,
            service: self.service,
            now: self.now,
            also_names: self.also_names,
        }
    }
}

/// What a DANE sender does when it delivers to this host (RFC 7672 §2.2, §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Senders {
    /// TLS, and a usable record authenticates the server.
    Authenticated,
    /// TLS is required but not authenticated: the records exist but none is usable.
    Encrypted,
    /// DANE is not in effect: opportunistic TLS (or plain text).
    Opportunistic,
    /// Mail is deferred: a bogus lookup, no matching record, or no STARTTLS.
    Deferred,
}

impl Senders {
    pub fn as_str(self) -> &'static str {
        match self {
            Senders::Authenticated => "authenticated",
            Senders::Encrypted => "encrypted",
            Senders::Opportunistic => "opportunistic",
            Senders::Deferred => "deferred",
        }
    }

    /// The class with what it means, for people.
    pub fn explain(self) -> &'static str {
        match self {
            Senders::Authenticated => "authenticated (DANE senders verify the server)",
            Senders::Encrypted => {
                "encrypted (DANE senders require TLS but authenticate nothing: no usable record)"
            }
            Senders::Opportunistic => "opportunistic (DANE is not in effect)",
            Senders::Deferred => "deferred (DANE senders do not deliver)",
        }
    }
}

/// Which chain the per-record results were compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference {
    /// The chain file.
    File,
    /// The first readable chain a server presented (`--live` without a chain file).
    Presented { address: usize, chain: usize },
    /// No chain.
    None,
}

/// The judgement on one host.
#[derive(Debug, Clone)]
pub struct HostVerdict {
    /// Every published record against the reference chain.
    pub records: Vec<RecordResult>,
    pub reference: Reference,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
    /// What senders do, when daneguard can tell.
    pub senders: Option<Senders>,
}

/// Judges one host.
pub fn judge(f: &HostFacts<'_>) -> HostVerdict {
    let ctx = f.ctx();
    let (gate, mut findings) = match f.origin {
        Origin::Dns => gate::gate(&Lookups {
            host: f.host,
            port: f.port,
            mx: f.mx,
            addresses: f.addresses,
            tlsa: f.tlsa,
        }),
        Origin::ZoneFile => (Gate::Applies, Vec::new()),
    };
    let (reference, chain) = reference(f);
    let records = rrset::compare(f.tlsa.records(), chain, &ctx);
    findings.extend(
        rrset::unusable_findings(&records)
            .into_iter()
            .filter(|x| !(f.origin == Origin::ZoneFile && wrong_length_only(&records, x))),
    );
    let usable = rrset::any_usable(&records);
    if gate == Gate::Applies {
        findings.extend(chain_findings(f, &records, reference, usable));
    }
    findings.extend(live::findings(
        f.live,
        gate,
        usable,
        f.chain,
        f.host.as_str(),
    ));
    expiry_findings(f, chain, &records, &mut findings);
    let senders = senders(f, gate, usable, &records, reference);
    let verdict = Verdict::of(&findings);
    HostVerdict {
        records,
        reference,
        findings,
        verdict,
        senders,
    }
}

/// Where DANE applies: no usable record, or the RRset rules against the reference chain
/// (a presented chain's mismatch is reported per address by the live rules).
fn chain_findings(
    f: &HostFacts<'_>,
    records: &[RecordResult],
    reference: Reference,
    usable: bool,
) -> Vec<Finding> {
    let ctx = f.ctx();
    if !usable {
        return vec![rrset::no_usable_finding(records, &ctx)];
    }
    match reference {
        Reference::File => rrset::findings(records, &ctx, Reported::File, &[]),
        Reference::Presented { .. } => {
            let elsewhere: Vec<usize> = f
                .live
                .iter()
                .flat_map(|a| &a.chains)
                .flat_map(|c| c.matched.iter().copied())
                .collect();
            rrset::findings(records, &ctx, Reported::Presented, &elsewhere)
        }
        Reference::None if f.live.is_empty() && f.origin == Origin::Dns => vec![Finding::new(
            Code::NoChain,
            "no --chain for this host: the records were checked but not compared with a certificate chain",
        )],
        Reference::None => Vec::new(),
    }
}

/// The chain file, or else the first readable chain a server presented.
fn reference<'a>(f: &HostFacts<'a>) -> (Reference, Option<&'a [Certificate]>) {
    if let Some(chain) = f.chain {
        return (Reference::File, Some(chain));
    }
    for (a, address) in f.live.iter().enumerate() {
        for (c, presented) in address.chains.iter().enumerate() {
            if !presented.certs.is_empty() {
                let r = Reference::Presented {
                    address: a,
                    chain: c,
                };
                return (r, Some(presented.certs.as_slice()));
            }
        }
    }
    (Reference::None, None)
}

fn wrong_length_only(records: &[RecordResult], finding: &Finding) -> bool {
    finding.code == Code::UnusableRecord
        && finding
            .record
            .and_then(|i| records.get(i))
            .is_some_and(|r| r.tlsa.wrong_length_only())
}

/// What senders do: from the gate, then from what the servers present (`--live`) or,
/// without it, from the chain file.
fn senders(
    f: &HostFacts<'_>,
    gate: Gate,
    usable: bool,
    records: &[RecordResult],
    reference: Reference,
) -> Option<Senders> {
    match gate {
        Gate::Defer => return Some(Senders::Deferred),
        Gate::Undecided | Gate::NoAddress => return None,
        Gate::NotInEffect => return Some(Senders::Opportunistic),
        Gate::Applies => {}
    }
    if !f.live.is_empty() {
        return f.live.iter().filter_map(|a| a.senders).max();
    }
    if !usable {
        return Some(Senders::Encrypted);
    }
    match reference {
        Reference::File if rrset::authenticating(records).is_empty() => Some(Senders::Deferred),
        Reference::File => Some(Senders::Authenticated),
        _ => None,
    }
}

/// Expiry of the chain's leaf, and of CA certificates a DANE-TA match relies on.
fn expiry_findings(
    f: &HostFacts<'_>,
    chain: Option<&[Certificate]>,
    records: &[RecordResult],
    out: &mut Vec<Finding>,
) {
    let Some(leaf) = chain.and_then(<[Certificate]>::first) else {
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
                crate::findings::iso_time(leaf.not_before),
                crate::findings::iso_time(leaf.not_after),
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
                crate::findings::iso_time(leaf.not_after)
            ),
        ));
    }
}

/// Drops the findings the user allowed (`--allow CODE`) and gives the verdict of the
/// rest: the one place where allowing a code changes an outcome.
pub fn outcome(findings: Vec<Finding>, allowed: &[Code]) -> (Vec<Finding>, Verdict) {
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !allowed.contains(&f.code))
        .collect();
    let verdict = Verdict::of(&kept);
    (kept, verdict)
}

/// `mx-inconsistent` for each MX host of a mail domain without TLSA records while others have
/// them: DANE senders authenticate only part of the domain's mail (RFC 7672 §2.2).
/// Returns the index of each host concerned with its finding.
pub fn mx_consistency(hosts: &[&str], with_tlsa: &[bool]) -> Vec<(usize, Finding)> {
    let with: Vec<&str> = hosts
        .iter()
        .zip(with_tlsa)
        .filter(|(_, w)| **w)
        .map(|(h, _)| h.trim_end_matches('.'))
        .collect();
    if with.is_empty() {
        return Vec::new();
    }
    let mut with_unique = with.clone();
    with_unique.dedup();
    hosts
        .iter()
        .zip(with_tlsa)
        .enumerate()
        .filter(|(_, (_, w))| !**w)
        .map(|(i, (h, _))| {
            let finding = Finding::new(
                Code::MxInconsistent,
                format!(
                    "MX host {} has no _25._tcp TLSA records while {} {}: DANE senders authenticate only some of the domain's mail hosts",
                    h.trim_end_matches('.'),
                    with_unique.join(", "),
                    if with_unique.len() == 1 { "does" } else { "do" }
                ),
            );
            (i, finding)
        })
        .collect()
}

#[cfg(test)]
#[path = "verdict_tests.rs"]
mod tests;
