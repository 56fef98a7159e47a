//! `--chain [HOST[:PORT]=]PATH`: one grammar and one precedence for every command that
//! compares records with chains (`check`, `zone`). A host and port entry beats a host
//! entry, which beats the default; an entry on the command line replaces one from a
//! configuration file; the same key twice on the command line is a usage error.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};
use crate::owner::Host;
use crate::sanitize::escape;

/// What a `--chain` argument names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainArg<'a> {
    pub key: ChainKey,
    pub path: &'a str,
}

/// Which hosts and ports an entry is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainKey {
    /// Every host without an entry of its own.
    Default,
    Host(Host),
    HostPort(Host, u16),
}

impl std::fmt::Display for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainKey::Default => f.write_str("every host"),
            ChainKey::Host(h) => write!(f, "{h}"),
            ChainKey::HostPort(h, p) => write!(f, "{h}:{p}"),
        }
    }
}

impl ChainKey {
    /// `HOST` or `HOST:PORT`.
    pub fn parse(text: &str) -> Option<ChainKey> {
        if let Some((host, port)) = text.rsplit_once(':')
            && let Ok(port) = port.parse::<u16>()
        {
            return Host::parse(host).ok().map(|h| ChainKey::HostPort(h, port));
        }
        Host::parse(text).ok().map(ChainKey::Host)
    }
}

/// Splits `HOST[:PORT]=PATH`; anything else is a path (paths may contain `=` too, so
/// the part before `=` must be a host name, without `/`). `HOST:PORT=` with a port
/// out of range is a usage error rather than a file name.
pub fn parse(arg: &str) -> Result<ChainArg<'_>> {
    if let Some((key, path)) = arg.split_once('=')
        && !key.contains('/')
        && !path.is_empty()
    {
        if let Some(key) = ChainKey::parse(key) {
            return Ok(ChainArg { key, path });
        }
        if let Some((host, port)) = key.rsplit_once(':')
            && Host::parse(host).is_ok()
            && port.parse::<u16>().is_err()
        {
            return Err(Error::Usage(format!(
                "--chain: '{}' has a bad port",
                escape(key)
            )));
        }
    }
    Ok(ChainArg {
        key: ChainKey::Default,
        path: arg,
    })
}

/// Where an entry came from: the command line replaces a configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    Config,
    CommandLine,
}

/// Chains (or anything else) by host and port. It remembers which entries a lookup
/// used, so that a `--chain HOST=PATH` that matched no host checked can be named.
#[derive(Debug)]
pub struct ChainMap<T> {
    entries: Vec<(ChainKey, From, T)>,
    used: Vec<AtomicBool>,
}

impl<T> Default for ChainMap<T> {
    fn default() -> Self {
        ChainMap {
            entries: Vec::new(),
            used: Vec::new(),
        }
    }
}

impl<T> ChainMap<T> {
    /// Adds an entry; the same key twice from the command line is a usage error.
    pub fn insert(&mut self, key: ChainKey, from: From, value: T) -> Result<()> {
        if let Some(i) = self.entries.iter().position(|(k, _, _)| *k == key) {
            if from == From::CommandLine && self.entries[i].1 == From::CommandLine {
                return Err(Error::Usage(format!(
                    "--chain is given twice for {}",
                    escape(&key.to_string())
                )));
            }
            self.entries.remove(i);
            self.used.remove(i);
        }
        self.entries.push((key, from, value));
        self.used.push(AtomicBool::new(false));
        Ok(())
    }

