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
    let (dnskey_text, ds_text) = split_entries(&text);
    if !dnskey_text.trim().is_empty() {
        TrustAnchors::from_str(&dnskey_text)
            .map_err(|e| Error::input(&shown, format!("not a DNSKEY trust anchor: {e}")))?;
    }
    let mut zones = owner_names(&dnskey_text);
    let ds_records = parse_ds(&ds_text).map_err(|m| Error::input(&shown, m))?;
    zones.extend(ds_records.into_iter().map(|(name, _)| name));
    if zones.is_empty() {
        return Err(Error::input(&shown, "holds no DNSKEY or DS record"));
    }
    zones.sort();
    zones.dedup();
    let entries = dnskey_text
        .lines()
        .chain(ds_text.lines())
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    Ok((entries, zones))
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

/// Splits zone-file entries (parentheses joined, comments dropped) into DNSKEY and DS text.
fn split_entries(text: &str) -> (String, String) {
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
        if tokens.iter().any(|t| t.eq_ignore_ascii_case("DS")) {
            ds.push_str(&tokens.join(" "));
            ds.push('\n');
        } else if !tokens.is_empty() {
            dnskey.push_str(&tokens.join(" "));
            dnskey.push('\n');
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
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let (_, records) = Parser::new(text, None, Some(Name::root()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_split_by_type_with_parentheses_and_comments() {
        let text = "; anchor\ntest. 3600 IN DNSKEY 257 3 13 (\n  AAAA\n  BBBB ) ; key\ntest. IN DS 1 13 2 abcd\n";
        let (k, d) = split_entries(text);
        assert_eq!(k, "test. 3600 IN DNSKEY 257 3 13 AAAA BBBB\n");
        assert_eq!(d, "test. IN DS 1 13 2 abcd\n");
    }
}
