//! `daneguard publish`: the records `generate` makes, sent to the zone's primary as one
//! TSIG-signed DNS UPDATE (RFC 2136), or printed as an nsupdate script (`--dry-run`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::PublishArgs;
use crate::commands::deploy::Setup;
use crate::commands::generate::{self, Config};
use crate::dane::recordset::{self, RecordSet};
use crate::deploy::bundle::Bundle;
use crate::dns::update::tsig::{self, TsigKey};
use crate::dns::update::wire::{self, Target};
use crate::dns::update::{self as publish, Owner, Plan};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input::config::Certificate;
use crate::input::config::{self as config_file, PublishSettings};
use crate::input::material::Material;
use crate::owner::{Host, Proto};
use crate::render::nsupdate::{self, DEFAULT_TTL, Script};
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// Where and how to send, flags over `[publish]`.
pub(crate) struct Destination {
    pub server: Option<SocketAddr>,
    pub zone: String,
    pub key: Option<PathBuf>,
    pub ttl: u32,
    pub timeout: Duration,
}

pub fn execute(args: &PublishArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let from_file = match &args.config {
        Some(path) => crate::commands::deploy::load_config(path, env)?.0.publish,
        None => None,
    };
    let dest = destination(args, from_file.as_ref())?;
    let key = match &dest.key {
        Some(path) => Some(load_key(path, env)?),
        None if args.dry_run => None,
        None => {
            return Err(Error::Usage(
                "give --key FILE (a TSIG key) or key in the [publish] table of --config".into(),
            ));
        }
    };
    let config = record_config(args)?;
    let prepared = generate::prepare(&config, &args.inputs, env)?;
    let applied = prepared.applied(&config);
    generate::note_skipped(&prepared.inputs, &applied, env)?;
    let mut owners = wanted_at_owners(&applied, &prepared.owners);
    let keeps = args
        .keep
        .iter()
        .map(|k| crate::input::load(k, env))
        .collect::<Result<Vec<_>>>()?;
    let mut materials: Vec<&Material> = prepared.inputs.iter().map(|i| &i.material).collect();
    materials.extend(keeps.iter().map(|i| &i.material));
    run(&dest, key.as_ref(), &mut owners, &materials, args, env)
}

