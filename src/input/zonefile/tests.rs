//! Unit tests of the zone-file reader.

use std::path::Path;

use hickory_proto::rr::Name;

use super::*;

fn no_include(_: &Path) -> Result<String, include::ReadError> {
    Err(include::ReadError::Io("not available".into()))
}

fn zone(text: &str) -> Zone {
    parse(
        text,
        Path::new("t.zone"),
        Name::from_ascii("example.com.").unwrap(),
        None,
        &no_include,
    )
}

#[test]
fn relative_names_ttls_and_multiline_records_keep_their_lines() {
    let z = zone(
        "$TTL 1h\n@ IN SOA ns hostmaster (\n 1 3600 600\n 86400 300 )\nmx IN A 192.0.2.1\n_25._tcp.mx 300 IN TLSA 3 1 1 (\n  00112233445566778899aabbccddeeff\n  00112233445566778899aabbccddeeff )\n",
    );
    let lines: Vec<(usize, &str, u32)> = z
        .records
        .iter()
        .map(|r| (r.line, r.name.as_str(), r.ttl))
        .collect();
    assert_eq!(
        lines,
        vec![
            (2, "example.com.", 3600),
            (5, "mx.example.com.", 3600),
            (6, "_25._tcp.mx.example.com.", 300)
        ]
    );
    assert_eq!(z.records[2].tlsa().unwrap().data.len(), 32);
    assert!(z.problems.is_empty());
}

#[test]
fn signed_zone_records_are_read_and_owner_inheritance_survives() {
    let z = zone(
        "$TTL 300\nmx 300 RRSIG A 13 3 300 20300101000000 20200101000000 1 example.com. AAAA\n   IN A 192.0.2.1\n  NSEC next.example.com. A RRSIG NSEC\n  IN AAAA ::1\n",
    );
    assert_eq!(z.skipped, 0);
    assert!(z.signed);
    let names: Vec<(&str, usize)> = z
        .records
        .iter()
        .map(|r| (r.name.as_str(), r.line))
        .collect();
    assert_eq!(
        names,
        vec![
            ("mx.example.com.", 2),
            ("mx.example.com.", 3),
            ("mx.example.com.", 4),
            ("mx.example.com.", 5)
        ]
    );
}

#[test]
fn bad_tlsa_data_is_a_problem_with_a_line() {
    let z = zone("$TTL 300\n_25._tcp.mx IN TLSA 3 1 1 abc\n_25._tcp.mx IN TLSA 3 1 1 zz\n");
    let p = lines_and_messages(&z);
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(p[0].0, 2);
    assert!(p[0].1.contains("odd number of hex digits"), "{p:?}");
    assert!(p[1].1.contains("not hexadecimal"), "{p:?}");
}

#[test]
fn comments_and_quotes_do_not_confuse_the_splitter() {
    let z =
        zone("$TTL 300\n@ IN TXT \"a ; not a comment ( \" ; real comment (\nwww IN A 192.0.2.2\n");
    assert_eq!(z.records.len(), 2);
    assert_eq!(z.records[1].line, 3);
}

#[test]
fn ttl_units_parse() {
    assert_eq!(ttl_seconds("1h30m"), Some(5400));
    assert_eq!(ttl_seconds("2d"), Some(172_800));
    assert_eq!(ttl_seconds("IN"), None);
    assert_eq!(ttl_seconds("12x"), None);
}

#[test]
fn cname_beside_other_data_is_a_problem_but_not_beside_rrsig() {
    let z = zone(
        "$TTL 300\nwww IN CNAME web\nwww IN A 192.0.2.1\nok IN CNAME web\nok RRSIG CNAME 13 3 300 20300101000000 20200101000000 1 example.com. AAAA\n",
    );
    let p = lines_and_messages(&z);
    assert_eq!(p.len(), 1, "{p:?}");
    assert_eq!(p[0].0, 2);
    assert!(
        p[0].1.contains("beside other data (A at t.zone:3)"),
        "{p:?}"
    );
}

