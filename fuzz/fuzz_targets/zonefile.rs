//! `daneguard::input::zonefile::parse` on a zone file (with a fixed `$INCLUDE` target).
//! Properties: no panic; every record and problem of the main file has a line inside
//! it; every TLSA record read round-trips through daneguard's text forms.
#![no_main]

use std::path::Path;

use daneguard::input::zonefile;
use daneguard_fuzz::assert_tlsa_round_trips;
use hickory_proto::rr::Name;
use libfuzzer_sys::fuzz_target;

/// What any `$INCLUDE` reads: a small fixed file, so nesting stays linear in the input.
const INCLUDED: &str = "$TTL 300\ninc IN A 192.0.2.1\n_25._tcp.inc IN TLSA 3 1 1 00ff\n";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loader = |p: &Path| -> Result<String, zonefile::include::ReadError> {
        if p.file_name().is_some_and(|n| n == "missing.zone") {
            Err(zonefile::include::ReadError::Io("no such file".to_string()))
        } else {
            Ok(INCLUDED.to_string())
        }
    };
    let origin = Name::from_ascii("example.com.").expect("valid origin");
    let zone = zonefile::parse(text, Path::new("fuzz.zone"), origin, None, &loader);
    let lines = text.lines().count();
    for r in &zone.records {
        assert!(r.line >= 1);
        if &*r.file == "fuzz.zone" {
            assert!(r.line <= lines, "record line {} of {lines}", r.line);
        }
        if let Some(t) = r.tlsa() {
            assert_tlsa_round_trips(&t);
        }
    }
    for p in &zone.problems {
        assert!(p.line >= 1);
        if &*p.file == "fuzz.zone" {
            assert!(p.line <= lines, "problem line {} of {lines}", p.line);
        }
    }
});
