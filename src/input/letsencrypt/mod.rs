//! Knowledge of a CA hierarchy for renewal predictions: which intermediates may issue
//! the next certificate for each key type, and which certificates a server sends above
//! them. Built in: Let's Encrypt as published on [`KNOWLEDGE_DATE`]; `--ca-certs DIR`
//! replaces it with a newer set (PEM files plus an optional `status.txt`).

use crate::chain::Certificate;
use crate::input::material::{self, Material};

/// When the built-in Let's Encrypt facts were published.
pub const KNOWLEDGE_DATE: &str = "2026-07-08";

/// Built-in certificates: (file name, PEM).
const BUILTIN: &[(&str, &[u8])] = &[
    ("int-yr1.pem", include_bytes!("int-yr1.pem")),
    ("int-yr2.pem", include_bytes!("int-yr2.pem")),
    ("int-yr3.pem", include_bytes!("int-yr3.pem")),
    ("int-ye1.pem", include_bytes!("int-ye1.pem")),
    ("int-ye2.pem", include_bytes!("int-ye2.pem")),
    ("int-ye3.pem", include_bytes!("int-ye3.pem")),
    ("root-yr-by-x1.pem", include_bytes!("root-yr-by-x1.pem")),
    ("root-ye-by-x2.pem", include_bytes!("root-ye-by-x2.pem")),
    ("root-x2-by-x1.pem", include_bytes!("root-x2-by-x1.pem")),
    ("r10.pem", include_bytes!("r10.pem")),
    ("r11.pem", include_bytes!("r11.pem")),
    ("r12.pem", include_bytes!("r12.pem")),
    ("r13.pem", include_bytes!("r13.pem")),
    ("r14.pem", include_bytes!("r14.pem")),
    ("e5.pem", include_bytes!("e5.pem")),
    ("e6.pem", include_bytes!("e6.pem")),
    ("e7.pem", include_bytes!("e7.pem")),
    ("e8.pem", include_bytes!("e8.pem")),
    ("e9.pem", include_bytes!("e9.pem")),
];

const BUILTIN_STATUS: &str = include_str!("status.txt");

/// Whether an intermediate issues certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Chosen at random for new certificates.
    Active,
    /// May issue at any time without warning.
    Backup,
    /// No longer issues.
    Retired,
}

impl Status {
    fn parse(text: &str) -> Option<Status> {
        match text.to_ascii_lowercase().as_str() {
            "active" => Some(Status::Active),
            "backup" => Some(Status::Backup),
            "retired" => Some(Status::Retired),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Backup => "backup",
            Status::Retired => "retired",
        }
    }
}

/// An issuing intermediate with the certificates sent above it.
#[derive(Debug, Clone)]
pub struct Issuer {
    /// Its common name (`YR1`), escaped for display.
    pub name: String,
    pub status: Status,
    pub cert: Certificate,
    /// The certificates a server sends above it in the default chain.
    pub above: Vec<Certificate>,
}

impl Issuer {
    /// The intermediate and everything above it, as sent.
    pub fn sent(&self) -> impl Iterator<Item = &Certificate> {
        std::iter::once(&self.cert).chain(&self.above)
    }
}

/// A CA hierarchy: issuing intermediates and where the facts came from.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub issuers: Vec<Issuer>,
    /// `built-in Let's Encrypt facts of 2026-07-08` or the directory given (escaped).
    pub source: String,
}

impl Hierarchy {
    /// The built-in Let's Encrypt hierarchy.
    pub fn builtin() -> Hierarchy {
        let files: Vec<(String, Vec<u8>)> = BUILTIN
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        Hierarchy::from_files(
            &files,
            Some(BUILTIN_STATUS),
            format!("built-in Let's Encrypt facts of {KNOWLEDGE_DATE}"),
        )
        .expect("the built-in certificates parse")
    }

    /// Builds a hierarchy from PEM files and an optional `status.txt` text. Without a
    /// status line an intermediate counts as active (the cautious assumption).
    pub fn from_files(
        files: &[(String, Vec<u8>)],
        status: Option<&str>,
        source: String,
    ) -> Result<Hierarchy, HierarchyError> {
        let mut certs = Vec::new();
        for (name, bytes) in files {
            match material::parse(bytes)
                .map_err(|e| HierarchyError::File(name.clone(), e.message))?
                .material
            {
                Material::Chain(c) => certs.extend(c),
                Material::Key(_) => {
                    return Err(HierarchyError::Key(name.clone()));
                }
            }
        }
        let statuses = parse_status(status.unwrap_or(""))?;
        let issuers = certs
            .iter()
            .filter(|c| c.is_ca && c.path_len == Some(0))
            .map(|c| {
                let name = c
                    .common_names
                    .first()
                    .cloned()
                    .unwrap_or_else(|| c.subject.clone());
                let status = statuses
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(Status::Active, |(_, s)| *s);
                Issuer {
                    // shown in messages and reports; a CN is untrusted text
                    name: crate::sanitize::escape(&name).into_owned(),
                    status,
                    above: above(c, &certs),
                    cert: c.clone(),
                }
            })
            .collect::<Vec<_>>();
        if issuers.is_empty() {
            return Err(HierarchyError::NoIssuer);
        }
        Ok(Hierarchy {
            issuers,
            source: crate::sanitize::escape(&source).into_owned(),
        })
    }

