//! `--trust-anchor FILE`: DNSKEY and DS lines, checked here and handed to libunbound,
//! which matches DS anchors against the zone's DNSKEY RRset itself (RFC 4034 §5).

use std::path::Path;
use std::str::FromStr;

use hickory_proto::dnssec::TrustAnchors;
use hickory_proto::dnssec::rdata::{DNSSECRData, DS};
use hickory_proto::rr::{Name, RData};
use hickory_proto::serialize::txt::Parser;

use crate::error::{Error, Result};

/// Largest trust-anchor file read.
const MAX_ANCHOR_BYTES: u64 = 64 * 1024;

/// The IANA root key-signing keys as DS records (KSK-2017 and KSK-2024), from
/// https://data.iana.org/root-anchors/root-anchors.xml.
pub(crate) const ROOT_ANCHORS: &[&str] = &[
    ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
    ". IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
];

/// Loads the anchors (one record per string, for libunbound) and the names of the
/// zones they belong to.
pub(crate) fn load(path: &Path) -> Result<(Vec<String>, Vec<Name>)> {
    let shown = path.display().to_string();
    let text = read(path).map_err(|m| Error::input(&shown, m))?;
    let parsed = parse(&text).map_err(|m| Error::input(&shown, m))?;
    let mut zones = parsed.dnskey_zones;
    zones.extend(parsed.ds.into_iter().map(|(name, _)| name));
    zones.sort();
    zones.dedup();
    let entries = parsed
        .dnskey_text
        .lines()
        .chain(parsed.ds_text.lines())
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    Ok((entries, zones))
}

/// The DNSKEY and DS records of an anchor file.
struct Parsed {
    dnskey_text: String,
    ds_text: String,
    dnskey_zones: Vec<Name>,
    ds: Vec<(Name, DS)>,
}

/// Checks the DNSKEY and DS records with hickory's parsers. Entries of other types (the
/// RRSIGs of `kdig +dnssec` output, a SOA …) are dropped first, so that no type the
/// parser may not know can fail the file; TTL and class may be left out, as in Debian's
/// `/usr/share/dns/root.ds`.
fn parse(text: &str) -> std::result::Result<Parsed, String> {
    let (dnskey_text, ds_text) = anchor_entries(text);
    if dnskey_text.is_empty() && ds_text.is_empty() {
        return Err("not a DNSKEY trust anchor: the file holds no DNSKEY or DS record".into());
    }
    // hickory's zone parser refuses DNSKEY records (it expects them to be made by a
    // signer); its trust-anchor parser reads them.
    if !dnskey_text.is_empty() {
        TrustAnchors::from_str(&dnskey_text)
            .map_err(|e| format!("not a DNSKEY trust anchor: {e}"))?;
    }
    let ds = parse_ds(&ds_text)?;
    Ok(Parsed {
        dnskey_zones: owner_names(&dnskey_text),
        ds,
        dnskey_text,
        ds_text,
    })
}

fn read(path: &Path) -> std::result::Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut text = String::new();
    file.take(MAX_ANCHOR_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|_| "is not a text file".to_string())?;
    if text.len() as u64 > MAX_ANCHOR_BYTES {
        return Err(format!("larger than {MAX_ANCHOR_BYTES} bytes"));
    }
    Ok(text)
}

/// The DNSKEY and DS entries of a zone-file text, one per line (parentheses joined,
/// comments dropped), in the forms the two hickory parsers read: DNSKEY as
/// `owner IN DNSKEY rdata`, DS with TTL and class as written. Other entries are left out.
fn anchor_entries(text: &str) -> (String, String) {
    let mut dnskey = String::new();
    let mut ds = String::new();
    let mut entry = String::new();
    let mut depth = 0i32;
    for line in text.lines() {
        let line = line.split(';').next().unwrap_or("");
        depth += line.matches('(').count() as i32 - line.matches(')').count() as i32;
        entry.push_str(&line.replace(['(', ')'], " "));
        entry.push(' ');
        if depth > 0 {
            continue;
        }
        let tokens: Vec<&str> = entry.split_whitespace().collect();
        match entry_type(&tokens) {
            Some((i, t)) if t.eq_ignore_ascii_case("DNSKEY") => {
                dnskey.push_str(&format!("{} IN {}\n", tokens[0], tokens[i..].join(" ")));
            }
            Some((_, t)) if t.eq_ignore_ascii_case("DS") => {
                ds.push_str(&tokens.join(" "));
                ds.push('\n');
            }
            _ => {}
        }
        entry.clear();
        depth = 0;
    }
    (dnskey, ds)
}

