//! `daneguard check`: DNSSEC-validated TLSA lookups compared with certificate chains.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use crate::cli::{CheckArgs, CheckFormat};
use crate::commands::configured::{self, CheckPlan, Loaded};
use crate::dane::live::{self as liveverdict, LiveAddress};
use crate::dane::report::HostReport;
use crate::dane::verdict::{self, HostFacts, MatchContext, Origin, Service};
use crate::dns::{Addresses, DnsConfig, fqdn};
use crate::env::{Env, Prober, Resolve};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::findings::{Code, Finding};
use crate::input::chains::{self, ChainMap};
use crate::input::{self, Input};
use crate::live::Starttls;
use crate::lookup::{Answer, NsSurvey, Security};
use crate::owner::{Host, Proto};
use crate::render;
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// Longest line accepted in a `--from` file.
const MAX_NAME_LINE: usize = 1024;

/// Errors of names that could not be checked that `--format nagios` repeats on stdout.
const MAX_FAILURES_SHOWN: usize = 10;

/// `check`'s arguments resolved into what it runs on.
pub struct Config {
    pub mx: bool,
    pub ports: Vec<u16>,
    pub chains: ChainMap<Arc<Input>>,
    pub dns: DnsConfig,
    pub concurrency: usize,
    pub days: u32,
    pub allow: Vec<Code>,
    pub strict: bool,
    pub format: CheckFormat,
    pub live: Option<LiveConfig>,
    /// `--all-ns`: compare the TLSA RRset of every authoritative server.
    pub all_ns: bool,
}

/// `--live` settings.
pub struct LiveConfig {
    pub starttls: Option<crate::live::Starttls>,
    pub connect: Option<SocketAddr>,
    pub timeout: Duration,
}

/// Loads the `--chain [HOST[:PORT]=]PATH` arguments (see [`chains`]) over `map`.
fn load_chains(
    args: &[String],
    mut map: ChainMap<Arc<Input>>,
    env: &mut Env<'_>,
) -> Result<ChainMap<Arc<Input>>> {
    for arg in args {
        let parsed = chains::parse(arg)?;
        let input = Arc::new(input::load(parsed.path, env)?);
        map.insert(parsed.key, chains::From::CommandLine, input)?;
    }
    Ok(map)
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
    /// Flags over the configuration file (`loaded`), merged as `plan` says.
    fn from_args(
        args: &CheckArgs,
        loaded: Option<&Loaded>,
        plan: &CheckPlan,
        env: &mut Env<'_>,
    ) -> Result<Config> {
        if !plan.live && (args.starttls.is_some() || args.connect.is_some()) {
            return Err(Error::Usage(
                "--starttls and --connect need --live (or live = true in [check] of the configuration)".into(),
            ));
        }
        let mut chains = ChainMap::default();
        let mut dns = dns_config(&args.dns)?;
        if let Some(l) = loaded {
            configured::add_chains(l, &mut chains, env)?;
            configured::dns_over(&mut dns, &l.config.dns);
        }
        let terminal = env.out_is_terminal;
        let format = args.format.unwrap_or(if terminal {
            CheckFormat::Table
        } else {
            CheckFormat::Jsonl
        });
        Ok(Config {
            mx: plan.mx,
            ports: plan.ports.clone(),
            chains: load_chains(&args.chains, chains, env)?,
            dns,
            concurrency: args.concurrency as usize,
            days: plan.days,
            allow: plan.allow.clone(),
            strict: plan.strict,
            format,
            live: plan.live.then(|| LiveConfig {
                starttls: args.starttls,
                connect: args.connect,
                timeout: Duration::from_secs(args.tls_timeout),
            }),
            all_ns: plan.all_ns,
        })
    }
}

