//! libunbound replies → [`Answer`]: records picked from the answer packet, the zone's
//! TTL from the RRSIG, and a status from Unbound's verdict.

use hickory_proto::dnssec::rdata::DNSSECRData;
use hickory_proto::op::Message;
use hickory_proto::rr::{Name, RData, Record, RecordType};

use super::unbound::{Failure, Reply};
use crate::lookup::{Answer, Security};

/// Largest number of records of the asked type taken from one answer.
pub(crate) const MAX_RECORDS: usize = 1000;

/// What one question came back with, before the records are picked.
pub(crate) struct Outcome {
    pub result: Result<Reply, Failure>,
    /// Whether a trust anchor covers the name (otherwise nothing can be secure).
    pub covered: bool,
    /// The servers asked, for messages.
    pub servers: String,
    /// What the servers did, asked plainly after libunbound gave up.
    pub detail: Option<String>,
}

/// Converts a reply, keeping the records `pick` accepts.
pub(crate) fn answer<T>(
    out: &Outcome,
    rtype: RecordType,
    pick: impl Fn(&RData) -> Option<T>,
) -> Answer<T> {
    let reply = match usable_reply(out) {
        Ok(r) => r,
        Err(a) => return a,
    };
    let security = if reply.secure {
        Security::Secure
    } else if out.covered {
        Security::Insecure
    } else {
        Security::Indeterminate
    };
    if reply.nxdomain {
        return Answer::NxDomain { security };
    }
    if !reply.havedata {
        return Answer::NoData { security };
    }
    let Ok(message) = Message::from_vec(&reply.packet) else {
        return Answer::Failed {
            reason: "libunbound returned an answer that does not parse".to_string(),
        };
    };
    let wanted: Vec<&Record> = message
        .answers
        .iter()
        .filter(|r| r.record_type() == rtype)
        .take(MAX_RECORDS)
        .collect();
    if wanted.is_empty() {
        return Answer::NoData { security };
    }
    let records = wanted.iter().filter_map(|r| pick(&r.data)).collect();
    Answer::Found {
        records,
        ttl: zone_ttl(&message.answers, rtype),
        security,
    }
}

/// The reply, or the answer that says why there is none to read: a time-out, a library
/// error, a bogus RRset (with Unbound's reason) or an error rcode other than NXDOMAIN.
fn usable_reply<T>(out: &Outcome) -> Result<&Reply, Answer<T>> {
    let reply = match &out.result {
        Ok(r) => r,
        Err(Failure::Timeout) => {
            return Err(Answer::Failed {
                reason: format!(
                    "{} gave no answer before the time-out{}",
                    out.servers,
                    detail(out)
                ),
            });
        }
        Err(Failure::Library(e)) => {
            return Err(Answer::Failed {
                reason: format!("the lookup failed: {e}"),
            });
        }
    };
    if reply.bogus {
        let why = reply.why_bogus.as_deref().unwrap_or("validation failure");
        return Err(Answer::Bogus {
            reason: why.trim().to_string(),
        });
    }
    if reply.rcode != 0 && reply.rcode != 3 {
        return Err(Answer::Failed {
            reason: format!("{}{}", failure_reason(reply, &out.servers), detail(out)),
        });
    }
    Ok(reply)
}

fn detail(out: &Outcome) -> String {
    out.detail
        .as_deref()
        .map(|d| format!(" (asked plainly, {d})"))
        .unwrap_or_default()
}

/// SERVFAIL, REFUSED and the rest, said as what they are.
fn failure_reason(reply: &Reply, servers: &str) -> String {
    let code = hickory_proto::op::ResponseCode::from_low(reply.rcode);
    let detail = reply
        .why_bogus
        .as_deref()
        .map(|w| format!(" ({})", w.trim()))
        .unwrap_or_default();
    format!("no usable answer from {servers}: {code}{detail}")
}

/// The TTL the zone gives the RRset: the RRSIG's original TTL when signed (a cache
/// upstream counts the received TTL down), else the TTL received.
fn zone_ttl(answers: &[Record], rtype: RecordType) -> u32 {
    let signed = answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::DNSSEC(DNSSECRData::RRSIG(sig)) if sig.input().type_covered == rtype => {
                Some(sig.input().original_ttl)
            }
            _ => None,
        })
        .min();
    signed.unwrap_or_else(|| {
        answers
            .iter()
            .filter(|r| r.record_type() == rtype)
            .map(|r| r.ttl)
            .min()
            .unwrap_or(0)
    })
}

/// The end of the CNAME chain that starts at `qname`, as an ASCII name without the
/// trailing dot; `None` when the name is no alias. Follows at most as many links as
/// the answer holds, so a loop ends.
pub(crate) fn cname_target(out: &Outcome, qname: &str) -> Option<String> {
    let reply = out.result.as_ref().ok()?;
    if reply.bogus {
        return None;
    }
    let message = Message::from_vec(&reply.packet).ok()?;
    let mut name = Name::from_ascii(qname).ok()?;
    let mut moved = false;
    for _ in 0..message.answers.len() {
        let next = message.answers.iter().find_map(|r| match &r.data {
            RData::CNAME(c) if r.name.eq_case(&name) || r.name == name => Some(c.0.clone()),
            _ => None,
        });
        match next {
            Some(n) => {
                name = n;
                moved = true;
            }
            None => break,
        }
    }
    moved.then(|| name.to_ascii().trim_end_matches('.').to_string())
}

