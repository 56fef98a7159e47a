//! One module per subcommand, each with one `execute`, and the file readers that
//! several of them share.

use std::path::Path;

use crate::dns::fqdn;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::input;
use crate::input::letsencrypt::Hierarchy;
use crate::input::zonefile::{self, Zone};

pub mod certbot_hook;
pub mod check;
pub mod completions;
pub mod config;
pub mod deploy;
pub mod generate;
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
pub fn load_hierarchy(dir: &Path) -> Result<Hierarchy> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::input(&shown, format!("cannot read directory: {e}")))?;
    let mut files = Vec::new();
    let mut status = None;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name == "status.txt" {
            status = Some(
                std::fs::read_to_string(&path)
                    .map_err(|e| Error::input(path.display().to_string(), e.to_string()))?,
            );
        } else if name.ends_with(".pem") || name.ends_with(".crt") {
            let bytes = std::fs::read(&path)
                .map_err(|e| Error::input(path.display().to_string(), e.to_string()))?;
            files.push((name, bytes));
        }
    }
    files.sort();
    Hierarchy::from_files(&files, status.as_deref(), shown.clone())
        .map_err(|m| Error::input(&shown, m))
}

/// `--origin`, or the zone file's name without `.zone`/`.db`, or the root.
pub fn zone_origin(path: &str, given: Option<&str>) -> Result<hickory_proto::rr::Name> {
    use hickory_proto::rr::Name;
    if let Some(o) = given {
        return Name::from_ascii(fqdn(o))
            .map_err(|_| Error::Usage(format!("--origin: '{o}' is not a domain name")));
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

/// Reads and parses a zone file (with `$INCLUDE` from disk).
pub fn read_zone(
    path: &str,
    origin: hickory_proto::rr::Name,
    default_ttl: Option<u32>,
    env: &mut Env<'_>,
) -> Result<Zone> {
    let (_, bytes) = input::read(path, env)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::input(path, "is not UTF-8 text"))?;
    let load = |p: &Path| -> std::result::Result<String, String> {
        let bytes = std::fs::read(p).map_err(|e| input::describe_io(&e))?;
        if bytes.len() as u64 > input::MAX_INPUT_BYTES {
            return Err("file too large".into());
        }
        String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())
    };
    Ok(zonefile::parse(
        &text,
        Path::new(path),
        origin,
        default_ttl,
        &load,
    ))
}
