//! Data the `domain` scanner reads but BIND or Knot refuse when loading the zone,
//! judged on the scanner's typed record data (never on the text again): the
//! NSEC3 next hashed owner length and owner label, empty SVCB/HTTPS `alpn`
//! ids (but for an empty last one, which the scanner drops), and OPENPGPKEY records
//! without a key.

use domain::base::iana::{Nsec3HashAlgorithm, Rtype};
use domain::base::name::ToLabelIter;
use domain::base::rdata::ComposeRecordData;
use domain::rdata::ZoneRecordData;
use domain::zonefile::inplace::ScannedRecord;

/// Octets of a SHA-1 hash, the one NSEC3 hash algorithm (RFC 5155 §11).
const SHA1_LEN: usize = 20;

/// Why the servers refuse this record, if they do.
pub(super) fn refused(record: &ScannedRecord) -> Option<String> {
    match record.data() {
        ZoneRecordData::Nsec3(n) => nsec3_owner(record)
            .or_else(|| nsec3_next_length(n.hash_algorithm(), n.next_owner().as_slice().len())),
        ZoneRecordData::Svcb(s) => empty_alpn_id(s.params(), "SVCB"),
        ZoneRecordData::Https(s) => empty_alpn_id(s.params(), "HTTPS"),
        // Also generic data (`OPENPGPKEY \# 0`), which the scanner keeps as such.
        _ if record.rtype() == Rtype::OPENPGPKEY && record.data().rdlen(false) == Some(0) => {
            Some("OPENPGPKEY record without a key: BIND and Knot refuse the zone".to_string())
        }
        _ => None,
    }
}

/// BIND takes the first label of an NSEC3 owner as a hash: base32hex without
/// padding, unused trailing bits zero (`CPNMU===` is refused; Knot refuses the
/// `=` too).
fn nsec3_owner(record: &ScannedRecord) -> Option<String> {
    let owner = record.owner();
    let label = owner.iter_labels().next()?;
    let text = String::from_utf8_lossy(label.as_slice()).to_ascii_uppercase();
    if data_encoding::BASE32HEX_NOPAD
        .decode(text.as_bytes())
        .is_ok()
    {
        return None;
    }
    Some(format!(
        "NSEC3 owner label '{}' is not base32hex of a hash (no padding): BIND refuses the zone",
        crate::sanitize::escape(&String::from_utf8_lossy(label.as_slice()))
    ))
}

/// A SHA-1 next hashed owner is 20 octets; BIND refuses any other length (and Knot
/// base32hex that is not whole 8-character blocks).
fn nsec3_next_length(alg: Nsec3HashAlgorithm, len: usize) -> Option<String> {
    (alg == Nsec3HashAlgorithm::SHA1 && len != SHA1_LEN).then(|| {
        format!(
            "NSEC3 next hashed owner of {len} octets, not the {SHA1_LEN} of a SHA-1 hash: BIND refuses the zone"
        )
    })
}

/// An `alpn` list item that is empty (`alpn=a,,b`, `alpn=,abc`, RFC 9460 §7.1.1): both
/// servers refuse it ("empty comma-separated list item"). An empty last item
/// (`alpn=abc,`) is dropped by the scanner and so not seen here.
fn empty_alpn_id(
    params: &domain::rdata::svcb::SvcParams<bytes::Bytes>,
    rtype: &str,
) -> Option<String> {
    let alpn = params.alpn()?;
    alpn.iter()
        .any(|id| id.is_empty())
        .then(|| format!("{rtype} alpn with an empty protocol id: BIND and Knot refuse the zone"))
}
