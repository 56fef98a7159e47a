//! `daneguard generate`: TLSA records from chains, keys and CSRs.

use crate::cli::{GenerateArgs, GenerateFormat, SetName};
use crate::dane::recordset::{self, RecordSet};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input::material::Material;
use crate::input::{self, Input};
use crate::owner::{Host, Proto};
use crate::render::diag;
use crate::render::{self, Generated};
use crate::sanitize::escape;
use crate::tlsa;

/// `generate`'s arguments resolved into what it runs on.
struct Config {
    set: RecordSet,
    hosts: Vec<Host>,
    ports: Vec<u16>,
    proto: Proto,
    ttl: Option<u32>,
    format: GenerateFormat,
    comments: bool,
}

impl Config {
    fn from_args(args: &GenerateArgs) -> Result<Config> {
        let set = match (&args.records, args.set) {
            (Some(list), _) => {
                let params = tlsa::parse_params_list(list)
                    .map_err(|e| Error::Usage(format!("--records: {e}")))?;
                for p in &params {
                    p.computable()
                        .map_err(|e| Error::Usage(format!("--records: {p}: {e}")))?;
                }
                RecordSet::Explicit(params)
            }
            (None, SetName::Recommended) => RecordSet::Recommended,
            (None, SetName::Chaingen) => RecordSet::Chaingen,
        };
        let mut hosts: Vec<Host> = Vec::new();
        for h in &args.hosts {
            let host = Host::parse(h).map_err(|e| Error::Usage(format!("--host: {e}")))?;
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        let ports = crate::commands::unique(&args.ports);
        Ok(Config {
            set,
            hosts,
            ports,
            proto: args.proto,
            ttl: args.ttl,
            format: args.format,
            comments: !args.no_comments,
        })
    }
}

pub fn execute(args: &GenerateArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let config = Config::from_args(args)?;
    if args.inputs.iter().filter(|a| *a == "-").count() > 1 {
        return Err(Error::Usage("'-' (stdin) may be given only once".into()));
    }
    let mut inputs = args
        .inputs
        .iter()
        .map(|arg| input::load(arg, env))
        .collect::<Result<Vec<Input>>>()?;
    warn_pkix_on_smtp(&config, env);
    let mut owner_lists = Vec::new();
    for input in &mut inputs {
        owner_lists.push(owners_of(&config, input, env)?);
    }
    let applied: Vec<_> = inputs
        .iter()
        .map(|i| recordset::apply(&config.set, &i.material))
        .collect();
    for (input, a) in inputs.iter().zip(&applied) {
        for why in &a.skipped {
            diag::note(env, &format!("{}: {why}", escape(&input.name)));
        }
        if a.blocks.is_empty() {
            return Err(Error::input(
                &input.name,
                "none of the requested records can be made from this input",
            ));
        }
    }
    let views: Vec<Generated<'_>> = inputs
        .iter()
        .zip(&applied)
        .zip(&owner_lists)
        .map(|((input, a), owners)| Generated {
            input: &input.name,
            owners,
            ttl: config.ttl,
            chaingen_style: config.set == RecordSet::Chaingen,
            comments: config.comments,
            blocks: &a.blocks,
        })
        .collect();
    let out = &mut *env.out;
    match config.format {
        GenerateFormat::Zone => render::zone::generated(out, &views)?,
        GenerateFormat::Table => render::table::generated(out, &views)?,
        GenerateFormat::Json => render::json::generated(out, &views)?,
        GenerateFormat::Nsupdate => render::nsupdate::generated(out, &views)?,
        GenerateFormat::Generic => render::generic::generated(out, &views)?,
    }
    out.flush()?;
    Ok(ExitStatus::Ok)
}

/// Puts a chain in issuance order (the host comes from the leaf, wherever the file had
/// it), prints its sanity notes, and returns the owner names its records get.
fn owners_of(config: &Config, input: &mut Input, env: &mut Env<'_>) -> Result<Vec<String>> {
    let norm = match &input.material {
        Material::Chain(certs) => Some(crate::chain::normalize(certs)),
        Material::Key(_) => None,
    };
    if let (Some(norm), Material::Chain(certs)) = (&norm, &mut input.material) {
        *certs = norm.certs.clone();
    }
    let hosts = hosts_for(config, input, env)?;
    if let Some(norm) = &norm {
        let ta =
            !matches!(&config.set, RecordSet::Explicit(l) if l.iter().all(|p| !p.usage.is_ta()));
        for note in crate::dane::sanity::chain_notes(norm, &hosts, env.now, ta) {
            diag::note(env, &format!("{}: {note}", escape(&input.name)));
        }
    }
    Ok(hosts
        .iter()
        .flat_map(|h| {
            config
                .ports
                .iter()
                .map(move |p| h.tlsa_owner(*p, config.proto))
        })
        .collect())
}

/// `--host`, or the leaf's first DNS name (said on stderr).
fn hosts_for(config: &Config, input: &Input, env: &mut Env<'_>) -> Result<Vec<Host>> {
    if !config.hosts.is_empty() {
        return Ok(config.hosts.clone());
    }
    let Material::Chain(certs) = &input.material else {
        return Err(Error::Usage(format!(
            "{}: give --host: host names are taken only from a certificate, not from a key or CSR",
            escape(&input.name)
        )));
    };
    let (host, skipped) = crate::dane::sanity::host_from_leaf(&certs[0])
        .map_err(|e| Error::Usage(format!("{}: {e}; give --host", escape(&input.name))))?;
    let note = if skipped.is_empty() {
        format!("no --host given; using the leaf's first DNS name, {host}")
    } else {
        format!(
            "no --host given; using {host}, the leaf's first name usable as a host (skipped {})",
            skipped.join(", ")
        )
    };
    diag::note(env, &format!("{}: {note}", escape(&input.name)));
    Ok(vec![host])
}

/// RFC 7672 §3.1.3: SMTP clients ignore PKIX-TA/PKIX-EE records.
fn warn_pkix_on_smtp(config: &Config, env: &mut Env<'_>) {
    let RecordSet::Explicit(list) = &config.set else {
        return;
    };
    if !config.ports.contains(&25) {
        return;
    }
    for p in list.iter().filter(|p| p.usage.is_pkix()) {
        diag::warning(
            env,
            &format!(
                "{p} ({}) on port 25: SMTP senders ignore usages 0 and 1 (RFC 7672 §3.1.3); use 3 1 1 or 2 1 1",
                p.names()
            ),
        );
    }
}
