//! Man pages generated from the clap definitions, plus EXAMPLES, FINDINGS,
//! ENVIRONMENT, FILES and EXIT STATUS sections from the same constants the code and
//! `--help` use.

use clap::CommandFactory;
use roff::{Roff, bold, italic, roman};

use crate::cli::Cli;
use crate::exit::{ExitStatus, PluginState};
use crate::findings::Code;

/// `(file name, contents)` for `daneguard.1` and one page per subcommand.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = Cli::command();
    // Building gives each subcommand its runnable name (`daneguard generate`) and the
    // global options.
    cmd.build();
    let mut pages = vec![("daneguard.1".to_string(), render(&cmd, None))];
    // Building also adds clap's `help` subcommand, which needs no page.
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("daneguard-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .version(cmd.get_version().unwrap_or_default().to_string());
        pages.push((format!("{name}.1"), render(&page, Some(sub))));
    }
    pages
}

/// One page; `sub` is the subcommand as parsed (None for `daneguard.1`).
fn render(page: &clap::Command, sub: Option<&clap::Command>) -> Vec<u8> {
    let man = clap_mangen::Man::new(page.clone()).date("");
    let name = sub.map(|s| s.get_name());
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    out.extend(synopsis_section(sub.unwrap_or(page)).render().into_bytes());
    let _ = man.render_description_section(&mut out);
    if page.get_arguments().any(|a| !a.is_hide_set()) {
        let _ = man.render_options_section(&mut out);
    }
    if sub.is_none() {
        let _ = man.render_subcommands_section(&mut out);
    }
    let mut sections = vec![examples_section(name)];
    if name.is_none_or(|n| REPORTS_FINDINGS.contains(&n)) {
        sections.push(findings_section());
    }
    sections.push(environment_section(name));
    sections.push(files_section(name));
    sections.push(exit_status_section(name));
    if sub.is_some() {
        sections.push(see_also_section());
    }
    for section in sections {
        out.extend(section.render().into_bytes());
    }
    let _ = man.render_version_section(&mut out);
    out
}

/// Subcommands whose output is made of findings.
const REPORTS_FINDINGS: &[&str] = &["check", "renew-check", "certbot-hook", "zone"];

/// Subcommands with `--format nagios`.
const NAGIOS: &[&str] = &["check", "renew-check", "certbot-hook"];

/// Subcommands that look records up through the system's resolvers by default.
const RESOLVES: &[&str] = &["check", "renew-check", "certbot-hook"];

/// Subcommands that read certbot lineages.
const LINEAGES: &[&str] = &["generate", "check", "renew-check", "certbot-hook"];

/// The usage line as `--help` prints it, a command one can type.
fn synopsis_section(cmd: &clap::Command) -> Roff {
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim_start_matches("Usage: ");
    let mut roff = Roff::default();
    roff.control("SH", ["SYNOPSIS"]);
    for line in usage.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (command, rest) = split_command(line);
        roff.text([bold(command), roman(rest)]);
        roff.control("br", []);
    }
    roff
}

/// `daneguard generate` and ` [OPTIONS] <INPUT>...`.
fn split_command(line: &str) -> (&str, &str) {
    let end = line
        .find(' ')
        .map(|first| {
            let word = line[first + 1..].split(' ').next().unwrap_or("");
            let is_sub = !word.is_empty() && !word.starts_with(['[', '<', '-']);
            if is_sub {
                first + 1 + word.len()
            } else {
                first
            }
        })
        .unwrap_or(line.len());
    line.split_at(end)
}

fn examples_section(name: Option<&str>) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXAMPLES"]);
    for e in crate::render::examples::of(name) {
        roff.control("PP", []);
        roff.text([roman(format!("{}:", e.what))]);
        roff.control("RS", ["4"]);
        roff.control("nf", []);
        roff.text([bold(e.command)]);
        roff.control("fi", []);
        roff.control("RE", []);
    }
    roff
}

fn findings_section() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["FINDINGS"]);
    roff.text([roman(
        "Every finding has a stable code and a severity (info, warn, fail, error). fail means exit status 1, error exit status 2, warn exit status 1 only with --strict. --allow CODE silences a code.",
    )]);
    for code in Code::ALL {
        roff.control("TP", []);
        roff.text([
            bold(code.as_str()),
            roman(format!(" ({})", code.severity())),
        ]);
        roff.text([roman(code.summary())]);
    }
    roff
}

