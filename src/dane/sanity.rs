//! Chain sanity notes for `generate`: order, signatures, missing issuer, validity,
//! duplicates and host names (pure; "now" is passed in).

use crate::chain::{Certificate, Normalized};
use crate::owner::Host;
use crate::sanitize::escape;

/// Finds problems in a chain that make some records useless. `norm` is the chain
/// after [`crate::chain::normalize`]; records are made for that order.
pub fn chain_notes(norm: &Normalized, hosts: &[Host], now: i64, ta_records: bool) -> Vec<String> {
    let mut notes = Vec::new();
    for (i, j) in &norm.duplicates {
        notes.push(format!(
            "certificate {i} is a duplicate of certificate {j}; it is listed once"
        ));
    }
    if norm.reordered {
        notes.push(format!(
            "certificates out of order: servers must send the leaf first, then each issuer; records are made for the order {}",
            norm.certs.iter().map(|c| escape(&c.subject).into_owned()).collect::<Vec<_>>().join(" <- ")
        ));
    }
    let certs = norm.certs.as_slice();
    // Links are checked along the leaf's path only: certificates after it (an extra
    // root, the other half of a cross-sign) are not meant to link.
    link_notes(&certs[..norm.path_len.min(certs.len())], &mut notes);
    if norm.path_len < certs.len() {
        notes.push(format!(
            "{} certificate(s) after the leaf's issuance path ({}) are not needed by it; records are made for them too",
            certs.len() - norm.path_len,
            certs[norm.path_len..]
                .iter()
                .map(|c| escape(&c.subject).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    validity_notes(certs, now, &mut notes);
    if crate::dane::recordset::is_lone_ca(certs) {
        notes.push(if ta_records {
            format!(
                "{} is a CA certificate given alone: DANE-TA (2 x x) records are made for it as a trust anchor, DANE-EE (3 x x) ones in case a server presents it as its own",
                escape(&certs[0].subject)
            )
        } else {
            format!(
                "{} is a CA certificate given alone: its records are made as for a server's own certificate (3 x x); --set recommended adds DANE-TA (2 x x) ones",
                escape(&certs[0].subject)
            )
        });
        return notes;
    }
    if let Some(leaf) = certs.first() {
        leaf_notes(leaf, certs.len(), hosts, ta_records, &mut notes);
    }
    notes
}

/// The leaf: a CA where the server's own certificate belongs, a missing issuer, and
/// hosts it does not name.
fn leaf_notes(
    leaf: &Certificate,
    chain_len: usize,
    hosts: &[Host],
    ta_records: bool,
    notes: &mut Vec<String>,
) {
    if leaf.is_ca {
        notes.push(format!(
            "the first certificate ({}) is a CA certificate, but the first one should be the server's own (leaf) certificate",
            escape(&leaf.subject)
        ));
    }
    if chain_len == 1 && !leaf.is_self_issued() {
        notes.push(format!(
            "the leaf's issuer ({}) is not in the input, so no 2 x x record can cover it; use fullchain.pem",
            escape(&leaf.issuer)
        ));
    }
    for host in hosts {
        if !leaf.covers_host(host.as_str()) {
            let effect = if ta_records {
                "DANE-TA (2 x x) records will fail the name check"
            } else {
                "harmless for DANE-EE (3 x x) records, fatal for DANE-TA (2 x x) ones"
            };
            notes.push(format!(
                "host {host} is not among the leaf's names ({}): {effect}",
                escape(&leaf.reference_names().join(", "))
            ));
        }
    }
}

fn link_notes(certs: &[Certificate], notes: &mut Vec<String>) {
    for (i, pair) in certs.windows(2).enumerate() {
        let (child, parent) = (&pair[0], &pair[1]);
        if child.issuer_der != parent.subject_der {
            notes.push(format!(
                "certificate {} ({}) did not issue certificate {i} (whose issuer is {})",
                i + 1,
                escape(&parent.subject),
                escape(&child.issuer)
            ));
        } else if !child.signed_by(parent) {
            notes.push(format!(
                "the signature on certificate {i} does not verify with the key of certificate {} ({})",
                i + 1,
                escape(&parent.subject)
            ));
        }
    }
}

fn validity_notes(certs: &[Certificate], now: i64, notes: &mut Vec<String>) {
    for (i, cert) in certs.iter().enumerate() {
        if cert.not_after < now {
            notes.push(format!(
                "certificate {i} ({}) expired on {}",
                escape(&cert.subject),
                crate::render::iso_time(cert.not_after)
            ));
        } else if cert.not_before > now {
            notes.push(format!(
                "certificate {i} ({}) is not valid before {}",
                escape(&cert.subject),
                crate::render::iso_time(cert.not_before)
            ));
        }
    }
}

/// Every name of a leaf that is a usable host name (IP addresses and wildcards left
/// out): the hosts whose TLSA records cover it when none are given.
pub fn hosts_of_leaf(leaf: &Certificate) -> Vec<Host> {
    leaf.reference_names()
        .iter()
        .filter(|n| n.trim_end_matches('.').parse::<std::net::IpAddr>().is_err())
        .filter_map(|n| Host::parse(n).ok())
        .collect()
}

/// The host a leaf is for when no `--host` is given: its first subjectAltName dNSName
/// (or, without any, its common name) that is a usable host name. Wildcards and IP
/// addresses are skipped, and so named in the second value. The error says why none is.
pub fn host_from_leaf(leaf: &Certificate) -> Result<(Host, Vec<String>), NoHost> {
    let mut skipped = Vec::new();
    for name in leaf.reference_names() {
        let why = if name
            .trim_end_matches('.')
            .parse::<std::net::IpAddr>()
            .is_ok()
        {
            "an IP address".to_string()
        } else {
            match Host::parse(name) {
                Ok(host) => return Ok((host, skipped)),
                Err(_) if name.contains('*') => "a wildcard".to_string(),
                Err(_) => "not a host name".to_string(),
            }
        };
        skipped.push(format!("{} ({why})", escape(name)));
    }
    Err(if skipped.is_empty() {
        NoHost::NoName
    } else {
        NoHost::Unusable(skipped.join(", "))
    })
}

/// Why a leaf gives no host name (`--host` is then needed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoHost {
    #[error("the leaf certificate has no DNS name")]
    NoName,
    /// The names skipped, each with why (escaped).
    #[error("none of the leaf's names is a usable host name: {0}")]
    Unusable(String),
}
