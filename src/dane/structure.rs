//! Rules on the shape of a whole zone that the name servers enforce when they load
//! it (pure): every in-zone name server target has an address in the zone,
//! nothing sits below or beside a DNAME that the DNAME hides (RFC 6672 §2.3, §2.4),
//! and the CDS/CDNSKEY records for the parent are well formed and name a key.
//! A zone that breaks them is refused by Knot (and, for the zone's own NS, by BIND
//! too); TLSA records below a DNAME are never served at all.
//!
//! Only a file with an SOA is a whole zone; a fragment (a file meant for
//! `$INCLUDE`) may have its addresses elsewhere, so it is not judged here.

use std::collections::{BTreeMap, BTreeSet};

use hickory_proto::rr::{RData, RecordType};

use crate::dane::zone::Located;
use crate::findings::{Code, Finding};
use crate::input::zonefile::{Zone, ZoneRecord};

/// The owners of a zone's records and what they hold, for quick look-ups.
struct Index<'z> {
    apex: &'z str,
    by_owner: BTreeMap<&'z str, Vec<&'z ZoneRecord>>,
    /// DNAME owners, in name order.
    dnames: BTreeSet<&'z str>,
    /// Delegation points: NS owners below the apex.
    cuts: BTreeSet<&'z str>,
}

/// Checks the zone's structure; no findings for a file without an SOA.
pub fn check(zone: &Zone) -> Vec<Located> {
    let Some(soa) = zone.records.iter().find(|r| r.rtype == RecordType::SOA) else {
        return Vec::new();
    };
    let index = Index::new(zone, &soa.name);
    let mut out = Vec::new();
    ns_addresses(&index, &mut out);
    dname_rules(&index, &mut out);
    child_ds_rules(&index, &mut out);
    out
}

/// Whether `name` is strictly below `parent` (both lower-case, with trailing dot).
fn below(name: &str, parent: &str) -> bool {
    ancestors(name).any(|a| a == parent)
}

fn at_or_below(name: &str, parent: &str) -> bool {
    name == parent || below(name, parent)
}

/// The names above `name`, nearest first, ending with the root (`a.b.` gives `b.`,
/// `.`); a dot escaped inside a label (`a\.b.`) does not split it.
fn ancestors(name: &str) -> impl Iterator<Item = &str> {
    let bytes = name.as_bytes();
    let mut i = 0;
    let mut done = name == ".";
    std::iter::from_fn(move || {
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'.' => {
                    i += 1;
                    if i < bytes.len() {
                        return Some(&name[i..]);
                    }
                }
                _ => i += 1,
            }
        }
        if done {
            return None;
        }
        done = true;
        Some(".")
    })
}

impl<'z> Index<'z> {
    fn new(zone: &'z Zone, apex: &'z str) -> Index<'z> {
        let mut by_owner: BTreeMap<&str, Vec<&ZoneRecord>> = BTreeMap::new();
        let mut dnames = BTreeSet::new();
        let mut cuts = BTreeSet::new();
        for r in &zone.records {
            by_owner.entry(r.name.as_str()).or_default().push(r);
            match r.rtype {
                RecordType::DNAME => {
                    dnames.insert(r.name.as_str());
                }
                RecordType::NS if below(&r.name, apex) => {
                    cuts.insert(r.name.as_str());
                }
                _ => {}
            }
        }
        Index {
            apex,
            by_owner,
            dnames,
            cuts,
        }
    }

    fn has(&self, name: &str, types: &[RecordType]) -> bool {
        self.by_owner
            .get(name)
            .is_some_and(|rs| rs.iter().any(|r| types.contains(&r.rtype)))
    }

    /// The nearest DNAME owner that `name` lies strictly below, if any.
    fn dname_above(&self, name: &str) -> Option<&'z str> {
        ancestors(name).find_map(|a| self.dnames.get(a).copied())
    }

    /// Whether a wildcard (`*.parent`) could answer for `name`: the servers then
    /// find an address by synthesis, so the target is not reported.
    fn wildcard_covers(&self, name: &str) -> bool {
        // Only the zone's own wildcards: the servers ignore out-of-zone data.
        let in_zone = |a: &&str| at_or_below(a, self.apex);
        ancestors(name).filter(in_zone).any(|a| {
            let wildcard = if a == "." {
                "*.".to_string()
            } else {
                format!("*.{a}")
            };
            self.by_owner.contains_key(wildcard.as_str())
        })
    }

    /// The nearest delegation point that `name` lies strictly below, if any.
    fn cut_above(&self, name: &str) -> Option<&'z str> {
        ancestors(name).find_map(|a| self.cuts.get(a).copied())
    }

    /// Whether the data at `owner` is hidden by a delegation or a DNAME above it
    /// (the servers do not check occluded data).
    fn occluded(&self, owner: &str) -> bool {
        ancestors(owner).any(|a| self.cuts.contains(a) || self.dnames.contains(a))
    }
}

