//! certbot's files: lineages (`live/NAME/` symlinks into `archive/NAME/…N.pem`) and the
//! renewal configuration (`renewal/NAME.conf`, INI-style). Parsing is pure; the paths
//! are computed here and read by the commands.

use std::path::{Path, PathBuf};

/// The settings of `renewal/NAME.conf` that decide what the next certificate looks like.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenewalConf {
    /// `reuse_key = True`: the next certificate keeps the current key.
    pub reuse_key: bool,
    /// `key_type = rsa | ecdsa`, if set.
    pub key_type: Option<String>,
    /// `elliptic_curve = secp256r1 | secp384r1 | secp521r1`, if set.
    pub elliptic_curve: Option<String>,
    /// `rsa_key_size`, if set.
    pub rsa_key_size: Option<u32>,
    /// `server`: the ACME directory certbot renews from (absent: Let's Encrypt production).
    pub server: Option<String>,
}

/// The certificate authority behind an ACME directory or an issuer name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcmeCa {
    LetsEncrypt,
    LetsEncryptStaging,
    ZeroSsl,
    Other(String),
}

/// Let's Encrypt's production directory: certbot's default when `server` is absent.
pub const LE_PRODUCTION: &str = "https://acme-v02.api.letsencrypt.org/directory";

impl AcmeCa {
    /// The CA a renewal configuration's `server` names.
    pub fn of_server(server: Option<&str>) -> AcmeCa {
        let url = server.unwrap_or(LE_PRODUCTION).trim().to_ascii_lowercase();
        let host = url
            .split("://")
            .nth(1)
            .unwrap_or(&url)
            .split(['/', ':'])
            .next()
            .unwrap_or_default()
            .to_string();
        match host.as_str() {
            "acme-v02.api.letsencrypt.org" | "acme-v01.api.letsencrypt.org" => AcmeCa::LetsEncrypt,
            h if h.starts_with("acme-staging") && h.ends_with(".api.letsencrypt.org") => {
                AcmeCa::LetsEncryptStaging
            }
            h if h == "zerossl.com" || h.ends_with(".zerossl.com") => AcmeCa::ZeroSsl,
            _ => AcmeCa::Other(host),
        }
    }

    /// The CA of a certificate, from its issuer's distinguished name, if recognisable.
    pub fn of_issuer(issuer: &str) -> Option<AcmeCa> {
        if issuer.contains("(STAGING)") {
            Some(AcmeCa::LetsEncryptStaging)
        } else if issuer.contains("Let's Encrypt") {
            Some(AcmeCa::LetsEncrypt)
        } else if issuer.contains("ZeroSSL") {
            Some(AcmeCa::ZeroSsl)
        } else {
            None
        }
    }

    pub fn name(&self) -> String {
        match self {
            AcmeCa::LetsEncrypt => "Let's Encrypt".into(),
            AcmeCa::LetsEncryptStaging => "Let's Encrypt staging".into(),
            AcmeCa::ZeroSsl => "ZeroSSL".into(),
            AcmeCa::Other(host) => crate::sanitize::escape(host).into_owned(),
        }
    }
}

/// Largest renewal configuration read.
pub const MAX_CONF_BYTES: usize = 64 * 1024;

/// Reads the `[renewalparams]` settings daneguard needs; other keys are ignored.
pub fn parse_renewal_conf(text: &str) -> Result<RenewalConf, ConfError> {
    let mut conf = RenewalConf::default();
    let mut section = String::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(ConfError::NotKeyValue(i + 1));
        };
        if section != "renewalparams" {
            continue;
        }
        let (key, value) = (key.trim(), value.trim());
        match key {
            "reuse_key" => conf.reuse_key = parse_bool(value).ok_or(ConfError::ReuseKey(i + 1))?,
            "key_type" => conf.key_type = Some(value.to_ascii_lowercase()),
            "elliptic_curve" => conf.elliptic_curve = Some(value.to_ascii_lowercase()),
            "server" => conf.server = Some(value.to_string()),
            "rsa_key_size" => {
                conf.rsa_key_size = Some(value.parse().map_err(|_| ConfError::RsaKeySize(i + 1))?)
            }
            _ => {}
        }
    }
    if let Some(t) = conf
        .key_type
        .as_ref()
        .filter(|t| *t != "rsa" && *t != "ecdsa")
    {
        return Err(ConfError::KeyType(crate::sanitize::escape(t).into_owned()));
    }
    Ok(conf)
}

/// Why a renewal configuration cannot be read; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfError {
    #[error("line {0}: expected 'key = value'")]
    NotKeyValue(usize),
    #[error("line {0}: reuse_key must be True or False")]
    ReuseKey(usize),
    #[error("line {0}: rsa_key_size is not a number")]
    RsaKeySize(usize),
    #[error("key_type '{0}' is neither rsa nor ecdsa")]
    KeyType(String),
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// A certbot lineage directory and where its configuration lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    pub name: String,
    pub live: PathBuf,
    /// `/etc/letsencrypt` or `--letsencrypt-dir`.
    pub base: PathBuf,
}

