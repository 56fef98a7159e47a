//! A real Dovecot 2.3 and a real Exim 4.96 serve the combined file `daneguard deploy`
//! writes: `tests/dovecot/deploy-e2e.sh` shows that Dovecot loads it for both
//! `ssl_cert` and `ssl_key`, keeps presenting the old key to new connections after the
//! file was replaced until `doveadm reload`, and that Exim (`tls_certificate` alone)
//! presents the new key within seconds without any reload.
//!
//! Needs root or passwordless sudo, Dovecot (`dovecot-imapd`), Knot and Unbound, and for
//! Exim an extracted `exim4-daemon-light` in `target/exim/root` (Debian's exim4 conflicts
//! with postfix, so `.ci/test` unpacks it with `dpkg-deb -x` instead of installing it).
//! With DANEGUARD_INTEROP=1 (set by `.ci/test`) a missing piece fails the test.

use std::path::PathBuf;
use std::process::Command;

use crate::postfix::{can_be_root, have_all};
use crate::util::root;

/// Every Dovecot check of the script, in order.
const DOVECOT_STEPS: &[&str] = &[
    "first-stage-waits",
    "first-deploy",
    "first-deployed",
    "first-file-key",
    "first-file-layout",
    "first-file-mode",
    "dovecot-imaps-old",
    "dovecot-starttls-old",
    "dovecot-live-993",
    "dovecot-live-143",
    "exim-smtp-old",
    "exim-live-25",
    "stage-no-record",
    "stage-says-publish",
    "stage-file-unchanged",
    "stage-imaps-old",
    "publish-first-look",
    "publish-deployable-from",
    "deploy-exit",
    "deploy-deployed",
    "deploy-reload-ran",
    "deploy-reload-count",
    "deploy-file-key",
    "deploy-file-cert",
    "deploy-file-layout",
    "deploy-file-mode",
    "exim-new-without-reload",
    "exim-same-daemon",
    "noreload-imaps-old-1",
    "noreload-starttls-old-1",
    "noreload-imaps-old-2",
    "noreload-starttls-old-2",
    "noreload-imaps-old-3",
    "noreload-starttls-old-3",
    "noreload-live-993-fails",
    "noreload-live-143-fails",
    "noreload-live-993-no-match",
    "noreload-exim-live-25",
    "reload-imaps-new",
    "reload-starttls-new",
    "reload-live-993",
    "reload-live-143",
    "reload-logged",
    "rollback-exit",
    "rollback-message",
    "rollback-reloaded",
    "rollback-file-key",
    "rollback-imaps-old",
    "rollback-starttls-old",
];

/// The extracted Exim, when `.ci/test` has unpacked it.
fn exim_root() -> Option<PathBuf> {
    let dir = root().join("target/exim/root");
    dir.join("usr/sbin/exim4").is_file().then_some(dir)
}

/// The steps a run must have made: without Exim, its steps are left out.
fn expected_steps(with_exim: bool) -> Vec<&'static str> {
    DOVECOT_STEPS
        .iter()
        .copied()
        .filter(|s| with_exim || !s.contains("exim"))
        .collect()
}

#[test]
fn dovecot_keeps_the_old_key_until_reload_and_exim_does_not() {
    let required = std::env::var_os("DANEGUARD_INTEROP").is_some();
    let tools = [
        "dovecot", "doveadm", "knotd", "knotc", "kdig", "unbound", "unshare",
    ];
    let exim = exim_root();
    let imap_login = std::path::Path::new("/usr/lib/dovecot/imap-login").exists();
    if !have_all(&tools) || !imap_login || !can_be_root() || exim.is_none() {
        assert!(
            !required,
            "DANEGUARD_INTEROP is set but one of {tools:?}, dovecot-imapd or target/exim/root is missing, or neither root nor passwordless sudo; run .ci/test"
        );
        if !have_all(&tools) || !imap_login || !can_be_root() {
            eprintln!(
                "note: the Dovecot test needs root, dovecot-imapd, knot and unbound; nothing checked"
            );
            return;
        }
        eprintln!("note: no target/exim/root (run .ci/test): Dovecot only, Exim not checked");
    }
    let out = tempfile::Builder::new()
        .prefix("dg-dovecot")
        .tempdir_in("/tmp")
        .expect("tempdir");
    let mut cmd = Command::new("timeout");
    // bounded (about 50 s alone); TERM lets the script stop its daemons
    cmd.args(["-k", "10", "170", "bash"])
        .arg(root().join("tests/dovecot/deploy-e2e.sh"))
        .arg(out.path())
        .env("DANEGUARD", env!("CARGO_BIN_EXE_daneguard"));
    match &exim {
        Some(dir) => cmd.env("EXIM_ROOT", dir),
        None => cmd.env_remove("EXIM_ROOT"),
    };
    let status = cmd.status().expect("tests/dovecot/deploy-e2e.sh runs");
    let steps = std::fs::read_to_string(out.path().join("steps.tsv")).unwrap_or_default();
    // printed, not put into the assertion messages: libtest shows a failed test's output
    println!("{steps}");
    assert!(
        status.success(),
        "tests/dovecot/deploy-e2e.sh failed: {status}"
    );
    let ran: Vec<(&str, &str)> = steps
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 4, "bad steps.tsv line: {l}");
            (f[0], f[3])
        })
        .collect();
    let names: Vec<&str> = ran.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, expected_steps(exim.is_some()), "the script's checks");
    assert!(ran.iter().all(|(_, ok)| *ok == "ok"), "{steps}");
}