/// Every owner once, with the records of every input that goes there.
fn wanted_at_owners(applied: &[recordset::Applied<'_>], owners: &[Vec<String>]) -> Vec<Owner> {
    let mut out: Vec<Owner> = Vec::new();
    for (a, names) in applied.iter().zip(owners) {
        let records = a.blocks.iter().flat_map(|b| b.records.iter());
        for name in names {
            let at = match out.iter().position(|o| &o.name == name) {
                Some(i) => i,
                None => {
                    out.push(Owner {
                        name: name.clone(),
                        wanted: Vec::new(),
                        published: None,
                    });
                    out.len() - 1
                }
            };
            for t in records.clone() {
                if !out[at].wanted.contains(t) {
                    out[at].wanted.push(t.clone());
                }
            }
        }
    }
    out
}

/// Checks the owners, asks what is published (--delete-stale), then sends or prints.
fn run(
    dest: &Destination,
    key: Option<&TsigKey>,
    owners: &mut [Owner],
    keep: &[&Material],
    args: &PublishArgs,
    env: &mut Env<'_>,
) -> Result<ExitStatus> {
    for o in owners.iter() {
        check_in_zone(&o.name, &dest.zone)?;
    }
    if args.delete_stale {
        let target = target(dest)?;
        for o in owners.iter_mut() {
            let found = wire::published(&target, &o.name, key, crate::env::system_now())
                .map_err(|e| Error::Lookup(e.to_string()))?;
            o.published = Some(found);
        }
    }
    let plan = publish::plan(&dest.zone, dest.ttl, owners, keep);
    if args.dry_run {
        print_script(&plan, dest, key, args.show_secret, env)?;
        return Ok(ExitStatus::Ok);
    }
    let key = key.expect("checked by execute: only --dry-run goes without a key");
    send(&plan, dest, key, env)
}

/// Sends the plan (when it changes anything) and says what was done.
fn send(plan: &Plan, dest: &Destination, key: &TsigKey, env: &mut Env<'_>) -> Result<ExitStatus> {
    let target = target(dest)?;
    if plan.adds.is_empty() && plan.deletes.is_empty() {
        writeln!(
            env.out,
            "{}: nothing to change at {}",
            plan.zone, target.server
        )?;
        return Ok(ExitStatus::Ok);
    }
    // TSIG is checked against the server's clock, so the real time, not a test's "now".
    wire::send(&target, plan, key, crate::env::system_now())
        .map_err(|e| Error::Lookup(format!("{}: {e}", plan.zone)))?;
    for c in &plan.deletes {
        writeln!(env.out, "deleted {} TLSA {}", c.owner, c.tlsa)?;
    }
    for c in &plan.adds {
        writeln!(env.out, "added {} {} TLSA {}", c.owner, plan.ttl, c.tlsa)?;
    }
    writeln!(
        env.out,
        "{}: update accepted by {} (TSIG key {} verified the answer)",
        plan.zone,
        target.server,
        escape(&key.name)
    )?;
    Ok(ExitStatus::Ok)
}

fn target(dest: &Destination) -> Result<Target> {
    let server = dest.server.ok_or_else(|| {
        Error::Usage("give --server ADDR[:PORT] (the zone's primary) or server in [publish]".into())
    })?;
    Ok(Target {
        server,
        timeout: dest.timeout,
    })
}

fn print_script(
    plan: &Plan,
    dest: &Destination,
    key: Option<&TsigKey>,
    show_secret: bool,
    env: &mut Env<'_>,
) -> Result<()> {
    let secret = key.filter(|_| show_secret).map(TsigKey::secret_base64);
    let mut comments = vec!["daneguard publish --dry-run: nothing was sent".to_string()];
    let path = dest
        .key
        .as_ref()
        .map(|p| escape(&p.display().to_string()).into_owned());
    comments.push(match (key, path, &secret) {
        (Some(_), _, Some(_)) => "send with: nsupdate < THIS-FILE".to_string(),
        (Some(k), Some(path), None) if k.format == tsig::Format::Bind => {
            format!("send with: nsupdate -k {path} < THIS-FILE")
        }
        (Some(_), Some(path), None) => format!(
            "send with: nsupdate -k KEYFILE < THIS-FILE, KEYFILE holding the key of {path} in BIND's key \"NAME\" {{ … }}; form (nsupdate does not read Knot's)"
        ),
        _ => "send with: nsupdate -k KEYFILE < THIS-FILE".to_string(),
    });
    let script = Script {
        comments,
        server: dest.server,
        zone: Some(&plan.zone),
        key: match (key, &secret) {
            (Some(k), Some(s)) => Some((k.algorithm.name(), k.name.as_str(), s.as_str())),
            _ => None,
        },
        zone_exists: true,
        deletes: plan
            .deletes
            .iter()
            .map(|c| (c.owner.as_str(), &c.tlsa))
            .collect(),
        adds: plan
            .adds
            .iter()
            .map(|c| (c.owner.as_str(), plan.ttl, &c.tlsa))
            .collect(),
    };
    nsupdate::script(env.out, &script)?;
    env.out.flush()?;
    Ok(())
}

/// Reads a TSIG key file; any problem is one message naming the file, never the secret.
fn load_key(path: &std::path::Path, env: &mut Env<'_>) -> Result<TsigKey> {
    let shown = path.display().to_string();
    let (name, bytes) = crate::input::read_named(&shown, "a TSIG key file", env)?;
    let text =
        String::from_utf8(bytes).map_err(|_| Error::input(&name, "is not a text TSIG key file"))?;
    let text = zeroize::Zeroizing::new(text);
    let key = tsig::parse(&text).map_err(|e| Error::input(&name, e.to_string()))?;
    warn_if_readable(path, env);
    Ok(key)
}

/// Whoever reads the key file may change the zone: it should be its owner's alone.
#[cfg(unix)]
fn warn_if_readable(path: &std::path::Path, env: &mut Env<'_>) {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        crate::render::diag::warning(
            env,
            &format!(
                "{}: holds a TSIG secret but is readable by group or others (mode {:03o}); consider chmod 600",
                escape(&path.display().to_string()),
                mode & 0o777
            ),
        );
    }
}

