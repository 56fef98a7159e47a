//! The only code that talks to DNS: libunbound (Unbound's validator) forwarding to the
//! configured resolvers with daneguard's own trust anchors, lookups turned into
//! [`Answer`]s with their DNSSEC status; and DNS UPDATE to a zone's primary
//! ([`update`], for `publish`).

mod allns;
mod anchors;
mod convert;
mod probe;
mod unbound;
pub(crate) mod update;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hickory_proto::rr::{Name, RData, RecordType};

use crate::error::{Error, Result};
use crate::lookup::Answer;
use crate::tlsa::{Params, Tlsa};

use convert::Outcome;
use unbound::{Context, Failure, Setup};

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

/// A validating resolver: libunbound contexts (one per core, each with its own
/// resolving thread and cache) that only ever forward to the configured servers.
#[derive(Clone)]
pub struct Dns {
    inner: Arc<Inner>,
}

struct Inner {
    shards: Vec<Context>,
    next: AtomicUsize,
    /// Where the trust anchors sit: names below them can be secure or insecure.
    anchor_zones: Vec<Name>,
    servers: String,
    /// The same servers, for the diagnosis of a failure.
    addrs: Vec<SocketAddr>,
    /// Longest wait for one lookup, the chain of trust included.
    limit: Duration,
    /// Time-out of one query (of the diagnosis).
    timeout: Duration,
    /// The forwarders and trust anchors, for the per-server contexts of `--all-ns`.
    forwarders: Vec<String>,
    anchors: Vec<String>,
}

/// Most libunbound contexts (resolving threads) one `Dns` runs.
const MAX_SHARDS: usize = 4;

/// Lookup attempts one lookup may take at most (Unbound retries and fetches the
/// DNSKEY and DS RRsets of the chain of trust within one lookup).
const ATTEMPTS_PER_LOOKUP: u32 = 3;

/// What the address lookups of a host found.
#[derive(Debug, Clone)]
pub struct Addresses {
    pub answer: Answer<IpAddr>,
    /// The name at the end of a CNAME chain, if the host is an alias.
    pub canonical: Option<String>,
}

