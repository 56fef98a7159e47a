//! Output conventions that hold for every subcommand: `--color` and NO_COLOR,
//! `--quiet`, and how `--format nagios` reports errors.

use std::ffi::OsString;
use std::io::Write;

use crate::cli::{CheckFormat, Command, RenewFormat};
use crate::env::Env;
use crate::exit::ExitStatus;

/// Whether to colour output: `--color` (the last one given) wins, then NO_COLOR
/// (set and not empty, https://no-color.org), then whether stdout is a terminal.
///
/// Read from the raw arguments because `--help` and usage errors are printed before
/// (or instead of) a successful parse.
pub fn color_wanted(args: &[OsString], env: &Env<'_>) -> bool {
    let mut choice = None;
    let mut iter = args.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        if arg == "--" {
            break;
        }
        if let Some(value) = arg.strip_prefix("--color=") {
            choice = Some(value.to_string());
        } else if arg == "--color" {
            choice = iter.next().map(|v| v.into_owned());
        }
    }
    match choice.as_deref() {
        Some("always") => true,
        Some("never") => false,
        _ => env.out_is_terminal && !no_color(env),
    }
}

/// NO_COLOR is set to something other than the empty string.
fn no_color(env: &Env<'_>) -> bool {
    (env.vars)("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Whether the raw arguments ask for `--format nagios` (usage errors must then be
/// UNKNOWN, exit 3, as the Monitoring Plugins guidelines say).
pub fn nagios_requested(args: &[OsString]) -> bool {
    args.windows(2)
        .any(|w| w[0] == "--format" && w[1] == "nagios")
        || args.iter().any(|a| a == "--format=nagios")
}

/// Whether the parsed command writes the nagios format.
pub fn nagios(command: &Command) -> bool {
    match command {
        Command::Check(a) => a.format == Some(CheckFormat::Nagios),
        Command::RenewCheck(a) => a.common.format == RenewFormat::Nagios,
        Command::CertbotHook(a) => a.common.format == RenewFormat::Nagios,
        _ => false,
    }
}

/// What `--quiet` holds back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quiet {
    /// Nothing: monitoring formats are read by programs that expect output on every
    /// run, and completions are the output itself.
    Nothing,
    /// Notes on stderr only: records from `generate` are the job's result.
    Notes,
    /// Everything, unless the exit status is not 0.
    All,
}

/// How `--quiet` applies to a command.
pub fn quiet_mode(command: &Command) -> Quiet {
    let monitoring = |c: CheckFormat| matches!(c, CheckFormat::Nagios | CheckFormat::Prometheus);
    let renew_monitoring =
        |f: RenewFormat| matches!(f, RenewFormat::Nagios | RenewFormat::Prometheus);
    let machine = match command {
        Command::Check(a) => a.format.is_some_and(monitoring),
        Command::RenewCheck(a) => renew_monitoring(a.common.format),
        Command::CertbotHook(a) => renew_monitoring(a.common.format),
        Command::Completions(_) => true,
        Command::Generate(_) => return Quiet::Notes,
        Command::Zone(_)
        | Command::Stage(_)
        | Command::Deploy(_)
        | Command::Config(_)
        | Command::Publish(_) => false,
    };
    if machine { Quiet::Nothing } else { Quiet::All }
}

/// Runs `job` with stderr (and, for [`Quiet::All`], stdout) held back, and lets it
/// through only when the exit status is not 0: cron mails a job's output, so a fine
/// run must print nothing.
pub fn quietly(
    env: &mut Env<'_>,
    mode: Quiet,
    job: impl FnOnce(&mut Env<'_>) -> ExitStatus,
) -> ExitStatus {
    if mode == Quiet::Nothing {
        return job(env);
    }
    let mut out = Vec::new();
    let mut err = Vec::new();
    let status = {
        let held_out: &mut dyn Write = match mode {
            Quiet::All => &mut out,
            _ => &mut *env.out,
        };
        let mut held = Env {
            out: held_out,
            err: &mut err,
            stdin: &mut *env.stdin,
            now: env.now,
            out_is_terminal: env.out_is_terminal,
            vars: env.vars,
            files: env.files,
            dns: env.dns,
            prober: env.prober,
            runtime: env.runtime,
        };
        job(&mut held)
    };
    if status.code() != 0 {
        // Nothing better to do if the streams fail now.
        let _ = env.out.write_all(&out);
        let _ = env.out.flush();
        let _ = env.err.write_all(&err);
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with<'a>(
        out: &'a mut Vec<u8>,
        err: &'a mut Vec<u8>,
        stdin: &'a mut &'static [u8],
        terminal: bool,
        vars: &'a dyn Fn(&str) -> Option<OsString>,
        runtime: &'a crate::env::AsyncRuntime,
    ) -> Env<'a> {
        Env {
            out,
            err,
            stdin,
            now: 0,
            out_is_terminal: terminal,
            vars,
            files: &crate::env::real::Disk,
            dns: &crate::env::fake::Offline,
            prober: &crate::env::fake::Offline,
            runtime,
        }
    }

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    type Vars<'a> = &'a dyn Fn(&str) -> Option<OsString>;

    #[test]
    fn color_follows_flag_then_no_color_then_terminal() {
        let (mut o, mut e, mut i) = (Vec::new(), Vec::new(), &b""[..]);
        let unset = |_: &str| None;
        let set = |n: &str| (n == "NO_COLOR").then(|| OsString::from("1"));
        let empty = |n: &str| (n == "NO_COLOR").then(OsString::new);
        let cases: [(Vars<'_>, bool, &[&str], bool); 7] = [
            (&unset, true, &["dg", "--help"], true),
            (&unset, false, &["dg", "--help"], false),
            (&set, true, &["dg", "--help"], false),
            (&empty, true, &["dg", "--help"], true),
            (&set, false, &["dg", "--color", "always"], true),
            (&unset, true, &["dg", "--color=never", "check"], false),
            (&unset, true, &["dg", "--", "--color=never"], true),
        ];
        let runtime = crate::env::AsyncRuntime::default();
        for (vars, terminal, list, expected) in cases {
            let env = env_with(&mut o, &mut e, &mut i, terminal, vars, &runtime);
            assert_eq!(color_wanted(&args(list), &env), expected, "{list:?}");
        }
    }

    #[test]
    fn nagios_is_seen_in_raw_arguments() {
        assert!(nagios_requested(&args(&[
            "dg", "check", "--format", "nagios"
        ])));
        assert!(nagios_requested(&args(&["dg", "check", "--format=nagios"])));
        assert!(!nagios_requested(&args(&["dg", "check", "nagios"])));
    }

    #[test]
    fn quiet_holds_output_back_unless_the_status_is_not_0() {
        let unset = |_: &str| None;
        for (status, shown) in [(ExitStatus::Ok, ""), (ExitStatus::Findings, "report\n")] {
            let (mut o, mut e, mut i) = (Vec::new(), Vec::new(), &b""[..]);
            let runtime = crate::env::AsyncRuntime::default();
            let mut env = env_with(&mut o, &mut e, &mut i, false, &unset, &runtime);
            let got = quietly(&mut env, Quiet::All, |held| {
                let _ = writeln!(held.out, "report");
                let _ = writeln!(held.err, "daneguard: note: x");
                status
            });
            assert_eq!(got, status);
            assert_eq!(String::from_utf8_lossy(&o), shown);
            assert_eq!(e.is_empty(), shown.is_empty());
        }
    }
}
