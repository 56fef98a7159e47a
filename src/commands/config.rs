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
    for c in &config.certificates {
        let dir = c.deploy.parent().unwrap_or(Path::new("/"));
        if !dir.is_dir() {
            return Err(Error::input(
                name,
                format!(
                    "certificate '{}': the directory of deploy = '{}' does not exist",
                    c.name,
                    escape(&c.deploy.display().to_string())
                ),
            ));
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
            "certificate {}: deploy {}, hosts {hosts}, ports {}, reload {}",
            c.name,
            escape(&c.deploy.display().to_string()),
            ports.join(", "),
            c.reload
                .as_deref()
                .map_or("(none)".to_string(), |r| format!("'{}'", escape(r)))
        )?;
    }
    Ok(())
}
