//! `daneguard check`: DNSSEC-validated TLSA lookups compared with certificate chains.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::cli::{CheckArgs, CheckFormat};
use crate::dane::live::{self as liveverdict, LiveAddress};
use crate::dane::verdict::{self, HostFacts, MatchContext};
use crate::dns::{Dns, DnsConfig, fqdn};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::findings::{self, Code, Verdict};
use crate::input::{self, Input};
use crate::live::{self, Starttls};
use crate::lookup::Answer;
use crate::lookup::Security;
use crate::owner::{Host, Proto};
use crate::render;
use crate::report::HostReport;
use crate::sanitize::escape;

/// Longest line accepted in a `--from` file.
const MAX_NAME_LINE: usize = 1024;

/// `check`'s arguments resolved into what it runs on.
pub struct Config {
    pub mx: bool,
    pub ports: Vec<u16>,
    pub chains: ChainMap,
    pub dns: DnsConfig,
    pub concurrency: usize,
    pub days: u32,
    pub allow: Vec<Code>,
    pub strict: bool,
    pub format: CheckFormat,
    pub live: Option<LiveConfig>,
}

/// `--live` settings.
pub struct LiveConfig {
    pub starttls: Option<crate::live::Starttls>,
    pub connect: Option<SocketAddr>,
    pub timeout: Duration,
}

/// Chains by host, with an optional default for every host.
#[derive(Default)]
pub struct ChainMap {
    default: Option<Arc<Input>>,
    per_host: Vec<(Host, Arc<Input>)>,
}

impl ChainMap {
    /// Loads `--chain PATH` and `--chain HOST=PATH` arguments.
    pub fn load(args: &[String], env: &mut Env<'_>) -> Result<ChainMap> {
        let mut map = ChainMap::default();
        for arg in args {
            match split_host_path(arg) {
                Some((host, path)) => {
                    let input = Arc::new(input::load(path, env)?);
                    map.per_host.push((host, input));
                }
                None => {
                    if map.default.is_some() {
                        return Err(Error::Usage(
                            "--chain PATH may be given once; use HOST=PATH for more".into(),
                        ));
                    }
                    map.default = Some(Arc::new(input::load(arg, env)?));
                }
            }
        }
        Ok(map)
    }

    pub fn for_host(&self, host: &str) -> Option<Arc<Input>> {
        self.per_host
            .iter()
            .find(|(h, _)| h.as_str() == host)
            .map(|(_, i)| Arc::clone(i))
            .or_else(|| self.default.clone())
    }
}

/// `HOST=PATH` when the part before `=` is a host name (paths may contain `=` too).
fn split_host_path(arg: &str) -> Option<(Host, &str)> {
    let (host, path) = arg.split_once('=')?;
    if host.contains('/') || path.is_empty() {
        return None;
    }
    Host::parse(host).ok().map(|h| (h, path))
}

/// Parses `IP` or `IP:PORT` (IPv6 with port as `[::1]:53`).
pub fn parse_resolver(text: &str) -> Result<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| {
            Error::Usage(format!(
                "--resolver: '{}' is not IP or IP:PORT",
                escape(text)
            ))
        })
}

/// `--resolver`, `--trust-anchor` and `--timeout` as a [`DnsConfig`].
pub fn dns_config(args: &crate::cli::DnsArgs) -> Result<DnsConfig> {
    Ok(DnsConfig {
        servers: args
            .resolvers
            .iter()
            .map(|r| parse_resolver(r))
            .collect::<Result<Vec<_>>>()?,
        trust_anchor: args.trust_anchor.as_ref().map(Into::into),
        timeout: Duration::from_secs(args.timeout),
    })
}

impl Config {
    fn from_args(args: &CheckArgs, env: &mut Env<'_>) -> Result<Config> {
        let ports = crate::commands::unique(&args.ports);
        let terminal = env.out_is_terminal;
        let format = args.format.unwrap_or(if terminal {
            CheckFormat::Table
        } else {
            CheckFormat::Jsonl
        });
        Ok(Config {
            mx: args.mx,
            ports,
            chains: ChainMap::load(&args.chains, env)?,
            dns: dns_config(&args.dns)?,
            concurrency: args.concurrency as usize,
            days: args.findings.days,
            allow: args.findings.allow.clone(),
            strict: args.findings.strict,
            format,
            live: args.live.then(|| LiveConfig {
                starttls: args.starttls,
                connect: args.connect,
                timeout: Duration::from_secs(args.tls_timeout),
            }),
        })
    }
}

