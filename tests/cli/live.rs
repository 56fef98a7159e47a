//! `check --live` against test mail servers on 127.0.0.1, with the TLSA records from
//! the in-process signed DNS server.

use crate::check::CheckDoc;
use crate::dnsserver;
use crate::tlsserver::{self, Mode};
use crate::util::run;

/// `check --live --format json HOST --connect ADDR EXTRA…` against `dns`.
fn live(
    dns: &dnsserver::TestDns,
    host: &str,
    connect: &str,
    extra: &[&str],
) -> (i32, CheckDoc, String) {
    let mut args: Vec<String> = vec![
        "check".into(),
        "--live".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(dns.args());
    args.extend([
        host.to_string(),
        "--connect".into(),
        connect.to_string(),
        "--tls-timeout".into(),
        "2".into(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    let doc: CheckDoc =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{r:?}"));
    (r.code, doc, r.stderr)
}

#[test]
fn matching_certificate_over_smtp_starttls_is_ok() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Smtp, Some("mx-p256"), None);
    let (code, doc, stderr) = live(&dns, "mx.dane.test", &server.connect(), &[]);
    let h = &doc.hosts[0];
    assert_eq!((code, h.verdict.as_str()), (0, "ok"), "{h:#?}\n{stderr}");
    assert_eq!(h.live.len(), 1);
    let a = &h.live[0];
    assert_eq!((a.protocol.as_str(), a.error.as_deref()), ("smtp", None));
    assert_eq!(a.certificates.len(), 1, "{a:#?}");
    assert_eq!(a.certificates[0].family, "ecdsa");
    assert_eq!(a.certificates[0].matched, vec![0, 1]);
    assert_eq!(a.certificates[0].chain.len(), 2);
}

#[test]
fn mismatching_certificate_is_live_no_match() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Smtp, Some("mx-p256-newkey"), None);
    let (code, doc, _) = live(&dns, "single.dane.test", &server.connect(), &[]);
    let h = &doc.hosts[0];
    assert_eq!(code, 1, "{h:#?}");
    assert_eq!(h.codes(), vec!["stale-record", "live-no-match"]);
    assert!(
        h.findings[1]
            .message
            .contains("presents the ECDSA/EdDSA certificate CN = mx.example.com"),
        "{h:#?}"
    );
}

#[test]
fn rsa_and_ecdsa_certificates_are_both_checked() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Smtp, Some("mx-p256"), Some("mx-rsa2048"));
    let (code, doc, _) = live(&dns, "single.dane.test", &server.connect(), &[]);
    let h = &doc.hosts[0];
    assert_eq!(code, 1, "{h:#?}");
    let families: Vec<(&str, usize)> = h.live[0]
        .certificates
        .iter()
        .map(|c| (c.family.as_str(), c.matched.len()))
        .collect();
    assert_eq!(families, vec![("ecdsa", 1), ("rsa", 0)]);
    assert_eq!(h.codes(), vec!["single-record", "dual-cert-mismatch"]);
}

#[test]
fn implicit_tls_on_port_465() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Implicit, Some("mx-p256"), None);
    let (code, doc, _) = live(&dns, "mx.dane.test", &server.connect(), &["--port", "465"]);
    let h = &doc.hosts[0];
    assert_eq!((code, h.verdict.as_str()), (0, "ok"), "{h:#?}");
    assert_eq!(h.live[0].protocol, "tls");
}

#[test]
fn a_reload_forgotten_after_renewal_is_live_differs_from_file() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Smtp, Some("mx-p256"), None);
    let (code, doc, _) = live(
        &dns,
        "mx.dane.test",
        &server.connect(),
        &["--chain", "testdata/pki/mx-p256-newkey"],
    );
    let h = &doc.hosts[0];
    // The file's new key matches only the 2 1 1 record: DANE still works with it.
    assert_eq!(
        h.codes(),
        vec!["stale-record", "single-record", "live-differs-from-file"],
        "{h:#?}"
    );
    assert_eq!(code, 0, "{h:#?}");
}

#[test]
fn starttls_refused_is_starttls_missing() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::SmtpNoStarttls, Some("mx-p256"), None);
    let (code, doc, _) = live(&dns, "mx.dane.test", &server.connect(), &[]);
    let h = &doc.hosts[0];
    assert_eq!((code, h.codes()), (1, vec!["starttls-missing"]), "{h:#?}");
    assert_eq!(
        h.live[0].error.as_deref(),
        Some("no STARTTLS: the EHLO reply does not offer STARTTLS")
    );
}

