//! Unit tests of the zone structure rules, one per rule, each with the case that
//! the servers load (no finding) beside the one they refuse.

use std::path::Path;

use hickory_proto::rr::Name;

use super::check;
use crate::findings::Code;
use crate::input::zonefile::{self, Zone};

const HEAD: &str = "$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 192.0.2.1\n";

fn zone(text: &str) -> Zone {
    let no_include = |_: &Path| -> Result<String, zonefile::include::ReadError> {
        Err(zonefile::include::ReadError::Io("not available".into()))
    };
    zonefile::parse(
        text,
        Path::new("t.zone"),
        Name::from_ascii("example.com.").unwrap(),
        None,
        &no_include,
    )
}

/// (line, message) of each finding, all of them `zone-structure`.
fn found(body: &str) -> Vec<(usize, String)> {
    let z = zone(&format!("{HEAD}{body}"));
    assert!(z.problems.is_empty(), "{:?}", z.problems);
    check(&z)
        .into_iter()
        .inspect(|l| assert_eq!(l.finding.code, Code::ZoneStructure))
        .map(|l| (l.line, l.finding.message))
        .collect()
}

#[test]
fn a_clean_zone_has_no_structure_finding() {
    assert!(found("mx A 192.0.2.2\nns2 AAAA 2001:db8::1\n@ NS ns2\n").is_empty());
}

#[test]
fn apex_ns_target_in_zone_without_address_is_refused() {
    let f = found("@ NS ns2\n");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, 5);
    assert!(
        f[0].1
            .contains("NS target ns2.example.com. has no A or AAAA record in the zone: BIND and Knot refuse the zone"),
        "{f:?}"
    );
}

#[test]
fn ns_targets_outside_the_zone_or_under_a_wildcard_are_not_judged() {
    assert!(found("@ NS ns.example.net.\nsub NS ns.example.org.\n").is_empty());
    assert!(found("@ NS ns2\n* A 192.0.2.9\n").is_empty());
}

#[test]
fn delegation_without_glue_is_reported_with_glue_it_is_not() {
    let f = found("sub NS ns.sub\n");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].1
            .contains("the delegation of sub.example.com. cannot be followed")
    );
    assert!(found("sub NS ns.sub\nns.sub A 192.0.2.7\n").is_empty());
    // Data below a delegation is occluded: its NS records are not judged.
    assert!(found("sub NS ns.sub\nns.sub A 192.0.2.7\nx.sub NS y.sub\n").is_empty());
}

#[test]
fn ns_target_that_is_a_cname_is_refused() {
    let f = found("@ NS alias\nalias CNAME ns\n");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].1.contains("is a CNAME"), "{f:?}");
}

#[test]
fn records_below_a_dname_are_reported_once_with_the_first() {
    let f = found(
        "d DNAME example.net.\nx.d A 192.0.2.2\n_25._tcp.y.d TLSA 3 1 1 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
    );
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, 6);
    assert!(
        f[0].1
            .starts_with("2 record(s) below the DNAME at d.example.com., first x.d.example.com. A"),
        "{f:?}"
    );
}

#[test]
fn ns_target_below_a_dname_names_the_dname() {
    let f = found("@ NS ns.d\nd DNAME example.net.\nns.d A 192.0.2.3\n");
    assert!(
        f.iter()
            .any(|(l, m)| *l == 5 && m.contains("is below the DNAME at d.example.com.")),
        "{f:?}"
    );
}

#[test]
fn two_dnames_at_one_owner_and_ns_beside_a_dname_are_refused() {
    let f = found("d DNAME example.net.\nd DNAME example.org.\n");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].1
            .contains("more than one DNAME record at d.example.com.")
    );
    // The same DNAME twice is one record to the servers.
    assert!(found("d DNAME example.net.\nd DNAME example.net.\n").is_empty());
    let f = found("d DNAME example.net.\nd NS ns.example.net.\n");
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].1
            .contains("NS records beside the DNAME at d.example.com.")
    );
}

