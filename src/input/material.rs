//! What an input file holds: a certificate chain, or a lone key (private key, public
//! key or CSR). Decodes PEM (with rustls-pki-types) and DER; no I/O.

use rustls_pki_types::pem::{PemObject, SectionKind};
use zeroize::Zeroizing;

use crate::chain::{Certificate, KeyKind};
use crate::input::keys::{self, PrivateKeyForm};

/// Most notes about skipped PEM blocks; the rest are counted in one more note.
const MAX_NOTES: usize = 10;

/// Most certificates daneguard accepts in one chain.
pub const MAX_CHAIN_LEN: usize = 16;

/// The usable content of one input.
#[derive(Debug, Clone)]
pub enum Material {
    /// Certificates in file order, leaf first.
    Chain(Vec<Certificate>),
    /// A key without a certificate: only `3 1 x` records can be made from it.
    Key(LoneKey),
}

impl Material {
    /// The certificates, or `None` for a lone key.
    pub fn certs(&self) -> Option<&[Certificate]> {
        match self {
            Material::Chain(c) => Some(c),
            Material::Key(_) => None,
        }
    }
}

/// A public key taken from a private key, a public-key file or a CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoneKey {
    pub spki: Vec<u8>,
    pub kind: KeyKind,
    pub origin: KeyOrigin,
}

/// Where a lone key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    PrivateKey,
    PublicKey,
    Csr { subject: String },
}

impl KeyOrigin {
    pub fn describe(&self) -> String {
        match self {
            KeyOrigin::PrivateKey => "public half of a private key".to_string(),
            KeyOrigin::PublicKey => "public key".to_string(),
            KeyOrigin::Csr { subject } => format!("key of a CSR for {subject}"),
        }
    }
}

/// Parsed content plus notes about what was skipped.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub material: Material,
    pub notes: Vec<String>,
    /// Whether the input held private key material (for permission warnings).
    pub had_private_key: bool,
}

/// Why an input could not be used; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based PEM block the problem is in, if any.
    pub block: Option<usize>,
    pub message: String,
}

impl ParseError {
    fn whole(message: impl Into<String>) -> ParseError {
        ParseError {
            block: None,
            message: message.into(),
        }
    }
    fn at(block: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            block: Some(block),
            message: message.into(),
        }
    }
}

/// One item found in the input.
enum Item {
    Cert(Certificate),
    Key(LoneKey),
    Ignored(String),
}

/// Parses PEM or DER input.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::whole("the file is empty"));
    }
    let blocks = pem_blocks(bytes)?;
    if blocks.is_empty() {
        return parse_der(bytes);
    }
    let mut items = Vec::new();
    let mut had_private_key = false;
    for (i, block) in blocks.iter().enumerate() {
        let number = i + 1;
        let item = pem_item(block, number)?;
        had_private_key |= block.is_private_key();
        items.push(item);
    }
    combine(items, had_private_key)
}

/// A BEGIN…END region of the input and its label.
struct Block<'a> {
    label: String,
    text: &'a [u8],
}

impl Block<'_> {
    fn is_private_key(&self) -> bool {
        self.label.ends_with("PRIVATE KEY")
    }
}

/// Finds the BEGIN/END regions. Decoding is left to rustls-pki-types; this only cuts the
/// input so that every problem can be tied to its block number.
fn pem_blocks(bytes: &[u8]) -> Result<Vec<Block<'_>>, ParseError> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, usize)> = None;
    let mut offset = 0;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let trimmed = line.trim_ascii();
        if let Some(rest) = trimmed.strip_prefix(b"-----BEGIN ") {
            if let Some((label, _)) = &open {
                return Err(ParseError::at(
                    blocks.len() + 1,
                    format!(
                        "a second BEGIN line comes before the END line of the {} block",
                        shown_label(label)
                    ),
                ));
            }
            let label = String::from_utf8_lossy(rest.strip_suffix(b"-----").unwrap_or(rest));
            open = Some((label.into_owned(), offset));
        } else if trimmed.starts_with(b"-----END ")
            && let Some((label, start)) = open.take()
        {
            blocks.push(Block {
                label,
                text: &bytes[start..offset + line.len()],
            });
        }
        offset += line.len();
    }
    if let Some((label, _)) = open {
        return Err(ParseError::at(
            blocks.len() + 1,
            format!(
                "the {} block has no END line (truncated file?)",
                shown_label(&label)
            ),
        ));
    }
    Ok(blocks)
}

