//! BIND-style master files (RFC 1035 §5) read entry by entry, so that every record and
//! every problem keeps its file and line. Records are parsed by hickory-proto's zone
//! parser; DNSSEC records that it refuses (RRSIG, NSEC, NSEC3, DNSKEY, …) and types it
//! does not know are skipped, so zones signed by Knot or dnssec-signzone can be read.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use hickory_proto::rr::{Name, RData, RecordType};
use hickory_proto::serialize::txt::Parser;

use crate::tlsa::{Params, Tlsa};

/// Most nested `$INCLUDE` levels.
const MAX_INCLUDE_DEPTH: usize = 8;

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

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneProblem {
    pub file: Arc<str>,
    pub line: usize,
    /// The record type of the entry, when one could be told.
    pub rtype: Option<String>,
    pub message: String,
}

/// What a zone file holds.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    pub records: Vec<ZoneRecord>,
    pub problems: Vec<ZoneProblem>,
    /// Records skipped because hickory does not parse their type (RRSIG, NSEC, …).
    pub skipped: usize,
    /// Whether DNSKEY or RRSIG records were seen (the file is a signed zone).
    pub signed: bool,
}

/// Reads files for `$INCLUDE`; returns the text or a message.
pub type Loader<'a> = dyn Fn(&Path) -> Result<String, String> + 'a;

/// Parser state carried across entries.
struct State {
    origin: Name,
    /// From `$TTL`.
    default_ttl: Option<u32>,
    /// The last TTL written in the file (RFC 1035 §5.1).
    last_ttl: Option<u32>,
    /// What the caller assumes when the file sets no TTL.
    fallback_ttl: Option<u32>,
    last_owner: Option<Name>,
    /// Files being read, to refuse `$INCLUDE` cycles.
    stack: Vec<PathBuf>,
    /// `$INCLUDE`s read so far.
    includes: usize,
}

/// Most `$INCLUDE`s read for one zone.
const MAX_INCLUDES: usize = 256;

/// Parses `text` (the contents of `file`). `origin` is the starting `$ORIGIN`;
/// `fallback_ttl` is used (and marked as assumed) where the file sets no TTL.
pub fn parse(
    text: &str,
    file: &Path,
    origin: Name,
    fallback_ttl: Option<u32>,
    load: &Loader<'_>,
) -> Zone {
    let mut zone = Zone::default();
    let mut state = State {
        origin,
        default_ttl: None,
        last_ttl: None,
        fallback_ttl,
        last_owner: None,
        stack: vec![file.to_path_buf()],
        includes: 0,
    };
    parse_into(text, file, &mut state, load, 0, &mut zone);
    zone
}

fn parse_into(
    text: &str,
    file: &Path,
    state: &mut State,
    load: &Loader<'_>,
    depth: usize,
    zone: &mut Zone,
) {
    let file_name: Arc<str> = Arc::from(file.display().to_string());
    for entry in entries(text) {
        let problem = |message: String, rtype: Option<String>| ZoneProblem {
            file: Arc::clone(&file_name),
            line: entry.line,
            rtype,
            message,
        };
        if let Some(directive) = entry.tokens.first().filter(|t| t.starts_with('$')) {
            if let Err(m) = directive_entry(directive, &entry, file, state, load, depth, zone) {
                zone.problems.push(problem(m, None));
            }
            continue;
        }
        match record_entry(&entry, state) {
            Ok(Parsed::Records(records)) => {
                for (name, ttl, ttl_assumed, rtype, data) in records {
                    zone.records.push(ZoneRecord {
                        file: Arc::clone(&file_name),
                        line: entry.line,
                        name,
                        ttl,
                        ttl_assumed,
                        rtype,
                        data,
                    });
                }
            }
            Ok(Parsed::Skipped { dnssec }) => {
                zone.skipped += 1;
                zone.signed |= dnssec;
            }
            Err((message, rtype)) => zone.problems.push(problem(message, rtype)),
        }
    }
}

/// One entry: a logical line (parentheses joined), its first line number and tokens.
struct Entry {
    line: usize,
    text: String,
    tokens: Vec<String>,
    /// The entry starts with white space: the owner is the previous one.
    inherits_owner: bool,
}

/// Splits zone text into entries, honouring quotes, `;` comments and parentheses.
fn entries(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut current: Option<Entry> = None;
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        let (tokens, opens, closes) = tokenize(line);
        if current.is_none() {
            if tokens.is_empty() {
                continue;
            }
            current = Some(Entry {
                line: i + 1,
                text: String::new(),
                tokens: Vec::new(),
                inherits_owner: line.starts_with([' ', '\t']),
            });
        }
        let entry = current.as_mut().expect("set above");
        entry.text.push_str(line);
        entry.text.push('\n');
        entry.tokens.extend(tokens);
        depth = (depth + opens).saturating_sub(closes);
        if depth == 0 {
            out.extend(current.take());
        }
    }
    out.extend(current);
    out
}

