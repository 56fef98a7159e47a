//! Rewrites zone text before the `domain` scanner reads it, for the two BIND
//! extensions that scanner lacks: TTL units (`1h30m`, `2D`) in TTL positions and
//! `$GENERATE`. Everything else (quoting, escapes, parentheses, RDATA) is left to
//! the library; this pass only finds tokens, and keeps a map back to file lines.

use crate::sanitize::escape;

/// Most records `$GENERATE` may make in one file (BIND has no limit; a CI check must end).
const MAX_GENERATED: u64 = 65_536;

/// What this pass refuses: an unclosed `(` and `$GENERATE` lines it cannot expand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PrepareError {
    /// The original line of the entry whose '(' is never closed.
    #[error("the '(' of the entry on line {0} is never closed")]
    Unclosed(usize),
    #[error("$GENERATE: more than {MAX_GENERATED} records in one file")]
    FileTotal,
    #[error("$GENERATE needs a range, an owner, a type and data")]
    Shape,
    #[error("$GENERATE would make {0} records; daneguard reads at most {MAX_GENERATED}")]
    TooMany(u64),
    #[error("$GENERATE range '{}' is not START-STOP[/STEP]", escape(.0))]
    Range(String),
    #[error("$GENERATE modifier '${{{}}}' is not understood", escape(.0))]
    Modifier(String),
    /// BIND computes the value in a C int and refuses the zone when it overflows.
    #[error("$GENERATE modifier '${{{}}}' makes {value}, more than 2147483647: BIND refuses the zone", escape(.spec))]
    Overflow { spec: String, value: i64 },
}

/// Zone text ready for the scanner.
#[derive(Debug, Default)]
pub(crate) struct Prepared {
    pub text: String,
    /// For each line of `text`, its line number in the original file (1-based).
    pub lines: Vec<usize>,
    /// `$TTL` values in seconds by original line, in file order.
    pub ttls: Vec<(usize, u32)>,
    /// `$GENERATE` lines that could not be expanded: (line, message).
    pub problems: Vec<(usize, PrepareError)>,
    /// The original line of an entry whose '(' is still open at the end of the text.
    pub unclosed: Option<usize>,
}

/// One token of an entry: original line, byte range in that line.
#[derive(Debug, Clone, Copy)]
struct Tok {
    line: usize,
    start: usize,
    end: usize,
}

/// Prepares `text` (see the module comment).
pub(crate) fn prepare(text: &str) -> Prepared {
    let lines: Vec<&str> = text.lines().collect();
    let mut rewritten: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    let mut out = Prepared::default();
    let mut generated: Vec<(usize, Vec<String>)> = Vec::new();
    let (all, unclosed) = entries_and_depth(&lines);
    let mut total: u64 = 0;
    if unclosed && let Some(last) = all.last() {
        let line = last[0].line + 1;
        out.problems.push((line, PrepareError::Unclosed(line)));
        out.unclosed = Some(line);
    }
    for entry in all {
        let word = |t: &Tok| &lines[t.line][t.start..t.end];
        let first = word(&entry[0]);
        if first.eq_ignore_ascii_case("$GENERATE") {
            let words: Vec<&str> = entry.iter().map(word).collect();
            match expand_generate(&words[1..]) {
                Ok(records) if total + records.len() as u64 > MAX_GENERATED => {
                    out.problems
                        .push((entry[0].line + 1, PrepareError::FileTotal));
                }
                Ok(records) => {
                    total += records.len() as u64;
                    generated.push((entry[0].line, records));
                }
                Err(m) => out.problems.push((entry[0].line + 1, m)),
            }
            continue;
        }
        for (t, secs) in ttl_positions(&lines, &entry) {
            let line = &mut rewritten[t.line];
            // Tokens are rewritten from the right, so earlier offsets stay valid.
            line.replace_range(t.start..t.end, &secs.to_string());
        }
        if first.eq_ignore_ascii_case("$TTL")
            && let Some(t) = entry.get(1)
            && let Some(secs) = ttl_seconds(word(t))
        {
            out.ttls.push((entry[0].line + 1, secs));
        }
    }
    assemble(rewritten, generated, &mut out);
    out
}

