//! Test harness: runs the real binary, and independent oracles (openssl).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root (where `testdata/` lives).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A finished run of the binary, printed in full when an assertion fails.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}---",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    /// Asserts the exit status, showing the whole run otherwise.
    pub fn code(&self, expected: i32) -> &Run {
        assert_eq!(self.code, expected, "unexpected exit status:\n{self:?}");
        self
    }
}

/// Runs `daneguard ARGS` in the repository root with no stdin.
pub fn run(args: &[&str]) -> Run {
    run_with(args, None, &[])
}

/// `daneguard generate --no-comments --host mx.example.com ARGS…`: records alone.
pub fn generate_bare(args: &[&str]) -> Run {
    let mut all = vec!["generate", "--no-comments", "--host", "mx.example.com"];
    all.extend_from_slice(args);
    run(&all)
}

/// Runs `daneguard ARGS` with optional stdin bytes and extra environment variables.
pub fn run_with(args: &[&str], stdin: Option<&[u8]>, vars: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_daneguard"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("RENEWED_LINEAGE")
        .env_remove("RENEWED_DOMAINS")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("the daneguard binary runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(bytes).expect("write stdin");
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for daneguard");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Runs a shell pipeline and returns its trimmed stdout; panics when it fails.
pub fn sh(script: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(root())
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "`{script}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_string()
}

/// TLSA association data computed by openssl alone (the independent oracle):
/// selector 0 = the DER certificate, 1 = the DER SubjectPublicKeyInfo;
/// matching 0 = the bytes, 1 = SHA-256, 2 = SHA-512. `cert` is a PEM file whose
/// first certificate is used.
pub fn openssl_tlsa(cert: &Path, selector: u8, matching: u8) -> String {
    let cert = cert.display();
    let select = match selector {
        0 => format!("openssl x509 -in '{cert}' -outform DER"),
        1 => format!("openssl x509 -in '{cert}' -noout -pubkey | openssl pkey -pubin -outform DER"),
        _ => panic!("selector {selector}"),
    };
    let hash = match matching {
        0 => "cat",
        1 => "openssl dgst -sha256 -binary",
        2 => "openssl dgst -sha512 -binary",
        _ => panic!("matching {matching}"),
    };
    sh(&format!("{select} | {hash} | od -An -vtx1 | tr -d ' \\n'"))
}

/// `3 1 1`-style data of a private or public key file, computed by openssl.
pub fn openssl_key_spki_sha256(key: &Path, public: bool) -> String {
    let pubin = if public { "-pubin" } else { "" };
    sh(&format!(
        "openssl pkey {pubin} -in '{}' -pubout -outform DER | openssl dgst -sha256 -binary | od -An -vtx1 | tr -d ' \\n'",
        key.display()
    ))
}

/// Path under `testdata/`.
pub fn td(rel: &str) -> PathBuf {
    root().join("testdata").join(rel)
}

impl Run {
    /// Asserts the exit status, stdout and stderr exactly.
    pub fn exact(&self, code: i32, stdout: &str, stderr: &str) {
        assert_eq!(self.code, code, "unexpected exit status:\n{self:?}");
        assert_eq!(self.stdout, stdout, "unexpected stdout:\n{self:?}");
        assert_eq!(self.stderr, stderr, "unexpected stderr:\n{self:?}");
    }

    /// Asserts a failure: exit status 2, nothing on stdout and exactly `line` on stderr.
    pub fn fails_with(&self, line: &str) {
        self.exact(2, "", &format!("{line}\n"));
    }
}

/// `;; subject=` / `;; issuer=` / `;; notBefore=` / `;; notAfter=` lines of the first
/// certificate in `cert`, as openssl prints them (chaingen's comment block).
pub fn openssl_comments(cert: &Path) -> String {
    sh(&format!(
        "openssl x509 -in '{}' -noout -subject -issuer -dates",
        cert.display()
    ))
    .lines()
    .map(|l| format!(";; {l}\n"))
    .collect()
}

/// Splits the certificates of a PEM file into `0.pem`, `1.pem`, … in a new temporary
/// directory (kept alive by the returned guard), in file order.
pub fn split_certs(pem: &Path) -> (tempfile::TempDir, Vec<PathBuf>) {
    let text = std::fs::read_to_string(pem).expect("read PEM");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line == "-----BEGIN CERTIFICATE-----" {
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
        if line == "-----END CERTIFICATE-----" {
            let path = dir.path().join(format!("{}.pem", files.len()));
            std::fs::write(&path, current.take().expect("BEGIN before END")).expect("write");
            files.push(path);
        }
    }
    (dir, files)
}

/// Copies `src` into a new temporary directory with the given file mode.
#[cfg(unix)]
pub fn copy_with_mode(src: &Path, mode: u32) -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let dst = dir.path().join(src.file_name().expect("a file name"));
    std::fs::copy(src, &dst).expect("copy");
    std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(mode)).expect("chmod");
    (dir, dst)
}