/// Tokens of one line (comments dropped, quoted strings kept whole), and how many
/// parentheses it opens and closes.
fn tokenize(line: &str) -> (Vec<String>, usize, usize) {
    let mut tokens = Vec::new();
    let (mut opens, mut closes) = (0, 0);
    let mut token = String::new();
    let mut chars = line.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                token.push(c);
                token.extend(chars.next());
            }
            '"' => {
                quoted = !quoted;
                token.push(c);
            }
            _ if quoted => token.push(c),
            ';' => break,
            '(' | ')' | ' ' | '\t' => {
                if !token.is_empty() {
                    tokens.push(std::mem::take(&mut token));
                }
                if c == '(' {
                    opens += 1;
                } else if c == ')' {
                    closes += 1;
                }
            }
            _ => token.push(c),
        }
    }
    if !token.is_empty() {
        tokens.push(token);
    }
    (tokens, opens, closes)
}

fn directive_entry(
    directive: &str,
    entry: &Entry,
    file: &Path,
    state: &mut State,
    load: &Loader<'_>,
    depth: usize,
    zone: &mut Zone,
) -> Result<(), String> {
    let arg = entry
        .tokens
        .get(1)
        .ok_or_else(|| format!("{directive} needs an argument"))?;
    match directive.to_ascii_uppercase().as_str() {
        "$ORIGIN" => {
            state.origin = name(arg, &state.origin)?;
            Ok(())
        }
        "$TTL" => {
            state.default_ttl =
                Some(parse_ttl(arg).ok_or_else(|| format!("'{arg}' is not a TTL"))?);
            Ok(())
        }
        "$INCLUDE" => {
            if depth >= MAX_INCLUDE_DEPTH {
                return Err(format!(
                    "$INCLUDE nested deeper than {MAX_INCLUDE_DEPTH} levels"
                ));
            }
            let path = include_path(file, arg);
            if state.stack.contains(&path) {
                return Err(format!(
                    "$INCLUDE {}: the file includes itself",
                    crate::sanitize::escape(&path.display().to_string())
                ));
            }
            state.includes += 1;
            if state.includes > MAX_INCLUDES {
                return Err(format!("more than {MAX_INCLUDES} $INCLUDEs"));
            }
            let text = load(&path).map_err(|m| {
                format!(
                    "$INCLUDE {}: {m}",
                    crate::sanitize::escape(&path.display().to_string())
                )
            })?;
            let saved_origin = state.origin.clone();
            if let Some(o) = entry.tokens.get(2) {
                state.origin = name(o, &state.origin)?;
            }
            state.stack.push(path.clone());
            parse_into(&text, &path, state, load, depth + 1, zone);
            state.stack.pop();
            // RFC 1035 §5.1: the origin reverts after an $INCLUDE.
            state.origin = saved_origin;
            Ok(())
        }
        other => Err(format!("unsupported directive {other}")),
    }
}

fn include_path(file: &Path, arg: &str) -> PathBuf {
    let p = Path::new(arg);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        file.parent().unwrap_or(Path::new(".")).join(p)
    }
}

enum Parsed {
    Records(Vec<(String, u32, bool, RecordType, RData)>),
    Skipped { dnssec: bool },
}

/// Types that hickory's parser refuses but signed zones contain.
const DNSSEC_TYPES: &[&str] = &[
    "RRSIG",
    "NSEC",
    "NSEC3",
    "NSEC3PARAM",
    "DNSKEY",
    "CDNSKEY",
    "CDS",
    "KEY",
    "SIG",
    "ZONEMD",
];

fn record_entry(entry: &Entry, state: &mut State) -> Result<Parsed, (String, Option<String>)> {
    let (owner, rest) = if entry.inherits_owner {
        let owner = state
            .last_owner
            .clone()
            .ok_or(("no owner name before this record".to_string(), None))?;
        (owner, &entry.tokens[..])
    } else {
        let owner = name(&entry.tokens[0], &state.origin).map_err(|m| (m, None))?;
        (owner, &entry.tokens[1..])
    };
    state.last_owner = Some(owner.clone());
    let rtype = type_token(rest).ok_or(("no record type".to_string(), None))?;
    let upper = rtype.to_ascii_uppercase();
    let type_at = rest.iter().position(|t| t.as_str() == rtype).unwrap_or(0);
    let generic_tlsa =
        upper == "TYPE52" || (upper == "TLSA" && rest.get(type_at + 1).is_some_and(|t| t == "\\#"));
    if generic_tlsa {
        let rdata =
            generic_tlsa_rdata(&rest[type_at + 1..]).map_err(|m| (m, Some("TLSA".to_string())))?;
        let head = rest[..type_at].join(" ");
        let rewritten = Entry {
            line: entry.line,
            text: format!("{owner} {head} TLSA {rdata}\n"),
            tokens: Vec::new(),
            inherits_owner: false,
        };
        return parse_record(&rewritten, &owner, &rest[..type_at], "TLSA", state);
    }
    if DNSSEC_TYPES.contains(&upper.as_str())
        || upper.starts_with("TYPE")
        || OTHER_TYPES.contains(&upper.as_str())
    {
        return Ok(Parsed::Skipped {
            dnssec: DNSSEC_TYPES.contains(&upper.as_str()),
        });
    }
    if upper.parse::<RecordType>().is_err() {
        return Err((
            format!("unknown record type '{}'", crate::sanitize::escape(rtype)),
            None,
        ));
    }
    parse_record(entry, &owner, rest, rtype, state)
}