fn pem_item(block: &Block<'_>, number: usize) -> Result<Item, ParseError> {
    let label = shown_label(&block.label);
    if block.label == "RSA PUBLIC KEY" {
        let (_, der) = der::pem::decode_vec(block.text)
            .map_err(|_| ParseError::at(number, "corrupt base64 in the RSA PUBLIC KEY block"))?;
        let spki = keys::spki_of_rsa_public(&der).map_err(|m| ParseError::at(number, m))?;
        return Ok(lone(spki, KeyOrigin::PublicKey));
    }
    let decoded = <(SectionKind, Vec<u8>)>::pem_slice_iter(block.text).next();
    let (kind, der) = match decoded {
        None => return Ok(Item::Ignored(ignored_label_note(number, &label))),
        Some(Err(e)) => return Err(ParseError::at(number, pem_error(&label, &e))),
        Some(Ok(section)) => section,
    };
    let der = Zeroizing::new(der);
    let at = |m: String| ParseError::at(number, format!("{label}: {m}"));
    match kind {
        SectionKind::Certificate => {
            Ok(Item::Cert(Certificate::from_der(der.to_vec()).map_err(at)?))
        }
        SectionKind::PublicKey => Ok(lone(keys::spki(&der).map_err(at)?, KeyOrigin::PublicKey)),
        SectionKind::Csr => {
            let (spki, subject) = keys::csr(&der).map_err(at)?;
            Ok(lone(spki, KeyOrigin::Csr { subject }))
        }
        SectionKind::PrivateKey => private(&der, PrivateKeyForm::Pkcs8, number, &label),
        SectionKind::RsaPrivateKey => private(&der, PrivateKeyForm::RsaPkcs1, number, &label),
        SectionKind::EcPrivateKey => private(&der, PrivateKeyForm::EcSec1, number, &label),
        _ => Ok(Item::Ignored(format!(
            "PEM block {number} ({label}) ignored: not a certificate, CSR or key"
        ))),
    }
}

/// A PEM label as it may be shown: escaped, and cut after 64 characters.
fn shown_label(label: &str) -> String {
    let cut: String = label.chars().take(64).collect();
    let more = if cut.len() < label.len() { "…" } else { "" };
    format!("{}{more}", crate::sanitize::escape(&cut))
}

fn ignored_label_note(number: usize, label: &str) -> String {
    let why = match label {
        "ENCRYPTED PRIVATE KEY" => {
            "encrypted private keys are not read; give the certificate, the CSR or the public key"
        }
        "TRUSTED CERTIFICATE" => {
            "OpenSSL 'trusted certificate' blocks are not read; convert with 'openssl x509'"
        }
        _ => "unknown block type",
    };
    format!("PEM block {number} ({label}) ignored: {why}")
}

fn pem_error(label: &str, err: &rustls_pki_types::pem::Error) -> String {
    use rustls_pki_types::pem::Error as E;
    match err {
        E::Base64Decode(_) => format!("corrupt base64 in the {label} block"),
        E::MissingSectionEnd { .. } => {
            format!("the {label} block has no END line (truncated file?)")
        }
        E::IllegalSectionStart { .. } => format!("malformed BEGIN line of the {label} block"),
        E::SectionTooLarge => format!("the {label} block is too large"),
        _ => format!("unreadable {label} block"),
    }
}

fn private(
    der: &Zeroizing<Vec<u8>>,
    form: PrivateKeyForm,
    number: usize,
    label: &str,
) -> Result<Item, ParseError> {
    keys::spki_of_private_key(der, form)
        .map(|spki| lone(spki, KeyOrigin::PrivateKey))
        .map_err(|m| ParseError::at(number, format!("{label}: {m}")))
}

fn lone(spki: Vec<u8>, origin: KeyOrigin) -> Item {
    Item::Key(LoneKey {
        kind: KeyKind::of_spki_der(&spki),
        spki,
        origin,
    })
}

