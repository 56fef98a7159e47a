//! `daneguard renew-check`: will the next certificate or key still match the
//! published TLSA records? Also runs `certbot-hook`.

use std::path::{Path, PathBuf};

use crate::chain::Certificate;
use crate::cli::{RenewArgs, RenewCheckArgs, RenewFormat};
use crate::dane::renewal::{self, Next, Prediction, RenewFacts};
use crate::dane::report::RenewReport;
use crate::dane::verdict::{MatchContext, Service};
use crate::env::{Env, Files, Resolve};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::findings::{Code, Finding, Verdict};
use crate::input::certbot::{self, AcmeCa, Lineage};
use crate::input::letsencrypt::{Hierarchy, Status};
use crate::input::material::Material;
use crate::input::zonefile::{self, Zone};
use crate::input::{self, Input};
use crate::lookup::Security;
use crate::owner::{Host, Proto};
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// What `renew-check` and `certbot-hook` hand over to the shared runner.
pub struct Job {
    pub hosts: Vec<Host>,
    pub current: Option<Input>,
    /// There is no current certificate at all (certbot's first issuance), as opposed
    /// to one that was not given.
    pub no_current: bool,
    /// The lineage `current` came from, for predictions.
    pub lineage: Option<Lineage>,
    pub next: Option<Input>,
}

pub fn execute(args: &RenewCheckArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let configured = match &args.config {
        Some(path) => {
            let (config, name) = crate::commands::deploy::load_config(path, env)?;
            if args.current.is_none() && args.next.is_none() {
                return run_configured(args, &config, &name, env);
            }
            Some(crate::commands::configured::renew_over(args, &config))
        }
        None => None,
    };
    let (common, hosts) = match &configured {
        Some((common, hosts)) => (common, hosts.as_slice()),
        None => (&args.common, args.hosts.as_slice()),
    };
    let current = args
        .current
        .as_deref()
        .map(|p| input::load(p, env))
        .transpose()?;
    let next = args
        .next
        .as_deref()
        .map(|p| input::load(p, env))
        .transpose()?;
    let base = common.letsencrypt_dir.as_deref().map(Path::new);
    let lineage = args
        .current
        .as_deref()
        .and_then(|p| lineage_of(env.files, Path::new(p), base));
    if let (None, None, Some(dir)) = (
        &next,
        &lineage,
        args.current
            .as_deref()
            .filter(|p| env.files.is_dir(Path::new(p))),
    ) {
        return Err(Error::Usage(format!(
            "{}: not a certbot lineage (a directory in …/live/): give --letsencrypt-dir to predict its renewal, or --next",
            escape(dir)
        )));
    }
    if next.is_none() && lineage.is_none() {
        return Err(Error::Usage(
            "give --next, or --current with a certbot lineage directory (live/NAME) to predict the next renewal".into(),
        ));
    }
    let hosts = hosts_or_leaf_names(hosts, [current.as_ref(), next.as_ref()], env)?;
    run(
        common,
        Job {
            hosts,
            current,
            no_current: false,
            lineage,
            next,
        },
        env,
    )
}