pub fn execute(args: &CheckArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    if args.names.is_empty() && args.from.is_none() {
        return Err(Error::Usage(
            "give host names (or mail domains with --mx), or --from FILE".into(),
        ));
    }
    let config = Config::from_args(args, env)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Lookup(format!("cannot start the async runtime: {e}")))?;
    let from: Option<Box<dyn Read + '_>> = match args.from.as_deref() {
        None => None,
        Some("-") => Some(Box::new(&mut *env.stdin)),
        Some(path) => {
            Some(Box::new(std::fs::File::open(path).map_err(|e| {
                Error::input(path, format!("cannot read: {e}"))
            })?))
        }
    };
    let names = args
        .names
        .iter()
        .cloned()
        .map(Ok)
        .chain(name_lines(from, args.from.as_deref()));
    let now = env.now;
    let mut sink = Sink {
        out: &mut *env.out,
        err: &mut *env.err,
        format: config.format,
        json_hosts: Vec::new(),
        failed_names: 0,
    };
    let status = runtime.block_on(run(&config, names, now, &mut sink))?;
    sink.finish(status, now, config.days)
}

/// Names from a `--from` file, read lazily so memory stays flat.
fn name_lines<'a>(
    reader: Option<Box<dyn Read + 'a>>,
    path: Option<&'a str>,
) -> impl Iterator<Item = Result<String, String>> + 'a {
    let shown = escape(path.unwrap_or("-")).into_owned();
    reader.into_iter().flat_map(move |r| {
        let shown = shown.clone();
        BufReader::new(r)
            .split(b'\n')
            .enumerate()
            .filter_map(move |(i, line)| {
                let line = match line {
                    Ok(l) => l,
                    Err(e) => return Some(Err(format!("{shown}: cannot read: {e}"))),
                };
                if line.len() > MAX_NAME_LINE {
                    return Some(Err(format!(
                        "{shown}: line {} is longer than {MAX_NAME_LINE} bytes",
                        i + 1
                    )));
                }
                let text = String::from_utf8_lossy(&line);
                let name = text.split('#').next().unwrap_or("").trim();
                (!name.is_empty()).then(|| Ok(name.to_string()))
            })
    })
}

/// Names checked with one resolver. hickory keeps every DNSSEC validation result in
/// a cache of up to a million entries that the stub resolver cannot shrink, so a
/// fresh resolver per batch keeps memory flat however long the list.
const NAMES_PER_RESOLVER: usize = 2000;

async fn run(
    config: &Config,
    mut names: impl Iterator<Item = Result<String, String>>,
    now: i64,
    sink: &mut Sink<'_>,
) -> Result<ExitStatus> {
    let mut status = ExitStatus::Ok;
    loop {
        let batch: Vec<Result<String, String>> = names.by_ref().take(NAMES_PER_RESOLVER).collect();
        if batch.is_empty() {
            return Ok(status);
        }
        let dns = Dns::new(&config.dns).await?;
        dns.ensure_dnssec_passes().await?;
        status = status.worst(run_batch(config, &dns, batch, now, sink).await?);
    }
}

async fn run_batch(
    config: &Config,
    dns: &Dns,
    batch: Vec<Result<String, String>>,
    now: i64,
    sink: &mut Sink<'_>,
) -> Result<ExitStatus> {
    let jobs = stream::iter(batch).map(|name| async move {
        match name {
            Err(e) => Err(e),
            Ok(name) => check_name(dns, config, &name, now).await,
        }
    });
    let mut status = ExitStatus::Ok;
    let mut handle = |result: Result<Vec<HostReport>, String>, sink: &mut Sink<'_>| -> Result<()> {
        match result {
            Ok(reports) => {
                for r in reports {
                    status = status.worst(r.verdict.exit_status(config.strict));
                    sink.report(r)?;
                }
            }
            Err(e) => {
                let _ = writeln!(sink.err, "daneguard: error: {e}");
                sink.failed_names += 1;
                status = ExitStatus::Failure;
            }
        }
        Ok(())
    };
    if config.format == CheckFormat::Jsonl {
        let mut results = jobs.buffer_unordered(config.concurrency);
        while let Some(r) = results.next().await {
            handle(r, sink)?;
        }
    } else {
        let mut results = jobs.buffered(config.concurrency);
        while let Some(r) = results.next().await {
            handle(r, sink)?;
        }
    }
    Ok(status)
}

