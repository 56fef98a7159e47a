//! TLSA owner names (`_25._tcp.mx.example.com.`, RFC 6698 §3): host names normalised to
//! lower-case A-labels with exactly one trailing dot.

use std::fmt;

/// Transport protocol label of a TLSA owner name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
    Sctp,
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Sctp => "sctp",
        })
    }
}

/// Why a user-given host name is refused; the text is shown escaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("empty host name")]
    Empty,
    #[error("'{0}' is a wildcard; TLSA records need a concrete host name")]
    Wildcard(String),
    #[error("'{0}' is not a valid host name")]
    Invalid(String),
    #[error(
        "'{0}' is longer than {MAX_HOST} characters: with _PORT._PROTO. before it, the TLSA owner name would not fit in 255 octets"
    )]
    TooLong(String),
    #[error("'{0}' has an empty label")]
    EmptyLabel(String),
    #[error("'{0}' has a label longer than 63 characters")]
    LongLabel(String),
}

/// The longest host name whose TLSA owner name fits in 255 octets on the wire for
/// any port and protocol: `_65535` and `_sctp` take 7 and 6 octets, the host's
/// labels its length plus 2 (RFC 1035 §2.3.4).
pub const MAX_HOST: usize = 240;

/// A host name in lower-case A-label form, without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Host(String);

impl Host {
    /// Normalises a user-given host: one trailing dot allowed, IDNA to A-labels
    /// (UTS #46), at most [`MAX_HOST`] characters and 63 per label, no wildcard.
    pub fn parse(text: &str) -> Result<Host, HostError> {
        let shown = || crate::sanitize::escape(text).into_owned();
        let bare = text.strip_suffix('.').unwrap_or(text);
        if bare.is_empty() {
            return Err(HostError::Empty);
        }
        if bare.contains('*') {
            return Err(HostError::Wildcard(shown()));
        }
        let ascii = idna::domain_to_ascii_strict(bare)
            .or_else(|_| idna::domain_to_ascii(bare))
            .map_err(|_| HostError::Invalid(shown()))?;
        if ascii.len() > MAX_HOST {
            return Err(HostError::TooLong(shown()));
        }
        for label in ascii.split('.') {
            if label.is_empty() {
                return Err(HostError::EmptyLabel(shown()));
            }
            if label.len() > 63 {
                return Err(HostError::LongLabel(shown()));
            }
            if !label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(HostError::Invalid(shown()));
            }
        }
        Ok(Host(ascii.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The TLSA owner name for a port and protocol, fully qualified.
    pub fn tlsa_owner(&self, port: u16, proto: Proto) -> String {
        format!("_{port}._{proto}.{}.", self.0)
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest host takes the longest prefix and still fits in 255 octets.
    #[test]
    fn the_longest_host_has_a_tlsa_owner_that_fits() {
        let label = "a".repeat(63);
        let longest = format!("{label}.{label}.{label}.{}", "b".repeat(MAX_HOST - 3 * 64));
        let h = Host::parse(&longest).unwrap();
        let owner = h.tlsa_owner(65535, Proto::Sctp);
        let name = hickory_proto::rr::Name::from_ascii(&owner).unwrap();
        let wire = hickory_proto::serialize::binary::BinEncodable::to_bytes(&name).unwrap();
        assert_eq!(wire.len(), 255, "{owner}");
        let longer = format!("{longest}b");
        assert!(matches!(Host::parse(&longer), Err(HostError::TooLong(_))));
    }

    #[test]
    fn trailing_dot_is_never_doubled() {
        let h = Host::parse("mx.example.com.").unwrap();
        assert_eq!(h.tlsa_owner(25, Proto::Tcp), "_25._tcp.mx.example.com.");
        let h = Host::parse("mx.example.com").unwrap();
        assert_eq!(h.tlsa_owner(465, Proto::Tcp), "_465._tcp.mx.example.com.");
    }

    #[test]
    fn idn_becomes_a_label_and_case_folds() {
        let h = Host::parse("MX.Bücher.example").unwrap();
        assert_eq!(h.as_str(), "mx.xn--bcher-kva.example");
    }

    #[test]
    fn bad_hosts_are_rejected() {
        assert!(Host::parse("").is_err());
        assert!(Host::parse(".").is_err());
        assert!(Host::parse("a..b").is_err());
        assert!(Host::parse("*.example.com").is_err());
        assert!(Host::parse(&"a".repeat(64)).is_err());
        assert!(Host::parse("mx .example.com").is_err());
        assert!(Host::parse("mx.example.com..").is_err());
    }
}
