//! `--trust-anchor FILE`: DNSKEY and DS lines, checked here and handed to libunbound,
//! which matches DS anchors against the zone's DNSKEY RRset itself (RFC 4034 §5).

use std::path::Path;

use hickory_proto::dnssec::rdata::DNSSECRData;
use hickory_proto::rr::{Name, RData, RecordType};

use crate::error::{Error, Result};
use crate::input::zonefile;
use crate::input::zonefile::include::ReadError;

/// Largest trust-anchor file read.
const MAX_ANCHOR_BYTES: u64 = 64 * 1024;

/// The IANA root key-signing keys as DS records (KSK-2017 and KSK-2024), from
/// https://data.iana.org/root-anchors/root-anchors.xml.
pub(crate) const ROOT_ANCHORS: &[&str] = &[
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
];

/// Why a trust-anchor file cannot be used; the caller names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AnchorError {
    #[error("cannot read: {0}")]
    Read(String),
    #[error("is not a text file")]
    NotText,
    #[error("larger than {MAX_ANCHOR_BYTES} bytes")]
    TooLarge,
    #[error("not a DNSKEY trust anchor: the file holds no DNSKEY or DS record")]
    NoAnchor,
    /// A DNSKEY or DS entry (or a line whose type cannot be told) that does not parse.
    #[error("line {line}: not a trust anchor: {message}")]
    Entry { line: usize, message: String },
}

/// Loads the anchors (one record per string, for libunbound) and the names of the
/// zones they belong to.
pub(crate) fn load(path: &Path) -> Result<(Vec<String>, Vec<Name>)> {
    let shown = path.display().to_string();
    let fail = |e: AnchorError| Error::input(&shown, e.to_string());
    let text = read(path).map_err(fail)?;
    let parsed = parse(&text).map_err(fail)?;
    let mut zones: Vec<Name> = parsed.iter().map(|a| a.zone.clone()).collect();
    zones.sort();
    zones.dedup();
    Ok((parsed.into_iter().map(|a| a.entry).collect(), zones))
}

/// One DNSKEY or DS anchor.
#[derive(Debug, PartialEq, Eq)]
struct Anchor {
    zone: Name,
    /// The record in presentation form, as libunbound's `ub_ctx_add_ta` reads it.
    entry: String,
    rtype: RecordType,
}

/// Reads the file as a zone file with the zone reader `zone` uses (NLnet Labs
/// `domain`): TTL and class may be left out, as in Debian's `/usr/share/dns/root.ds`;
/// entries of other types (the RRSIGs of `kdig +dnssec` output, a SOA …) are ignored,
/// even when they do not parse; `$INCLUDE` is not followed.
fn parse(text: &str) -> std::result::Result<Vec<Anchor>, AnchorError> {
    let no_include = |_: &Path| Err(ReadError::NotFollowed("a trust-anchor file"));
    let zone = zonefile::parse(text, Path::new(""), Name::root(), Some(0), &no_include);
    let anchor_type = |t: &str| t.eq_ignore_ascii_case("DNSKEY") || t.eq_ignore_ascii_case("DS");
    if let Some(p) = zone
        .problems
        .iter()
        .find(|p| p.rtype.as_deref().is_none_or(anchor_type))
    {
        return Err(AnchorError::Entry {
            line: p.line,
            message: p.message.clone(),
        });
    }
    let mut anchors = Vec::new();
    for r in &zone.records {
        let (rtype, data) = match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(k)) => (RecordType::DNSKEY, k.to_string()),
            RData::DNSSEC(DNSSECRData::DS(ds)) => (RecordType::DS, ds.to_string()),
            _ if matches!(r.rtype, RecordType::DNSKEY | RecordType::DS) => {
                // Read by the scanner, refused by the decoder (a DNSKEY protocol other
                // than 3, RFC 4034 §2.1.2): never dropped without a word.
                return Err(AnchorError::Entry {
                    line: r.line,
                    message: format!("{} record that is not a valid {}", r.rtype, r.rtype),
                });
            }
            _ => continue,
        };
        let zone = Name::from_ascii(&r.name).map_err(|e| AnchorError::Entry {
            line: r.line,
            message: format!("owner name: {e}"),
        })?;
        anchors.push(Anchor {
            entry: format!("{} IN {rtype} {data}", r.name),
            zone,
            rtype,
        });
    }
    if anchors.is_empty() {
        return Err(AnchorError::NoAnchor);
    }
    Ok(anchors)
}

