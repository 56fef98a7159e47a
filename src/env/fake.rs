//! A scripted outside world for in-process tests of whole commands: files, DNS answers
//! and presented chains given in advance, a fixed clock, captured stdout and stderr.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use super::{BoxFuture, DnsProvider, Env, FileKind, FileMeta, Files, Prober, Resolve};
use crate::dns::{Addresses, DnsConfig};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::live::{Family, LiveError, Probe, Starttls};
use crate::lookup::{Answer, NsSurvey};
use crate::tlsa::Tlsa;

/// DNS answers keyed by fully qualified, lower-case name. A name that was not scripted
/// answers as a failed lookup, so a test notices a lookup it did not expect.
#[derive(Debug, Clone, Default)]
pub struct ScriptedDns {
    tlsa: HashMap<String, Answer<Tlsa>>,
    mx: HashMap<String, Answer<(u16, String)>>,
    addresses: HashMap<String, Addresses>,
    all_ns: HashMap<String, NsSurvey<Tlsa>>,
    /// When set, `connect` fails with this message (as a resolver that strips DNSSEC).
    pub connect_error: Option<String>,
}

fn key(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.').to_ascii_lowercase())
}

fn unscripted<T>(what: &str, name: &str) -> Answer<T> {
    Answer::Failed {
        reason: format!("no scripted {what} answer for {name}"),
    }
}

impl ScriptedDns {
    pub fn tlsa(mut self, owner: &str, answer: Answer<Tlsa>) -> Self {
        self.tlsa.insert(key(owner), answer);
        self
    }

    pub fn mx(mut self, domain: &str, answer: Answer<(u16, String)>) -> Self {
        self.mx.insert(key(domain), answer);
        self
    }

    pub fn addresses(
        mut self,
        host: &str,
        answer: Answer<IpAddr>,
        canonical: Option<&str>,
    ) -> Self {
        let canonical = canonical.map(|c| c.trim_end_matches('.').to_string());
        self.addresses
            .insert(key(host), Addresses { answer, canonical });
        self
    }
}

impl ScriptedDns {
    /// What each authoritative server serves at `owner` (`check --all-ns`).
    pub fn all_ns(mut self, owner: &str, survey: NsSurvey<Tlsa>) -> Self {
        self.all_ns.insert(key(owner), survey);
        self
    }
}

impl Resolve for ScriptedDns {
    fn tlsa<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, Answer<Tlsa>> {
        let answer = self.tlsa.get(&key(owner)).cloned();
        Box::pin(async move { answer.unwrap_or_else(|| unscripted("TLSA", owner)) })
    }

    fn mx<'a>(&'a self, domain: &'a str) -> BoxFuture<'a, Answer<(u16, String)>> {
        let answer = self.mx.get(&key(domain)).cloned();
        Box::pin(async move { answer.unwrap_or_else(|| unscripted("MX", domain)) })
    }

    fn addresses<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Addresses> {
        let answer = self.addresses.get(&key(host)).cloned();
        Box::pin(async move {
            answer.unwrap_or_else(|| Addresses {
                answer: unscripted("address", host),
                canonical: None,
            })
        })
    }

    fn tlsa_at_each_ns<'a>(&'a self, owner: &'a str) -> BoxFuture<'a, NsSurvey<Tlsa>> {
        let survey = self.all_ns.get(&key(owner)).cloned();
        Box::pin(async move {
            survey.unwrap_or_else(|| NsSurvey::Failed {
                reason: format!("no scripted name server answers for {owner}"),
            })
        })
    }
}

impl DnsProvider for ScriptedDns {
    fn connect<'a>(&'a self, _: &'a DnsConfig) -> BoxFuture<'a, Result<Box<dyn Resolve + 'a>>> {
        Box::pin(async move {
            match &self.connect_error {
                Some(e) => Err(Error::Lookup(e.clone())),
                None => Ok(Box::new(self.clone()) as Box<dyn Resolve>),
            }
        })
    }
}

/// DER chains by the key family a handshake asked for.
pub type Chains = Vec<(Family, Vec<Vec<u8>>)>;

/// What each address presents. An address that was not scripted refuses connections.
#[derive(Debug, Clone, Default)]
pub struct ScriptedProber {
    servers: HashMap<SocketAddr, (Chains, Option<LiveError>)>,
}

impl ScriptedProber {
    /// The address presents these DER chains (one per key family it has).
    pub fn presents(mut self, address: SocketAddr, chains: Chains) -> Self {
        self.servers.insert(address, (chains, None));
        self
    }

    /// The address fails this way.
    pub fn fails(mut self, address: SocketAddr, error: LiveError) -> Self {
        self.servers.insert(address, (Vec::new(), Some(error)));
        self
    }
}

