//! `$INCLUDE` confined to one folder: a zone file from a pull request must not make
//! daneguard read (and echo) `/etc/passwd`, `/proc/self/environ`, a FIFO that
//! blocks, or a file reached by `..` or a symbolic link out of the folder.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::input::{MAX_INPUT_BYTES, describe_io};

/// The folder a zone file is in (the default include root).
pub fn folder_of(zone_file: &Path) -> PathBuf {
    match zone_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Folders whose files are never zone data, whatever the root.
const NEVER: &[&str] = &["/proc", "/sys", "/dev"];

/// Why an included file is not read. No message quotes the file's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the include folder cannot be read ({0})")]
    Root(String),
    /// The system's error, as `describe_io` words it.
    #[error("{0}")]
    Io(String),
    /// The include root, escaped for printing.
    #[error("refused: the file is outside {0} (the zone file's folder, or --include-root)")]
    Outside(String),
    #[error("refused: not a zone file (a device or kernel file)")]
    Kernel,
    #[error("refused: not a regular file")]
    NotRegular,
    #[error("file too large")]
    TooLarge,
    /// The reader was told not to follow `$INCLUDE` (a trust-anchor file, say).
    #[error("not followed in {0}")]
    NotFollowed(&'static str),
}

fn io(e: &std::io::Error) -> ReadError {
    ReadError::Io(describe_io(e))
}

/// Reads `path` if it is a regular file under `root` once both are resolved
/// (symbolic links and `..` followed). Messages name no file contents.
pub fn read_confined(root: &Path, path: &Path) -> Result<String, ReadError> {
    let root = root
        .canonicalize()
        .map_err(|e| ReadError::Root(describe_io(&e)))?;
    let real = path.canonicalize().map_err(|e| io(&e))?;
    if !real.starts_with(&root) {
        let shown_root = crate::sanitize::escape(&root.display().to_string()).to_string();
        return Err(ReadError::Outside(shown_root));
    }
    if NEVER.iter().any(|n| real.starts_with(n)) {
        return Err(ReadError::Kernel);
    }
    let meta = std::fs::metadata(&real).map_err(|e| io(&e))?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| io(&e))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(super::text_of(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_no_content() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("ok.zone"), "x A 192.0.2.1\n").unwrap();
        assert!(read_confined(root, &root.join("ok.zone")).is_ok());
        for bad in ["/etc/passwd", "/proc/self/environ"] {
            let m = read_confined(root, Path::new(bad)).unwrap_err().to_string();
            assert!(m.contains("refused"), "{bad}: {m}");
            assert!(!m.contains("root:"), "{m}");
        }
        let up = root.join("..").join("..").join("etc").join("passwd");
        let m = read_confined(root, &up).unwrap_err();
        assert!(matches!(m, ReadError::Outside(_)), "{m}");
    }
}