/// The text the scanner reads: the rewritten lines, each `$GENERATE` replaced by its
/// records, and the original line of every line of it.
fn assemble(rewritten: Vec<String>, generated: Vec<(usize, Vec<String>)>, out: &mut Prepared) {
    let mut generated = generated.into_iter().peekable();
    for (i, line) in rewritten.into_iter().enumerate() {
        if let Some((_, records)) = generated.next_if(|(l, _)| *l == i) {
            for r in records {
                out.text.push_str(&r);
                out.text.push('\n');
                out.lines.push(i + 1);
            }
            // The directive itself becomes an empty line (a comment keeps the count).
            out.text.push_str(";\n");
        } else {
            out.text.push_str(&line);
            out.text.push('\n');
        }
        out.lines.push(i + 1);
    }
}

/// The line (0-based) where each record or `$INCLUDE` entry of `text` starts:
/// the entries the scanner hands back, in its order.
pub(crate) fn entry_starts(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    entries(&lines)
        .into_iter()
        .filter(|e| {
            let t = e[0];
            let first = &lines[t.line][t.start..t.end];
            !(first.eq_ignore_ascii_case("$TTL") || first.eq_ignore_ascii_case("$ORIGIN"))
        })
        .map(|e| e[0].line)
        .collect()
}

/// The words of the entry that starts on the first of `lines` (parentheses joined,
/// comments and quotes respected).
pub(crate) fn entry_words<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let all = entries(lines);
    let Some(first) = all.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|t| &lines[t.line][t.start..t.end])
        .collect()
}

/// The tokens of each entry (parentheses joined), comments and quotes respected.
fn entries(lines: &[&str]) -> Vec<Vec<Tok>> {
    entries_and_depth(lines).0
}

/// [`entries`], and whether the last one leaves a '(' open at the end of the text.
fn entries_and_depth(lines: &[&str]) -> (Vec<Vec<Tok>>, bool) {
    let mut out = Vec::new();
    let mut current: Vec<Tok> = Vec::new();
    let mut depth = 0usize;
    for (n, line) in lines.iter().enumerate() {
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b';' => break,
                b'(' => depth += 1,
                b')' => depth = depth.saturating_sub(1),
                b' ' | b'\t' | b'\r' => {}
                _ => {
                    let start = i;
                    i = token_end(b, i);
                    current.push(Tok {
                        line: n,
                        start,
                        end: i,
                    });
                    continue;
                }
            }
            i += 1;
        }
        if depth == 0 && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    (out, depth > 0)
}

/// Where the token starting at `i` ends (quoted strings and escapes kept whole).
fn token_end(b: &[u8], mut i: usize) -> usize {
    let quoted = b[i] == b'"';
    if quoted {
        i += 1;
    }
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' if quoted => return i + 1,
            b' ' | b'\t' | b'\r' | b';' | b'(' | b')' if !quoted => return i,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// TTL tokens with units in an entry: `$TTL`'s argument, the TTL before the
/// record type, and the four SOA timers (RFC 1035 §5.1; BIND's units).
fn ttl_positions(lines: &[&str], entry: &[Tok]) -> Vec<(Tok, u32)> {
    let word = |t: &Tok| &lines[t.line][t.start..t.end];
    let mut found: Vec<Tok> = Vec::new();
    let first = word(&entry[0]);
    if first.starts_with('$') {
        if first.eq_ignore_ascii_case("$TTL") {
            found.extend(entry.get(1));
        }
    } else {
        // An owner is written at the start of the line; an indented record has none.
        let skip = usize::from(entry[0].start == 0);
        let head: Vec<&Tok> = entry.iter().skip(skip).take(3).collect();
        let type_at = head.iter().position(|t| !is_ttl_or_class(word(t)));
        if let Some(at) = type_at {
            found.extend(head[..at].iter().copied().copied());
            if word(head[at]).eq_ignore_ascii_case("SOA") {
                let rdata = skip + at + 1;
                found.extend(entry.iter().skip(rdata + 3).take(4));
            }
        }
    }
    let mut out: Vec<(Tok, u32)> = found
        .into_iter()
        .filter(|t| word(t).bytes().any(|c| c.is_ascii_alphabetic()))
        .filter_map(|t| ttl_seconds(word(&t)).map(|s| (t, s)))
        .collect();
    out.sort_by_key(|t| std::cmp::Reverse((t.0.line, t.0.start)));
    out
}

fn is_ttl_or_class(t: &str) -> bool {
    let upper = t.to_ascii_uppercase();
    ttl_seconds(t).is_some()
        || matches!(upper.as_str(), "IN" | "CH" | "CS" | "HS" | "NONE" | "ANY")
        || upper
            .strip_prefix("CLASS")
            .is_some_and(|n| n.parse::<u16>().is_ok())
}

/// A TTL in seconds or BIND units (`1h30m`, `2D`); `None` when it is not one.
pub(crate) fn ttl_seconds(t: &str) -> Option<u32> {
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
        let unit: u64 = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(num.parse::<u64>().ok()?.checked_mul(unit)?)?;
        num.clear();
    }
    if !num.is_empty() {
        return None;
    }
    u32::try_from(total).ok()
}

