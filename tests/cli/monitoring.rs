//! `--format nagios` and `--format prometheus` for `check` and `renew-check`, run
//! in-process with a fixed clock so days left are exact; prometheus output is parsed
//! back by `promtool check metrics`.

use std::ffi::OsString;

use crate::dnsserver;
use crate::util::{root, run};

/// 2026-01-01T00:00:00Z: the test leaf (notAfter 2125-01-01) has 36159 days left.
const NOW: i64 = 1_767_225_600;

/// A run of `daneguard::run` in-process at [`NOW`].
struct InProcess {
    code: u8,
    stdout: String,
    stderr: String,
}

fn run_at(args: &[String]) -> InProcess {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin: &[u8] = b"";
    let vars = |name: &str| (name == "NO_COLOR").then(|| OsString::from("1"));
    let mut env = daneguard::env::Env {
        out: &mut out,
        err: &mut err,
        stdin: &mut stdin,
        now: NOW,
        out_is_terminal: false,
        vars: &vars,
        // In-process, but against the real test servers on 127.0.0.1.
        files: &daneguard::env::real::Disk,
        dns: &daneguard::env::real::NetworkDns,
        prober: &daneguard::env::real::NetworkProber,
        runtime: &daneguard::env::AsyncRuntime::default(),
    };
    std::env::set_current_dir(root()).expect("cd to the repository");
    let argv = std::iter::once("daneguard".to_string()).chain(args.iter().cloned());
    let status = daneguard::run(argv, &mut env);
    InProcess {
        code: status.code(),
        stdout: String::from_utf8(out).expect("UTF-8"),
        stderr: String::from_utf8(err).expect("UTF-8"),
    }
}

