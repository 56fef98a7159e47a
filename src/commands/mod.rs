//! One module per subcommand, each with one `execute`, and the file readers that
//! several of them share.

use std::path::Path;

use crate::dns::fqdn;
use crate::env::{Env, Files};
use crate::error::{Error, Result};
use crate::input::letsencrypt::Hierarchy;
use crate::input::zonefile::{self, Zone};
use crate::input::{self, MAX_INPUT_BYTES};

pub mod certbot_hook;
pub mod check;
pub mod completions;
pub mod config;
pub mod configured;
pub mod deploy;
pub mod generate;
pub mod next_key;
pub mod publish;
pub mod renew;
pub mod stage;
pub mod zone;

/// The values in first-seen order, without repeats.
pub fn unique<T: PartialEq + Clone>(values: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

/// CA certificates (and `status.txt`) from a `--ca-certs` directory.
pub fn load_hierarchy(disk: &dyn Files, dir: &Path) -> Result<Hierarchy> {
    let shown = dir.display().to_string();
    let entries = disk
        .read_dir(dir)
        .map_err(|e| Error::input(&shown, format!("cannot read directory: {e}")))?;
    let mut files = Vec::new();
    let mut status = None;
    for path in entries {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name == "status.txt" {
            let bytes = input::read_file(disk, &path, MAX_INPUT_BYTES, "a status file")?;
            status = Some(
                String::from_utf8(bytes)
                    .map_err(|_| Error::input(path.display().to_string(), "is not UTF-8 text"))?,
            );
        } else if name.ends_with(".pem") || name.ends_with(".crt") {
            let bytes = input::read_file(disk, &path, MAX_INPUT_BYTES, "a CA certificate")?;
            files.push((name, bytes));
        }
    }
    files.sort();
    Hierarchy::from_files(&files, status.as_deref(), shown.clone())
        .map_err(|e| Error::input(&shown, e.to_string()))
}

/// `--origin`, or the zone file's name without `.zone`/`.db`, or the root.
pub fn zone_origin(path: &str, given: Option<&str>) -> Result<hickory_proto::rr::Name> {
    use hickory_proto::rr::Name;
    if let Some(o) = given {
        return zonefile::parse_name(o)
            .ok_or_else(|| Error::Usage(format!("--origin: '{o}' is not a domain name")));
    }
    let file = Path::new(path)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or_default();
    let stem = [".zone", ".db", ".signed"]
        .iter()
        .fold(file.to_string(), |s, ext| {
            s.trim_end_matches(ext).to_string()
        });
    if stem.contains('.')
        && let Ok(name) = Name::from_ascii(fqdn(&stem))
    {
        return Ok(name);
    }
    Ok(Name::root())
}

/// A zone file read for a command: the records and the apex they are judged under.
pub struct LoadedZone {
    pub zone: Zone,
    /// The zone apex, lower-case with trailing dot: `--origin` when given, else
    /// the SOA owner, else the first `$ORIGIN`, else the origin read with.
    pub apex: String,
}

/// Reads a zone file as `zone` and `renew-check --zone` both do: the origin from
/// `--origin` or the file name, `$ORIGIN` honoured, `$INCLUDE` confined to
/// `include_root` (default: the zone file's folder).
pub fn load_zone(
    path: &str,
    given_origin: Option<&str>,
    include_root: Option<&str>,
    default_ttl: Option<u32>,
    env: &mut Env<'_>,
) -> Result<LoadedZone> {
    let origin = zone_origin(path, given_origin)?;
    let mut zone = read_zone(path, origin.clone(), include_root, default_ttl, env)?;
    zonefile::check_apex(&mut zone, given_origin.map(|_| &origin));
    let soa = zone
        .records
        .iter()
        .find(|r| r.rtype == hickory_proto::rr::RecordType::SOA);
    let apex = match (given_origin, soa, &zone.first_origin) {
        (Some(_), _, _) => origin.to_ascii().to_ascii_lowercase(),
        (None, Some(soa), _) => soa.name.clone(),
        (None, None, Some(first)) => first.clone(),
        (None, None, None) => origin.to_ascii().to_ascii_lowercase(),
    };
    Ok(LoadedZone { zone, apex })
}

/// Reads and parses a zone file (with `$INCLUDE` from disk, confined to
/// `include_root` or the zone file's folder).
pub fn read_zone(
    path: &str,
    origin: hickory_proto::rr::Name,
    include_root: Option<&str>,
    default_ttl: Option<u32>,
    env: &mut Env<'_>,
) -> Result<Zone> {
    let (_, bytes) = input::read_named(path, "a zone file", env)?;
    let text = zonefile::text_of(bytes);
    let root = match include_root {
        Some(dir) => std::path::PathBuf::from(dir),
        None => zonefile::include::folder_of(Path::new(path)),
    };
    let load = |p: &Path| zonefile::include::read_confined(&root, p);
    Ok(zonefile::parse(
        &text,
        Path::new(path),
        origin,
        default_ttl,
        &load,
    ))
}