fn owner_names(dnskey_text: &str) -> Vec<Name> {
    dnskey_text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter_map(|n| Name::from_ascii(n).ok())
        .collect()
}

fn parse_ds(text: &str) -> std::result::Result<Vec<(Name, DS)>, String> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    // A default TTL: anchors need none, but the zone-file syntax does.
    let zone = format!("$TTL 0\n{text}");
    let (_, records) = Parser::new(zone, None, Some(Name::root()))
        .parse()
        .map_err(|e| format!("not a DS trust anchor: {e}"))?;
    let mut out = Vec::new();
    for set in records.values() {
        for r in set.records_without_rrsigs() {
            if let RData::DNSSEC(DNSSECRData::DS(ds)) = &r.data {
                out.push((r.name.clone(), ds.clone()));
            }
        }
    }
    Ok(out)
}

/// The position and type of `owner [TTL] [class] TYPE rdata` (TTL and class in
/// either order).
fn entry_type<'a>(tokens: &[&'a str]) -> Option<(usize, &'a str)> {
    let is_class = |t: &str| {
        ["IN", "CH", "HS", "CS"]
            .iter()
            .any(|c| t.eq_ignore_ascii_case(c))
            || t.to_ascii_uppercase().starts_with("CLASS")
    };
    let is_ttl = |t: &str| t.starts_with(|c: char| c.is_ascii_digit());
    tokens
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, t)| !is_class(t) && !is_ttl(t))
        .map(|(i, t)| (i, *t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_ds_and_dnskey_with_parentheses_and_comments() {
        let text = "; anchor\ntest. 3600 IN DNSKEY 257 3 13 (\n  AAAA\n  BBBB ) ; key\ntest. IN DS 1 13 2 abcd\ntest. 3600 IN RRSIG DS 13 1 3600 20260101000000 20250101000000 1 test. AAAA\n";
        assert_eq!(
            anchor_entries(text),
            (
                "test. IN DNSKEY 257 3 13 AAAA BBBB\n".to_string(),
                "test. IN DS 1 13 2 abcd\n".to_string()
            )
        );
    }

    #[test]
    fn types_are_found_after_ttl_and_class_in_any_order() {
        assert_eq!(entry_type(&[".", "IN", "DS", "1"]), Some((2, "DS")));
        assert_eq!(
            entry_type(&[".", "IN", "172800", "DNSKEY"]),
            Some((3, "DNSKEY"))
        );
        assert_eq!(entry_type(&[".", "1d", "RRSIG", "DS"]), Some((2, "RRSIG")));
        assert_eq!(entry_type(&["."]), None);
    }

    /// Debian's `/usr/share/dns/root.ds` (package dns-root-data): DS lines without TTL
    /// were refused.
    #[test]
    fn debian_root_ds_without_ttl_loads() {
        let text = std::fs::read_to_string("/usr/share/dns/root.ds")
            .expect("/usr/share/dns/root.ds (Debian package dns-root-data, installed by .ci/test)");
        let parsed = parse(&text).unwrap();
        assert!(
            parsed
                .ds
                .iter()
                .any(|(n, ds)| n.is_root() && ds.key_tag() == 20326)
        );
        assert!(parsed.dnskey_text.is_empty() && parsed.dnskey_zones.is_empty());
    }

    #[test]
    fn debian_root_key_loads() {
        let text = std::fs::read_to_string("/usr/share/dns/root.key").expect(
            "/usr/share/dns/root.key (Debian package dns-root-data, installed by .ci/test)",
        );
        let parsed = parse(&text).unwrap();
        assert!(parsed.dnskey_text.lines().count() >= 2);
        assert!(parsed.dnskey_zones.iter().all(|n| n.is_root()));
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
             example. IN SOA a. b. 1 2 3 4 5\n"
        );
        let parsed = parse(&text).unwrap();
        assert_eq!(
            parsed.dnskey_text.lines().count(),
            2,
            "the root key and example.'s"
        );
        assert_eq!(parsed.dnskey_zones.len(), 2);
        assert_eq!(parsed.ds.len(), 1);
    }

    #[test]
    fn a_file_without_anchors_is_named() {
        let Err(e) = parse("this is not a key\n") else {
            panic!("parsed")
        };
        assert!(e.starts_with("not a DNSKEY trust anchor"), "{e}");
    }
}