pub fn execute(args: &CheckArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let loaded = configured::load_for_check(args, env)?;
    let plan = configured::check_plan(
        args,
        loaded.as_ref().map(|l| &l.config),
        loaded.as_ref().map_or(&[], |l| &l.cert_hosts),
    );
    if args.names.is_empty() && args.from.is_none() && plan.hosts.is_empty() {
        return Err(nothing_to_check(loaded.as_ref()));
    }
    let config = Config::from_args(args, loaded.as_ref(), &plan, env)?;
    let runtime = env.runtime.get()?;
    let from: Option<Box<dyn Read + '_>> = match args.from.as_deref() {
        None => None,
        Some("-") => Some(Box::new(&mut *env.stdin)),
        Some(path) => Some(
            env.files
                .open(Path::new(path))
                .map_err(|e| Error::input(path, input::describe_io(&e)))?,
        ),
    };
    let mut seen = 0usize;
    // the same name twice on the command line is checked once
    let mut given = std::collections::HashSet::new();
    let names = args
        .names
        .iter()
        .filter(|n| given.insert(n.strip_suffix('.').unwrap_or(n).to_lowercase()))
        .cloned()
        .map(|n| Ok(Named::Arg(n)))
        .chain(plan.hosts.into_iter().map(|(host, ports)| {
            Ok(Named::Configured {
                name: host.as_str().to_string(),
                ports,
            })
        }))
        .chain(name_lines(from, args.from.as_deref()))
        .inspect(|_| seen += 1);
    let now = env.now;
    let mut sink = Sink {
        out: &mut *env.out,
        err: &mut *env.err,
        format: config.format,
        json_hosts: Vec::new(),
        failed_names: 0,
        failures: Vec::new(),
        reported: std::collections::HashSet::new(),
    };
    let world = World {
        dns: env.dns,
        prober: env.prober,
        now,
    };
    let mut status = runtime.block_on(run(&config, &world, names, &mut sink))?;
    if seen == 0 {
        let file = args.from.as_deref().unwrap_or("-");
        return Err(Error::input(file, "holds no host names to check"));
    }
    // a typo in --chain HOST=PATH must not pass for "no chain given"
    for key in config.chains.unused_hosts() {
        sink.unchecked(&format!(
            "--chain {}=…: no host of that name was checked, so that chain was compared with nothing",
            escape(&key.to_string())
        ));
        status = status.worst(ExitStatus::Failure);
    }
    sink.finish(status, now, config.days)
}

/// Neither the command line nor the configuration names a host.
fn nothing_to_check(loaded: Option<&Loaded>) -> Error {
    match loaded {
        Some(l) => Error::input(
            &l.name,
            "names no host to check: set [check] hosts, or hosts in a [[certificate]]",
        ),
        None => Error::Usage(
            "give host names (or mail domains with --mx), or --from FILE, or --config FILE".into(),
        ),
    }
}

/// What `check` reaches the world through.
struct World<'e> {
    dns: &'e dyn crate::env::DnsProvider,
    prober: &'e dyn Prober,
    now: i64,
}

/// A name to check: from the command line, the configuration file (with its own
/// ports), or a line of a `--from` file.
enum Named {
    Arg(String),
    Configured {
        name: String,
        ports: Vec<u16>,
    },
    Line {
        file: String,
        line: usize,
        name: String,
    },
}

impl Named {
    fn name(&self) -> &str {
        match self {
            Named::Arg(n) | Named::Configured { name: n, .. } | Named::Line { name: n, .. } => n,
        }
    }

    /// The ports to check: the name's own, else `general`.
    fn ports<'a>(&'a self, general: &'a [u16]) -> &'a [u16] {
        match self {
            Named::Configured { ports, .. } => ports,
            _ => general,
        }
    }

    /// Where the name came from, for messages: `hosts.txt line 3: ` or nothing.
    fn place(&self) -> String {
        match self {
            Named::Arg(_) | Named::Configured { .. } => String::new(),
            Named::Line { file, line, .. } => format!("{file} line {line}: "),
        }
    }
}

/// Why one name of the list was not checked (the others still are).
#[derive(Debug, thiserror::Error)]
enum NameError {
    #[error("{0}: cannot read: {1}")]
    Read(String, String),
    #[error("{0} line {1}: longer than {MAX_NAME_LINE} bytes")]
    TooLong(String, usize),
    /// Where the name came from (empty, or "FILE line N: "), the name, the problem.
    #[error("{0}'{1}': {2}")]
    Host(String, String, crate::owner::HostError),
    #[error("{0}: MX target '{1}': {2}")]
    MxTarget(String, String, crate::owner::HostError),
}

/// Names from a `--from` file, read lazily so memory stays flat.
fn name_lines<'a>(
    reader: Option<Box<dyn Read + 'a>>,
    path: Option<&'a str>,
) -> impl Iterator<Item = Result<Named, NameError>> + 'a {
    let shown = escape(path.unwrap_or("-")).into_owned();
    reader.into_iter().flat_map(move |r| NameLines {
        reader: BufReader::new(r),
        shown: shown.clone(),
        line: 0,
        done: false,
    })
}

