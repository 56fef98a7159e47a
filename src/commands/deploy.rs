//! `daneguard deploy`: deploy staged certificates once their TLSA records have been
//! visible long enough; `--rollback NAME`. Also the engine `stage` and `certbot-hook` use.

use std::path::{Path, PathBuf};

use crate::cli::{DeployArgs, DeployCommonArgs, DnsArgs};
use crate::deploy::bundle::Bundle;
use crate::deploy::decide::{self, Observation, OwnerDecision, Readiness, Switch};
use crate::deploy::files::{self, Fault};
use crate::deploy::state::StateDir;
use crate::dns::DnsConfig;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input::config::{self, Certificate, Config};
use crate::input::material::{self, Material};
use crate::owner::{Host, Proto};
use crate::render::diag;
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// What one certificate came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    NothingStaged,
    Deployed,
    /// Matching records are published; deployable later.
    Waiting,
    /// No matching record is published.
    Missing,
}

/// The configuration, state directory and DNS settings a run works with.
pub struct Setup {
    pub config: Config,
    pub config_name: String,
    pub state_root: PathBuf,
    pub dns: DnsConfig,
    /// `[dns] every_server`: compare every authoritative server before a record counts.
    pub every_server: bool,
    pub days: u32,
}

impl Setup {
    pub fn new(common: &DeployCommonArgs, env: &mut Env<'_>) -> Result<Setup> {
        let (config, config_name) = load_config(&common.config, env)?;
        Setup::with(
            config,
            config_name,
            common.state_dir.as_deref(),
            &common.dns,
            common.days,
        )
    }

    /// Flags win over the configuration.
    pub fn with(
        config: Config,
        config_name: String,
        state_dir: Option<&str>,
        dns: &DnsArgs,
        days: u32,
    ) -> Result<Setup> {
        let mut dns_config = crate::commands::check::dns_config(dns)?;
        if dns_config.servers.is_empty() {
            dns_config.servers = config.dns.resolvers.clone();
        }
        if dns_config.trust_anchor.is_none() {
            dns_config.trust_anchor = config.dns.trust_anchor.clone();
        }
        let state_root = state_dir
            .map(PathBuf::from)
            .or_else(|| config.state_dir.clone())
            .unwrap_or_else(|| PathBuf::from(config::DEFAULT_STATE_DIR));
        Ok(Setup {
            every_server: config.dns.every_server,
            config,
            config_name,
            state_root,
            dns: dns_config,
            days,
        })
    }

    pub fn certificate(&self, name: &str) -> Result<&Certificate> {
        self.config.certificate(name).ok_or_else(|| {
            Error::input(
                &self.config_name,
                format!("has no [[certificate]] named '{}'", escape(name)),
            )
        })
    }

    pub fn open_state(&self) -> Result<StateDir> {
        StateDir::open(&self.state_root).map_err(|e| {
            Error::input(
                self.state_root.display().to_string(),
                format!("cannot use the state directory: {e}; nothing was deployed"),
            )
        })
    }
}

/// Reads and checks a configuration file.
pub fn load_config(path: &str, env: &mut Env<'_>) -> Result<(Config, String)> {
    let (name, bytes) = crate::input::read_named(path, "a daneguard configuration", env)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::input(&name, "is not UTF-8 text"))?;
    // A bare file name has the empty path as parent, which `absolute` refuses.
    let base = match Path::new(path).parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
    let config = config::parse(&text, &base).map_err(|e| Error::input(&name, e.to_string()))?;
    Ok((config, name))
}

