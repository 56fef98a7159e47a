//! The loop over one file with `domain`'s scanner: entries get their line, a bad
//! entry becomes a problem and scanning resumes at the next entry that starts a
//! line, `$INCLUDE` is followed through the confined loader.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use domain::base::iana::{Class, Rtype};
use domain::zonefile::inplace::{Entry, Zonefile};
use hickory_proto::rr::{Name, RecordType};

use super::prepare::{Prepared, entry_starts, entry_words, prepare, ttl_seconds};
use super::{State, Zone, ZoneProblem, ZoneRecord, convert};

/// The TTL of a record that had none (and no `$TTL` or earlier TTL applied).
pub(super) const NO_TTL: u32 = u32::MAX;

/// Owner of the record put before the text so that "no TTL yet" and "no owner
/// yet" can be told apart from real values (`domain` starts with 3600 and no owner).
const SENTINEL: &str = "daneguard-sentinel.invalid.";

/// Where reading a file starts.
pub(super) struct Start {
    pub origin: Name,
    pub dollar_ttl: Option<u32>,
}

/// One file being read.
struct FileCx<'a> {
    name: Arc<str>,
    path: &'a Path,
    prepared: Prepared,
    original: Vec<&'a str>,
    inherited_ttl: Option<u32>,
    /// Types already noted as skipped in this file.
    noted: BTreeSet<String>,
}

/// A run of the scanner from one line of the prepared text to the end or an error.
struct Chunk {
    text: String,
    /// Byte offset of each line of `text`.
    starts: Vec<usize>,
    /// Lines before the first line of the file (the prefix).
    prefix: usize,
    /// Prepared-text line of the first line after the prefix.
    from: usize,
    /// Lines where the entries the scanner returns start.
    entries: Vec<usize>,
}

pub(super) fn read_file(
    text: &str,
    path: &Path,
    start: Start,
    state: &mut State<'_>,
    depth: usize,
    zone: &mut Zone,
) {
    let mut cx = FileCx {
        name: Arc::from(path.display().to_string()),
        path,
        prepared: prepare(text),
        original: text.lines().collect(),
        inherited_ttl: start.dollar_ttl,
        noted: BTreeSet::new(),
    };
    for (line, e) in std::mem::take(&mut cx.prepared.problems) {
        zone.problems.push(cx.problem(line, None, e.to_string()));
    }
    let mut origin = start.origin;
    let mut from = 0;
    while from < cx.prepared.lines.len() {
        let chunk = cx.chunk(from);
        match run(&chunk, &mut cx, &mut origin, state, depth, zone) {
            Some(next) => from = next,
            None => break,
        }
    }
}

impl<'a> FileCx<'a> {
    fn problem(&self, line: usize, rtype: Option<String>, message: String) -> ZoneProblem {
        ZoneProblem {
            file: Arc::clone(&self.name),
            line,
            rtype,
            message,
        }
    }

    /// The `$TTL` in effect at prepared line `from`.
    fn dollar_ttl_at(&self, from: usize) -> Option<u32> {
        let line = self.prepared.lines.get(from).copied().unwrap_or(usize::MAX);
        self.prepared
            .ttls
            .iter()
            .rev()
            .find(|(l, _)| *l < line)
            .map(|(_, t)| *t)
            .or(self.inherited_ttl)
    }

    fn chunk(&self, from: usize) -> Chunk {
        let mut text = String::new();
        if let Some(t) = self.dollar_ttl_at(from) {
            text.push_str(&format!("$TTL {t}\n"));
        }
        text.push_str(&format!("{SENTINEL} {NO_TTL} IN TXT \"\"\n"));
        let prefix = text.matches('\n').count();
        for line in self.prepared.text.lines().skip(from) {
            text.push_str(line);
            text.push('\n');
        }
        // Closed for the scanner, which fails on a '(' still open at the end of its
        // input; only while the chunk holds that '(' (the problem is reported).
        let first = self.prepared.lines.get(from).copied().unwrap_or(usize::MAX);
        if self.prepared.unclosed.is_some_and(|l| first <= l) {
            text.push_str(")\n");
        }
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Chunk {
            entries: entry_starts(&text),
            text,
            starts,
            prefix,
            from,
        }
    }

