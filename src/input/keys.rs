//! Public keys from private keys, CSRs and public-key files, for pre-publishing the
//! `3 1 x` records of a next key. Private key bytes are wiped after use and never shown.

use der::{Decode, Encode};
use pkcs8::{DecodePrivateKey, EncodePublicKey};
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;
use zeroize::Zeroizing;

/// The encodings a private key may come in (the PEM label tells which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateKeyForm {
    /// `BEGIN PRIVATE KEY`: PKCS#8, any algorithm.
    Pkcs8,
    /// `BEGIN RSA PRIVATE KEY`: PKCS#1.
    RsaPkcs1,
    /// `BEGIN EC PRIVATE KEY`: SEC1.
    EcSec1,
}

/// DER SubjectPublicKeyInfo of the public half of a private key.
pub fn spki_of_private_key(
    der: &Zeroizing<Vec<u8>>,
    form: PrivateKeyForm,
) -> Result<Vec<u8>, String> {
    match form {
        PrivateKeyForm::RsaPkcs1 => rsa_pkcs1_private(der),
        PrivateKeyForm::EcSec1 => ec_sec1(der),
        PrivateKeyForm::Pkcs8 => pkcs8(der),
    }
}

fn pkcs8(der: &[u8]) -> Result<Vec<u8>, String> {
    let info = pkcs8::PrivateKeyInfo::from_der(der)
        .map_err(|_| "not a valid PKCS#8 private key".to_string())?;
    let oid = info.algorithm.oid;
    if oid == pkcs1::ALGORITHM_OID {
        return rsa_pkcs1_private(info.private_key);
    }
    if oid == ED25519_OID {
        return ed25519(der);
    }
    if oid == EC_PUBLIC_KEY_OID {
        return ec_pkcs8(der);
    }
    Err(format!("unsupported private key algorithm {oid}"))
}

const ED25519_OID: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");
const EC_PUBLIC_KEY_OID: pkcs8::ObjectIdentifier =
    pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");

fn rsa_pkcs1_private(der: &[u8]) -> Result<Vec<u8>, String> {
    let key = pkcs1::RsaPrivateKey::from_der(der)
        .map_err(|_| "not a valid PKCS#1 RSA private key".to_string())?;
    rsa_spki(&key.public_key())
}

/// Wraps a PKCS#1 RSAPublicKey into a SubjectPublicKeyInfo (RFC 3279 §2.3.1).
pub fn rsa_spki(public: &pkcs1::RsaPublicKey<'_>) -> Result<Vec<u8>, String> {
    let key_der = public
        .to_der()
        .map_err(|e| format!("cannot encode RSA key: {e}"))?;
    let spki = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: pkcs1::ALGORITHM_OID,
            parameters: Some(der::asn1::AnyRef::NULL),
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(&key_der)
            .map_err(|e| format!("cannot encode RSA key: {e}"))?,
    };
    spki.to_der()
        .map_err(|e| format!("cannot encode RSA key: {e}"))
}

/// DER SubjectPublicKeyInfo from a PKCS#1 `RSA PUBLIC KEY` block.
pub fn spki_of_rsa_public(der: &[u8]) -> Result<Vec<u8>, String> {
    let key = pkcs1::RsaPublicKey::from_der(der)
        .map_err(|_| "not a valid PKCS#1 RSA public key".to_string())?;
    rsa_spki(&key)
}

fn ec_sec1(der: &[u8]) -> Result<Vec<u8>, String> {
    fn encode<C>(key: elliptic_curve::SecretKey<C>) -> Result<Vec<u8>, String>
    where
        C: elliptic_curve::CurveArithmetic + pkcs8::AssociatedOid,
        elliptic_curve::AffinePoint<C>:
            elliptic_curve::sec1::FromEncodedPoint<C> + elliptic_curve::sec1::ToEncodedPoint<C>,
        elliptic_curve::FieldBytesSize<C>: elliptic_curve::sec1::ModulusSize,
    {
        key.public_key()
            .to_public_key_der()
            .map(|d| d.as_bytes().to_vec())
            .map_err(|e| format!("cannot encode EC key: {e}"))
    }
    if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
        return encode(k);
    }
    if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
        return encode(k);
    }
    if let Ok(k) = p521::SecretKey::from_sec1_der(der) {
        return encode(k);
    }
    Err("not a valid SEC1 EC private key on P-256, P-384 or P-521".to_string())
}

fn ec_pkcs8(der: &[u8]) -> Result<Vec<u8>, String> {
    let pk = if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
        k.public_key().to_public_key_der()
    } else if let Ok(k) = p384::SecretKey::from_pkcs8_der(der) {
        k.public_key().to_public_key_der()
    } else if let Ok(k) = p521::SecretKey::from_pkcs8_der(der) {
        k.public_key().to_public_key_der()
    } else {
        return Err("EC private key is not on P-256, P-384 or P-521".to_string());
    };
    pk.map(|d| d.as_bytes().to_vec())
        .map_err(|e| format!("cannot encode EC key: {e}"))
}

fn ed25519(der: &[u8]) -> Result<Vec<u8>, String> {
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
        .map_err(|_| "not a valid Ed25519 PKCS#8 private key".to_string())?;
    let public = ring::signature::KeyPair::public_key(&pair);
    let spki = SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid: ED25519_OID,
            parameters: None,
        },
        subject_public_key: der::asn1::BitStringRef::from_bytes(public.as_ref())
            .map_err(|e| format!("cannot encode Ed25519 key: {e}"))?,
    };
    spki.to_der()
        .map_err(|e| format!("cannot encode Ed25519 key: {e}"))
}

/// The SubjectPublicKeyInfo and subject of a PKCS#10 CSR (signature checked).
pub fn csr(der: &[u8]) -> Result<(Vec<u8>, String), String> {
    let (rest, req) = X509CertificationRequest::from_der(der)
        .map_err(|_| "not a valid certificate signing request".to_string())?;
    if !rest.is_empty() {
        return Err(format!("{} unexpected bytes after the CSR", rest.len()));
    }
    if req.verify_signature().is_err() {
        return Err("the CSR's self-signature does not verify".to_string());
    }
    let info = &req.certification_request_info;
    Ok((
        info.subject_pki.raw.to_vec(),
        crate::chain::one_line(&info.subject),
    ))
}

/// Checks that `der` is a well-formed SubjectPublicKeyInfo and returns it unchanged.
pub fn spki(der: &[u8]) -> Result<Vec<u8>, String> {
    match x509_parser::x509::SubjectPublicKeyInfo::from_der(der) {
        Ok(([], _)) => Ok(der.to_vec()),
        _ => Err("not a valid SubjectPublicKeyInfo public key".to_string()),
    }
}
