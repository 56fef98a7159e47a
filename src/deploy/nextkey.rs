//! A key made ahead of time for a rollover (RFC 7671 §8.1): kept in the state directory
//! until its records have been published long enough, then handed to the ACME client.
//! No I/O here: reading the key, and the exact certbot command line that makes certbot
//! (2.x/3.x, `reuse_key = True`) sign its next certificate with it.
//!
//! certbot has no option that names a key for a lineage: with `--reuse-key` its
//! `renew_cert` signs with the file `live/NAME/privkey.pem` resolves to
//! (`archive/NAME/privkeyN.pem`), and `certonly --csr` makes no lineage, so certbot
//! would never renew it. So the next key is copied over that archive file and the
//! lineage renewed at once; `--key-type` (and size or curve) must match the key or
//! certbot refuses ("Unable to change the --key-type of this certificate").

use std::path::Path;

use zeroize::Zeroizing;

use crate::chain::KeyKind;
use crate::input::material::{KeyOrigin, LoneKey, Material};

/// The next key: its PEM (wiped on drop, never printed) and its public half.
pub struct NextKey {
    pub key_pem: Zeroizing<String>,
    pub spki: Vec<u8>,
    pub kind: KeyKind,
}

/// Why a file cannot be the next key; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NextKeyError {
    #[error(
        "holds no private key: --next-key needs the private key the next certificate will be signed for"
    )]
    NoKey,
    #[error("the private key cannot be read: {0}")]
    Key(String),
    #[error("holds certificates too: give the next private key alone")]
    WithCertificates,
}

impl NextKey {
    /// Reads the first private key in `bytes` (PEM, as the ACME clients write keys).
    pub fn read(bytes: &[u8]) -> Result<NextKey, NextKeyError> {
        use crate::deploy::bundle::{self, BundleError};
        if let Ok(parsed) = crate::input::material::parse(bytes)
            && matches!(parsed.material, Material::Chain(_))
        {
            return Err(NextKeyError::WithCertificates);
        }
        let (key_pem, spki) = bundle::private_key(bytes).map_err(|e| match e {
            BundleError::NoKey => NextKeyError::NoKey,
            other => NextKeyError::Key(other.to_string()),
        })?;
        let kind = KeyKind::of_spki_der(&spki);
        Ok(NextKey {
            key_pem,
            spki,
            kind,
        })
    }

    /// The key as `renew-check` compares it with published records.
    pub fn material(&self) -> Material {
        Material::Key(LoneKey {
            spki: self.spki.clone(),
            kind: self.kind,
            origin: KeyOrigin::PrivateKey,
        })
    }
}

/// certbot's flags for a key of this kind; `None` for kinds certbot cannot use.
fn key_flags(kind: KeyKind) -> Option<String> {
    let curve = match kind {
        KeyKind::Rsa(bits) => return Some(format!("--key-type rsa --rsa-key-size {bits}")),
        KeyKind::EcP256 => "secp256r1",
        KeyKind::EcP384 => "secp384r1",
        KeyKind::EcP521 => "secp521r1",
        _ => return None,
    };
    Some(format!("--key-type ecdsa --elliptic-curve {curve}"))
}

/// Why no certbot command can be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoCommand {
    #[error("certbot cannot use {0} keys")]
    KeyType(KeyKind),
    #[error("the lineage path names no certificate")]
    NoLineageName,
}

/// The shell command that has certbot renew the lineage with the next key, or why not.
pub fn certbot_command(key: &Path, lineage: &Path, kind: KeyKind) -> Result<String, NoCommand> {
    let flags = key_flags(kind).ok_or(NoCommand::KeyType(kind))?;
    let name = lineage
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or(NoCommand::NoLineageName)?;
    let config_dir = lineage
        .parent()
        .filter(|live| live.file_name().is_some_and(|n| n == "live"))
        .and_then(Path::parent)
        .filter(|dir| *dir != Path::new("/etc/letsencrypt"))
        .map(|dir| format!(" --config-dir {}", quote(&dir.display().to_string())))
        .unwrap_or_default();
    let privkey = lineage.join("privkey.pem");
    Ok(format!(
        "install -m 0600 {} \"$(readlink -f {})\" && certbot renew{config_dir} --cert-name {} --force-renewal --reuse-key {flags}",
        quote(&key.display().to_string()),
        quote(&privkey.display().to_string()),
        quote(&name),
    ))
}

/// Single-quotes a word for `sh` when it needs it.
fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%=,".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(format!("{}/testdata/pki/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn a_private_key_is_read_with_its_kind() {
        let k = NextKey::read(&read("mx-p256-newkey/privkey.pem")).unwrap();
        assert_eq!(k.kind, KeyKind::EcP256);
        let Material::Key(lone) = k.material() else {
            panic!("a key")
        };
        assert_eq!(lone.spki, k.spki);
        assert!(k.key_pem.starts_with("-----BEGIN "));
        let rsa = NextKey::read(&read("mx-rsa2048/privkey.pem")).unwrap();
        assert_eq!(rsa.kind, KeyKind::Rsa(2048));
    }

    #[test]
    fn certificates_and_public_keys_are_not_a_next_key() {
        assert_eq!(
            NextKey::read(&read("mx-p256/fullchain.pem")).err(),
            Some(NextKeyError::WithCertificates)
        );
        assert_eq!(
            NextKey::read(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").err(),
            Some(NextKeyError::NoKey)
        );
    }

    #[test]
    fn the_certbot_command_renews_the_lineage_with_matching_key_flags() {
        let cmd = certbot_command(
            Path::new("/var/lib/daneguard/mx/next-key.pem"),
            Path::new("/etc/letsencrypt/live/mx.example.com"),
            KeyKind::EcP256,
        )
        .unwrap();
        assert_eq!(
            cmd,
            "install -m 0600 /var/lib/daneguard/mx/next-key.pem \"$(readlink -f /etc/letsencrypt/live/mx.example.com/privkey.pem)\" && certbot renew --cert-name mx.example.com --force-renewal --reuse-key --key-type ecdsa --elliptic-curve secp256r1"
        );
        let cmd = certbot_command(
            Path::new("/s t/next-key.pem"),
            Path::new("/tmp/le/live/mx"),
            KeyKind::Rsa(3072),
        )
        .unwrap();
        assert!(
            cmd.starts_with("install -m 0600 '/s t/next-key.pem' "),
            "{cmd}"
        );
        assert!(
            cmd.ends_with(
                "certbot renew --config-dir /tmp/le --cert-name mx --force-renewal --reuse-key --key-type rsa --rsa-key-size 3072"
            ),
            "{cmd}"
        );
        assert!(
            certbot_command(Path::new("k"), Path::new("/l/live/mx"), KeyKind::Ed25519).is_err()
        );
    }

    #[test]
    fn quoting_keeps_plain_words_and_quotes_the_rest() {
        assert_eq!(quote("/etc/x.pem"), "/etc/x.pem");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