    /// The known intermediate that issued `leaf` (by issuer name and, when the chain
    /// holds it, by key).
    pub fn issuer_of(&self, chain: &[Certificate]) -> Option<&Issuer> {
        let leaf = chain.first()?;
        let sent = chain.get(1);
        self.issuers.iter().find(|i| {
            i.cert.subject_der == leaf.issuer_der && sent.is_none_or(|s| s.spki == i.cert.spki)
        })
    }

    /// Intermediates that may sign the next certificate for a key family (`rsa`,
    /// `ecdsa`): active and backup, never retired.
    pub fn candidates(&self, family: &str) -> Vec<&Issuer> {
        self.issuers
            .iter()
            .filter(|i| i.status != Status::Retired && i.cert.key.family() == family)
            .collect()
    }
}

/// Certificates above `cert` in the set, following issuer names through certificates
/// that are not self-issued (the cross-signed roots a server sends).
fn above(cert: &Certificate, all: &[Certificate]) -> Vec<Certificate> {
    let mut out: Vec<Certificate> = Vec::new();
    let mut current = cert;
    while let Some(next) = all.iter().find(|c| {
        c.subject_der == current.issuer_der
            && !c.is_self_issued()
            && c.der != cert.der
            && !out.iter().any(|o| o.der == c.der)
    }) {
        out.push(next.clone());
        current = next;
    }
    out
}

/// Why `--ca-certs` cannot be used; the caller names the directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    #[error("{0}: {1}")]
    File(String, String),
    #[error("{0}: holds a key, not CA certificates")]
    Key(String),
    #[error("no issuing intermediate (CA certificate with pathlen 0) found")]
    NoIssuer,
    #[error("status.txt line {0}: expected 'NAME active|backup|retired'")]
    StatusLine(usize),
    #[error("status.txt line {0}: '{1}' is not active, backup or retired")]
    StatusValue(usize, String),
}

fn parse_status(text: &str) -> Result<Vec<(String, Status)>, HierarchyError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(name), Some(status), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(HierarchyError::StatusLine(i + 1));
        };
        let status = Status::parse(status).ok_or_else(|| {
            HierarchyError::StatusValue(i + 1, crate::sanitize::escape(status).into_owned())
        })?;
        out.push((name.to_string(), status));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_hierarchy_has_generation_y_and_retired_issuers() {
        let h = Hierarchy::builtin();
        let names = |family: &str| -> Vec<String> {
            h.candidates(family)
                .iter()
                .map(|i| format!("{} {}", i.name, i.status.as_str()))
                .collect()
        };
        assert_eq!(names("rsa"), vec!["YR1 active", "YR2 active", "YR3 backup"]);
        assert_eq!(
            names("ecdsa"),
            vec!["YE1 active", "YE2 active", "YE3 backup"]
        );
        let r10 = h.issuers.iter().find(|i| i.name == "R10").unwrap();
        assert_eq!(r10.status, Status::Retired);
    }

    /// A CA's CN and the directory named are untrusted text: they are escaped where
    /// they are read, once, for every message and report that names them.
    #[test]
    fn issuer_names_and_the_source_are_escaped() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/hostile/ansi-ca.pem"
        ))
        .unwrap();
        let files = vec![("ansi-ca.pem".to_string(), pem)];
        let h = Hierarchy::from_files(&files, None, "ca\x1b[0m".to_string()).unwrap();
        assert_eq!(h.issuers[0].name, "R\\x1b[31m99\\x1b[0m\\u{202e}");
        assert_eq!(h.source, "ca\\x1b[0m");
    }

    #[test]
    fn default_chains_above_the_intermediates() {
        let h = Hierarchy::builtin();
        let above = |name: &str| -> Vec<String> {
            let i = h.issuers.iter().find(|i| i.name == name).unwrap();
            i.above.iter().map(|c| c.subject.clone()).collect()
        };
        assert_eq!(above("YR1"), vec!["C = US, O = ISRG, CN = Root YR"]);
        assert_eq!(
            above("YE2"),
            vec![
                "C = US, O = ISRG, CN = Root YE",
                "C = US, O = Internet Security Research Group, CN = ISRG Root X2"
            ]
        );
    }

    #[test]
    fn bad_status_lines_are_rejected() {
        assert!(parse_status("YR1 maybe").is_err());
        assert!(parse_status("YR1").is_err());
        assert_eq!(
            parse_status("# c\n\nYR1 backup # x\n").unwrap(),
            vec![("YR1".to_string(), Status::Backup)]
        );
    }
}
