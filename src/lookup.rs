//! What a DNS lookup found, with its DNSSEC status (pure types; `dns/` fills them in).

use std::fmt;

use serde::Serialize;

/// DNSSEC status of an RRset or of a denial of existence (RFC 4035 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Validated from the trust anchor down.
    Secure,
    /// Provably unsigned (an authenticated delegation without DS).
    Insecure,
    /// Signatures present but wrong, expired, or a broken chain of trust.
    Bogus,
    /// Could not be decided (for example, a resolver that strips DNSSEC data).
    Indeterminate,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Secure => "secure",
            Security::Insecure => "insecure",
            Security::Bogus => "bogus",
            Security::Indeterminate => "indeterminate",
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of one lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// Records found. `ttl` is the RRset's TTL as received.
    Found {
        records: Vec<T>,
        ttl: u32,
        security: Security,
    },
    /// The name exists but has no records of this type; `security` is that of the denial.
    NoData { security: Security },
    /// The name does not exist; `security` is that of the denial.
    NxDomain { security: Security },
    /// DNSSEC validation failed: the answer was withheld as bogus.
    Bogus { reason: String },
    /// The lookup could not be completed (SERVFAIL, time-out, refused, malformed reply).
    Failed { reason: String },
}

impl<T> Answer<T> {
    /// DNSSEC status, or `None` for a failed lookup.
    pub fn security(&self) -> Option<Security> {
        match self {
            Answer::Found { security, .. }
            | Answer::NoData { security }
            | Answer::NxDomain { security } => Some(*security),
            Answer::Bogus { .. } => Some(Security::Bogus),
            Answer::Failed { .. } => None,
        }
    }

    /// `found`, `nodata`, `nxdomain`, `bogus` or `failed`.
    pub fn kind(&self) -> &'static str {
        match self {
            Answer::Found { .. } => "found",
            Answer::NoData { .. } => "nodata",
            Answer::NxDomain { .. } => "nxdomain",
            Answer::Bogus { .. } => "bogus",
            Answer::Failed { .. } => "failed",
        }
    }

    pub fn records(&self) -> &[T] {
        match self {
            Answer::Found { records, .. } => records,
            _ => &[],
        }
    }

    pub fn ttl(&self) -> Option<u32> {
        match self {
            Answer::Found { ttl, .. } => Some(*ttl),
            _ => None,
        }
    }

    /// The same answer with only the records `keep` accepts (other kinds unchanged).
    pub fn filtered(&self, keep: impl Fn(&T) -> bool) -> Answer<T>
    where
        T: Clone,
    {
        match self {
            Answer::Found {
                records,
                ttl,
                security,
            } => Answer::Found {
                records: records.iter().filter(|r| keep(r)).cloned().collect(),
                ttl: *ttl,
                security: *security,
            },
            other => other.clone(),
        }
    }

    /// A short human description: `secure, 2 records, TTL 300` or `secure NXDOMAIN`.
    pub fn describe(&self) -> String {
        match self {
            Answer::Found {
                records,
                ttl,
                security,
            } => {
                let n = records.len();
                let s = if n == 1 { "" } else { "s" };
                format!("{security}, {n} record{s}, TTL {ttl}")
            }
            Answer::NoData { security } => format!("no records ({security} denial)"),
            Answer::NxDomain { security } => format!("name does not exist ({security} denial)"),
            Answer::Bogus { reason } => format!("bogus: {reason}"),
            Answer::Failed { reason } => format!("failed: {reason}"),
        }
    }
}

/// What one authoritative server of a zone serves at a name (`check --all-ns`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NsAnswer<T> {
    /// The name server's name, fully qualified.
    pub server: String,
    /// The address asked; `None` when the name server's addresses could not be found.
    pub address: Option<std::net::IpAddr>,
    /// The answer of that server, validated against the chain of trust.
    pub answer: Answer<T>,
    /// The zone's SOA serial on that server (validated like the answer), if it gave one:
    /// tells a stale copy from a fresh one.
    pub serial: Option<u32>,
}

/// A name asked of every authoritative server of its zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsSurvey<T> {
    /// The zone holding the name and each server's answer (one per NS address).
    Done {
        zone: String,
        servers: Vec<NsAnswer<T>>,
    },
    /// The zone or its servers could not be found.
    Failed { reason: String },
}
