//! DNS over TCP to a zone's primary: the TLSA records it serves now, and one UPDATE
//! (RFC 2136) signed with TSIG (RFC 8945), the answer's TSIG verified. hickory-proto
//! builds and parses every message and computes every MAC.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query, ResponseCode, UpdateMessage};
use hickory_proto::rr::rdata::TLSA;
use hickory_proto::rr::rdata::tlsa::{CertUsage, Matching, Selector};
use hickory_proto::rr::rdata::tsig::{TsigAlgorithm, TsigError};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType, TSigner};

use super::tsig::{Algorithm, TsigKey};
use super::{Change, Plan};
use crate::tlsa::{Matching as M, Params, Selector as S, Tlsa, Usage};

/// Seconds of clock difference the server may accept (RFC 8945 §10 recommends 300).
const FUDGE: u16 = 300;

/// Why talking to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("cannot reach {0}: {1}")]
    Connect(SocketAddr, std::io::Error),
    #[error("{0}: {1}")]
    Io(SocketAddr, std::io::Error),
    #[error("{0}: {1}")]
    Proto(SocketAddr, String),
    #[error("{server} refused the update: {what}")]
    Refused { server: SocketAddr, what: String },
    #[error("{0} answered the query for {1} with {2}")]
    Query(SocketAddr, String, ResponseCode),
}

/// The server, timeout and zone an exchange uses.
pub struct Target {
    pub server: SocketAddr,
    pub timeout: Duration,
}

impl Target {
    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, WireError> {
        let io = |e| WireError::Io(self.server, e);
        let mut stream = TcpStream::connect_timeout(&self.server, self.timeout)
            .map_err(|e| WireError::Connect(self.server, e))?;
        stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
        let len = u16::try_from(request.len())
            .map_err(|_| WireError::Proto(self.server, "the message is too large".into()))?;
        let mut framed = len.to_be_bytes().to_vec();
        framed.extend_from_slice(request);
        stream.write_all(&framed).map_err(io)?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).map_err(io)?;
        let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut answer).map_err(io)?;
        Ok(answer)
    }

    fn proto(&self, e: impl std::fmt::Display) -> WireError {
        WireError::Proto(self.server, e.to_string())
    }
}

/// The TLSA records the server publishes at `owner` (none for NXDOMAIN). With a key
/// the query is TSIG-signed and the answer's TSIG verified, so that only the primary
/// itself decides which records `--delete-stale` deletes.
pub fn published(
    target: &Target,
    owner: &str,
    key: Option<&TsigKey>,
    now: i64,
) -> Result<Vec<Tlsa>, WireError> {
    let name = Name::from_ascii(owner).map_err(|e| target.proto(e))?;
    let mut query = Message::query();
    query.metadata.recursion_desired = false;
    query.add_query(Query::query(name.clone(), RecordType::TLSA));
    let answer = match key {
        Some(key) => signed_exchange(target, query, key, now)?,
        None => {
            let bytes = target.exchange(&query.to_vec().map_err(|e| target.proto(e))?)?;
            let answer = Message::from_vec(&bytes).map_err(|e| target.proto(e))?;
            if answer.metadata.id != query.metadata.id {
                return Err(target.proto("the answer's ID does not match the query"));
            }
            answer
        }
    };
    match answer.metadata.response_code {
        ResponseCode::NoError | ResponseCode::NXDomain => {}
        rcode => return Err(WireError::Query(target.server, owner.to_string(), rcode)),
    }
    Ok(answer
        .answers
        .iter()
        .filter(|r| r.name == name)
        .filter_map(|r| match &r.data {
            RData::TLSA(t) => Some(from_wire(t)),
            _ => None,
        })
        .collect())
}

fn from_wire(t: &TLSA) -> Tlsa {
    Tlsa {
        params: Params {
            usage: Usage(u8::from(t.cert_usage)),
            selector: S(u8::from(t.selector)),
            matching: M(u8::from(t.matching)),
        },
        data: t.cert_data.clone(),
    }
}

fn to_wire(t: &Tlsa) -> RData {
    RData::TLSA(TLSA::new(
        CertUsage::from(t.params.usage.0),
        Selector::from(t.params.selector.0),
        Matching::from(t.params.matching.0),
        t.data.clone(),
    ))
}

/// Why an UPDATE message or its signer could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// What the name is (zone, key name, or the owner itself) and why it is refused.
    #[error("{0}: {1}")]
    Name(String, String),
    #[error("{0}")]
    Signer(String),
}

