//! What an input file holds: a certificate chain, or a lone key (private key, public
//! key or CSR). Decodes PEM (blocks from [`crate::input::pem`]) and DER; no I/O.

use zeroize::Zeroizing;

use crate::chain::{Certificate, KeyKind};
use crate::input::keys::{self, PrivateKeyForm, PublicKeyForm};
use crate::input::pem::{self, shown_label};

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
    /// A key, and a note about it (an unchecked CSR signature).
    Key(LoneKey, Option<String>),
    Ignored(String),
    /// A block that could not be used: refused when the file needs it, a note otherwise.
    Broken(Need, ParseError),
}

/// When a broken block makes the whole input unusable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    /// A cut or mangled file: always.
    Always,
    /// A certificate: always, since dropping it could change the leaf.
    Cert,
    /// A key or CSR: only when the file holds no certificate.
    Key,
}

/// What a PEM label stands for; the old OpenSSL labels are read like the new ones.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Label {
    Cert,
    Csr,
    Public(PublicKeyForm),
    Private(PrivateKeyForm),
    Other,
}

impl Label {
    fn of(label: &str) -> Label {
        match label {
            "CERTIFICATE" | "X509 CERTIFICATE" => Label::Cert,
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Label::Csr,
            "PUBLIC KEY" => Label::Public(PublicKeyForm::Spki),
            "RSA PUBLIC KEY" => Label::Public(PublicKeyForm::RsaPkcs1),
            "DSA PUBLIC KEY" => Label::Public(PublicKeyForm::Dsa),
            "PRIVATE KEY" => Label::Private(PrivateKeyForm::Pkcs8),
            "RSA PRIVATE KEY" => Label::Private(PrivateKeyForm::RsaPkcs1),
            "EC PRIVATE KEY" => Label::Private(PrivateKeyForm::EcSec1),
            "DSA PRIVATE KEY" => Label::Private(PrivateKeyForm::DsaTraditional),
            _ => Label::Other,
        }
    }

    fn need(self) -> Option<Need> {
        match self {
            Label::Cert => Some(Need::Cert),
            Label::Other => None,
            _ => Some(Need::Key),
        }
    }
}

/// Parses PEM or DER input.
pub fn parse(bytes: &[u8]) -> Result<Parsed, ParseError> {
    if bytes.is_empty() {
        return Err(ParseError::whole("the file is empty"));
    }
    // PEM is text and never holds a NUL byte, while every DER certificate, CSR and key
    // does (a version or unused-bits octet): a BEGIN line inside binary data is data.
    let blocks = if bytes.contains(&0) {
        Vec::new()
    } else {
        pem::blocks(bytes)
    };
    if blocks.is_empty() {
        return parse_der(bytes);
    }
    let mut items = Vec::new();
    let mut had_private_key = false;
    for (i, block) in blocks.into_iter().enumerate() {
        had_private_key |= block.label.ends_with("PRIVATE KEY");
        items.push(pem_item(block, i + 1));
    }
    combine(items, had_private_key)
}

fn pem_item(block: pem::Block, number: usize) -> Item {
    let kind = Label::of(&block.label);
    let label = shown_label(&block.label);
    let body = match block.body {
        Ok(body) => body,
        Err(e) => {
            let need = if e.is_framing() {
                Some(Need::Always)
            } else {
                kind.need()
            };
            return match need {
                Some(need) => Item::Broken(need, ParseError::at(number, e.to_string())),
                None => Item::Ignored(format!("PEM block {number} ({label}) ignored: {e}")),
            };
        }
    };
    if pem::is_legacy_encrypted(&body) {
        return Item::Ignored(format!(
            "PEM block {number} ({label}) skipped: it is encrypted (Proc-Type/DEK-Info headers) and is never decrypted; give the certificate, the CSR or the public key"
        ));
    }
    let der = Zeroizing::new(body.into_contents());
    match decode(kind, &der) {
        Ok(Some(item)) => item,
        Ok(None) => Item::Ignored(ignored_label_note(number, &label)),
        Err(m) => Item::Broken(
            kind.need().unwrap_or(Need::Key),
            ParseError::at(number, format!("{label}: {m}")),
        ),
    }
}