impl Dns {
    /// Sets up the validator with the trust anchors (the IANA root key unless
    /// `--trust-anchor` names a file). Nothing is asked yet.
    pub async fn new(config: &DnsConfig) -> Result<Dns> {
        let (addrs, shown) = forwarders(&config.servers)?;
        let servers: Vec<String> = addrs
            .iter()
            .map(|a| format!("{}@{}", a.ip(), a.port()))
            .collect();
        let (anchors, anchor_zones) = match &config.trust_anchor {
            Some(path) => anchors::load(path)?,
            None => (
                anchors::ROOT_ANCHORS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                vec![Name::root()],
            ),
        };
        let options = options();
        let setup = Setup {
            options: &options,
            forwarders: &servers,
            anchors: &anchors,
            stubs: &[],
        };
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let shards = (0..cores.clamp(1, MAX_SHARDS))
            .map(|_| Context::new(&setup))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Lookup(format!("cannot set up the validator: {e}")))?;
        Ok(Dns {
            inner: Arc::new(Inner {
                shards,
                next: AtomicUsize::new(0),
                anchor_zones,
                servers: shown,
                addrs,
                limit: config.timeout * ATTEMPTS_PER_LOOKUP,
                timeout: config.timeout,
                forwarders: servers,
                anchors,
            }),
        })
    }

    /// Asks one question through the next shard.
    async fn ask(&self, name: &str, rtype: RecordType) -> Outcome {
        let inner = &self.inner;
        let i = inner.next.fetch_add(1, Ordering::Relaxed) % inner.shards.len();
        let result = inner.shards[i]
            .resolve(name, u16::from(rtype), inner.limit)
            .await;
        let covered =
            Name::from_ascii(name).is_ok_and(|n| inner.anchor_zones.iter().any(|z| z.zone_of(&n)));
        // libunbound says SERVFAIL for whatever went wrong upstream: ask once more,
        // plainly, to say what the servers did
        let gave_up = match &result {
            Ok(r) => r.rcode == 2 && !r.bogus,
            Err(Failure::Timeout) => true,
            Err(Failure::Library(_)) => false,
        };
        let detail = if gave_up {
            Some(probe::diagnose(&inner.addrs, name, rtype, inner.timeout).await)
        } else {
            None
        };
        Outcome {
            result,
            covered,
            servers: inner.servers.clone(),
            detail,
        }
    }

    /// Fails unless the DNSKEY RRset of every trust-anchor zone validates: otherwise
    /// the resolver strips DNSSEC data or the anchor is wrong, and no status can be
    /// decided (RFC 7672 §2.1 needs a DNSSEC-validating view).
    pub async fn ensure_dnssec_passes(&self) -> Result<()> {
        for zone in &self.inner.anchor_zones {
            let out = self.ask(&zone.to_ascii(), RecordType::DNSKEY).await;
            let servers = &self.inner.servers;
            let detail = out
                .detail
                .as_deref()
                .map(|d| format!(" (asked plainly, {d})"))
                .unwrap_or_default();
            let problem = match &out.result {
                Ok(r) if r.secure => continue,
                Err(Failure::Timeout) => {
                    return Err(Error::Lookup(format!(
                        "{servers} did not answer (time-out); could not decide anything{detail}"
                    )));
                }
                Ok(r) if r.bogus => format!(
                    "do not validate through {servers} ({}): it strips DNSSEC data, or the trust anchor does not match the zone",
                    r.why_bogus.as_deref().unwrap_or("bogus").trim()
                ),
                Ok(r) if r.rcode != 0 => {
                    format!("could not be fetched: no usable answer from {servers}{detail}")
                }
                Ok(_) => "are not signed".to_string(),
                Err(Failure::Library(e)) => format!("could not be fetched: {e}"),
            };
            return Err(Error::Lookup(format!(
                "the DNSKEY records of the trust anchor zone {zone} {problem}; nothing can be decided. Use --resolver with a DNSSEC-aware resolver, or check --trust-anchor"
            )));
        }
        Ok(())
    }

    /// TLSA RRset at `owner` (fully qualified).
    pub async fn tlsa(&self, owner: &str) -> Answer<Tlsa> {
        let out = self.ask(owner, RecordType::TLSA).await;
        convert::answer(&out, RecordType::TLSA, tlsa_of)
    }

    /// NS RRset at `name` (fully qualified): the name servers, fully qualified.
    pub async fn ns(&self, name: &str) -> Answer<String> {
        let out = self.ask(name, RecordType::NS).await;
        convert::answer(&out, RecordType::NS, |data| match data {
            RData::NS(ns) => Some(ns.0.to_ascii()),
            _ => None,
        })
    }

    /// MX RRset of a domain: `(preference, exchange)` with exchange fully qualified.
    pub async fn mx(&self, domain: &str) -> Answer<(u16, String)> {
        let out = self.ask(&fqdn(domain), RecordType::MX).await;
        convert::answer(&out, RecordType::MX, |data| match data {
            RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
            _ => None,
        })
    }

    /// A and AAAA together, with the CNAME target if the host is an alias.
    pub async fn addresses(&self, host: &str) -> Addresses {
        let name = fqdn(host);
        let (a, aaaa) = tokio::join!(
            self.ask(&name, RecordType::A),
            self.ask(&name, RecordType::AAAA)
        );
        let canonical =
            convert::cname_target(&a, &name).or_else(|| convert::cname_target(&aaaa, &name));
        let pick = |data: &RData| match data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        };
        let a = convert::answer(&a, RecordType::A, pick);
        let aaaa = convert::answer(&aaaa, RecordType::AAAA, pick);
        Addresses {
            answer: convert::merge(a, aaaa),
            canonical,
        }
    }
}

/// A TLSA record out of an answer's data.
fn tlsa_of(data: &RData) -> Option<Tlsa> {
    match data {
        RData::TLSA(t) => Some(Tlsa {
            params: Params::new(t.cert_usage.into(), t.selector.into(), t.matching.into()),
            data: t.cert_data.clone(),
        }),
        _ => None,
    }
}

