//! The configuration file (`/etc/daneguard/daneguard.toml`, `--config`): DNS settings,
//! the state directory, and one `[[certificate]]` deployment target per certificate.
//! Unknown keys are errors with their line; relative paths are relative to the file.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::findings::Code;
use crate::owner::Host;

/// Where the configuration is read from when `--config` is not given.
pub const DEFAULT_PATH: &str = "/etc/daneguard/daneguard.toml";

/// Where root-owned deployment state lives unless configured otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/daneguard";

/// Largest configuration file read.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// A configuration file, checked and with absolute paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub state_dir: Option<PathBuf>,
    pub dns: DnsSettings,
    pub certificates: Vec<Certificate>,
    /// `[hosts."HOST[:PORT]"] chain = …` entries, shared with `zone --config`.
    pub host_chains: Vec<(String, PathBuf)>,
    /// `[publish]`: where `publish`, `stage` and `deploy` send DNS UPDATEs.
    pub publish: Option<PublishSettings>,
    pub check: CheckSettings,
}

/// `[check]`: what `check` looks at when the command line names no host, and what
/// counts as a problem for `check` and `renew-check`. Flags override these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckSettings {
    /// Hosts (with `mx`: mail domains) to check; empty: every `[[certificate]]`'s.
    pub hosts: Vec<Host>,
    /// Ports for `hosts`; empty: 25.
    pub ports: Vec<u16>,
    pub mx: bool,
    pub live: bool,
    pub all_ns: bool,
    pub days: Option<u32>,
    pub allow: Vec<Code>,
    pub strict: bool,
}

/// `[dns]`: how deployments reach DNS (flags override these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsSettings {
    pub resolvers: Vec<SocketAddr>,
    pub trust_anchor: Option<PathBuf>,
    /// Ask every authoritative server of the zone (default), so that a record counts as
    /// seen only once all of them serve it. `false` trusts the resolvers alone: only for
    /// zones whose servers cannot be reached on port 53 from here.
    pub every_server: bool,
}

impl Default for DnsSettings {
    fn default() -> Self {
        DnsSettings {
            resolvers: Vec::new(),
            trust_anchor: None,
            every_server: true,
        }
    }
}

/// One `[[certificate]]`: what is staged under `name`, and where it is deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The name `stage` and `deploy` use; also the state directory's entry.
    pub name: String,
    /// A certbot lineage (`/etc/letsencrypt/live/NAME`) this certificate comes from.
    pub lineage: Option<PathBuf>,
    /// Hosts whose TLSA records cover it (empty: the leaf's DNS names).
    pub hosts: Vec<Host>,
    pub ports: Vec<u16>,
    /// The combined file (private key, then the full chain) the server reads.
    pub deploy: PathBuf,
    /// `key_file` and `chain_file`: the same key and chain once more as two files, for
    /// servers that cannot read the combined file.
    pub separate: Option<SeparateFiles>,
    /// Shell command run after each deployment, e.g. `systemctl reload postfix`.
    pub reload: Option<String>,
}

/// A separate private key file (mode 0600) and full-chain file (mode 0644).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeparateFiles {
    pub key: PathBuf,
    pub chain: PathBuf,
}

