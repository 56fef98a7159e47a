//! Public keys from private keys, CSRs and public-key files, for pre-publishing the
//! `3 1 x` records of a next key. The SubjectPublicKeyInfo is the one `openssl pkey
//! -pubout` writes: stored public keys and parameters are kept byte for byte (a
//! compressed EC point stays compressed, explicit curve parameters stay explicit).
//! Private key bytes are wiped after use and never shown.

use der::asn1::{AnyRef, BitStringRef, OctetStringRef, UintRef};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::prelude::FromDer;
use zeroize::Zeroizing;

/// Why no public key could be read from a key or CSR. The messages name no key
/// bytes: a private key is never shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The bytes are not this structure at all.
    #[error("not a valid {0}")]
    Malformed(&'static str),
    #[error("{0} unexpected bytes after the CSR")]
    TrailingBytes(usize),
    #[error("unsupported private key algorithm {0}")]
    Algorithm(ObjectIdentifier),
    #[error("cannot encode {0}: {1}")]
    Encode(&'static str, String),
    #[error("DSA parameters larger than openssl accepts (10000-bit p)")]
    DsaTooLarge,
    #[error("the public key's BIT STRING has unused bits: not valid DER for a key")]
    UnusedBits,
    #[error("the private value is larger than its group allows: refused before any computation")]
    PrivateTooLarge,
    #[error("the EC private key does not name its curve")]
    NoCurve,
}

/// The encodings a private key may come in (the PEM label tells which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateKeyForm {
    /// `BEGIN PRIVATE KEY`: PKCS#8, any algorithm.
    Pkcs8,
    /// `BEGIN RSA PRIVATE KEY`: PKCS#1.
    RsaPkcs1,
    /// `BEGIN EC PRIVATE KEY`: SEC1.
    EcSec1,
    /// `BEGIN DSA PRIVATE KEY`: OpenSSL's traditional DSA form.
    DsaTraditional,
}

const RSA_PSS_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const ED25519_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");
const EC_PUBLIC_KEY_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const DSA_OID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// SEC1 `ECPrivateKey` (RFC 5915 §3) with the parameters kept as they are, so that
/// explicit curve parameters and any curve are read, not only named NIST curves.
#[derive(der::Sequence)]
struct EcPrivateKey<'a> {
    version: u8,
    private_key: OctetStringRef<'a>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    parameters: Option<AnyRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    public_key: Option<BitStringRef<'a>>,
}

/// Explicit curve parameters (RFC 3279 §2.3.5 `ECParameters`), read only to see how
/// the base point is written.
#[derive(der::Sequence)]
struct SpecifiedEcParameters<'a> {
    version: u8,
    field_id: AnyRef<'a>,
    curve: AnyRef<'a>,
    base: OctetStringRef<'a>,
    order: UintRef<'a>,
    cofactor: Option<UintRef<'a>>,
}

/// DSA domain parameters (RFC 3279 §2.3.2), read to bound their size.
#[derive(der::Sequence)]
struct DsaParams<'a> {
    p: UintRef<'a>,
    q: UintRef<'a>,
    g: UintRef<'a>,
}

/// Largest DSA prime p and subgroup order q read: openssl's own limit for p
/// (OPENSSL_DSA_MAX_MODULUS_BITS) and twice FIPS 186's largest q. Beyond them the
/// modular exponentiations of the key check would make a hostile file a slow one.
const MAX_DSA_P_BYTES: usize = 10_000 / 8;
const MAX_DSA_Q_BYTES: usize = 512 / 8;

fn check_dsa_sizes(p: UintRef<'_>, q: UintRef<'_>) -> Result<(), KeyError> {
    if p.as_bytes().len() > MAX_DSA_P_BYTES || q.as_bytes().len() > MAX_DSA_Q_BYTES {
        return Err(KeyError::DsaTooLarge);
    }
    Ok(())
}

/// A DSA private value is below q (FIPS 186-4 §4.5): a longer one is refused before
/// OpenSSL computes g^x with it.
fn check_dsa_private(x: UintRef<'_>, q: UintRef<'_>) -> Result<(), KeyError> {
    if x.as_bytes().len() > q.as_bytes().len() {
        return Err(KeyError::PrivateTooLarge);
    }
    Ok(())
}

/// Longest private value (the DER of a DH key's x, say) handed to OpenSSL for an
/// algorithm daneguard has no parser of its own for: OpenSSL's largest DH and DSA
/// modulus (10 000 bits) plus the INTEGER's header.
const MAX_PRIVATE_VALUE_BYTES: usize = MAX_DSA_P_BYTES + 8;

