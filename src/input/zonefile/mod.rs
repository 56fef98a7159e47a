//! BIND-style master files (RFC 1035 §5, RFC 3597) read the way the name servers
//! read them, with file and line kept for every record and every problem. The
//! scanning and RDATA parsing are NLnet Labs `domain`'s zone-file reader; this
//! module adds what a checker needs around it: line numbers, recovery after a bad
//! entry (the rest of the file is still read), the SOA minimum as default TTL,
//! confined `$INCLUDE`, records of types daneguard does not read skipped with
//! a note, and data the scanner reads but the servers refuse (`judge`) reported.
//! Records are handed on as hickory-proto `RData` (decoded from the wire form
//! `domain` produces), which the rules in `dane::zone` match on.

mod convert;
pub mod include;
mod judge;
mod prepare;
mod scan;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hickory_proto::rr::{Name, RData, RecordType};

use crate::tlsa::{Params, Tlsa};

#[cfg(test)]
use prepare::ttl_seconds;

/// Most nested `$INCLUDE` levels.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Most `$INCLUDE`s read for one zone.
const MAX_INCLUDES: usize = 256;

/// One record of a zone file.
#[derive(Debug, Clone)]
pub struct ZoneRecord {
    pub file: Arc<str>,
    pub line: usize,
    /// Lower-case owner name with trailing dot.
    pub name: String,
    pub ttl: u32,
    /// The TTL came from the caller's fallback, not from the file.
    pub ttl_assumed: bool,
    pub rtype: RecordType,
    pub data: RData,
}

impl ZoneRecord {
    /// The record as a TLSA, if it is one.
    pub fn tlsa(&self) -> Option<Tlsa> {
        match &self.data {
            RData::TLSA(t) => Some(Tlsa {
                params: Params::new(t.cert_usage.into(), t.selector.into(), t.matching.into()),
                data: t.cert_data.clone(),
            }),
            _ => None,
        }
    }
}

/// A line that could not be read, or (in [`Zone::notes`]) one read with a remark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneProblem {
    pub file: Arc<str>,
    pub line: usize,
    /// The record type of the entry, when one could be told.
    pub rtype: Option<String>,
    pub message: String,
}

impl ZoneProblem {
    /// A problem with the entry of record `r`, of type `rtype`.
    fn at(r: &ZoneRecord, rtype: &str, message: String) -> ZoneProblem {
        ZoneProblem {
            file: Arc::clone(&r.file),
            line: r.line,
            rtype: Some(rtype.to_string()),
            message,
        }
    }
}

/// What a zone file holds.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    pub records: Vec<ZoneRecord>,
    pub problems: Vec<ZoneProblem>,
    /// Remarks that are not errors: no `$TTL` (SOA minimum used), skipped types.
    pub notes: Vec<ZoneProblem>,
    /// Records skipped because daneguard does not read their type (LOC, NSAP-PTR, …).
    pub skipped: usize,
    /// Whether DNSKEY or RRSIG records were seen (the file is a signed zone).
    pub signed: bool,
    /// The origin in effect at the first record (after any `$ORIGIN`), lower-case
    /// with trailing dot.
    pub first_origin: Option<String>,
}

/// Reads files for `$INCLUDE`; returns the text or why not (never quoting the
/// file's contents).
pub type Loader<'a> = dyn Fn(&Path) -> Result<String, include::ReadError> + 'a;

/// Why an `$INCLUDE` is not followed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum IncludeError {
    #[error("$INCLUDE nested deeper than {MAX_INCLUDE_DEPTH} levels")]
    TooDeep,
    /// The `$INCLUDE` argument, escaped for printing.
    #[error("$INCLUDE {0}: the file includes itself")]
    Cycle(String),
    #[error("more than {MAX_INCLUDES} $INCLUDEs")]
    TooMany,
    #[error("$INCLUDE {arg}: {source}")]
    Read {
        arg: String,
        source: include::ReadError,
    },
}

/// State carried across the files of one zone.
struct State<'l> {
    /// Files being read, to refuse `$INCLUDE` cycles.
    stack: Vec<PathBuf>,
    /// `$INCLUDE`s read so far.
    includes: usize,
    load: &'l Loader<'l>,
}

/// Parses `text` (the contents of `file`). `origin` is the starting `$ORIGIN`;
/// `fallback_ttl` is used (and marked as assumed) where the file sets no TTL;
/// without it, such records get the SOA minimum, as BIND and Knot do.
pub fn parse(
    text: &str,
    file: &Path,
    origin: Name,
    fallback_ttl: Option<u32>,
    load: &Loader<'_>,
) -> Zone {
    let mut zone = Zone::default();
    let mut state = State {
        stack: vec![file.to_path_buf()],
        includes: 0,
        load,
    };
    let start = scan::Start {
        origin,
        dollar_ttl: None,
    };
    scan::read_file(text, file, start, &mut state, 0, &mut zone);
    apply_default_ttl(&mut zone, fallback_ttl);
    cname_conflicts(&mut zone);
    zone
}

