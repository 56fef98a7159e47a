//! The real outside world behind [`super::Env`]: the disk, the validating resolver of
//! [`crate::dns`] and the TLS prober of [`crate::live`].

use std::io::{self, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{BoxFuture, DnsProvider, FileKind, FileMeta, Files, Prober, Resolve};
use crate::dns::{Addresses, Dns, DnsConfig};
use crate::error::Result;
use crate::live::{Probe, Starttls};
use crate::lookup::{Answer, NsSurvey};
use crate::tlsa::Tlsa;

/// The local file system.
pub struct Disk;

impl Files for Disk {
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(std::fs::File::open(path)?))
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path)?;
        let kind = if meta.is_file() {
            FileKind::File
        } else if meta.is_dir() {
            FileKind::Dir
        } else {
            FileKind::Other
        };
        Ok(FileMeta {
            kind,
            mode: meta.permissions().mode(),
        })
    }

    fn link_exists(&self, path: &Path) -> bool {
        path.symlink_metadata().is_ok()
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        std::fs::read_dir(path)?
            .map(|entry| entry.map(|e| e.path()))
            .collect()
    }
}

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
