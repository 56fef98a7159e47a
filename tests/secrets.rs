//! Private key material never reaches stdout or stderr, whatever subcommand and format
//! reads a file holding a private key; and a private key file readable by group or
//! others gets a warning, one readable by its owner only does not.
//!
//! What counts as key material, for every key file: each base64 line (16 characters
//! or more) of the PRIVATE KEY block, the DER of the block as hex (lower and upper
//! case), and the private values as `openssl pkey -text` prints them (EC/Ed25519
//! `priv`; RSA `privateExponent`, `prime1`, `prime2`, `exponent1`, `exponent2`,
//! `coefficient`), as hex without colons in both cases and as raw bytes.

#[allow(dead_code)]
#[path = "cli/util.rs"]
mod util;

use std::path::{Path, PathBuf};

use util::{Run, copy_with_mode, root, run_with, sh, td};

/// Every file under testdata/ that holds a private key.
fn key_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(td("pki/forms"))
        .expect("testdata/pki/forms")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "key"))
        .collect();
    for dir in std::fs::read_dir(td("pki")).expect("testdata/pki") {
        let key = dir.expect("entry").path().join("privkey.pem");
        if key.exists() {
            files.push(key);
        }
    }
    files.push(td("pki/forms/combined-p256.pem"));
    files.sort();
    assert!(files.len() >= 10, "too few key files: {files:?}");
    files
}

/// The byte sequences of one file's private key that must never be printed.
struct Secrets {
    file: PathBuf,
    /// Text needles (base64 lines, DER hex, private values in hex).
    text: Vec<String>,
    /// Raw private values.
    raw: Vec<Vec<u8>>,
}

impl Secrets {
    fn of(file: &Path) -> Secrets {
        let pem = std::fs::read_to_string(file).expect("read key file");
        let mut text = Vec::new();
        let mut body = String::new();
        let mut in_key = false;
        for line in pem.lines() {
            if line.starts_with("-----BEGIN ") && line.ends_with("PRIVATE KEY-----") {
                in_key = true;
            } else if line.starts_with("-----END ") {
                in_key = false;
            } else if in_key {
                body.push_str(line.trim());
                if line.trim().len() >= 16 {
                    text.push(line.trim().to_string());
                }
            }
        }
        assert!(!body.is_empty(), "{}: no private key block", file.display());
        let der_hex = sh(&format!(
            "printf '%s' '{body}' | openssl base64 -d -A | od -An -vtx1 | tr -d ' \\n'"
        ));
        assert!(der_hex.len() > 64, "{}: DER {der_hex}", file.display());
        text.push(der_hex.to_ascii_uppercase());
        text.push(der_hex);
        let mut raw = Vec::new();
        for value in private_values(file) {
            text.push(value.to_ascii_uppercase());
            raw.push(hex::decode(&value).expect("hex"));
            text.push(value);
        }
        Secrets {
            file: file.to_path_buf(),
            text,
            raw,
        }
    }

    /// Fails when any needle appears in the run's output.
    fn absent_from(&self, what: &str, run: &Run) {
        for stream in [&run.stdout, &run.stderr] {
            for needle in &self.text {
                assert!(
                    !stream.contains(needle.as_str()),
                    "{what}: key material of {} ({needle}) was printed:\n{run:?}",
                    self.file.display()
                );
            }
            for needle in &self.raw {
                assert!(
                    !stream.as_bytes().windows(needle.len()).any(|w| w == needle),
                    "{what}: raw private value of {} was printed:\n{run:?}",
                    self.file.display()
                );
            }
        }
    }
}

/// The private values `openssl pkey -text -noout` prints, as lowercase hex without
/// colons or leading zero bytes.
fn private_values(file: &Path) -> Vec<String> {
    const SECRET: [&str; 7] = [
        "priv",
        "privateExponent",
        "prime1",
        "prime2",
        "exponent1",
        "exponent2",
        "coefficient",
    ];
    let dump = sh(&format!(
        "openssl pkey -in '{}' -text -noout",
        file.display()
    ));
    let mut values = Vec::new();
    let mut current: Option<String> = None;
    for line in dump.lines() {
        if !line.starts_with(' ') {
            if let Some(v) = current.take() {
                values.push(v);
            }
            let name = line.trim_end_matches(':');
            if SECRET.contains(&name) {
                current = Some(String::new());
            }
        } else if let Some(v) = current.as_mut() {
            v.extend(line.chars().filter(char::is_ascii_hexdigit));
        }
    }
    values.extend(current);
    let values: Vec<String> = values
        .into_iter()
        .map(|mut v| {
            while v.starts_with("00") && v.len() > 2 {
                v.drain(..2);
            }
            v.to_ascii_lowercase()
        })
        .collect();
    assert!(
        !values.is_empty() && values.iter().all(|v| v.len() >= 32),
        "{}: private values not found in:\n{dump}",
        file.display()
    );
    values
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root())
        .unwrap_or(p)
        .to_str()
        .expect("UTF-8 path")
        .to_string()
}