/// Why a configuration cannot be used; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("line {line}: {message}")]
    At { line: usize, message: String },
    #[error("{0}")]
    Whole(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    state_dir: Option<PathBuf>,
    #[serde(default)]
    dns: RawDns,
    #[serde(default)]
    hosts: BTreeMap<String, RawHost>,
    #[serde(default)]
    certificate: Vec<toml::Spanned<RawCertificate>>,
    publish: Option<toml::Spanned<RawPublish>>,
    #[serde(default)]
    check: RawCheck,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    #[serde(default)]
    hosts: Vec<toml::Spanned<String>>,
    ports: Option<toml::Spanned<Vec<u16>>>,
    #[serde(default)]
    mx: bool,
    #[serde(default)]
    live: bool,
    #[serde(default)]
    all_ns: bool,
    days: Option<u32>,
    #[serde(default)]
    allow: Vec<toml::Spanned<String>>,
    #[serde(default)]
    strict: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDns {
    #[serde(default)]
    resolvers: Vec<toml::Spanned<String>>,
    trust_anchor: Option<PathBuf>,
    every_server: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHost {
    chain: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCertificate {
    name: String,
    lineage: Option<PathBuf>,
    #[serde(default)]
    hosts: Vec<String>,
    #[serde(default = "default_ports")]
    ports: Vec<u16>,
    deploy: PathBuf,
    key_file: Option<PathBuf>,
    chain_file: Option<PathBuf>,
    reload: Option<String>,
}

fn default_ports() -> Vec<u16> {
    vec![25]
}

/// What is wrong with one `[[certificate]]` or the `[publish]` table; [`ConfigError::At`]
/// adds the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error(
        "certificate name '{0}' must be 1 to 64 letters, digits, '.', '-' or '_', not starting with '.'"
    )]
    Name(String),
    #[error("certificate '{0}': hosts: {1}")]
    Host(String, String),
    #[error("certificate '{0}': ports must list port numbers from 1 to 65535")]
    Ports(String),
    #[error("certificate '{0}': deploy must name a file")]
    DeployNotFile(String),
    #[error("certificate '{0}': reload is empty")]
    EmptyReload(String),
    #[error("certificate '{0}': key_file and chain_file go together")]
    SeparateAlone(String),
    #[error("certificate '{0}': key_file and chain_file must name files")]
    SeparateNotFiles(String),
    #[error("certificate '{0}': deploy, key_file and chain_file must be three different files")]
    SeparateSame(String),
    #[error("[publish] server '{0}' is not an IP address or IP:PORT")]
    PublishServer(String),
    #[error("[publish] ttl must be at most 2147483647 (RFC 2181 §8)")]
    PublishTtl,
    #[error("[publish] zone is empty")]
    PublishZone,
}

/// Parses configuration text; `base` is the directory relative paths start from.
pub fn parse(text: &str, base: &Path) -> Result<Config, ConfigError> {
    if text.len() > MAX_CONFIG_BYTES {
        return Err(ConfigError::Whole(
            "too large for a configuration file".into(),
        ));
    }
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let raw: Raw = toml::from_str(text).map_err(|e| match e.span() {
        Some(s) => ConfigError::At {
            line: line_of(s.start),
            message: e.message().to_string(),
        },
        None => ConfigError::Whole(e.message().to_string()),
    })?;
    let at = |offset: usize, message: String| ConfigError::At {
        line: line_of(offset),
        message,
    };
    let dns = dns_settings(raw.dns, base, &at)?;
    let check = check_settings(raw.check, &at)?;
    let mut certificates: Vec<Certificate> = Vec::new();
    for spanned in raw.certificate {
        let start = spanned.span().start;
        let cert = certificate(spanned.into_inner(), base).map_err(|e| at(start, e.to_string()))?;
        if certificates.iter().any(|c| c.name == cert.name) {
            return Err(at(
                start,
                format!("a second [[certificate]] named '{}'", cert.name),
            ));
        }
        if certificates.iter().any(|c| c.deploy == cert.deploy) {
            return Err(at(
                start,
                format!(
                    "deploy = '{}' is already the target of another [[certificate]]",
                    crate::sanitize::escape(&cert.deploy.display().to_string())
                ),
            ));
        }
        certificates.push(cert);
    }
    Ok(Config {
        state_dir: raw.state_dir.map(|p| base.join(p)),
        dns,
        certificates,
        host_chains: raw
            .hosts
            .into_iter()
            .map(|(k, h)| (k, base.join(h.chain)))
            .collect(),
        publish: raw
            .publish
            .map(|p| {
                let start = p.span().start;
                publish_settings(p.into_inner(), base).map_err(|e| at(start, e.to_string()))
            })
            .transpose()?,
        check,
    })
}

