//! The README's examples that need no server, run as written: each must print what
//! the README shows under it (stderr lines, `daneguard: …`, included).

use crate::util::{root, run};

/// One `$ daneguard …` line of a `console` block and the lines shown under it.
struct Example {
    line: usize,
    args: Vec<String>,
    shown: Vec<String>,
}

/// The examples whose file arguments are all in `testdata/` and that use no shell
/// (no variables, pipes or redirections): the others need a lab or a scratch folder.
fn offline_examples(readme: &str) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut in_console = false;
    let mut current: Option<Example> = None;
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            in_console = !in_console && line == "```console";
            examples.extend(current.take());
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            examples.extend(current.take());
            current = cmd
                .strip_prefix("daneguard ")
                .filter(|c| !c.contains(['$', '|', '>', '<', '#', '`']))
                .map(|c| Example {
                    line: i + 1,
                    args: words(c),
                    shown: Vec::new(),
                })
                .filter(|e| {
                    let server = ["--resolver", "--config", "--connect", "--server"];
                    e.args.iter().all(|a| {
                        !server.contains(&a.as_str())
                            && (a.starts_with('-')
                                || !a.contains('/')
                                || (a.starts_with("testdata/") && root().join(a).exists()))
                    })
                });
        } else if let Some(e) = current.as_mut() {
            e.shown.push(line.to_string());
        }
    }
    examples
}

/// Whether the key file a permission warning names is readable by group or others
/// here (the README shows the warning a usual checkout, mode 644, gets).
fn group_readable(warning: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = warning
        .strip_prefix("daneguard: warning: ")
        .and_then(|w| w.split(": ").next())
    else {
        return true;
    };
    std::fs::metadata(root().join(path)).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
}

/// Splits a command line as a shell would for plain words and double quotes.
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in cmd.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    out.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

#[test]
fn readme_examples_print_what_the_readme_shows() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let examples = offline_examples(&readme);
    assert!(
        examples.len() >= 8,
        "found only {} examples",
        examples.len()
    );
    let mut wrong = Vec::new();
    for e in &examples {
        let args: Vec<&str> = e.args.iter().map(String::as_str).collect();
        let r = run(&args);
        let mut printed: Vec<String> = r.stderr.lines().map(str::to_string).collect();
        printed.extend(r.stdout.lines().map(str::to_string));
        // in a checkout made with umask 077 the test keys are private already
        let shown: Vec<String> = e
            .shown
            .iter()
            .filter(|l| !l.contains("holds a private key but is readable") || group_readable(l))
            .cloned()
            .collect();
        // an example cut short shows a line "…" for what it leaves out
        let same = match shown.iter().position(|l| l == "…") {
            Some(i) => {
                let (head, tail) = (&shown[..i], &shown[i + 1..]);
                printed.len() >= head.len() + tail.len()
                    && printed.starts_with(head)
                    && printed.ends_with(tail)
            }
            None => printed == shown,
        };
        if !same {
            wrong.push(format!(
                "README.md:{}: daneguard {}\n--- README\n{}\n--- printed\n{}",
                e.line,
                e.args.join(" "),
                shown.join("\n"),
                printed.join("\n")
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
