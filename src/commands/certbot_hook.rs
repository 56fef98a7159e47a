//! `daneguard certbot-hook`: certbot deploy hook that stops a renewal breaking DANE.

use std::path::Path;

use crate::cli::CertbotHookArgs;
use crate::commands::renew::{self, Job};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input;
use crate::input::certbot::Lineage;
use crate::owner::Host;
use crate::render::diag;
use crate::sanitize::escape;

pub fn execute(args: &CertbotHookArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let lineage_dir = (env.vars)("RENEWED_LINEAGE").ok_or_else(|| {
        Error::Usage("RENEWED_LINEAGE is not set: run this as a certbot deploy hook (see 'daneguard certbot-hook --help')".into())
    })?;
    let lineage_dir = Path::new(&lineage_dir).to_path_buf();
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
    renew::run(
        &args.common,
        Job {
            hosts,
            current,
            lineage,
            next: Some(next),
        },
        env,
    )
}

/// The chain before this renewal: `archive/NAME/fullchain{N-1}.pem` next to the file
/// that `live/NAME/fullchain.pem` now points to.
fn previous_chain(lineage: &Path, env: &mut Env<'_>) -> Result<Option<input::Input>> {
    let live = lineage.join("fullchain.pem");
    let Ok(target) = std::fs::canonicalize(&live) else {
        return Ok(None);
    };
    let Some(previous) = Lineage::previous_fullchain(&target) else {
        return Ok(None);
    };
    if !previous.exists() {
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