/// Decides what a list of PEM items amounts to.
fn combine(items: Vec<Item>, had_private_key: bool) -> Result<Parsed, ParseError> {
    let mut certs = Vec::new();
    let mut keys: Vec<(usize, LoneKey)> = Vec::new();
    let mut notes = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Item::Cert(c) => certs.push(c),
            Item::Key(k) => keys.push((i + 1, k)),
            Item::Ignored(note) => notes.push(note),
        }
    }
    if notes.len() > MAX_NOTES {
        let more = notes.len() - MAX_NOTES;
        notes.truncate(MAX_NOTES);
        notes.push(format!("{more} more PEM blocks ignored"));
    }
    if !certs.is_empty() {
        if certs.len() > MAX_CHAIN_LEN {
            return Err(ParseError::whole(format!(
                "{} certificates; at most {MAX_CHAIN_LEN} are accepted in one chain",
                certs.len()
            )));
        }
        for (number, key) in &keys {
            notes.push(match key.origin {
                KeyOrigin::PrivateKey => format!(
                    "PEM block {number} (private key) ignored: only the certificates are used, and key material is never printed"
                ),
                _ => format!("PEM block {number} ({}) ignored: the file holds certificates", key.origin.describe()),
            });
        }
        return Ok(Parsed {
            material: Material::Chain(certs),
            notes,
            had_private_key,
        });
    }
    let Some((_, first)) = keys.first() else {
        let found: Vec<&str> = notes
            .iter()
            .filter_map(|n| n.split_once(" ignored").map(|(head, _)| head))
            .collect();
        return Err(ParseError::whole(if found.is_empty() {
            "no certificate, CSR or key found".to_string()
        } else {
            format!(
                "no certificate, CSR or key found, only {}",
                found.join(", ")
            )
        }));
    };
    if keys.iter().any(|(_, k)| k.spki != first.spki) {
        return Err(ParseError::whole(
            "holds several different keys and no certificate; give one key per file",
        ));
    }
    let key = keys
        .into_iter()
        .map(|(_, k)| k)
        .next()
        .expect("checked non-empty above");
    Ok(Parsed {
        material: Material::Key(key),
        notes,
        had_private_key,
    })
}

/// Input without PEM markers: a DER certificate, CSR, public key or PKCS#8 private key.
fn parse_der(bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.first() != Some(&0x30) {
        return Err(ParseError::whole(if looks_like_text(bytes) {
            "no PEM block (-----BEGIN …-----) and not DER: no certificate, CSR or key found"
        } else {
            "not PEM, and not a DER certificate, CSR or key (it does not start with an ASN.1 SEQUENCE)"
        }));
    }
    let cert_error = match Certificate::from_der(bytes.to_vec()) {
        Ok(cert) => {
            return Ok(Parsed {
                material: Material::Chain(vec![cert]),
                notes: vec![],
                had_private_key: false,
            });
        }
        Err(e) => e,
    };
    let found = |key: Item, private: bool| match key {
        Item::Key(k) => Ok(Parsed {
            material: Material::Key(k),
            notes: vec![],
            had_private_key: private,
        }),
        _ => unreachable!("lone() always builds Item::Key"),
    };
    if let Ok((spki, subject)) = keys::csr(bytes) {
        return found(lone(spki, KeyOrigin::Csr { subject }), false);
    }
    if let Ok(spki) = keys::spki(bytes) {
        return found(lone(spki, KeyOrigin::PublicKey), false);
    }
    let secret = Zeroizing::new(bytes.to_vec());
    for form in [
        PrivateKeyForm::Pkcs8,
        PrivateKeyForm::RsaPkcs1,
        PrivateKeyForm::EcSec1,
    ] {
        if let Ok(spki) = keys::spki_of_private_key(&secret, form) {
            return found(lone(spki, KeyOrigin::PrivateKey), true);
        }
    }
    Err(ParseError::whole(format!(
        "DER data is not a certificate, CSR or key: {cert_error}"
    )))
}

fn looks_like_text(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(4096)];
    std::str::from_utf8(sample).is_ok() && !sample.contains(&0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_named() {
        assert_eq!(parse(b"").unwrap_err().message, "the file is empty");
    }

    #[test]
    fn text_without_pem_is_named() {
        let e = parse(b"hello\nworld\n").unwrap_err();
        assert!(e.message.contains("no PEM block"), "{}", e.message);
    }

    #[test]
    fn nested_begin_is_rejected_with_block_number() {
        let e = parse(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap_err();
        assert_eq!(e.block, Some(1));
        assert!(e.message.contains("second BEGIN line"), "{}", e.message);
    }

    #[test]
    fn missing_end_is_named() {
        let e = parse(b"-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap_err();
        assert!(e.message.contains("no END line"), "{}", e.message);
    }

    #[test]
    fn corrupt_base64_is_named() {
        let e =
            parse(b"-----BEGIN CERTIFICATE-----\nMII*%%\n-----END CERTIFICATE-----\n").unwrap_err();
        assert!(e.message.contains("corrupt base64"), "{}", e.message);
    }

    #[test]
    fn unknown_blocks_alone_are_not_material() {
        let e = parse(b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n").unwrap_err();
        assert!(
            e.message.contains("no certificate, CSR or key found"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("only PEM block 1 (FOO)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn binary_garbage_is_not_der() {
        let e = parse(&[0x00, 0x01, 0x02, 0xff]).unwrap_err();
        assert!(e.message.contains("not PEM"), "{}", e.message);
        let e = parse(&[0x30, 0x03, 0x02, 0x01]).unwrap_err();
        assert!(e.message.contains("DER data is not"), "{}", e.message);
    }
}