fn rank(s: Security) -> u8 {
    match s {
        Security::Secure => 0,
        Security::Insecure => 1,
        Security::Indeterminate => 2,
        Security::Bogus => 3,
    }
}

fn rank_worse(a: Security, b: Security) -> Security {
    if rank(b) > rank(a) { b } else { a }
}

/// A and AAAA answers as one: records together, the worse status, failures first.
pub(crate) fn merge<T>(a: Answer<T>, b: Answer<T>) -> Answer<T> {
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

#[cfg(test)]
mod tests {
    use hickory_proto::dnssec::Algorithm;
    use hickory_proto::dnssec::rdata::{RRSIG, SigInput};
    use hickory_proto::op::{Message, MessageType, OpCode};
    use hickory_proto::rr::rdata::TLSA;
    use hickory_proto::rr::rdata::tlsa::{CertUsage, Matching, Selector};
    use hickory_proto::rr::{Name, RData, Record, RecordType};

    use super::*;

    fn reply(rcode: u8) -> Reply {
        Reply {
            rcode,
            havedata: false,
            nxdomain: false,
            secure: false,
            bogus: false,
            why_bogus: None,
            packet: Vec::new(),
        }
    }

    fn outcome(result: Result<Reply, Failure>, covered: bool) -> Outcome {
        Outcome {
            result,
            covered,
            servers: "the resolver 192.0.2.1:53".into(),
            detail: None,
        }
    }

    fn tlsa(o: &Outcome) -> Answer<u8> {
        answer(o, RecordType::TLSA, |d| match d {
            RData::TLSA(t) => t.cert_data.first().copied(),
            _ => None,
        })
    }

    /// A TLSA answer as a cache passes it on: TTL counted down to 17, the RRSIG's
    /// original TTL 300.
    fn signed_tlsa_packet() -> Vec<u8> {
        let name = Name::from_ascii("_25._tcp.mx.example.").unwrap();
        let data = TLSA::new(
            CertUsage::DaneEe,
            Selector::Spki,
            Matching::Sha256,
            vec![7; 32],
        );
        let input = SigInput {
            type_covered: RecordType::TLSA,
            algorithm: Algorithm::ECDSAP256SHA256,
            num_labels: 4,
            original_ttl: 300,
            sig_expiration: 2_000_000_000.into(),
            sig_inception: 1_000_000_000.into(),
            key_tag: 1,
            signer_name: Name::from_ascii("example.").unwrap(),
        };
        let mut m = Message::new(1, MessageType::Response, OpCode::Query);
        m.answers
            .push(Record::from_rdata(name.clone(), 17, RData::TLSA(data)));
        let sig = RRSIG::from_sig(input, vec![0; 64]);
        m.answers.push(Record::from_rdata(
            name,
            17,
            RData::DNSSEC(DNSSECRData::RRSIG(sig)),
        ));
        m.to_vec().unwrap()
    }

    #[test]
    fn found_ttl_is_the_rrsig_original_ttl() {
        let mut r = reply(0);
        r.havedata = true;
        r.secure = true;
        r.packet = signed_tlsa_packet();
        let got = tlsa(&outcome(Ok(r), true));
        assert_eq!(
            got,
            Answer::Found {
                records: vec![7],
                ttl: 300,
                security: Security::Secure
            }
        );
    }

    #[test]
    fn bogus_carries_the_validator_reason() {
        let mut r = reply(2);
        r.bogus = true;
        r.why_bogus = Some("validation failure <a. TLSA IN>: signature expired ".into());
        assert_eq!(
            tlsa(&outcome(Ok(r), true)),
            Answer::Bogus {
                reason: "validation failure <a. TLSA IN>: signature expired".into()
            }
        );
    }

    #[test]
    fn refused_and_servfail_are_named_not_blamed_on_dnssec() {
        for (code, said) in [(5, "Query Refused"), (2, "Server Failure")] {
            let mut o = outcome(Ok(reply(code)), true);
            o.detail = Some("192.0.2.1:53: answered Query Refused".into());
            let Answer::Failed { reason } = tlsa(&o) else {
                panic!("not failed")
            };
            assert!(reason.contains(said), "{reason}");
            assert!(reason.contains("asked plainly"), "{reason}");
            assert!(!reason.contains("DNSSEC"), "{reason}");
        }
    }

    #[test]
    fn denials_and_coverage() {
        let mut r = reply(3);
        r.nxdomain = true;
        r.secure = true;
        assert_eq!(
            tlsa(&outcome(Ok(r.clone()), true)),
            Answer::NxDomain {
                security: Security::Secure
            }
        );
        r.secure = false;
        assert_eq!(
            tlsa(&outcome(Ok(r), false)),
            Answer::NxDomain {
                security: Security::Indeterminate
            }
        );
        assert_eq!(
            tlsa(&outcome(Ok(reply(0)), true)),
            Answer::NoData {
                security: Security::Insecure
            }
        );
        let Answer::Failed { reason } = tlsa(&outcome(Err(Failure::Timeout), true)) else {
            panic!("not failed")
        };
        assert!(reason.contains("time-out"), "{reason}");
    }
}