/// `renew-check --config FILE` without `--current` and `--next`: the predicted
/// renewal of each `[[certificate]]` with a `lineage`, on its hosts and ports.
fn run_configured(
    args: &RenewCheckArgs,
    config: &crate::input::config::Config,
    name: &str,
    env: &mut Env<'_>,
) -> Result<ExitStatus> {
    if !args.hosts.is_empty() {
        return Err(Error::Usage(
            "HOST needs --current or --next; with --config alone each [[certificate]]'s hosts are checked".into(),
        ));
    }
    let base = args.common.letsencrypt_dir.as_deref().map(Path::new);
    let mut jobs = Vec::new();
    for cert in &config.certificates {
        let Some(dir) = &cert.lineage else {
            crate::render::diag::note(
                env,
                &format!(
                    "certificate '{}' has no lineage: no renewal to predict",
                    cert.name
                ),
            );
            continue;
        };
        let lineage = lineage_of(env.files, dir, base).ok_or_else(|| {
            Error::input(
                name,
                format!(
                    "certificate '{}': lineage '{}' is not a certbot lineage (a directory in …/live/)",
                    cert.name,
                    escape(&dir.display().to_string())
                ),
            )
        })?;
        let current = input::load(&dir.display().to_string(), env)?;
        let mut common = crate::commands::configured::renew_settings(args, config);
        let mut hosts = Vec::new();
        crate::commands::configured::with_certificate(&mut common, &mut hosts, cert);
        let hosts = hosts_or_leaf_names(&hosts, [Some(&current), None], env)?;
        let job = Job {
            hosts,
            current: Some(current),
            no_current: false,
            lineage: Some(lineage),
            next: None,
        };
        jobs.push((common, job));
    }
    if jobs.is_empty() {
        return Err(Error::input(
            name,
            "has no [[certificate]] with a lineage: give --current or --next",
        ));
    }
    run_all(jobs, args.common.format, env)
}

/// A certbot lineage: a directory inside `…/live/`, or any directory when the
/// configuration directory is given with `--letsencrypt-dir`.
fn lineage_of(files: &dyn Files, path: &Path, base: Option<&Path>) -> Option<Lineage> {
    if !files.is_dir(path) {
        return None;
    }
    let canonical = files.canonicalize(path).ok()?;
    let in_live = canonical
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|n| n == "live");
    // Keep the path as given for messages, unless it has no name of its own (`.`).
    let shown = if path.file_name().is_some() && path.parent().and_then(Path::parent).is_some() {
        path.to_path_buf()
    } else {
        canonical
    };
    (in_live || base.is_some())
        .then(|| Lineage::new(&shown, base))
        .flatten()
}

/// The given hosts, or the DNS names of the first leaf at hand (wildcards skipped).
pub fn hosts_or_leaf_names(
    given: &[String],
    inputs: [Option<&Input>; 2],
    env: &mut Env<'_>,
) -> Result<Vec<Host>> {
    if !given.is_empty() {
        return given
            .iter()
            .map(|h| Host::parse(h).map_err(|e| Error::Usage(format!("host: {e}"))))
            .collect();
    }
    // The leaf of the chain put in issuance order (a file may list it anywhere).
    let leaf = inputs
        .into_iter()
        .flatten()
        .find_map(|i| i.material.certs())
        .and_then(|c| crate::chain::normalize(c).certs.into_iter().next());
    let names: Vec<Host> = leaf
        .as_ref()
        .map(crate::dane::sanity::hosts_of_leaf)
        .unwrap_or_default();
    if names.is_empty() {
        return Err(Error::Usage("give the host names to check".into()));
    }
    let shown: Vec<&str> = names.iter().map(Host::as_str).collect();
    crate::render::diag::note(
        env,
        &format!("checking the leaf's names: {}", shown.join(", ")),
    );
    Ok(names)
}

/// Checks every host and port of a job and renders the reports.
pub fn run(common: &RenewArgs, job: Job, env: &mut Env<'_>) -> Result<ExitStatus> {
    let reports = reports_of(common, job, env)?;
    let status = worst(&reports, common.findings.strict);
    render(common.format, env, &reports, status)
}

/// Checks several jobs, each with its own options, and renders all their reports
/// together in `format`.
pub fn run_all(
    jobs: Vec<(RenewArgs, Job)>,
    format: RenewFormat,
    env: &mut Env<'_>,
) -> Result<ExitStatus> {
    let mut reports = Vec::new();
    let mut status = ExitStatus::Ok;
    for (common, job) in jobs {
        let some = reports_of(&common, job, env)?;
        status = status.worst(worst(&some, common.findings.strict));
        reports.extend(some);
    }
    render(format, env, &reports, status)
}