fn run(args: &[&str]) -> Run {
    run_with(args, None, &[])
}

#[test]
fn needles_are_found_when_present() {
    // The check itself: the DER hex and scalar of a key are found in `openssl pkey -text`.
    let key = td("pki/forms/p256-sec1.key");
    let s = Secrets::of(&key);
    let dump = sh(&format!(
        "openssl pkey -in '{}' -text -noout | tr -d ' :\\n'",
        key.display()
    ));
    let fake = Run {
        code: 0,
        stdout: dump,
        stderr: String::new(),
    };
    let caught = std::panic::catch_unwind(|| s.absent_from("self-check", &fake));
    assert!(caught.is_err(), "the private scalar was not detected");
}

#[test]
fn generate_never_prints_key_material() {
    for key in key_files() {
        let s = Secrets::of(&key);
        let path = rel(&key);
        for format in ["zone", "table", "json", "nsupdate", "generic"] {
            let r = run(&[
                "generate",
                "--host",
                "mx.example.com",
                "--format",
                format,
                &path,
            ]);
            assert_eq!(r.code, 0, "{r:?}");
            s.absent_from(&format!("generate --format {format}"), &r);
        }
        let r = run(&[
            "generate",
            "--host",
            "mx.example.com",
            "--set",
            "chaingen",
            &path,
        ]);
        s.absent_from("generate --set chaingen", &r);
        // Full SPKI (3 1 0) is printed: the public half only.
        let r = run(&[
            "generate",
            "--host",
            "mx.example.com",
            "--records",
            "3 1 0, 3 1 2, 3 0 0",
            "--format",
            "json",
            &path,
        ]);
        s.absent_from("generate --records '3 1 0, 3 1 2, 3 0 0'", &r);
        // Without --host a lone key is a usage error that names the file.
        let r = run(&["generate", &path]);
        s.absent_from("generate without --host", &r);
        let bytes = std::fs::read(&key).expect("read");
        let r = run_with(
            &["generate", "--host", "mx.example.com", "-"],
            Some(&bytes),
            &[],
        );
        assert_eq!(r.code, 0, "{r:?}");
        s.absent_from("generate - (stdin)", &r);
    }
}

#[test]
fn renew_check_never_prints_key_material() {
    let records = "testdata/renewal/p256-ee.records";
    for key in key_files() {
        let s = Secrets::of(&key);
        let path = rel(&key);
        for format in ["text", "json"] {
            for (current, next) in [
                ("testdata/pki/mx-p256", path.as_str()),
                (path.as_str(), path.as_str()),
                (path.as_str(), "testdata/pki/mx-p256-newkey"),
            ] {
                let r = run(&[
                    "renew-check",
                    "mx.example.com",
                    "--current",
                    current,
                    "--next",
                    next,
                    "--records",
                    records,
                    "--format",
                    format,
                ]);
                assert!(matches!(r.code, 0..=2), "{r:?}");
                s.absent_from(
                    &format!("renew-check --current {current} --next {next} --format {format}"),
                    &r,
                );
            }
        }
    }
}

/// A small zone with TLSA records for mx.example.com (the mx-p256 key, 3 1 1 and 3 1 0).
fn zone_file(dir: &Path) -> PathBuf {
    let spki = util::openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 0);
    let digest = util::openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let text = format!(
        "$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 900 604800 300\n  IN NS ns1\n  IN MX 10 mx\nns1 IN A 192.0.2.53\nmx IN A 192.0.2.25\n_25._tcp.mx IN TLSA 3 1 1 {digest}\n_25._tcp.mx IN TLSA 3 1 0 {spki}\n"
    );
    let path = dir.join("example.com.zone");
    std::fs::write(&path, text).expect("write zone");
    path
}