pub fn execute(args: &DeployArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let setup = Setup::new(&args.common, env)?;
    if let Some(name) = &args.rollback {
        let cert = setup.certificate(name)?;
        let state = setup.open_state()?;
        rollback(cert, &state, env)?;
        crate::commands::publish::after_rollback(&setup, cert, env)?;
        return Ok(ExitStatus::Ok);
    }
    let certs: Vec<&Certificate> = if args.names.is_empty() {
        setup.config.certificates.iter().collect()
    } else {
        args.names
            .iter()
            .map(|n| setup.certificate(n))
            .collect::<Result<_>>()?
    };
    let state = setup.open_state()?;
    let mut status = ExitStatus::Ok;
    for cert in certs {
        match process(cert, &setup, &state, env) {
            Ok(Outcome::Missing) => status = status.worst(ExitStatus::Findings),
            Ok(_) => {}
            Err(e) => {
                diag::error(env, &format!("{}: {e}", cert.name));
                status = ExitStatus::Failure;
                continue;
            }
        }
        // A next key made ahead of time (`stage --next-key`): where its rollover stands.
        match crate::commands::next_key::report(cert, &setup, &state, env) {
            Ok(crate::commands::next_key::NextOutcome::Missing) => {
                status = status.worst(ExitStatus::Findings)
            }
            Ok(_) => {}
            Err(e) => {
                diag::error(env, &format!("{}: {e}", cert.name));
                status = ExitStatus::Failure;
            }
        }
    }
    Ok(status)
}

/// Re-checks one staged certificate and deploys it when that is safe.
pub fn process(
    cert: &Certificate,
    setup: &Setup,
    state: &StateDir,
    env: &mut Env<'_>,
) -> Result<Outcome> {
    let staged_path = state.staged_path(&cert.name);
    let shown = staged_path.display().to_string();
    let Some(staged) =
        StateDir::read(&staged_path).map_err(|e| Error::input(&shown, e.to_string()))?
    else {
        return Ok(Outcome::NothingStaged);
    };
    let bundle =
        Bundle::from_parts(&staged, None).map_err(|e| Error::input(&shown, e.to_string()))?;
    bundle
        .check(env.now)
        .map_err(|e| Error::input(&shown, format!("{e}; not deployed")))?;
    let deployed = deployed_chain(&cert.deploy);
    let hosts = hosts_of(cert, bundle.leaf())?;
    let staged_material = Material::Chain(bundle.chain.clone());
    let decisions = decide_owners(
        cert,
        hosts,
        &staged_material,
        deployed.as_deref(),
        setup,
        state,
        env,
    )?;
    if decisions.iter().all(|d| d.readiness == Readiness::Ready) {
        let first = deploy(cert, &bundle, state, env)?;
        if let Err(e) = crate::commands::next_key::finish(cert, &bundle, state, env) {
            // The file is deployed; the reload must still run. `deploy` retries this.
            diag::warning(env, &format!("{}: {e}", cert.name));
        }
        // Old records go only once the server has the new certificate.
        reload(cert, first, env)?;
        let next_key = crate::commands::next_key::pending_spki(cert, state);
        let stale = decide::stale_records(&decisions, next_key.as_deref());
        report_stale(cert, &stale, env)?;
        crate::commands::publish::after_deploy(setup, &stale, env)?;
        return Ok(Outcome::Deployed);
    }
    report_waiting(cert, &decisions, env)
}

/// Looks the owners up, updates their first-seen times and decides each for `staged`.
pub fn decide_owners(
    cert: &Certificate,
    hosts: Vec<Host>,
    staged: &Material,
    deployed: Option<&[crate::chain::Certificate]>,
    setup: &Setup,
    state: &StateDir,
    env: &mut Env<'_>,
) -> Result<Vec<OwnerDecision>> {
    let (observations, lagging) = observe(cert, hosts, setup, env)?;
    for (owner, servers) in lagging {
        diag::note(
            env,
            &format!(
                "{}: {owner}: not every authoritative server serves all of its records yet ({}); a record counts as published once each one does",
                cert.name,
                servers.join(", ")
            ),
        );
    }
    let mut seen = state.seen(&cert.name).map_err(state_error)?;
    decide::update_seen(&mut seen, &observations, env.now);
    state.store_seen(&cert.name, &seen).map_err(state_error)?;
    if let Some(why) = observations.iter().find_map(decide::untrusted) {
        return Err(Error::Lookup(format!("{why}; not deployed")));
    }
    let switch = Switch {
        staged,
        deployed,
        now: env.now,
        days: setup.days,
    };
    Ok(observations
        .iter()
        .map(|o| decide::decide(o, &seen, &switch))
        .collect())
}

