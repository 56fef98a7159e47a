//! Data the `domain` scanner reads but BIND or Knot refuse when loading the zone,
//! judged on the scanner's typed record data wherever it has them: the
//! NSEC3 next hashed owner length and owner label, empty SVCB/HTTPS `alpn`
//! ids, and OPENPGPKEY records without a key. Two checks need the entry's words
//! instead, both small enough to state in a line of an RFC: an empty last `alpn` id,
//! which the scanner drops, and the data of EUI48, EUI64, NSAP and UNSPEC records,
//! types the scanner has no parser for.

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

/// Why the servers refuse the data words of a record of a type the scanner has no
/// parser for (`rtype` in upper case, `data` not RFC 3597 generic data), where the
/// type's form is a single fixed pattern: EUI48 and EUI64 (RFC 7043 §3.2, §4.2),
/// NSAP (RFC 1706 §5) and UNSPEC, which only generic data can give in Knot.
pub(super) fn refused_text(rtype: &str, data: &[&str]) -> Option<String> {
    let shown = || crate::sanitize::escape(&data.join(" ")).into_owned();
    match rtype {
        "EUI48" | "TYPE108" | "EUI64" | "TYPE109" => {
            let pairs = if rtype.ends_with("48") || rtype == "TYPE108" { 6 } else { 8 };
            (!eui(data, pairs)).then(|| {
                format!(
                    "{rtype} data '{}' is not {pairs} hex pairs joined by '-' (RFC 7043): BIND and Knot refuse the zone",
                    shown()
                )
            })
        }
        "NSAP" | "TYPE22" => (!nsap(data)).then(|| {
            format!(
                "{rtype} data '{}' is not '0x' and an even number of hex digits (RFC 1706 §5): BIND and Knot refuse the zone",
                shown()
            )
        }),
        "UNSPEC" | "TYPE103" => Some(format!(
            "{rtype} data '{}' is not RFC 3597 generic data (\\# LENGTH HEX): Knot refuses the zone",
            shown()
        )),
        _ => None,
    }
}

/// One word of `pairs` two-digit hex numbers joined by `-`.
fn eui(data: &[&str], pairs: usize) -> bool {
    let [word] = data else { return false };
    let parts: Vec<&str> = word.split('-').collect();
    parts.len() == pairs
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// One word: `0x`, then hex digits (an even number, at least two) with dots
/// anywhere among them for readability.
fn nsap(data: &[&str]) -> bool {
    let [word] = data else { return false };
    let Some(digits) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) else {
        return false;
    };
    let hex = digits.bytes().filter(|b| *b != b'.');
    hex.clone().all(|b| b.is_ascii_hexdigit()) && hex.clone().count() > 0 && hex.count() % 2 == 0
}

/// An `alpn` value of SVCB/HTTPS data words whose last protocol id is empty
/// (`alpn=h2,`, `alpn=h2\,`): RFC 9460 §7.1.1 forbids empty ids and both servers
/// refuse them, but the scanner drops the last one, so the parsed data cannot show it.
/// (A list with escapes of its own, `alpn=a\\,b`, the scanner does not read at all:
/// such a record is skipped with a note, and BIND and Knot disagree on them.)
pub(super) fn empty_last_alpn_id(rtype: &str, data: &[&str]) -> Option<String> {
    // SvcPriority and TargetName come first, then the `key=value` parameters, where a
    // quoted value may hold blanks (and so run over several words).
    let mut quoted = false;
    let mut at = None;
    for (i, w) in data.iter().enumerate().skip(2) {
        if !quoted && w.get(..5).is_some_and(|k| k.eq_ignore_ascii_case("alpn=")) {
            at = Some(i);
            break;
        }
        quoted ^= !quotes(w).is_multiple_of(2);
    }
    let at = at?;
    let mut value = data[at][5..].to_string();
    if !quotes(&value).is_multiple_of(2) {
        for w in &data[at + 1..] {
            value.push(' ');
            value.push_str(w);
            if quotes(&value).is_multiple_of(2) {
                break;
            }
        }
    }
    let list = unescape(&value);
    // The list's own escape: a ',' after an odd number of '\' is part of an id.
    let ends_empty = list.last() == Some(&b',')
        && list[..list.len() - 1]
            .iter()
            .rev()
            .take_while(|b| **b == b'\\')
            .count()
            % 2
            == 0;
    ends_empty.then(|| {
        format!("{rtype} alpn ends with an empty protocol id: BIND and Knot refuse the zone")
    })
}

/// How many '"' in a word are not escaped.
fn quotes(word: &str) -> usize {
    let b = word.as_bytes();
    let (mut n, mut i) = (0, 0);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}

/// The zone file's own escapes (RFC 1035 §5.1) undone: quotes dropped, `\DDD` a
/// byte, `\X` the character X.
fn unescape(value: &str) -> Vec<u8> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {}
            b'\\' => {
                let digits = b
                    .get(i + 1..i + 4)
                    .filter(|d| d.iter().all(u8::is_ascii_digit));
                match digits.and_then(|d| std::str::from_utf8(d).ok()?.parse::<u8>().ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        if let Some(c) = b.get(i + 1) {
                            out.push(*c);
                        }
                        i += 1;
                    }
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}