/// An NS target inside the zone must have an A or AAAA record in the zone (the
/// zone's own NS: BIND and Knot; a delegation's: Knot, and resolvers need the glue).
fn ns_addresses(index: &Index<'_>, out: &mut Vec<Located>) {
    let mut seen = BTreeSet::new();
    for (owner, records) in &index.by_owner {
        if !at_or_below(owner, index.apex) || index.occluded(owner) {
            continue;
        }
        for r in records {
            let RData::NS(ns) = &r.data else { continue };
            let target = ns.0.to_ascii().to_ascii_lowercase();
            if !at_or_below(&target, index.apex) || !seen.insert((*owner, target.clone())) {
                continue;
            }
            // A target under another delegation is that child's business (sibling
            // glue is optional to both servers).
            if index.cut_above(&target).is_some_and(|c| c != *owner) {
                continue;
            }
            if let Some(problem) = target_problem(index, &target) {
                let whose = if *owner == index.apex {
                    "BIND and Knot refuse the zone".to_string()
                } else {
                    format!("the delegation of {owner} cannot be followed; Knot refuses the zone")
                };
                let m = format!("NS target {target} {problem}: {whose}");
                out.push(located(r, m));
            }
        }
    }
}

/// What is wrong with an in-zone NS target, if anything.
fn target_problem(index: &Index<'_>, target: &str) -> Option<String> {
    // Addresses below a DNAME are never served, so they do not count.
    if let Some(d) = index.dname_above(target) {
        return Some(format!("is below the DNAME at {d}"));
    }
    if index.has(target, &[RecordType::A, RecordType::AAAA]) {
        return None;
    }
    if index.has(target, &[RecordType::CNAME]) {
        return Some("is a CNAME, not a host with addresses (RFC 2181 §10.3)".to_string());
    }
    if index.wildcard_covers(target) {
        return None;
    }
    Some("has no A or AAAA record in the zone".to_string())
}

/// Every record below a DNAME, grouped by the nearest DNAME above it.
fn hidden_by_dname<'z>(index: &Index<'z>) -> BTreeMap<&'z str, Vec<&'z ZoneRecord>> {
    let mut hidden_by: BTreeMap<&str, Vec<&ZoneRecord>> = BTreeMap::new();
    if index.dnames.is_empty() {
        return hidden_by;
    }
    // NSEC3 records (and their signatures) sit at hashed names below the apex that
    // are not part of the name space a DNAME hides.
    let nsec3 = |r: &&ZoneRecord| matches!(r.rtype, RecordType::NSEC3 | RecordType::RRSIG);
    for (owner, records) in &index.by_owner {
        if records.iter().all(nsec3) {
            continue;
        }
        if let Some(d) = index.dname_above(owner) {
            hidden_by
                .entry(d)
                .or_default()
                .extend(records.iter().copied());
        }
    }
    hidden_by
}