/// The exit status the verdicts of `reports` call for.
fn worst(reports: &[RenewReport], strict: bool) -> ExitStatus {
    reports.iter().fold(ExitStatus::Ok, |s, r| {
        s.worst(r.outcome.verdict.exit_status(strict))
    })
}

/// The reports of every host and port of a job.
fn reports_of(common: &RenewArgs, job: Job, env: &mut Env<'_>) -> Result<Vec<RenewReport>> {
    let hierarchy = match &common.ca_certs {
        Some(dir) => crate::commands::load_hierarchy(env.files, Path::new(dir))?,
        None => Hierarchy::builtin(),
    };
    let prediction_facts = match (&job.next, &job.lineage) {
        (None, Some(lineage)) => Some(predict(
            env.files,
            lineage,
            job.current.as_ref(),
            &hierarchy,
            common.ca_certs.is_some(),
        )?),
        _ => None,
    };
    let source = Source::open(common, env)?;
    let runtime = env.runtime.get()?;
    let provider = env.dns;
    let dns = match &source {
        Source::Dns(config) => Some(runtime.block_on(provider.connect(config))?),
        _ => None,
    };
    // a records file (not --zone) with owners as given (no --origin)
    let lines = common.zone.is_none() && common.origin.is_none();
    if let (Source::File(zone, _, _), true) = (&source, lines) {
        records_at_owners(zone, &job.hosts, &ports_or_default(&common.ports))?;
    }
    let mut reports = Vec::new();
    let current_chain = job.current.as_ref().and_then(|i| i.material.certs());
    for host in &job.hosts {
        for &port in &ports_or_default(&common.ports) {
            let owner = host.tlsa_owner(port, Proto::Tcp);
            let published = match (&source, &dns) {
                (_, Some(dns)) => runtime.block_on(published_from_dns(dns.as_ref(), &owner)),
                (Source::File(zone, name, origin), _) => {
                    published_from_zone(zone, name, origin, &owner)
                }
                (Source::Dns(_), None) => unreachable!("the resolver is built for a DNS source"),
            };
            let next = match (&job.next, &prediction_facts) {
                (Some(n), _) => Next::Known(&n.material),
                (None, Some(p)) => Next::Predicted(p.prediction(&hierarchy)),
                (None, None) => unreachable!("execute requires --next or a lineage"),
            };
            reports.push(judge_one(
                host,
                port,
                owner,
                published,
                current_chain,
                next,
                &job,
                common,
                env.now,
            ));
        }
    }
    Ok(reports)
}

/// `--port`, without repeats, or port 25.
fn ports_or_default(ports: &[u16]) -> Vec<u16> {
    if ports.is_empty() {
        vec![25]
    } else {
        crate::commands::unique(ports)
    }
}

#[allow(clippy::too_many_arguments)]
fn judge_one(
    host: &Host,
    port: u16,
    owner: String,
    published: Published,
    current: Option<&[Certificate]>,
    next: Next<'_>,
    job: &Job,
    common: &RenewArgs,
    now: i64,
) -> RenewReport {
    let next_desc = describe_next(&next, job);
    let ctx = MatchContext {
        host,
        port,
        service: Service::of(port, false),
        now,
        also_names: &[],
    };
    // a key or CSR as --current decides the 3 1 x records
    let current_key = job.current.as_ref().and_then(|i| match &i.material {
        Material::Key(k) => Some(k.spki.as_slice()),
        Material::Chain(_) => None,
    });
    let facts = RenewFacts {
        ctx,
        published: &published.records,
        // An assumed TTL is reported as unknown in the wait advice.
        ttl: published.ttl.filter(|_| !published.ttl_assumed),
        current,
        current_key,
        no_current: job.no_current,
        not_in_effect: published.security == Some(Security::Insecure),
        next,
        days: common.findings.days(),
    };
    let mut outcome = if published.records.is_empty() && published.findings.is_empty() {
        no_records_outcome(host, port)
    } else {
        renewal::judge(&facts)
    };
    let mut all = published.findings;
    all.append(&mut outcome.findings);
    (outcome.findings, outcome.verdict) =
        crate::dane::verdict::outcome(all, &common.findings.allow);
    RenewReport {
        host: host.to_string(),
        port,
        owner,
        source: published.source,
        dnssec: published.security,
        ttl: published.ttl.filter(|_| !published.ttl_assumed),
        current: job.current.as_ref().map(describe_input),
        next: next_desc,
        outcome,
    }
}