    /// The original line of chunk line `n` (0-based); `None` inside the prefix.
    /// The text of the original line where the entry at chunk line `n` starts.
    fn entry_text(&self, chunk: &Chunk, n: usize) -> Option<&'a str> {
        let place = self.original_line(chunk, n)?;
        self.original.get(place - 1).copied()
    }

    fn original_line(&self, chunk: &Chunk, n: usize) -> Option<usize> {
        let i = n.checked_sub(chunk.prefix)? + chunk.from;
        self.prepared
            .lines
            .get(i)
            .or(self.prepared.lines.last())
            .copied()
    }
}

impl Chunk {
    /// The chunk line (0-based) of the next entry: after the previous one, and not
    /// before the scanner's offset `at` (which can lag inside the previous entry).
    fn entry_line(&self, at: usize, previous: Option<usize>) -> usize {
        let floor = self.line_of(at.min(self.text.len()));
        self.entries
            .iter()
            .copied()
            .find(|l| *l >= floor && previous.is_none_or(|p| *l > p))
            .unwrap_or(self.starts.len().saturating_sub(1))
    }

    /// The last line of the entry starting at chunk line `line`.
    fn entry_end(&self, line: usize) -> usize {
        self.entries
            .iter()
            .find(|l| **l > line)
            .map_or(self.starts.len().saturating_sub(1), |l| l - 1)
    }

    fn line_of(&self, at: usize) -> usize {
        self.starts.partition_point(|s| *s <= at).saturating_sub(1)
    }

    /// The first line after chunk line `n` that starts a new entry at column 0.
    fn resume_after(&self, n: usize) -> Option<usize> {
        (n + 1..self.starts.len()).find(|&i| {
            let line = &self.text[self.starts[i]..];
            line.chars()
                .next()
                .is_some_and(|c| !matches!(c, ' ' | '\t' | '\r' | '\n' | ';' | ')'))
        })
    }
}

/// Runs the `domain` scanner on one entry, turning a panic of it (0.12.3 has a known
/// one on some quoted strings) into an error without the panic message on stderr: the
/// caller reports the entry as a zone-syntax finding. Zone files are read on one thread
/// before any other work starts, so swapping the global hook for the call is safe.
fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result
}

/// Scans a chunk; returns the prepared line to resume at after an error.
fn run(
    chunk: &Chunk,
    cx: &mut FileCx<'_>,
    origin: &mut Name,
    state: &mut State<'_>,
    depth: usize,
    zone: &mut Zone,
) -> Option<usize> {
    let mut zf = Zonefile::new().allow_invalid();
    if let Some(o) = convert::name_to_domain(origin) {
        zf.set_origin(o);
    }
    zf.set_default_class(Class::IN);
    zf.extend_from_slice(chunk.text.as_bytes());
    let mut previous = None;
    loop {
        let line = chunk.entry_line(zf.current_offset(), previous);
        previous = Some(line);
        let next = catch_quietly(|| zf.next_entry());
        if let Ok(o) = zf.origin()
            && let Some(o) = convert::name_from_domain(&o)
        {
            *origin = o;
        }
        match next {
            Ok(Ok(None)) => return None,
            Ok(Ok(Some(Entry::Record(r)))) => {
                if zone.first_origin.is_none() && cx.original_line(chunk, line).is_some() {
                    zone.first_origin = Some(origin.to_ascii().to_ascii_lowercase());
                }
                record(&r, chunk, line, origin, cx, zone);
            }
            Ok(Ok(Some(Entry::Include { path, origin: o }))) => {
                let given = o.as_ref().and_then(convert::name_from_domain);
                let start = super::scan::Start {
                    origin: given.unwrap_or_else(|| origin.clone()),
                    dollar_ttl: cx
                        .dollar_ttl_at(chunk.from + line.saturating_sub(chunk.prefix) + 1),
                };
                include(path.as_ref(), start, chunk, line, cx, state, depth, zone);
            }
            Ok(Err(e)) => return scan_error(&e.to_string(), chunk, line, origin, cx, zone),
            Err(_) => {
                let place = cx.original_line(chunk, line).unwrap_or(1);
                let m = "the zone-file scanner failed on this entry".to_string();
                zone.problems.push(cx.problem(place, None, m));
                let resume = chunk.resume_after(line)?;
                return Some(chunk.from + resume.checked_sub(chunk.prefix)?);
            }
        }
    }
}