pub fn state_error(e: std::io::Error) -> Error {
    Error::Lookup(format!(
        "cannot use the state directory: {e}; nothing was deployed"
    ))
}

/// The chain in the file the server reads now, if it can be read.
pub fn deployed_chain(path: &Path) -> Option<Vec<crate::chain::Certificate>> {
    let bytes = std::fs::read(path).ok()?;
    match material::parse(&bytes).ok()?.material {
        Material::Chain(c) => Some(c),
        Material::Key(_) => None,
    }
}

/// Looks up the TLSA records of every host and port of the certificate, and keeps only
/// the records that every authoritative server of the zone serves securely: the wait of
/// 2 × TTL starts when the last server has them (a stale secondary would otherwise
/// keep serving senders the old RRset after the switch). Also returns, per owner, the
/// servers that lag behind the resolver's answer.
fn observe(
    cert: &Certificate,
    hosts: Vec<Host>,
    setup: &Setup,
    env: &Env<'_>,
) -> Result<(Vec<Observation>, Lagging)> {
    env.runtime.get()?.block_on(async {
        let dns = env.dns.connect(&setup.dns).await?;
        let mut out = Vec::new();
        let mut lagging = Vec::new();
        for host in hosts {
            for &port in &cert.ports {
                let owner = host.tlsa_owner(port, Proto::Tcp);
                let resolver = dns.tlsa(&owner).await;
                let answer = if setup.every_server {
                    let survey = dns.tlsa_at_each_ns(&owner).await;
                    let behind = crate::dane::allns::lagging(&survey, &resolver);
                    if !behind.is_empty() {
                        lagging.push((owner.clone(), behind));
                    }
                    crate::dane::allns::served_everywhere(&survey, &resolver)
                } else {
                    resolver
                };
                out.push(Observation {
                    host: host.clone(),
                    port,
                    owner,
                    answer,
                });
            }
        }
        Ok((out, lagging))
    })
}

/// Per TLSA owner, the authoritative servers that do not serve all its records yet.
type Lagging = Vec<(String, Vec<String>)>;

/// The configured hosts, or the leaf's host names (no wildcards, no IP addresses).
pub(crate) fn hosts_of(
    cert: &Certificate,
    leaf: Option<&crate::chain::Certificate>,
) -> Result<Vec<Host>> {
    if !cert.hosts.is_empty() {
        return Ok(cert.hosts.clone());
    }
    let hosts: Vec<Host> = leaf
        .map(crate::dane::sanity::hosts_of_leaf)
        .unwrap_or_default();
    if hosts.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the leaf names no host; set hosts = [...] in its [[certificate]]",
            cert.name
        )));
    }
    Ok(hosts)
}

/// Writes the combined file, keeping the old one for rollback; true when there was no
/// file at the target before (a first deployment).
fn deploy(
    cert: &Certificate,
    bundle: &Bundle,
    state: &StateDir,
    env: &mut Env<'_>,
) -> Result<bool> {
    let target = cert.deploy.display().to_string();
    let old = StateDir::read(&cert.deploy).map_err(|e| Error::input(&target, e.to_string()))?;
    if let Some(old) = &old {
        state
            .store(&state.previous_path(&cert.name), old)
            .map_err(state_error)?;
    }
    let unchanged = if cert.separate.is_some() {
        "the old files are unchanged and the certificate stays staged"
    } else {
        "the old file is unchanged and the certificate stays staged"
    };
    write_files(cert, bundle, fault(env), unchanged)?;
    state.remove_staged(&cert.name).map_err(state_error)?;
    let leaf = bundle.leaf().expect("checked before deploying");
    writeln!(
        env.out,
        "{}: deployed {}{} ({}, {}, expires {})",
        cert.name,
        escape(&target),
        also_separate(cert),
        escape(&leaf.subject),
        leaf.key,
        crate::render::iso_time(leaf.not_after)
    )?;
    Ok(old.is_none())
}