fn no_records_outcome(host: &Host, port: u16) -> renewal::RenewOutcome {
    let findings = vec![Finding::new(
        Code::NoTlsa,
        format!(
            "no TLSA records are published for {host} port {port}: a renewal cannot break DANE there"
        ),
    )];
    renewal::RenewOutcome {
        records: Vec::new(),
        verdict: Verdict::of(&findings),
        findings,
        publish: Vec::new(),
        wait_seconds: None,
        survives: true,
        uncertain: false,
    }
}

/// The input named for the report, its file name and issuer escaped.
fn describe_input(i: &Input) -> String {
    let name = escape(&i.name);
    match &i.material {
        Material::Chain(c) => match c.first() {
            Some(leaf) => format!("{name} ({}, issuer {})", leaf.key, escape(&leaf.issuer)),
            None => name.into_owned(),
        },
        Material::Key(k) => format!("{name} ({}, {})", k.kind, escape(&k.origin.describe())),
    }
}

fn describe_next(next: &Next<'_>, job: &Job) -> String {
    match next {
        Next::Known(_) => job.next.as_ref().map(describe_input).unwrap_or_default(),
        Next::Predicted(p) => p.basis.clone(),
    }
}

/// The facts a prediction is made from; the [`Prediction`] borrows the hierarchy.
struct PredictionFacts {
    cert_name: String,
    conf_path: PathBuf,
    conf: certbot::RenewalConf,
    family: String,
    /// The next issuers come from the hierarchy: the CA stays (`--ca-certs`) or the
    /// configuration's `server` is Let's Encrypt production (built-in facts).
    issuers_known: bool,
    ca_switch: Option<String>,
    key_type_change: Option<String>,
}

impl PredictionFacts {
    fn prediction<'h>(&self, h: &'h Hierarchy) -> Prediction<'h> {
        let issuers = self.issuers_known.then(|| h.candidates(&self.family));
        let retired = h
            .issuers
            .iter()
            .filter(|i| i.status == Status::Retired)
            .collect();
        let key = match (&self.key_type_change, self.conf.reuse_key) {
            (Some(change), _) => format!("key, a new one (key_type changes: {})", escape(change)),
            (None, true) => "key, the same as now (reuse_key = True)".to_string(),
            (None, false) => "key, a new one (reuse_key not set)".to_string(),
        };
        let issuer_text = match &issuers {
            Some(list) => format!(
                "an issuer picked from {} ({})",
                list.iter()
                    .map(|i| format!("{} {}", i.name, i.status.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
                h.source
            ),
            None if self.ca_switch.is_some() => format!(
                "an unknown issuer of another CA ({})",
                escape(self.ca_switch.as_deref().unwrap_or_default())
            ),
            None => {
                "an unknown issuer (the current CA is not in daneguard's knowledge)".to_string()
            }
        };
        Prediction {
            cert_name: self.cert_name.clone(),
            new_key: !self.conf.reuse_key || self.key_type_change.is_some(),
            ca_switch: self.ca_switch.clone(),
            key_type_change: self.key_type_change.clone(),
            family: self.family.clone(),
            issuers,
            retired,
            basis: format!(
                "predicted from {}: {} {key}, {issuer_text}",
                escape(&self.conf_path.display().to_string()),
                escape(&self.family.to_uppercase())
            ),
        }
    }
}

