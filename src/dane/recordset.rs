//! Which records to make for an input: the `recommended` and `chaingen` sets or an
//! explicit list, applied to the certificates of a chain or to a lone key (pure).

use crate::chain::Certificate;
use crate::input::material::{LoneKey, Material};
use crate::tlsa::{Params, Selector, Tlsa, Usage};

/// The `--set` choices plus an explicit `--records` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordSet {
    /// `3 1 1` for the leaf, `2 1 1` for each CA certificate.
    Recommended,
    /// Viktor Dukhovni's chaingen: per certificate `U 0 1`, `U 1 1`, `U 0 2`, `U 1 2`.
    Chaingen,
    Explicit(Vec<Params>),
}

/// What a block of records is about.
#[derive(Debug, Clone)]
pub enum About<'a> {
    Cert { depth: usize, cert: &'a Certificate },
    Key(&'a LoneKey),
}

/// The records of one certificate or key.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    pub about: About<'a>,
    pub records: Vec<Tlsa>,
}

/// Result of applying a set to an input: blocks plus records that could not be made.
#[derive(Debug, Clone)]
pub struct Applied<'a> {
    pub blocks: Vec<Block<'a>>,
    pub skipped: Vec<String>,
}

const CHAINGEN_ORDER: [(u8, u8); 4] = [(0, 1), (1, 1), (0, 2), (1, 2)];

/// Applies a record set to parsed material.
pub fn apply<'a>(set: &RecordSet, material: &'a Material) -> Applied<'a> {
    match material {
        Material::Chain(certs) => apply_chain(set, certs),
        Material::Key(key) => apply_key(set, key),
    }
}

fn apply_chain<'a>(set: &RecordSet, certs: &'a [Certificate]) -> Applied<'a> {
    let mut blocks = Vec::new();
    let mut skipped = Vec::new();
    // A CA certificate given alone may be a trust anchor to publish (a private root)
    // or a server's self-signed certificate (openssl req -x509 marks those CA:TRUE):
    // it gets the records of both.
    let lone_ca = is_lone_ca(certs);
    for (depth, cert) in certs.iter().enumerate() {
        let params: Vec<Params> = match set {
            RecordSet::Recommended if lone_ca => vec![Params::new(3, 1, 1), Params::new(2, 1, 1)],
            RecordSet::Recommended if depth == 0 => vec![Params::new(3, 1, 1)],
            RecordSet::Recommended => vec![Params::new(2, 1, 1)],
            RecordSet::Chaingen => {
                let usage = if depth == 0 { 3 } else { 2 };
                CHAINGEN_ORDER
                    .iter()
                    .map(|(s, m)| Params::new(usage, *s, *m))
                    .collect()
            }
            RecordSet::Explicit(list) => list
                .iter()
                .copied()
                .filter(|p| lone_ca || p.usage.is_ta() == (depth > 0))
                .collect(),
        };
        let mut records = Vec::new();
        for t in params
            .into_iter()
            .filter_map(|p| Tlsa::compute(p, Some(&cert.der), &cert.spki))
        {
            // certificates that share a key (a root and its cross-signed copy) give the
            // same SPKI record: written once, so that the zone has no duplicate
            let earlier = blocks.iter().find_map(|b: &Block<'_>| match b.about {
                About::Cert { depth: d, .. } if b.records.contains(&t) => Some(d),
                _ => None,
            });
            match earlier {
                Some(d) => skipped.push(format!(
                    "certificate {depth}: {} is the same record as certificate {d}'s (the two share a key); it is written once",
                    crate::dane::record::short(&t)
                )),
                None => records.push(t),
            }
        }
        if !records.is_empty() {
            blocks.push(Block {
                about: About::Cert { depth, cert },
                records,
            });
        }
    }
    if let RecordSet::Explicit(list) = set {
        for p in list.iter().filter(|p| p.usage.is_ta()) {
            if certs.len() < 2 && !lone_ca {
                skipped.push(format!(
                    "{p} ({}) skipped: the input holds no CA certificate",
                    p.names()
                ));
            }
        }
    }
    Applied { blocks, skipped }
}

/// Whether the chain is one CA certificate and nothing else.
pub fn is_lone_ca(certs: &[Certificate]) -> bool {
    matches!(certs, [only] if only.is_ca)
}

fn apply_key<'a>(set: &RecordSet, key: &'a LoneKey) -> Applied<'a> {
    let wanted: Vec<Params> = match set {
        RecordSet::Recommended => vec![Params::new(3, 1, 1)],
        RecordSet::Chaingen => vec![Params::new(3, 1, 1), Params::new(3, 1, 2)],
        RecordSet::Explicit(list) => list.clone(),
    };
    let mut records = Vec::new();
    let mut skipped = Vec::new();
    for p in wanted {
        if p.usage == Usage::DANE_EE && p.selector == Selector::SPKI {
            records.extend(Tlsa::compute(p, None, &key.spki));
        } else {
            skipped.push(format!(
                "{p} ({}) skipped: a key alone yields only 3 1 x records (DANE-EE SPKI)",
                p.names()
            ));
        }
    }
    let blocks = if records.is_empty() {
        Vec::new()
    } else {
        vec![Block {
            about: About::Key(key),
            records,
        }]
    };
    Applied { blocks, skipped }
}
