//! Hostile inputs (`testdata/hostile/`, made by `make-hostile.sh`; see its README.md):
//! `daneguard generate FILE` never panics, never hangs, and refuses unusable input with
//! exit status 2 and exactly one `daneguard: error: PATH: …` line. Untrusted text from
//! certificates and file names reaches the terminal escaped.

#[allow(dead_code)]
#[path = "cli/util.rs"]
mod util;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use util::root;

/// Hang guard, not a benchmark: every run here takes well under a second on its own,
/// but test binaries run in parallel on small CI machines with a debug build.
const HANG_GUARD: Duration = Duration::from_secs(10);

/// A finished run with raw output (hostile input may try to produce anything).
struct Out {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cut = |b: &[u8]| {
            let s = String::from_utf8_lossy(&b[..b.len().min(4000)]).into_owned();
            if b.len() > 4000 {
                format!("{s}… ({} bytes)", b.len())
            } else {
                s
            }
        };
        write!(
            f,
            "exit {} after {:?}\n--- stdout\n{}--- stderr\n{}---",
            self.code,
            self.elapsed,
            cut(&self.stdout),
            cut(&self.stderr)
        )
    }
}

impl Out {
    fn stdout(&self) -> &str {
        std::str::from_utf8(&self.stdout).unwrap_or_else(|_| panic!("stdout is UTF-8:\n{self:?}"))
    }

    fn stderr(&self) -> &str {
        std::str::from_utf8(&self.stderr).unwrap_or_else(|_| panic!("stderr is UTF-8:\n{self:?}"))
    }

    /// No panic: exit status 0, 1 or 2 (not a signal, not Rust's 101) and no panic text.
    fn no_panic(&self) -> &Out {
        assert!(
            matches!(self.code, 0..=2),
            "exit status {} is not 0, 1 or 2:\n{self:?}",
            self.code
        );
        let err = String::from_utf8_lossy(&self.stderr);
        assert!(!err.contains("panicked"), "panic:\n{self:?}");
        assert!(!err.contains("RUST_BACKTRACE"), "panic:\n{self:?}");
        self
    }

    /// Not usable: exit 2, nothing on stdout, one line `daneguard: error: PATH: …`
    /// whose message contains `phrase`.
    fn unusable(&self, path: &str, phrase: &str) {
        self.no_panic();
        assert_eq!(self.code, 2, "expected exit status 2:\n{self:?}");
        assert!(self.stdout.is_empty(), "stdout on failure:\n{self:?}");
        let err = self.stderr();
        let prefix = format!("daneguard: error: {path}: ");
        assert!(
            err.starts_with(&prefix) && err.ends_with('\n') && err.lines().count() == 1,
            "expected exactly one line starting with {prefix:?}:\n{self:?}"
        );
        assert!(
            err.len() > prefix.len() + 1,
            "empty error message:\n{self:?}"
        );
        assert!(
            err.contains(phrase),
            "expected {phrase:?} in the error:\n{self:?}"
        );
    }

    /// No ESC byte and no other terminal control on stdout or stderr (a newline is
    /// fine: only whole lines are printed). JSON output may hold non-ASCII controls
    /// such as U+202E as characters; pass `json` to allow those on stdout.
    fn no_terminal_controls(&self, json: bool) -> &Out {
        assert!(!self.stdout.contains(&0x1b), "ESC on stdout:\n{self:?}");
        assert!(!self.stderr.contains(&0x1b), "ESC on stderr:\n{self:?}");
        let bad = |c: char| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        };
        if let Some(c) = self.stderr().chars().find(|c| bad(*c)) {
            panic!("unescaped {c:?} on stderr:\n{self:?}");
        }
        let out = self.stdout();
        let c0 = |c: char| c < ' ' && c != '\n';
        if let Some(c) = out.chars().find(|c| if json { c0(*c) } else { bad(*c) }) {
            panic!("unescaped {c:?} on stdout:\n{self:?}");
        }
        self
    }
}

/// Runs `daneguard ARGS` in the repository root, killing it after [`HANG_GUARD`].
fn daneguard<S: AsRef<OsStr>>(args: &[S], stdin: Option<Vec<u8>>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_daneguard"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("RENEWED_LINEAGE")
        .env_remove("RENEWED_DOMAINS")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the daneguard binary runs");
    let start = Instant::now();
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // daneguard stops reading after its size limit: a broken pipe is expected.
        std::thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout is piped")));
    let err = drain(Box::new(child.stderr.take().expect("stderr is piped")));
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for daneguard") {
            break status;
        }
        if start.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "daneguard {:?} did not finish within {HANG_GUARD:?} (hang guard)",
                args.iter()
                    .map(|a| a.as_ref().to_owned())
                    .collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    if let Some(f) = feeder {
        f.join().expect("stdin feeder");
    }
    Out {
        code: status.code().unwrap_or(-1),
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
        elapsed,
    }
}