/// A DNAME hides everything below its owner; at one owner there is at most one
/// DNAME, and no NS except at the apex (RFC 6672 §2.4; Knot refuses these zones).
fn dname_rules(index: &Index<'_>, out: &mut Vec<Located>) {
    let hidden_by = hidden_by_dname(index);
    for d in &index.dnames {
        let here = &index.by_owner[d];
        let dname = here.iter().find(|r| r.rtype == RecordType::DNAME);
        let Some(dname) = dname else { continue };
        let distinct: Vec<&&ZoneRecord> = here
            .iter()
            .filter(|r| r.rtype == RecordType::DNAME && r.data != dname.data)
            .collect();
        if let Some(second) = distinct.first() {
            let m =
                format!("more than one DNAME record at {d}: a name can be redirected only once");
            out.push(located(second, m));
        }
        if *d != index.apex
            && let Some(ns) = here.iter().find(|r| r.rtype == RecordType::NS)
        {
            let m = format!("NS records beside the DNAME at {d}: Knot refuses the zone");
            out.push(located(ns, m));
        }
        let hidden = hidden_by.get(d).map_or(&[][..], Vec::as_slice);
        if let Some(first) = hidden.iter().min_by_key(|r| (r.file.as_ref(), r.line)) {
            let m = format!(
                "{} record(s) below the DNAME at {d}, first {} {}: a DNAME hides everything below it, so they are never served (RFC 6672 §2.3); Knot refuses the zone",
                hidden.len(),
                first.name,
                first.rtype
            );
            out.push(located(first, m));
        }
    }
}

/// The wire form of the one CDS and the one CDNSKEY record that ask the parent to
/// delete the DS records: `0 0 0 00` and `0 3 0 AA==` (RFC 8078 §4).
const CDS_DELETE: &[u8] = &[0, 0, 0, 0, 0];
const CDNSKEY_DELETE: &[u8] = &[0, 0, 3, 0, 0];

/// The CDS and CDNSKEY records at the apex (RFC 7344, RFC 8078): the delete forms
/// exactly as written in RFC 8078, and each CDS naming a DNSKEY of the zone by key
/// tag and algorithm (BIND and Knot refuse the zone otherwise).
fn child_ds_rules(index: &Index<'_>, out: &mut Vec<Located>) {
    use hickory_proto::dnssec::Verifier;
    use hickory_proto::dnssec::rdata::DNSSECRData;
    use hickory_proto::serialize::binary::BinEncodable;
    let Some(apex) = index.by_owner.get(index.apex) else {
        return;
    };
    let mut keys = Vec::new();
    let mut all_keys_read = true;
    for r in apex.iter().filter(|r| r.rtype == RecordType::DNSKEY) {
        match &r.data {
            RData::DNSSEC(DNSSECRData::DNSKEY(k)) => match k.calculate_key_tag() {
                Ok(tag) => keys.push((tag, k.algorithm())),
                Err(_) => all_keys_read = false,
            },
            _ => all_keys_read = false,
        }
    }
    for r in apex {
        let wire = r.data.to_bytes().unwrap_or_default();
        let m = match &r.data {
            RData::DNSSEC(DNSSECRData::CDS(cds)) if cds.is_delete() && wire != CDS_DELETE => {
                "a CDS record with algorithm 0 asks for the DS records' deletion and must be exactly `0 0 0 00` (RFC 8078 §4)".to_string()
            }
            RData::DNSSEC(DNSSECRData::CDNSKEY(key)) if key.is_delete() && wire != CDNSKEY_DELETE => {
                "a CDNSKEY record with algorithm 0 asks for the DS records' deletion and must be exactly `0 3 0 AA==` (RFC 8078 §4)".to_string()
            }
            RData::DNSSEC(DNSSECRData::CDS(cds))
                if !cds.is_delete()
                    && all_keys_read
                    && !keys.iter().any(|(tag, alg)| {
                        *tag == cds.key_tag() && Some(*alg) == cds.algorithm()
                    }) =>
            {
                format!(
                    "CDS record for key tag {} matches no DNSKEY of the zone with that tag and algorithm (RFC 7344 §4.1)",
                    cds.key_tag()
                )
            }
            _ => continue,
        };
        out.push(located(r, format!("{m}: BIND and Knot refuse the zone")));
    }
}

fn located(r: &ZoneRecord, message: String) -> Located {
    Located {
        file: std::sync::Arc::clone(&r.file),
        line: r.line,
        owner: Some(r.name.clone()),
        finding: Finding::new(Code::ZoneStructure, message),
    }
}

#[cfg(test)]
#[path = "structure_tests.rs"]
mod tests;
