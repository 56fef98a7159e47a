//! hickory lookup results → [`Answer`], folding per-record DNSSEC proofs into one status.

use hickory_proto::dnssec::Proof;
use hickory_proto::op::ResponseCode;
use hickory_proto::rr::{RData, Record, RecordType};
use hickory_resolver::lookup::Lookup;
use hickory_resolver::net::{DnsError, NetError, NoRecords};

use crate::lookup::{Answer, Security};

/// One status for a set of records: bogus beats indeterminate beats insecure beats
/// secure; an empty set is indeterminate (RFC 4035 §4.3).
pub fn security_of<'r>(records: impl IntoIterator<Item = &'r Record>) -> Security {
    let mut worst: Option<Security> = None;
    for r in records
        .into_iter()
        .filter(|r| r.record_type() != RecordType::RRSIG)
    {
        let s = match r.proof {
            Proof::Secure => Security::Secure,
            Proof::Insecure => Security::Insecure,
            Proof::Bogus => Security::Bogus,
            _ => Security::Indeterminate,
        };
        worst = Some(match worst {
            None => s,
            Some(w) => rank_worse(w, s),
        });
    }
    worst.unwrap_or(Security::Indeterminate)
}

fn rank_worse(a: Security, b: Security) -> Security {
    let rank = |s: Security| match s {
        Security::Secure => 0,
        Security::Insecure => 1,
        Security::Indeterminate => 2,
        Security::Bogus => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Converts a lookup result, keeping the records `pick` accepts.
pub fn answer<T>(
    res: Result<Lookup, NetError>,
    rtype: RecordType,
    pick: impl Fn(&RData) -> Option<T>,
) -> Answer<T> {
    match res {
        Ok(lookup) => {
            let answers = lookup.answers();
            let wanted: Vec<&Record> = answers.iter().filter(|r| r.record_type() == rtype).collect();
            let security = security_of(answers.iter());
            if wanted.is_empty() {
                return Answer::NoData { security };
            }
            let ttl = wanted.iter().map(|r| r.ttl).min().unwrap_or(0);
            let records = wanted.iter().filter_map(|r| pick(&r.data)).collect();
            Answer::Found { records, ttl, security }
        }
        Err(NetError::Dns(DnsError::NoRecordsFound(no))) => no_records(&no),
        Err(NetError::Dns(DnsError::Nsec { response, proof, .. })) => {
            let security = match proof {
                Proof::Secure => Security::Secure,
                Proof::Insecure => Security::Insecure,
                Proof::Bogus => Security::Bogus,
                _ => Security::Indeterminate,
            };
            if response.response_code == ResponseCode::NXDomain {
                Answer::NxDomain { security }
            } else {
                Answer::NoData { security }
            }
        }
        Err(NetError::Dns(DnsError::DnssecBogus)) => Answer::Bogus {
            reason: "DNSSEC validation failed (bad or expired signature, or a broken chain of trust)".to_string(),
        },
        Err(NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail))) => Answer::Failed {
            reason: "the resolver answered SERVFAIL (from a validating resolver this often means the answer is bogus)".to_string(),
        },
        Err(NetError::Dns(DnsError::ResponseCode(code))) => Answer::Failed {
            reason: format!("the resolver answered {code}"),
        },
        Err(NetError::Timeout) => Answer::Failed { reason: "no answer before the time-out".to_string() },
        Err(NetError::NoConnections) => Answer::Failed {
            reason: "could not connect to any resolver".to_string(),
        },
        Err(e) => Answer::Failed { reason: e.to_string() },
    }
}

fn no_records<T>(no: &NoRecords) -> Answer<T> {
    let security = match &no.authorities {
        Some(auth) if !auth.is_empty() => security_of(auth.iter()),
        _ => Security::Indeterminate,
    };
    if no.response_code == ResponseCode::NXDomain {
        Answer::NxDomain { security }
    } else {
        Answer::NoData { security }
    }
}

/// The last CNAME target in an answer, as an ASCII name without trailing dot.
pub fn cname_target(res: &Result<Lookup, NetError>) -> Option<String> {
    let lookup = res.as_ref().ok()?;
    lookup.answers().iter().rev().find_map(|r| match &r.data {
        RData::CNAME(c) => Some(c.0.to_ascii().trim_end_matches('.').to_string()),
        _ => None,
    })
}

/// A and AAAA answers as one: records together, the worse status, failures first.
pub fn merge<T>(a: Answer<T>, b: Answer<T>) -> Answer<T> {
    use Answer::*;
    match (a, b) {
        (Failed { reason }, _) | (_, Failed { reason }) => Failed { reason },
        (Bogus { reason }, _) | (_, Bogus { reason }) => Bogus { reason },
        (
            Found {
                records: mut r1,
                ttl: t1,
                security: s1,
            },
            Found {
                records: r2,
                ttl: t2,
                security: s2,
            },
        ) => {
            r1.extend(r2);
            Found {
                records: r1,
                ttl: t1.min(t2),
                security: rank_worse(s1, s2),
            }
        }
        (
            Found {
                records,
                ttl,
                security: s1,
            },
            other,
        )
        | (
            other,
            Found {
                records,
                ttl,
                security: s1,
            },
        ) => {
            let s2 = other.security().unwrap_or(Security::Indeterminate);
            Found {
                records,
                ttl,
                security: rank_worse(s1, s2),
            }
        }
        (NxDomain { security: s1 }, NxDomain { security: s2 }) => NxDomain {
            security: rank_worse(s1, s2),
        },
        (x, y) => NoData {
            security: rank_worse(
                x.security().unwrap_or(Security::Indeterminate),
                y.security().unwrap_or(Security::Indeterminate),
            ),
        },
    }
}