#[cfg(not(unix))]
fn warn_if_readable(_path: &std::path::Path, _env: &mut Env<'_>) {}

/// Flags over the `[publish]` table; the zone is required (it is never looked up, so
/// that nothing but --server is ever contacted).
fn destination(args: &PublishArgs, file: Option<&PublishSettings>) -> Result<Destination> {
    let server = match &args.server {
        Some(s) => Some(config_file::parse_server(s).ok_or_else(|| {
            Error::Usage(format!(
                "--server: '{}' is not an IP address or IP:PORT",
                escape(s)
            ))
        })?),
        None => file.and_then(|f| f.server),
    };
    let zone = args
        .zone
        .clone()
        .or_else(|| file.and_then(|f| f.zone.clone()))
        .ok_or_else(|| {
            Error::Usage("give --zone ZONE or zone in the [publish] table of --config".into())
        })?;
    let zone = zone_name(&zone)?;
    Ok(Destination {
        server,
        zone,
        key: args
            .key
            .as_ref()
            .map(PathBuf::from)
            .or_else(|| file.and_then(|f| f.key.clone())),
        ttl: args
            .ttl
            .or_else(|| file.and_then(|f| f.ttl))
            .unwrap_or(DEFAULT_TTL),
        timeout: Duration::from_secs(args.timeout),
    })
}

/// `--zone`'s value, checked and fully qualified.
pub(crate) fn zone_name(text: &str) -> Result<String> {
    let host = Host::parse(text).map_err(|e| Error::Usage(format!("--zone: {e}")))?;
    Ok(crate::dns::fqdn(host.as_str()))
}

/// generate's record set and owners, with `--host HOST:PORT` pinned to its port.
fn record_config(args: &PublishArgs) -> Result<Config> {
    let mut config = Config::records(&args.choice, &args.ports, args.proto)?;
    for text in &args.hosts {
        let (name, port) = match text.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                let port = p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| {
                    Error::Usage(format!("--host {}: port must be 1 to 65535", escape(text)))
                })?;
                (h, Some(port))
            }
            _ => (text.as_str(), None),
        };
        let host = Host::parse(name).map_err(|e| Error::Usage(format!("--host: {e}")))?;
        match port {
            Some(p) if !config.fixed.contains(&(host.clone(), p)) => config.fixed.push((host, p)),
            None if !config.hosts.contains(&host) => config.hosts.push(host),
            _ => {}
        }
    }
    Ok(config)
}

pub(crate) fn check_in_zone(owner: &str, zone: &str) -> Result<()> {
    use hickory_proto::rr::Name;
    let inside = match (Name::from_ascii(zone), Name::from_ascii(owner)) {
        (Ok(z), Ok(o)) => z.zone_of(&o),
        _ => false,
    };
    if inside {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{} is not in zone {}: give the zone the host is in with --zone",
            escape(owner),
            escape(zone)
        )))
    }
}

/// The `[publish]` table as a destination for `stage` and `deploy`; `None` when the
/// configuration has none (then they only print the records, as before).
fn configured(
    settings: Option<&PublishSettings>,
    config_name: &str,
) -> Result<Option<Destination>> {
    let Some(s) = settings else {
        return Ok(None);
    };
    let missing = |what: &str| {
        Error::input(
            config_name,
            format!("[publish] has no {what}; nothing was published"),
        )
    };
    let zone = s.zone.as_deref().ok_or_else(|| missing("zone"))?;
    Ok(Some(Destination {
        server: Some(s.server.ok_or_else(|| missing("server"))?),
        zone: crate::dns::fqdn(zone),
        key: Some(s.key.clone().ok_or_else(|| missing("key"))?),
        ttl: s.ttl.unwrap_or(DEFAULT_TTL),
        timeout: Duration::from_secs(10),
    }))
}

