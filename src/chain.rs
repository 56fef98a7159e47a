//! Certificates as daneguard needs them: DER, SubjectPublicKeyInfo, names, dates and
//! key type, extracted once from X.509 (no I/O).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::oid_registry::{self, Oid};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{SubjectPublicKeyInfo, X509Name};

/// Most subjectAltName entries accepted in one certificate.
pub const MAX_SAN_NAMES: usize = 1000;

/// Signature checks already made: (certificate DER, issuer SPKI DER) -> verified.
/// `check --from` asks the same question of the same chain for every name (a DANE-TA
/// record), and one P-384 verification costs more than all the rest of a name's work.
type Verified = HashMap<(Vec<u8>, Vec<u8>), bool>;

/// Most remembered signature checks; beyond it, checks are simply made again.
const MAX_VERIFIED: usize = 256;

fn lock_verified() -> std::sync::MutexGuard<'static, Verified> {
    static VERIFIED: OnceLock<Mutex<Verified>> = OnceLock::new();
    let memo = VERIFIED.get_or_init(|| Mutex::new(HashMap::new()));
    // a panic while holding the lock leaves a valid map; keep using it
    memo.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One parsed certificate, owned, with everything the generators and checks use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub der: Vec<u8>,
    pub spki: Vec<u8>,
    /// Subject in OpenSSL's one-line form (`C = US, O = Let's Encrypt, CN = YR1`).
    pub subject: String,
    pub issuer: String,
    /// Raw DER of the subject and issuer names, for exact comparison.
    pub subject_der: Vec<u8>,
    pub issuer_der: Vec<u8>,
    /// Validity in seconds since the Unix epoch.
    pub not_before: i64,
    pub not_after: i64,
    /// basicConstraints cA = TRUE.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint (0 for an issuing intermediate).
    pub path_len: Option<u32>,
    pub key: KeyKind,
    /// subjectAltName dNSName entries, as written in the certificate.
    pub dns_names: Vec<String>,
    /// Common name(s) of the subject.
    pub common_names: Vec<String>,
}

/// The public key algorithm and size, for comments and renewal predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    Rsa(u32),
    EcP256,
    EcP384,
    EcP521,
    EcOther,
    Ed25519,
    Ed448,
    Other,
}

impl KeyKind {
    /// The broad family, as certbot's `key_type` names it.
    pub fn family(self) -> &'static str {
        match self {
            KeyKind::Rsa(_) => "rsa",
            KeyKind::EcP256 | KeyKind::EcP384 | KeyKind::EcP521 | KeyKind::EcOther => "ecdsa",
            KeyKind::Ed25519 | KeyKind::Ed448 => "eddsa",
            KeyKind::Other => "other",
        }
    }

    /// Reads the algorithm and size from a SubjectPublicKeyInfo.
    pub fn of_spki(spki: &SubjectPublicKeyInfo<'_>) -> KeyKind {
        let alg = &spki.algorithm.algorithm;
        if *alg == oid_registry::OID_SIG_ED25519 {
            return KeyKind::Ed25519;
        }
        if *alg == oid_registry::OID_SIG_ED448 {
            return KeyKind::Ed448;
        }
        match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => KeyKind::Rsa(bit_length(rsa.modulus)),
            Ok(PublicKey::EC(_)) => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok());
                match curve {
                    Some(c) if c == oid_registry::OID_EC_P256 => KeyKind::EcP256,
                    Some(c) if c == oid_registry::OID_NIST_EC_P384 => KeyKind::EcP384,
                    Some(c) if c == oid_registry::OID_NIST_EC_P521 => KeyKind::EcP521,
                    _ => KeyKind::EcOther,
                }
            }
            _ => KeyKind::Other,
        }
    }

    /// Reads the key kind from a DER SubjectPublicKeyInfo.
    pub fn of_spki_der(der: &[u8]) -> KeyKind {
        SubjectPublicKeyInfo::from_der(der).map_or(KeyKind::Other, |(_, s)| KeyKind::of_spki(&s))
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa(bits) => write!(f, "RSA {bits}"),
            KeyKind::EcP256 => f.write_str("ECDSA P-256"),
            KeyKind::EcP384 => f.write_str("ECDSA P-384"),
            KeyKind::EcP521 => f.write_str("ECDSA P-521"),
            KeyKind::EcOther => f.write_str("ECDSA (other curve)"),
            KeyKind::Ed25519 => f.write_str("Ed25519"),
            KeyKind::Ed448 => f.write_str("Ed448"),
            KeyKind::Other => f.write_str("other key type"),
        }
    }
}