/// OpenSSL's `DSA PUBLIC KEY`: y (public), p, q, g.
#[derive(der::Sequence)]
struct DsaPublicKey<'a> {
    y: UintRef<'a>,
    p: UintRef<'a>,
    q: UintRef<'a>,
    g: UintRef<'a>,
}

/// OpenSSL's traditional `DSA PRIVATE KEY`: version, p, q, g, y (public), x.
#[derive(der::Sequence)]
struct DsaPrivateKey<'a> {
    version: UintRef<'a>,
    p: UintRef<'a>,
    q: UintRef<'a>,
    g: UintRef<'a>,
    y: UintRef<'a>,
    x: UintRef<'a>,
}

/// DER SubjectPublicKeyInfo of the public half of a private key.
pub fn spki_of_private_key(
    der: &Zeroizing<Vec<u8>>,
    form: PrivateKeyForm,
) -> Result<Vec<u8>, KeyError> {
    match form {
        PrivateKeyForm::RsaPkcs1 => rsa_pkcs1_private(der),
        PrivateKeyForm::EcSec1 => ec_sec1(der, None, der),
        PrivateKeyForm::Pkcs8 => pkcs8(der),
        PrivateKeyForm::DsaTraditional => dsa_traditional(der),
    }
}

/// Like [`spki_of_private_key`], but when the key is not in the form its PEM label
/// says (a PKCS#8 key under `RSA PRIVATE KEY`), the other forms are tried, as openssl's
/// decoders do; the error is the one of the labelled form.
pub fn spki_of_labelled_private_key(
    der: &Zeroizing<Vec<u8>>,
    label: PrivateKeyForm,
) -> Result<Vec<u8>, KeyError> {
    let first = match spki_of_private_key(der, label) {
        Ok(spki) => return Ok(spki),
        Err(e) => e,
    };
    [
        PrivateKeyForm::Pkcs8,
        PrivateKeyForm::RsaPkcs1,
        PrivateKeyForm::EcSec1,
        PrivateKeyForm::DsaTraditional,
    ]
    .into_iter()
    .filter(|f| *f != label)
    .find_map(|f| spki_of_private_key(der, f).ok())
    .ok_or(first)
}

fn pkcs8(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let info = pkcs8::PrivateKeyInfo::from_der(der)
        .map_err(|_| KeyError::Malformed("PKCS#8 private key"))?;
    let oid = info.algorithm.oid;
    if let Some(public) = info.public_key {
        // PKCS#8 v2 (RFC 5958) carries the public key: nothing to derive.
        return spki_der(info.algorithm, public);
    }
    match oid {
        o if o == pkcs1::ALGORITHM_OID => rsa_pkcs1_private(info.private_key),
        o if o == RSA_PSS_OID => {
            let key = rsa_private(info.private_key)?;
            spki_der(info.algorithm, &key)
        }
        o if o == EC_PUBLIC_KEY_OID => ec_sec1(info.private_key, Some(info.algorithm), der),
        o if o == ED25519_OID => ed25519(der),
        o if o == DSA_OID => dsa_pkcs8(der),
        o if o == ED448_OID => openssl_public(der, "Ed448 private key"),
        // Any other algorithm openssl knows (X25519, X448, DH …): its public key is
        // what `openssl pkey -pubout` writes.
        // The private value is bounded first (DH's x is below p, whose size OpenSSL
        // bounds): computing g^x with a hostile, huge x would take minutes.
        _ if info.private_key.len() > MAX_PRIVATE_VALUE_BYTES => Err(KeyError::PrivateTooLarge),
        _ => openssl_public(der, "private key").map_err(|_| KeyError::Algorithm(oid)),
    }
}

/// A SubjectPublicKeyInfo from an algorithm identifier and the key bits.
fn spki_der(algorithm: AlgorithmIdentifierRef<'_>, key: &[u8]) -> Result<Vec<u8>, KeyError> {
    let spki = SubjectPublicKeyInfoRef {
        algorithm,
        subject_public_key: BitStringRef::from_bytes(key)
            .map_err(|e| KeyError::Encode("the public key", e.to_string()))?,
    };
    spki.to_der()
        .map_err(|e| KeyError::Encode("the public key", e.to_string()))
}

/// The DER RSAPublicKey inside a PKCS#1 private key.
fn rsa_private(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let key = pkcs1::RsaPrivateKey::from_der(der)
        .map_err(|_| KeyError::Malformed("PKCS#1 RSA private key"))?;
    key.public_key()
        .to_der()
        .map_err(|e| KeyError::Encode("RSA key", e.to_string()))
}

