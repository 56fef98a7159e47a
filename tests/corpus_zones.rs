//! The zone files of BIND's and Knot's own test suites (`../shared/corpus/zones/`),
//! read by `named-checkzone`, `kzonecheck` and `daneguard zone`: daneguard must not
//! report `zone-syntax` or `zone-structure` on a zone both servers load, and should
//! on zones both reject. Runs once over the whole corpus and prints the counts; the
//! servers run in parallel, without network (`unshare -n`, so their NS/MX address
//! checks do not wait for a resolver). A second test puts single records of the forms
//! the word-level zone rules judge (`RECORD_FORMS`) to both servers the same way.
//! Without the corpus or the servers the tests are skipped, unless DANEGUARD_INTEROP
//! is set (then they fail).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// File name endings of the zone files in the corpus (see its README).
const ZONE_ENDINGS: &[&str] = &[".db", ".zone", ".data", ".in", ".signed"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn required() -> bool {
    std::env::var_os("DANEGUARD_INTEROP").is_some()
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Unpacks the archives into target/ once per run; `None` when there is no corpus.
fn unpack() -> Option<PathBuf> {
    let corpus = root().join("../shared/corpus/zones");
    let archives: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.xz"))
        .collect();
    if archives.is_empty() {
        return None;
    }
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("corpus-zones");
    let _ = std::fs::remove_dir_all(&dest);
    std::fs::create_dir_all(&dest).expect("create the unpack folder");
    for a in archives {
        let ok = Command::new("tar")
            .arg("xJf")
            .arg(&a)
            .arg("-C")
            .arg(&dest)
            .status()
            .expect("run tar")
            .success();
        assert!(ok, "cannot unpack {}", a.display());
    }
    Some(dest)
}

fn zone_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            zone_files(&p, out);
        } else if kind.is_file() {
            let name = p.to_string_lossy();
            if ZONE_ENDINGS.iter().any(|e| name.ends_with(e))
                || name.contains("semantic_check_data")
            {
                out.push(p);
            }
        }
    }
}

/// The origin as the corpus README says: the SOA owner if absolute, else the first
/// `$ORIGIN`, else the file name without its ending.
fn origin_of(path: &Path) -> String {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned();
    let mut first_origin = None;
    for line in text.lines() {
        let data = line.split(';').next().unwrap_or_default();
        let tokens: Vec<&str> = data.split_whitespace().collect();
        let Some(first) = tokens.first() else {
            continue;
        };
        if first.eq_ignore_ascii_case("$ORIGIN") && first_origin.is_none() {
            first_origin = tokens.get(1).map(|s| s.to_string());
        }
        if tokens.iter().any(|t| t.eq_ignore_ascii_case("SOA")) && !line.starts_with([' ', '\t']) {
            if first.ends_with('.') {
                return first.to_string();
            }
            break;
        }
    }
    if let Some(o) = first_origin.filter(|o| o.ends_with('.')) {
        return o;
    }
    let mut name = path.file_name().unwrap().to_string_lossy().into_owned();
    for e in ZONE_ENDINGS {
        if let Some(s) = name.strip_suffix(e) {
            name = s.to_string();
        }
    }
    format!("{name}.")
}

