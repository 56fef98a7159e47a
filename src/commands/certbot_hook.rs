//! `daneguard certbot-hook`: certbot deploy hook. With a `[[certificate]]` for the
//! lineage it is a thin wrapper over `stage`; without one it only checks the renewal.

use std::path::Path;

use crate::cli::CertbotHookArgs;
use crate::commands::renew::{self, Job};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input;
use crate::input::certbot::Lineage;
use crate::input::config;
use crate::owner::Host;
use crate::render::diag;
use crate::sanitize::escape;

pub fn execute(args: &CertbotHookArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let lineage_dir = (env.vars)("RENEWED_LINEAGE").ok_or_else(|| {
        Error::Usage("RENEWED_LINEAGE is not set: run this as a certbot deploy hook (see 'daneguard certbot-hook --help')".into())
    })?;
    let lineage_dir = Path::new(&lineage_dir).to_path_buf();
    if let Some(status) = stage_if_configured(args, &lineage_dir, env)? {
        return Ok(status);
    }
    let shown = lineage_dir.display().to_string();
    let next = input::load(&shown, env)?;
    let current = previous_chain(&lineage_dir, env)?;
    let hosts = if args.hosts.is_empty() {
        domains(env)?
    } else {
        renew::hosts_or_leaf_names(&args.hosts, [None, None], env)?
    };
    let lineage = Lineage::new(
        &lineage_dir,
        args.common.letsencrypt_dir.as_deref().map(Path::new),
    );
    let status = renew::run(
        &args.common,
        Job {
            hosts,
            no_current: current.is_none(),
            current,
            lineage,
            next: Some(next),
        },
        env,
    )?;
    if status == ExitStatus::Findings {
        not_protected(&lineage_dir, env);
    }
    Ok(status)
}

/// Stages the lineage's new files when the configuration has a `[[certificate]]` for it
/// (its `lineage`, or its name equal to the lineage's name).
fn stage_if_configured(
    args: &CertbotHookArgs,
    lineage: &Path,
    env: &mut Env<'_>,
) -> Result<Option<ExitStatus>> {
    let path = match &args.config {
        Some(p) => p.clone(),
        None if env.files.exists(Path::new(config::DEFAULT_PATH)) => {
            config::DEFAULT_PATH.to_string()
        }
        None => return Ok(None),
    };
    let (config, config_name) = crate::commands::deploy::load_config(&path, env)?;
    let files = env.files;
    let same = |l: &Path| match (files.canonicalize(l), files.canonicalize(lineage)) {
        (Ok(a), Ok(b)) => a == b,
        _ => l == lineage,
    };
    let base = lineage.file_name().and_then(|n| n.to_str());
    let Some(name) = config
        .certificates
        .iter()
        .find(|c| c.lineage.as_deref().is_some_and(same) || Some(c.name.as_str()) == base)
        .map(|c| c.name.clone())
    else {
        return Ok(None);
    };
    if args.common.zone.is_some() || args.common.records.is_some() || !args.hosts.is_empty() {
        // Staging decides from DNS and the [[certificate]]'s hosts, never from files.
        return Err(Error::Usage(format!(
            "{}: --host, --zone and --records do not apply when a [[certificate]] stages this lineage; set hosts in {}",
            escape(&lineage.display().to_string()),
            escape(&config_name)
        )));
    }
    let setup = crate::commands::deploy::Setup::with(
        config,
        config_name,
        args.state_dir.as_deref(),
        &args.common.dns,
        args.common.findings.days(),
    )?;
    let chain = lineage.join("fullchain.pem").display().to_string();
    let key = lineage.join("privkey.pem").display().to_string();
    crate::commands::stage::stage(&setup, &name, &chain, Some(&key), env).map(Some)
}

/// Without a `[[certificate]]` nothing is staged: certbot has already repointed the
/// lineage, and a server reading it switches at its next process start.
fn not_protected(lineage: &Path, env: &mut Env<'_>) {
    diag::warning(
        env,
        &format!(
            "{}: no [[certificate]] stages this lineage, so this is a check only: a server that reads certbot's files serves the new certificate from its next process start, reload or not (see 'Safe renewals' in the README)",
            escape(&lineage.display().to_string())
        ),
    );
}

/// The chain before this renewal: `archive/NAME/fullchain{N-1}.pem` next to the file
/// that `live/NAME/fullchain.pem` now points to.
fn previous_chain(lineage: &Path, env: &mut Env<'_>) -> Result<Option<input::Input>> {
    let live = lineage.join("fullchain.pem");
    let Ok(target) = env.files.canonicalize(&live) else {
        return Ok(None);
    };
    let Some(previous) = Lineage::previous_fullchain(&target) else {
        return Ok(None);
    };
    if !env.files.exists(&previous) {
        return Ok(None);
    }
    input::load(&previous.display().to_string(), env).map(Some)
}

/// `RENEWED_DOMAINS`, without wildcard names (no TLSA owner can be made for them).
fn domains(env: &mut Env<'_>) -> Result<Vec<Host>> {
    let list = (env.vars)("RENEWED_DOMAINS").ok_or_else(|| {
        Error::Usage(
            "RENEWED_DOMAINS is not set: run this as a certbot deploy hook, or give --host".into(),
        )
    })?;
    let list = list.to_string_lossy().into_owned();
    let mut hosts = Vec::new();
    for name in list.split_whitespace() {
        if name.starts_with("*.") {
            diag::note(
                env,
                &format!(
                    "{}: wildcard name skipped; give --host for the mail hosts it covers",
                    escape(name)
                ),
            );
            continue;
        }
        hosts.push(Host::parse(name).map_err(|e| Error::Usage(format!("RENEWED_DOMAINS: {e}")))?);
    }
    if hosts.is_empty() {
        return Err(Error::Usage(
            "RENEWED_DOMAINS names no host to check; give --host".into(),
        ));
    }
    Ok(hosts)
}