/// Checks a host on every port, or a mail domain's MX hosts.
async fn check_name(
    dns: &Dns,
    config: &Config,
    name: &str,
    now: i64,
) -> Result<Vec<HostReport>, String> {
    let host = Host::parse(name).map_err(|e| format!("'{}': {e}", escape(name)))?;
    if !config.mx {
        return Ok(check_host(dns, config, &host, None, None, now).await);
    }
    let mx = dns.mx(host.as_str()).await;
    let targets: Vec<String> = match &mx {
        Answer::Found { records, .. } => {
            let mut sorted = records.clone();
            sorted.sort();
            sorted.dedup_by(|a, b| a.1 == b.1);
            sorted
                .into_iter()
                .map(|(_, h)| h.trim_end_matches('.').to_string())
                .collect()
        }
        // RFC 5321 §5.1: without MX records the domain is its own mail host.
        Answer::NoData { .. } => vec![host.as_str().to_string()],
        _ => Vec::new(),
    };
    if targets.is_empty() || targets.iter().all(String::is_empty) {
        return Ok(vec![domain_report(config, &host, mx)]);
    }
    let mut reports = Vec::new();
    for target in targets.iter().filter(|t| !t.is_empty()) {
        match Host::parse(target) {
            Ok(t) => reports
                .extend(check_host(dns, config, &t, Some(host.as_str()), Some(&mx), now).await),
            Err(e) => return Err(format!("{host}: MX target '{}': {e}", escape(target))),
        }
    }
    Ok(reports)
}

/// A report for a mail domain whose MX lookup named no host to check.
fn domain_report(config: &Config, domain: &Host, mx: Answer<(u16, String)>) -> HostReport {
    let findings =
        findings::without_allowed(verdict::mx_findings(domain.as_str(), &mx), &config.allow);
    HostReport {
        domain: Some(domain.to_string()),
        host: domain.to_string(),
        port: config.ports[0],
        tlsa_name: String::new(),
        canonical: None,
        mx: Some(mx),
        addresses: None,
        tlsa: None,
        chain: None,
        records: Vec::new(),
        live: Vec::new(),
        verdict: Verdict::of(&findings),
        findings,
    }
}

/// RFC 7672 §2.2: addresses first; TLSA at the CNAME-expanded name when the expansion
/// is secure, falling back to the original name when nothing is published there.
async fn check_host(
    dns: &Dns,
    config: &Config,
    host: &Host,
    domain: Option<&str>,
    mx: Option<&Answer<(u16, String)>>,
    now: i64,
) -> Vec<HostReport> {
    let addresses = dns.addresses(host.as_str()).await;
    let chain = config.chains.for_host(host.as_str());
    let mut reports = Vec::new();
    for &port in &config.ports {
        let (tlsa_name, tlsa) = tlsa_lookup(dns, host, &addresses, port).await;
        let certs = chain.as_ref().and_then(|c| c.material.certs());
        let also_names: Vec<String> = addresses
            .canonical
            .iter()
            .cloned()
            .chain(domain.map(str::to_string))
            .collect();
        let ctx = MatchContext {
            host,
            port,
            now,
            also_names: &also_names,
        };
        let live = match &config.live {
            Some(lc) => live_check(lc, &ctx, tlsa.records(), &addresses.answer).await,
            None => Vec::new(),
        };
        // Without a chain file, the first chain a server presented is compared as
        // `check` compares a file; the live findings cover the others.
        let presented = live
            .iter()
            .flat_map(|a| &a.chains)
            .find(|c| !c.certs.is_empty());
        let compared = certs.or(presented.map(|c| c.certs.as_slice()));
        let facts = HostFacts {
            host,
            port,
            mx,
            addresses: &addresses.answer,
            tlsa: &tlsa,
            chain: compared,
            now,
            days: config.days,
            also_names: &also_names,
        };
        let judged = verdict::judge(&facts);
        let mut all = judged.findings;
        if config.live.is_some() {
            if certs.is_none() {
                // live-no-match says it per address.
                all.retain(|f| f.code != Code::NoMatch && f.code != Code::NoChain);
            }
            all.extend(liveverdict::findings(
                &live,
                dane_applies(&facts),
                certs,
                host.as_str(),
            ));
        }
        let findings = findings::without_allowed(all, &config.allow);
        reports.push(HostReport {
            domain: domain.map(str::to_string),
            host: host.to_string(),
            port,
            tlsa_name,
            canonical: addresses.canonical.clone(),
            mx: mx.cloned(),
            addresses: Some(addresses.answer.clone()),
            tlsa: Some(tlsa),
            chain: chain.clone(),
            records: judged.records,
            live,
            verdict: Verdict::of(&findings),
            findings,
        });
    }
    reports
}