/// An entry the scanner refused: a finding (or a skipped record of a type daneguard
/// does not read), and where the next chunk starts.
fn scan_error(
    message: &str,
    chunk: &Chunk,
    line: usize,
    origin: &Name,
    cx: &mut FileCx<'_>,
    zone: &mut Zone,
) -> Option<usize> {
    let err_line = error_line(message).unwrap_or(line).max(line);
    let skipped = failed(chunk, line, err_line, message, cx, zone);
    if let Some(r) = skipped
        .then(|| skipped_record(chunk, line, origin, cx, zone))
        .flatten()
    {
        zone.records.push(r);
    }
    // The scanner may name the line after the bad token: that line can start the
    // next entry.
    let resume = chunk.resume_after(err_line.saturating_sub(1).max(line))?;
    Some(chunk.from + resume.checked_sub(chunk.prefix)?)
}

/// The line (0-based) of a `domain` error message (`LINE:COL: message`).
fn error_line(message: &str) -> Option<usize> {
    message
        .split(':')
        .next()?
        .parse::<usize>()
        .ok()?
        .checked_sub(1)
}

fn record(
    r: &domain::zonefile::inplace::ScannedRecord,
    chunk: &Chunk,
    line: usize,
    origin: &Name,
    cx: &mut FileCx<'_>,
    zone: &mut Zone,
) {
    let owner = convert::name_from_domain(r.owner());
    let Some(place) = cx.original_line(chunk, line) else {
        return; // the sentinel record of the prefix
    };
    let Some(owner) = owner else {
        let m = "the owner name cannot be read".to_string();
        zone.problems.push(cx.problem(place, None, m));
        return;
    };
    let name = owner.to_ascii().to_ascii_lowercase();
    if name == SENTINEL {
        let m = "no owner name before this record".to_string();
        zone.problems.push(cx.problem(place, None, m));
        return;
    }
    let (rtype, class, mut data) = match convert::record_data(r) {
        Ok(x) => x,
        Err(e) => {
            let t = r.rtype().to_string();
            zone.problems
                .push(cx.problem(place, Some(t), e.to_string()));
            return;
        }
    };
    if let Some(m) = super::judge::refused(r).or_else(|| empty_last_alpn(r, chunk, line, cx)) {
        let t = r.rtype().to_string();
        zone.problems.push(cx.problem(place, Some(t), m));
        return;
    }
    if class != 1 {
        let m = format!("class {} records: daneguard checks IN zones", r.class());
        zone.problems.push(cx.problem(place, None, m));
        return;
    }
    convert::at_is_origin(&mut data, origin);
    zone.signed |= matches!(rtype, RecordType::DNSKEY | RecordType::RRSIG);
    zone.records.push(ZoneRecord {
        file: Arc::clone(&cx.name),
        line: place,
        name,
        ttl: r.ttl().as_secs(),
        ttl_assumed: false,
        rtype,
        data,
    });
}

/// An empty last `alpn` id of an SVCB or HTTPS entry, which only its words show.
fn empty_last_alpn(
    r: &domain::zonefile::inplace::ScannedRecord,
    chunk: &Chunk,
    line: usize,
    cx: &FileCx<'_>,
) -> Option<String> {
    if !matches!(r.rtype(), Rtype::SVCB | Rtype::HTTPS) {
        return None;
    }
    let written = entry_type(cx.entry_text(chunk, line)?)?;
    let data = entry_data(cx, chunk, line, &written)?;
    super::judge::empty_last_alpn_id(&r.rtype().to_string(), &data)
}