#[test]
fn a_fragment_without_soa_is_not_judged() {
    let z = zone("@ NS ns2\nd DNAME example.net.\nx.d A 192.0.2.2\n");
    assert!(check(&z).is_empty());
}

#[test]
fn ancestors_walk_up_to_the_root_and_keep_escaped_dots() {
    let up: Vec<&str> = super::ancestors("a.b\\.c.d.").collect();
    assert_eq!(up, vec!["b\\.c.d.", "d.", "."]);
    assert_eq!(super::ancestors(".").count(), 0);
    assert!(super::below("x.example.com.", "example.com."));
    assert!(!super::below("xexample.com.", "example.com."));
    assert!(super::below("com.", "."));
}

#[test]
fn a_delegation_to_a_target_under_another_delegation_needs_no_glue_here() {
    assert!(found("a NS ns.b\nb NS ns.b\nns.b A 192.0.2.5\nc NS ns9.b\n").is_empty());
}

#[test]
fn nsec3_records_below_an_apex_dname_are_not_hidden_data() {
    let z = zone(&format!(
        "{HEAD}@ DNAME example.net.\nabcdefgh NSEC3 1 0 0 - ABCDEFGHIJKLMNOPQRSTUV0123456789 A\n"
    ));
    // Only ns.example.com. (of HEAD) is hidden data; the NSEC3 record is not counted.
    let f = check(&z);
    let hidden: Vec<&str> = f
        .iter()
        .map(|l| l.finding.message.as_str())
        .filter(|m| m.contains("record(s) below the DNAME"))
        .collect();
    assert_eq!(hidden.len(), 1, "{f:?}");
    assert!(
        hidden[0]
            .starts_with("1 record(s) below the DNAME at example.com., first ns.example.com. A")
    );
}

#[test]
fn a_wildcard_outside_the_zone_does_not_answer_for_an_ns_target() {
    let z = zone(&format!("{HEAD}@ NS ns2\n*. A 192.0.2.9\n"));
    assert_eq!(check(&z).len(), 1);
}

/// An ECDSA P-256 DNSKEY (from Knot's semantic-check zones) and its key tag.
const KSK: &str = "@ DNSKEY 257 3 13 7fs6TMYYlkkxI1PCunVT9dxcxWVGXu1N7xVv2EUyVYMXSn/Z04URNTaxXcoWuDafy99G8rcToPycl2oOhc+s0w==\n";
const DIGEST: &str = "6F8129D687EC387C948E6F4B0AC9AA01481CCEBF7570AFEC582897E7725122D6";

fn ksk_tag() -> u16 {
    use hickory_proto::dnssec::rdata::DNSSECRData;
    let z = zone(&format!("{HEAD}{KSK}"));
    z.records
        .iter()
        .find_map(|r| match &r.data {
            hickory_proto::rr::RData::DNSSEC(DNSSECRData::DNSKEY(k)) => k.calculate_key_tag().ok(),
            _ => None,
        })
        .unwrap()
}

#[test]
fn cds_must_name_a_dnskey_of_the_zone_by_tag_and_algorithm() {
    let tag = ksk_tag();
    assert!(found(&format!("{KSK}@ CDS {tag} 13 2 {DIGEST}\n")).is_empty());
    let f = found(&format!("{KSK}@ CDS {tag} 8 2 {DIGEST}\n"));
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].1
            .contains(&format!("CDS record for key tag {tag} matches no DNSKEY"))
    );
}

#[test]
fn delete_cds_and_cdnskey_must_be_exactly_the_rfc_8078_forms() {
    assert!(found("@ CDS 0 0 0 00\n@ CDNSKEY 0 3 0 AA==\n").is_empty());
    let f = found("@ CDS 0 0 0 01\n@ CDNSKEY 0 3 0 BA==\n");
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f[0].1.contains("must be exactly `0 0 0 00`"), "{f:?}");
    assert!(f[1].1.contains("must be exactly `0 3 0 AA==`"), "{f:?}");
}