/// Whether DANE senders use the TLSA records: secure MX (if any), addresses and TLSA.
fn dane_applies(f: &HostFacts<'_>) -> bool {
    let secure = |s: Option<Security>| s == Some(Security::Secure);
    f.mx.is_none_or(|m| secure(m.security()))
        && secure(f.addresses.security())
        && matches!(
            f.tlsa,
            Answer::Found {
                security: Security::Secure,
                ..
            }
        )
}

/// Connects to every address (or `--connect`) and assesses what each presents.
async fn live_check(
    lc: &LiveConfig,
    ctx: &MatchContext<'_>,
    records: &[crate::tlsa::Tlsa],
    addresses: &Answer<std::net::IpAddr>,
) -> Vec<LiveAddress> {
    let protocol = lc.starttls.unwrap_or_else(|| Starttls::for_port(ctx.port));
    let targets: Vec<SocketAddr> = match lc.connect {
        Some(addr) => vec![addr],
        None => addresses
            .records()
            .iter()
            .map(|ip| SocketAddr::new(*ip, ctx.port))
            .collect(),
    };
    let mut out = Vec::new();
    for addr in targets {
        let probe = live::probe(addr, ctx.host.as_str(), protocol, lc.timeout).await;
        out.push(liveverdict::assess(probe, records, ctx));
    }
    out
}

async fn tlsa_lookup(
    dns: &Dns,
    host: &Host,
    addresses: &crate::dns::Addresses,
    port: u16,
) -> (String, Answer<crate::tlsa::Tlsa>) {
    let original = host.tlsa_owner(port, Proto::Tcp);
    let secure_alias = addresses.answer.security() == Some(crate::lookup::Security::Secure);
    let expanded = addresses
        .canonical
        .as_deref()
        .filter(|_| secure_alias)
        .and_then(|target| Host::parse(target).ok());
    if let Some(t) = expanded {
        let name = t.tlsa_owner(port, Proto::Tcp);
        let answer = dns.tlsa(&name).await;
        if !matches!(answer, Answer::NoData { .. } | Answer::NxDomain { .. }) {
            return (name, answer);
        }
    }
    let answer = dns.tlsa(&fqdn(&original)).await;
    (original, answer)
}

/// Writes reports as they come, or collects them for one JSON document.
struct Sink<'a> {
    out: &'a mut dyn std::io::Write,
    err: &'a mut dyn std::io::Write,
    format: CheckFormat,
    /// Reports kept for the formats written at the end.
    json_hosts: Vec<HostReport>,
    /// Names that could not be checked at all (their errors are on stderr).
    failed_names: usize,
}

impl Sink<'_> {
    fn report(&mut self, r: HostReport) -> Result<()> {
        match self.format {
            CheckFormat::Table => render::table::host_report(self.out, &r)?,
            CheckFormat::Jsonl => render::json::host_line(self.out, &r)?,
            CheckFormat::Json | CheckFormat::Nagios | CheckFormat::Prometheus => {
                self.json_hosts.push(r)
            }
        }
        self.out.flush()?;
        Ok(())
    }

    /// Writes what was collected; `--format nagios` turns `status` into its own.
    fn finish(&mut self, status: ExitStatus, now: i64, days: u32) -> Result<ExitStatus> {
        let hosts = &self.json_hosts;
        let status = match self.format {
            CheckFormat::Json => render::json::check_doc(self.out, hosts).map(|_| status)?,
            CheckFormat::Nagios => {
                render::nagios::check(self.out, hosts, self.failed_names, now, days)?
            }
            CheckFormat::Prometheus => {
                render::prometheus::check(self.out, hosts, self.failed_names == 0, now)?;
                status
            }
            CheckFormat::Table | CheckFormat::Jsonl => status,
        };
        self.out.flush()?;
        Ok(status)
    }
}