/// Types that are valid in a zone but that daneguard does not read (hickory has no
/// parser for them, or they do not matter here).
const OTHER_TYPES: &[&str] = &[
    "LOC", "RP", "AFSDB", "DNAME", "URI", "EUI48", "EUI64", "DHCID", "IPSECKEY", "KX", "CERT",
    "APL", "SPF", "GPOS", "X25", "ISDN", "RT", "NSAP", "PX", "MINFO", "MB", "MG", "MR", "NULL",
    "WKS", "HIP", "NINFO", "RKEY", "TALINK", "L32", "L64", "LP", "NID", "ATMA", "A6", "SINK",
    "DOA", "AMTRELAY", "RESINFO", "WALLET", "CSYNC", "NXT", "MD", "MF", "UINFO", "UID", "GID",
    "UNSPEC",
];

/// RFC 3597 generic RDATA of a TLSA record (`\# LEN HEX…`) in presentation form.
fn generic_tlsa_rdata(tokens: &[String]) -> Result<String, String> {
    let [marker, len, hex_parts @ ..] = tokens else {
        return Err("TLSA record in generic form needs '\\# LENGTH HEX'".to_string());
    };
    if marker != "\\#" {
        return Err("TYPE52 record data must be in RFC 3597 form ('\\# LENGTH HEX')".to_string());
    }
    let len: usize = len.parse().map_err(|_| {
        format!(
            "generic TLSA length '{}' is not a number",
            crate::sanitize::escape(len)
        )
    })?;
    let bytes = hex::decode(hex_parts.concat())
        .map_err(|_| "generic TLSA data is not hexadecimal".to_string())?;
    if bytes.len() != len {
        return Err(format!(
            "generic TLSA data has {} bytes, not the {len} its length says",
            bytes.len()
        ));
    }
    let [u, s, m, data @ ..] = bytes.as_slice() else {
        return Err("generic TLSA data is shorter than 3 bytes".to_string());
    };
    if data.is_empty() {
        return Err("generic TLSA record has no association data".to_string());
    }
    Ok(format!("{u} {s} {m} {}", hex::encode(data)))
}

/// Parses one record entry with hickory's parser, in the context of `state`.
fn parse_record(
    entry: &Entry,
    owner: &Name,
    rest: &[String],
    rtype: &str,
    state: &mut State,
) -> Result<Parsed, (String, Option<String>)> {
    let upper = rtype.to_ascii_uppercase();
    let explicit_ttl = rest
        .iter()
        .take_while(|t| !t.eq_ignore_ascii_case(rtype))
        .any(|t| parse_ttl(t).is_some());
    let inherited = state.default_ttl.or(state.last_ttl);
    let ttl_assumed = !explicit_ttl && inherited.is_none() && state.fallback_ttl.is_some();
    let ttl = inherited.or(state.fallback_ttl);
    let mut text = format!("$ORIGIN {}\n", state.origin);
    if let Some(t) = ttl {
        text.push_str(&format!("$TTL {t}\n"));
    }
    if entry.inherits_owner {
        text.push_str(&owner.to_string());
    }
    text.push_str(&entry.text);
    let parsed = Parser::new(text.as_str(), None, Some(state.origin.clone())).parse();
    let (_, sets) =
        parsed.map_err(|e| (describe(&e.to_string(), &upper, rest), Some(upper.clone())))?;
    let mut out = Vec::new();
    for set in sets.values() {
        for r in set.records_without_rrsigs() {
            if !ttl_assumed {
                state.last_ttl = Some(r.ttl);
            }
            out.push((
                r.name.to_ascii().to_ascii_lowercase(),
                r.ttl,
                ttl_assumed,
                r.record_type(),
                r.data.clone(),
            ));
        }
    }
    Ok(Parsed::Records(out))
}