/// The zone's top as BIND and Knot require it: the SOA at the origin (when the
/// origin was given, not guessed from a file name) and NS records beside it.
pub fn check_apex(zone: &mut Zone, given_origin: Option<&Name>) {
    let Some(soa) = zone.records.iter().find(|r| r.rtype == RecordType::SOA) else {
        return;
    };
    let problem = |message: String| ZoneProblem {
        file: Arc::clone(&soa.file),
        line: soa.line,
        rtype: None,
        message,
    };
    if let Some(origin) = given_origin {
        let top = origin.to_ascii().to_ascii_lowercase();
        if soa.name != top {
            let m = format!(
                "SOA record at {}, not at the top of the zone {top}: BIND and Knot refuse the zone",
                soa.name
            );
            let p = problem(m);
            zone.problems.push(p);
            return;
        }
    }
    // one SOA per zone: BIND refuses a second one with other data ("multiple RRs of
    // singleton type"); Knot keeps one of them
    if let Some(other) = zone
        .records
        .iter()
        .filter(|r| r.rtype == RecordType::SOA)
        .find(|r| r.data != soa.data || r.name != soa.name)
    {
        let what = if other.name == soa.name {
            "with other data than"
        } else {
            "at another name than"
        };
        let message = format!(
            "a second SOA record at {} {what} the one at {}:{}: BIND refuses the zone (one SOA per zone, at its top)",
            other.name,
            crate::sanitize::escape(&soa.file),
            soa.line
        );
        zone.problems.push(ZoneProblem::at(other, "SOA", message));
    }
    let has_ns = zone
        .records
        .iter()
        .any(|r| r.rtype == RecordType::NS && r.name == soa.name);
    if !has_ns {
        let m = format!(
            "no NS records at the zone's top {}: BIND and Knot refuse the zone",
            soa.name
        );
        let p = problem(m);
        zone.problems.push(p);
    }
}

/// A file taken as a whole zone (`zone --whole-zone`), as named-checkzone and
/// kzonecheck take one: without an SOA it is refused. By default such a file is
/// a part of a zone (meant for `$INCLUDE`), which has no SOA of its own. With an
/// SOA, [`check_apex`] and the structure rules already judge the file whole.
pub fn check_whole(zone: &mut Zone, apex: &str) {
    // An SOA that does not parse already has its finding.
    let soa_problem = zone.problems.iter().any(|p| {
        p.rtype
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("SOA"))
    });
    if soa_problem || zone.records.iter().any(|r| r.rtype == RecordType::SOA) {
        return;
    }
    // The servers name no line; the first record is where the SOA belongs.
    let (file, line) = match zone.records.first() {
        Some(r) => (Arc::clone(&r.file), r.line),
        None => match zone.problems.first().or(zone.notes.first()) {
            Some(p) => (Arc::clone(&p.file), p.line),
            None => return,
        },
    };
    zone.problems.push(ZoneProblem {
        file,
        line,
        rtype: None,
        message: format!(
            "no SOA record at the top of the zone {apex}: a whole zone (--whole-zone) needs one; BIND and Knot refuse the zone"
        ),
    });
}

/// A CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1; RRSIG and NSEC may
/// accompany it): BIND and Knot refuse to load such a zone.
fn cname_conflicts(zone: &mut Zone) {
    use std::collections::BTreeMap;
    let mut by_owner: BTreeMap<&str, Vec<&ZoneRecord>> = BTreeMap::new();
    for r in &zone.records {
        by_owner.entry(r.name.as_str()).or_default().push(r);
    }
    let mut found = Vec::new();
    for records in by_owner.values() {
        let Some(cname) = records.iter().find(|r| r.rtype == RecordType::CNAME) else {
            continue;
        };
        let other = records.iter().find(|r| {
            let same_cname = r.rtype == RecordType::CNAME && r.data == cname.data;
            !(matches!(r.rtype, RecordType::RRSIG | RecordType::NSEC) || same_cname)
        });
        if let Some(other) = other {
            let message = format!(
                "CNAME at {} beside other data ({} at {}:{}): BIND and Knot refuse to load the zone",
                cname.name,
                other.rtype,
                crate::sanitize::escape(&other.file),
                other.line
            );
            found.push(ZoneProblem::at(cname, "CNAME", message));
        }
    }
    zone.problems.extend(found);
}