impl Lineage {
    /// `live` is `BASE/live/NAME`; `base` overrides BASE.
    pub fn new(live: &Path, base: Option<&Path>) -> Option<Lineage> {
        let name = live.file_name()?.to_str()?.to_string();
        let base = match base {
            Some(b) => b.to_path_buf(),
            None => live.parent()?.parent()?.to_path_buf(),
        };
        Some(Lineage {
            name,
            live: live.to_path_buf(),
            base,
        })
    }

    pub fn renewal_conf(&self) -> PathBuf {
        self.base
            .join("renewal")
            .join(format!("{}.conf", self.name))
    }

    /// The previous version of `fullchain.pem` in `archive/NAME/`, given the file the
    /// live symlink points to (`fullchainN.pem` → `fullchain{N-1}.pem`).
    pub fn previous_fullchain(target: &Path) -> Option<PathBuf> {
        let stem = target
            .file_name()?
            .to_str()?
            .strip_prefix("fullchain")?
            .strip_suffix(".pem")?;
        let n: u32 = stem.parse().ok()?;
        let previous = n.checked_sub(1).filter(|p| *p > 0)?;
        Some(target.with_file_name(format!("fullchain{previous}.pem")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_conf_keys_are_read_from_renewalparams() {
        let conf = parse_renewal_conf(
            "version = 2.9.0\narchive_dir = /etc/letsencrypt/archive/mx\n\n[renewalparams]\nauthenticator = standalone\nreuse_key = True\nkey_type = ecdsa\nelliptic_curve = secp384r1\n",
        )
        .unwrap();
        assert_eq!(
            conf,
            RenewalConf {
                reuse_key: true,
                key_type: Some("ecdsa".into()),
                elliptic_curve: Some("secp384r1".into()),
                rsa_key_size: None,
                server: None,
            }
        );
    }

    #[test]
    fn reuse_key_defaults_to_false_and_bad_values_are_errors() {
        assert!(
            !parse_renewal_conf("[renewalparams]\nkey_type = rsa\nrsa_key_size = 4096\n")
                .unwrap()
                .reuse_key
        );
        assert!(parse_renewal_conf("[renewalparams]\nreuse_key = maybe\n").is_err());
        assert!(parse_renewal_conf("[renewalparams]\nkey_type = dsa\n").is_err());
        assert!(parse_renewal_conf("garbage line\n").is_err());
    }

    #[test]
    fn the_server_names_the_ca() {
        let conf =
            parse_renewal_conf("[renewalparams]\nserver = https://acme.zerossl.com/v2/DV90\n")
                .unwrap();
        assert_eq!(AcmeCa::of_server(conf.server.as_deref()), AcmeCa::ZeroSsl);
        assert_eq!(AcmeCa::of_server(None), AcmeCa::LetsEncrypt);
        assert_eq!(
            AcmeCa::of_server(Some(
                "https://acme-staging-v02.api.letsencrypt.org/directory"
            )),
            AcmeCa::LetsEncryptStaging
        );
        assert_eq!(
            AcmeCa::of_server(Some("https://127.0.0.1:14000/dir")),
            AcmeCa::Other("127.0.0.1".into())
        );
        assert_eq!(
            AcmeCa::of_issuer(
                "C = US, O = (STAGING) Let's Encrypt, CN = (STAGING) Ersatz Edamame E1"
            ),
            Some(AcmeCa::LetsEncryptStaging)
        );
        assert_eq!(
            AcmeCa::of_issuer("C = US, O = Let's Encrypt, CN = YR1"),
            Some(AcmeCa::LetsEncrypt)
        );
        assert_eq!(
            AcmeCa::of_issuer("C = AT, O = ZeroSSL, CN = ZeroSSL ECC Domain Secure Site CA"),
            Some(AcmeCa::ZeroSsl)
        );
        assert_eq!(AcmeCa::of_issuer("CN = Pebble Intermediate CA"), None);
    }

    #[test]
    fn lineage_paths() {
        let l = Lineage::new(Path::new("/etc/letsencrypt/live/mx.example.com"), None).unwrap();
        assert_eq!(
            l.renewal_conf(),
            Path::new("/etc/letsencrypt/renewal/mx.example.com.conf")
        );
        assert_eq!(
            Lineage::previous_fullchain(Path::new("/x/archive/mx/fullchain3.pem")).unwrap(),
            Path::new("/x/archive/mx/fullchain2.pem")
        );
        assert_eq!(
            Lineage::previous_fullchain(Path::new("/x/archive/mx/fullchain1.pem")),
            None
        );
    }
}
