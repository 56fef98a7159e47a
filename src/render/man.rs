//! Man pages generated from the clap definitions, plus EXIT STATUS and FINDINGS
//! sections from the same constants the code uses.

use clap::CommandFactory;
use roff::{Roff, bold, roman};

use crate::cli::Cli;
use crate::exit::ExitStatus;
use crate::findings::Code;

/// `(file name, contents)` for `daneguard.1` and one page per subcommand.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let cmd = Cli::command();
    let mut pages = vec![("daneguard.1".to_string(), render(&cmd, true))];
    for sub in cmd.get_subcommands() {
        let name = format!("daneguard-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(name.clone())
            .version(cmd.get_version().unwrap_or_default().to_string());
        pages.push((format!("{name}.1"), render(&sub, false)));
    }
    pages
}

fn render(cmd: &clap::Command, main: bool) -> Vec<u8> {
    let man = clap_mangen::Man::new(cmd.clone()).date("");
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        let _ = man.render_options_section(&mut out);
    }
    if main {
        let _ = man.render_subcommands_section(&mut out);
    }
    let _ = man.render_extra_section(&mut out);
    if main || REPORTS_FINDINGS.contains(&cmd.get_name().trim_start_matches("daneguard-")) {
        out.extend(findings_section().render().into_bytes());
    }
    out.extend(exit_status_section().render().into_bytes());
    if !main {
        out.extend(see_also_section().render().into_bytes());
    }
    let _ = man.render_version_section(&mut out);
    out
}

/// Subcommands whose output is made of findings.
const REPORTS_FINDINGS: &[&str] = &["check", "renew-check", "certbot-hook", "zone"];

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

fn exit_status_section() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in ExitStatus::TABLE {
        roff.control("TP", []);
        roff.text([bold(code.to_string())]);
        roff.text([roman(meaning)]);
    }
    roff
}

fn see_also_section() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["SEE ALSO"]);
    roff.text([bold("daneguard"), roman("(1)")]);
    roff
}
