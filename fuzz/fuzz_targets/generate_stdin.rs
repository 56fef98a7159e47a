//! The whole `daneguard generate -` run in-process on the input as stdin: parsing,
//! chain ordering, sanity notes, record sets and every output format.
//! Properties: no panic; exit status 0 or 2; nothing on stdout or stderr that a
//! terminal would interpret (controls other than newline, bidi overrides), except
//! that JSON may carry what JSON allows (its own escapes for C0 controls).
#![no_main]

use daneguard::env::Env;
use daneguard_fuzz::assert_clean;
use libfuzzer_sys::fuzz_target;

const FORMATS: [&str; 5] = ["zone", "table", "json", "nsupdate", "generic"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let format = FORMATS[usize::from(selector & 7) % FORMATS.len()];
    let mut args = vec!["daneguard", "generate", "--format", format];
    if selector & 0x08 != 0 {
        args.extend(["--set", "chaingen"]);
    } else if selector & 0x10 != 0 {
        args.extend(["--records", "3 1 0, 2 0 2, 3 1 2"]);
    }
    if selector & 0x20 != 0 {
        // Without --host the leaf's first DNS name (attacker-chosen text) is used.
        args.extend(["--host", "mx.example.com"]);
    }
    args.push("-");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin = input;
    let mut env = Env {
        out: &mut out,
        err: &mut err,
        stdin: &mut stdin,
        now: 1_767_225_600, // 2026-01-01T00:00:00Z
        out_is_terminal: false,
        vars: &|_| None,
        // Only stdin is read: no file exists for it.
        files: &daneguard::env::fake::FakeFiles::default(),
        // generate never touches the network: the scripted (empty) world is enough.
        dns: &daneguard::env::fake::Offline,
        prober: &daneguard::env::fake::Offline,
        runtime: &daneguard::env::AsyncRuntime::default(),
    };
    let status = daneguard::run(args, &mut env).code();
    assert!(status == 0 || status == 2, "exit status {status}");
    let out = String::from_utf8(out).expect("stdout is UTF-8");
    let err = String::from_utf8(err).expect("stderr is UTF-8");
    assert_clean("stderr", &err);
    if format == "json" {
        assert!(
            !out.chars().any(|c| c < ' ' && c != '\n'),
            "raw C0 control in JSON: {out:?}"
        );
    } else {
        assert_clean("stdout", &out);
    }
    if status == 2 {
        assert!(out.is_empty(), "stdout on failure: {out:?}");
        let errors = err.lines().filter(|l| l.starts_with("daneguard: error: "));
        assert_eq!(errors.count(), 1, "{err:?}");
    }
});
