//! Flags over the configuration file for `check` and `renew-check`: which file is read,
//! and what each setting comes to. Flags win: hosts named on the command line replace
//! the configured ones, `--port`, `--days`, `--resolver` and `--trust-anchor` replace
//! theirs, `--allow` adds to the configured codes, and `--chain` replaces the entry for
//! the same host and port.

use std::path::Path;
use std::sync::Arc;

use crate::cli::{CheckArgs, DEFAULT_DAYS, RenewArgs, RenewCheckArgs};
use crate::dns::DnsConfig;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::findings::Code;
use crate::input::chains::{self, ChainKey, ChainMap};
use crate::input::config::{self, CheckSettings, Config, DnsSettings};
use crate::input::{self, Input};
use crate::owner::Host;
use crate::sanitize::escape;

/// A configuration file read for `check`, with each `[[certificate]]`'s deployed file.
pub struct Loaded {
    pub config: Config,
    /// The file's name as shown in messages.
    pub name: String,
    /// Each `[[certificate]]`'s deployed file (its chain), in order.
    pub deployed: Vec<Arc<Input>>,
    /// Each `[[certificate]]`'s hosts: its own, or its leaf's DNS names.
    pub cert_hosts: Vec<Vec<Host>>,
}

/// The file `check` reads: `--config`, else the default file when it exists and the
/// command line names nothing to check (so that hosts given as arguments never pick up
/// settings from a file the user did not name).
pub fn check_config_path(args: &CheckArgs, exists: &dyn Fn(&Path) -> bool) -> Option<String> {
    match &args.config {
        Some(path) => Some(path.clone()),
        None if args.names.is_empty()
            && args.from.is_none()
            && exists(Path::new(config::DEFAULT_PATH)) =>
        {
            Some(config::DEFAULT_PATH.to_string())
        }
        None => None,
    }
}

/// Reads the configuration for `check`, if one applies, with the deployed chains.
pub fn load_for_check(args: &CheckArgs, env: &mut Env<'_>) -> Result<Option<Loaded>> {
    let files = env.files;
    let Some(path) = check_config_path(args, &|p| files.exists(p)) else {
        return Ok(None);
    };
    let (config, name) = crate::commands::deploy::load_config(&path, env)?;
    let mut deployed = Vec::new();
    let mut cert_hosts = Vec::new();
    for cert in &config.certificates {
        let file = input::load(&cert.deploy.display().to_string(), env)?;
        cert_hosts.push(certificate_hosts(cert, &file, &name)?);
        deployed.push(Arc::new(file));
    }
    Ok(Some(Loaded {
        config,
        name,
        deployed,
        cert_hosts,
    }))
}

/// A `[[certificate]]`'s hosts, or the DNS names of the leaf in its deployed file.
fn certificate_hosts(cert: &config::Certificate, file: &Input, name: &str) -> Result<Vec<Host>> {
    if !cert.hosts.is_empty() {
        return Ok(cert.hosts.clone());
    }
    let leaf = file
        .material
        .certs()
        .and_then(|c| crate::chain::normalize(c).certs.into_iter().next());
    let hosts = leaf
        .as_ref()
        .map(crate::dane::sanity::hosts_of_leaf)
        .unwrap_or_default();
    if hosts.is_empty() {
        return Err(Error::input(
            name,
            format!(
                "certificate '{}': the leaf of '{}' names no host; set hosts = [...]",
                cert.name,
                escape(&file.name)
            ),
        ));
    }
    Ok(hosts)
}

/// The configuration's chains, below any `--chain`: each `[[certificate]]`'s deployed
/// file for its hosts and ports, then the `[hosts]` entries (which win over those).
pub fn add_chains(
    loaded: &Loaded,
    map: &mut ChainMap<Arc<Input>>,
    env: &mut Env<'_>,
) -> Result<()> {
    let certs = loaded.config.certificates.iter();
    for ((cert, file), hosts) in certs.zip(&loaded.deployed).zip(&loaded.cert_hosts) {
        for host in hosts {
            for &port in &cert.ports {
                let key = ChainKey::HostPort(host.clone(), port);
                map.insert(key, chains::From::Config, Arc::clone(file))?;
            }
        }
    }
    for (key, path) in &loaded.config.host_chains {
        let parsed = ChainKey::parse(key).ok_or_else(|| {
            Error::input(
                &loaded.name,
                format!("[hosts] '{}' is not HOST or HOST:PORT", escape(key)),
            )
        })?;
        let file = input::load(&path.display().to_string(), env)?;
        map.insert(parsed, chains::From::Config, Arc::new(file))?;
    }
    Ok(())
}

