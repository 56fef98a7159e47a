//! Checks shared by the fuzz targets (see `README.md`).

use daneguard::tlsa::{self, Tlsa};

/// A character that must never reach a terminal unescaped: a C0/C1 control other than
/// the line feed, or a Unicode bidi/format control (the set `sanitize::escape` handles).
pub fn is_forbidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

/// Panics when `text` holds a forbidden character (and says where).
pub fn assert_clean(what: &str, text: &str) {
    if let Some((i, c)) = text.char_indices().find(|(_, c)| is_forbidden(*c)) {
        panic!("{what}: unescaped {c:?} at byte {i} in {text:?}");
    }
}

/// Reverses `daneguard::sanitize::escape`: `\\` → `\`, `\xNN` → U+00NN, `\u{X}` → U+X.
/// Returns `None` when the text is not a well-formed escape output.
pub fn unescape(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '\\' => out.push('\\'),
            'x' => {
                let hex: String = chars.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            'u' => {
                if chars.next()? != '{' {
                    return None;
                }
                let hex: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Every text form of a TLSA record daneguard writes parses back to the same record:
/// presentation (`U S M hex`) and RFC 3597 generic (`\# LEN HEX`).
pub fn assert_tlsa_round_trips(t: &Tlsa) {
    let text = t.to_string();
    let back = tlsa::parse_rdata(&text);
    if t.data.is_empty() {
        // `U S M` with no data cannot be written as presentation text (RFC 6698 §2.2
        // needs at least one hex digit); parse_rdata must refuse it, not misread it.
        assert!(back.is_err(), "{text:?} parsed as {back:?}");
    } else {
        assert_eq!(back.as_ref(), Ok(t), "presentation round trip of {text:?}");
    }
    let generic = t.generic_rdata();
    let rest = generic
        .strip_prefix("\\# ")
        .expect("generic form starts with \\#");
    let (len, hex_text) = rest.split_once(' ').expect("\\# LEN HEX");
    let wire = hex_decode(hex_text).expect("generic hex decodes");
    assert_eq!(len.parse::<usize>().ok(), Some(wire.len()), "{generic}");
    let p = t.params;
    assert_eq!(
        wire[..3],
        [p.usage.0, p.selector.0, p.matching.0],
        "{generic}"
    );
    assert_eq!(wire[3..], t.data[..], "{generic}");
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