/// Whether a program accepts the zone (exit 0), run in the file's folder, without
/// network when `unshare` can do that.
fn loads(program: &[&str], dir: &Path, isolate: bool) -> bool {
    let mut cmd = if isolate {
        let mut c = Command::new("unshare");
        c.arg("-n").args(program);
        c
    } else {
        let mut c = Command::new(program[0]);
        c.args(&program[1..]);
        c
    };
    cmd.current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn can_unshare() -> bool {
    Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

/// What daneguard says: a zone-syntax finding, a tlsa-syntax finding, a
/// zone-structure finding, or a refusal (no records: `zone` exits 2).
#[derive(Debug, Clone, Copy, Default)]
struct Ours {
    zone_syntax: bool,
    structure: bool,
    tlsa_syntax: bool,
    refused: bool,
}

/// daneguard's reader, in-process (the `zone` command maps problems to findings
/// the same way: TLSA problems are tlsa-syntax, the rest zone-syntax).
fn daneguard(file: &Path, origin: &str) -> Ours {
    use daneguard::input::zonefile;
    // as `zone` reads a file: bytes that are not UTF-8 become `\DDD` escapes
    let text = zonefile::text_of(std::fs::read(file).unwrap_or_default());
    let Some(origin) = zonefile::parse_name(origin) else {
        return Ours {
            refused: true,
            ..Ours::default()
        };
    };
    let root = zonefile::include::folder_of(file);
    let load = |p: &Path| zonefile::include::read_confined(&root, p);
    let mut zone = zonefile::parse(&text, file, origin.clone(), None, &load);
    // As `zone --origin --whole-zone` does: the servers take each file as a whole zone.
    zonefile::check_apex(&mut zone, Some(&origin));
    zonefile::check_whole(&mut zone, &origin.to_ascii().to_ascii_lowercase());
    let tlsa = |p: &zonefile::ZoneProblem| p.rtype.as_deref() == Some("TLSA");
    Ours {
        zone_syntax: zone.problems.iter().any(|p| !tlsa(p)),
        structure: !daneguard::dane::structure::check(&zone).is_empty(),
        tlsa_syntax: zone.problems.iter().any(tlsa),
        refused: zone.records.is_empty() && zone.problems.is_empty() && zone.skipped == 0,
    }
}

struct Verdict {
    file: PathBuf,
    bind: bool,
    knot: bool,
    ours: Ours,
}

fn judge(file: &Path, base: &Path, isolate: bool) -> Verdict {
    let dir = file.parent().unwrap();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let origin = origin_of(file);
    Verdict {
        file: file.strip_prefix(base).unwrap_or(file).to_path_buf(),
        bind: loads(&["named-checkzone", &origin, &name], dir, isolate),
        knot: loads(&["kzonecheck", "-o", &origin, &name], dir, isolate),
        ours: daneguard(file, &origin),
    }
}

#[test]
fn corpus_zones_read_as_bind_and_knot_read_them() {
    let tools = have("named-checkzone") && have("kzonecheck") && have("xz");
    let Some(base) = unpack().filter(|_| tools) else {
        assert!(
            !required(),
            "DANEGUARD_INTEROP is set but the zone corpus or named-checkzone/kzonecheck/xz is missing"
        );
        eprintln!("skipped: no ../shared/corpus/zones or no named-checkzone/kzonecheck");
        return;
    };
    let mut files = Vec::new();
    zone_files(&base, &mut files);
    files.sort();
    let isolate = can_unshare();
    let queue = Mutex::new(files.clone());
    let verdicts = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                while let Some(f) = queue.lock().unwrap().pop() {
                    let v = judge(&f, &base, isolate);
                    verdicts.lock().unwrap().push(v);
                }
            });
        }
    });
    let mut verdicts = verdicts.into_inner().unwrap();
    verdicts.sort_by(|a, b| a.file.cmp(&b.file));
    report(&verdicts);
}