/// Writes the bundle to the combined file and, when configured, the separate key and
/// chain files. Every temporary file is written and synced before the first rename, so a
/// failure while writing changes nothing (`unchanged` says so); the renames then follow
/// one another (combined file, chain, key), and the separate pair is mismatched only for
/// the moment between two renames (see "Safe renewals" in the README).
fn write_files(cert: &Certificate, bundle: &Bundle, fault: Fault, unchanged: &str) -> Result<()> {
    let mut files = vec![(&cert.deploy, bundle.to_pem(), 0o600)];
    if let Some(sep) = &cert.separate {
        files.push((
            &sep.chain,
            zeroize::Zeroizing::new(bundle.chain_to_pem()),
            0o644,
        ));
        files.push((&sep.key, bundle.key_to_pem(), 0o600));
    }
    let mut prepared = Vec::new();
    for (path, bytes, mode) in &files {
        let ready = files::prepare(path, bytes, *mode, fault).map_err(|e| {
            Error::input(
                path.display().to_string(),
                format!("cannot write: {e}; {unchanged}"),
            )
        })?;
        prepared.push(ready);
    }
    for (i, ready) in prepared.into_iter().enumerate() {
        let path = files[i].0.display().to_string();
        ready.commit().map_err(|e| {
            Error::input(
                &path,
                format!(
                    "cannot rename into place: {e}; {i} of the {} files were replaced",
                    files.len()
                ),
            )
        })?;
    }
    Ok(())
}

/// ` and KEY + CHAIN` when separate files are configured.
fn also_separate(cert: &Certificate) -> String {
    cert.separate.as_ref().map_or_else(String::new, |sep| {
        format!(
            " and {} + {}",
            escape(&sep.key.display().to_string()),
            escape(&sep.chain.display().to_string())
        )
    })
}

/// `DANEGUARD_FAULT=before-rename` stops a debug build between writing and renaming.
fn fault(env: &Env<'_>) -> Fault {
    let asked = (env.vars)("DANEGUARD_FAULT").is_some_and(|v| v == "before-rename");
    if cfg!(debug_assertions) && asked {
        Fault::BeforeRename
    } else {
        Fault::None
    }
}

/// Runs the certificate's reload command through `sh -c`. A failure after a first
/// deployment is only a warning: no server read that file before, so none can present
/// an old certificate from it (the usual case: the server is not running yet).
fn reload(cert: &Certificate, first: bool, env: &mut Env<'_>) -> Result<()> {
    let Some(command) = &cert.reload else {
        return Ok(());
    };
    let target = escape(&cert.deploy.display().to_string()).into_owned();
    let output = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Error::Usage(format!(
                "deployed {target}, but the reload command cannot be run: {e}"
            ))
        })?;
    env.err.write_all(&output.stderr)?;
    env.err.write_all(&output.stdout)?;
    let command = escape(command);
    if output.status.success() {
        writeln!(env.out, "{}: reloaded: {command}", cert.name)?;
        return Ok(());
    }
    if first {
        diag::warning(
            env,
            &format!(
                "{}: first deployment of {target}; the reload command '{command}' failed ({}), as it does when the server is not running: the server reads {target} when it starts",
                cert.name, output.status
            ),
        );
        return Ok(());
    }
    Err(Error::Usage(format!(
        "deployed {target} (the previous file is kept for 'deploy --rollback {}'), but the reload command '{command}' failed ({}): a running server may still present the old certificate; keep the old TLSA records until '{command}' has succeeded",
        cert.name, output.status
    )))
}

fn report_stale(cert: &Certificate, stale: &[(&str, &Tlsa)], env: &mut Env<'_>) -> Result<()> {
    for (owner, t) in stale {
        writeln!(
            env.out,
            "{}: {owner} {t} matches nothing deployed: remove",
            cert.name
        )?;
    }
    Ok(())
}

fn report_waiting(
    cert: &Certificate,
    decisions: &[OwnerDecision],
    env: &mut Env<'_>,
) -> Result<Outcome> {
    let words = Wording {
        waiting: |owner, until, ttl| {
            format!(
                "staged, not deployed: {owner} publishes a matching record; deployable from {until} (first seen + 2 × TTL {ttl})"
            )
        },
        missing: |owner, wait| {
            format!(
                "staged, not deployed: no published record at {owner} matches the new certificate; publish these, then 'daneguard deploy' switches {wait}:"
            )
        },
    };
    Ok(if report_decisions(cert, decisions, &words, env)? {
        Outcome::Missing
    } else {
        Outcome::Waiting
    })
}