/// Expands `$GENERATE range lhs [ttl] [class] type rhs` (BIND's syntax) into
/// record lines.
fn expand_generate(words: &[&str]) -> Result<Vec<String>, PrepareError> {
    let [range, lhs, rest @ ..] = words else {
        return Err(PrepareError::Shape);
    };
    if rest.len() < 2 {
        return Err(PrepareError::Shape);
    }
    let (start, stop, step) = generate_range(range)?;
    let count = (stop - start) / step + 1;
    if count > MAX_GENERATED {
        return Err(PrepareError::TooMany(count));
    }
    let (middle, rhs) = rest.split_at(rest.len() - 1);
    let mut out = Vec::new();
    let mut i = start;
    while i <= stop {
        let owner = substitute(lhs, i)?;
        let data = substitute(rhs[0], i)?;
        out.push(format!("{owner} {} {data}", middle.join(" ")));
        i += step;
    }
    Ok(out)
}

/// `start-stop[/step]`.
fn generate_range(range: &str) -> Result<(u64, u64, u64), PrepareError> {
    let bad = || PrepareError::Range(range.to_string());
    let (span, step) = match range.split_once('/') {
        Some((s, st)) => (s, st.parse::<u64>().map_err(|_| bad())?),
        None => (range, 1),
    };
    let (a, b) = span.split_once('-').ok_or_else(bad)?;
    let (a, b) = (
        a.parse::<u64>().map_err(|_| bad())?,
        b.parse::<u64>().map_err(|_| bad())?,
    );
    if step == 0 || a > b || b > u64::from(u32::MAX) {
        return Err(bad());
    }
    Ok((a, b, step))
}

/// Replaces `$` and `${offset[,width[,base]]}` with the iterator; `\$` is a dollar.
fn substitute(template: &str, i: u64) -> Result<String, PrepareError> {
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                out.extend(chars.next());
            }
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                out.push('$');
            }
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                let spec: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push_str(&modifier(&spec, i)?);
            }
            '$' => out.push_str(&i.to_string()),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// One `${offset,width,base}` modifier (bases d, o, x, X; `n`/`N` nibbles are refused).
fn modifier(spec: &str, i: u64) -> Result<String, PrepareError> {
    let bad = || PrepareError::Modifier(spec.to_string());
    let parts: Vec<&str> = spec.split(',').collect();
    if parts.len() > 3 {
        return Err(bad());
    }
    let offset: i64 = parts[0].trim().parse().map_err(|_| bad())?;
    let width: usize = match parts.get(1) {
        Some(w) => w.trim().parse().map_err(|_| bad())?,
        None => 0,
    };
    // A label is at most 63 characters; a larger width only makes a bad name.
    if width > 255 {
        return Err(bad());
    }
    let value = i64::try_from(i).map_err(|_| bad())? + offset;
    if value < 0 {
        return Err(bad());
    }
    if value > i64::from(i32::MAX) {
        return Err(PrepareError::Overflow {
            spec: spec.to_string(),
            value,
        });
    }
    Ok(match parts.get(2).copied().unwrap_or("d") {
        "d" => format!("{value:0width$}"),
        "o" => format!("{value:0width$o}"),
        "x" => format!("{value:0width$x}"),
        "X" => format!("{value:0width$X}"),
        "n" | "N" => nibbles(value, width, parts[2] == "N"),
        _ => return Err(bad()),
    })
}

