//! The seam between commands and the outside world: output streams, stdin, the clock,
//! environment variables, the files the user names, DNS and TLS, so whole commands run
//! in-process in tests with fixed files and answers ([`fake`]) and in the binary with
//! the real disk and network ([`real`]). Deployment state (`deploy/`) is the exception:
//! atomic renames, fsync and locks are the point there, so it uses the real file system
//! (tests give it a temporary state directory).

pub mod fake;
pub mod pipe;
pub mod real;

use std::ffi::OsString;
use std::future::Future;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::dns::{Addresses, DnsConfig};
use crate::error::Result;
use crate::live::{Probe, Starttls};
use crate::lookup::{Answer, NsSurvey};
use crate::tlsa::Tlsa;

/// A boxed future, so that the DNS and TLS traits can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Everything a command may touch besides the files the user names.
pub struct Env<'a> {
    /// Results.
    pub out: &'a mut dyn Write,
    /// Diagnostics: notes, warnings and errors.
    pub err: &'a mut dyn Write,
    /// Input named `-` on the command line.
    pub stdin: &'a mut dyn Read,
    /// "Now", in seconds since the Unix epoch.
    pub now: i64,
    /// Whether stdout is a terminal (chooses the default output format of `check`).
    pub out_is_terminal: bool,
    /// Environment variable lookup.
    pub vars: &'a dyn Fn(&str) -> Option<OsString>,
    /// The files and directories the user names.
    pub files: &'a dyn Files,
    /// Validating DNS lookups.
    pub dns: &'a dyn DnsProvider,
    /// TLS connections to servers (`--live`).
    pub prober: &'a dyn Prober,
    /// Where the DNS and TLS futures run.
    pub runtime: &'a AsyncRuntime,
}

/// What a path is, following symbolic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    /// A device, FIFO or socket.
    Other,
}

/// The metadata daneguard uses: the kind and the permission bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMeta {
    pub kind: FileKind,
    pub mode: u32,
}

/// Reading the files the user names: inputs, lineages, configuration, trust anchors.
pub trait Files {
    /// Opens a file for reading; callers bound what they read (see [`read_limited`]).
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + '_>>;
    /// Follows symbolic links.
    fn metadata(&self, path: &Path) -> io::Result<FileMeta>;
    /// Whether the path itself exists, even as a dangling symbolic link.
    fn link_exists(&self, path: &Path) -> bool;
    /// The absolute path with every symbolic link resolved.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf>;
    /// The entries of a directory, in no particular order.
    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
}

impl dyn Files + '_ {
    pub fn is_dir(&self, path: &Path) -> bool {
        self.metadata(path).is_ok_and(|m| m.kind == FileKind::Dir)
    }

    pub fn exists(&self, path: &Path) -> bool {
        self.metadata(path).is_ok()
    }
}

/// Reads at most `limit + 1` bytes, so that the caller can tell "larger than `limit`".
pub fn read_limited(files: &dyn Files, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    files
        .open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The single-threaded async runtime on which a command runs its DNS and TLS
/// futures: started on first use, so commands without DNS or TLS never start one,
/// and owned by whoever builds the [`Env`] (the binary, or a test's world).
#[derive(Default)]
pub struct AsyncRuntime {
    cell: std::cell::OnceCell<tokio::runtime::Runtime>,
}

impl AsyncRuntime {
    /// The runtime, started now if this is the first use.
    pub fn get(&self) -> Result<&tokio::runtime::Runtime> {
        if let Some(runtime) = self.cell.get() {
            return Ok(runtime);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                crate::error::Error::Lookup(format!("cannot start the async runtime: {e}"))
            })?;
        Ok(self.cell.get_or_init(|| runtime))
    }
}

/// One validating resolver: every answer carries its DNSSEC status.
pub trait Resolve {
    /// The TLSA RRset at `owner` (fully qualified).
    fn tlsa<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Answer<Tlsa>>;
    /// The MX RRset of a domain: `(preference, exchange)`, exchange fully qualified.
    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Answer<(u16, String)>>;
    /// A and AAAA together, with the CNAME target if the host is an alias.
    fn addresses<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Addresses>;
    /// The TLSA RRset at `owner` as each authoritative server of its zone serves it
    /// (`check --all-ns`).
    fn tlsa_at_each_ns<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, NsSurvey<Tlsa>>;
}

/// Makes resolvers. `connect` also checks that DNSSEC data gets through, so that a
/// resolver that strips it fails at once instead of making every answer undecidable.
pub trait DnsProvider {
    fn connect<'a>(&'a self, config: &'a DnsConfig)
    -> BoxFuture<'a, Result<Box<dyn Resolve + 'a>>>;
}

/// Connects to a server and records the chains it presents.
pub trait Prober {
    fn probe<'a>(
        &'a self,
        address: SocketAddr,
        sni: &'a str,
        protocol: Starttls,
        timeout: Duration,
    ) -> BoxFuture<'a, Probe>;
}

/// The system clock in seconds since the Unix epoch (0 if the clock is before 1970).
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
