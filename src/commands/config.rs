//! `daneguard config check`: reads the configuration file and checks what it names.

use std::path::Path;

use crate::cli::{ConfigArgs, ConfigCommand};
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input::config::Config;
use crate::sanitize::escape;

pub fn execute(args: &ConfigArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    match &args.command {
        ConfigCommand::Check(a) => {
            let (config, name) = crate::commands::deploy::load_config(&a.config, env)?;
            check_paths(&config, &name)?;
            summary(&config, &name, env)?;
            Ok(ExitStatus::Ok)
        }
    }
}

/// Paths that must exist for stage and deploy to work.
fn check_paths(config: &Config, name: &str) -> Result<()> {
    if let Some(anchor) = &config.dns.trust_anchor
        && !anchor.is_file()
    {
        return Err(Error::input(
            name,
            format!(
                "trust_anchor '{}' is not a file",
                escape(&anchor.display().to_string())
            ),
        ));
    }
    for (key, _) in &config.host_chains {
        if crate::input::chains::ChainKey::parse(key).is_none() {
            return Err(Error::input(
                name,
                format!("[hosts] '{}' is not HOST or HOST:PORT", escape(key)),
            ));
        }
    }
    for c in &config.certificates {
        let mut targets = vec![("deploy", &c.deploy)];
        if let Some(sep) = &c.separate {
            targets.extend([("key_file", &sep.key), ("chain_file", &sep.chain)]);
        }
        for (key, path) in targets {
            let dir = path.parent().unwrap_or(Path::new("/"));
            if !dir.is_dir() {
                return Err(Error::input(
                    name,
                    format!(
                        "certificate '{}': the directory of {key} = '{}' does not exist",
                        c.name,
                        escape(&path.display().to_string())
                    ),
                ));
            }
        }
        if let Some(l) = &c.lineage
            && !l.join("fullchain.pem").exists()
        {
            return Err(Error::input(
                name,
                format!(
                    "certificate '{}': lineage '{}' has no fullchain.pem",
                    c.name,
                    escape(&l.display().to_string())
                ),
            ));
        }
    }
    Ok(())
}

fn summary(config: &Config, name: &str, env: &mut Env<'_>) -> Result<()> {
    writeln!(env.out, "{}: ok", escape(name))?;
    if config.check != crate::input::config::CheckSettings::default() {
        writeln!(env.out, "{}", check_summary(&config.check))?;
    }
    for c in &config.certificates {
        let hosts = if c.hosts.is_empty() {
            "the leaf's DNS names".to_string()
        } else {
            c.hosts
                .iter()
                .map(|h| h.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let ports: Vec<String> = c.ports.iter().map(u16::to_string).collect();
        writeln!(
            env.out,
            "certificate {}: deploy {}{}, hosts {hosts}, ports {}, reload {}",
            c.name,
            escape(&c.deploy.display().to_string()),
            c.separate.as_ref().map_or_else(String::new, |sep| format!(
                ", key_file {}, chain_file {}",
                escape(&sep.key.display().to_string()),
                escape(&sep.chain.display().to_string())
            )),
            ports.join(", "),
            c.reload
                .as_deref()
                .map_or("(none)".to_string(), |r| format!("'{}'", escape(r)))
        )?;
    }
    Ok(())
}

/// `[check]` in one line, as `check` will use it.
fn check_summary(c: &crate::input::config::CheckSettings) -> String {
    let join = |v: Vec<String>| v.join(", ");
    let ports = if c.ports.is_empty() {
        "25".to_string()
    } else {
        join(c.ports.iter().map(u16::to_string).collect())
    };
    let mut line = if c.hosts.is_empty() {
        "check: the hosts and ports of each [[certificate]]".to_string()
    } else {
        let hosts = join(c.hosts.iter().map(|h| h.as_str().to_string()).collect());
        format!("check: hosts {hosts}, ports {ports}")
    };
    for (on, flag) in [
        (c.mx, "mx"),
        (c.live, "live"),
        (c.all_ns, "all-ns"),
        (c.strict, "strict"),
    ] {
        if on {
            line.push_str(", ");
            line.push_str(flag);
        }
    }
    let days = c.days.unwrap_or(crate::cli::DEFAULT_DAYS);
    line.push_str(&format!(", days {days}"));
    if !c.allow.is_empty() {
        line.push_str(", allow ");
        line.push_str(&join(
            c.allow.iter().map(|a| a.as_str().to_string()).collect(),
        ));
    }
    line
}
