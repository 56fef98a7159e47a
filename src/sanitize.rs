//! Escaping of untrusted text (certificate names, DNS data, server replies, file names)
//! before it reaches a terminal or a zone-file comment.

use std::borrow::Cow;

/// Replaces control characters (C0, DEL, C1) and Unicode bidi/format controls by
/// visible escapes such as `\x1b` or `\u{202e}`; a backslash becomes `\\` so the
/// escaping cannot be forged. Printable text, including non-ASCII letters, is kept.
pub fn escape(text: &str) -> Cow<'_, str> {
    escaped(text, true)
}

/// The last pass over a message on its way to a terminal: control and bidi
/// characters become visible escapes, as [`escape`] makes them, but a backslash stays
/// as it is. Messages escape the input they quote where they are made (with
/// [`escape`], which doubles backslashes), so escaping them again here would show
/// `\\x1b` for what JSON shows as `\x1b`; this pass only guards against a message
/// that forgot to.
pub fn visible(text: &str) -> Cow<'_, str> {
    escaped(text, false)
}

fn escaped(text: &str, backslash: bool) -> Cow<'_, str> {
    let escapes = |c: char| needs_escape(c) && (backslash || c != '\\');
    if !text.chars().any(escapes) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' if backslash => out.push_str("\\\\"),
            c if (c as u32) < 0x100 && escapes(c) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if escapes(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Escapes raw bytes that may not be UTF-8: invalid sequences become `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(escape("CN = mx.example.com"), Cow::Borrowed(_)));
        assert_eq!(escape("Müller GmbH"), "Müller GmbH");
    }

    #[test]
    fn ansi_escape_and_newline_are_made_visible() {
        assert_eq!(escape("a\x1b[31mb\nc"), "a\\x1b[31mb\\x0ac");
        assert_eq!(escape("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(escape("a\u{9b}b"), "a\\x9bb");
    }

    #[test]
    fn backslash_cannot_forge_an_escape() {
        assert_eq!(escape("\\x1b"), "\\\\x1b");
    }

    #[test]
    fn visible_keeps_an_escaped_message_as_it_is() {
        let message = format!("bad data '{}'", escape("a\x1bb\\c"));
        assert_eq!(message, "bad data 'a\\x1bb\\\\c'");
        assert_eq!(visible(&message), message);
        assert!(matches!(visible(&message), Cow::Borrowed(_)));
        // a message that quoted input unescaped still reaches the terminal safely
        assert_eq!(visible("a\x1b[31mb\u{202e}"), "a\\x1b[31mb\\u{202e}");
    }

    #[test]
    fn invalid_utf8_is_escaped() {
        assert_eq!(escape_bytes(b"ab\xffc\x07"), "ab\\xffc\\x07");
    }
}