/// `(variable, meaning, the subcommands that read it)`; None means every one.
const ENVIRONMENT: &[(&str, &str, Option<&[&str]>)] = &[
    (
        "NO_COLOR",
        "When set and not empty, --help and usage errors are printed without colour (https://no-color.org); --color always overrides it.",
        None,
    ),
    (
        "RENEWED_LINEAGE",
        "Set by certbot for deploy hooks: the lineage directory of the renewed certificate (/etc/letsencrypt/live/NAME); certbot-hook checks its fullchain.pem.",
        Some(&["certbot-hook"]),
    ),
    (
        "RENEWED_DOMAINS",
        "Set by certbot for deploy hooks: the renewed certificate's names, separated by spaces; certbot-hook checks them unless --host is given (wildcards are skipped).",
        Some(&["certbot-hook"]),
    ),
];

fn environment_section(name: Option<&str>) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["ENVIRONMENT"]);
    for (var, meaning, users) in ENVIRONMENT {
        if name.is_some_and(|n| users.is_some_and(|u| !u.contains(&n))) {
            continue;
        }
        roff.control("TP", []);
        roff.text([bold(*var)]);
        roff.text([roman(*meaning)]);
    }
    roff
}

/// `(path, meaning, the subcommands it concerns)`; None means every page.
const FILES: &[(&str, &str, Option<&[&str]>)] = &[
    (
        "/etc/letsencrypt/live/NAME/",
        "A certbot lineage: its fullchain.pem is the chain; renew-check and certbot-hook read /etc/letsencrypt/renewal/NAME.conf to predict the next certificate.",
        Some(LINEAGES),
    ),
    (
        "/etc/resolv.conf",
        "The resolvers asked when --resolver is not given (daneguard validates DNSSEC itself).",
        Some(RESOLVES),
    ),
    (
        "/etc/daneguard/daneguard.toml",
        "The configuration file (contrib/daneguard.toml.example lists every key): the default --config of stage, deploy and config check; read by certbot-hook if it exists, and by check if it exists and no NAME, --from or --config is given.",
        Some(&["check", "stage", "deploy", "certbot-hook", "config"]),
    ),
    (
        "/etc/daneguard/daneguard.toml.example",
        "An example configuration file, installed by the Debian package.",
        None,
    ),
    (
        "/etc/default/daneguard",
        "DANEGUARD_CHECK_ARGS: the names and options daneguard-check.service checks.",
        Some(&["check"]),
    ),
    (
        "/lib/systemd/system/daneguard-check.service, daneguard-check.timer",
        "An hourly check --live with the report in the journal (not enabled by the package); daneguard-notify@.service mails root on failure when added as OnFailure=.",
        Some(&["check"]),
    ),
    (
        "/var/lib/daneguard/",
        "The state directory of daneguard-check.service, the only place it may write.",
        Some(&["check"]),
    ),
];

fn files_section(name: Option<&str>) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["FILES"]);
    for (path, meaning, users) in FILES {
        if name.is_some_and(|n| users.is_some_and(|u| !u.contains(&n))) {
            continue;
        }
        roff.control("TP", []);
        roff.text([italic(*path)]);
        roff.text([roman(*meaning)]);
    }
    if name == Some("zone") {
        roff.control("TP", []);
        roff.text([italic("--config FILE")]);
        roff.control("nf", []);
        roff.text([roman(crate::cli::ZONE_CONFIG_HELP)]);
        roff.control("fi", []);
    }
    roff
}

fn exit_status_section(name: Option<&str>) -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in ExitStatus::TABLE {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(meaning)]);
    }
    roff.control("PP", []);
    roff.text([roman(
        "When one run has both, broken DANE and something it could not do, the status is 2: the run is incomplete.",
    )]);
    if name.is_none_or(|n| NAGIOS.contains(&n)) {
        roff.control("PP", []);
        roff.text([roman(
            "With --format nagios the Monitoring Plugins' numbers are used instead, and usage errors are UNKNOWN too; --strict does not change them:",
        )]);
        for (code, meaning) in PluginState::TABLE {
            roff.control("TP", []);
            roff.text([bold(code.to_string())]);
            roff.text([roman(meaning)]);
        }
    }
    roff
}

fn see_also_section() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["SEE ALSO"]);
    roff.text([bold("daneguard"), roman("(1)")]);
    roff
}