fn generate(args: &[&str]) -> Out {
    let mut all = vec!["generate"];
    all.extend(args);
    daneguard(&all, None)
}

/// `testdata/hostile/NAME`, as the path daneguard is given (relative to the root).
fn hostile(name: &str) -> String {
    let rel = format!("testdata/hostile/{name}");
    assert!(
        root().join(&rel).exists(),
        "{rel} is missing: run testdata/hostile/make-hostile.sh"
    );
    rel
}

/// The corpus: every file of testdata/hostile/ but the script and the README.
fn corpus() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("testdata/hostile"))
        .expect("testdata/hostile exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| !matches!(p.extension().and_then(OsStr::to_str), Some("sh" | "md")))
        .collect();
    files.sort();
    assert!(files.len() >= 19, "corpus incomplete: {files:?}");
    files
}

#[test]
fn no_hostile_file_makes_generate_panic_or_hang() {
    for file in corpus() {
        let path = file.to_str().expect("UTF-8 path");
        for format in ["zone", "table", "json", "nsupdate", "generic"] {
            generate(&["--format", format, path])
                .no_panic()
                .no_terminal_controls(format == "json");
        }
        generate(&["--set", "chaingen", "--host", "mx.example.com", path])
            .no_panic()
            .no_terminal_controls(false);
        generate(&[
            "--records",
            "3 1 0, 2 0 2",
            "--host",
            "mx.example.com",
            path,
        ])
        .no_panic()
        .no_terminal_controls(false);
    }
}

#[test]
fn no_hostile_file_on_stdin_makes_generate_panic_or_hang() {
    for file in corpus() {
        let bytes = std::fs::read(&file).expect("read corpus file");
        let out = daneguard(&["generate", "--host", "mx.example.com", "-"], Some(bytes));
        out.no_panic().no_terminal_controls(false);
        if out.code == 2 {
            let err = out.stderr();
            assert!(
                err.starts_with("daneguard: error: <stdin>: ") && err.lines().count() == 1,
                "{}:\n{out:?}",
                file.display()
            );
        }
    }
}

#[test]
fn empty_file_is_refused() {
    let p = hostile("empty.pem");
    generate(&[&p]).unusable(&p, "the file is empty");
}

#[test]
fn zero_length_pem_body_is_refused() {
    let p = hostile("zero-body.pem");
    generate(&[&p]).unusable(&p, "PEM block 1: CERTIFICATE: ");
}

#[test]
fn nested_begin_lines_are_refused() {
    let p = hostile("nested-begin.pem");
    generate(&[&p]).unusable(&p, "PEM block 1: a second BEGIN line");
}

#[test]
fn ten_mib_of_base64_is_refused_by_the_size_limit() {
    let p = hostile("base64-10mib.pem");
    generate(&[&p]).unusable(&p, "larger than 1048576 bytes");
}

#[test]
fn ten_mib_of_base64_on_stdin_is_refused_by_the_size_limit() {
    let bytes = std::fs::read(root().join(hostile("base64-10mib.pem"))).expect("read");
    daneguard(&["generate", "-"], Some(bytes)).unusable("<stdin>", "larger than 1048576 bytes");
}

#[test]
fn der_lengths_past_the_end_are_refused() {
    for name in [
        "der-length-past-end.der",
        "der-inner-length-past-end.der",
        "der-length-overflow.der",
    ] {
        let p = hostile(name);
        generate(&[&p]).unusable(&p, "not a valid X.509 certificate");
    }
    let p = hostile("der-length-past-end.pem");
    generate(&[&p]).unusable(
        &p,
        "PEM block 1: CERTIFICATE: not a valid X.509 certificate",
    );
}

#[test]
fn ten_thousand_nested_sequences_are_refused() {
    let p = hostile("nested-asn1-10000.der");
    generate(&[&p]).unusable(&p, "not a valid X.509 certificate");
    let p = hostile("nested-asn1-10000.pem");
    generate(&[&p]).unusable(
        &p,
        "PEM block 1: CERTIFICATE: not a valid X.509 certificate",
    );
}