#[test]
fn a_server_that_stalls_or_speaks_garbage_is_unreachable_not_a_hang() {
    let dns = dnsserver::start();
    for (mode, expected) in [
        (Mode::Stall, "before TLS: no reply before the time-out"),
        (Mode::Garbage, "before TLS: not an SMTP reply line"),
        // a whole line, newline included, is held to the limit too
        (
            Mode::LongLine,
            "before TLS: a reply line longer than 2048 bytes",
        ),
    ] {
        let server = tlsserver::start(mode, Some("mx-p256"), None);
        let started = std::time::Instant::now();
        let (code, doc, _) = live(&dns, "mx.dane.test", &server.connect(), &[]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{mode:?} took too long"
        );
        let h = &doc.hosts[0];
        assert_eq!(
            (code, h.codes()),
            (2, vec!["unreachable"]),
            "{mode:?}: {h:#?}"
        );
        let error = h.live[0].error.as_deref().unwrap_or_default();
        assert!(error.starts_with(expected), "{mode:?}: {error}");
    }
}

/// A 128-line EHLO reply sent one line every 400 ms: each line comes well within
/// `--tls-timeout 2`, the whole dialogue would take 51 s. The time-out bounds the whole
/// connection, so the check ends after about 2 s per handshake attempt (the bound
/// checked here is generous: it only tells a bounded run from an unbounded one).
#[test]
fn tls_timeout_bounds_the_whole_connection_not_each_line() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Trickle, Some("mx-p256"), None);
    let started = std::time::Instant::now();
    // live() passes --tls-timeout 2.
    let (code, doc, _) = live(&dns, "mx.dane.test", &server.connect(), &[]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let h = &doc.hosts[0];
    assert_eq!((code, h.codes()), (2, vec!["unreachable"]), "{h:#?}");
    let error = h.live[0].error.as_deref().unwrap_or_default();
    assert!(error.contains("within --tls-timeout"), "{error}");
}

#[test]
fn nothing_listening_is_unreachable() {
    let dns = dnsserver::start();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr").to_string();
    drop(closed);
    let (code, doc, _) = live(&dns, "mx.dane.test", &addr, &[]);
    assert_eq!((code, doc.hosts[0].codes()), (2, vec!["unreachable"]));
}

#[test]
fn mx_mode_with_live_checks_every_mx_host() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Smtp, Some("mx-p256"), None);
    let mut args: Vec<String> = vec![
        "check".into(),
        "--live".into(),
        "--format".into(),
        "json".into(),
        "--mx".into(),
    ];
    args.extend(dns.args());
    args.extend([
        "dane.test".into(),
        "--connect".into(),
        server.connect(),
        "--tls-timeout".into(),
        "2".into(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    let doc: CheckDoc = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r:?}"));
    let verdicts: Vec<(&str, &str)> = doc
        .hosts
        .iter()
        .map(|h| (h.host.as_str(), h.verdict.as_str()))
        .collect();
    assert_eq!(
        verdicts,
        vec![("mx.dane.test", "ok"), ("mismatch.dane.test", "fail")]
    );
    assert_eq!(doc.hosts[1].codes(), vec!["stale-record", "live-no-match"]);
    assert_eq!(r.code, 1);
}

#[test]
fn imap_and_pop3_starttls_and_the_sni_is_the_host_name() {
    let dns = dnsserver::start();
    for (mode, protocol) in [(Mode::Imap, "imap"), (Mode::Pop3, "pop3")] {
        let server = tlsserver::start(mode, Some("mx-p256"), None);
        let (code, doc, _) = live(
            &dns,
            "mx.dane.test",
            &server.connect(),
            &["--starttls", protocol],
        );
        let h = &doc.hosts[0];
        assert_eq!((code, h.verdict.as_str()), (0, "ok"), "{protocol}: {h:#?}");
        assert_eq!(h.live[0].protocol, protocol);
        assert_eq!(h.live[0].certificates[0].matched, vec![0, 1]);
        let sni = server.sni.lock().expect("lock").clone();
        assert!(
            !sni.is_empty() && sni.iter().all(|n| n == "mx.dane.test"),
            "{sni:?}"
        );
    }
}

/// The README's `--live` example, run for real (ports replaced by placeholders).
#[test]
fn live_table_names_each_presented_certificate() {
    let dns = dnsserver::start();
    let server = tlsserver::start(Mode::Smtp, Some("mx-p256"), Some("mx-rsa2048"));
    let mut args: Vec<String> = vec![
        "check".into(),
        "--live".into(),
        "--format".into(),
        "table".into(),
    ];
    args.extend(dns.args());
    args.extend([
        "--connect".into(),
        server.connect(),
        "single.dane.test".into(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(&argv);
    r.code(1);
    let shown = r.stdout.replace(&server.connect(), "127.0.0.1:SMTP_PORT");
    let readme = std::fs::read_to_string(crate::util::root().join("README.md")).expect("README");
    assert!(
        readme.contains(&shown),
        "README example differs from this run:\n{shown}"
    );
}