/// `[dns]` where `--resolver` and `--trust-anchor` are not given.
pub fn dns_over(dns: &mut DnsConfig, settings: &DnsSettings) {
    if dns.servers.is_empty() {
        dns.servers = settings.resolvers.clone();
    }
    if dns.trust_anchor.is_none() {
        dns.trust_anchor = settings.trust_anchor.clone();
    }
}

/// What `check` runs on once flags and the configuration are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckPlan {
    /// The configured hosts with their ports; empty when the command line names hosts.
    pub hosts: Vec<(Host, Vec<u16>)>,
    /// Ports of names from the command line and of `[check] hosts`.
    pub ports: Vec<u16>,
    pub mx: bool,
    pub live: bool,
    pub all_ns: bool,
    pub days: u32,
    pub allow: Vec<Code>,
    pub strict: bool,
}

/// Merges `check`'s flags with the configuration (`cert_hosts` as in [`Loaded`]).
pub fn check_plan(
    args: &CheckArgs,
    config: Option<&Config>,
    cert_hosts: &[Vec<Host>],
) -> CheckPlan {
    let none = CheckSettings::default();
    let set = config.map_or(&none, |c| &c.check);
    let named = !args.names.is_empty() || args.from.is_some();
    let flag_ports = (!args.ports.is_empty()).then(|| crate::commands::unique(&args.ports));
    let ports = match (&flag_ports, set.ports.is_empty()) {
        (Some(p), _) => p.clone(),
        (None, false) => set.ports.clone(),
        (None, true) => vec![25],
    };
    let hosts = match config {
        _ if named => Vec::new(),
        None => Vec::new(),
        Some(_) if !set.hosts.is_empty() => set
            .hosts
            .iter()
            .map(|h| (h.clone(), ports.clone()))
            .collect(),
        Some(c) => certificate_targets(c, cert_hosts, flag_ports.as_deref()),
    };
    // `mx` says what `[check] hosts` are; other names are hosts unless `--mx`.
    let config_mx = !named && !set.hosts.is_empty() && set.mx;
    let mut allow = set.allow.clone();
    allow.extend(&args.findings.allow);
    CheckPlan {
        hosts,
        ports,
        mx: args.mx || config_mx,
        live: args.live || set.live,
        all_ns: args.all_ns || set.all_ns,
        days: args.findings.days.or(set.days).unwrap_or(DEFAULT_DAYS),
        allow: crate::commands::unique(&allow),
        strict: args.findings.strict || set.strict,
    }
}

/// Every `[[certificate]]`'s hosts on its ports (or `--port`), a host named by
/// several certificates once with all their ports.
fn certificate_targets(
    config: &Config,
    cert_hosts: &[Vec<Host>],
    flag_ports: Option<&[u16]>,
) -> Vec<(Host, Vec<u16>)> {
    let mut out: Vec<(Host, Vec<u16>)> = Vec::new();
    for (cert, hosts) in config.certificates.iter().zip(cert_hosts) {
        let ports = flag_ports.unwrap_or(&cert.ports);
        for host in hosts {
            match out.iter_mut().find(|(h, _)| h == host) {
                Some((_, have)) => {
                    have.extend(ports);
                    *have = crate::commands::unique(have);
                }
                None => out.push((host.clone(), ports.to_vec())),
            }
        }
    }
    out
}

/// `renew-check --config`: the options with the configuration's values where no flag
/// is given, and the hosts to check (empty: the leaf's names).
pub fn renew_over(args: &RenewCheckArgs, config: &Config) -> (RenewArgs, Vec<String>) {
    let mut common = renew_settings(args, config);
    let mut hosts = args.hosts.clone();
    let cert = args
        .current
        .as_deref()
        .and_then(|c| certificate_for(config, Path::new(c)));
    if let Some(cert) = cert {
        with_certificate(&mut common, &mut hosts, cert);
    }
    (common, hosts)
}

