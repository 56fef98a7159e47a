//! Reading inputs from disk or stdin with a size limit: files, `-`, and certbot
//! lineage directories (`/etc/letsencrypt/live/NAME/` → `fullchain.pem`).

pub mod certbot;
pub mod chains;
pub mod config;
pub mod keys;
pub mod letsencrypt;
pub mod material;
pub(crate) mod pem;
pub mod zonefile;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::env::{Env, Files};
use crate::error::{Error, Result};
use material::Material;

/// Largest input file daneguard reads (a full chain is a few kilobytes).
pub const MAX_INPUT_BYTES: u64 = 1024 * 1024;

/// An input after reading and parsing.
#[derive(Debug, Clone)]
pub struct Input {
    /// The name to show: the path as given, or the file chosen inside a directory.
    pub name: String,
    pub material: Material,
}

/// Reads and parses one input argument. Notes go to stderr.
pub fn load(arg: &str, env: &mut Env<'_>) -> Result<Input> {
    let (name, bytes) = read(arg, env)?;
    let parsed = material::parse(&bytes).map_err(|e| {
        let message = match e.block {
            Some(n) => format!("PEM block {n}: {}", e.message),
            None => e.message,
        };
        Error::input(&name, message)
    })?;
    for note in &parsed.notes {
        crate::render::diag::note(env, &format!("{}: {note}", crate::sanitize::escape(&name)));
    }
    if parsed.had_private_key && arg != "-" {
        warn_if_key_readable(Path::new(&name), env);
    }
    Ok(Input {
        name,
        material: parsed.material,
    })
}

/// Returns the display name and the bytes of an input argument.
pub fn read(arg: &str, env: &mut Env<'_>) -> Result<(String, Vec<u8>)> {
    if arg == "-" {
        let mut bytes = Vec::new();
        env.stdin
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::input("<stdin>", format!("cannot read: {e}")))?;
        check_size("<stdin>", bytes.len() as u64)?;
        return Ok(("<stdin>".to_string(), bytes));
    }
    let path = resolve(env.files, Path::new(arg))?;
    let name = path.display().to_string();
    let bytes = read_file(
        env.files,
        &path,
        MAX_INPUT_BYTES,
        "a certificate chain or key",
    )?;
    Ok((name, bytes))
}

/// Reads a text file the user named that is not a chain or key (a zone file, a
/// configuration): no certbot lineage is looked for, and a file too large is "not
/// `what`". `-` reads stdin.
pub fn read_named(arg: &str, what: &str, env: &mut Env<'_>) -> Result<(String, Vec<u8>)> {
    if arg == "-" {
        return read(arg, env);
    }
    let bytes = read_file(env.files, Path::new(arg), MAX_INPUT_BYTES, what)?;
    Ok((arg.to_string(), bytes))
}

/// Reads a file the user named, at most `limit` bytes; errors name the file, and a
/// larger file is "not `what`".
pub fn read_file(files: &dyn Files, path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let name = path.display().to_string();
    let bytes = crate::env::read_limited(files, path, limit).map_err(|e| {
        let dangling = e.kind() == std::io::ErrorKind::NotFound && files.link_exists(path);
        Error::input(
            &name,
            if dangling {
                "broken symbolic link".to_string()
            } else {
                describe_io(&e)
            },
        )
    })?;
    if bytes.len() as u64 > limit {
        return Err(Error::input(
            &name,
            format!("larger than {limit} bytes; this is not {what}"),
        ));
    }
    Ok(bytes)
}

/// A directory stands for the certbot lineage in it.
fn resolve(files: &dyn Files, path: &Path) -> Result<PathBuf> {
    if files.is_dir(path) {
        let chain = path.join("fullchain.pem");
        if !files.exists(&chain) {
            return Err(Error::input(
                path.display().to_string(),
                "is a directory without fullchain.pem (expected a certbot lineage such as /etc/letsencrypt/live/NAME)",
            ));
        }
        return Ok(chain);
    }
    Ok(path.to_path_buf())
}

fn check_size(name: &str, len: u64) -> Result<()> {
    if len > MAX_INPUT_BYTES {
        return Err(Error::input(
            name,
            format!("larger than {MAX_INPUT_BYTES} bytes; this is not a certificate chain or key"),
        ));
    }
    Ok(())
}

/// A short description of an I/O error for messages.
pub fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        std::io::ErrorKind::IsADirectory => "is a directory".to_string(),
        _ => format!("cannot read: {e}"),
    }
}

/// Private keys should be readable by their owner only (certbot makes them 0600).
fn warn_if_key_readable(path: &Path, env: &mut Env<'_>) {
    if let Ok(meta) = env.files.metadata(path) {
        let mode = meta.mode;
        if mode & 0o077 != 0 {
            crate::render::diag::warning(
                env,
                &format!(
                    "{}: holds a private key but is readable by group or others (mode {:03o}); consider chmod 600",
                    crate::sanitize::escape(&path.display().to_string()),
                    mode & 0o777
                ),
            );
        }
    }
}