/// An unknown, non-critical extension may hold anything; the certificate is usable.
#[test]
fn deep_nesting_inside_an_unknown_extension_is_harmless() {
    let p = hostile("nested-in-extension.pem");
    let out = generate(&["--no-comments", "--host", "mx.example.com", &p]);
    out.no_panic();
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout()
            .starts_with("_25._tcp.mx.example.com. IN TLSA 3 1 1 "),
        "{out:?}"
    );
}

#[test]
fn ten_thousand_san_names_do_not_panic_or_hang() {
    let p = hostile("san-10000.pem");
    for format in ["zone", "table", "json"] {
        generate(&["--format", format, &p])
            .no_panic()
            .no_terminal_controls(format == "json");
    }
    // A host that is not among the names makes daneguard list them in a note.
    generate(&["--host", "other.example.net", &p])
        .no_panic()
        .no_terminal_controls(false);
}

#[test]
fn ten_thousand_san_names_are_refused_with_a_limit() {
    let p = hostile("san-10000.pem");
    generate(&[&p]).unusable(&p, "subjectAltName");
}

#[test]
fn invalid_utf8_in_names_does_not_panic_or_leak_raw_bytes() {
    for name in ["invalid-utf8-subject.pem", "invalid-utf8-san.pem"] {
        let p = hostile(name);
        for format in ["zone", "table", "json"] {
            let out = generate(&["--format", format, "--host", "mx.example.com", &p]);
            out.no_panic().no_terminal_controls(format == "json");
            if format == "json" && out.code == 0 {
                serde_json::from_str::<serde_json::Value>(out.stdout()).expect("valid JSON");
            }
        }
    }
}

#[test]
fn invalid_utf8_in_the_subject_is_refused() {
    let p = hostile("invalid-utf8-subject.pem");
    generate(&[&p]).unusable(&p, "UTF-8");
}

#[test]
fn invalid_bytes_in_a_san_dns_name_are_refused() {
    let p = hostile("invalid-utf8-san.pem");
    generate(&[&p]).unusable(&p, "subjectAltName");
}

#[test]
fn certificate_block_holding_a_private_key_is_refused_without_echoing_it() {
    let p = hostile("private-key-as-certificate.pem");
    let out = generate(&[&p]);
    out.unusable(
        &p,
        "PEM block 1: CERTIFICATE: not a valid X.509 certificate",
    );
    let text = std::fs::read_to_string(root().join(&p)).expect("read");
    let body = text.lines().nth(1).expect("a base64 line");
    let err = out.stderr();
    assert!(!err.contains(body), "key material echoed:\n{out:?}");
    // The private scalar is the seed 40 41 … 5f.
    let scalar: String = (0x40..0x60).map(|b| format!("{b:02x}")).collect();
    assert!(!err.to_lowercase().contains(&scalar), "{out:?}");
}

#[test]
fn a_file_of_nul_bytes_is_refused() {
    let p = hostile("nul-bytes.bin");
    generate(&[&p]).unusable(&p, "does not start with an ASN.1 SEQUENCE");
}

#[test]
fn a_2_gb_sparse_file_is_refused_by_the_size_limit_without_reading_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("sparse-2g.pem");
    let file = std::fs::File::create(&path).expect("create");
    file.set_len(2 * 1024 * 1024 * 1024).expect("sparse 2 GB");
    drop(file);
    let shown = path.to_str().expect("UTF-8 path");
    let out = generate(&[shown]);
    out.unusable(shown, "larger than 1048576 bytes");
    assert!(out.elapsed < Duration::from_secs(5), "{out:?}");
    // The same file as a certbot lineage's fullchain.pem.
    let lineage = dir.path().join("live");
    std::fs::create_dir(&lineage).expect("mkdir");
    std::fs::rename(&path, lineage.join("fullchain.pem")).expect("move");
    let shown = lineage.join("fullchain.pem");
    generate(&[lineage.to_str().expect("UTF-8")])
        .unusable(shown.to_str().expect("UTF-8"), "larger than 1048576 bytes");
}

#[test]
fn unknown_block_label_with_escapes_is_shown_escaped() {
    let p = hostile("ansi-label.pem");
    let out = generate(&[&p]);
    out.unusable(&p, "only PEM block 1 (\\x1b[31mEVIL\\x1b[0m)");
    out.no_terminal_controls(false);
}