/// The names of a `--from` file, one a line (`#` starts a comment). A line longer
/// than [`MAX_NAME_LINE`] or a read error ends the file with one error: such a file
/// is not a list of names, and `/dev/zero` or a directory must neither fill memory
/// nor repeat the error forever.
struct NameLines<R> {
    reader: BufReader<R>,
    shown: String,
    line: usize,
    done: bool,
}

impl<R: Read> Iterator for NameLines<R> {
    type Item = Result<Named, NameError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            self.line += 1;
            let text = match bounded_line(&mut self.reader, MAX_NAME_LINE) {
                Ok(Some(text)) => text,
                Ok(None) => break,
                Err(e) => {
                    self.done = true;
                    return Some(Err(match e {
                        LineError::TooLong => NameError::TooLong(self.shown.clone(), self.line),
                        LineError::Io(e) => {
                            NameError::Read(self.shown.clone(), crate::input::describe_io(&e))
                        }
                    }));
                }
            };
            let text = String::from_utf8_lossy(&text);
            let name = text.split('#').next().unwrap_or("").trim();
            if !name.is_empty() {
                return Some(Ok(Named::Line {
                    file: self.shown.clone(),
                    line: self.line,
                    name: name.to_string(),
                }));
            }
        }
        self.done = true;
        None
    }
}

enum LineError {
    TooLong,
    Io(std::io::Error),
}

/// The next line without its `\n` (`None` at the end of the input), holding at most
/// `limit` bytes in memory.
fn bounded_line(reader: &mut impl BufRead, limit: usize) -> Result<Option<Vec<u8>>, LineError> {
    let mut line = Vec::new();
    let mut seen_any = false;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(LineError::Io(e)),
        };
        if chunk.is_empty() {
            return Ok(seen_any.then_some(line));
        }
        seen_any = true;
        let end = chunk.iter().position(|b| *b == b'\n');
        let take = end.unwrap_or(chunk.len());
        if line.len() + take > limit {
            return Err(LineError::TooLong);
        }
        line.extend_from_slice(&chunk[..take]);
        reader.consume(end.map_or(take, |i| i + 1));
        if end.is_some() {
            return Ok(Some(line));
        }
    }
}

/// One resolver for the whole list, names streamed through it: memory stays flat
/// because libunbound's caches are capped (`crate::dns`), not by restarting it.
async fn run(
    config: &Config,
    world: &World<'_>,
    names: impl Iterator<Item = Result<Named, NameError>>,
    sink: &mut Sink<'_>,
) -> Result<ExitStatus> {
    let mut names = names.peekable();
    if names.peek().is_none() {
        return Ok(ExitStatus::Ok);
    }
    let dns = world.dns.connect(&config.dns).await?;
    run_batch(config, world, dns.as_ref(), names, sink).await
}

