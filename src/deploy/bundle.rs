//! A deployable bundle: one private key and the chain it belongs to, checked (key
//! matches the leaf, leaf valid now) and written as one PEM file, key first. No I/O.

use zeroize::Zeroizing;

use crate::chain::Certificate;
use crate::input::keys::{self, PrivateKeyForm};
use crate::input::material::{self, Material};
use crate::input::pem;

/// A private key and its certificate chain, leaf first.
pub struct Bundle {
    /// The key re-encoded as PEM; wiped on drop, never printed.
    key_pem: Zeroizing<String>,
    key_spki: Vec<u8>,
    pub chain: Vec<Certificate>,
}

/// Why material cannot be staged or deployed; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("{0}")]
    Chain(String),
    #[error("no private key found (give --key, or a file holding the key and the chain)")]
    NoKey,
    #[error("the private key cannot be read: {0}")]
    Key(String),
    #[error("the private key does not belong to the leaf certificate ({0})")]
    KeyMismatch(String),
    #[error("the leaf certificate {0}")]
    NotValid(String),
}

impl Bundle {
    /// A chain file and a key file (the key may also sit in the chain file).
    pub fn from_parts(chain: &[u8], key: Option<&[u8]>) -> Result<Bundle, BundleError> {
        let parsed = material::parse(chain).map_err(|e| {
            BundleError::Chain(match e.block {
                Some(n) => format!("PEM block {n}: {}", e.message),
                None => e.message,
            })
        })?;
        let Material::Chain(certs) = parsed.material else {
            return Err(BundleError::Chain(
                "holds no certificate: give the full chain, leaf first".into(),
            ));
        };
        let (key_pem, key_spki) = private_key(key.unwrap_or(chain))?;
        // Leaf first, then each issuer, as servers must send them (RFC 8446 §4.4.2),
        // whatever order the ACME client's file has.
        Ok(Bundle {
            key_pem,
            key_spki,
            chain: crate::chain::normalize(&certs).certs,
        })
    }

    /// Checks what must hold before a server may load this bundle.
    pub fn check(&self, now: i64) -> Result<(), BundleError> {
        let leaf = self
            .chain
            .first()
            .ok_or_else(|| BundleError::Chain("holds no certificate".into()))?;
        if leaf.spki != self.key_spki {
            return Err(BundleError::KeyMismatch(format!(
                "leaf {}",
                crate::sanitize::escape(&leaf.subject)
            )));
        }
        if leaf.not_after <= now {
            return Err(BundleError::NotValid(format!(
                "expired on {}",
                crate::render::iso_time(leaf.not_after)
            )));
        }
        if leaf.not_before > now {
            return Err(BundleError::NotValid(format!(
                "is not valid before {}",
                crate::render::iso_time(leaf.not_before)
            )));
        }
        Ok(())
    }

    /// The combined file: private key first, then every certificate (postconf(5)
    /// `smtpd_tls_chain_files` order), so a reader never pairs a key with another chain.
    pub fn to_pem(&self) -> Zeroizing<Vec<u8>> {
        let mut out = self.key_to_pem();
        out.extend_from_slice(&self.chain_to_pem());
        out
    }

    /// The private key alone (for a separate key file).
    pub fn key_to_pem(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.key_pem.as_bytes().to_vec())
    }

    /// The full chain alone, leaf first (for a separate chain file).
    pub fn chain_to_pem(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for cert in &self.chain {
            let pem = der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &cert.der)
                .expect("a parsed certificate re-encodes as PEM");
            out.extend_from_slice(pem.as_bytes());
        }
        out
    }

    /// The leaf, if any.
    pub fn leaf(&self) -> Option<&Certificate> {
        self.chain.first()
    }
}

