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