/// Why one PEM block could not be read.
#[derive(Debug, thiserror::Error)]
enum BlockError {
    #[error(transparent)]
    Cert(#[from] crate::chain::CertError),
    #[error(transparent)]
    Key(#[from] keys::KeyError),
}

/// The item of one decoded block; `None` for labels daneguard does not read.
fn decode(kind: Label, der: &Zeroizing<Vec<u8>>) -> Result<Option<Item>, BlockError> {
    Ok(Some(match kind {
        Label::Cert => Item::Cert(Certificate::from_der(der.to_vec())?),
        Label::Public(form) => lone(keys::spki_of_public(der, form)?, KeyOrigin::PublicKey),
        Label::Csr => csr_item(keys::csr(der)?),
        Label::Private(form) => lone(
            keys::spki_of_labelled_private_key(der, form)?,
            KeyOrigin::PrivateKey,
        ),
        Label::Other => return Ok(None),
    }))
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

fn lone_key(spki: Vec<u8>, origin: KeyOrigin) -> LoneKey {
    LoneKey {
        kind: KeyKind::of_spki_der(&spki),
        spki,
        origin,
    }
}

fn lone(spki: Vec<u8>, origin: KeyOrigin) -> Item {
    Item::Key(lone_key(spki, origin), None)
}

fn csr_item(csr: keys::Csr) -> Item {
    let origin = KeyOrigin::Csr {
        subject: csr.subject,
    };
    Item::Key(lone_key(csr.spki, origin), csr.note)
}

/// Decides what a list of PEM items amounts to.
fn combine(items: Vec<Item>, had_private_key: bool) -> Result<Parsed, ParseError> {
    let mut certs = Vec::new();
    let mut keys: Vec<(usize, LoneKey)> = Vec::new();
    let mut notes = Vec::new();
    let mut broken = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match item {
            Item::Cert(c) => certs.push(c),
            Item::Key(k, note) => {
                notes.extend(note);
                keys.push((i + 1, k));
            }
            Item::Ignored(note) => notes.push(note),
            Item::Broken(need, e) => broken.push((need, e)),
        }
    }
    // A broken key block is harmless beside certificates, which are all that is used then.
    let fatal = |need: Need| need != Need::Key || certs.is_empty();
    if let Some((_, e)) = broken.iter().find(|(need, _)| fatal(*need)) {
        return Err(e.clone());
    }
    for (_, e) in broken {
        let number = e.block.unwrap_or(0);
        notes.push(format!(
            "PEM block {number} ignored: {}; only the certificates are used",
            e.message
        ));
    }
    if notes.len() > MAX_NOTES {
        let more = notes.len() - MAX_NOTES;
        notes.truncate(MAX_NOTES);
        notes.push(format!("{more} more PEM blocks ignored"));
    }
    if !certs.is_empty() {
        return chain_of(certs, &keys, notes, had_private_key);
    }
    key_of(keys, notes, had_private_key)
}

fn chain_of(
    certs: Vec<Certificate>,
    keys: &[(usize, LoneKey)],
    mut notes: Vec<String>,
    had_private_key: bool,
) -> Result<Parsed, ParseError> {
    if certs.len() > MAX_CHAIN_LEN {
        return Err(ParseError::whole(format!(
            "{} certificates; at most {MAX_CHAIN_LEN} are accepted in one chain",
            certs.len()
        )));
    }
    for (number, key) in keys {
        notes.push(match key.origin {
            KeyOrigin::PrivateKey => format!(
                "PEM block {number} (private key) ignored: only the certificates are used, and key material is never printed"
            ),
            _ => format!(
                "PEM block {number} ({}) ignored: the file holds certificates",
                key.origin.describe()
            ),
        });
    }
    Ok(Parsed {
        material: Material::Chain(certs),
        notes,
        had_private_key,
    })
}

fn key_of(
    keys: Vec<(usize, LoneKey)>,
    notes: Vec<String>,
    had_private_key: bool,
) -> Result<Parsed, ParseError> {
    let Some((_, first)) = keys.first() else {
        if let Some(encrypted) = notes.iter().find(|n| n.contains(") skipped: ")) {
            return Err(ParseError::whole(format!(
                "no certificate, CSR or key found: {encrypted}"
            )));
        }
        let found: Vec<&str> = notes
            .iter()
            .filter_map(|n| {
                n.split_once(" ignored")
                    .or_else(|| n.split_once(" skipped"))
                    .map(|(head, _)| head)
            })
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
    let found = |key: LoneKey, note: Option<String>, private: bool| {
        Ok(Parsed {
            material: Material::Key(key),
            notes: note.into_iter().collect(),
            had_private_key: private,
        })
    };
    if let Ok(csr) = keys::csr(bytes) {
        let origin = KeyOrigin::Csr {
            subject: csr.subject,
        };
        return found(lone_key(csr.spki, origin), csr.note, false);
    }
    match keys::spki_of_public(bytes, PublicKeyForm::Spki) {
        Ok(spki) => return found(lone_key(spki, KeyOrigin::PublicKey), None, false),
        // A public key, but refused (unused bits, huge parameters): say so, not
        // "not a certificate".
        Err(e) if !matches!(e, keys::KeyError::Malformed(_)) => {
            return Err(ParseError::whole(format!("DER public key: {e}")));
        }
        Err(_) => {}
    }
    match der_private_key(bytes) {
        Some(Ok(spki)) => found(lone_key(spki, KeyOrigin::PrivateKey), None, true),
        Some(Err(e)) => Err(e),
        None => Err(ParseError::whole(format!(
            "DER data is not a certificate, CSR or key: {cert_error}"
        ))),
    }
}

/// The SPKI of a DER private key in any form daneguard reads; an error for a PKCS#8
/// key of an algorithm daneguard cannot derive from; `None` for no private key.
fn der_private_key(bytes: &[u8]) -> Option<Result<Vec<u8>, ParseError>> {
    let secret = Zeroizing::new(bytes.to_vec());
    for form in [
        PrivateKeyForm::Pkcs8,
        PrivateKeyForm::RsaPkcs1,
        PrivateKeyForm::EcSec1,
        PrivateKeyForm::DsaTraditional,
    ] {
        match keys::spki_of_private_key(&secret, form) {
            Ok(spki) => return Some(Ok(spki)),
            Err(m)
                if form == PrivateKeyForm::Pkcs8 && !matches!(m, keys::KeyError::Malformed(_)) =>
            {
                return Some(Err(ParseError::whole(format!("DER private key: {m}"))));
            }
            Err(_) => {}
        }
    }
    None
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