impl Prober for ScriptedProber {
    fn probe<'a>(
        &'a self,
        address: SocketAddr,
        _sni: &'a str,
        protocol: Starttls,
        _timeout: Duration,
    ) -> BoxFuture<'a, Probe> {
        let (chains, error) = self.servers.get(&address).cloned().unwrap_or_else(|| {
            (
                Vec::new(),
                Some(LiveError::Unreachable("Connection refused".into())),
            )
        });
        Box::pin(async move {
            // The first scripted chain is the one the server prefers.
            let preferred = (!chains.is_empty()).then_some(0);
            Probe {
                address,
                protocol,
                chains,
                preferred,
                error,
            }
        })
    }
}

/// Files in memory, keyed by absolute path; directories exist where files or links
/// lie under them. Symbolic links may be relative, as certbot's `live/` links are.
#[derive(Debug, Clone, Default)]
pub struct FakeFiles {
    files: BTreeMap<PathBuf, (Vec<u8>, u32)>,
    links: BTreeMap<PathBuf, PathBuf>,
}

/// Symbolic links followed while resolving one path, as the kernel's ELOOP limit.
const MAX_LINKS: usize = 40;

impl FakeFiles {
    /// A file readable by everyone (mode 0644).
    pub fn file(self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> Self {
        self.file_with_mode(path, bytes, 0o644)
    }

    pub fn file_with_mode(
        mut self,
        path: impl Into<PathBuf>,
        bytes: impl Into<Vec<u8>>,
        mode: u32,
    ) -> Self {
        self.files
            .insert(path.into(), (bytes.into(), 0o100_000 | mode));
        self
    }

    /// The file at `disk` on the real disk, under `path` (fixtures from `testdata/`).
    pub fn copied(self, path: impl Into<PathBuf>, disk: &Path) -> Self {
        let bytes =
            std::fs::read(disk).unwrap_or_else(|e| panic!("test fixture {}: {e}", disk.display()));
        self.file(path, bytes)
    }

    /// A symbolic link at `path` pointing to `target` (relative to the link's folder
    /// unless absolute).
    pub fn link(mut self, path: impl Into<PathBuf>, target: impl Into<PathBuf>) -> Self {
        self.links.insert(path.into(), target.into());
        self
    }

    /// The path with every link resolved, lexically; `None` past [`MAX_LINKS`] links.
    fn resolve_from(&self, path: &Path, followed: usize) -> Option<PathBuf> {
        let mut done = PathBuf::new();
        let components: Vec<Component<'_>> = path.components().collect();
        for (i, c) in components.iter().enumerate() {
            match c {
                Component::ParentDir => {
                    done.pop();
                }
                Component::CurDir => {}
                c => done.push(c),
            }
            if let Some(target) = self.links.get(&done) {
                if followed + 1 > MAX_LINKS {
                    return None;
                }
                done.pop();
                let mut restart = if target.is_absolute() {
                    target.clone()
                } else {
                    done.join(target)
                };
                for rest in &components[i + 1..] {
                    restart.push(rest.as_os_str());
                }
                return self.resolve_from(&restart, followed + 1);
            }
        }
        Some(done)
    }

    fn is_dir_resolved(&self, path: &Path) -> bool {
        let under = |k: &PathBuf| k.starts_with(path) && k != path;
        self.files.keys().any(under) || self.links.keys().any(under)
    }
}

impl Files for FakeFiles {
    fn open(&self, path: &Path) -> io::Result<Box<dyn Read + '_>> {
        let resolved = self.resolve_from(path, 0).ok_or_else(link_loop)?;
        match self.files.get(&resolved) {
            Some((bytes, _)) => Ok(Box::new(bytes.as_slice())),
            None if self.is_dir_resolved(&resolved) => {
                Err(io::Error::from(io::ErrorKind::IsADirectory))
            }
            None => Err(io::Error::from(io::ErrorKind::NotFound)),
        }
    }

    fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
        let resolved = self.resolve_from(path, 0).ok_or_else(link_loop)?;
        if let Some((_, mode)) = self.files.get(&resolved) {
            return Ok(FileMeta {
                kind: FileKind::File,
                mode: *mode,
            });
        }
        if self.is_dir_resolved(&resolved) {
            return Ok(FileMeta {
                kind: FileKind::Dir,
                mode: 0o040_755,
            });
        }
        Err(io::Error::from(io::ErrorKind::NotFound))
    }

    fn link_exists(&self, path: &Path) -> bool {
        self.links.contains_key(path) || self.metadata(path).is_ok()
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        self.metadata(path)?;
        self.resolve_from(path, 0).ok_or_else(link_loop)
    }

    fn read_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        let resolved = self.resolve_from(path, 0).ok_or_else(link_loop)?;
        if !self.is_dir_resolved(&resolved) {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        let names: BTreeSet<_> = self
            .files
            .keys()
            .chain(self.links.keys())
            .filter_map(|k| k.strip_prefix(&resolved).ok())
            .filter_map(|rest| rest.components().next())
            .map(|c| c.as_os_str().to_owned())
            .collect();
        Ok(names.into_iter().map(|n| path.join(n)).collect())
    }
}