/// BIND's nibble format: hex digits least significant first, dot-separated.
fn nibbles(value: i64, width: usize, upper: bool) -> String {
    let hex = if upper {
        format!("{value:X}")
    } else {
        format!("{value:x}")
    };
    let mut digits: Vec<char> = hex.chars().rev().collect();
    // BIND's width counts output characters (digits and dots).
    let wanted = width.div_ceil(2).max(digits.len());
    digits.resize(wanted, '0');
    let mut s: String = digits.iter().map(|d| format!("{d}.")).collect();
    if width > 0 && width % 2 == 1 && s.ends_with('.') {
        // An odd width ends in a digit, not a dot.
    } else if s.ends_with('.') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_units_are_rewritten_only_where_ttls_are() {
        let p = prepare("$TTL 1D\n@ IN SOA ns host ( 2 8H 2H\n 4W 1D )\n1h 1h IN TXT 1h\n");
        assert_eq!(
            p.text,
            "$TTL 86400\n@ IN SOA ns host ( 2 28800 7200\n 2419200 86400 )\n1h 3600 IN TXT 1h\n"
        );
        assert_eq!(p.ttls, vec![(1, 86_400)]);
    }

    #[test]
    fn generate_expands_with_modifiers_and_keeps_its_line() {
        let p = prepare("a A 192.0.2.1\n$GENERATE 1-3 host$ A 10.0.0.${10,3}\nb A 192.0.2.2\n");
        assert_eq!(
            p.text,
            "a A 192.0.2.1\nhost1 A 10.0.0.011\nhost2 A 10.0.0.012\nhost3 A 10.0.0.013\n;\nb A 192.0.2.2\n"
        );
        assert_eq!(p.lines, vec![1, 2, 2, 2, 2, 3]);
    }

    #[test]
    fn bad_generate_is_a_problem_on_its_line() {
        let p = prepare("$GENERATE 9-1 h$ A 10.0.0.$\n");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].0, 1);
    }

    #[test]
    fn ttl_seconds_units() {
        assert_eq!(ttl_seconds("1h30m"), Some(5400));
        assert_eq!(ttl_seconds("2D"), Some(172_800));
        assert_eq!(ttl_seconds("IN"), None);
        assert_eq!(ttl_seconds("12x"), None);
        assert_eq!(ttl_seconds("99999999999w"), None);
    }

    #[test]
    fn generate_offset_beyond_a_c_int_is_refused_as_bind_does() {
        let p = prepare("$GENERATE 1-1 host$ TXT foo${2147483647}\n");
        assert_eq!(p.problems.len(), 1, "{:?}", p.problems);
        assert_eq!(
            p.problems[0].1.to_string(),
            "$GENERATE modifier '${2147483647}' makes 2147483648, more than 2147483647: BIND refuses the zone"
        );
        let p = prepare("$GENERATE 1-1 host$ TXT foo${2147483646}\n");
        assert!(p.problems.is_empty(), "{:?}", p.problems);
    }

    #[test]
    fn generate_limits_width_and_total() {
        let p = prepare("$GENERATE 1-2 h$ A 10.0.0.${0,99999999}\n");
        assert_eq!(p.problems.len(), 1);
        let p = prepare("$GENERATE 1-40000 a$ A 10.0.0.1\n$GENERATE 1-40000 b$ A 10.0.0.1\n");
        assert_eq!(p.problems.len(), 1);
        assert_eq!(p.problems[0].0, 2);
    }
}