#[allow(clippy::too_many_arguments)]
fn include(
    arg: &str,
    start: Start,
    chunk: &Chunk,
    line: usize,
    cx: &mut FileCx<'_>,
    state: &mut State<'_>,
    depth: usize,
    zone: &mut Zone,
) {
    let place = cx.original_line(chunk, line).unwrap_or(1);
    if let Some(m) = relative_include_origin(cx, place) {
        zone.problems.push(cx.problem(place, None, m));
    }
    let quoted = quoted_include_path(cx, place);
    match super::include_text(quoted.unwrap_or(arg), cx.path, state, depth) {
        Ok((path, text)) => {
            state.stack.push(path.clone());
            read_file(&text, &path, start, state, depth + 1, zone);
            state.stack.pop();
        }
        Err(e) => zone.problems.push(cx.problem(place, None, e.to_string())),
    }
}

/// The file name of `$INCLUDE "NAME"` without its quotes: `domain` hands it over
/// with the closing quote kept (`NAME"`). BIND and Knot take the quoted form.
fn quoted_include_path<'a>(cx: &FileCx<'a>, place: usize) -> Option<&'a str> {
    let lines: Vec<&'a str> = cx.original.iter().skip(place - 1).copied().collect();
    let words = entry_words(&lines);
    let word = words.get(1)?;
    word.strip_prefix('"')?.strip_suffix('"')
}

/// Knot refuses an `$INCLUDE` whose origin is not absolute ("invalid origin in
/// include directive"); BIND takes it below the current origin, and so does the
/// scanner, so the records are still read.
fn relative_include_origin(cx: &FileCx<'_>, place: usize) -> Option<String> {
    let lines: Vec<&str> = cx.original.iter().skip(place - 1).copied().collect();
    let words = entry_words(&lines);
    let quoted = words.get(2)?;
    // A quoted origin ("example.com.") is the same name.
    let origin = quoted
        .strip_prefix('"')
        .and_then(|o| o.strip_suffix('"'))
        .unwrap_or(quoted);
    let Some(body) = origin.strip_suffix('.') else {
        return Some(relative_message(origin));
    };
    let escapes = body.bytes().rev().take_while(|b| *b == b'\\').count();
    // A final dot that is escaped (`a\.`) is part of the label, not the root.
    (escapes % 2 == 1).then(|| relative_message(origin))
}

fn relative_message(origin: &str) -> String {
    format!(
        "$INCLUDE origin '{}' is not absolute (no final dot): Knot refuses the zone, BIND reads it below the current origin",
        crate::sanitize::escape(origin)
    )
}

/// Records the entry that failed: a skipped type (a note; returns true) or a problem.
fn failed(
    chunk: &Chunk,
    line: usize,
    err_line: usize,
    message: &str,
    cx: &mut FileCx<'_>,
    zone: &mut Zone,
) -> bool {
    let place = cx.original_line(chunk, line).unwrap_or(1);
    let text = cx.entry_text(chunk, line).unwrap_or_default();
    let rtype = entry_type(text);
    // `domain` refuses some valid forms it does not implement (escapes in SVCB alpn).
    let limitation = message.contains("this implementation does not");
    // Only when the scanner has no parser for the type: a type it parses (CAA,
    // ZONEMD, …) with bad data is a real error.
    let no_parser = message.contains("unknown record type") || message.contains("expected rtype");
    if let Some(t) = rtype
        .as_deref()
        .filter(|t| limitation || (no_parser && super::unread_type(t)))
    {
        return skipped_or_refused(chunk, line, t, no_parser, cx, zone);
    }
    let detail = message.split_once(": ").map_or(message, |(_, m)| m);
    let upper = rtype.map(|t| t.to_ascii_uppercase());
    let mut m = match &upper {
        Some(t) if t == "TLSA" => {
            tlsa_message(cx, place, err_line.min(chunk.entry_end(line)), chunk)
                .unwrap_or_else(|| format!("TLSA record does not parse: {detail}"))
        }
        Some(t) if t.parse::<RecordType>().is_err() && !t.starts_with("TYPE") => {
            format!("unknown record type '{}'", crate::sanitize::escape(t))
        }
        Some(t) => format!("{t} record does not parse: {detail}"),
        None => detail.to_string(),
    };
    if let Some(end) = cx.original_line(chunk, err_line).filter(|l| *l > place) {
        let open = text.split(';').next().unwrap_or_default();
        if open.matches('(').count() > open.matches(')').count() {
            m.push_str(&format!(
                " (the '(' on line {place} is not closed on its line; the entry ran on to line {end})"
            ));
        }
    }
    zone.problems.push(cx.problem(place, upper, m));
    false
}