fn link_loop() -> io::Error {
    io::Error::other("too many levels of symbolic links")
}

/// The scripted world a command runs in.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub now: i64,
    pub files: FakeFiles,
    pub dns: ScriptedDns,
    pub prober: ScriptedProber,
    pub vars: HashMap<String, String>,
    pub stdin: Vec<u8>,
}

/// What a command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl World {
    /// Runs `daneguard ARGS…` in this world.
    pub fn run(&self, args: &[&str]) -> Run {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut stdin = self.stdin.as_slice();
        let vars = |name: &str| self.vars.get(name).map(OsString::from);
        // One per run, as each run of the binary has its own.
        let runtime = super::AsyncRuntime::default();
        let mut env = Env {
            out: &mut out,
            err: &mut err,
            stdin: &mut stdin,
            now: self.now,
            out_is_terminal: false,
            vars: &vars,
            files: &self.files,
            dns: &self.dns,
            prober: &self.prober,
            runtime: &runtime,
        };
        let argv = std::iter::once("daneguard").chain(args.iter().copied());
        let status = crate::run(argv, &mut env);
        Run {
            status,
            stdout: String::from_utf8_lossy(&out).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
        }
    }
}

/// A world without DNS or network: every lookup and connection fails. For commands and
/// tests that must not touch either (`generate`, output handling).
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl DnsProvider for Offline {
    fn connect<'a>(&'a self, _: &'a DnsConfig) -> BoxFuture<'a, Result<Box<dyn Resolve + 'a>>> {
        Box::pin(async { Err(Error::Lookup("no DNS in this environment".into())) })
    }
}

impl Prober for Offline {
    fn probe<'a>(
        &'a self,
        address: SocketAddr,
        _sni: &'a str,
        protocol: Starttls,
        _timeout: Duration,
    ) -> BoxFuture<'a, Probe> {
        Box::pin(async move {
            Probe {
                address,
                protocol,
                chains: Vec::new(),
                preferred: None,
                error: Some(LiveError::Unreachable(
                    "no network in this environment".into(),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(files: &FakeFiles, path: &str) -> io::Result<String> {
        let mut text = String::new();
        files.open(Path::new(path))?.read_to_string(&mut text)?;
        Ok(text)
    }

    #[test]
    fn relative_links_resolve_from_their_folder() {
        let files = FakeFiles::default()
            .file("/le/archive/mx/fullchain2.pem", "v2")
            .link(
                "/le/live/mx/fullchain.pem",
                "../../archive/mx/fullchain2.pem",
            )
            .link("/le/current", "live/mx");
        assert_eq!(read(&files, "/le/live/mx/fullchain.pem").unwrap(), "v2");
        assert_eq!(read(&files, "/le/current/fullchain.pem").unwrap(), "v2");
        assert_eq!(
            files
                .canonicalize(Path::new("/le/current/fullchain.pem"))
                .unwrap(),
            Path::new("/le/archive/mx/fullchain2.pem")
        );
        assert!(files.is_dir_resolved(Path::new("/le/live")));
    }

    #[test]
    fn loops_dangling_links_and_directories_are_errors() {
        let files = FakeFiles::default()
            .link("/a", "/b")
            .link("/b", "/a")
            .link("/d/dangling", "nowhere")
            .file("/d/f", "x");
        assert!(read(&files, "/a").is_err());
        let e = read(&files, "/d/dangling").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        assert!(files.link_exists(Path::new("/d/dangling")));
        assert_eq!(
            read(&files, "/d").unwrap_err().kind(),
            io::ErrorKind::IsADirectory
        );
    }

    #[test]
    fn read_dir_lists_files_links_and_subfolders_once() {
        let files = FakeFiles::default()
            .file("/ca/a.pem", "a")
            .file("/ca/sub/b.pem", "b")
            .file("/ca/sub/c.pem", "c")
            .link("/ca/l.pem", "a.pem");
        let listed = files.read_dir(Path::new("/ca")).unwrap();
        let names: Vec<_> = listed.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(names, ["/ca/a.pem", "/ca/l.pem", "/ca/sub"]);
        assert_eq!(
            files.metadata(Path::new("/ca/l.pem")).unwrap().kind,
            FileKind::File
        );
    }
}
