//! The only code that talks to DNS: a validating hickory resolver with daneguard's own
//! trust anchors, and lookups turned into [`Answer`]s with their DNSSEC status.

mod anchors;
mod convert;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hickory_proto::dnssec::TrustAnchors;
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_resolver::Resolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;

use crate::error::{Error, Result};
use crate::lookup::Answer;
use crate::tlsa::{Params, Tlsa};

pub use convert::security_of;

/// How to reach DNS.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// Resolvers to ask; empty means the system's (/etc/resolv.conf).
    pub servers: Vec<SocketAddr>,
    /// DNSKEY or DS lines to trust instead of the IANA root key.
    pub trust_anchor: Option<PathBuf>,
    /// Time-out of one query attempt.
    pub timeout: Duration,
}

/// A validating resolver.
#[derive(Clone)]
pub struct Dns {
    resolver: Resolver<TokioRuntimeProvider>,
    /// Where the trust anchors sit, for the DNSSEC pass-through check.
    anchor_zones: Vec<Name>,
    servers: String,
}

/// What the address lookups of a host found.
#[derive(Debug, Clone)]
pub struct Addresses {
    pub answer: Answer<IpAddr>,
    /// The name at the end of a CNAME chain, if the host is an alias.
    pub canonical: Option<String>,
}

impl Dns {
    /// Builds the resolver and loads the trust anchors (DS anchors are matched against
    /// the zone's DNSKEY RRset fetched through the same servers).
    pub async fn new(config: &DnsConfig) -> Result<Dns> {
        let (name_servers, servers) = name_servers(&config.servers)?;
        let mut opts = ResolverOpts::default();
        opts.timeout = config.timeout;
        opts.attempts = 1;
        opts.use_hosts_file = ResolveHosts::Never;
        opts.edns0 = true;
        let (anchors, anchor_zones) = match &config.trust_anchor {
            Some(path) => anchors::load(path, &name_servers, &opts).await?,
            None => (TrustAnchors::default(), vec![Name::root()]),
        };
        opts.validate = true;
        let resolver = Resolver::builder_with_config(
            ResolverConfig::from_name_servers(name_servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(opts)
        .with_trust_anchor(Arc::new(anchors))
        .build()
        .map_err(|e| Error::Lookup(format!("cannot set up the resolver: {e}")))?;
        Ok(Dns {
            resolver,
            anchor_zones,
            servers,
        })
    }

    /// Fails when the DNSKEY RRset of a trust-anchor zone does not validate through
    /// the resolver: it strips DNSSEC data or the anchor is wrong, and then no status
    /// can be decided (RFC 7672 §2.1 needs a DNSSEC-validating view).
    pub async fn ensure_dnssec_passes(&self) -> Result<()> {
        for zone in &self.anchor_zones {
            let res = self.resolver.lookup(zone.clone(), RecordType::DNSKEY).await;
            let problem = match &res {
                Ok(lookup) => {
                    let answers = lookup.answers();
                    let signed = answers.iter().any(|r| r.record_type() == RecordType::RRSIG);
                    if signed && security_of(answers.iter()) == crate::lookup::Security::Secure {
                        continue;
                    }
                    "without valid signatures"
                }
                Err(hickory_resolver::net::NetError::Timeout) => {
                    return Err(Error::Lookup(format!(
                        "{} did not answer (time-out); could not decide anything",
                        self.servers
                    )));
                }
                Err(hickory_resolver::net::NetError::Dns(
                    hickory_resolver::net::DnsError::DnssecBogus,
                )) => "without valid signatures",
                Err(_) => "not at all",
            };
            return Err(Error::Lookup(format!(
                "{} returned the DNSKEY records of the trust anchor zone {zone} {problem}: it strips DNSSEC data, or the trust anchor does not match the zone; nothing can be decided. Use --resolver with a DNSSEC-aware resolver, or check --trust-anchor",
                self.servers
            )));
        }
        Ok(())
    }

    /// TLSA RRset at `owner` (fully qualified).
    pub async fn tlsa(&self, owner: &str) -> Answer<Tlsa> {
        let res = self.resolver.lookup(owner, RecordType::TLSA).await;
        convert::answer(res, RecordType::TLSA, |data| match data {
            RData::TLSA(t) => Some(Tlsa {
                params: Params::new(t.cert_usage.into(), t.selector.into(), t.matching.into()),
                data: t.cert_data.clone(),
            }),
            _ => None,
        })
    }

    /// MX RRset of a domain: `(preference, exchange)` with exchange fully qualified.
    pub async fn mx(&self, domain: &str) -> Answer<(u16, String)> {
        let res = self.resolver.lookup(fqdn(domain), RecordType::MX).await;
        convert::answer(res, RecordType::MX, |data| match data {
            RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
            _ => None,
        })
    }

    /// A and AAAA together, with the CNAME target if the host is an alias.
    pub async fn addresses(&self, host: &str) -> Addresses {
        let name = fqdn(host);
        let (a, aaaa) = tokio::join!(
            self.resolver.lookup(name.clone(), RecordType::A),
            self.resolver.lookup(name, RecordType::AAAA)
        );
        let canonical = convert::cname_target(&a).or_else(|| convert::cname_target(&aaaa));
        let pick = |data: &RData| match data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        };
        let a = convert::answer(a, RecordType::A, pick);
        let aaaa = convert::answer(aaaa, RecordType::AAAA, pick);
        Addresses {
            answer: convert::merge(a, aaaa),
            canonical,
        }
    }
}

/// `name.` with exactly one trailing dot.
pub fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

fn name_servers(servers: &[SocketAddr]) -> Result<(Vec<NameServerConfig>, String)> {
    if servers.is_empty() {
        let (config, _) = hickory_resolver::system_conf::read_system_conf().map_err(|e| {
            Error::Lookup(format!(
                "cannot read the system's resolver configuration: {e}; use --resolver"
            ))
        })?;
        let list = config.name_servers().to_vec();
        if list.is_empty() {
            return Err(Error::Lookup(
                "the system has no resolver configured; use --resolver".to_string(),
            ));
        }
        let shown = list
            .iter()
            .map(|n| n.ip.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        return Ok((list, format!("the system resolver ({shown})")));
    }
    let list = servers
        .iter()
        .map(|addr| {
            let mut udp = ConnectionConfig::udp();
            udp.port = addr.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = addr.port();
            NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
        })
        .collect();
    let shown = servers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    Ok((list, format!("the resolver {shown}")))
}