/// A clearer message for TLSA data than the parser's.
fn describe(parser_message: &str, rtype: &str, rest: &[String]) -> String {
    if rtype == "TLSA" {
        let pos = rest
            .iter()
            .position(|t| t.eq_ignore_ascii_case("TLSA"))
            .unwrap_or(0);
        let rdata = rest[pos + 1..].join(" ");
        if let Err(m) = crate::tlsa::parse_rdata(&rdata) {
            return format!("TLSA record does not parse: {m}");
        }
    }
    format!("{rtype} record does not parse: {parser_message}")
}

/// The record type among `[TTL] [CLASS] TYPE …` (TTL and class in either order).
fn type_token(rest: &[String]) -> Option<&str> {
    rest.iter()
        .map(String::as_str)
        .find(|t| parse_ttl(t).is_none() && !is_class(t))
}

fn is_class(t: &str) -> bool {
    matches!(t.to_ascii_uppercase().as_str(), "IN" | "CH" | "CS" | "HS")
        || t.to_ascii_uppercase().starts_with("CLASS")
}

/// A TTL in seconds or BIND units (`1h30m`, `2d`).
fn parse_ttl(t: &str) -> Option<u32> {
    if let Ok(n) = t.parse::<u32>() {
        return Some(n);
    }
    let mut total: u64 = 0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total += num.parse::<u64>().ok()? * unit;
        num.clear();
    }
    if !num.is_empty() {
        return None;
    }
    u32::try_from(total).ok()
}

/// An owner name relative to `origin` (`@` is the origin itself).
fn name(token: &str, origin: &Name) -> Result<Name, String> {
    if token == "@" {
        return Ok(origin.clone());
    }
    Name::parse(token, Some(origin))
        .map_err(|_| format!("'{}' is not a domain name", crate::sanitize::escape(token)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_include(_: &Path) -> Result<String, String> {
        Err("not available".into())
    }

    fn zone(text: &str) -> Zone {
        parse(
            text,
            Path::new("t.zone"),
            Name::from_ascii("example.com.").unwrap(),
            None,
            &no_include,
        )
    }

    #[test]
    fn relative_names_ttls_and_multiline_records_keep_their_lines() {
        let z = zone(
            "$TTL 1h\n@ IN SOA ns hostmaster (\n 1 3600 600\n 86400 300 )\nmx IN A 192.0.2.1\n_25._tcp.mx 300 IN TLSA 3 1 1 (\n  00112233445566778899aabbccddeeff\n  00112233445566778899aabbccddeeff )\n",
        );
        let lines: Vec<(usize, &str, u32)> = z
            .records
            .iter()
            .map(|r| (r.line, r.name.as_str(), r.ttl))
            .collect();
        assert_eq!(
            lines,
            vec![
                (2, "example.com.", 3600),
                (5, "mx.example.com.", 3600),
                (6, "_25._tcp.mx.example.com.", 300)
            ]
        );
        assert_eq!(z.records[2].tlsa().unwrap().data.len(), 32);
        assert!(z.problems.is_empty());
    }

    #[test]
    fn signed_zone_records_are_skipped_and_owner_inheritance_survives() {
        let z = zone(
            "$TTL 300\nmx 300 RRSIG A 13 3 300 20300101000000 20200101000000 1 example.com. AAAA\n   IN A 192.0.2.1\n  NSEC next.example.com. A RRSIG NSEC\n  IN AAAA ::1\n",
        );
        assert_eq!(z.skipped, 2);
        assert!(z.signed);
        let names: Vec<&str> = z.records.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, vec!["mx.example.com.", "mx.example.com."]);
        assert_eq!(z.records[1].line, 5);
    }

    #[test]
    fn bad_tlsa_data_is_a_problem_with_a_line() {
        let z = zone("$TTL 300\n_25._tcp.mx IN TLSA 3 1 1 abc\n_25._tcp.mx IN TLSA 3 1 1 zz\n");
        let p: Vec<(usize, &str)> = z
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0].0, 2);
        assert!(p[0].1.contains("odd number of hex digits"), "{p:?}");
        assert!(p[1].1.contains("not hexadecimal"), "{p:?}");
    }

    #[test]
    fn comments_and_quotes_do_not_confuse_the_splitter() {
        let z = zone(
            "$TTL 300\n@ IN TXT \"a ; not a comment ( \" ; real comment (\nwww IN A 192.0.2.2\n",
        );
        assert_eq!(z.records.len(), 2);
        assert_eq!(z.records[1].line, 3);
    }

    #[test]
    fn ttl_units_parse() {
        assert_eq!(parse_ttl("1h30m"), Some(5400));
        assert_eq!(parse_ttl("2d"), Some(172_800));
        assert_eq!(parse_ttl("IN"), None);
        assert_eq!(parse_ttl("12x"), None);
    }
}