/// Gives records that had no TTL (neither their own, nor `$TTL`, nor an earlier
/// one) the fallback or the SOA minimum (RFC 2308 §4 as BIND and Knot apply it).
fn apply_default_ttl(zone: &mut Zone, fallback_ttl: Option<u32>) {
    let minimum = zone.records.iter().find_map(|r| match &r.data {
        RData::SOA(soa) => Some(soa.minimum),
        _ => None,
    });
    let mut noted = false;
    for r in zone.records.iter_mut().filter(|r| r.ttl == scan::NO_TTL) {
        match (fallback_ttl, minimum) {
            (Some(t), _) => {
                r.ttl = t;
                r.ttl_assumed = true;
            }
            (None, Some(m)) => {
                r.ttl = m;
                if !noted {
                    noted = true;
                    zone.notes.push(ZoneProblem {
                        file: Arc::clone(&r.file),
                        line: r.line,
                        rtype: None,
                        message: format!(
                            "no $TTL and no TTL on this record: the SOA minimum ({m}) is used, as BIND and Knot do"
                        ),
                    });
                }
            }
            (None, None) => {
                r.ttl = 0;
                r.ttl_assumed = true;
                if !noted {
                    noted = true;
                    zone.problems.push(ZoneProblem {
                        file: Arc::clone(&r.file),
                        line: r.line,
                        rtype: None,
                        message: "no TTL: no $TTL, no TTL on an earlier record and no SOA minimum to use; BIND refuses the zone".to_string(),
                    });
                }
            }
        }
    }
}

/// The text of a zone file. A zone file is bytes, not UTF-8: BIND and Knot load one
/// with, say, a Latin-1 comment or a raw byte in a TXT string. Each byte that is not
/// part of valid UTF-8 becomes the zone-file escape `\DDD`, which stands for that
/// byte in names and strings, is ignored in comments and is as wrong as the raw byte
/// anywhere else.
pub fn text_of(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut text = String::with_capacity(bytes.len() + 16);
            for chunk in bytes.utf8_chunks() {
                text.push_str(chunk.valid());
                for b in chunk.invalid() {
                    // after an escaping backslash the byte was meant literally: `\`
                    // + 0xE9 becomes `\233`, not an escaped backslash and "233"
                    let escaping = text.bytes().rev().take_while(|c| *c == b'\\').count() % 2 == 1;
                    if escaping {
                        text.push_str(&format!("{b:03}"));
                    } else {
                        text.push_str(&format!("\\{b:03}"));
                    }
                }
            }
            text
        }
    }
}

/// An absolute domain name in presentation form, read as zone files read names
/// (escapes, underscores, RFC 2317 `/`), for `--origin`.
pub fn parse_name(text: &str) -> Option<Name> {
    let fq = format!("{}.", text.trim_end_matches('.'));
    let name = domain::base::Name::<Vec<u8>>::from_chars(fq.chars()).ok()?;
    convert::name_from_domain(&name)
}

/// Where an `$INCLUDE` argument points: relative to the including file's folder.
fn include_path(file: &Path, arg: &str) -> PathBuf {
    let p = Path::new(arg);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        file.parent().unwrap_or(Path::new(".")).join(p)
    }
}

/// Reads `$INCLUDE`d text: depth, count and cycle limits, then the loader (which
/// confines the path).
fn include_text(
    arg: &str,
    file: &Path,
    state: &mut State<'_>,
    depth: usize,
) -> Result<(PathBuf, String), IncludeError> {
    if depth >= MAX_INCLUDE_DEPTH {
        return Err(IncludeError::TooDeep);
    }
    let path = include_path(file, arg);
    let shown = crate::sanitize::escape(arg).to_string();
    if state.stack.contains(&path) {
        return Err(IncludeError::Cycle(shown));
    }
    state.includes += 1;
    if state.includes > MAX_INCLUDES {
        return Err(IncludeError::TooMany);
    }
    let text = (state.load)(&path).map_err(|source| IncludeError::Read { arg: shown, source })?;
    Ok((path, text))
}

/// Record types a name server reads that daneguard's scanner does not; their
/// records are skipped with a note instead of being syntax errors.
const UNREAD_TYPES: &[&str] = &[
    "LOC", "SPF", "NSAP", "NSAP-PTR", "EID", "NIMLOC", "DSYNC", "TA", "DLV", "ATMA", "A6", "SINK",
    "APL", "GPOS", "X25", "ISDN", "RT", "PX", "MINFO", "MB", "MG", "MR", "MD", "MF", "NULL", "WKS",
    "HIP", "NINFO", "RKEY", "TALINK", "L32", "L64", "LP", "NID", "EUI48", "EUI64", "DOA",
    "AMTRELAY", "RESINFO", "WALLET", "UINFO", "UID", "GID", "UNSPEC", "NXT", "KX", "CERT", "DHCID",
    "IPSECKEY", "URI", "CAA", "AFSDB", "RP", "SMIMEA", "CSYNC", "ZONEMD", "AVC", "DOA", "KEY",
    "SIG", "NXNAME", "HHIT", "BRID", "CLA", "IPN",
];

/// Whether a type name is one a name server reads but this reader skips.
fn unread_type(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    UNREAD_TYPES.contains(&upper.as_str())
        || upper
            .strip_prefix("TYPE")
            .is_some_and(|n| n.parse::<u16>().is_ok())
}

#[cfg(test)]
mod tests;