fn rsa_pkcs1_private(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    rsa_spki_der(&rsa_private(der)?)
}

/// Wraps a DER PKCS#1 RSAPublicKey into a SubjectPublicKeyInfo (RFC 3279 §2.3.1).
fn rsa_spki_der(key_der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let algorithm = AlgorithmIdentifierRef {
        oid: pkcs1::ALGORITHM_OID,
        parameters: Some(AnyRef::NULL),
    };
    spki_der(algorithm, key_der)
}

/// Wraps a PKCS#1 RSAPublicKey into a SubjectPublicKeyInfo (RFC 3279 §2.3.1).
pub fn rsa_spki(public: &pkcs1::RsaPublicKey<'_>) -> Result<Vec<u8>, KeyError> {
    let key_der = public
        .to_der()
        .map_err(|e| KeyError::Encode("RSA key", e.to_string()))?;
    rsa_spki_der(&key_der)
}

/// DER SubjectPublicKeyInfo from a PKCS#1 `RSA PUBLIC KEY` block.
pub fn spki_of_rsa_public(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let key = pkcs1::RsaPublicKey::from_der(der)
        .map_err(|_| KeyError::Malformed("PKCS#1 RSA public key"))?;
    rsa_spki(&key)
}

/// An EC key's SubjectPublicKeyInfo: the curve parameters (of the SEC1 structure, else
/// of the PKCS#8 wrapper) and the public point as stored. `whole` is the key as given
/// (the PKCS#8 wrapper, or the SEC1 structure itself), for [`openssl_public`].
fn ec_sec1(
    der: &[u8],
    outer: Option<AlgorithmIdentifierRef<'_>>,
    whole: &[u8],
) -> Result<Vec<u8>, KeyError> {
    let key =
        EcPrivateKey::from_der(der).map_err(|_| KeyError::Malformed("SEC1 EC private key"))?;
    // The SEC1 structure's own parameters win over the PKCS#8 wrapper's when both are
    // there (and disagree), as in openssl.
    let algorithm = match (key.parameters, outer) {
        (Some(params), _) => AlgorithmIdentifierRef {
            oid: EC_PUBLIC_KEY_OID,
            parameters: Some(params),
        },
        (None, Some(alg)) => alg,
        (None, None) => {
            return Err(KeyError::NoCurve);
        }
    };
    // openssl re-encodes explicit parameters with the base point uncompressed, and
    // computes a point that is not stored (`openssl ec -no_public`): both need
    // arithmetic on the key's curve, which may be any curve openssl knows.
    let compressed_base = algorithm.parameters.is_some_and(has_compressed_base_point);
    match key.public_key.and_then(|bits| bits.as_bytes()) {
        Some(point) if !compressed_base => spki_der(algorithm, point),
        _ => openssl_public(whole, "EC private key"),
    }
}

fn has_compressed_base_point(params: AnyRef<'_>) -> bool {
    params
        .decode_as::<SpecifiedEcParameters<'_>>()
        .is_ok_and(|p| matches!(p.base.as_bytes().first(), Some(2 | 3)))
}

/// The public key OpenSSL derives from a private key (PKCS#8 or a traditional form),
/// encoded as `openssl pkey -pubout` writes it. Used where the public key must be
/// computed with arithmetic no stable pure-Rust crate has for the key: brainpool and
/// explicit-parameter EC curves, DSA, Ed448 (RustCrypto's `ed448-goldilocks` has
/// EdDSA keys only in pre-releases, 2026-11) and key-agreement keys (X25519, DH).
fn openssl_public(der: &[u8], what: &'static str) -> Result<Vec<u8>, KeyError> {
    let key =
        openssl::pkey::PKey::private_key_from_der(der).map_err(|_| KeyError::Malformed(what))?;
    key.public_key_to_der()
        .map_err(|e| KeyError::Encode(what, e.to_string()))
}

fn ed25519(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
        .map_err(|_| KeyError::Malformed("Ed25519 PKCS#8 private key"))?;
    let public = ring::signature::KeyPair::public_key(&pair);
    let algorithm = AlgorithmIdentifierRef {
        oid: ED25519_OID,
        parameters: None,
    };
    spki_der(algorithm, public.as_ref())
}

