//! The real outside world behind [`super::Env`]: the validating resolver of [`crate::dns`]
//! and the TLS prober of [`crate::live`].

use std::net::SocketAddr;
use std::time::Duration;

use super::{BoxFuture, DnsProvider, Prober, Resolve};
use crate::dns::{Addresses, Dns, DnsConfig};
use crate::error::Result;
use crate::live::{Probe, Starttls};
use crate::lookup::{Answer, NsSurvey};
use crate::tlsa::Tlsa;

/// DNS through the configured (or the system's) resolvers, validated by daneguard.
pub struct NetworkDns;

/// TLS connections over the network.
pub struct NetworkProber;

impl Resolve for Dns {
    fn tlsa<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Answer<Tlsa>> {
        Box::pin(Dns::tlsa(self, owner))
    }

    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Answer<(u16, String)>> {
        Box::pin(Dns::mx(self, domain))
    }

    fn addresses<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Addresses> {
        Box::pin(Dns::addresses(self, host))
    }

    fn tlsa_at_each_ns<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, NsSurvey<Tlsa>> {
        Box::pin(Dns::tlsa_at_each_ns(self, owner))
    }
}

impl DnsProvider for NetworkDns {
    fn connect<'a>(
        &'a self,
        config: &'a DnsConfig,
    ) -> BoxFuture<'a, Result<Box<dyn Resolve + 'a>>> {
        Box::pin(async move {
            let dns = Dns::new(config).await?;
            dns.ensure_dnssec_passes().await?;
            Ok(Box::new(dns) as Box<dyn Resolve>)
        })
    }
}

impl Prober for NetworkProber {
    fn probe<'a>(
        &'a self,
        address: SocketAddr,
        sni: &'a str,
        protocol: Starttls,
        timeout: Duration,
    ) -> BoxFuture<'a, Probe> {
        Box::pin(crate::live::probe(address, sni, protocol, timeout))
    }
}