fn bit_length(be: &[u8]) -> u32 {
    let start = be.iter().position(|b| *b != 0).unwrap_or(be.len());
    let trimmed = &be[start..];
    match trimmed.first() {
        None => 0,
        Some(first) => (trimmed.len() as u32) * 8 - first.leading_zeros(),
    }
}

/// Why DER bytes are not a certificate daneguard can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    #[error("not a valid X.509 certificate ({0})")]
    NotX509(String),
    #[error("{0} unexpected bytes after the certificate")]
    Trailing(usize),
    #[error("bad {0} extension: {1}")]
    Extension(&'static str, String),
    #[error("{0} subjectAltName names; at most {MAX_SAN_NAMES} are accepted")]
    TooManyNames(usize),
    #[error("subjectAltName name {0} is a DNS name that is not ASCII (IA5String)")]
    NonAsciiDnsName(usize),
    #[error("the {which} has a {attribute} that is not valid {kind}")]
    NameString {
        which: &'static str,
        attribute: String,
        kind: &'static str,
    },
}

impl Certificate {
    /// Parses one DER certificate; trailing bytes after it are an error.
    pub fn from_der(der: Vec<u8>) -> Result<Certificate, CertError> {
        let (rest, x509) =
            X509Certificate::from_der(&der).map_err(|e| CertError::NotX509(describe_nom(&e)))?;
        if !rest.is_empty() {
            return Err(CertError::Trailing(rest.len()));
        }
        let cert = Certificate::from_parsed(&x509)?;
        Ok(Certificate { der, ..cert })
    }

    fn from_parsed(x509: &X509Certificate<'_>) -> Result<Certificate, CertError> {
        let validity = x509.validity();
        let dns_names = san_dns_names(x509)?;
        check_name_strings(x509)?;
        let constraints = x509
            .basic_constraints()
            .map_err(|e| CertError::Extension("basicConstraints", e.to_string()))?
            .map(|bc| (bc.value.ca, bc.value.path_len_constraint));
        let is_ca = constraints.is_some_and(|(ca, _)| ca);
        let path_len = constraints.and_then(|(_, len)| len);
        Ok(Certificate {
            der: Vec::new(),
            spki: x509.public_key().raw.to_vec(),
            subject: one_line(x509.subject()),
            issuer: one_line(x509.issuer()),
            subject_der: x509.subject().as_raw().to_vec(),
            issuer_der: x509.issuer().as_raw().to_vec(),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
            is_ca,
            path_len,
            key: KeyKind::of_spki(x509.public_key()),
            dns_names,
            common_names: x509
                .subject()
                .iter_common_name()
                .map(|cn| attr_text(cn.as_slice(), cn.as_str().ok()))
                .collect(),
        })
    }

    /// Whether subject and issuer are the same name (a root or other self-issued CA).
    pub fn is_self_issued(&self) -> bool {
        self.subject_der == self.issuer_der
    }

    /// Whether `issuer`'s key verifies this certificate's signature.
    pub fn signed_by(&self, issuer: &Certificate) -> bool {
        self.signed_by_key(&issuer.spki)
    }

    /// Whether the key `spki` (DER SubjectPublicKeyInfo) verifies this certificate's signature.
    pub fn signed_by_key(&self, spki_der: &[u8]) -> bool {
        let key = (self.der.clone(), spki_der.to_vec());
        if let Some(&known) = lock_verified().get(&key) {
            return known;
        }
        let (Ok((_, me)), Ok((_, spki))) = (
            X509Certificate::from_der(&self.der),
            SubjectPublicKeyInfo::from_der(spki_der),
        ) else {
            return false;
        };
        let ok = me.verify_signature(Some(&spki)).is_ok();
        let mut memo = lock_verified();
        if memo.len() < MAX_VERIFIED {
            memo.insert(key, ok);
        }
        ok
    }

    /// The names a DANE client checks against (RFC 7672 §3.2.3 with RFC 6125 rules):
    /// subjectAltName dNSNames, or the common name when there are none.
    pub fn reference_names(&self) -> &[String] {
        if self.dns_names.is_empty() {
            &self.common_names
        } else {
            &self.dns_names
        }
    }

    /// Whether `host` (an A-label name without trailing dot) is covered by the
    /// certificate's names, with a wildcard matching exactly one leftmost label.
    pub fn covers_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.reference_names()
            .iter()
            .any(|name| name_matches(name, host))
    }
}

fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = a_label_form(pattern.trim_end_matches('.'));
    let host = a_label_form(host);
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return match host.split_once('.') {
            Some((first, rest)) => !first.is_empty() && rest == suffix,
            None => false,
        };
    }
    pattern == host
}

/// A name in one comparable form: lower-case A-labels. Certificates may hold raw
/// UTF-8 (against RFC 5280) while hosts are given either way; text that IDNA refuses
/// is only lower-cased, so it can still match itself.
pub fn a_label_form(name: &str) -> String {
    if name.is_ascii() {
        return name.to_ascii_lowercase();
    }
    match name.strip_prefix("*.") {
        Some(rest) => format!("*.{}", a_label_form(rest)),
        None => idna::domain_to_ascii(name)
            .map(|a| a.to_ascii_lowercase())
            .unwrap_or_else(|_| name.to_lowercase()),
    }
}

/// subjectAltName dNSNames; a broken extension, too many names or a dNSName that is
/// not ASCII make the certificate unusable rather than silently partial.
fn san_dns_names(x509: &X509Certificate<'_>) -> Result<Vec<String>, CertError> {
    let san = x509
        .subject_alternative_name()
        .map_err(|e| CertError::Extension("subjectAltName", e.to_string()))?;
    let Some(san) = san else {
        return Ok(Vec::new());
    };
    let names = &san.value.general_names;
    if names.len() > MAX_SAN_NAMES {
        return Err(CertError::TooManyNames(names.len()));
    }
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match name {
            GeneralName::DNSName(n) => out.push((*n).to_string()),
            GeneralName::Invalid(tag, _) if tag.0 == 2 => {
                return Err(CertError::NonAsciiDnsName(i + 1));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Subject and issuer strings must decode: a UTF8String that is not UTF-8 (or an
/// ASCII string type that is not ASCII) is refused instead of shown as hex.
fn check_name_strings(x509: &X509Certificate<'_>) -> Result<(), CertError> {
    for (which, name) in [("subject", x509.subject()), ("issuer", x509.issuer())] {
        for attr in name.iter_attributes() {
            let tag = attr.attr_value().tag().0;
            if matches!(tag, 12 | 19 | 22 | 26) && attr.as_str().is_err() {
                let kind = if tag == 12 {
                    "UTF-8 (UTF8String)"
                } else {
                    "ASCII"
                };
                return Err(CertError::NameString {
                    which,
                    attribute: short_name(attr.attr_type()),
                    kind,
                });
            }
        }
    }
    Ok(())
}

/// OpenSSL's one-line name form: `C = US, O = Let's Encrypt, CN = YR1`.
pub fn one_line(name: &X509Name<'_>) -> String {
    let rdns: Vec<String> = name
        .iter_rdn()
        .map(|rdn| {
            rdn.iter()
                .map(|attr| {
                    let key = short_name(attr.attr_type());
                    let value = attr_text(attr.as_slice(), attr.as_str().ok());
                    format!("{key} = {value}")
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect();
    rdns.join(", ")
}

fn short_name(oid: &Oid<'_>) -> String {
    match x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry()) {
        Ok(sn) => match sn {
            "countryName" => "C".into(),
            "organizationName" => "O".into(),
            "organizationalUnitName" => "OU".into(),
            "commonName" => "CN".into(),
            "stateOrProvinceName" => "ST".into(),
            "localityName" => "L".into(),
            "emailAddress" => "emailAddress".into(),
            sn => sn.to_string(),
        },
        Err(_) => oid.to_id_string(),
    }
}

/// A name attribute's text; values that are not text are shown as `#hex`.
fn attr_text(raw: &[u8], text: Option<&str>) -> String {
    match text {
        Some(t) => t.to_string(),
        None => format!("#{}", hex::encode(raw)),
    }
}

fn describe_nom<E: fmt::Display>(err: &x509_parser::nom::Err<E>) -> String {
    match err {
        x509_parser::nom::Err::Incomplete(_) => "the DER data ends too early".to_string(),
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_label_only() {
        assert!(name_matches("*.example.com", "mx.example.com"));
        assert!(!name_matches("*.example.com", "a.mx.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("MX.Example.com.", "mx.example.com"));
    }

    /// A raw UTF-8 name in a certificate was "not among the leaf's names" for its own
    /// A-label.
    #[test]
    fn raw_utf8_names_match_their_a_labels() {
        assert!(name_matches("bücher.example", "xn--bcher-kva.example"));
        assert!(name_matches("*.Bücher.example", "mx.xn--bcher-kva.example"));
        assert!(name_matches("xn--bcher-kva.example", "bücher.example"));
        assert!(!name_matches("bücher.example", "buecher.example"));
    }

    #[test]
    fn bit_length_ignores_leading_zeros() {
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x01, 0x00]), 9);
        assert_eq!(bit_length(&[]), 0);
    }

    /// The remembered answer of a signature check is the answer itself: asked
    /// twice, a good signature stays good and a wrong key stays wrong.
    #[test]
    fn remembered_signature_checks_give_the_same_answers() {
        let root = env!("CARGO_MANIFEST_DIR");
        let read = |f: &str| std::fs::read(format!("{root}/testdata/pki/{f}")).unwrap();
        let parsed = crate::input::material::parse(&read("mx-p256/fullchain.pem")).unwrap();
        let chain = parsed.material.certs().unwrap();
        let (leaf, ca) = (&chain[0], &chain[1]);
        for _ in 0..2 {
            assert!(leaf.signed_by(ca));
            assert!(!leaf.signed_by(leaf));
            assert!(!ca.signed_by_key(&leaf.spki));
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Certificate::from_der(vec![]).is_err());
        assert!(Certificate::from_der(vec![0x30, 0x82, 0xff, 0xff, 0x00]).is_err());
        assert!(Certificate::from_der(b"hello world".to_vec()).is_err());
    }
}

/// A chain put into issuance order, with what had to change.
#[derive(Debug, Clone)]
pub struct Normalized {
    pub certs: Vec<Certificate>,
    /// File positions of certificates dropped as exact duplicates.
    pub duplicates: Vec<(usize, usize)>,
    /// Whether the certificates had to be reordered (leaf first, then each issuer).
    pub reordered: bool,
    /// How many certificates, from the first, form the leaf's issuance path; the rest
    /// (extra roots, other cross-signs) follow in file order. All of them when no leaf
    /// could be told apart.
    pub path_len: usize,
}

/// Drops duplicate certificates and, when one non-CA certificate issued by the others
/// can be told apart as the leaf, orders the chain leaf first, then each issuer;
/// certificates outside that path keep their file order at the end.
pub fn normalize(certs: &[Certificate]) -> Normalized {
    let mut unique: Vec<Certificate> = Vec::new();
    let mut duplicates = Vec::new();
    for (i, c) in certs.iter().enumerate() {
        match certs[..i].iter().position(|o| o.der == c.der) {
            Some(j) => duplicates.push((i, j)),
            None => unique.push(c.clone()),
        }
    }
    let issued_nothing = |c: &Certificate| {
        !unique
            .iter()
            .any(|o| o.der != c.der && o.issuer_der == c.subject_der && !o.is_self_issued())
    };
    let leaves: Vec<usize> = (0..unique.len())
        .filter(|&i| !unique[i].is_ca && issued_nothing(&unique[i]))
        .collect();
    let [leaf] = leaves.as_slice() else {
        return Normalized {
            path_len: unique.len(),
            certs: unique,
            duplicates,
            reordered: false,
        };
    };
    let mut rest: Vec<Option<Certificate>> = unique.iter().cloned().map(Some).collect();
    let mut ordered = vec![rest[*leaf].take().expect("leaf index is valid")];
    loop {
        let current = ordered.last().expect("ordered starts non-empty");
        if current.is_self_issued() {
            break;
        }
        let next = next_issuer(current, &rest);
        match next {
            Some(j) => ordered.push(rest[j].take().expect("position found a Some")),
            None => break,
        }
    }
    let path_len = ordered.len();
    ordered.extend(rest.into_iter().flatten());
    let reordered = ordered.iter().zip(&unique).any(|(a, b)| a.der != b.der);
    Normalized {
        certs: ordered,
        duplicates,
        reordered,
        path_len,
    }
}

/// The certificate in `rest` that issued `current`: of those named as its issuer, the
/// first whose key verifies its signature (a cross-signed CA may be there twice under
/// the same name), else the first by name.
fn next_issuer(current: &Certificate, rest: &[Option<Certificate>]) -> Option<usize> {
    let named: Vec<usize> = rest
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.as_ref()
                .is_some_and(|c| c.subject_der == current.issuer_der)
        })
        .map(|(j, _)| j)
        .collect();
    named
        .iter()
        .copied()
        .find(|&j| rest[j].as_ref().is_some_and(|c| current.signed_by(c)))
        .or_else(|| named.first().copied())
}
