//! Publishing TLSA records through DNS UPDATE (RFC 2136; `daneguard publish`): which
//! records to add and which stale ones to delete (pure), the TSIG key file, and the
//! exchange with the primary.

pub mod tsig;
pub mod wire;

use crate::input::material::Material;
use crate::tlsa::Tlsa;

/// One record at one owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Fully qualified owner name.
    pub owner: String,
    pub tlsa: Tlsa,
}

/// What one UPDATE does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The zone apex, fully qualified.
    pub zone: String,
    /// TTL of the added records.
    pub ttl: u32,
    pub deletes: Vec<Change>,
    pub adds: Vec<Change>,
}

/// The records wanted at one owner, and (with --delete-stale) those published there now.
pub struct Owner {
    pub name: String,
    pub wanted: Vec<Tlsa>,
    pub published: Option<Vec<Tlsa>>,
}

/// Adds what is wanted and not yet published; deletes published records that are
/// not wanted and match no certificate or key in `keep` (the chains being published
/// and the ones still deployed), so a rollover keeps both old and new records.
pub fn plan(zone: &str, ttl: u32, owners: &[Owner], keep: &[&Material]) -> Plan {
    let mut plan = Plan {
        zone: zone.to_string(),
        ttl,
        deletes: Vec::new(),
        adds: Vec::new(),
    };
    for o in owners {
        let published = o.published.as_deref().unwrap_or(&[]);
        for t in &o.wanted {
            let change = Change {
                owner: o.name.clone(),
                tlsa: t.clone(),
            };
            if !published.contains(t) && !plan.adds.contains(&change) {
                plan.adds.push(change);
            }
        }
        for t in published {
            if !o.wanted.contains(t) && !keep.iter().any(|m| matches_material(t, m)) {
                plan.deletes.push(Change {
                    owner: o.name.clone(),
                    tlsa: t.clone(),
                });
            }
        }
    }
    plan
}

/// Whether `t` matches some certificate of a chain, or a lone key.
fn matches_material(t: &Tlsa, m: &Material) -> bool {
    match m {
        Material::Chain(certs) => certs.iter().any(|c| t.matches(Some(&c.der), &c.spki)),
        Material::Key(k) => t.matches(None, &k.spki),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlsa::Params;

    fn chain() -> Material {
        let path = format!(
            "{}/testdata/pki/mx-p256/fullchain.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        crate::input::material::parse(&std::fs::read(path).unwrap())
            .unwrap()
            .material
    }

    fn record(m: &Material, depth: usize, params: Params) -> Tlsa {
        let Material::Chain(c) = m else { panic!() };
        Tlsa::compute(params, Some(&c[depth].der), &c[depth].spki).unwrap()
    }

    #[test]
    fn stale_records_go_and_records_of_kept_chains_stay() {
        let m = chain();
        let wanted = record(&m, 0, Params::new(3, 1, 1));
        let also_leaf = record(&m, 0, Params::new(3, 0, 1));
        let stale = Tlsa {
            params: Params::new(3, 1, 1),
            data: vec![7; 32],
        };
        let owners = [Owner {
            name: "_25._tcp.mx.example.com.".into(),
            wanted: vec![wanted.clone()],
            published: Some(vec![stale.clone(), also_leaf]),
        }];
        let p = plan("example.com.", 300, &owners, &[&m]);
        assert_eq!(p.adds.len(), 1);
        assert_eq!(p.adds[0].tlsa, wanted);
        assert_eq!(p.deletes.len(), 1, "the 3 0 1 of the same leaf stays");
        assert_eq!(p.deletes[0].tlsa, stale);
    }

    #[test]
    fn published_wanted_records_are_not_added_again() {
        let m = chain();
        let wanted = record(&m, 0, Params::new(3, 1, 1));
        let owners = [Owner {
            name: "_25._tcp.mx.example.com.".into(),
            wanted: vec![wanted.clone()],
            published: Some(vec![wanted]),
        }];
        let p = plan("example.com.", 300, &owners, &[&m]);
        assert!(p.adds.is_empty() && p.deletes.is_empty());
    }
}
