//! `daneguard generate`: TLSA records from chains, keys and CSRs.

use crate::cli::{GenerateArgs, GenerateFormat, RecordChoice, SetName};
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

/// `generate`'s arguments resolved into what it runs on (`publish` builds one too).
pub(crate) struct Config {
    pub(crate) set: RecordSet,
    /// Hosts whose owners get every port in `ports`.
    pub(crate) hosts: Vec<Host>,
    pub(crate) ports: Vec<u16>,
    /// Hosts given with their own port (`publish --host HOST:PORT`).
    pub(crate) fixed: Vec<(Host, u16)>,
    pub(crate) proto: Proto,
    ttl: Option<u32>,
    format: GenerateFormat,
    comments: bool,
}

impl Config {
    fn from_args(args: &GenerateArgs) -> Result<Config> {
        let mut hosts: Vec<Host> = Vec::new();
        for h in &args.hosts {
            let host = Host::parse(h).map_err(|e| Error::Usage(format!("--host: {e}")))?;
            if !hosts.contains(&host) {
                hosts.push(host);
            }
        }
        Ok(Config {
            hosts,
            ttl: args.ttl,
            format: args.format,
            comments: !args.no_comments,
            ..Config::records(&args.choice, &args.ports, args.proto)?
        })
    }

    /// The record set (`--records` wins over `--set`) for owners on `ports`; no hosts yet.
    pub(crate) fn records(choice: &RecordChoice, ports: &[u16], proto: Proto) -> Result<Config> {
        let set = match (choice.records.as_deref(), choice.set) {
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
        Ok(Config {
            set,
            hosts: Vec::new(),
            ports: crate::commands::unique(ports),
            fixed: Vec::new(),
            proto,
            ttl: None,
            format: GenerateFormat::Zone,
            comments: true,
        })
    }
}

/// Inputs loaded and put in order, the owner names each one's records get, and the
/// records themselves (notes about skipped records and chain sanity go to stderr).
pub(crate) struct Prepared {
    pub(crate) inputs: Vec<Input>,
    pub(crate) owners: Vec<Vec<String>>,
}

impl Prepared {
    /// The records of each input, in input order.
    pub(crate) fn applied(&self, config: &Config) -> Vec<recordset::Applied<'_>> {
        self.inputs
            .iter()
            .map(|i| recordset::apply(&config.set, &i.material))
            .collect()
    }
}

/// Loads the inputs and works out their owners; `generate` and `publish` both start here.
pub(crate) fn prepare(config: &Config, args: &[String], env: &mut Env<'_>) -> Result<Prepared> {
    if args.iter().filter(|a| *a == "-").count() > 1 {
        return Err(Error::Usage("'-' (stdin) may be given only once".into()));
    }
    let mut inputs = args
        .iter()
        .map(|arg| input::load(arg, env))
        .collect::<Result<Vec<Input>>>()?;
    warn_pkix_on_smtp(config, env);
    let mut owners = Vec::new();
    for input in &mut inputs {
        owners.push(owners_of(config, input, env)?);
    }
    Ok(Prepared { inputs, owners })
}

/// Notes the records that could not be made; an input that yields none is an error.
pub(crate) fn note_skipped(
    inputs: &[Input],
    applied: &[recordset::Applied<'_>],
    env: &mut Env<'_>,
) -> Result<()> {
    for (input, a) in inputs.iter().zip(applied) {
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
    Ok(())
}

pub fn execute(args: &GenerateArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let config = Config::from_args(args)?;
    let prepared = prepare(&config, &args.inputs, env)?;
    let applied = prepared.applied(&config);
    note_skipped(&prepared.inputs, &applied, env)?;
    let views: Vec<Generated<'_>> = prepared
        .inputs
        .iter()
        .zip(&applied)
        .zip(&prepared.owners)
        .map(|((input, a), owners)| Generated {
            input: &input.name,
            owners,
            ttl: config.ttl,
            chaingen_style: config.set == RecordSet::Chaingen,
            comments: config.comments,
            blocks: &a.blocks,
        })
        .collect();
    let (server, zone) = nsupdate_target(args, &prepared.owners)?;
    let out = &mut *env.out;
    match config.format {
        GenerateFormat::Zone => render::zone::generated(out, &views)?,
        GenerateFormat::Table => render::table::generated(out, &views)?,
        GenerateFormat::Json => render::json::generated(out, &views)?,
        GenerateFormat::Nsupdate => {
            render::nsupdate::generated_for(out, &views, server, zone.as_deref())?;
        }
        GenerateFormat::Generic => render::generic::generated(out, &views)?,
    }
    out.flush()?;
    Ok(ExitStatus::Ok)
}

/// `--server` and `--zone` for `--format nsupdate` (refused with other formats).
fn nsupdate_target(
    args: &GenerateArgs,
    owners: &[Vec<String>],
) -> Result<(Option<std::net::SocketAddr>, Option<String>)> {
    if args.format != GenerateFormat::Nsupdate && (args.server.is_some() || args.zone.is_some()) {
        return Err(Error::Usage(
            "--server and --zone go with --format nsupdate".into(),
        ));
    }
    let server = args
        .server
        .as_deref()
        .map(|s| {
            crate::input::config::parse_server(s).ok_or_else(|| {
                Error::Usage(format!(
                    "--server: '{}' is not an IP address or IP:PORT",
                    escape(s)
                ))
            })
        })
        .transpose()?;
    let zone = args
        .zone
        .as_deref()
        .map(crate::commands::publish::zone_name)
        .transpose()?;
    if let Some(zone) = &zone {
        for owner in owners.iter().flatten() {
            crate::commands::publish::check_in_zone(owner, zone)?;
        }
    }
    Ok((server, zone))
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
        let mut hosts = hosts.clone();
        hosts.extend(config.fixed.iter().map(|(h, _)| h.clone()));
        // chaingen's set takes a lone CA certificate as the server's own (U = 3)
        let lone_chaingen =
            config.set == RecordSet::Chaingen && crate::dane::recordset::is_lone_ca(&norm.certs);
        let ta = !lone_chaingen
            && !matches!(&config.set, RecordSet::Explicit(l) if l.iter().all(|p| !p.usage.is_ta()));
        for note in crate::dane::sanity::chain_notes(norm, &hosts, env.now, ta) {
            diag::note(env, &format!("{}: {note}", escape(&input.name)));
        }
    }
    let mut owners: Vec<String> = hosts
        .iter()
        .flat_map(|h| {
            config
                .ports
                .iter()
                .map(move |p| h.tlsa_owner(*p, config.proto))
        })
        .collect();
    for (h, p) in &config.fixed {
        let owner = h.tlsa_owner(*p, config.proto);
        if !owners.contains(&owner) {
            owners.push(owner);
        }
    }
    Ok(owners)
}

/// `--host`, or the leaf's first DNS name (said on stderr).
fn hosts_for(config: &Config, input: &Input, env: &mut Env<'_>) -> Result<Vec<Host>> {
    if !config.hosts.is_empty() || !config.fixed.is_empty() {
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