/// Builds the UPDATE: zone section, "zone exists" (RFC 2136 §2.4.1: the apex SOA
/// RRset exists), deletions of single records (§2.5.4), then additions (§2.5.1).
pub fn update_message(plan: &Plan) -> Result<Message, BuildError> {
    let zone =
        Name::from_ascii(&plan.zone).map_err(|e| BuildError::Name("zone".into(), e.to_string()))?;
    let mut message = Message::new(rand_id(), MessageType::Query, OpCode::Update);
    message.metadata.recursion_desired = false;
    let mut section = Query::new();
    section
        .set_name(zone.clone())
        .set_query_class(DNSClass::IN)
        .set_query_type(RecordType::SOA);
    message.add_zone(section);
    let mut exists = Record::update0(zone, 0, RecordType::SOA);
    exists.dns_class = DNSClass::ANY;
    message.add_pre_requisite(exists.into_record_of_rdata());
    let record = |c: &Change, ttl: u32, class: DNSClass| -> Result<Record, BuildError> {
        let name = Name::from_ascii(&c.owner)
            .map_err(|e| BuildError::Name(c.owner.clone(), e.to_string()))?;
        let mut r = Record::from_rdata(name, ttl, to_wire(&c.tlsa));
        r.dns_class = class;
        Ok(r)
    };
    for c in &plan.deletes {
        message.add_update(record(c, 0, DNSClass::NONE)?);
    }
    for c in &plan.adds {
        message.add_update(record(c, plan.ttl, DNSClass::IN)?);
    }
    Ok(message)
}

/// A message ID from the system's random source (through ring, already a dependency).
fn rand_id() -> u16 {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut id = [0u8; 2];
    // A failing random source leaves ID 0, which only weakens spoofing resistance of an
    // exchange that TSIG authenticates anyway.
    let _ = SystemRandom::new().fill(&mut id);
    u16::from_be_bytes(id)
}

fn signer(key: &TsigKey) -> Result<TSigner, BuildError> {
    let algorithm = match key.algorithm {
        Algorithm::HmacSha256 => TsigAlgorithm::HmacSha256,
        Algorithm::HmacSha384 => TsigAlgorithm::HmacSha384,
        Algorithm::HmacSha512 => TsigAlgorithm::HmacSha512,
    };
    let name = Name::from_ascii(&key.name)
        .map_err(|e| BuildError::Name("key name".into(), e.to_string()))?;
    TSigner::new(key.secret().to_vec(), algorithm, name, FUDGE)
        .map_err(|e| BuildError::Signer(e.to_string()))
}

/// Signs and sends the UPDATE; Ok only for a NOERROR answer whose TSIG verifies.
pub fn send(target: &Target, plan: &Plan, key: &TsigKey, now: i64) -> Result<(), WireError> {
    let message = update_message(plan).map_err(|e| target.proto(e))?;
    let answer = signed_exchange(target, message, key, now)?;
    match answer.metadata.response_code {
        ResponseCode::NoError => Ok(()),
        rcode => Err(WireError::Refused {
            server: target.server,
            what: rcode_text(rcode),
        }),
    }
}

/// Signs `message` with TSIG, sends it, and returns the answer once its TSIG verifies
/// (RFC 8945 §5.3); a TSIG error or an unsigned refusal is `Refused`.
fn signed_exchange(
    target: &Target,
    mut message: Message,
    key: &TsigKey,
    now: i64,
) -> Result<Message, WireError> {
    let signer = signer(key).map_err(|e| target.proto(e))?;
    let now = u64::try_from(now).map_err(|_| target.proto("the clock is before 1970"))?;
    let mut verifier = message
        .finalize(&signer, now)
        .map_err(|e| target.proto(e))?
        .ok_or_else(|| target.proto("no TSIG verifier"))?;
    let bytes = target.exchange(&message.to_vec().map_err(|e| target.proto(e))?)?;
    let answer = Message::from_vec(&bytes).map_err(|e| target.proto(e))?;
    if answer.metadata.id != message.metadata.id {
        return Err(target.proto("the answer's ID does not match the request"));
    }
    let refused = |what: String| WireError::Refused {
        server: target.server,
        what,
    };
    let rcode = answer.metadata.response_code;
    if let Some(error) = answer.signature.as_ref().and_then(|s| s.data.error) {
        return Err(refused(tsig_error(error, rcode, key)));
    }
    if answer.signature.is_none() {
        return Err(match rcode {
            ResponseCode::NoError => target.proto("the answer carries no TSIG; not trusted"),
            rcode => refused(rcode_text(rcode)),
        });
    }
    verifier
        .verify(&bytes)
        .map_err(|e| target.proto(format!("the answer's TSIG does not verify ({e})")))?;
    Ok(answer)
}