fn check_args(dns: &dnsserver::TestDns, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["check".into()];
    args.extend(dns.args());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

const CHAIN: [&str; 2] = ["--chain", "testdata/pki/mx-p256"];

#[test]
fn nagios_status_line_long_output_and_perfdata_for_check() {
    let dns = dnsserver::start();
    let mut extra = vec!["--format", "nagios"];
    extra.extend([
        "mx.dane.test",
        "single.dane.test",
        "mismatch.dane.test",
        "bad.dane.test",
    ]);
    extra.extend(CHAIN);
    let r = run_at(&check_args(&dns, &extra));
    let perf = |h: &str, m: u8| format!("'{h}:25 matching'={m};;;0 '{h}:25 leaf days'=36159;14:;;");
    let expected = format!(
        "DANE CRITICAL - mismatch.dane.test:25 fail (stale-record, no-match); bad.dane.test:25 fail (bogus); \
single.dane.test:25 warn (single-record); 1 ok | {} {} {} {}
mx.dane.test port 25: OK
single.dane.test port 25: WARN
  warn single-record: only one published record matches: a key or issuer change breaks DANE; publish 3 1 1 for the key and 2 1 1 for the issuer
mismatch.dane.test port 25: FAIL
  warn stale-record: 3 1 1 0000000000000000… (DANE-EE SPKI SHA2-256) matches nothing in the chain
  fail no-match: no usable record matches the certificate chain: DANE senders will defer mail to mismatch.dane.test port 25 (and bounce it after their queue lifetime)
bad.dane.test port 25: FAIL
  fail bogus: the TLSA records for bad.dane.test fail DNSSEC validation (bogus: validation failure <_25._tcp.bad.dane.test. TLSA IN>: ECDSA signature verification failed from 127.0.0.1): DANE senders defer mail to this host
",
        perf("mx.dane.test", 2),
        perf("single.dane.test", 1),
        perf("mismatch.dane.test", 0),
        perf("bad.dane.test", 0),
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (2, expected.as_str(), "")
    );
}

#[test]
fn nagios_exit_status_is_0_1_2_3_whatever_strict_says() {
    let dns = dnsserver::start();
    let days = "'{}:25 leaf days'=36159;14:;;";
    let cases: [(&[&str], u8, String); 5] = [
        (
            &["mx.dane.test"],
            0,
            "DANE OK - mx.dane.test:25 ok | 'mx.dane.test:25 matching'=2;;;0 ".to_string()
                + &days.replace("{}", "mx.dane.test"),
        ),
        (
            &["mx.dane.test", "alias.dane.test"],
            0,
            "DANE OK - all 2 ok | ".to_string(),
        ),
        (
            &["single.dane.test"],
            1,
            "DANE WARNING - single.dane.test:25 warn (single-record) | ".to_string(),
        ),
        (
            &["single.dane.test", "--strict"],
            1,
            "DANE WARNING - single.dane.test:25 warn (single-record) | ".to_string(),
        ),
        (
            &["mismatch.dane.test", "--allow", "no-match"],
            1,
            "DANE WARNING - mismatch.dane.test:25 warn (stale-record) | ".to_string(),
        ),
    ];
    for (names, code, start) in cases {
        let mut extra = vec!["--format", "nagios"];
        extra.extend(names);
        extra.extend(CHAIN);
        let r = run_at(&check_args(&dns, &extra));
        assert_eq!(r.code, code, "{names:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stdout.starts_with(&start), "{names:?}: {}", r.stdout);
    }
    // A name that cannot be checked at all is UNKNOWN, even beside an ok host.
    let r = run_at(&check_args(
        &dns,
        &["--format", "nagios", "mx.dane.test", "not a name"],
    ));
    assert_eq!(r.code, 3, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with(
            "DANE UNKNOWN - 1 name could not be checked ('not a name': 'not a name' is not a valid host name); 1 ok\nmx.dane.test port 25: OK\n"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(
        r.stderr,
        "daneguard: error: 'not a name': 'not a name' is not a valid host name\n"
    );
}

#[test]
fn nagios_errors_and_usage_errors_are_unknown_from_the_binary() {
    // Exit statuses as the process reports them, through main().
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let addr = dead.local_addr().expect("addr").to_string();
    let dns = dnsserver::start();
    let anchor = dns.anchor.display().to_string();
    let r = run(&[
        "check",
        "--format",
        "nagios",
        "--resolver",
        &addr,
        "--trust-anchor",
        &anchor,
        "--timeout",
        "1",
        "mx.dane.test",
    ]);
    r.code(3);
    assert!(r.stdout.starts_with("DANE UNKNOWN - the resolver"), "{r:?}");
    assert_eq!(r.stdout.lines().count(), 1, "{r:?}");
    assert!(
        r.stderr.starts_with("daneguard: error: the resolver"),
        "{r:?}"
    );

    let r = run(&["check", "--format", "nagios", "--port", "0", "mx.dane.test"]);
    r.code(3);
    assert!(
        r.stdout
            .starts_with("DANE UNKNOWN - usage: invalid value '0' for '--port <PORT>'"),
        "{r:?}"
    );
    let r = run(&["renew-check", "--format=nagios", "mx.example.com"]);
    r.code(3);
    assert_eq!(
        r.stdout,
        "DANE UNKNOWN - give --next, or --current with a certbot lineage directory (live/NAME) to predict the next renewal\n"
    );
    let r = run(&["check", "--format", "table", "--port", "0", "mx.dane.test"]);
    r.code(2);
    assert_eq!(r.stdout, "");
}

/// The renewal fixture whose next key breaks a 3 1 1-only record set.
fn renew_args(format: &str) -> Vec<String> {
    [
        "renew-check",
        "mx.example.com",
        "--current",
        "testdata/letsencrypt-dir/archive/mx-newkey/fullchain1.pem",
        "--next",
        "testdata/letsencrypt-dir/live/mx-newkey",
        "--records",
        "testdata/renewal/p256-ee.records",
        "--format",
        format,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn nagios_for_renew_check_is_critical_with_the_wait_and_the_text_report() {
    let r = run_at(&renew_args("nagios"));
    let text = run_at(&renew_args("text"));
    assert_eq!(text.code, 1);
    let expected = format!(
        "DANE CRITICAL - mx.example.com:25 fail (key-changes, renewal-breaks) | 'mx.example.com:25 matching next'=0;;;0 'mx.example.com:25 wait'=600s;;;0\n{}",
        text.stdout.trim_end_matches('\n').to_string() + "\n"
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (2, expected.as_str(), "")
    );
}

/// Runs `promtool check metrics` on the text (Prometheus' own parser and linter).
/// Under DANEGUARD_INTEROP=1 (`.ci/test`) a missing promtool fails the test.
fn promtool_accepts(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            assert!(
                std::env::var_os("DANEGUARD_INTEROP").is_none(),
                "DANEGUARD_INTEROP is set but promtool cannot run ({e}); run .ci/test"
            );
            eprintln!("note: promtool is not installed (Debian: prometheus); not parsed back");
            return;
        }
    };
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(text.as_bytes())
        .expect("write to promtool");
    let out = child.wait_with_output().expect("promtool runs");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lines of `text` that start with `prefix`.
fn lines_with<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn prometheus_for_check_parses_and_has_a_gauge_per_host_and_port() {
    let dns = dnsserver::start();
    let mut extra = vec!["--format", "prometheus", "--port", "25", "--port", "465"];
    extra.extend(["--mx", "dane.test", "bad.dane.test", "not a name"]);
    extra.extend(CHAIN);
    let r = run_at(&check_args(&dns, &extra));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    promtool_accepts(&r.stdout);
    let verdicts = lines_with(&r.stdout, "daneguard_check_verdict{");
    assert!(
        verdicts.contains(
            &r#"daneguard_check_verdict{domain="dane.test",host="mx.dane.test",port="25"} 0"#
        ),
        "{}",
        r.stdout
    );
    assert!(
        verdicts.contains(
            &r#"daneguard_check_verdict{domain="dane.test",host="mismatch.dane.test",port="465"} 1"#
        ),
        "{}",
        r.stdout
    );
    // With --mx every name is a mail domain; bad.dane.test is its own mail host.
    let bad = r#"domain="bad.dane.test",host="bad.dane.test",port="25""#;
    assert!(
        verdicts.contains(&format!("daneguard_check_verdict{{{bad}}} 2").as_str()),
        "{}",
        r.stdout
    );
    assert_eq!(
        lines_with(&r.stdout, &format!("daneguard_check_tlsa_dnssec{{{bad}")),
        [
            "secure 0",
            "insecure 0",
            "bogus 1",
            "indeterminate 0",
            "failed 0"
        ]
        .map(|s| {
            let (status, value) = s.split_once(' ').expect("two words");
            format!("daneguard_check_tlsa_dnssec{{{bad},status=\"{status}\"}} {value}")
        })
    );
    let mx = r#"{domain="dane.test",host="mx.dane.test",port="25"}"#;
    for line in [
        format!("daneguard_check_tlsa_records{mx} 2"),
        format!("daneguard_check_matching_records{mx} 2"),
        format!("daneguard_check_leaf_expiry_timestamp_seconds{mx} 4891363200"),
        format!("daneguard_check_timestamp_seconds{mx} {NOW}"),
        "daneguard_check_success 0".to_string(),
    ] {
        assert!(r.stdout.lines().any(|l| l == line), "{line}:\n{}", r.stdout);
    }
}

/// A name given twice, in any spelling, is one series (a collector refuses repeats).
#[test]
fn prometheus_has_one_series_for_a_name_given_twice() {
    let dns = dnsserver::start();
    let extra = [
        "--format",
        "prometheus",
        "mx.dane.test",
        "MX.dane.test.",
        "mx.dane.test",
    ];
    let r = run_at(&check_args(&dns, &extra));
    promtool_accepts(&r.stdout);
    assert_eq!(
        lines_with(&r.stdout, "daneguard_check_verdict{").len(),
        1,
        "{}",
        r.stdout
    );
}

#[test]
fn prometheus_for_renew_check_parses_and_says_what_to_publish() {
    let r = run_at(&renew_args("prometheus"));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    promtool_accepts(&r.stdout);
    let labels = r#"{host="mx.example.com",port="25"}"#;
    for line in [
        format!("daneguard_renew_verdict{labels} 2"),
        format!("daneguard_renew_survives{labels} 0"),
        format!("daneguard_renew_matching_next_records{labels} 0"),
        format!("daneguard_renew_records_to_publish{labels} 2"),
        format!("daneguard_renew_wait_seconds{labels} 600"),
        format!("daneguard_renew_timestamp_seconds{labels} {NOW}"),
    ] {
        assert!(r.stdout.lines().any(|l| l == line), "{line}:\n{}", r.stdout);
    }
}

#[test]
fn live_checks_give_per_address_gauges_and_critical_for_a_mismatching_rsa_certificate() {
    let dns = dnsserver::start();
    let server = crate::tlsserver::start(
        crate::tlsserver::Mode::Smtp,
        Some("mx-p256"),
        Some("mx-rsa2048"),
    );
    let connect = server.connect();
    let base = ["--live", "--connect", &connect, "--tls-timeout", "2"];
    let mut extra = vec!["--format", "nagios", "single.dane.test"];
    extra.extend(base);
    let r = run_at(&check_args(&dns, &extra));
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    let first = r.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "DANE CRITICAL - single.dane.test:25 fail (single-record, dual-cert-mismatch) \
| 'single.dane.test:25 matching'=1;;;0 'single.dane.test:25 leaf days'=36159;14:;;"
    );

    let mut extra = vec!["--format", "prometheus", "single.dane.test"];
    extra.extend(base);
    let r = run_at(&check_args(&dns, &extra));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    promtool_accepts(&r.stdout);
    let at = format!(r#"host="single.dane.test",port="25",address="{connect}""#);
    assert_eq!(
        lines_with(&r.stdout, "daneguard_check_live_"),
        [
            format!("daneguard_check_live_up{{{at}}} 1"),
            format!(r#"daneguard_check_live_matching{{{at},family="ecdsa"}} 1"#),
            format!(r#"daneguard_check_live_matching{{{at},family="rsa"}} 0"#),
        ]
    );
}

#[test]
fn quiet_prints_nothing_when_the_status_is_0_and_everything_otherwise() {
    let dns = dnsserver::start();
    let args = check_args(&dns, &["--format", "table", "-q", "single.dane.test"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&argv).exact(0, "", "");
    let args = check_args(
        &dns,
        &[
            "--format",
            "table",
            "--quiet",
            "mismatch.dane.test",
            CHAIN[0],
            CHAIN[1],
        ],
    );
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    r.code(1);
    assert!(
        r.stdout.starts_with("mismatch.dane.test port 25: FAIL\n"),
        "{r:?}"
    );
    // Monitoring formats always print: their readers expect a line on every run.
    let args = check_args(&dns, &["--format", "nagios", "--quiet", "mx.dane.test"]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    r.code(0);
    assert!(
        r.stdout.starts_with("DANE OK - mx.dane.test:25 ok"),
        "{r:?}"
    );
    // A note (the leaf's names) is held back too.
    let quiet = run(&[
        "renew-check",
        "--quiet",
        "--current",
        "testdata/letsencrypt-dir/archive/mx-newkey/fullchain1.pem",
        "--next",
        "testdata/letsencrypt-dir/archive/mx-newkey/fullchain1.pem",
        "--records",
        "testdata/renewal/p256-ee.records",
    ]);
    quiet.exact(0, "", "");
    // generate prints its records; --quiet only drops the notes.
    let loud = run(&["generate", "testdata/pki/mx-p256"]);
    let quiet = run(&["generate", "-q", "testdata/pki/mx-p256"]);
    assert!(loud.stderr.contains("note:"), "{loud:?}");
    quiet.exact(0, &loud.stdout, "");
}

/// `--help` in-process with stdout on a terminal or not, and NO_COLOR set or not.
fn help(terminal: bool, no_color: bool, extra: &[&str]) -> String {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin: &[u8] = b"";
    let vars = move |name: &str| (no_color && name == "NO_COLOR").then(|| OsString::from("1"));
    let mut env = daneguard::env::Env {
        out: &mut out,
        err: &mut err,
        stdin: &mut stdin,
        now: NOW,
        out_is_terminal: terminal,
        vars: &vars,
        files: &daneguard::env::real::Disk,
        dns: &daneguard::env::fake::Offline,
        prober: &daneguard::env::fake::Offline,
        runtime: &daneguard::env::AsyncRuntime::default(),
    };
    let argv = ["daneguard", "check", "--help"].iter().chain(extra);
    let status = daneguard::run(argv.copied(), &mut env);
    assert_eq!(status.code(), 0);
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn help_is_coloured_only_on_a_terminal_without_no_color_or_with_color_always() {
    let esc = |s: String| s.contains('\u{1b}');
    assert!(esc(help(true, false, &[])));
    assert!(!esc(help(true, true, &[])));
    assert!(!esc(help(false, false, &[])));
    assert!(!esc(help(true, false, &["--color", "never"])));
    assert!(esc(help(false, true, &["--color=always"])));
    assert_eq!(help(true, true, &[]), help(false, false, &[]));
}

#[test]
fn allow_completes_finding_codes_not_file_names() {
    let r = run(&["completions", "bash"]);
    r.code(0);
    let allow = r
        .stdout
        .lines()
        .skip_while(|l| !l.contains("--allow)"))
        .nth(1)
        .unwrap_or_default();
    for code in daneguard::findings::Code::ALL {
        assert!(allow.contains(code.as_str()), "{code:?} not in: {allow}");
    }
    assert!(!allow.contains("compgen -f"), "{allow}");
    let r = run(&["completions", "zsh"]);
    assert!(
        r.stdout.contains("no-match\\:\"secure TLSA records exist"),
        "zsh: no help text"
    );
}
