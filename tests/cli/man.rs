//! The committed man pages must be what the current clap definitions generate.
//! Regenerate with `DANEGUARD_UPDATE_MAN=1 cargo test man_pages`.

use crate::util::{root, run};

#[test]
fn man_pages_are_current() {
    let dir = root().join("man");
    let update = std::env::var_os("DANEGUARD_UPDATE_MAN").is_some();
    let mut stale = Vec::new();
    for (name, contents) in daneguard::render::man::pages() {
        let path = dir.join(&name);
        if update {
            std::fs::write(&path, &contents).expect("write man page");
        } else if std::fs::read(&path).ok().as_deref() != Some(contents.as_slice()) {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "man pages differ from the clap definitions: {stale:?}; run DANEGUARD_UPDATE_MAN=1 cargo test man_pages"
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = run(&["completions", shell]);
        r.code(0);
        assert!(r.stdout.contains("generate"), "{shell}: {r:?}");
        assert!(r.stderr.is_empty(), "{r:?}");
    }
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let r = run(&["generate"]);
    r.code(2);
    assert!(r.stderr.contains("required"), "{r:?}");
    let r = run(&["--help"]);
    r.code(0);
    assert!(r.stdout.contains("generate"), "{r:?}");
    let r = run(&["generate", "--port", "99999", "x"]);
    r.code(2);
}

#[test]
fn readme_lists_every_finding_code_and_exit_status() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    for code in daneguard::findings::Code::ALL {
        assert!(
            readme.contains(&format!("| `{}` |", code.as_str())),
            "README lacks finding code {}",
            code.as_str()
        );
    }
    for (status, _) in daneguard::exit::ExitStatus::TABLE {
        assert!(
            readme.contains(&format!("| {status} |")),
            "README lacks exit status {status}"
        );
    }
}

/// A page rendered as text by man(1)'s formatter, or the roff source if groff is
/// missing (the section headings are the same words either way).
fn page(name: &str) -> String {
    let path = root().join("man").join(name);
    std::fs::read_to_string(&path).expect("man page")
}

#[test]
fn man_pages_have_examples_environment_files_exit_status_and_runnable_synopses() {
    for (name, _) in daneguard::render::man::pages() {
        let text = page(&name);
        for section in ["EXAMPLES", "ENVIRONMENT", "FILES", "EXIT STATUS"] {
            assert!(
                text.contains(&format!(".SH \"{section}\""))
                    || text.contains(&format!(".SH {section}")),
                "{name} lacks {section}"
            );
        }
        assert!(!text.contains(".SH EXTRA"), "{name} still has EXTRA");
        assert!(text.contains("NO_COLOR"), "{name}");
        let sub = name.trim_end_matches(".1").strip_prefix("daneguard-");
        let synopsis = match sub {
            Some(s) => format!(".SH SYNOPSIS\n\\fBdaneguard {}\\fR", s.replace('-', "\\-")),
            None => ".SH SYNOPSIS\n\\fBdaneguard\\fR [OPTIONS] <COMMAND>".to_string(),
        };
        assert!(
            text.contains(&synopsis),
            "{name}: no runnable SYNOPSIS:\n{text}"
        );
    }
    let check = page("daneguard-check.1");
    assert!(
        check.contains("With \\-\\-format nagios"),
        "nagios mapping missing"
    );
    for (code, _) in daneguard::exit::PluginState::TABLE {
        assert!(
            check.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "nagios {code}"
        );
    }
    let hook = page("daneguard-certbot-hook.1");
    assert!(hook.contains("RENEWED_LINEAGE") && hook.contains("RENEWED_DOMAINS"));
}

#[test]
fn examples_in_help_and_man_pages_are_the_same() {
    for sub in [
        "generate",
        "check",
        "renew-check",
        "certbot-hook",
        "zone",
        "completions",
    ] {
        let help = run(&[sub, "--help"]);
        help.code(0);
        // --help wraps long lines.
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        let shown = words(&help.stdout);
        let man = page(&format!("daneguard-{sub}.1"));
        for e in daneguard::render::examples::of(Some(sub)) {
            assert!(
                shown.contains(&words(e.command)),
                "{sub} --help lacks {}",
                e.command
            );
            // roff escapes '-' and '\''.
            let escaped = e.command.replace('-', "\\-").replace('\'', "\\*(Aq");
            assert!(man.contains(&escaped), "{sub} man page lacks {escaped}");
        }
    }
}