/// `[dns]`, and `days`, `allow` and `strict` of `[check]`, under the flags.
pub fn renew_settings(args: &RenewCheckArgs, config: &Config) -> RenewArgs {
    let mut common = args.common.clone();
    let dns = &mut common.dns;
    if dns.resolvers.is_empty() {
        dns.resolvers = config.dns.resolvers.iter().map(|r| r.to_string()).collect();
    }
    if dns.trust_anchor.is_none() {
        dns.trust_anchor = config
            .dns
            .trust_anchor
            .as_ref()
            .map(|p| p.display().to_string());
    }
    let set = &config.check;
    let findings = &mut common.findings;
    findings.days = findings.days.or(set.days);
    let mut allow = set.allow.clone();
    allow.extend(&findings.allow);
    findings.allow = crate::commands::unique(&allow);
    findings.strict |= set.strict;
    common
}

/// A `[[certificate]]`'s ports and hosts where `--port` and HOST are not given.
pub fn with_certificate(
    common: &mut RenewArgs,
    hosts: &mut Vec<String>,
    cert: &config::Certificate,
) {
    if common.ports.is_empty() {
        common.ports = cert.ports.clone();
    }
    if hosts.is_empty() {
        *hosts = cert.hosts.iter().map(|h| h.as_str().to_string()).collect();
    }
}

