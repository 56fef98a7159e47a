//! Offline checks of the TLSA records in a zone file (pure): syntax, owner names,
//! usability, duplicates, address records, MX consistency, and, for hosts with a
//! configured chain, the same matching rules as `check` (via [`crate::dane::verdict::judge`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use hickory_proto::rr::{RData, RecordType};

use crate::chain::Certificate;
use crate::dane::verdict::{self, HostFacts, Origin, Service, short};
use crate::findings::{Code, Finding, Severity};
use crate::input::letsencrypt::Hierarchy;
use crate::input::zonefile::{Zone, ZoneRecord};
use crate::lookup::{Answer, Security};
use crate::owner::Host;
use crate::tlsa::{Selector, Tlsa, Usage};

/// A finding tied to a place in a zone file.
#[derive(Debug, Clone)]
pub struct Located {
    pub file: Arc<str>,
    pub line: usize,
    /// The owner name the finding is about, if any.
    pub owner: Option<String>,
    pub finding: Finding,
}

/// Finds the configured chain for a host and port.
pub type ChainLookup<'a> = dyn Fn(&str, u16) -> Option<Arc<Vec<Certificate>>> + 'a;

/// Settings of one run.
pub struct ZoneContext<'a> {
    /// The zone apex, lower-case with trailing dot.
    pub origin: &'a str,
    /// The chain for a host and port, if one is configured.
    pub chain_for: &'a ChainLookup<'a>,
    pub hierarchy: &'a Hierarchy,
    pub now: i64,
    pub days: u32,
}

/// One TLSA RRset: owner, port, host, and its records with their places.
struct RrSet<'z> {
    owner: String,
    target: Option<(u16, String)>,
    records: Vec<&'z ZoneRecord>,
}

/// Checks a parsed zone.
pub fn check(zone: &Zone, cx: &ZoneContext<'_>) -> Vec<Located> {
    let mut out = Vec::new();
    problems(zone, &mut out);
    out.extend(crate::dane::structure::check(zone));
    let sets = tlsa_sets(zone);
    for set in sets.values() {
        check_set(zone, set, cx, &mut out);
    }
    mx_consistency(zone, &sets, cx, &mut out);
    out.sort_by(|a, b| (a.file.as_ref(), a.line).cmp(&(b.file.as_ref(), b.line)));
    out
}

fn problems(zone: &Zone, out: &mut Vec<Located>) {
    for p in &zone.problems {
        let code = if p.rtype.as_deref() == Some("TLSA") {
            Code::TlsaSyntax
        } else {
            Code::ZoneSyntax
        };
        out.push(Located {
            file: Arc::clone(&p.file),
            line: p.line,
            owner: None,
            finding: Finding::new(code, p.message.clone()),
        });
    }
    for n in &zone.notes {
        out.push(Located {
            file: Arc::clone(&n.file),
            line: n.line,
            owner: None,
            finding: Finding::new(Code::ZoneNote, n.message.clone()),
        });
    }
}

fn tlsa_sets(zone: &Zone) -> BTreeMap<String, RrSet<'_>> {
    let mut sets: BTreeMap<String, RrSet<'_>> = BTreeMap::new();
    for r in zone.records.iter().filter(|r| r.rtype == RecordType::TLSA) {
        sets.entry(r.name.clone())
            .or_insert_with(|| RrSet {
                owner: r.name.clone(),
                target: parse_owner(&r.name),
                records: Vec::new(),
            })
            .records
            .push(r);
    }
    sets
}

/// `_PORT._PROTO.host.` → (port, host without trailing dot).
fn parse_owner(owner: &str) -> Option<(u16, String)> {
    let mut labels = owner.trim_end_matches('.').splitn(3, '.');
    // the label a client builds: decimal digits, no sign, no leading zero (`_025` is
    // another name, which nobody looks up)
    let digits = labels.next()?.strip_prefix('_')?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    let port = digits.parse::<u16>().ok()?;
    let proto = labels.next()?.to_ascii_lowercase();
    if !matches!(proto.as_str(), "_tcp" | "_udp" | "_sctp") {
        return None;
    }
    let host = labels.next()?;
    Host::parse(host).ok().map(|h| (port, h.to_string()))
}