fn predict(
    files: &dyn Files,
    lineage: &Lineage,
    current: Option<&Input>,
    h: &Hierarchy,
    custom_hierarchy: bool,
) -> Result<PredictionFacts> {
    let conf_path = lineage.renewal_conf();
    let conf = read_renewal_conf(files, &conf_path)?;
    let chain = current.and_then(|c| c.material.certs()).unwrap_or(&[]);
    let leaf_family = chain.first().map(|l| l.key.family().to_string());
    let family = conf
        .key_type
        .clone()
        .or_else(|| leaf_family.clone())
        .unwrap_or_else(|| "rsa".to_string());
    let key_type_change = match (&conf.key_type, &leaf_family) {
        (Some(next), Some(now)) if next != now => Some(format!("{now} → {next}")),
        _ => None,
    };
    // `server =` decides the next CA; its absence means Let's Encrypt production.
    let next_ca = AcmeCa::of_server(conf.server.as_deref());
    let current_ca = chain.first().and_then(|l| AcmeCa::of_issuer(&l.issuer));
    let ca_switch = current_ca
        .filter(|c| *c != next_ca)
        .map(|c| format!("{} → {}", c.name(), next_ca.name()));
    let issuers_known = if custom_hierarchy {
        h.issuer_of(chain).is_some() && ca_switch.is_none()
    } else {
        next_ca == AcmeCa::LetsEncrypt
    };
    Ok(PredictionFacts {
        cert_name: lineage.name.clone(),
        conf_path,
        conf,
        family,
        issuers_known,
        ca_switch,
        key_type_change,
    })
}