/// Single records of the forms the zone rules judge on the entry's words (EUI48,
/// EUI64, NSAP, UNSPEC data; SVCB/HTTPS `alpn` lists; `$GENERATE` templates), each in
/// a small zone of its own, put to both servers: where they agree daneguard must agree
/// with them; where they disagree the row says what daneguard does (a finding or not).
///
/// `{HH}` stands for the raw byte 0xHH (a zone file is bytes: a Latin-1 comment, say).
const RECORD_FORMS: &[(&str, bool)] = &[
    // bytes that are not UTF-8: both servers ignore them in a comment; BIND takes them
    // in names and strings, Knot refuses them there (daneguard reads them as BIND)
    ("mx A 127.0.0.1 ; Verantwortlich: M{fc}ller", false),
    ("t TXT \"caf{e9}\"", false),
    ("x{e9}y A 127.0.0.1", false),
    // a second SOA: BIND refuses one with other data, Knot keeps one; the same twice
    // is one record to both
    ("@ SOA ns hm 2 2 3 4 5", true),
    ("sub SOA ns hm 1 2 3 4 5", true),
    // a raw byte after an escaping backslash is that byte, as it is without one
    ("t TXT \"caf\\{e9}\"", false),
    ("@ SOA ns hm 1 2 3 4 5", false),
    ("x EUI48 00-00-5e-00-53-2A", false),
    ("x EUI64 00-00-5E-EF-10-00-00-2a", false),
    ("x TYPE108 \\# 6 000000000000", false),
    ("x TYPE109 00-00-00-00-00-00-00-00", false),
    ("x EUI48 01-23-45-567-89-ab", true),
    ("x EUI48 01-23-45-67-89", true),
    ("x EUI48 00:00-00-00-00-00", true),
    ("x EUI48 00-00-00-00-00-00 x", true),
    ("x EUI64 01-23-45-67-89-ab-cd", true),
    ("x TYPE109 00-00-00-x0-00-00-00-00", true),
    // Knot has no NSAP type and refuses every NSAP record; daneguard follows BIND.
    (
        "x NSAP 0x47.0005.80.005a00.0000....0001.e133.ffffff000162.00",
        false,
    ),
    ("x NSAP 0X4700", false),
    ("x TYPE22 \\# 2 4700", false),
    ("x NSAP 0x", true),
    ("x NSAP 0x47000580005a0000000001e133ffffff000161000", true),
    ("x NSAP 4700", true),
    ("x NSAP 0x47 00", true),
    ("x NSAP 0x47g0", true),
    ("x TYPE103 \\# 1 00", false),
    ("x TYPE103 ^# 1 00", true),
    // Knot does not know the UNSPEC mnemonic; daneguard follows BIND.
    ("x UNSPEC \\# 1 00", false),
    ("x SVCB 1 . alpn=abc\\,", true),
    ("x SVCB 1 . alpn=abc,", true),
    ("x SVCB 1 . alpn=\"h2,\"", true),
    ("x SVCB 1 . alpn=h2\\044", true),
    ("x SVCB 1 . alpn=\"a b,\" port=53", true),
    ("x SVCB 1 . key65000=\"a\" alpn=b,", true),
    ("x HTTPS 1 . alpn=abc\\\\,", false),
    ("x HTTPS 1 . alpn=\"h2,h3\"", false),
    ("x HTTPS 1 . alpn=h2 port=53", false),
    ("x SVCB 1 . key65000=\"a alpn=b,\"", false),
    ("x SVCB 1 . alpn=h2 key65000=x,", false),
    // List escapes of its own: BIND refuses, Knot loads; the scanner cannot read the
    // list, so daneguard skips the record with a note.
    ("x SVCB 1 . alpn=abc\\\\\\\\,", false),
    // alpn by number: BIND refuses, Knot loads; not judged.
    ("x SVCB 1 . key1=h2,", false),
    // BIND loads it, Knot refuses; the template is not judged.
    ("$GENERATE 1-3 h$ EUI48 00-00-00-00-00-0$", false),
    ("$GENERATE 1-2 s$ SVCB 1 . alpn=h$,", true),
];

