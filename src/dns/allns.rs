//! `check --all-ns`: a TLSA RRset asked of every authoritative server of its zone, each
//! answer validated against the chain of trust like any other.

use std::net::IpAddr;

use futures_util::future::join_all;
use hickory_proto::rr::{Name, RData, RecordType};

use super::convert::{self, Outcome};
use super::unbound::{Context, Setup};
use super::{Dns, fqdn};
use crate::lookup::{Answer, NsAnswer, NsSurvey};
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// Why the servers of a name's zone could not be found.
#[derive(Debug, thiserror::Error)]
enum SurveyError {
    #[error("'{0}': {1}")]
    Name(String, String),
    #[error("the NS lookup of {0} {1}")]
    Ns(String, String),
    #[error("no zone holding {0} was found")]
    NoZone(String),
}

/// Most name server addresses asked for one name (a zone with more is unusual; this
/// bounds the contexts and threads one lookup starts).
const MAX_SERVERS: usize = 32;

impl Dns {
    /// The TLSA RRset at `owner` as each authoritative server of its zone serves it.
    pub async fn tlsa_at_each_ns(&self, owner: &str) -> NsSurvey<Tlsa> {
        let (zone, names) = match self.zone_of(&fqdn(owner)).await {
            Ok(found) => found,
            Err(e) => {
                let reason = e.to_string();
                return NsSurvey::Failed { reason };
            }
        };
        let mut targets: Vec<(String, Option<IpAddr>, Option<String>)> = Vec::new();
        for ns in names {
            match self.addresses(&ns).await.answer {
                Answer::Found { records, .. } => {
                    targets.extend(records.into_iter().map(|ip| (ns.clone(), Some(ip), None)));
                }
                other => {
                    let why = format!("its addresses could not be found: {}", other.describe());
                    targets.push((ns, None, Some(why)));
                }
            }
        }
        targets.truncate(MAX_SERVERS);
        let owner = fqdn(owner);
        let asked = targets.into_iter().map(|(server, address, why)| {
            let (zone, owner) = (&zone, &owner);
            async move {
                let (answer, serial) = match (address, why) {
                    (Some(ip), _) => self.tlsa_at(zone, &server, ip, owner).await,
                    (None, why) => {
                        let reason = why.unwrap_or_default();
                        (Answer::Failed { reason }, None)
                    }
                };
                NsAnswer {
                    server,
                    address,
                    answer,
                    serial,
                }
            }
        });
        NsSurvey::Done {
            servers: join_all(asked).await,
            zone,
        }
    }

    /// The zone holding `owner` (the closest name with an NS RRset, walking up the
    /// labels) and its name servers, sorted.
    async fn zone_of(&self, owner: &str) -> Result<(String, Vec<String>), SurveyError> {
        let mut name = Name::from_ascii(owner)
            .map_err(|e| SurveyError::Name(escape(owner).into_owned(), e.to_string()))?;
        loop {
            let shown = name.to_ascii();
            match self.ns(&shown).await {
                Answer::Found { mut records, .. } => {
                    records.sort();
                    records.dedup();
                    return Ok((shown, records));
                }
                Answer::NoData { .. } | Answer::NxDomain { .. } => {}
                other => {
                    let why = other.describe();
                    return Err(SurveyError::Ns(escape(&shown).into_owned(), why));
                }
            }
            if name.is_root() {
                return Err(SurveyError::NoZone(escape(owner).into_owned()));
            }
            name = name.base_name();
        }
    }

    /// Asks one server directly: a fresh context where `zone` is a stub zone at `ip`
    /// and the rest (the parent's DS, say) goes to the configured resolvers, with the
    /// same trust anchors, so the answer is validated like any other. Also the zone's
    /// SOA serial there, when it validates as well as the TLSA answer.
    async fn tlsa_at(
        &self,
        zone: &str,
        server: &str,
        ip: IpAddr,
        owner: &str,
    ) -> (Answer<Tlsa>, Option<u32>) {
        let inner = &self.inner;
        let options = super::options();
        let stubs = [(zone.to_string(), ip.to_string())];
        let setup = Setup {
            options: &options,
            forwarders: &inner.forwarders,
            anchors: &inner.anchors,
            stubs: &stubs,
        };
        let context = match Context::new(&setup) {
            Ok(c) => c,
            Err(e) => {
                let reason = format!("cannot set up the validator: {e}");
                return (Answer::Failed { reason }, None);
            }
        };
        let shown = format!("{} ({ip})", escape(server));
        let ask = |name: &str, rtype: RecordType| {
            let (context, shown) = (&context, shown.clone());
            let covered = Name::from_ascii(name)
                .is_ok_and(|n| inner.anchor_zones.iter().any(|z| z.zone_of(&n)));
            let name = name.to_string();
            async move {
                let result = context.resolve(&name, u16::from(rtype), inner.limit).await;
                Outcome {
                    result,
                    covered,
                    servers: shown,
                    detail: None,
                }
            }
        };
        let tlsa = convert::answer(
            &ask(owner, RecordType::TLSA).await,
            RecordType::TLSA,
            super::tlsa_of,
        );
        let soa = convert::answer(
            &ask(zone, RecordType::SOA).await,
            RecordType::SOA,
            |d| match d {
                RData::SOA(soa) => Some(soa.serial),
                _ => None,
            },
        );
        let serial = (soa.security() == tlsa.security())
            .then(|| soa.records().first().copied())
            .flatten();
        (tlsa, serial)
    }
}