fn read_renewal_conf(files: &dyn Files, conf_path: &Path) -> Result<certbot::RenewalConf> {
    let shown = conf_path.display().to_string();
    let limit = certbot::MAX_CONF_BYTES as u64;
    let bytes = crate::env::read_limited(files, conf_path, limit).map_err(|e| {
        Error::input(
            &shown,
            format!(
                "cannot read the renewal configuration ({}); use --letsencrypt-dir, or give --next",
                input::describe_io(&e)
            ),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| Error::input(&shown, "is not UTF-8 text"))?;
    if text.len() > certbot::MAX_CONF_BYTES {
        return Err(Error::input(
            &shown,
            "is too large for a certbot renewal configuration",
        ));
    }
    certbot::parse_renewal_conf(&text).map_err(|e| Error::input(&shown, e.to_string()))
}

/// Where the published records come from.
enum Source {
    Dns(crate::dns::DnsConfig),
    /// A zone file (or a file of record lines), its display name and origin.
    File(Zone, String, String),
}

impl Source {
    fn open(common: &RenewArgs, env: &mut Env<'_>) -> Result<Source> {
        let (path, fallback_ttl) = match (&common.zone, &common.records) {
            (Some(path), _) => (path, None),
            (None, Some(path)) => (path, Some(ASSUMED_TTL)),
            (None, None) => {
                return Ok(Source::Dns(crate::commands::check::dns_config(
                    &common.dns,
                )?));
            }
        };
        // Record lines have absolute owners: their origin is the root unless given.
        let given = match (&common.zone, common.origin.as_deref()) {
            (None, None) => Some("."),
            (_, o) => o,
        };
        let loaded = crate::commands::load_zone(
            path,
            given,
            common.include_root.as_deref(),
            fallback_ttl,
            env,
        )?;
        let zone = loaded.zone;
        // A TLSA line that does not parse must not pass for "no records".
        if let Some(p) = zone
            .problems
            .iter()
            .find(|p| p.rtype.as_deref() == Some("TLSA") || common.records.is_some())
        {
            return Err(Error::input(
                format!("{}:{}", p.file, p.line),
                p.message.clone(),
            ));
        }
        Ok(Source::File(zone, path.clone(), loaded.apex))
    }
}

/// TTL assumed for record lines that carry none (and said so in the report).
const ASSUMED_TTL: u32 = 3600;

/// Published TLSA records for one owner.
struct Published {
    records: Vec<Tlsa>,
    ttl: Option<u32>,
    /// The TTL is [`ASSUMED_TTL`], not read from the file.
    ttl_assumed: bool,
    source: String,
    security: Option<Security>,
    findings: Vec<Finding>,
}

/// Owner names in a `--records` file are absolute: a relative `_25._tcp.mx` is read
/// below the root. When a host checked (`mx.example.com`) has no record in the file
/// but `_25._tcp.mx.` has, that is the mistake, and it must not pass for "no records,
/// a renewal cannot break DANE".
fn records_at_owners(zone: &Zone, hosts: &[Host], ports: &[u16]) -> Result<()> {
    let tlsa_at = |owner: &str| {
        zone.records
            .iter()
            .find(|r| r.tlsa().is_some() && r.name.eq_ignore_ascii_case(owner))
    };
    for host in hosts {
        let Some((first, rest)) = host.as_str().split_once('.') else {
            continue;
        };
        for &port in ports {
            let owner = host.tlsa_owner(port, Proto::Tcp);
            let relative = format!("_{port}._tcp.{first}.");
            if rest.is_empty() || tlsa_at(&owner).is_some() {
                continue;
            }
            if let Some(r) = tlsa_at(&relative) {
                return Err(Error::input(
                    format!("{}:{}", r.file, r.line),
                    format!(
                        "the TLSA records are at {}, none at {owner}: owner names in --records are absolute, a relative one is read below the root (end them with the zone, or give --origin)",
                        escape(&r.name)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The TLSA records at `owner` in a zone file (or a file of record lines).
fn published_from_zone(zone: &Zone, name: &str, origin: &str, owner: &str) -> Published {
    let tlsa: Vec<(&zonefile::ZoneRecord, Tlsa)> = zone
        .records
        .iter()
        .filter(|r| r.name.eq_ignore_ascii_case(owner))
        .filter_map(|r| r.tlsa().map(|t| (r, t)))
        .collect();
    let mut findings = Vec::new();
    let outside = origin != "." && owner != origin && !owner.ends_with(&format!(".{origin}"));
    if outside {
        findings.push(Finding::new(
            Code::LookupFailed,
            format!("{owner} is outside the zone {origin} of {name}: its records cannot be read from there"),
        ));
    }
    let lines: Vec<String> = tlsa.iter().map(|(r, _)| r.line.to_string()).collect();
    let name = escape(name);
    let source = match lines.len() {
        0 => name.into_owned(),
        1 => format!("{name} line {}", lines[0]),
        _ => format!("{name} lines {}", lines.join(", ")),
    };
    Published {
        ttl: tlsa.iter().map(|(r, _)| r.ttl).min(),
        ttl_assumed: tlsa.iter().any(|(r, _)| r.ttl_assumed),
        records: tlsa.into_iter().map(|(_, t)| t).collect(),
        source,
        security: None,
        findings,
    }
}

async fn published_from_dns(dns: &dyn Resolve, owner: &str) -> Published {
    let answer = dns.tlsa(owner).await;
    let security = answer.security();
    let findings: Vec<Finding> = crate::dane::gate::tlsa_rrset(owner, &answer)
        .into_iter()
        .collect();
    Published {
        records: answer.records().to_vec(),
        ttl: answer.ttl(),
        ttl_assumed: false,
        source: "DNS".to_string(),
        security,
        findings,
    }
}

/// Writes the reports; `--format nagios` turns `status` into its own.
fn render(
    format: RenewFormat,
    env: &mut Env<'_>,
    reports: &[RenewReport],
    status: ExitStatus,
) -> Result<ExitStatus> {
    let status = match format {
        RenewFormat::Text => {
            for r in reports {
                crate::render::text::renew_report(env.out, r)?;
            }
            status
        }
        RenewFormat::Json => crate::render::json::renew_doc(env.out, reports).map(|_| status)?,
        RenewFormat::Nagios => crate::render::nagios::renew(env.out, reports)?,
        RenewFormat::Prometheus => {
            crate::render::prometheus::renew(env.out, reports, env.now)?;
            status
        }
    };
    env.out.flush()?;
    Ok(status)
}