#[test]
fn record_forms_are_judged_as_bind_and_knot_judge_them() {
    if !(have("named-checkzone") && have("kzonecheck")) {
        assert!(
            !required(),
            "DANEGUARD_INTEROP is set but named-checkzone/kzonecheck is missing"
        );
        eprintln!("skipped: no named-checkzone/kzonecheck");
        return;
    }
    let isolate = can_unshare();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut wrong = Vec::new();
    for (i, (line, disagree_finding)) in RECORD_FORMS.iter().enumerate() {
        let case = dir.path().join(i.to_string());
        std::fs::create_dir(&case).expect("mkdir");
        let file = case.join("example.zone");
        let text = format!("$TTL 300\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 127.0.0.1\n{line}\n");
        std::fs::write(&file, raw_bytes(&text)).expect("write the zone");
        let v = judge(&file, dir.path(), isolate);
        let finding = v.ours.zone_syntax || v.ours.structure || v.ours.refused;
        let want = if v.bind == v.knot {
            !v.bind
        } else {
            *disagree_finding
        };
        if finding != want {
            wrong.push(format!(
                "{line}: BIND loads {}, Knot loads {}, daneguard finding {finding}",
                v.bind, v.knot
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// `$INCLUDE` with a quoted file name (with a space in it) and with a plain one:
/// both servers load each zone, and so must daneguard (`domain` keeps the closing
/// quote of a quoted name, which daneguard strips).
#[test]
fn quoted_include_file_names_are_read_as_bind_and_knot_read_them() {
    if !(have("named-checkzone") && have("kzonecheck")) {
        assert!(
            !required(),
            "DANEGUARD_INTEROP is set but named-checkzone/kzonecheck is missing"
        );
        eprintln!("skipped: no named-checkzone/kzonecheck");
        return;
    }
    let isolate = can_unshare();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/my file.inc"), "x A 127.0.0.2\n").expect("write");
    std::fs::write(dir.path().join("sub/plain.inc"), "y A 127.0.0.3\n").expect("write");
    for (i, include) in ["\"sub/my file.inc\"", "sub/plain.inc", "\"sub/plain.inc\""]
        .iter()
        .enumerate()
    {
        let file = dir.path().join(format!("{i}.zone"));
        let text = format!(
            "$ORIGIN example.\n$TTL 300\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 127.0.0.1\n$INCLUDE {include}\n"
        );
        std::fs::write(&file, text).expect("write the zone");
        let v = judge(&file, dir.path(), isolate);
        let finding = v.ours.zone_syntax || v.ours.structure || v.ours.refused;
        assert!(
            v.bind && v.knot && !finding,
            "$INCLUDE {include}: BIND loads {}, Knot loads {}, daneguard finding {finding}",
            v.bind,
            v.knot
        );
    }
}

/// `text` with each `{HH}` turned into the byte 0xHH.
fn raw_bytes(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.extend_from_slice(&rest.as_bytes()[..i]);
        let hex = rest.get(i + 1..i + 3).expect("two hex digits after {");
        assert_eq!(rest.get(i + 3..i + 4), Some("}"), "{text}");
        out.push(u8::from_str_radix(hex, 16).expect("hex"));
        rest = &rest[i + 4..];
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

fn report(verdicts: &[Verdict]) {
    let both_load: Vec<&Verdict> = verdicts.iter().filter(|v| v.bind && v.knot).collect();
    let both_reject: Vec<&Verdict> = verdicts.iter().filter(|v| !v.bind && !v.knot).collect();
    let false_syntax: Vec<&&Verdict> = both_load
        .iter()
        .filter(|v| v.ours.zone_syntax || v.ours.structure)
        .collect();
    let missed: Vec<&&Verdict> = both_reject
        .iter()
        .filter(|v| {
            let o = v.ours;
            !(o.zone_syntax || o.structure || o.tlsa_syntax || o.refused)
        })
        .collect();
    let refused_loaded = both_load.iter().filter(|v| v.ours.refused).count();
    eprintln!(
        "zone corpus: {} files; loaded by both servers {}, rejected by both {}, servers disagree {}",
        verdicts.len(),
        both_load.len(),
        both_reject.len(),
        verdicts.len() - both_load.len() - both_reject.len()
    );
    eprintln!(
        "daneguard: zone-syntax or zone-structure on {} of the {} loaded by both (refused {} as input); no syntax finding on {} of the {} rejected by both",
        false_syntax.len(),
        both_load.len(),
        refused_loaded,
        missed.len(),
        both_reject.len()
    );
    for v in &false_syntax {
        eprintln!(
            "  loaded by both, zone-syntax or zone-structure from daneguard: {}",
            v.file.display()
        );
    }
    for v in both_load.iter().filter(|v| v.ours.refused) {
        eprintln!(
            "  loaded by both, refused by daneguard as input: {}",
            v.file.display()
        );
    }
    for v in &missed {
        eprintln!(
            "  rejected by both, accepted by daneguard: {}",
            v.file.display()
        );
    }
    assert!(
        false_syntax.is_empty(),
        "{} zones that BIND and Knot load get a zone-syntax or zone-structure finding",
        false_syntax.len()
    );
    assert!(
        missed.is_empty(),
        "{} zones that BIND and Knot refuse pass daneguard",
        missed.len()
    );
}