async fn run_batch(
    config: &Config,
    world: &World<'_>,
    dns: &dyn Resolve,
    batch: impl Iterator<Item = Result<Named, NameError>>,
    sink: &mut Sink<'_>,
) -> Result<ExitStatus> {
    let jobs = stream::iter(batch).map(|name| async move {
        match name {
            Err(e) => Err(e),
            Ok(name) => check_name(dns, world, config, &name).await,
        }
    });
    let mut status = ExitStatus::Ok;
    let mut handle =
        |result: Result<Vec<HostReport>, NameError>, sink: &mut Sink<'_>| -> Result<()> {
            match result {
                Ok(reports) => {
                    for r in reports {
                        status = status.worst(r.verdict.exit_status(config.strict));
                        sink.report(r)?;
                    }
                }
                Err(e) => {
                    sink.unchecked(&e.to_string());
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
    dns: &dyn Resolve,
    world: &World<'_>,
    config: &Config,
    named: &Named,
) -> Result<Vec<HostReport>, NameError> {
    let name = named.name();
    let host = Host::parse(name)
        .map_err(|e| NameError::Host(named.place(), escape(name).into_owned(), e))?;
    let checker = HostCheck { dns, world, config };
    let ports = named.ports(&config.ports);
    if !config.mx {
        return Ok(checker.host(&host, None, ports).await);
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
        return Ok(vec![domain_report(config, &host, ports[0], mx)]);
    }
    let mut reports = Vec::new();
    for target in targets.iter().filter(|t| !t.is_empty()) {
        let t = Host::parse(target)
            .map_err(|e| NameError::MxTarget(host.to_string(), escape(target).into_owned(), e))?;
        let domain = MailDomain {
            name: host.as_str(),
            mx: &mx,
        };
        reports.extend(checker.host(&t, Some(domain), ports).await);
    }
    mx_consistency(&mut reports, &config.allow);
    Ok(reports)
}

/// RFC 7672 §2.2 per MX host: some hosts of a mail domain with TLSA records and others
/// without means DANE senders authenticate only part of the domain's mail.
fn mx_consistency(reports: &mut [HostReport], allow: &[Code]) {
    let with_tlsa: Vec<bool> = reports
        .iter()
        .map(|r| r.tlsa.as_ref().is_some_and(|t| !t.records().is_empty()))
        .collect();
    let hosts: Vec<&str> = reports.iter().map(|r| r.host.as_str()).collect();
    let found = verdict::mx_consistency(&hosts, &with_tlsa);
    for (i, finding) in found {
        let r = &mut reports[i];
        let mut all = std::mem::take(&mut r.findings);
        all.push(finding);
        (r.findings, r.verdict) = verdict::outcome(all, allow);
    }
}

/// A report for a mail domain whose MX lookup named no host to check.
fn domain_report(
    config: &Config,
    domain: &Host,
    port: u16,
    mx: Answer<(u16, String)>,
) -> HostReport {
    let (findings, verdict) =
        verdict::outcome(verdict::mx_findings(domain.as_str(), &mx), &config.allow);
    HostReport {
        domain: Some(domain.to_string()),
        host: domain.to_string(),
        port,
        tlsa_name: String::new(),
        canonical: None,
        mx: Some(mx),
        addresses: None,
        tlsa: None,
        chain: None,
        records: Vec::new(),
        reference: verdict::Reference::None,
        live: Vec::new(),
        senders: None,
        ns: None,
        verdict,
        findings,
    }
}

/// The mail domain whose MX named a host.
#[derive(Clone, Copy)]
struct MailDomain<'a> {
    name: &'a str,
    mx: &'a Answer<(u16, String)>,
}

/// The lookups, probes and judgement of one host.
struct HostCheck<'a> {
    dns: &'a dyn Resolve,
    world: &'a World<'a>,
    config: &'a Config,
}

impl HostCheck<'_> {
    /// RFC 7672 §2.2: addresses first; TLSA at the CNAME-expanded name when the
    /// expansion is secure, falling back to the original name when nothing is published
    /// there.
    async fn host(
        &self,
        host: &Host,
        domain: Option<MailDomain<'_>>,
        ports: &[u16],
    ) -> Vec<HostReport> {
        let addresses = self.dns.addresses(host.as_str()).await;
        let mut reports = Vec::new();
        for &port in ports {
            reports.push(self.port(host, domain, &addresses, port).await);
        }
        reports
    }

    async fn port(
        &self,
        host: &Host,
        domain: Option<MailDomain<'_>>,
        addresses: &Addresses,
        port: u16,
    ) -> HostReport {
        let config = self.config;
        let (tlsa_name, tlsa) = tlsa_lookup(self.dns, host, addresses, port).await;
        let chain = config.chains.get(host.as_str(), port).cloned();
        let certs = chain.as_ref().and_then(|c| c.material.certs());
        let also_names = reference_names(addresses, domain);
        let starttls = config.live.as_ref().and_then(|l| l.starttls);
        let ctx = MatchContext {
            host,
            port,
            service: Service::of(port, starttls == Some(Starttls::Smtp)),
            now: self.world.now,
            also_names: &also_names,
        };
        let prober = self.world.prober;
        let live = live_check(prober, config.live.as_ref(), &ctx, &tlsa, addresses).await;
        let judged = verdict::judge(&HostFacts {
            host,
            port,
            service: ctx.service,
            origin: Origin::Dns,
            mx: domain.map(|d| d.mx),
            addresses: &addresses.answer,
            tlsa: &tlsa,
            chain: certs,
            live: &live,
            now: self.world.now,
            days: config.days,
            also_names: &also_names,
        });
        let mut findings = judged.findings;
        let ns = self.ns_survey(&tlsa_name, &tlsa, &mut findings).await;
        let (findings, verdict) = verdict::outcome(findings, &config.allow);
        HostReport {
            domain: domain.map(|d| d.name.to_string()),
            host: host.to_string(),
            port,
            tlsa_name,
            canonical: addresses.canonical.clone(),
            mx: domain.map(|d| own_mx(d.mx, host)),
            addresses: Some(addresses.answer.clone()),
            tlsa: Some(tlsa),
            chain,
            records: judged.records,
            reference: judged.reference,
            live,
            senders: judged.senders,
            ns,
            verdict,
            findings,
        }
    }

    /// With `--all-ns`: the TLSA RRset as every authoritative server serves it, and
    /// the findings where they differ from the validated answer.
    async fn ns_survey(
        &self,
        tlsa_name: &str,
        tlsa: &Answer<Tlsa>,
        findings: &mut Vec<Finding>,
    ) -> Option<NsSurvey<Tlsa>> {
        if !self.config.all_ns {
            return None;
        }
        let survey = self.dns.tlsa_at_each_ns(&fqdn(tlsa_name)).await;
        findings.extend(crate::dane::allns::ns_findings(tlsa_name, &survey, tlsa));
        Some(survey)
    }
}