fn at(r: &ZoneRecord, finding: Finding) -> Located {
    Located {
        file: Arc::clone(&r.file),
        line: r.line,
        owner: Some(r.name.clone()),
        finding,
    }
}

fn check_set(zone: &Zone, set: &RrSet<'_>, cx: &ZoneContext<'_>, out: &mut Vec<Located>) {
    let first = set.records[0];
    let Some((port, host)) = &set.target else {
        for r in &set.records {
            out.push(at(
                r,
                Finding::new(
                    Code::BadOwner,
                    format!(
                        "{} is not _PORT._PROTO.host (for example _25._tcp.mx.example.com.)",
                        r.name
                    ),
                ),
            ));
        }
        return;
    };
    let tlsas: Vec<Tlsa> = set.records.iter().filter_map(|r| r.tlsa()).collect();
    lengths_and_duplicates(set, &tlsas, out);
    if in_zone(host, cx.origin) && !has_address(zone, host) && !delegated(zone, host, cx.origin) {
        out.push(at(
            first,
            Finding::new(
                Code::NoAddress,
                format!(
                    "{host} has no A, AAAA or CNAME record in the zone, but TLSA records at {}",
                    set.owner
                ),
            ),
        ));
    }
    let Ok(h) = Host::parse(host) else { return };
    let chain = (cx.chain_for)(host, *port);
    let domains = mx_domains(zone, host);
    let target = Target {
        host: &h,
        port: *port,
        also_names: &domains,
    };
    judged(
        set,
        &tlsas,
        &target,
        chain.as_deref().map(Vec::as_slice),
        cx,
        out,
    );
    if let Some(chain) = &chain {
        chain_extras(set, &tlsas, chain, cx, out);
    }
}

/// Wrong-length data is a syntax error in a zone; duplicates are flagged once.
fn lengths_and_duplicates(set: &RrSet<'_>, tlsas: &[Tlsa], out: &mut Vec<Located>) {
    for (i, (r, t)) in set.records.iter().zip(tlsas).enumerate() {
        if let Some(len) = t.params.matching.digest_len()
            && t.data.len() != len
        {
            let name = t.params.matching.name().unwrap_or("digest");
            let message = format!(
                "{}: {name} data must be {len} bytes, not {}",
                short(t),
                t.data.len()
            );
            out.push(at(r, Finding::new(Code::TlsaSyntax, message)));
        }
        if tlsas[..i].contains(t) {
            out.push(at(
                r,
                Finding::new(
                    Code::DuplicateRecord,
                    format!("{} appears more than once at {}", short(t), set.owner),
                ),
            ));
        }
    }
}

/// The host and port of a TLSA RRset and its other reference names.
struct Target<'a> {
    host: &'a Host,
    port: u16,
    /// Mail domains whose MX names the host (RFC 7672 §3.2.3 reference identifiers).
    also_names: &'a [String],
}

/// The domains in the zone whose MX records name `host`.
fn mx_domains(zone: &Zone, host: &str) -> Vec<String> {
    let target = format!("{}.", host.trim_end_matches('.'));
    zone.records
        .iter()
        .filter(|r| matches!(&r.data, RData::MX(m) if m.exchange.to_ascii().eq_ignore_ascii_case(&target)))
        .map(|r| r.name.trim_end_matches('.').to_string())
        .collect()
}

/// The rules of `check`, as if the zone were served signed.
fn judged(
    set: &RrSet<'_>,
    tlsas: &[Tlsa],
    target: &Target<'_>,
    chain: Option<&[Certificate]>,
    cx: &ZoneContext<'_>,
    out: &mut Vec<Located>,
) {
    let (host, port) = (target.host, target.port);
    let ttl = set.records.iter().map(|r| r.ttl).min().unwrap_or(0);
    let addresses = Answer::Found {
        records: Vec::new(),
        ttl,
        security: Security::Secure,
    };
    let tlsa = Answer::Found {
        records: tlsas.to_vec(),
        ttl,
        security: Security::Secure,
    };
    let live = [];
    let facts = HostFacts {
        host,
        port,
        service: Service::of(port, false),
        origin: Origin::ZoneFile,
        live: &live,
        mx: None,
        addresses: &addresses,
        tlsa: &tlsa,
        chain,
        now: cx.now,
        days: cx.days,
        also_names: target.also_names,
    };
    for f in verdict::judge(&facts).findings {
        let record = f.record.map_or(set.records[0], |i| set.records[i]);
        out.push(at(record, f));
    }
}

