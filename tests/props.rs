//! Property tests (proptest): every TLSA record survives a round trip through each text
//! form daneguard writes, host names normalise idempotently, and escaped text never
//! holds a control character.
//!
//! The text forms are produced by daneguard's own renderers (`render::zone`,
//! `render::nsupdate`, `render::generic`, `render::json`) and read back by
//! `tlsa::parse_rdata`, by hickory's zone parser (`zonefile::parse`), by a decoder of
//! RFC 3597 `\# LEN HEX` written here, and by serde_json.

use std::path::Path;

use daneguard::chain::KeyKind;
use daneguard::dane::recordset::{About, Block};
use daneguard::input::material::{KeyOrigin, LoneKey};
use daneguard::input::zonefile;
use daneguard::owner::{Host, Proto};
use daneguard::render::{self, Generated, json::RecordDoc};
use daneguard::sanitize::{escape, escape_bytes, visible};
use daneguard::tlsa::{self, Params, Tlsa};
use hickory_proto::rr::Name;
use proptest::prelude::*;
use proptest::test_runner::Config;

const OWNER: &str = "_25._tcp.mx.example.com.";

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Never write proptest-regressions/ files into the source tree; a failure
        // prints the minimal input instead.
        failure_persistence: None,
        ..Config::default()
    }
}

fn record() -> impl Strategy<Value = Tlsa> {
    record_with_len(0..=300)
}

fn record_with_len(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Tlsa> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        proptest::collection::vec(any::<u8>(), len),
    )
        .prop_map(|(u, s, m, data)| Tlsa {
            params: Params::new(u, s, m),
            data,
        })
}

