//! PEM blocks found the way openssl finds them: anywhere in the text (after a UTF-8
//! byte-order mark, indentation or prose), with LF or CRLF line ends, RFC 7468 lax
//! whitespace and RFC 1421 header lines. The `pem` crate decodes each block; the input
//! is only cut at each BEGIN marker first, so that a broken block can be named by its
//! number and, when it is not needed, skipped instead of failing the whole file.

use crate::sanitize::escape;

/// The start of every PEM encapsulation boundary (RFC 7468 §2).
const BEGIN: &[u8] = b"-----BEGIN ";

/// One BEGIN…END block in file order.
pub(crate) struct Block {
    /// The label from the BEGIN line, as written (not yet escaped).
    pub label: String,
    pub body: Result<pem::Pem, BlockError>,
}

/// Why one block could not be decoded. Labels in messages are escaped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BlockError {
    #[error("the {0} block has no END line (truncated file?)")]
    NoEnd(String),
    #[error("a second BEGIN line comes before the END line of the {0} block")]
    SecondBegin(String),
    #[error("the BEGIN line of the {0} block does not match its END line ({1})")]
    Mismatch(String, String),
    #[error("corrupt base64 in the {0} block")]
    Base64(String),
    #[error("malformed header lines in the {0} block")]
    Header(String),
    #[error("the {0} block is not text")]
    NotText(String),
}

impl BlockError {
    /// Framing errors mean a cut or mangled file: whatever the block was, the file as a
    /// whole cannot be trusted to hold what the user thinks it holds.
    pub fn is_framing(&self) -> bool {
        matches!(
            self,
            BlockError::NoEnd(_) | BlockError::SecondBegin(_) | BlockError::Mismatch(..)
        )
    }
}

/// All blocks of `bytes`; empty when there is no BEGIN marker at all.
pub(crate) fn blocks(bytes: &[u8]) -> Vec<Block> {
    let starts: Vec<usize> = find_all(bytes, BEGIN);
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(bytes.len());
        let slice = &bytes[start..end];
        let label = label_of(&slice[BEGIN.len()..]);
        let shown = shown_label(&label);
        let last = i + 1 == starts.len();
        let body = pem::parse(slice).map_err(|e| describe(&e, &shown, last));
        out.push(Block { label, body });
    }
    out
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
    {
        found.push(from + at);
        from += at + needle.len();
    }
    found
}

/// The label of a BEGIN line: up to the closing dashes, or the end of the line.
fn label_of(after_begin: &[u8]) -> String {
    let line_end = after_begin
        .iter()
        .position(|b| *b == b'\n' || *b == b'\r')
        .unwrap_or(after_begin.len());
    let line = &after_begin[..line_end];
    let label = line
        .windows(5)
        .position(|w| w == b"-----")
        .map_or(line, |end| &line[..end]);
    String::from_utf8_lossy(label).into_owned()
}

fn describe(e: &pem::PemError, shown: &str, last: bool) -> BlockError {
    use pem::PemError as E;
    let shown = shown.to_string();
    match e {
        E::MalformedFraming | E::MissingEndTag if last => BlockError::NoEnd(shown),
        E::MalformedFraming | E::MissingEndTag => BlockError::SecondBegin(shown),
        E::MismatchedTags(_, end) => BlockError::Mismatch(shown, shown_label(end)),
        E::InvalidHeader(_) => BlockError::Header(shown),
        E::NotUtf8(_) => BlockError::NotText(shown),
        _ => BlockError::Base64(shown),
    }
}

/// A PEM label as it may be shown: escaped, and cut after 64 characters.
pub(crate) fn shown_label(label: &str) -> String {
    let cut: String = label.chars().take(64).collect();
    let more = if cut.len() < label.len() { "…" } else { "" };
    format!("{}{more}", escape(&cut))
}

/// Whether the block carries RFC 1421 encryption headers (`Proc-Type: 4,ENCRYPTED`,
/// `DEK-Info`): OpenSSL's legacy encrypted private keys, which are never decrypted.
pub(crate) fn is_legacy_encrypted(pem: &pem::Pem) -> bool {
    let headers = pem.headers();
    headers.get("DEK-Info").is_some()
        || headers
            .get("Proc-Type")
            .is_some_and(|v| v.contains("ENCRYPTED"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = "MAMCAQA=";

    fn one(text: &str) -> Block {
        let mut all = blocks(text.as_bytes());
        assert_eq!(all.len(), 1, "{text:?}");
        all.remove(0)
    }

    #[test]
    fn byte_order_mark_and_indentation_do_not_hide_a_block() {
        let text =
            format!("\u{feff}  -----BEGIN CERTIFICATE-----\n{BODY}\n-----END CERTIFICATE-----\n");
        let b = one(&text);
        assert_eq!(b.label, "CERTIFICATE");
        assert_eq!(b.body.unwrap().contents(), [0x30, 0x03, 0x02, 0x01, 0x00]);
    }

    #[test]
    fn crlf_text_around_and_lax_whitespace_are_read() {
        let text = "Bag Attributes\r\n    friendlyName: x\r\n-----BEGIN X509 CERTIFICATE-----  \r\n MAMC\t\r\n AQA= \r\n-----END X509 CERTIFICATE-----\r\ntrailer\r\n";
        let b = one(text);
        assert_eq!(b.label, "X509 CERTIFICATE");
        assert!(b.body.is_ok());
    }

    #[test]
    fn legacy_encryption_headers_are_recognised() {
        let text = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n{BODY}\n-----END RSA PRIVATE KEY-----\n"
        );
        let b = one(&text);
        assert!(is_legacy_encrypted(&b.body.unwrap()));
    }

    #[test]
    fn framing_errors_are_told_apart() {
        let b = one("-----BEGIN CERTIFICATE-----\nMAMC\n");
        assert!(matches!(b.body, Err(BlockError::NoEnd(_))));
        let all = blocks(b"-----BEGIN A-----\nAA==\n-----BEGIN B-----\nAA==\n-----END B-----\n");
        assert!(matches!(&all[0].body, Err(BlockError::SecondBegin(l)) if l == "A"));
        assert!(all[1].body.is_ok());
        let b = one("-----BEGIN A-----\nAA==\n-----END B-----\n");
        assert!(b.body.unwrap_err().is_framing());
    }

    #[test]
    fn bad_base64_is_not_a_framing_error() {
        let b = one("-----BEGIN CERTIFICATE-----\nMII*%%\n-----END CERTIFICATE-----\n");
        let e = b.body.unwrap_err();
        assert!(!e.is_framing());
        assert_eq!(e.to_string(), "corrupt base64 in the CERTIFICATE block");
    }

    #[test]
    fn no_marker_means_no_block() {
        assert!(blocks(b"").is_empty());
        assert!(blocks(b"-----BEGIN").is_empty());
        assert!(blocks(b"hello\n").is_empty());
    }
}