fn read(path: &Path) -> std::result::Result<String, AnchorError> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).map_err(|e| AnchorError::Read(crate::input::describe_io(&e)))?;
    let mut text = String::new();
    file.take(MAX_ANCHOR_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|_| AnchorError::NotText)?;
    if text.len() as u64 > MAX_ANCHOR_BYTES {
        return Err(AnchorError::TooLarge);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(anchors: &[Anchor], rtype: RecordType) -> usize {
        anchors.iter().filter(|a| a.rtype == rtype).count()
    }

    #[test]
    fn entries_are_read_across_parentheses_and_comments() {
        let text = "; anchor\ntest. 3600 IN DNSKEY 257 3 13 (\n  AAAA\n  BBBB ) ; key\ntest. IN DS 1 13 2 abcd\ntest. 3600 IN RRSIG DS 13 1 3600 20260101000000 20250101000000 1 test. AAAA\n";
        let anchors = parse(text).unwrap();
        let entries: Vec<&str> = anchors.iter().map(|a| a.entry.as_str()).collect();
        assert_eq!(
            entries,
            [
                "test. IN DNSKEY 257 3 13 AAAABBBB",
                "test. IN DS 1 13 2 ABCD"
            ]
        );
    }

    /// Debian's `/usr/share/dns/root.ds` (package dns-root-data): DS lines without TTL
    /// were refused.
    #[test]
    fn debian_root_ds_without_ttl_loads() {
        let text = std::fs::read_to_string("/usr/share/dns/root.ds")
            .expect("/usr/share/dns/root.ds (Debian package dns-root-data, installed by .ci/test)");
        let anchors = parse(&text).unwrap();
        assert!(
            anchors
                .iter()
                .any(|a| a.zone.is_root() && a.entry.starts_with(". IN DS 20326 8 2 "))
        );
        assert_eq!(count(&anchors, RecordType::DNSKEY), 0);
    }

    #[test]
    fn debian_root_key_loads() {
        let text = std::fs::read_to_string("/usr/share/dns/root.key").expect(
            "/usr/share/dns/root.key (Debian package dns-root-data, installed by .ci/test)",
        );
        let anchors = parse(&text).unwrap();
        assert!(count(&anchors, RecordType::DNSKEY) >= 2);
        assert!(anchors.iter().all(|a| a.zone.is_root()));
    }

    /// `kdig +dnssec +answer` output holds RRSIG lines, which made the file refused.
    #[test]
    fn rrsig_and_other_lines_are_ignored_and_ttl_or_class_may_be_missing() {
        let key = "AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=";
        let text = format!(
            ";; ANSWER SECTION:\n\
             .\t172800\tIN\tDNSKEY\t257 3 8 {key}\n\
             .\t172800\tIN\tRRSIG\tDNSKEY 8 0 172800 20261201000000 20261110000000 20326 . AAAA\n\
             example. 3600 DNSKEY 257 3 8 {key}\n\
             example. DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n\
             example. IN SOA a. b. 1 2 3 4 5\n\
             example. IN RRSIG this does not parse\n"
        );
        let anchors = parse(&text).unwrap();
        assert_eq!(
            count(&anchors, RecordType::DNSKEY),
            2,
            "the root key and example.'s"
        );
        assert_eq!(count(&anchors, RecordType::DS), 1);
    }

    /// Output of several `kdig` lookups pasted together may hold a CNAME beside
    /// other data at one name; that breaks a zone, not the anchors.
    #[test]
    fn a_cname_beside_other_data_is_not_an_anchor_problem() {
        let text =
            "test. IN DS 1 13 2 abcd\nwww.test. 300 IN CNAME test.\nwww.test. 300 IN A 127.0.0.1\n";
        let anchors = parse(text).unwrap();
        assert_eq!(anchors.len(), 1);
        assert_eq!(anchors[0].rtype, RecordType::DS);
    }

    #[test]
    fn a_file_without_anchors_is_named() {
        assert_eq!(parse("; nothing\n"), Err(AnchorError::NoAnchor));
        assert_eq!(parse("this is not a key\n"), Err(AnchorError::NoAnchor));
    }

    /// A trust-anchor file names no other file: `$INCLUDE` is refused on its line.
    #[test]
    fn include_is_not_followed() {
        let e = parse(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n$INCLUDE /etc/passwd\n").unwrap_err();
        assert!(matches!(e, AnchorError::Entry { line: 2, .. }), "{e}");
        assert!(e.to_string().contains("not followed"), "{e}");
    }

    /// A DNSKEY with protocol 4 was dropped without a word while the other anchors
    /// loaded (found in review).
    #[test]
    fn a_dnskey_with_a_protocol_other_than_3_is_refused_on_its_line() {
        let key = "AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=";
        let text = format!(". IN DNSKEY 257 3 8 {key}\n. IN DNSKEY 257 4 8 {key}\n");
        let e = parse(&text).unwrap_err();
        assert!(matches!(e, AnchorError::Entry { line: 2, .. }), "{e}");
    }

    #[test]
    fn a_broken_ds_names_its_line() {
        let e = parse("; anchors\n. IN DS 20326 8 2 XYZ\n").unwrap_err();
        assert!(matches!(e, AnchorError::Entry { line: 2, .. }), "{e}");
    }
}
