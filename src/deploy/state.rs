//! The state directory (`/var/lib/daneguard`): per certificate the staged bundle, the
//! previous bundle for rollback, and when each published TLSA record was first seen.
//!
//! ```text
//! STATE/lock                    held by every stage and deploy run
//! STATE/NAME/staged.pem         key + chain waiting for its records (0600)
//! STATE/NAME/previous.pem       what was deployed before the last deployment (0600)
//! STATE/NAME/next-key.pem       a key made ahead of time, until a certificate for it is deployed (0600)
//! STATE/NAME/seen.json          {"_25._tcp.mx.example.com.": {"3 1 1 ab…": 1767225600}}
//! ```

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::deploy::files::{self, Fault, Lock};

/// First-seen times (Unix seconds) of each record text, per TLSA owner name.
pub type Seen = BTreeMap<String, BTreeMap<String, i64>>;

/// How long a run waits for another one to release the lock.
const LOCK_WAIT: Duration = Duration::from_secs(120);

/// An opened, locked state directory.
pub struct StateDir {
    root: PathBuf,
    _lock: Lock,
}

impl StateDir {
    /// Creates the directory if needed (mode 0700) and takes its lock.
    pub fn open(root: &Path) -> io::Result<StateDir> {
        files::private_dir(root)?;
        let lock = files::lock(&root.join("lock"), LOCK_WAIT)?;
        Ok(StateDir {
            root: root.to_path_buf(),
            _lock: lock,
        })
    }

    fn dir(&self, name: &str) -> io::Result<PathBuf> {
        files::private_dir(&self.root.join(name))
    }

    pub fn staged_path(&self, name: &str) -> PathBuf {
        self.root.join(name).join("staged.pem")
    }

    pub fn previous_path(&self, name: &str) -> PathBuf {
        self.root.join(name).join("previous.pem")
    }

    pub fn next_key_path(&self, name: &str) -> PathBuf {
        self.root.join(name).join("next-key.pem")
    }

    /// Stores a bundle as `staged.pem` or `previous.pem`.
    pub fn store(&self, path: &Path, pem: &[u8]) -> io::Result<()> {
        if let Some(name) = path.parent().and_then(Path::file_name) {
            self.dir(&name.to_string_lossy())?;
        }
        files::replace(path, pem, 0o600, Fault::None)
    }

    /// The bytes at `path`, or `None` if there is no such file.
    pub fn read(path: &Path) -> io::Result<Option<Vec<u8>>> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn remove_staged(&self, name: &str) -> io::Result<()> {
        remove(&self.staged_path(name))
    }

    /// Forgets the next key once a certificate for it is deployed.
    pub fn remove_next_key(&self, name: &str) -> io::Result<()> {
        remove(&self.next_key_path(name))
    }

    /// The first-seen times; a missing file is an empty map, a damaged one an error.
    pub fn seen(&self, name: &str) -> io::Result<Seen> {
        let path = self.root.join(name).join("seen.json");
        match Self::read(&path)? {
            None => Ok(Seen::new()),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: damaged ({e})", path.display()),
                )
            }),
        }
    }

    pub fn store_seen(&self, name: &str, seen: &Seen) -> io::Result<()> {
        self.dir(name)?;
        let text = serde_json::to_vec_pretty(seen).expect("a map of strings and numbers");
        files::replace(
            &self.root.join(name).join("seen.json"),
            &text,
            0o600,
            Fault::None,
        )
    }
}

/// Removes a file; one that is already gone is fine.
fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_times_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("state");
        let mut seen = Seen::new();
        seen.entry("_25._tcp.mx.example.com.".into())
            .or_default()
            .insert("3 1 1 ab".into(), 42);
        {
            let state = StateDir::open(&root).unwrap();
            assert!(state.seen("mx").unwrap().is_empty());
            state.store_seen("mx", &seen).unwrap();
        }
        let state = StateDir::open(&root).unwrap();
        assert_eq!(state.seen("mx").unwrap(), seen);
        std::fs::write(root.join("mx/seen.json"), "{").unwrap();
        assert_eq!(
            state.seen("mx").unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn staged_material_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::open(dir.path()).unwrap();
        let path = state.staged_path("mx");
        state.store(&path, b"key and chain").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(dir.path().join("mx"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        state.remove_staged("mx").unwrap();
        state.remove_staged("mx").unwrap();
        assert_eq!(StateDir::read(&path).unwrap(), None);
    }
}