#[test]
fn zone_never_prints_key_material() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = zone_file(dir.path());
    let zone = zone.to_str().expect("UTF-8");
    for key in key_files() {
        let s = Secrets::of(&key);
        let chain = format!("mx.example.com={}", rel(&key));
        for format in ["text", "json", "github"] {
            let r = run(&["zone", zone, "--chain", &chain, "--format", format]);
            assert!(matches!(r.code, 0..=2), "{r:?}");
            s.absent_from(&format!("zone --chain {chain} --format {format}"), &r);
        }
        // The same file through --config.
        let config = dir.path().join("dane.toml");
        std::fs::write(
            &config,
            format!(
                "[hosts.\"mx.example.com\"]\nchain = \"{}\"\n",
                key.display()
            ),
        )
        .expect("write config");
        let r = run(&["zone", zone, "--config", config.to_str().expect("UTF-8")]);
        s.absent_from("zone --config", &r);
    }
}

/// A chain file that also holds the key (Postfix style) works in every subcommand.
#[test]
fn combined_key_and_chain_is_used_as_the_chain() {
    let path = "testdata/pki/forms/combined-p256.pem";
    let r = run(&[
        "generate",
        "--host",
        "mx.example.com",
        "--no-comments",
        path,
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("PEM block 1 (private key) ignored: only the certificates are used, and key material is never printed"),
        "{r:?}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = zone_file(dir.path());
    let r = run(&[
        "zone",
        zone.to_str().expect("UTF-8"),
        "--chain",
        &format!("mx.example.com={path}"),
    ]);
    assert!(matches!(r.code, 0 | 1), "{r:?}");
}

// --- permission warnings ------------------------------------------------------------

const WARNING: &str = "holds a private key but is readable by group or others";

fn key_copy(src: &Path, mode: u32) -> (tempfile::TempDir, String) {
    let (dir, path) = copy_with_mode(src, mode);
    let shown = path.to_str().expect("UTF-8").to_string();
    (dir, shown)
}

#[test]
fn readable_key_file_gets_a_warning_and_a_private_one_does_not() {
    for key in key_files() {
        let (_d644, open) = key_copy(&key, 0o644);
        let (_d600, private) = key_copy(&key, 0o600);
        let (_d640, group) = key_copy(&key, 0o640);
        let r = run(&["generate", "--host", "mx.example.com", &open]);
        assert_eq!(r.code, 0, "{r:?}");
        let line = format!("daneguard: warning: {open}: {WARNING} (mode 644); consider chmod 600");
        assert!(r.stderr.lines().any(|l| l == line), "no {line:?}:\n{r:?}");
        let r = run(&["generate", "--host", "mx.example.com", &group]);
        assert!(
            r.stderr.contains(&format!("{group}: {WARNING} (mode 640)")),
            "{r:?}"
        );
        let r = run(&["generate", "--host", "mx.example.com", &private]);
        assert_eq!(r.code, 0, "{r:?}");
        assert!(
            !r.stderr.contains("warning"),
            "warning for a 0600 file:\n{r:?}"
        );
    }
}

#[test]
fn permission_warning_covers_renew_check_and_zone() {
    let key = td("pki/forms/combined-p256.pem");
    let (_d644, open) = key_copy(&key, 0o644);
    let (_d600, private) = key_copy(&key, 0o600);
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = zone_file(dir.path());
    let zone = zone.to_str().expect("UTF-8");
    for (file, warned) in [(&open, true), (&private, false)] {
        let runs = [
            run(&[
                "renew-check",
                "mx.example.com",
                "--current",
                "testdata/pki/mx-p256",
                "--next",
                file,
                "--records",
                "testdata/renewal/p256-ee.records",
            ]),
            run(&["zone", zone, "--chain", &format!("mx.example.com={file}")]),
        ];
        for r in runs {
            assert!(matches!(r.code, 0 | 1), "{r:?}");
            assert_eq!(r.stderr.contains(WARNING), warned, "{r:?}");
        }
    }
}

/// Reading the key from stdin cannot be judged by file mode: no warning.
#[test]
fn stdin_key_gets_no_permission_warning() {
    let bytes = std::fs::read(td("pki/forms/p256-pkcs8.key")).expect("read");
    let r = run_with(
        &["generate", "--host", "mx.example.com", "-"],
        Some(&bytes),
        &[],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!r.stderr.contains(WARNING), "{r:?}");
}