/// Found by the `generate_stdin` fuzz target: the two PEM framing errors of
/// `material::pem_blocks` put the raw BEGIN label into the message, so a label with
/// ESC sequences (here also an OSC title change) reached the terminal.
#[test]
fn label_of_a_broken_pem_block_is_shown_escaped() {
    let label = "\x1b[31mEVIL\x1b]0;pwned\x07";
    let shown = "\\x1b[31mEVIL\\x1b]0;pwned\\x07";
    let unterminated = format!("-----BEGIN {label}-----\nAAAA\n");
    let out = daneguard(&["generate", "-"], Some(unterminated.into_bytes()));
    out.unusable(
        "<stdin>",
        &format!("PEM block 1: the {shown} block has no END line"),
    );
    out.no_terminal_controls(false);
    let nested = format!("-----BEGIN {label}-----\nAAAA\n-----BEGIN CERTIFICATE-----\n");
    let out = daneguard(&["generate", "-"], Some(nested.into_bytes()));
    out.unusable(
        "<stdin>",
        &format!("a second BEGIN line comes before the END line of the {shown} block"),
    );
    out.no_terminal_controls(false);
}

#[test]
fn many_unknown_blocks_do_not_panic_or_hang() {
    let p = hostile("many-blocks.pem");
    let out = generate(&[&p]);
    out.no_panic().no_terminal_controls(false);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn many_unknown_blocks_make_a_bounded_number_of_notes() {
    let p = hostile("many-blocks.pem");
    let out = generate(&[&p]);
    assert!(out.stderr().lines().count() <= 20, "{out:?}");
}

// --- ANSI escapes, newlines and bidi controls in certificate names -----------------

const ANSI_CN: &str = "evil\x1b[31mred\x1b[0m\nline2 \u{202e}moc.elpmaxe";
const ANSI_SAN: &str = "evil\x1b[31m\nx\ty.example.com";
const ANSI_CN_SHOWN: &str = "evil\\x1b[31mred\\x1b[0m\\x0aline2 \\u{202e}moc.elpmaxe";

#[test]
fn ansi_subject_is_escaped_in_zone_output() {
    let p = hostile("ansi-subject.pem");
    for set in ["recommended", "chaingen"] {
        let out = generate(&["--set", set, "--host", "mx.example.com", &p]);
        out.no_panic().no_terminal_controls(false);
        assert_eq!(out.code, 0, "{out:?}");
        let lines: Vec<&str> = out.stdout().lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with(";; subject="))
            .unwrap_or_else(|| panic!("no subject line:\n{out:?}"));
        assert_eq!(
            lines[at],
            format!(";; subject=CN = {ANSI_CN_SHOWN}"),
            "{out:?}"
        );
        assert_eq!(
            lines[at + 1],
            format!(";; issuer=CN = {ANSI_CN_SHOWN}"),
            "{out:?}"
        );
        assert!(lines[at + 2].starts_with(";; notBefore="), "{out:?}");
        // Every line is a comment, a record or empty: no line was split by the name.
        for l in &lines {
            assert!(
                l.is_empty() || l.starts_with(";;") || l.starts_with("_25._tcp.mx.example.com. "),
                "stray line {l:?}:\n{out:?}"
            );
        }
    }
}

#[test]
fn ansi_subject_is_escaped_in_table_output() {
    let p = hostile("ansi-subject.pem");
    let out = generate(&["--format", "table", "--host", "mx.example.com", &p]);
    out.no_panic().no_terminal_controls(false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout().contains(&format!("0: CN = {ANSI_CN_SHOWN}")),
        "{out:?}"
    );
}

#[test]
fn ansi_subject_keeps_its_characters_as_json_escapes() {
    let p = hostile("ansi-subject.pem");
    let out = generate(&["--format", "json", "--host", "mx.example.com", &p]);
    out.no_panic().no_terminal_controls(true);
    assert_eq!(out.code, 0, "{out:?}");
    let raw = out.stdout();
    assert!(
        raw.contains("evil\\u001b[31mred\\u001b[0m\\nline2"),
        "{out:?}"
    );
    let doc: serde_json::Value = serde_json::from_str(raw).expect("valid JSON");
    let cert = &doc["inputs"][0]["certificates"][0];
    assert_eq!(cert["subject"], format!("CN = {ANSI_CN}"), "{out:?}");
    assert_eq!(cert["issuer"], format!("CN = {ANSI_CN}"), "{out:?}");
    assert_eq!(cert["dns_names"][0], ANSI_SAN, "{out:?}");
    assert_eq!(cert["dns_names"][1], "mx.example.com", "{out:?}");
}