/// Let's Encrypt specifics: 3 0 x records, and 2 x x cover of every possible issuer.
fn chain_extras(
    set: &RrSet<'_>,
    tlsas: &[Tlsa],
    chain: &[Certificate],
    cx: &ZoneContext<'_>,
    out: &mut Vec<Located>,
) {
    let issuer = cx.hierarchy.issuer_of(chain);
    for (r, t) in set.records.iter().zip(tlsas) {
        if t.params.usage == Usage::DANE_EE && t.params.selector == Selector::CERT {
            let why = match issuer {
                Some(_) => {
                    "a Let's Encrypt certificate is replaced at every renewal (every 60 days or less), even with the same key"
                }
                None => "the certificate is replaced at every renewal, even with the same key",
            };
            out.push(at(
                r,
                Finding::new(
                    Code::EeCertRecord,
                    format!(
                        "{} pins the whole leaf certificate: {why}; publish 3 1 1 instead",
                        short(t)
                    ),
                ),
            ));
        }
    }
    let Some(issuer) = issuer else { return };
    let Some(leaf) = chain.first() else { return };
    let candidates = cx.hierarchy.candidates(leaf.key.family());
    let ta: Vec<&Tlsa> = tlsas
        .iter()
        .filter(|t| t.params.usage == Usage::DANE_TA)
        .collect();
    if ta.is_empty() {
        return;
    }
    let missing: Vec<String> = candidates
        .iter()
        .filter(|i| {
            !ta.iter()
                .any(|t| i.sent().any(|c| t.matches(Some(&c.der), &c.spki)))
        })
        .map(|i| format!("{} ({})", i.name, i.status.as_str()))
        .collect();
    if !missing.is_empty() {
        out.push(at(set.records[0], Finding::with(
            Code::IssuerNotCovered,
            Severity::Warn,
            format!("the 2 x x records at {} cover the current issuer {} but not {}, which the CA may pick at the next renewal ({})", set.owner, issuer.name, missing.join(", "), cx.hierarchy.source),
        )));
    }
}

fn in_zone(host: &str, origin: &str) -> bool {
    let name = format!("{}.", host.trim_end_matches('.'));
    origin == "." || name == origin || name.ends_with(&format!(".{origin}"))
}

fn has_address(zone: &Zone, host: &str) -> bool {
    let name = format!("{}.", host.trim_end_matches('.'));
    zone.records.iter().any(|r| {
        r.name == name
            && matches!(
                r.rtype,
                RecordType::A | RecordType::AAAA | RecordType::CNAME
            )
    })
}

/// Whether `host` lies at or below a delegation (NS records below the apex).
fn delegated(zone: &Zone, host: &str, origin: &str) -> bool {
    let name = format!("{}.", host.trim_end_matches('.'));
    zone.records.iter().any(|r| {
        r.rtype == RecordType::NS
            && r.name != origin
            && (name == r.name || name.ends_with(&format!(".{}", r.name)))
    })
}

/// MX hosts in the zone should all have TLSA records, or none.
fn mx_consistency(
    zone: &Zone,
    sets: &BTreeMap<String, RrSet<'_>>,
    cx: &ZoneContext<'_>,
    out: &mut Vec<Located>,
) {
    let mut mx: Vec<(&ZoneRecord, String)> = Vec::new();
    for r in &zone.records {
        if let RData::MX(m) = &r.data {
            let target = m.exchange.to_ascii().to_ascii_lowercase();
            if in_zone(&target, cx.origin) && target != "." {
                mx.push((r, target));
            }
        }
    }
    let has_tlsa = |target: &str| {
        sets.keys()
            .any(|owner| owner.ends_with(&format!("._tcp.{target}")) && owner.starts_with("_25."))
    };
    let hosts: Vec<&str> = mx.iter().map(|(_, t)| t.as_str()).collect();
    let with: Vec<bool> = hosts.iter().map(|t| has_tlsa(t)).collect();
    for (i, finding) in verdict::mx_consistency(&hosts, &with) {
        out.push(at(mx[i].0, finding));
    }
}