/// The `[[certificate]]` whose lineage or deployed file is `current`.
pub fn certificate_for<'c>(config: &'c Config, current: &Path) -> Option<&'c config::Certificate> {
    let current = std::path::absolute(current).ok()?;
    config
        .certificates
        .iter()
        .find(|c| c.lineage.as_deref() == Some(current.as_path()) || c.deploy == current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn check_args(argv: &[&str]) -> CheckArgs {
        let all = ["daneguard", "check"].iter().chain(argv);
        match crate::cli::Cli::try_parse_from(all).unwrap().command {
            crate::cli::Command::Check(a) => a,
            _ => unreachable!(),
        }
    }

    fn renew_args(argv: &[&str]) -> RenewCheckArgs {
        let all = ["daneguard", "renew-check"].iter().chain(argv);
        match crate::cli::Cli::try_parse_from(all).unwrap().command {
            crate::cli::Command::RenewCheck(a) => a,
            _ => unreachable!(),
        }
    }

    fn config(text: &str) -> Config {
        config::parse(text, Path::new("/etc/daneguard")).unwrap()
    }

    fn host(h: &str) -> Host {
        Host::parse(h).unwrap()
    }

    fn code(c: &str) -> Code {
        Code::parse(c).unwrap()
    }

    const CERTS: &str = "[[certificate]]\nname = \"a\"\nhosts = [\"mx.example.com\"]\nports = [25, 465]\ndeploy = \"a.pem\"\n[[certificate]]\nname = \"b\"\nhosts = [\"mx.example.com\", \"smtp.example.com\"]\nports = [587]\ndeploy = \"b.pem\"\n";

    fn cert_hosts(c: &Config) -> Vec<Vec<Host>> {
        c.certificates.iter().map(|c| c.hosts.clone()).collect()
    }

    #[test]
    fn without_a_configuration_the_flags_and_defaults_hold() {
        let plan = check_plan(&check_args(&["mx.example.com"]), None, &[]);
        assert_eq!(plan.hosts, vec![]);
        assert_eq!(plan.ports, vec![25]);
        assert_eq!(plan.days, DEFAULT_DAYS);
        assert!(!plan.mx && !plan.live && !plan.all_ns && !plan.strict);
        assert!(plan.allow.is_empty());
    }

    #[test]
    fn certificates_give_their_hosts_with_their_own_ports() {
        let c = config(CERTS);
        let plan = check_plan(&check_args(&[]), Some(&c), &cert_hosts(&c));
        assert_eq!(
            plan.hosts,
            vec![
                (host("mx.example.com"), vec![25, 465, 587]),
                (host("smtp.example.com"), vec![587]),
            ]
        );
        // --port replaces every configured port list.
        let plan = check_plan(&check_args(&["--port", "993"]), Some(&c), &cert_hosts(&c));
        assert_eq!(
            plan.hosts,
            vec![
                (host("mx.example.com"), vec![993]),
                (host("smtp.example.com"), vec![993]),
            ]
        );
    }

    #[test]
    fn check_hosts_win_over_certificates_and_names_win_over_both() {
        let text = format!(
            "[check]\nhosts = [\"example.com\"]\nports = [25, 465]\nmx = true\nlive = true\ndays = 30\nallow = [\"single-record\"]\n{CERTS}"
        );
        let c = config(&text);
        let plan = check_plan(&check_args(&[]), Some(&c), &cert_hosts(&c));
        assert_eq!(plan.hosts, vec![(host("example.com"), vec![25, 465])]);
        assert!(plan.mx && plan.live && !plan.all_ns);
        assert_eq!(plan.days, 30);
        let args = check_args(&[
            "other.example.net",
            "--days",
            "3",
            "--allow",
            "no-tlsa",
            "--all-ns",
        ]);
        let plan = check_plan(&args, Some(&c), &cert_hosts(&c));
        assert_eq!(plan.hosts, vec![]);
        // `mx` describes [check] hosts, not names given on the command line.
        assert!(!plan.mx && plan.live && plan.all_ns);
        assert_eq!(plan.ports, vec![25, 465]);
        assert_eq!(plan.days, 3);
        assert_eq!(plan.allow, vec![code("single-record"), code("no-tlsa")]);
    }

    #[test]
    fn the_default_file_is_read_only_when_nothing_else_is_named() {
        let yes = |_: &Path| true;
        let no = |_: &Path| false;
        let default = Some(config::DEFAULT_PATH.to_string());
        assert_eq!(check_config_path(&check_args(&[]), &yes), default);
        assert_eq!(check_config_path(&check_args(&[]), &no), None);
        assert_eq!(
            check_config_path(&check_args(&["mx.example.com"]), &yes),
            None
        );
        assert_eq!(check_config_path(&check_args(&["--from", "-"]), &yes), None);
        let named = check_args(&["mx.example.com", "--config", "x.toml"]);
        assert_eq!(check_config_path(&named, &no), Some("x.toml".into()));
    }

    #[test]
    fn dns_flags_replace_the_configured_ones() {
        let c = config("[dns]\nresolvers = [\"127.0.0.1:5300\"]\ntrust_anchor = \"k.key\"\n");
        let mut dns = crate::commands::check::dns_config(&check_args(&["x"]).dns).unwrap();
        dns_over(&mut dns, &c.dns);
        assert_eq!(dns.servers, vec!["127.0.0.1:5300".parse().unwrap()]);
        assert_eq!(dns.trust_anchor, Some("/etc/daneguard/k.key".into()));
        let args = check_args(&["x", "--resolver", "::1", "--trust-anchor", "t"]);
        let mut dns = crate::commands::check::dns_config(&args.dns).unwrap();
        dns_over(&mut dns, &c.dns);
        assert_eq!(dns.servers, vec!["[::1]:53".parse().unwrap()]);
        assert_eq!(dns.trust_anchor, Some("t".into()));
    }

    #[test]
    fn renew_check_takes_the_certificate_of_current() {
        let text = format!(
            "[dns]\nresolvers = [\"127.0.0.1\"]\n[check]\ndays = 20\nallow = [\"ca-switch\"]\nstrict = true\n{CERTS}"
        );
        let c = config(&text);
        let (common, hosts) = renew_over(&renew_args(&["--current", "/etc/daneguard/b.pem"]), &c);
        assert_eq!(hosts, vec!["mx.example.com", "smtp.example.com"]);
        assert_eq!(common.ports, vec![587]);
        assert_eq!(common.dns.resolvers, vec!["127.0.0.1:53"]);
        assert_eq!(common.findings.days, Some(20));
        assert!(common.findings.strict);
        let args = renew_args(&[
            "--current",
            "/etc/daneguard/b.pem",
            "--port",
            "25",
            "--days",
            "5",
            "--allow",
            "no-tlsa",
            "--resolver",
            "127.0.0.2",
            "a.example.com",
        ]);
        let (common, hosts) = renew_over(&args, &c);
        assert_eq!(hosts, vec!["a.example.com"]);
        assert_eq!(common.ports, vec![25]);
        assert_eq!(common.dns.resolvers, vec!["127.0.0.2"]);
        assert_eq!(common.findings.days, Some(5));
        assert_eq!(
            common.findings.allow,
            vec![code("ca-switch"), code("no-tlsa")]
        );
        // No certificate for --current: only the global settings apply.
        let (common, hosts) = renew_over(&renew_args(&["--current", "/x/other.pem"]), &c);
        assert!(hosts.is_empty() && common.ports.is_empty());
    }
}