/// The names a DANE-TA leaf may carry besides the host (RFC 7672 §3.2.3): the CNAME
/// target and the mail domain.
fn reference_names(addresses: &Addresses, domain: Option<MailDomain<'_>>) -> Vec<String> {
    addresses
        .canonical
        .iter()
        .cloned()
        .chain(domain.map(|d| d.name.to_string()))
        .collect()
}

/// The MX answer reduced to the entries naming `host`, so that a report per host does
/// not repeat the whole MX set (a 1,000-host set would be repeated 1,000 times).
fn own_mx(mx: &Answer<(u16, String)>, host: &Host) -> Answer<(u16, String)> {
    mx.filtered(|(_, h)| h.trim_end_matches('.').eq_ignore_ascii_case(host.as_str()))
}

/// With `--live`: connects to every address (or `--connect`) and assesses what each
/// presents.
async fn live_check(
    prober: &dyn Prober,
    lc: Option<&LiveConfig>,
    ctx: &MatchContext<'_>,
    tlsa: &Answer<crate::tlsa::Tlsa>,
    addresses: &Addresses,
) -> Vec<LiveAddress> {
    let Some(lc) = lc else {
        return Vec::new();
    };
    let records = tlsa.records();
    let protocol = lc.starttls.unwrap_or_else(|| Starttls::for_port(ctx.port));
    let targets: Vec<SocketAddr> = match lc.connect {
        Some(addr) => vec![addr],
        None => addresses
            .answer
            .records()
            .iter()
            .map(|ip| SocketAddr::new(*ip, ctx.port))
            .collect(),
    };
    let mut out = Vec::new();
    for addr in targets {
        let probe = prober
            .probe(addr, ctx.host.as_str(), protocol, lc.timeout)
            .await;
        out.push(liveverdict::assess(probe, records, ctx));
    }
    out
}

async fn tlsa_lookup(
    dns: &dyn Resolve,
    host: &Host,
    addresses: &Addresses,
    port: u16,
) -> (String, Answer<crate::tlsa::Tlsa>) {
    let original = host.tlsa_owner(port, Proto::Tcp);
    let secure_alias = addresses.answer.security() == Some(Security::Secure);
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
    /// The first of those errors, for `--format nagios`.
    failures: Vec<String>,
    /// (mail domain, host, port) of the reports kept.
    reported: std::collections::HashSet<(Option<String>, String, u16)>,
}

impl Sink<'_> {
    /// Something `check` could not check: said on stderr now, counted, and the first
    /// few kept for `--format nagios`.
    fn unchecked(&mut self, error: &str) {
        let text = crate::sanitize::visible(error).into_owned();
        let _ = writeln!(self.err, "daneguard: error: {text}");
        if self.failures.len() < MAX_FAILURES_SHOWN {
            self.failures.push(text);
        }
        self.failed_names += 1;
    }

    fn report(&mut self, r: HostReport) -> Result<()> {
        match self.format {
            CheckFormat::Table => render::table::host_report(self.out, &r)?,
            CheckFormat::Jsonl => render::json::host_line(self.out, &r)?,
            CheckFormat::Json | CheckFormat::Nagios | CheckFormat::Prometheus => {
                // a name listed twice (in a --from file, say) is reported once: a
                // Prometheus collector refuses repeated series
                if self
                    .reported
                    .insert((r.domain.clone(), r.host.clone(), r.port))
                {
                    self.json_hosts.push(r);
                }
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
                let unchecked = render::nagios::Unchecked {
                    count: self.failed_names,
                    errors: &self.failures,
                };
                render::nagios::check(self.out, hosts, unchecked, now, days)?
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
