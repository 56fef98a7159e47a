//! A scripted outside world for in-process tests of whole commands: DNS answers and
//! presented chains given in advance, a fixed clock, captured stdout and stderr.

use std::collections::HashMap;
use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::{BoxFuture, DnsProvider, Env, Prober, Resolve};
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

/// The scripted world a command runs in.
#[derive(Debug, Clone, Default)]
pub struct World {
    pub now: i64,
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
        let mut env = Env {
            out: &mut out,
            err: &mut err,
            stdin: &mut stdin,
            now: self.now,
            out_is_terminal: false,
            vars: &vars,
            dns: &self.dns,
            prober: &self.prober,
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