/// After `stage` keeps a certificate waiting: adds the recommended records (3 1 1 for
/// the leaf, 2 1 1 for each CA) of the staged chain at the certificate's owners, so
/// that `deploy` finds them published. Nothing is deleted: the deployed certificate's
/// records must stay until it is replaced.
pub(crate) fn after_stage(
    setup: &Setup,
    cert: &Certificate,
    bundle: &Bundle,
    env: &mut Env<'_>,
) -> Result<()> {
    add_records(setup, cert, bundle, env).map_err(|e| {
        Error::Lookup(format!(
            "{}: staged, but publishing its records failed: {e}",
            cert.name
        ))
    })
}

/// After `deploy --rollback`: the restored certificate's records may have been deleted
/// as stale when it was replaced, so they are added again.
pub(crate) fn after_rollback(setup: &Setup, cert: &Certificate, env: &mut Env<'_>) -> Result<()> {
    if setup.config.publish.is_none() {
        return Ok(());
    }
    let shown = cert.deploy.display().to_string();
    let bytes = std::fs::read(&cert.deploy).map_err(|e| Error::input(&shown, e.to_string()))?;
    let bundle =
        Bundle::from_parts(&bytes, None).map_err(|e| Error::input(&shown, e.to_string()))?;
    add_records(setup, cert, &bundle, env).map_err(|e| {
        Error::Lookup(format!(
            "{}: rolled back, but publishing its records again failed: {e}",
            cert.name
        ))
    })
}

/// Adds the recommended records of `bundle` at the certificate's owners.
fn add_records(
    setup: &Setup,
    cert: &Certificate,
    bundle: &Bundle,
    env: &mut Env<'_>,
) -> Result<()> {
    let Some(dest) = configured(setup.config.publish.as_ref(), &setup.config_name)? else {
        return Ok(());
    };
    let material = Material::Chain(bundle.chain.clone());
    let applied = recordset::apply(&RecordSet::Recommended, &material);
    let wanted: Vec<_> = applied
        .blocks
        .iter()
        .flat_map(|b| b.records.iter().cloned())
        .collect();
    let owners: Vec<Owner> = crate::commands::deploy::hosts_of(cert, bundle.leaf())?
        .iter()
        .flat_map(|h| cert.ports.iter().map(|p| h.tlsa_owner(*p, Proto::Tcp)))
        .map(|name| Owner {
            name,
            wanted: wanted.clone(),
            published: None,
        })
        .collect();
    let plan = publish::plan(&dest.zone, dest.ttl, &owners, &[&material]);
    deliver(&plan, &dest, env)
}

/// After `deploy` replaced a certificate: deletes the records it reported as matching
/// nothing deployed any more, through the `[publish]` server.
pub(crate) fn after_deploy(
    setup: &Setup,
    stale: &[(&str, &Tlsa)],
    env: &mut Env<'_>,
) -> Result<()> {
    let Some(dest) = configured(setup.config.publish.as_ref(), &setup.config_name)? else {
        return Ok(());
    };
    let deletes: Vec<publish::Change> = stale
        .iter()
        .map(|(owner, t)| publish::Change {
            owner: owner.to_string(),
            tlsa: (*t).clone(),
        })
        .collect();
    let plan = Plan {
        zone: dest.zone.clone(),
        ttl: dest.ttl,
        deletes,
        adds: Vec::new(),
    };
    deliver(&plan, &dest, env).map_err(|e| {
        Error::Lookup(format!(
            "deployed, but deleting the stale records failed: {e}"
        ))
    })
}

/// Checks the owners against the zone, reads the key and sends.
fn deliver(plan: &Plan, dest: &Destination, env: &mut Env<'_>) -> Result<()> {
    if plan.adds.is_empty() && plan.deletes.is_empty() {
        return Ok(());
    }
    for c in plan.adds.iter().chain(&plan.deletes) {
        check_in_zone(&c.owner, &dest.zone)?;
    }
    let key = load_key(
        dest.key.as_deref().expect("configured() requires a key"),
        env,
    )?;
    send(plan, dest, &key, env).map(|_| ())
}
