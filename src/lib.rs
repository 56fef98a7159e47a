//! daneguard: DANE TLSA records from certificate chains, DNSSEC-validated checks and
//! renewal safety. `run` is the whole program; `main.rs` only supplies the [`env::Env`].

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod chain;
pub(crate) mod cli;
pub(crate) mod commands;
pub mod dane;
pub(crate) mod deploy;
pub(crate) mod dns;
pub mod env;
pub(crate) mod error;
pub mod exit;
pub mod findings;
pub mod input;
pub mod live;
pub mod lookup;
pub mod owner;
pub mod render;
pub mod sanitize;
pub mod tlsa;

use std::ffi::OsString;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::env::Env;
use crate::exit::ExitStatus;

/// Parses the arguments, runs the subcommand and reports errors once on stderr.
pub fn run<I, T>(args: I, env: &mut Env<'_>) -> ExitStatus
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let color = render::output::color_wanted(&args, env);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e, env, color, render::output::nagios_requested(&args)),
    };
    if cli.quiet {
        let mode = render::output::quiet_mode(&cli.command);
        render::output::quietly(env, mode, |env| execute(&cli.command, env))
    } else {
        execute(&cli.command, env)
    }
}

/// Runs one subcommand; an error ends it with one message (and, in the nagios
/// format, an UNKNOWN status line on stdout).
fn execute(command: &Command, env: &mut Env<'_>) -> ExitStatus {
    let result = match command {
        Command::Generate(a) => commands::generate::execute(a, env),
        Command::Check(a) => commands::check::execute(a, env),
        Command::RenewCheck(a) => commands::renew::execute(a, env),
        Command::CertbotHook(a) => commands::certbot_hook::execute(a, env),
        Command::Zone(a) => commands::zone::execute(a, env),
        Command::Stage(a) => commands::stage::execute(a, env),
        Command::Deploy(a) => commands::deploy::execute(a, env),
        Command::Config(a) => commands::config::execute(a, env),
        Command::Completions(a) => commands::completions::execute(a, env),
        Command::Publish(a) => commands::publish::execute(a, env),
    };
    match result {
        Ok(status) => status,
        Err(e) if e.is_broken_pipe() => ExitStatus::Ok,
        Err(e) => {
            render::diag::error(env, &e.to_string());
            if render::output::nagios(command) {
                return render::nagios::unknown(env.out, &e.to_string())
                    .unwrap_or(ExitStatus::Plugin(exit::PluginState::Unknown));
            }
            ExitStatus::Failure
        }
    }
}

/// `--help` and `--version` go to stdout with status 0; usage errors to stderr with 2
/// (3 and a status line on stdout when the nagios format was asked for).
fn usage_error(e: &clap::Error, env: &mut Env<'_>, color: bool, nagios: bool) -> ExitStatus {
    let text = e.render().ansi().to_string();
    let plain = e.render().to_string();
    let shown = if color { text } else { plain.clone() };
    if e.use_stderr() {
        let _ = write!(env.err, "{shown}");
        if nagios {
            let first = plain.lines().next().unwrap_or("usage error");
            let message = first.trim_start_matches("error: ");
            return render::nagios::unknown(env.out, &format!("usage: {message}"))
                .unwrap_or(ExitStatus::Plugin(exit::PluginState::Unknown));
        }
        ExitStatus::Failure
    } else {
        let _ = write!(env.out, "{shown}");
        ExitStatus::Ok
    }
}