#[test]
fn records_keep_their_lines_after_a_bad_entry() {
    let z = zone(
        "$TTL 300\na IN A 192.0.2.300\nb IN A 192.0.2.2\n  IN AAAA ::1\nc IN MX ( 10\n  mx )\nd IN A 192.0.2.4\n",
    );
    let lines: Vec<(usize, &str)> = z
        .records
        .iter()
        .map(|r| (r.line, r.name.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![
            (3, "b.example.com."),
            (4, "b.example.com."),
            (5, "c.example.com."),
            (7, "d.example.com.")
        ]
    );
    assert_eq!(z.problems.len(), 1);
    assert_eq!(z.problems[0].line, 2);
}

#[test]
fn origin_names_are_read_as_zone_files_read_them() {
    assert_eq!(parse_name(".").unwrap(), Name::root());
    assert_eq!(
        parse_name("example.com").unwrap().to_ascii(),
        "example.com."
    );
    let rfc2317 = parse_name("0/25.2.0.10.in-addr.arpa.").unwrap();
    assert_eq!(rfc2317.num_labels(), 6);
    assert_eq!(rfc2317.iter().next().unwrap(), b"0/25");
    assert!(parse_name("a..b").is_none());
}

#[test]
fn apex_needs_ns_and_a_given_origin_needs_the_soa_on_top() {
    let text = "$TTL 300\n@ IN SOA ns host 1 2 3 4 5\nns IN A 192.0.2.1\n";
    let mut z = zone(text);
    check_apex(&mut z, None);
    assert_eq!(z.problems.len(), 1, "{:?}", z.problems);
    assert!(
        z.problems[0].message.contains("no NS records"),
        "{:?}",
        z.problems
    );
    let mut z = zone(&format!("{text}@ IN NS ns\n"));
    check_apex(&mut z, Some(&Name::from_ascii("example.com.").unwrap()));
    assert!(z.problems.is_empty(), "{:?}", z.problems);
    check_apex(&mut z, Some(&Name::from_ascii("example.net.").unwrap()));
    assert!(
        z.problems[0].message.contains("not at the top"),
        "{:?}",
        z.problems
    );
}

#[test]
fn skipped_type_without_any_data_is_a_problem_not_a_skip() {
    let z = zone(
        "$TTL 300\n@ EID\n@ 3600 IN DHCID ; nothing\n@ TYPE65000 (\n )\nx APL\nx LOC 1 N 1 E 0\ny EID \\# 0\n",
    );
    let lines = lines_and_messages(&z);
    assert_eq!(
        lines,
        vec![
            (2, "EID record without data: BIND and Knot refuse the zone"),
            (
                3,
                "DHCID record without data: BIND and Knot refuse the zone"
            ),
            (
                4,
                "TYPE65000 record without data: BIND and Knot refuse the zone"
            ),
        ]
    );
    // APL may be empty and LOC with data is skipped (not judged); `\# 0` is generic
    // data that the scanner reads for any type.
    assert_eq!(z.skipped, 2, "{:?}", z.notes);
    assert!(z.records.iter().any(|r| r.line == 8));
}

#[test]
fn at_in_rdata_is_the_origin_as_the_servers_read_it() {
    let z = zone("$TTL 300\n@ NS @\n@ MX 10 @\nwww CNAME @\n$ORIGIN sub.example.com.\n@ MX 5 @\n");
    let targets: Vec<String> = z
        .records
        .iter()
        .map(|r| match &r.data {
            RData::NS(ns) => ns.0.to_ascii(),
            RData::MX(mx) => mx.exchange.to_ascii(),
            RData::CNAME(c) => c.0.to_ascii(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        targets,
        vec![
            "example.com.",
            "example.com.",
            "example.com.",
            "sub.example.com."
        ]
    );
}

#[test]
fn a_file_without_soa_is_refused_only_as_a_whole_zone() {
    let text = "$TTL 300\n@ NS ns\nns A 192.0.2.1\n";
    let mut z = zone(text);
    assert!(z.problems.is_empty(), "a part of a zone: {:?}", z.problems);
    check_whole(&mut z, "example.com.");
    let found = lines_and_messages(&z);
    assert_eq!(
        found,
        vec![(
            2,
            "no SOA record at the top of the zone example.com.: a whole zone (--whole-zone) needs one; BIND and Knot refuse the zone"
        )]
    );
    let mut whole = zone("$TTL 300\n@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
    check_whole(&mut whole, "example.com.");
    assert!(whole.problems.is_empty(), "{:?}", whole.problems);
}

#[test]
fn relative_include_origin_is_refused_as_knot_does() {
    let load = |_: &Path| Ok("a NS @\n".to_string());
    for (origin, relative) in [
        ("a", true),
        ("%", true),
        ("a\\.", true),
        ("a.", false),
        ("\"a.\"", false),
        ("a\\..", false),
        (".", false),
        ("", false),
    ] {
        let text = format!("$TTL 300\n$INCLUDE part.inc {origin}\n");
        let z = parse(&text, Path::new("t.zone"), Name::root(), None, &load);
        let found: Vec<(usize, bool)> = z
            .problems
            .iter()
            .map(|p| (p.line, p.message.contains("is not absolute")))
            .collect();
        let expected = if relative { vec![(2, true)] } else { vec![] };
        assert_eq!(found, expected, "origin {origin:?}: {:?}", z.problems);
        // The records are still read, as BIND reads them.
        assert_eq!(z.records.len(), 1, "origin {origin:?}");
    }
}

/// The problems of a zone as (line, message), for the checks on typed data.
/// Line and message of each problem.
fn lines_and_messages(z: &Zone) -> Vec<(usize, &str)> {
    z.problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect()
}

fn problems_of(text: &str) -> Vec<(usize, String)> {
    zone(text)
        .problems
        .iter()
        .map(|p| (p.line, p.message.clone()))
        .collect()
}

const HASH: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

#[test]
fn nsec3_next_hashed_owner_of_a_wrong_length_is_refused() {
    // 23 base32hex characters (BIND's bad-nsec3-length.db), 16 and 64: not 20 octets.
    for next in [
        "IMQ912BREQP1POLAH3RMONG",
        "0123456789ABCDEF",
        &HASH.repeat(2),
    ] {
        let p = problems_of(&format!(
            "$TTL 300\n{HASH} NSEC3 1 0 10 76931F {next} A RRSIG\n"
        ));
        assert_eq!(p.len(), 1, "{next}: {p:?}");
        assert_eq!(p[0].0, 2);
        assert!(p[0].1.starts_with("NSEC3 next hashed owner of "), "{p:?}");
        assert!(
            p[0].1
                .ends_with("not the 20 of a SHA-1 hash: BIND refuses the zone")
        );
    }
    let ok = problems_of(&format!(
        "$TTL 300\n{HASH} NSEC3 1 0 10 76931F {HASH} A RRSIG\n"
    ));
    assert!(ok.is_empty(), "{ok:?}");
}

#[test]
fn nsec3_owner_label_that_is_not_base32hex_is_refused() {
    // As BIND checks it: padding, a letter beyond V, a length no hash has, and
    // unused trailing bits that are not zero.
    for owner in ["CPNMU===", "www", "CPN", "CPNMV", "a.CPNMU"] {
        let p = problems_of(&format!("$TTL 300\n{owner} NSEC3 1 0 10 76931F {HASH} A\n"));
        assert_eq!(p.len(), 1, "{owner}: {p:?}");
        assert!(p[0].1.contains("is not base32hex of a hash"), "{p:?}");
    }
    for owner in ["CPNMU", "cpnmu", "00", HASH] {
        let p = problems_of(&format!("$TTL 300\n{owner} NSEC3 1 0 10 76931F {HASH} A\n"));
        assert!(p.is_empty(), "{owner}: {p:?}");
    }
}

#[test]
fn svcb_alpn_with_an_empty_id_is_refused() {
    // BIND's bad-svcb-alpn1, 2, 4, 5: `\,` is a comma once the value is unescaped.
    // (`alpn=abc,` and `alpn=abc\,`, 3 and 6, are not caught: `domain` drops the
    // empty last item, so the parsed data is `abc`.)
    for alpn in [r"\,abc", r"a\,\,abc", ",abc", "a,,abc"] {
        for rtype in ["SVCB", "HTTPS"] {
            let p = problems_of(&format!("$TTL 300\nsvcb {rtype} 1 . alpn={alpn}\n"));
            let expected =
                format!("{rtype} alpn with an empty protocol id: BIND and Knot refuse the zone");
            assert_eq!(p, vec![(2, expected)], "{alpn}");
        }
    }
    let ok = problems_of("$TTL 300\nsvcb SVCB 1 . alpn=h2,h3\nsvcb HTTPS 1 . alpn=h2\n");
    assert!(ok.is_empty(), "{ok:?}");
}

#[test]
fn openpgpkey_without_a_key_is_refused() {
    // Knot's 54_OPENPGPKEY.in; `\# 0` is refused by both servers all the same.
    for data in ["", r" \# 0"] {
        let p = problems_of(&format!("$TTL 300\n@ OPENPGPKEY{data}\n"));
        let m = "OPENPGPKEY record without a key: BIND and Knot refuse the zone";
        assert_eq!(p, vec![(2, m.to_string())], "{data:?}");
    }
    assert!(problems_of("$TTL 300\n@ OPENPGPKEY AA==\n").is_empty());
}

#[test]
fn unknown_type_number_without_generic_data_is_refused() {
    let z = zone("$TTL 300\nx TYPE65000 abc\ny TYPE65000 \\# 2 0011\nz TYPE42 1:0.0.0.0/0\n");
    let found = lines_and_messages(&z);
    assert_eq!(
        found,
        vec![(
            2,
            "TYPE65000 data is not RFC 3597 generic data, which a type no server knows must have: BIND and Knot refuse the zone"
        )]
    );
    // TYPE42 is APL, which the servers read in its own syntax: skipped, not judged.
    assert_eq!(z.skipped, 1, "{:?}", z.notes);
}

/// `\#` data of the wrong length is named as such, not as data that is not generic.
#[test]
fn unknown_type_number_with_broken_generic_data_says_so() {
    let z = zone("$TTL 300\nx TYPE65000 \\# 3 abcd\n");
    assert_eq!(
        lines_and_messages(&z),
        vec![(
            2,
            "TYPE65000 record does not parse: generic data has incorrect length"
        )]
    );
}

/// Review: a whole zone whose only SOA does not parse got a second finding, "no SOA".
#[test]
fn a_broken_soa_is_one_finding_in_a_whole_zone() {
    let mut z = zone("$TTL 300\n@ SOA ns\n@ NS ns\nns A 192.0.2.1\n");
    check_whole(&mut z, "example.com.");
    let found = lines_and_messages(&z);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, 2);
}

/// Asserts that the one record `@ RTYPE DATA` is refused with `message`, on line 2.
fn refused_as(rtype: &str, data: &str, message: &str) {
    let p = problems_of(&format!("$TTL 300\n@ {rtype} {data}\n"));
    assert_eq!(p, vec![(2, message.to_string())], "{rtype} {data}");
}

/// BIND's bad-eui48-*/bad-eui64-* zones and Knot's 66_EUI48.in/67_EUI64.in: the one
/// form RFC 7043 gives, checked because the scanner has no parser for these types.
#[test]
fn eui48_and_eui64_data_not_in_their_form_is_refused() {
    let good = "$TTL 300\na EUI48 00-00-5e-00-53-2A\nb EUI64 00-00-5E-EF-10-00-00-2a\nc TYPE108 \\# 6 000000000000\nd TYPE109 00-00-00-00-00-00-00-00\ne eui48 aa-bb-cc-dd-ee-ff\n";
    let z = zone(good);
    assert!(z.problems.is_empty(), "{:?}", z.problems);
    assert_eq!(z.skipped, 4, "{:?}", z.notes);
    for (rtype, data, pairs) in [
        ("EUI48", "01-23-45-567-89-ab", 6),
        ("EUI48", "01-23-45-67-89", 6),
        ("EUI48", "00:00-00-00-00-00", 6),
        ("EUI48", "00-00-00-00-00-00 x", 6),
        ("EUI64", "01-23-45-567-89-ab-cd-ef", 8),
        ("EUI64", "01-23-45-67-89-ab-cd", 8),
        ("TYPE109", "00-00-00-x0-00-00-00-00", 8),
    ] {
        let m = format!(
            "{rtype} data '{data}' is not {pairs} hex pairs joined by '-' (RFC 7043): BIND and Knot refuse the zone"
        );
        refused_as(rtype, data, &m);
    }
}

/// BIND's bad-nsap-empty.db and bad-nsap-odd-nibble.db; good-nsap.db's dotted form.
#[test]
fn nsap_data_that_is_not_an_even_number_of_hex_digits_is_refused() {
    let z = zone(
        "$TTL 300\na NSAP 0x47.0005.80.005a00.0000....0001.e133.ffffff000162.00\nb NSAP 0X4700\nc TYPE22 \\# 2 4700\n",
    );
    assert!(z.problems.is_empty(), "{:?}", z.problems);
    for data in [
        "0x",
        "0x47000580005a0000000001e133ffffff000161000",
        "4700",
        "0x47 00",
        "0x47g0",
    ] {
        let m = format!(
            "NSAP data '{data}' is not '0x' and an even number of hex digits (RFC 1706 §5): BIND and Knot refuse the zone"
        );
        refused_as("NSAP", data, &m);
    }
}

/// BIND's bad-unspec.db (`TYPE103 ^# 1 00`): Knot reads UNSPEC only as generic data.
#[test]
fn unspec_data_that_is_not_generic_is_refused() {
    assert!(problems_of("$TTL 300\n@ TYPE103 \\# 1 00\n").is_empty());
    let m = r"TYPE103 data '^# 1 00' is not RFC 3597 generic data (\# LENGTH HEX): Knot refuses the zone";
    refused_as("TYPE103", "^# 1 00", m);
}

/// BIND's bad-svcb-alpn3.db (`alpn=abc\,`) and bad-svcb-alpn6.db (`alpn=abc,`): the
/// scanner drops the empty last id, so the entry's words are checked.
#[test]
fn svcb_alpn_with_an_empty_last_id_is_refused() {
    for data in [
        r"alpn=abc\,",
        "alpn=abc,",
        r#"alpn="h2,""#,
        r"alpn=h2\044",
        r#"alpn="a b," port=53"#,
    ] {
        let m = "SVCB alpn ends with an empty protocol id: BIND and Knot refuse the zone";
        refused_as("SVCB", &format!("1 . {data}"), m);
    }
    // An escaped comma in an id is a comma, not a separator (both servers load these).
    for data in [r"alpn=abc\\,", r#"alpn="h2,h3""#, "alpn=h2 port=53"] {
        assert!(
            problems_of(&format!("$TTL 300\n@ HTTPS 1 . {data}\n")).is_empty(),
            "{data}"
        );
    }
}

/// Review: another key's quoted value holding ` alpn=b,` is not an alpn list (both
/// servers load it), a target name is not a parameter, and a list with escapes of its
/// own is skipped by the scanner (`alpn=abc\\\\,` in the file: BIND refuses it, Knot
/// loads it).
#[test]
fn only_the_alpn_parameter_itself_is_judged() {
    for data in [r#"key65000="a alpn=b,""#, r"alpn=h2 key65000=x,"] {
        let p = problems_of(&format!("$TTL 300\n@ SVCB 1 . {data}\n"));
        assert!(p.is_empty(), "{data}: {p:?}");
    }
    let m = "SVCB alpn ends with an empty protocol id: BIND and Knot refuse the zone";
    refused_as("SVCB", r#"1 . key65000="a" alpn=b,"#, m);
    let z = zone("$TTL 300\n@ SVCB 1 . alpn=abc\\\\\\\\,\n");
    assert!(z.problems.is_empty(), "{:?}", z.problems);
    assert_eq!(z.skipped, 1, "{:?}", z.notes);
}

/// Review: a `$GENERATE` line of a skipped type was judged as its template (`0$` is not
/// hex) and named "unknown record type"; BIND loads it. Its alpn template is judged,
/// as its expansions keep a trailing ','.
#[test]
fn generate_templates_of_skipped_types_are_skipped_and_alpn_is_judged() {
    let z = zone("$TTL 300\n$GENERATE 1-3 h$ EUI48 00-00-00-00-00-0$\n");
    assert!(z.problems.is_empty(), "{:?}", z.problems);
    assert_eq!(z.skipped, 3, "{:?}", z.notes);
    let p = problems_of("$TTL 300\n$GENERATE 1-2 s$ SVCB 1 . alpn=h$,\n");
    let m = "SVCB alpn ends with an empty protocol id: BIND and Knot refuse the zone";
    assert_eq!(p, vec![(2, m.to_string()), (2, m.to_string())]);
}

/// Bytes that are not UTF-8 become `\DDD`; after an escaping backslash only the digits
/// are added, so the byte keeps its meaning.
#[test]
fn raw_bytes_become_decimal_escapes_that_mean_the_same_byte() {
    assert_eq!(super::text_of(b"a\xe9b".to_vec()), "a\\233b");
    assert_eq!(super::text_of(b"a\\\xe9b".to_vec()), "a\\233b");
    assert_eq!(super::text_of(b"a\\\\\xe9b".to_vec()), "a\\\\\\233b");
    assert_eq!(super::text_of("caf\u{e9}".as_bytes().to_vec()), "caf\u{e9}");
}
