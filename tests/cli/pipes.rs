//! A closed stdout (`daneguard … | head -1`) neither panics nor changes the exit status,
//! and negative numbers get a plain message (issue 13).

use std::process::{Command, Stdio};

use crate::util::{root, run};

/// Runs `daneguard ARGS` with the read end of its stdout closed before it writes.
fn closed_stdout(args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_daneguard"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("daneguard runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn completions_into_a_closed_pipe_do_not_panic() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stderr) = closed_stdout(&["completions", shell]);
        assert_eq!((code, stderr.as_str()), (0, ""), "{shell}");
    }
}

#[test]
fn closed_pipe_keeps_the_findings_exit_status_1() {
    let zone = "testdata/zones/findings.example.com.zone";
    assert_eq!(run(&["zone", zone]).code, 1, "fixture has findings");
    let (code, stderr) = closed_stdout(&["zone", zone]);
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn closed_pipe_keeps_exit_status_0_and_2() {
    let chain = "testdata/pki/mx-p256/fullchain.pem";
    assert_eq!(
        closed_stdout(&["generate", "--host", "mx.example.com", chain]).0,
        0
    );
    let (code, stderr) = closed_stdout(&["generate", "testdata/no-such-file.pem"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn negative_ttl_is_named_as_out_of_range_not_as_an_unexpected_argument() {
    let out = run(&[
        "generate",
        "--ttl",
        "-1",
        "testdata/pki/mx-p256/fullchain.pem",
    ]);
    out.exact(
        2,
        "",
        "error: invalid value '-1' for '--ttl <SECONDS>': -1 is not in 0..=2147483647\n\nFor more information, try '--help'.\n",
    );
}