fn tsig_error(error: TsigError, rcode: ResponseCode, key: &TsigKey) -> String {
    let name = crate::sanitize::escape(&key.name);
    let why = match error {
        TsigError::BadSig => {
            format!("BADSIG: the server knows key '{name}' with another secret or algorithm")
        }
        TsigError::BadKey => format!(
            "BADKEY: the server does not know key '{name}' ({})",
            key.algorithm.name()
        ),
        TsigError::BadTime => {
            "BADTIME: this machine's clock and the server's differ by more than 5 minutes".into()
        }
        TsigError::BadTrunc => "BADTRUNC: truncated MAC refused".into(),
        TsigError::Unknown(n) => format!("TSIG error {n}"),
    };
    format!("{}; {why}", rcode_text(rcode))
}

fn rcode_text(rcode: ResponseCode) -> String {
    let (name, why) = match rcode {
        ResponseCode::NotAuth => (
            "NOTAUTH",
            "the key may not update this zone, or the server is not its primary",
        ),
        ResponseCode::Refused => ("REFUSED", "the server's policy does not allow this update"),
        ResponseCode::NotZone => ("NOTZONE", "a name is outside the zone"),
        ResponseCode::NXRRSet => ("NXRRSET", "the zone does not exist on this server"),
        ResponseCode::ServFail => ("SERVFAIL", "the server failed"),
        ResponseCode::NotImp => ("NOTIMP", "the server does not implement UPDATE"),
        ResponseCode::FormErr => ("FORMERR", "the server could not parse the update"),
        other => return other.to_str().to_string(),
    };
    format!("{name} ({why})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let tlsa = |b: u8| Tlsa {
            params: Params::new(3, 1, 1),
            data: vec![b; 32],
        };
        Plan {
            zone: "example.com.".into(),
            ttl: 300,
            adds: vec![Change {
                owner: "_25._tcp.mx.example.com.".into(),
                tlsa: tlsa(1),
            }],
            deletes: vec![Change {
                owner: "_25._tcp.mx.example.com.".into(),
                tlsa: tlsa(2),
            }],
        }
    }

    #[test]
    fn the_update_has_zone_prerequisite_deletions_then_additions() {
        let m = update_message(&plan()).unwrap();
        assert_eq!(m.metadata.op_code, OpCode::Update);
        assert_eq!(m.zones().len(), 1);
        assert_eq!(m.zones()[0].query_type(), RecordType::SOA);
        let pre = m.prerequisites();
        assert_eq!(pre.len(), 1);
        assert_eq!(
            (pre[0].dns_class, pre[0].record_type()),
            (DNSClass::ANY, RecordType::SOA)
        );
        let ups = m.updates();
        assert_eq!(ups.len(), 2);
        assert_eq!((ups[0].dns_class, ups[0].ttl), (DNSClass::NONE, 0));
        assert_eq!((ups[1].dns_class, ups[1].ttl), (DNSClass::IN, 300));
        // round trip through the wire form
        let back = Message::from_vec(&m.to_vec().unwrap()).unwrap();
        assert_eq!(back.updates().len(), 2);
    }

    #[test]
    fn refusals_are_named_with_their_reason() {
        let key = super::super::tsig::parse(
            "key \"k.\" { algorithm hmac-sha256; secret \"MRuuQoNIDitPB1MHLeUuCLfG7MWtu9wB/r5P52DKUM4=\"; };",
        )
        .unwrap();
        assert_eq!(
            tsig_error(TsigError::BadTime, ResponseCode::NotAuth, &key),
            "NOTAUTH (the key may not update this zone, or the server is not its primary); BADTIME: this machine's clock and the server's differ by more than 5 minutes"
        );
        assert_eq!(
            rcode_text(ResponseCode::Refused),
            "REFUSED (the server's policy does not allow this update)"
        );
    }

    #[test]
    fn a_signed_update_verifies_with_the_same_key() {
        let key = super::super::tsig::parse(
            "key \"k.\" { algorithm hmac-sha256; secret \"MRuuQoNIDitPB1MHLeUuCLfG7MWtu9wB/r5P52DKUM4=\"; };",
        )
        .unwrap();
        let s = signer(&key).unwrap();
        let mut m = update_message(&plan()).unwrap();
        m.finalize(&s, 1_767_225_600).unwrap();
        let bytes = m.to_vec().unwrap();
        assert!(s.verify_message_byte(&bytes, None, true).is_ok());
    }
}