/// libunbound settings: validate here, never ask anything but the forwarders, keep
/// the validator's reasons, and stay quiet.
fn options() -> Vec<(&'static str, String)> {
    [
        ("do-not-query-localhost:", "no".to_string()),
        // errinf (the reason in why_bogus) is only collected from level 2 on
        ("val-log-level:", "2".to_string()),
        ("log-servfail:", "yes".to_string()),
        ("logfile:", "/dev/null".to_string()),
        ("use-syslog:", "no".to_string()),
        ("verbosity:", "0".to_string()),
        // no _ta-XXXX signalling queries, no root sentinel names
        ("trust-anchor-signaling:", "no".to_string()),
        ("root-key-sentinel:", "no".to_string()),
        ("prefetch:", "no".to_string()),
        // records in the order the server sent them, so output is repeatable
        ("rrset-roundrobin:", "no".to_string()),
        ("prefetch-key:", "no".to_string()),
        ("edns-buffer-size:", "1232".to_string()),
        // small caches, one slab each (one resolving thread per context): a hard
        // bound of about 4.3 MiB per context however many names one context sees,
        // instead of Unbound's 13 MiB (4 MiB message, RRset and key caches in 4
        // slabs, 1 MiB negative); `check` only needs the chain of trust cached
        ("msg-cache-size:", "1m".to_string()),
        ("msg-cache-slabs:", "1".to_string()),
        ("rrset-cache-size:", "2m".to_string()),
        ("rrset-cache-slabs:", "1".to_string()),
        ("key-cache-size:", "1m".to_string()),
        ("key-cache-slabs:", "1".to_string()),
        ("neg-cache-size:", "256k".to_string()),
        // Unbound answers the special-use test. itself (RFC 6761); the configured
        // resolver decides instead, as it does for every other name
        ("local-zone:", "test. transparent".to_string()),
    ]
    .into_iter()
    .collect()
}

/// `name.` with exactly one trailing dot.
pub fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// `IP@PORT` forwarders and how to name them in messages. Without `--resolver`, the
/// name servers of /etc/resolv.conf, read here (never handed to libunbound to read).
fn forwarders(servers: &[SocketAddr]) -> Result<(Vec<SocketAddr>, String)> {
    let (list, shown) = if servers.is_empty() {
        let list = system_servers()?;
        let shown = list.iter().map(ToString::to_string).collect::<Vec<_>>();
        (list, format!("the system resolver ({})", shown.join(", ")))
    } else {
        let shown = servers.iter().map(ToString::to_string).collect::<Vec<_>>();
        (
            servers.to_vec(),
            format!("the resolver {}", shown.join(", ")),
        )
    };
    Ok((list, shown))
}

/// Longest /etc/resolv.conf read.
const MAX_RESOLV_CONF: u64 = 64 * 1024;

fn system_servers() -> Result<Vec<SocketAddr>> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open("/etc/resolv.conf")
        .and_then(|f| f.take(MAX_RESOLV_CONF).read_to_string(&mut text))
        .map_err(|e| {
            Error::Lookup(format!(
                "cannot read the system's resolver configuration /etc/resolv.conf: {e}; use --resolver"
            ))
        })?;
    let list = resolv_conf_servers(&text);
    if list.is_empty() {
        return Err(Error::Lookup(
            "the system has no resolver configured in /etc/resolv.conf; use --resolver".to_string(),
        ));
    }
    Ok(list)
}

/// `nameserver` lines of resolv.conf(5); a scoped IPv6 address (`fe80::1%eth0`) is
/// left out, libunbound cannot forward to it.
fn resolv_conf_servers(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            (words.next()? == "nameserver").then(|| words.next())?
        })
        .filter_map(|w| w.parse::<IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lead wraps `Dns` in a trait whose futures may move between threads.
    #[allow(dead_code)]
    fn lookups_are_send(dns: &Dns) {
        fn send<T: Send>(_: T) {}
        send(dns.tlsa("x."));
        send(dns.mx("x"));
        send(dns.addresses("x"));
        send(dns.ensure_dnssec_passes());
        send(dns.tlsa_at_each_ns("x."));
    }

    #[test]
    fn resolv_conf_nameserver_lines() {
        let text = "# c\nsearch example\nnameserver 192.0.2.1\nnameserver ::1\nnameserver fe80::1%eth0\noptions edns0\n";
        let got = resolv_conf_servers(text);
        assert_eq!(
            got,
            vec![
                "192.0.2.1:53".parse::<SocketAddr>().unwrap(),
                "[::1]:53".parse().unwrap()
            ]
        );
    }
}