/// Runs one of daneguard's `generate` renderers on a single record.
fn render(
    t: &Tlsa,
    ttl: Option<u32>,
    write: fn(&mut dyn std::io::Write, &[Generated<'_>]) -> std::io::Result<()>,
) -> String {
    let key = LoneKey {
        spki: vec![0x30, 0x00],
        kind: KeyKind::Other,
        origin: KeyOrigin::PublicKey,
    };
    let blocks = [Block {
        about: About::Key(&key),
        records: vec![t.clone()],
    }];
    let owners = [OWNER.to_string()];
    let view = Generated {
        input: "props",
        owners: &owners,
        ttl,
        chaingen_style: false,
        comments: false,
        blocks: &blocks,
    };
    let mut out = Vec::new();
    write(&mut out, &[view]).expect("rendering to memory");
    String::from_utf8(out).expect("UTF-8 output")
}

/// Decodes RFC 3597 generic RDATA `\# LEN HEX` into wire bytes, checking LEN.
fn decode_generic(text: &str) -> Vec<u8> {
    let rest = text
        .strip_prefix("\\# ")
        .unwrap_or_else(|| panic!("{text:?} does not start with \\#"));
    let (len, hex_text) = rest
        .split_once(' ')
        .unwrap_or_else(|| panic!("{text:?} is not \\# LEN HEX"));
    let wire = hex::decode(hex_text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(len.parse::<usize>().ok(), Some(wire.len()), "{text:?}");
    wire
}

fn wire(t: &Tlsa) -> Vec<u8> {
    let p = t.params;
    let mut w = vec![p.usage.0, p.selector.0, p.matching.0];
    w.extend(&t.data);
    w
}

/// Reads zone text with daneguard's zone-file reader (hickory's parser underneath).
fn read_zone(text: &str) -> zonefile::Zone {
    let no_include = |_: &Path| -> Result<String, zonefile::include::ReadError> {
        Err(zonefile::include::ReadError::Io("no $INCLUDE here".into()))
    };
    zonefile::parse(
        text,
        Path::new("props.zone"),
        Name::from_ascii("example.com.").expect("origin"),
        Some(300),
        &no_include,
    )
}

proptest! {
    #![proptest_config(config(512))]

    /// `OWNER [TTL ]IN TLSA U S M HEX` as `generate --format zone` writes it: the RDATA
    /// part parses back with parse_rdata, and the whole line with the zone reader.
    #[test]
    fn zone_line_round_trips(t in record_with_len(1..=300), ttl in proptest::option::of(0u32..=2_147_483_647)) {
        let text = render(&t, ttl, render::zone::generated);
        let line = text.strip_suffix('\n').expect("one line");
        prop_assert!(!line.contains('\n'), "{line:?}");
        let ttl_part = ttl.map(|v| format!("{v} ")).unwrap_or_default();
        let prefix = format!("{OWNER} {ttl_part}IN TLSA ");
        let rdata = line.strip_prefix(&prefix).unwrap_or_else(|| panic!("{line:?}"));
        prop_assert_eq!(tlsa::parse_rdata(rdata), Ok(t.clone()));
        let zone = read_zone(&text);
        prop_assert!(zone.problems.is_empty(), "{:?}", zone.problems);
        prop_assert_eq!(zone.records.len(), 1);
        prop_assert_eq!(zone.records[0].name.as_str(), OWNER);
        prop_assert_eq!(zone.records[0].ttl, ttl.unwrap_or(300));
        prop_assert_eq!(zone.records[0].tlsa(), Some(t));
    }

    /// `update add OWNER TTL IN TLSA U S M HEX` as `--format nsupdate` writes it.
    #[test]
    fn nsupdate_line_round_trips(t in record_with_len(1..=300)) {
        let text = render(&t, None, render::nsupdate::generated);
        let mut lines = text.lines();
        let line = lines.next().expect("an update line");
        prop_assert_eq!(lines.next(), Some("send"));
        let rdata = line
            .strip_prefix(&format!("update add {OWNER} 3600 IN TLSA "))
            .unwrap_or_else(|| panic!("{line:?}"));
        prop_assert_eq!(tlsa::parse_rdata(rdata), Ok(t));
    }

    /// RFC 3597: `Tlsa::generic_rdata()` and `--format generic` decode to the wire bytes.
    #[test]
    fn generic_form_round_trips(t in record()) {
        prop_assert_eq!(decode_generic(&t.generic_rdata()), wire(&t));
        let text = render(&t, None, render::generic::generated);
        let line = text.strip_suffix('\n').expect("one line");
        let rdata = line
            .strip_prefix(&format!("{OWNER} IN TYPE52 "))
            .unwrap_or_else(|| panic!("{line:?}"));
        prop_assert_eq!(decode_generic(rdata), wire(&t));
    }

    /// JSON: `RecordDoc` serialized with serde_json and read back as a Value, and the
    /// whole `generate --format json` document.
    #[test]
    fn json_round_trips(t in record(), ttl in proptest::option::of(any::<u32>()), depth in proptest::option::of(0usize..16)) {
        let doc = RecordDoc::new(OWNER, ttl, &t, depth);
        let text = serde_json::to_string(&doc).expect("serializes");
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        check_json_record(&v, &t, ttl, depth);
        let text = render(&t, ttl, render::json::generated);
        let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let records = v["inputs"][0]["records"].as_array().expect("records array");
        prop_assert_eq!(records.len(), 1);
        check_json_record(&records[0], &t, ttl, None);
    }

    /// `Params::names()` (RFC 7218 names, numbers for unassigned values) parses back.
    #[test]
    fn params_names_and_numbers_round_trip(u in any::<u8>(), s in any::<u8>(), m in any::<u8>()) {
        let p = Params::new(u, s, m);
        prop_assert_eq!(tlsa::parse_params(&p.names()), Ok(p));
        prop_assert_eq!(tlsa::parse_params(&p.to_string()), Ok(p));
        prop_assert_eq!(tlsa::parse_params(&p.names().to_lowercase()), Ok(p));
        prop_assert_eq!(tlsa::parse_params_list(&format!("{}, {p}", p.names())), Ok(vec![p]));
    }

    /// `Host::parse` never panics; what it accepts parses again to the same value.
    #[test]
    fn host_parse_is_idempotent_on_any_text(text in any::<String>()) {
        check_host(&text);
    }

    #[test]
    fn host_parse_is_idempotent_on_name_like_text(
        labels in proptest::collection::vec("[a-zA-Z0-9_*-]{0,70}|[a-zäöüßÅЖж日本xn-]{1,20}|[\\u{80}-\\u{10ffff}]{1,5}", 1..6),
        dot in any::<bool>(),
    ) {
        let mut text = labels.join(".");
        if dot {
            text.push('.');
        }
        check_host(&text);
    }

    /// `sanitize::escape` output never holds a control character (nor a bidi control),
    /// whatever the input; `escape_bytes` likewise for any bytes.
    #[test]
    fn escape_output_has_no_control_character(text in any::<String>()) {
        check_escaped(&escape(&text));
    }

    #[test]
    fn escape_output_has_no_control_character_on_control_heavy_text(
        text in "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{61c}\\u{200b}-\\u{200f}\\u{2028}-\\u{202e}\\u{2066}-\\u{2069}\\u{feff}\\\\a-z ]{0,64}",
    ) {
        check_escaped(&escape(&text));
    }

    /// `sanitize::visible`, the renderers' last pass, leaves no control character
    /// either, and a second pass changes nothing.
    #[test]
    fn visible_output_has_no_control_character_and_is_stable(text in any::<String>()) {
        let once = visible(&text);
        check_escaped(&once);
        prop_assert_eq!(visible(&once), once.clone());
    }

    #[test]
    fn escape_bytes_output_has_no_control_character(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        check_escaped(&escape_bytes(&bytes));
    }
}

fn check_json_record(v: &serde_json::Value, t: &Tlsa, ttl: Option<u32>, depth: Option<usize>) {
    assert_eq!(v["owner"], OWNER, "{v}");
    assert_eq!(v["ttl"], serde_json::json!(ttl), "{v}");
    assert_eq!(v["usage"], t.params.usage.0, "{v}");
    assert_eq!(v["selector"], t.params.selector.0, "{v}");
    assert_eq!(v["matching"], t.params.matching.0, "{v}");
    let data = v["data"].as_str().expect("data is a string");
    assert_eq!(hex::decode(data).expect("data is hex"), t.data, "{v}");
    assert_eq!(v["names"], t.params.names(), "{v}");
    assert_eq!(
        tlsa::parse_params(v["names"].as_str().expect("names")),
        Ok(t.params)
    );
    assert_eq!(v["depth"], serde_json::json!(depth), "{v}");
}

fn check_host(text: &str) {
    let Ok(host) = Host::parse(text) else {
        return;
    };
    let s = host.as_str();
    assert!(s.is_ascii() && s.len() <= 253, "{text:?} -> {s:?}");
    assert_eq!(s, s.to_ascii_lowercase(), "{text:?} -> {s:?}");
    assert_eq!(Host::parse(s), Ok(host.clone()), "{text:?} -> {s:?}");
    assert_eq!(Host::parse(&format!("{s}.")), Ok(host.clone()), "{s:?}.");
    let owner = host.tlsa_owner(25, Proto::Tcp);
    assert!(owner.ends_with(&format!(".{s}.")), "{owner}");
}

fn check_escaped(out: &str) {
    if let Some(c) = out.chars().find(|c| {
        c.is_control()
            || matches!(c, '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    }) {
        panic!("{c:?} in escaped output {out:?}");
    }
}

/// Exhaustive: every usage, selector and matching value, names and numbers.
#[test]
fn every_parameter_value_round_trips_by_name_and_number() {
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            for p in [
                Params::new(a, b, a ^ b),
                Params::new(b, a, a),
                Params::new(a.wrapping_add(b), b, a),
            ] {
                assert_eq!(tlsa::parse_params(&p.names()), Ok(p), "{}", p.names());
                assert_eq!(tlsa::parse_params(&p.to_string()), Ok(p), "{p}");
            }
        }
    }
}

/// Exhaustive: every data length 1..=300 with every value in each field position.
#[test]
fn every_length_and_field_value_round_trips_through_the_zone_line() {
    for len in 1..=300usize {
        let v = (len % 256) as u8;
        let t = Tlsa {
            params: Params::new(v, 255 - v, v.wrapping_mul(7)),
            data: (0..len).map(|i| (i * 31 + len) as u8).collect(),
        };
        let text = render(&t, None, render::zone::generated);
        let rdata = text
            .trim_end()
            .strip_prefix(&format!("{OWNER} IN TLSA "))
            .expect("zone line");
        assert_eq!(tlsa::parse_rdata(rdata), Ok(t.clone()), "{text}");
        assert_eq!(decode_generic(&t.generic_rdata()), wire(&t));
    }
}

/// A record with no association data is legal on the wire (RDATA `U S M` and zero
/// bytes) but has no TLSA presentation form (RFC 6698 §2.2 wants hex); the generic form
/// carries it.
#[test]
fn empty_association_data_round_trips_through_the_generic_form() {
    let t = Tlsa {
        params: Params::new(3, 1, 1),
        data: vec![],
    };
    assert_eq!(t.generic_rdata(), "\\# 3 030101");
    assert_eq!(decode_generic(&t.generic_rdata()), wire(&t));
}