/// An entry of type `t` that daneguard does not read: skipped with a note (once per
/// type and file; returns true), or a problem when the servers refuse its data.
fn skipped_or_refused(
    chunk: &Chunk,
    line: usize,
    t: &str,
    no_parser: bool,
    cx: &mut FileCx<'_>,
    zone: &mut Zone,
) -> bool {
    let place = cx.original_line(chunk, line).unwrap_or(1);
    let upper = t.to_ascii_uppercase();
    if let Some(m) = no_parser
        .then(|| refused_unread(cx, chunk, line, t))
        .flatten()
    {
        zone.problems.push(cx.problem(place, Some(upper), m));
        return false;
    }
    zone.skipped += 1;
    if cx.noted.insert(upper.clone()) {
        let m = format!("{upper} records are not read by daneguard: skipped");
        zone.notes.push(cx.problem(place, None, m));
    }
    true
}

/// Why the servers refuse an entry of a type daneguard skips: no data at all, data
/// that is not RFC 3597 generic data (`\# LENGTH HEX`) for a type number no registry
/// names (no server knows it, so `TYPE65000 abc` cannot be type-specific text), or
/// data of the few simple forms [`super::judge::refused_text`] knows that breaks its form.
fn refused_unread(cx: &FileCx<'_>, chunk: &Chunk, line: usize, rtype: &str) -> Option<String> {
    let upper = rtype.to_ascii_uppercase();
    let data = entry_data(cx, chunk, line, rtype)?;
    // Every type has data in presentation form except APL (RFC 3123 §4), and empty
    // data of any type is written `\# 0` (RFC 3597 §5): the servers refuse the rest.
    if data.is_empty() && upper != "APL" && upper != "TYPE42" {
        return Some(format!(
            "{upper} record without data: BIND and Knot refuse the zone"
        ));
    }
    if data.first() == Some(&"\\#") {
        // The scanner reads `\#` data for any type number (and names a broken one
        // itself: "generic data has incorrect length").
        return None;
    }
    // A `$GENERATE` template (`00-00-5e-00-53-$`) is judged after expansion by the
    // servers, not here.
    let template = cx.entry_text(chunk, line).is_some_and(is_generate);
    if let Some(m) = super::judge::refused_text(&upper, &data).filter(|_| !template) {
        return Some(m);
    }
    let number = upper.strip_prefix("TYPE")?.parse::<u16>().ok()?;
    if Rtype::from_int(number).to_mnemonic().is_some() {
        return None;
    }
    Some(format!(
        "{upper} data is not RFC 3597 generic data, which a type no server knows must have: BIND and Knot refuse the zone"
    ))
}

/// The words after the type of the entry at chunk line `line`, of type `rtype`
/// (parentheses joined, comments left out); `None` where the entry's lines are not
/// known.
fn entry_data<'a>(
    cx: &FileCx<'a>,
    chunk: &Chunk,
    line: usize,
    rtype: &str,
) -> Option<Vec<&'a str>> {
    let start = cx.original_line(chunk, line)?;
    let end = cx.original_line(chunk, chunk.entry_end(line))?;
    let lines: Vec<&str> = (start..=end.max(start))
        .filter_map(|l| cx.original.get(l - 1).copied())
        .collect();
    let words = entry_words(&lines);
    // The type is the first word after the owner (if the line starts with one),
    // TTL and class, as `entry_type` finds it.
    let skip = lead_words(lines.first()?);
    let at = words
        .iter()
        .skip(skip)
        .position(|w| w.eq_ignore_ascii_case(rtype))?;
    Some(words[skip + at + 1..].to_vec())
}