/// `[check]`, each bad value named with its line.
fn check_settings(
    raw: RawCheck,
    at: &dyn Fn(usize, String) -> ConfigError,
) -> Result<CheckSettings, ConfigError> {
    let mut hosts = Vec::new();
    for h in &raw.hosts {
        let host = Host::parse(h.get_ref())
            .map_err(|e| at(h.span().start, format!("[check] hosts: {e}")))?;
        hosts.push(host);
    }
    let ports = match raw.ports {
        None => Vec::new(),
        Some(p) if p.get_ref().is_empty() || p.get_ref().contains(&0) => {
            return Err(at(
                p.span().start,
                "[check] ports must list port numbers from 1 to 65535".into(),
            ));
        }
        Some(p) => crate::commands::unique(p.get_ref()),
    };
    let mut allow = Vec::new();
    for a in &raw.allow {
        let code = Code::parse(a.get_ref()).ok_or_else(|| {
            at(
                a.span().start,
                format!(
                    "[check] allow: '{}' is not a finding code",
                    crate::sanitize::escape(a.get_ref())
                ),
            )
        })?;
        allow.push(code);
    }
    Ok(CheckSettings {
        hosts,
        ports,
        mx: raw.mx,
        live: raw.live,
        all_ns: raw.all_ns,
        days: raw.days,
        allow: crate::commands::unique(&allow),
        strict: raw.strict,
    })
}

fn dns_settings(
    raw: RawDns,
    base: &Path,
    at: &dyn Fn(usize, String) -> ConfigError,
) -> Result<DnsSettings, ConfigError> {
    let mut resolvers = Vec::new();
    for r in raw.resolvers {
        let text = r.get_ref();
        let parsed = text
            .parse::<SocketAddr>()
            .or_else(|_| {
                text.parse::<std::net::IpAddr>()
                    .map(|ip| SocketAddr::new(ip, 53))
            })
            .map_err(|_| {
                at(
                    r.span().start,
                    format!(
                        "resolver '{}' is not an IP address or IP:PORT",
                        crate::sanitize::escape(text)
                    ),
                )
            })?;
        resolvers.push(parsed);
    }
    Ok(DnsSettings {
        resolvers,
        trust_anchor: raw.trust_anchor.map(|p| base.join(p)),
        every_server: raw.every_server.unwrap_or(true),
    })
}