/// What `deploy` and `stage --next-key` say about an owner that is not ready yet.
pub(crate) struct Wording {
    /// (owner, usable from, TTL): a matching record is published but young.
    pub waiting: fn(&str, &str, u32) -> String,
    /// (owner, how long it will wait): no published record matches; the records to
    /// publish follow.
    pub missing: fn(&str, &str) -> String,
}

/// Reports every owner that is not ready; true when some owner publishes nothing that
/// matches (rather than a record that is only young).
pub(crate) fn report_decisions(
    cert: &Certificate,
    decisions: &[OwnerDecision],
    words: &Wording,
    env: &mut Env<'_>,
) -> Result<bool> {
    let mut missing = false;
    for d in decisions {
        match &d.readiness {
            Readiness::Ready => {}
            Readiness::Wait { until } => writeln!(
                env.out,
                "{}: {}",
                cert.name,
                (words.waiting)(&d.owner, &crate::render::iso_time(*until), d.ttl)
            )?,
            Readiness::Missing { publish } => {
                missing = true;
                let line = (words.missing)(&d.owner, &wait_text(d.ttl));
                writeln!(env.out, "{}: {line}", cert.name)?;
                publish_lines(d, publish, env)?;
            }
        }
    }
    Ok(missing)
}

/// How long `deploy` waits once it sees a record. Without a published RRset there is
/// no TTL to read yet, and none is invented: the zone's own TTL counts once it is seen.
fn wait_text(ttl: u32) -> String {
    if ttl == 0 {
        "2 × the TTL the zone gives them after it first sees them".into()
    } else {
        format!(
            "2 × TTL ({} s) after it first sees them",
            2 * u64::from(ttl)
        )
    }
}

/// The records to add, in zone-file form; with the RRset's TTL when one is published
/// (the records of one RRset share a TTL), else without one (the zone's default applies).
fn publish_lines(
    d: &OwnerDecision,
    publish: &[crate::tlsa::Tlsa],
    env: &mut Env<'_>,
) -> Result<()> {
    for t in publish {
        if d.ttl == 0 {
            writeln!(env.out, "{} IN TLSA {t}", d.owner)?;
        } else {
            writeln!(env.out, "{} {} IN TLSA {t}", d.owner, d.ttl)?;
        }
    }
    Ok(())
}

/// Puts `previous.pem` back and keeps the replaced file as the new `previous.pem`.
fn rollback(cert: &Certificate, state: &StateDir, env: &mut Env<'_>) -> Result<()> {
    let previous_path = state.previous_path(&cert.name);
    let shown = previous_path.display().to_string();
    let previous = StateDir::read(&previous_path)
        .map_err(|e| Error::input(&shown, e.to_string()))?
        .ok_or_else(|| {
            Error::input(
                &shown,
                "no previous file: nothing was deployed before, nothing to roll back",
            )
        })?;
    let bundle =
        Bundle::from_parts(&previous, None).map_err(|e| Error::input(&shown, e.to_string()))?;
    bundle
        .check(env.now)
        .map_err(|e| Error::input(&shown, format!("{e}; not rolled back")))?;
    let target = cert.deploy.display().to_string();
    let current = StateDir::read(&cert.deploy).map_err(|e| Error::input(&target, e.to_string()))?;
    let unchanged = if cert.separate.is_some() {
        "the files are unchanged"
    } else {
        "the file is unchanged"
    };
    write_files(cert, &bundle, Fault::None, unchanged)?;
    if let Some(current) = &current {
        state.store(&previous_path, current).map_err(state_error)?;
    }
    let leaf = bundle.leaf().expect("checked before deploying");
    writeln!(
        env.out,
        "{}: rolled back {}{} to the previous certificate ({}, expires {})",
        cert.name,
        escape(&target),
        also_separate(cert),
        leaf.key,
        crate::render::iso_time(leaf.not_after)
    )?;
    reload(cert, current.is_none(), env)
}
