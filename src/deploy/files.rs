//! Crash-safe file replacement and the state directory lock.
//!
//! A replaced file is written to a temporary file in the same directory (so `rename`
//! stays within one file system), given its mode, fsynced, renamed over the old one,
//! and the directory is fsynced: a reader sees the old file or the new one, never a
//! partial one, and a crash at any point leaves the old file in place.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where a test may stop the program between writing and renaming (debug builds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Abort after the temporary file is written and synced, before the rename.
    BeforeRename,
}

/// Replaces `path` with `bytes` atomically; the new file gets `mode`.
pub fn replace(path: &Path, bytes: &[u8], mode: u32, fault: Fault) -> io::Result<()> {
    prepare(path, bytes, mode, fault)?.commit()
}

/// A new file written and synced next to the one it replaces, not yet renamed over
/// it; dropping it removes the temporary file.
pub struct Prepared {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

/// Writes and syncs the temporary file for `path`, so that several files can be
/// renamed into place one right after the other ([`Prepared::commit`]).
pub fn prepare(path: &Path, bytes: &[u8], mode: u32, fault: Fault) -> io::Result<Prepared> {
    let dir = parent(path);
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let prefix = format!(".{}.daneguard-", name.to_string_lossy());
    remove_leftovers(dir, &prefix);
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    // The umask may have narrowed the mode; set it exactly.
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(mode))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if fault == Fault::BeforeRename {
        // Simulates a crash: no destructor runs, the temporary file stays behind.
        std::process::abort();
    }
    Ok(Prepared {
        tmp,
        path: path.to_path_buf(),
    })
}

impl Prepared {
    /// Renames the file into place and syncs its directory.
    pub fn commit(self) -> io::Result<()> {
        let dir = parent(&self.path).to_path_buf();
        self.tmp.persist(&self.path).map_err(|e| e.error)?;
        File::open(dir)?.sync_all()
    }
}

/// Temporary files of an earlier run that crashed before its rename.
fn remove_leftovers(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// An exclusive lock on `STATE/lock`, held until dropped.
pub struct Lock {
    _file: File,
}

/// Takes the lock, waiting up to `wait` for another run to finish.
pub fn lock(path: &Path, wait: Duration) -> io::Result<Lock> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode_0600()
        .open(path)?;
    let start = Instant::now();
    loop {
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return Ok(Lock { _file: file }),
            Err(rustix::io::Errno::WOULDBLOCK) if start.elapsed() < wait => {
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(rustix::io::Errno::WOULDBLOCK) => {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!(
                        "another daneguard stage or deploy has held the lock for {} s",
                        wait.as_secs()
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

trait Mode0600 {
    fn mode_0600(&mut self) -> &mut Self;
}

impl Mode0600 for OpenOptions {
    fn mode_0600(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }
}

/// Creates a directory (and its parents) readable by root only.
pub fn private_dir(path: &Path) -> io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)?;
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_writes_the_mode_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mx.pem");
        std::fs::write(&target, "old").unwrap();
        // A leftover of a crashed run is cleaned up; other files stay.
        std::fs::write(dir.path().join(".mx.pem.daneguard-abc"), "x").unwrap();
        std::fs::write(dir.path().join("other"), "y").unwrap();
        replace(&target, b"new", 0o600, Fault::None).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["mx.pem", "other"]);
    }

    #[test]
    fn replace_into_a_missing_directory_fails_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("no/such/mx.pem");
        assert!(replace(&target, b"new", 0o600, Fault::None).is_err());
        assert!(!target.exists());
    }

    #[test]
    fn a_second_lock_waits_and_then_gives_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let held = lock(&path, Duration::ZERO).unwrap();
        let e = lock(&path, Duration::from_millis(300)).err().unwrap();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        drop(held);
        lock(&path, Duration::ZERO).unwrap();
    }
}