/// A skipped entry as a record without data, so that its owner still counts
/// (a CNAME beside a LOC record is refused by the servers all the same).
fn skipped_record(
    chunk: &Chunk,
    line: usize,
    origin: &Name,
    cx: &FileCx<'_>,
    zone: &Zone,
) -> Option<ZoneRecord> {
    let place = cx.original_line(chunk, line)?;
    let text = cx.entry_text(chunk, line)?;
    let t = entry_type(text).filter(|t| super::unread_type(t))?;
    let name = if text.starts_with([' ', '\t']) {
        zone.records
            .iter()
            .rev()
            .find(|r| r.file == cx.name)?
            .name
            .clone()
    } else {
        let token = text.split_whitespace().next()?;
        let owner = if token == "@" {
            origin.clone()
        } else {
            Name::parse(token, Some(origin)).ok()?
        };
        owner.to_ascii().to_ascii_lowercase()
    };
    let rtype = t
        .to_ascii_uppercase()
        .parse::<RecordType>()
        .unwrap_or(RecordType::Unknown(0));
    Some(ZoneRecord {
        file: Arc::clone(&cx.name),
        line: place,
        name,
        ttl: 0,
        ttl_assumed: true,
        rtype,
        data: hickory_proto::rr::RData::Unknown {
            code: rtype,
            rdata: hickory_proto::rr::rdata::NULL::new(),
        },
    })
}

/// daneguard's own message for TLSA data that does not parse, if it has one.
fn tlsa_message(cx: &FileCx<'_>, place: usize, err_line: usize, chunk: &Chunk) -> Option<String> {
    let end = cx.original_line(chunk, err_line).unwrap_or(place);
    let text: Vec<&str> = (place..=end)
        .filter_map(|l| cx.original.get(l - 1))
        .map(|l| l.split(';').next().unwrap_or_default())
        .collect();
    let joined = text.join(" ").replace(['(', ')'], " ");
    let (_, rdata) = joined
        .split_once("TLSA")
        .or_else(|| joined.split_once("tlsa"))?;
    // the generic form (RFC 3597) is the scanner's to judge
    if rdata.trim_start().starts_with("\\#") {
        return None;
    }
    crate::tlsa::parse_rdata(rdata.trim())
        .err()
        .map(|m| format!("TLSA record does not parse: {m}"))
}

/// The record type of an entry's first line: after the owner (if the line starts
/// with one), the TTL and the class.
fn entry_type(line: &str) -> Option<String> {
    let data = line
        .split(';')
        .next()
        .unwrap_or_default()
        .replace(['(', ')'], " ");
    if data.trim_start().starts_with('$') && !is_generate(line) {
        return None;
    }
    let skip = lead_words(line);
    data.split_whitespace()
        .skip(skip)
        .find(|t| ttl_seconds(t).is_none() && !is_class(t))
        .map(str::to_string)
}

/// Whether an entry's first line is `$GENERATE RANGE LHS [TTL] [CLASS] TYPE RHS`.
fn is_generate(line: &str) -> bool {
    line.get(..9)
        .is_some_and(|d| d.eq_ignore_ascii_case("$GENERATE"))
}

/// The words before the TTL, class and type of an entry's first line: the owner, if
/// the line starts with one, or `$GENERATE`, its range and its owner template.
fn lead_words(line: &str) -> usize {
    if is_generate(line) {
        3
    } else {
        usize::from(!line.starts_with([' ', '\t']))
    }
}

fn is_class(t: &str) -> bool {
    let upper = t.to_ascii_uppercase();
    matches!(upper.as_str(), "IN" | "CH" | "CS" | "HS")
        || upper
            .strip_prefix("CLASS")
            .is_some_and(|n| n.parse::<u16>().is_ok())
}