fn dsa_pkcs8(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let info = pkcs8::PrivateKeyInfo::from_der(der)
        .map_err(|_| KeyError::Malformed("PKCS#8 private key"))?;
    let params = info
        .algorithm
        .parameters
        .and_then(|p| p.decode_as::<DsaParams<'_>>().ok())
        .ok_or(KeyError::Malformed("DSA PKCS#8 private key"))?;
    check_dsa_sizes(params.p, params.q)?;
    let x = UintRef::from_der(info.private_key)
        .map_err(|_| KeyError::Malformed("DSA PKCS#8 private key"))?;
    check_dsa_private(x, params.q)?;
    openssl_public(der, "DSA PKCS#8 private key")
}

fn dsa_traditional(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let key = DsaPrivateKey::from_der(der).map_err(|_| KeyError::Malformed("DSA private key"))?;
    check_dsa_sizes(key.p, key.q)?;
    check_dsa_private(key.x, key.q)?;
    openssl_public(der, "DSA private key")
}

/// OpenSSL's `DSA PUBLIC KEY` (its `DSAPublicKey`: y, p, q, g), as a SubjectPublicKeyInfo.
pub fn spki_of_dsa_public(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let key = DsaPublicKey::from_der(der).map_err(|_| KeyError::Malformed("DSA public key"))?;
    check_dsa_sizes(key.p, key.q)?;
    let int = |u: UintRef<'_>| {
        openssl::bn::BigNum::from_slice(u.as_bytes())
            .map_err(|e| KeyError::Encode("DSA key", e.to_string()))
    };
    let dsa = openssl::dsa::Dsa::from_public_components(
        int(key.p)?,
        int(key.q)?,
        int(key.g)?,
        int(key.y)?,
    )
    .map_err(|_| KeyError::Malformed("DSA public key"))?;
    openssl::pkey::PKey::from_dsa(dsa)
        .and_then(|k| k.public_key_to_der())
        .map_err(|e| KeyError::Encode("DSA key", e.to_string()))
}

/// The public key forms (the PEM label tells which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicKeyForm {
    /// `BEGIN PUBLIC KEY`: a SubjectPublicKeyInfo, kept byte for byte.
    Spki,
    /// `BEGIN RSA PUBLIC KEY`: PKCS#1.
    RsaPkcs1,
    /// `BEGIN DSA PUBLIC KEY`: OpenSSL's DSA form.
    Dsa,
}

/// The SubjectPublicKeyInfo of a public key in the form its label says, else in the
/// form it really has (a SubjectPublicKeyInfo under `RSA PUBLIC KEY`, say), as
/// openssl's decoders read it; the error is the one of the labelled form.
pub fn spki_of_public(der: &[u8], label: PublicKeyForm) -> Result<Vec<u8>, KeyError> {
    let read = |form| match form {
        PublicKeyForm::Spki => spki(der),
        PublicKeyForm::RsaPkcs1 => spki_of_rsa_public(der),
        PublicKeyForm::Dsa => spki_of_dsa_public(der),
    };
    let mut error = match read(label) {
        Ok(spki) => return Ok(spki),
        Err(e) => e,
    };
    for form in [
        PublicKeyForm::Spki,
        PublicKeyForm::RsaPkcs1,
        PublicKeyForm::Dsa,
    ] {
        match read(form) {
            _ if form == label => {}
            Ok(spki) => return Ok(spki),
            // The bytes are this form, but refused (unused bits, huge parameters):
            // that says more than the labelled form's "not valid".
            Err(e) if !matches!(e, KeyError::Malformed(_)) => error = e,
            Err(_) => {}
        }
    }
    Err(error)
}

/// A CSR's key and subject, plus a note when its self-signature cannot be checked.
pub struct Csr {
    pub spki: Vec<u8>,
    pub subject: String,
    pub note: Option<String>,
}

/// The SubjectPublicKeyInfo and subject of a PKCS#10 CSR. Only the key is needed, and
/// the verifier here (ring, through x509-parser) refuses signatures openssl accepts
/// (RSA under 2048 bits, PSS salt lengths, many curves), so a self-signature that is
/// not confirmed is a note, not a refusal.
pub fn csr(der: &[u8]) -> Result<Csr, KeyError> {
    let (rest, req) = X509CertificationRequest::from_der(der)
        .map_err(|_| KeyError::Malformed("certificate signing request"))?;
    if !rest.is_empty() {
        return Err(KeyError::TrailingBytes(rest.len()));
    }
    let alg = req.signature_algorithm.algorithm.to_id_string();
    let note = match req.verify_signature() {
        Ok(()) => None,
        Err(X509Error::SignatureVerificationError) => Some(format!(
            "the CSR's self-signature ({alg}) could not be confirmed here; only its key is used (openssl req -verify checks it)"
        )),
        Err(_) => Some(format!(
            "the CSR's self-signature ({alg}) was not checked: daneguard cannot verify that algorithm; only its key is used"
        )),
    };
    let info = &req.certification_request_info;
    Ok(Csr {
        spki: info.subject_pki.raw.to_vec(),
        subject: crate::chain::one_line(&info.subject),
        note,
    })
}