fn certificate(raw: RawCertificate, base: &Path) -> Result<Certificate, EntryError> {
    check_name(&raw.name)?;
    let hosts = raw
        .hosts
        .iter()
        .map(|h| Host::parse(h).map_err(|e| EntryError::Host(raw.name.clone(), e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    if raw.ports.is_empty() || raw.ports.contains(&0) {
        return Err(EntryError::Ports(raw.name));
    }
    if raw.deploy.file_name().is_none() {
        return Err(EntryError::DeployNotFile(raw.name));
    }
    if raw.reload.as_deref().is_some_and(|r| r.trim().is_empty()) {
        return Err(EntryError::EmptyReload(raw.name));
    }
    let separate = separate_files(&raw, base)?;
    Ok(Certificate {
        lineage: raw.lineage.map(|p| base.join(p)),
        hosts,
        ports: crate::commands::unique(&raw.ports),
        separate,
        deploy: base.join(raw.deploy),
        reload: raw.reload,
        name: raw.name,
    })
}

/// `key_file` and `chain_file` come together, name files, and differ from `deploy` and
/// from each other.
fn separate_files(raw: &RawCertificate, base: &Path) -> Result<Option<SeparateFiles>, EntryError> {
    let (key, chain) = match (&raw.key_file, &raw.chain_file) {
        (None, None) => return Ok(None),
        (Some(k), Some(c)) => (base.join(k), base.join(c)),
        _ => {
            return Err(EntryError::SeparateAlone(raw.name.clone()));
        }
    };
    let deploy = base.join(&raw.deploy);
    if key.file_name().is_none() || chain.file_name().is_none() {
        return Err(EntryError::SeparateNotFiles(raw.name.clone()));
    }
    if key == chain || key == deploy || chain == deploy {
        return Err(EntryError::SeparateSame(raw.name.clone()));
    }
    Ok(Some(SeparateFiles { key, chain }))
}

/// Names become directory names in the state directory: keep them plain.
pub fn check_name(name: &str) -> Result<(), EntryError> {
    let plain = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if plain {
        Ok(())
    } else {
        Err(EntryError::Name(crate::sanitize::escape(name).into_owned()))
    }
}

impl Config {
    /// The `[[certificate]]` called `name`.
    pub fn certificate(&self, name: &str) -> Option<&Certificate> {
        self.certificates.iter().find(|c| c.name == name)
    }
}

/// `[publish]`: the primary server, zone, TSIG key file and TTL of DNS UPDATEs
/// (RFC 2136). Each may also be given as a flag, which wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishSettings {
    pub server: Option<SocketAddr>,
    pub zone: Option<String>,
    pub key: Option<PathBuf>,
    pub ttl: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublish {
    server: Option<String>,
    zone: Option<String>,
    key: Option<PathBuf>,
    ttl: Option<u32>,
}

fn publish_settings(raw: RawPublish, base: &Path) -> Result<PublishSettings, EntryError> {
    let server = raw
        .server
        .map(|s| {
            parse_server(&s)
                .ok_or_else(|| EntryError::PublishServer(crate::sanitize::escape(&s).into_owned()))
        })
        .transpose()?;
    if raw.ttl.is_some_and(|t| t > 2_147_483_647) {
        return Err(EntryError::PublishTtl);
    }
    if raw.zone.as_deref().is_some_and(|z| z.trim().is_empty()) {
        return Err(EntryError::PublishZone);
    }
    Ok(PublishSettings {
        server,
        zone: raw.zone,
        key: raw.key.map(|k| base.join(k)),
        ttl: raw.ttl,
    })
}

/// `ADDR`, `ADDR:PORT` or `[V6]:PORT`; port 53 when none is given.
pub fn parse_server(text: &str) -> Option<SocketAddr> {
    text.parse::<SocketAddr>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(|ip| SocketAddr::new(ip, 53))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Result<Config, ConfigError> {
        parse(text, Path::new("/etc/daneguard"))
    }

    #[test]
    fn a_full_configuration_is_read_with_paths_made_absolute() {
        let c = parsed(
            "state_dir = \"/var/lib/dg\"\n[dns]\nresolvers = [\"127.0.0.1\", \"[::1]:5353\"]\ntrust_anchor = \"root.key\"\n\n[[certificate]]\nname = \"mx\"\nlineage = \"/etc/letsencrypt/live/mx.example.com\"\nhosts = [\"MX.example.com.\"]\nports = [25, 465, 25]\ndeploy = \"certs/mx.pem\"\nreload = \"systemctl reload postfix\"\n",
        )
        .unwrap();
        assert_eq!(c.state_dir, Some(PathBuf::from("/var/lib/dg")));
        assert_eq!(
            c.dns.resolvers,
            vec![
                "127.0.0.1:53".parse().unwrap(),
                "[::1]:5353".parse().unwrap()
            ]
        );
        assert_eq!(
            c.dns.trust_anchor,
            Some(PathBuf::from("/etc/daneguard/root.key"))
        );
        let mx = c.certificate("mx").unwrap();
        assert_eq!(mx.hosts, vec![Host::parse("mx.example.com").unwrap()]);
        assert_eq!(mx.ports, vec![25, 465]);
        assert_eq!(mx.deploy, PathBuf::from("/etc/daneguard/certs/mx.pem"));
        assert_eq!(mx.reload.as_deref(), Some("systemctl reload postfix"));
    }

    #[test]
    fn defaults_are_port_25_and_the_leaf_names() {
        let c = parsed("[[certificate]]\nname = \"mx\"\ndeploy = \"/x/mx.pem\"\n").unwrap();
        let mx = &c.certificates[0];
        assert_eq!(mx.ports, vec![25]);
        assert!(mx.hosts.is_empty() && mx.reload.is_none() && mx.lineage.is_none());
    }

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let e = parsed("[[certificate]]\nname = \"mx\"\ndeploy = \"/x\"\nreload_cmd = \"x\"\n")
            .unwrap_err();
        assert!(
            matches!(&e, ConfigError::At { line: 4, message } if message.contains("reload_cmd")),
            "{e}"
        );
        let e = parsed("colour = true\n").unwrap_err();
        assert!(matches!(e, ConfigError::At { line: 1, .. }), "{e}");
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = parsed("[dns]\nresolvers = [\"nowhere\"]\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: resolver 'nowhere' is not an IP address or IP:PORT"
        );
        let e = parsed("\n[[certificate]]\nname = \"../etc\"\ndeploy = \"/x\"\n").unwrap_err();
        assert!(matches!(e, ConfigError::At { line: 2, .. }), "{e}");
        let e = parsed("[[certificate]]\nname = \"a\"\ndeploy = \"/x\"\n[[certificate]]\nname = \"a\"\ndeploy = \"/y\"\n").unwrap_err();
        assert_eq!(e.to_string(), "line 4: a second [[certificate]] named 'a'");
        let e = parsed("[[certificate]]\nname = \"a\"\ndeploy = \"/x\"\n[[certificate]]\nname = \"b\"\ndeploy = \"/x\"\n").unwrap_err();
        assert!(e.to_string().contains("already the target"), "{e}");
        let e = parsed("[[certificate]]\nname = \"a\"\ndeploy = \"/x\"\nports = []\n").unwrap_err();
        assert!(e.to_string().contains("ports"), "{e}");
        let e = parsed("[[certificate]]\nname = \"a\"\n").unwrap_err();
        assert!(e.to_string().contains("deploy"), "{e}");
    }

    #[test]
    fn zone_host_chains_fit_in_the_same_file() {
        let c = parsed("[hosts.\"mx.example.com:465\"]\nchain = \"mx.pem\"\n").unwrap();
        assert_eq!(
            c.host_chains,
            vec![(
                "mx.example.com:465".to_string(),
                PathBuf::from("/etc/daneguard/mx.pem")
            )]
        );
    }

    #[test]
    fn the_example_in_contrib_parses() {
        let text = include_str!("../../contrib/daneguard.toml.example");
        let c = parsed(text).unwrap();
        let mx = c.certificate("mx.example.com").unwrap();
        assert_eq!(mx.ports, vec![25, 465, 587]);
        assert_eq!(
            mx.reload.as_deref(),
            Some("systemctl reload postfix dovecot")
        );
        assert!(c.check.live && c.check.all_ns && c.check.hosts.is_empty());
        assert_eq!(c.check.days, Some(14));
    }

    #[test]
    fn check_settings_are_read() {
        let c = parsed("[check]\nhosts = [\"example.com\", \"MX.example.net.\"]\nports = [25, 465, 25]\nmx = true\nlive = true\nall_ns = true\ndays = 30\nallow = [\"single-record\", \"no-tlsa\"]\nstrict = true\n").unwrap();
        let k = &c.check;
        assert_eq!(
            k.hosts,
            vec![
                Host::parse("example.com").unwrap(),
                Host::parse("mx.example.net").unwrap()
            ]
        );
        assert_eq!(k.ports, vec![25, 465]);
        assert!(k.mx && k.live && k.all_ns && k.strict);
        assert_eq!(k.days, Some(30));
        assert_eq!(
            k.allow,
            vec![
                Code::parse("single-record").unwrap(),
                Code::parse("no-tlsa").unwrap()
            ]
        );
        assert_eq!(parsed("").unwrap().check, CheckSettings::default());
    }

    #[test]
    fn bad_check_settings_name_their_line() {
        let e = parsed("[check]\nhosts = [\"mx.example.com\"]\nallow = [\"no-such-code\"]\n")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3: [check] allow: 'no-such-code' is not a finding code"
        );
        let e = parsed("[check]\n\nhosts = [\"*.example.com\"]\n").unwrap_err();
        assert!(
            matches!(&e, ConfigError::At { line: 3, message } if message.contains("wildcard")),
            "{e}"
        );
        let e = parsed("[check]\nports = []\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 2: [check] ports must list port numbers from 1 to 65535"
        );
        let e = parsed("[check]\nports = [70000]\n").unwrap_err();
        assert!(matches!(e, ConfigError::At { line: 2, .. }), "{e}");
        let e = parsed("[check]\ndays = -1\n").unwrap_err();
        assert!(matches!(e, ConfigError::At { line: 2, .. }), "{e}");
        let e = parsed("[check]\nhosts = []\nformat = \"json\"\n").unwrap_err();
        assert!(
            matches!(&e, ConfigError::At { line: 3, message } if message.contains("unknown field `format`")),
            "{e}"
        );
    }

    #[test]
    fn the_examples_publish_table_parses_once_uncommented() {
        let text = include_str!("../../contrib/daneguard.toml.example");
        let (before, table) = text.split_once("# [publish]").unwrap();
        let table: Vec<&str> = table
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .collect();
        let text = format!("{before}[publish]{}", table.join("\n"));
        let p = parsed(&text).unwrap().publish.unwrap();
        assert_eq!(p.zone.as_deref(), Some("example.com"));
        assert_eq!(p.ttl, Some(3600));
    }

    #[test]
    fn separate_key_and_chain_files_are_read_relative_to_the_file() {
        let text = include_str!("../../contrib/daneguard.toml.example")
            .replace("# key_file = ", "key_file = ")
            .replace("# chain_file = ", "chain_file = ");
        let c = parsed(&text).unwrap();
        let sep = c.certificates[0].separate.clone().unwrap();
        assert_eq!(
            sep.key,
            Path::new("/etc/daneguard/certs/mx.example.com.key")
        );
        assert_eq!(
            sep.chain,
            Path::new("/etc/daneguard/certs/mx.example.com.crt")
        );
        let base = "[[certificate]]\nname = \"mx\"\ndeploy = \"mx.pem\"\n";
        let c = parsed(&format!("{base}key_file = \"k\"\nchain_file = \"c\"\n")).unwrap();
        let sep = c.certificates[0].separate.clone().unwrap();
        assert_eq!(sep.key, Path::new("/etc/daneguard/k"));
        assert!(parsed(&format!("{base}chain_file = \"c\"\n")).is_err());
        assert!(parsed(&format!("{base}key_file = \"c\"\nchain_file = \"c\"\n")).is_err());
        assert_eq!(parsed(base).unwrap().certificates[0].separate, None);
    }

    #[test]
    fn a_publish_table_is_read_and_checked() {
        let c = parsed("[publish]\nserver = \"127.0.0.1:5300\"\nzone = \"example.com\"\nkey = \"update.key\"\nttl = 300\n").unwrap();
        let p = c.publish.unwrap();
        assert_eq!(p.server, Some("127.0.0.1:5300".parse().unwrap()));
        assert_eq!(p.zone.as_deref(), Some("example.com"));
        assert_eq!(p.key, Some(PathBuf::from("/etc/daneguard/update.key")));
        assert_eq!(p.ttl, Some(300));
        assert_eq!(parsed("").unwrap().publish, None);
        let e = parsed("\n[publish]\nserver = \"primary\"\n").unwrap_err();
        assert!(
            matches!(&e, ConfigError::At { line: 2, message } if message.contains("'primary'")),
            "{e}"
        );
        let e = parsed("[publish]\nsecret = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("secret"), "{e}");
    }

    #[test]
    fn names_stay_plain() {
        assert!(check_name("mx.example.com").is_ok());
        assert!(check_name("mx_1-b").is_ok());
        for bad in ["", ".hidden", "a/b", "..", "a b", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