#[test]
fn ansi_names_are_escaped_in_diagnostics() {
    let p = hostile("ansi-subject.pem");
    // Without --host the first dNSName is not a host name: it is skipped (and named,
    // escaped) for the next usable one.
    let out = generate(&[&p]);
    out.no_panic().no_terminal_controls(false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr().contains(
            "using mx.example.com, the leaf's first name usable as a host (skipped evil\\x1b[31m\\x0ax\\x09y.example.com (not a host name))"
        ),
        "{out:?}"
    );
    // A host the leaf does not name: the note lists the names, escaped.
    let out = generate(&["--host", "other.example.net", &p]);
    out.no_panic().no_terminal_controls(false);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr()
            .contains("evil\\x1b[31m\\x0ax\\x09y.example.com"),
        "{out:?}"
    );
    for format in ["nsupdate", "generic"] {
        generate(&["--format", format, "--host", "mx.example.com", &p])
            .no_panic()
            .no_terminal_controls(false);
    }
}

/// A file name is untrusted text too.
#[test]
fn hostile_file_names_are_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let name = "evil\x1b[31m\nname\u{202e}.pem";
    let path = dir.path().join(name);
    std::fs::copy(root().join(hostile("plain-ed25519.pem")), &path).expect("copy");
    let shown = path
        .to_str()
        .expect("UTF-8")
        .replace(name, "evil\\x1b[31m\\x0aname\\u{202e}.pem");
    let out = generate(&[path.to_str().expect("UTF-8")]);
    out.no_panic().no_terminal_controls(false);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr().lines().count(), 1, "{out:?}");
    assert!(out.stderr().contains(&shown), "{out:?}");
    // The same name for a file that does not exist.
    let missing = dir.path().join(format!("missing-{name}"));
    let out = generate(&[missing.to_str().expect("UTF-8")]);
    let shown_missing =
        Path::new(&shown).with_file_name("missing-evil\\x1b[31m\\x0aname\\u{202e}.pem");
    out.unusable(shown_missing.to_str().expect("UTF-8"), "no such file");
    out.no_terminal_controls(false);
}

// --- zone files ------------------------------------------------------------------------

/// A zone file that includes itself N times: with `$INCLUDE` nesting limited to 8
/// levels but no cycle check, the work grows as N^8 (N = 5 already takes ~30 s and
/// prints ~2 million findings; N = 6 several minutes).
fn include_bomb(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join("example.com.zone");
    let mut text = String::from("$ORIGIN example.com.\n$TTL 300\n");
    for _ in 0..n {
        text.push_str("$INCLUDE example.com.zone\n");
    }
    std::fs::write(&path, text).expect("write zone");
    path
}

#[test]
fn a_zone_file_including_itself_once_is_reported_without_hanging() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = include_bomb(dir.path(), 1);
    let out = daneguard(&[OsStr::new("zone"), zone.as_os_str()], None);
    out.no_panic().no_terminal_controls(false);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout().contains("zone-syntax"), "{out:?}");
}

#[test]
fn a_zone_file_including_itself_many_times_is_refused_quickly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = include_bomb(dir.path(), 6);
    let out = daneguard(&[OsStr::new("zone"), zone.as_os_str()], None);
    out.no_panic().no_terminal_controls(false);
    assert!(matches!(out.code, 1 | 2), "{out:?}");
    assert!(out.stdout().lines().count() < 100, "{out:?}");
}

/// Zone data quoted in a finding is escaped once: text output shows it as the JSON
/// message holds it (`\x1b`, not `\\x1b`), with no raw ESC on the terminal.
#[test]
fn zone_text_quoted_in_a_finding_is_escaped_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = dir.path().join("example.com.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.com.\n@ 3600 IN SOA ns1 host 1 7200 3600 1209600 3600\n\
         @ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\nz 3600 IN FOO\x1b[31m bar\n",
    )
    .expect("write zone");
    let text = daneguard(&[OsStr::new("zone"), zone.as_os_str()], None);
    text.no_panic().no_terminal_controls(false);
    assert_eq!(text.code, 1, "{text:?}");
    let json = daneguard(
        &[
            OsStr::new("zone"),
            OsStr::new("--format"),
            OsStr::new("json"),
            zone.as_os_str(),
        ],
        None,
    );
    json.no_panic().no_terminal_controls(true);
    let doc: serde_json::Value = serde_json::from_str(json.stdout()).expect("valid JSON");
    let message = doc["findings"][0]["message"].as_str().expect("a message");
    assert_eq!(message, "unknown record type 'FOO\\x1b[31M'", "{json:?}");
    assert!(
        text.stdout().contains(&format!(": {message}\n")),
        "{text:?}"
    );
}