/// The first private key in `bytes`, as PEM again, with its public key. The blocks are
/// found as `generate` finds them ([`crate::input::pem`]: after a BOM, prose, CRLF);
/// a legacy encrypted key is refused, never decrypted.
pub(crate) fn private_key(bytes: &[u8]) -> Result<(Zeroizing<String>, Vec<u8>), BundleError> {
    for block in pem::blocks(bytes) {
        let (form, label) = match block.label.as_str() {
            "PRIVATE KEY" => (PrivateKeyForm::Pkcs8, "PRIVATE KEY"),
            "RSA PRIVATE KEY" => (PrivateKeyForm::RsaPkcs1, "RSA PRIVATE KEY"),
            "EC PRIVATE KEY" => (PrivateKeyForm::EcSec1, "EC PRIVATE KEY"),
            _ => continue,
        };
        let body = block.body.map_err(|e| BundleError::Key(e.to_string()))?;
        if pem::is_legacy_encrypted(&body) {
            return Err(BundleError::Key(
                "the key is encrypted (Proc-Type/DEK-Info): give an unencrypted key".into(),
            ));
        }
        let der = Zeroizing::new(body.into_contents());
        let spki = keys::spki_of_labelled_private_key(&der, form)
            .map_err(|e| BundleError::Key(e.to_string()))?;
        let pem = der::pem::encode_string(label, der::pem::LineEnding::LF, &der)
            .map_err(|e| BundleError::Key(e.to_string()))?;
        return Ok((Zeroizing::new(pem), spki));
    }
    Err(BundleError::NoKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(format!("{}/testdata/pki/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    /// 2026-01-01, inside the validity of the test PKI's mx certificates.
    const NOW: i64 = 1_767_225_600;

    #[test]
    fn key_and_chain_make_a_combined_file_key_first() {
        let b = Bundle::from_parts(
            &read("mx-p256/fullchain.pem"),
            Some(&read("mx-p256/privkey.pem")),
        )
        .unwrap();
        b.check(NOW).unwrap();
        let pem = String::from_utf8(b.to_pem().to_vec()).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{pem}");
        assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2);
        // The combined file reads back as the same bundle.
        let again = Bundle::from_parts(pem.as_bytes(), None).unwrap();
        assert_eq!(again.chain[0].der, b.chain[0].der);
        again.check(NOW).unwrap();
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let b = Bundle::from_parts(
            &read("mx-p256/fullchain.pem"),
            Some(&read("mx-p256-newkey/privkey.pem")),
        )
        .unwrap();
        assert!(matches!(b.check(NOW), Err(BundleError::KeyMismatch(_))));
    }

    #[test]
    fn expired_and_not_yet_valid_leaves_are_refused() {
        for dir in ["expired", "notyet"] {
            let b = Bundle::from_parts(
                &read(&format!("{dir}/fullchain.pem")),
                Some(&read(&format!("{dir}/privkey.pem"))),
            )
            .unwrap();
            assert!(
                matches!(b.check(NOW), Err(BundleError::NotValid(_))),
                "{dir}"
            );
        }
    }

    #[test]
    fn rsa_and_sec1_keys_are_read() {
        let b = Bundle::from_parts(
            &read("mx-rsa2048/fullchain.pem"),
            Some(&read("mx-rsa2048/privkey.pem")),
        )
        .unwrap();
        b.check(NOW).unwrap();
        let e = Bundle::from_parts(
            &read("mx-p256/fullchain.pem"),
            Some(&read("forms/p256-sec1.key")),
        )
        .unwrap();
        assert!(
            String::from_utf8(e.to_pem().to_vec())
                .unwrap()
                .starts_with("-----BEGIN EC PRIVATE KEY-----")
        );
    }

    #[test]
    fn missing_key_and_missing_chain_are_named() {
        assert!(matches!(
            Bundle::from_parts(&read("mx-p256/fullchain.pem"), None),
            Err(BundleError::NoKey)
        ));
        assert!(matches!(
            Bundle::from_parts(&read("mx-p256/privkey.pem"), None),
            Err(BundleError::Chain(_))
        ));
    }
}