/// Checks that `der` is a well-formed SubjectPublicKeyInfo and returns it unchanged.
pub fn spki(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    // Every key algorithm's public key is whole octets (RFC 3279, 5480, 8410). Asked
    // of `der` first: x509-parser refuses such a BIT STRING when the unused bits are
    // not zero, which would hide why.
    if SubjectPublicKeyInfoRef::from_der(der).is_ok_and(|k| k.subject_public_key.unused_bits() != 0)
    {
        return Err(KeyError::UnusedBits);
    }
    match x509_parser::x509::SubjectPublicKeyInfo::from_der(der) {
        Ok(([], _)) => Ok(der.to_vec()),
        _ => Err(KeyError::Malformed("SubjectPublicKeyInfo public key")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The DER of an INTEGER holding the big-endian bytes `b`.
    fn int(b: &[u8]) -> Vec<u8> {
        UintRef::new(b).unwrap().to_der().unwrap()
    }

    /// The DER of a SEQUENCE around `body` (DER already).
    fn sequence(body: Vec<u8>) -> Vec<u8> {
        let length = der::Length::try_from(body.len()).unwrap();
        let header = der::Header::new(der::Tag::Sequence, length).unwrap();
        [header.to_der().unwrap(), body].concat()
    }

    /// A hostile DSA key with a huge p must be refused before any exponentiation
    /// (built with der's own encoders: version, p, q, g, y, x).
    #[test]
    fn oversized_dsa_parameters_are_refused_quickly() {
        let big = vec![0x7f; 40_000];
        let mut body = int(&[0]);
        for part in [&big[..], &big, &[5], &big, &[5]] {
            body.extend(int(part));
        }
        let der = Zeroizing::new(sequence(body));
        let started = std::time::Instant::now();
        let e = spki_of_private_key(&der, PrivateKeyForm::DsaTraditional).unwrap_err();
        assert_eq!(e, KeyError::DsaTooLarge);
        assert!(started.elapsed().as_secs() < 2);
    }

    /// A DSA or DH private key with a huge private value x made OpenSSL compute g^x for
    /// about 15 s per 300 000 bits (found in review); it is refused first.
    #[test]
    fn huge_private_values_are_refused_before_openssl_computes() {
        let (p, q) = (vec![0x7f; 128], vec![0x7f; 20]);
        let dsa_params = [int(&p), int(&q), int(&[5])].concat();
        let dh_params = [int(&p), int(&[2])].concat();
        let huge_x = int(&vec![0x7f; 300_000 / 8]);
        let dh = ObjectIdentifier::new_unwrap("1.2.840.113549.1.3.1");
        for (oid, params) in [(DSA_OID, dsa_params), (dh, dh_params)] {
            let params = sequence(params);
            let info = pkcs8::PrivateKeyInfo {
                algorithm: AlgorithmIdentifierRef {
                    oid,
                    parameters: Some(AnyRef::from_der(&params).unwrap()),
                },
                private_key: &huge_x,
                public_key: None,
            };
            let der = Zeroizing::new(info.to_der().unwrap());
            let started = std::time::Instant::now();
            let e = spki_of_private_key(&der, PrivateKeyForm::Pkcs8).unwrap_err();
            assert_eq!(e, KeyError::PrivateTooLarge, "{oid}");
            assert!(started.elapsed().as_secs() < 2, "{oid}");
        }
    }

    #[test]
    fn garbage_is_an_error_for_every_form() {
        for form in [
            PrivateKeyForm::Pkcs8,
            PrivateKeyForm::RsaPkcs1,
            PrivateKeyForm::EcSec1,
            PrivateKeyForm::DsaTraditional,
        ] {
            for bytes in [&b""[..], &[0x30, 0x00], &[0x30, 0x03, 0x02, 0x01, 0x00]] {
                let der = Zeroizing::new(bytes.to_vec());
                assert!(
                    spki_of_private_key(&der, form).is_err(),
                    "{form:?} {bytes:?}"
                );
            }
        }
    }
}
