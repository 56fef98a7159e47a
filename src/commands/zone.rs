//! `daneguard zone`: offline CI check of the TLSA records in zone files.

use std::path::Path;
use std::sync::Arc;

use crate::chain::Certificate;
use crate::cli::{ZoneArgs, ZoneFormat};
use crate::commands::load_zone;
use crate::dane::zone::{Located, ZoneContext};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::findings::{self, Verdict};
use crate::input;
use crate::input::chains::{self, ChainKey, ChainMap};
use crate::input::letsencrypt::Hierarchy;
use crate::input::material::Material;
use crate::input::zonefile;
use crate::render;

pub fn execute(args: &ZoneArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let chains = chains_of(args, env)?;
    let hierarchy = match &args.ca_certs {
        Some(dir) => crate::commands::load_hierarchy(env.files, Path::new(dir))?,
        None => Hierarchy::builtin(),
    };
    let chain_for = |host: &str, port: u16| -> Option<Arc<Vec<Certificate>>> {
        chains.get(host, port).cloned()
    };
    let mut located: Vec<Located> = Vec::new();
    for file in &args.files {
        let loaded = load_zone(
            file,
            args.origin.as_deref(),
            args.include_root.as_deref(),
            None,
            env,
        )?;
        let mut zone = loaded.zone;
        if args.whole_zone {
            zonefile::check_whole(&mut zone, &loaded.apex);
        }
        // An empty or wrong file must not pass a CI job as "no findings".
        if zone.records.is_empty() && zone.problems.is_empty() && zone.skipped == 0 {
            return Err(Error::input(
                file,
                "holds no DNS records; is this a zone file?",
            ));
        }
        let origin_text = loaded.apex;
        let cx = ZoneContext {
            origin: &origin_text,
            chain_for: &chain_for,
            hierarchy: &hierarchy,
            now: env.now,
            days: args.findings.days(),
        };
        located.extend(crate::dane::zone::check(&zone, &cx));
    }
    let allowed: Vec<Located> = located
        .into_iter()
        .filter(|l| !args.findings.allow.contains(&l.finding.code))
        .collect();
    let all: Vec<findings::Finding> = allowed.iter().map(|l| l.finding.clone()).collect();
    let verdict = Verdict::of(&all);
    match args.format {
        ZoneFormat::Text => render::text::zone_findings(env.out, &allowed, &args.files, verdict)?,
        ZoneFormat::Json => render::json::zone_doc(env.out, &allowed, &args.files, verdict)?,
        ZoneFormat::Github => render::github::zone_findings(env.out, &allowed)?,
    }
    env.out.flush()?;
    Ok(verdict.exit_status(args.findings.strict))
}

/// The chains of `--config` and `--chain` (the command line wins, as in `check`).
fn chains_of(args: &ZoneArgs, env: &mut Env<'_>) -> Result<ChainMap<Arc<Vec<Certificate>>>> {
    let mut chains = ChainMap::default();
    if let Some(path) = &args.config {
        load_config(path, &mut chains, env)?;
    }
    for arg in &args.chains {
        let parsed = chains::parse(arg)?;
        let certs = load_chain(Path::new(parsed.path), env)?;
        chains.insert(parsed.key, chains::From::CommandLine, certs)?;
    }
    Ok(chains)
}

/// A chain file or lineage directory, in issuance order.
fn load_chain(path: &Path, env: &mut Env<'_>) -> Result<Arc<Vec<Certificate>>> {
    let loaded = input::load(&path.display().to_string(), env)?;
    let Material::Chain(certs) = loaded.material else {
        return Err(Error::input(
            loaded.name,
            "is a key, not a certificate chain; zone checks need the chain",
        ));
    };
    Ok(Arc::new(crate::chain::normalize(&certs).certs))
}

/// Reads the `--config` TOML file; relative chain paths are relative to it.
fn load_config(
    path: &str,
    chains: &mut ChainMap<Arc<Vec<Certificate>>>,
    env: &mut Env<'_>,
) -> Result<()> {
    let (name, bytes) = input::read_named(path, "a daneguard configuration", env)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::input(&name, "is not UTF-8 text"))?;
    // The `[hosts]` of the one configuration file (`input::config`), so that the
    // `daneguard.toml` that `stage` and `deploy` read serves `zone` too.
    let entries = crate::input::config::parse(&text, Path::new(""))
        .map_err(|e| Error::input(&name, format!("not a valid config: {e}")))?
        .host_chains;
    let base = Path::new(path).parent().unwrap_or(Path::new("."));
    for (key, chain) in &entries {
        let parsed = ChainKey::parse(key).ok_or_else(|| {
            Error::input(
                &name,
                format!(
                    "'{}' is not HOST or HOST:PORT",
                    crate::sanitize::escape(key)
                ),
            )
        })?;
        let certs = load_chain(&base.join(chain), env)?;
        chains.insert(parsed, chains::From::Config, certs)?;
    }
    Ok(())
}