    /// The entry for `host` on `port`: host and port, then host, then the default.
    /// Every entry for `host` counts as used: one for another port, or one that a
    /// host-and-port entry shadows, is not a typo.
    pub fn get(&self, host: &str, port: u16) -> Option<&T> {
        for ((k, _, _), used) in self.entries.iter().zip(&self.used) {
            if matches!(k, ChainKey::Host(h) | ChainKey::HostPort(h, _) if h.as_str() == host) {
                used.store(true, Ordering::Relaxed);
            }
        }
        let find = |want: &dyn Fn(&ChainKey) -> bool| {
            let i = self.entries.iter().position(|(k, _, _)| want(k))?;
            self.used[i].store(true, Ordering::Relaxed);
            Some(&self.entries[i].2)
        };
        find(&|k| matches!(k, ChainKey::HostPort(h, p) if h.as_str() == host && *p == port))
            .or_else(|| find(&|k| matches!(k, ChainKey::Host(h) if h.as_str() == host)))
            .or_else(|| find(&|k| *k == ChainKey::Default))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `HOST` and `HOST:PORT` keys from the command line whose host no lookup asked
    /// for: a typo, or a host that is not among those checked.
    pub fn unused_hosts(&self) -> Vec<&ChainKey> {
        self.entries
            .iter()
            .zip(&self.used)
            .filter(|((k, from, _), used)| {
                *from == From::CommandLine
                    && *k != ChainKey::Default
                    && !used.load(Ordering::Relaxed)
            })
            .map(|((k, _, _), _)| k)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(h: &str) -> Host {
        Host::parse(h).unwrap()
    }

    /// Only a host no lookup asked for is unused: an entry for another port, or one a
    /// host-and-port entry shadows, is not.
    #[test]
    fn unused_hosts_are_those_never_asked_for() {
        let mut m = ChainMap::default();
        let key = |k: &str| ChainKey::parse(k).unwrap();
        for k in [
            "mx.example.com",
            "mx.example.com:25",
            "mx.example.com:465",
            "mx.exmaple.com",
        ] {
            m.insert(key(k), From::CommandLine, k.len()).unwrap();
        }
        m.insert(ChainKey::Default, From::CommandLine, 0).unwrap();
        assert_eq!(
            m.get("mx.example.com", 25),
            Some(&"mx.example.com:25".len())
        );
        let unused: Vec<String> = m.unused_hosts().iter().map(|k| k.to_string()).collect();
        assert_eq!(unused, vec!["mx.exmaple.com"]);
    }

    #[test]
    fn grammar_splits_host_port_and_path() {
        let p = |a| parse(a).unwrap();
        assert_eq!(p("fullchain.pem").key, ChainKey::Default);
        assert_eq!(
            p("mx.example.com=a.pem").key,
            ChainKey::Host(host("mx.example.com"))
        );
        assert_eq!(
            p("mx.example.com:465=a.pem"),
            ChainArg {
                key: ChainKey::HostPort(host("mx.example.com"), 465),
                path: "a.pem"
            }
        );
        // A path with '=' and '/' before it is a path.
        assert_eq!(p("./certs/a=b.pem").key, ChainKey::Default);
        assert_eq!(p("./certs/a=b.pem").path, "./certs/a=b.pem");
        let e = parse("mx.example.com:99999=a.pem").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--chain: 'mx.example.com:99999' has a bad port"
        );
    }

    #[test]
    fn host_and_port_beat_host_beats_default() {
        let mut m = ChainMap::default();
        m.insert(ChainKey::Default, From::CommandLine, 0).unwrap();
        m.insert(ChainKey::Host(host("mx.example.com")), From::CommandLine, 1)
            .unwrap();
        m.insert(
            ChainKey::HostPort(host("mx.example.com"), 465),
            From::CommandLine,
            2,
        )
        .unwrap();
        assert_eq!(m.get("mx.example.com", 465), Some(&2));
        assert_eq!(m.get("mx.example.com", 25), Some(&1));
        assert_eq!(m.get("other.example.com", 25), Some(&0));
    }

    #[test]
    fn command_line_replaces_config_but_not_itself() {
        let mut m = ChainMap::default();
        let key = ChainKey::Host(host("mx.example.com"));
        m.insert(key.clone(), From::Config, 1).unwrap();
        m.insert(key.clone(), From::CommandLine, 2).unwrap();
        assert_eq!(m.get("mx.example.com", 25), Some(&2));
        let e = m.insert(key, From::CommandLine, 3).unwrap_err();
        assert_eq!(e.to_string(), "--chain is given twice for mx.example.com");
        let e = m
            .insert(ChainKey::Default, From::CommandLine, 4)
            .and_then(|()| m.insert(ChainKey::Default, From::CommandLine, 5))
            .unwrap_err();
        assert_eq!(e.to_string(), "--chain is given twice for every host");
    }
}
