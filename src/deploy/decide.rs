//! Whether a staged certificate may be deployed now. Pure: the published records, the
//! first-seen times, the clock and the two chains in; a decision per TLSA owner out.
//!
//! Safe means, for every owner: the lookup is DNSSEC-secure, some usable published
//! record matches the staged chain (the comparison of `renew-check`, via
//! [`renewal::judge`]), and that record has been seen continuously for at least twice
//! the RRset's TTL. A record that disappears loses its first-seen time.

use crate::chain::Certificate;
use crate::dane::renewal::{self, Next, RenewFacts, RenewOutcome, Role};
use crate::dane::verdict::{MatchContext, Service};
use crate::deploy::state::Seen;
use crate::input::material::Material;
use crate::lookup::Answer;
use crate::owner::Host;
use crate::tlsa::Tlsa;

/// One TLSA owner as looked up now.
pub struct Observation {
    pub host: Host,
    pub port: u16,
    pub owner: String,
    pub answer: Answer<Tlsa>,
}

/// What one owner allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// A matching record has been visible long enough.
    Ready,
    /// A matching record is published but young: deployable at `until`.
    Wait { until: i64 },
    /// No published record matches the staged chain: publish these first.
    Missing { publish: Vec<Tlsa> },
}

/// The decision for one owner, with the comparison it came from.
pub struct OwnerDecision {
    pub owner: String,
    pub ttl: u32,
    pub readiness: Readiness,
    pub outcome: RenewOutcome,
}

/// Why nothing can be decided: the answer cannot be trusted either way.
pub fn untrusted(o: &Observation) -> Option<String> {
    crate::dane::gate::tlsa_rrset(&o.owner, &o.answer).map(|f| f.message)
}

/// Updates first-seen times from secure answers; other owners are left alone.
pub fn update_seen(seen: &mut Seen, observations: &[Observation], now: i64) {
    for o in observations.iter().filter(|o| untrusted(o).is_none()) {
        let old = seen.remove(&o.owner).unwrap_or_default();
        let fresh = o
            .answer
            .records()
            .iter()
            .map(|t| {
                let key = t.to_string();
                let first = old.get(&key).copied().unwrap_or(now);
                (key, first)
            })
            .collect();
        seen.insert(o.owner.clone(), fresh);
    }
}

/// The chains being compared and the clock.
pub struct Switch<'a> {
    pub staged: &'a Material,
    pub deployed: Option<&'a [Certificate]>,
    pub now: i64,
    pub days: u32,
}

/// Decides one owner; call [`untrusted`] first (an untrusted answer is never ready).
pub fn decide(o: &Observation, seen: &Seen, s: &Switch<'_>) -> OwnerDecision {
    let ttl = o.answer.ttl().unwrap_or(0);
    let facts = RenewFacts {
        ctx: MatchContext {
            host: &o.host,
            port: o.port,
            service: Service::of(o.port, false),
            now: s.now,
            also_names: &[],
        },
        published: o.answer.records(),
        ttl: o.answer.ttl(),
        current: s.deployed,
        current_key: None,
        // nothing deployed yet: a first deployment
        no_current: s.deployed.is_none(),
        // deploy never acts on an answer that is not secure (`untrusted`)
        not_in_effect: false,
        next: Next::Known(s.staged),
        days: s.days,
    };
    let outcome = renewal::judge(&facts);
    let readiness = if untrusted(o).is_some() {
        Readiness::Missing {
            publish: outcome.publish.clone(),
        }
    } else {
        readiness(o, seen, &outcome, ttl, s.now)
    };
    OwnerDecision {
        owner: o.owner.clone(),
        ttl,
        readiness,
        outcome,
    }
}

fn readiness(
    o: &Observation,
    seen: &Seen,
    outcome: &RenewOutcome,
    ttl: u32,
    now: i64,
) -> Readiness {
    let times = seen.get(&o.owner);
    let earliest = outcome
        .records
        .iter()
        .filter(|r| r.unusable.is_none() && r.role.matches_next())
        .map(|r| {
            let first = times
                .and_then(|t| t.get(&r.tlsa.to_string()))
                .copied()
                .unwrap_or(now);
            first.saturating_add(2 * i64::from(ttl))
        })
        .min();
    match earliest {
        Some(t) if t <= now => Readiness::Ready,
        Some(until) => Readiness::Wait { until },
        None => Readiness::Missing {
            publish: outcome.publish.clone(),
        },
    }
}

/// Records that match nothing deployed once the staged chain is in place.
pub fn stale_after(d: &OwnerDecision) -> Vec<&Tlsa> {
    d.outcome
        .records
        .iter()
        .filter(|r| {
            r.unusable.is_none() && matches!(r.role, Role::CurrentOnly | Role::Neither | Role::Void)
        })
        .map(|r| &r.tlsa)
        .collect()
}

/// The records to remove after a deployment, by owner: [`stale_after`], except those
/// matching a pending next key (`stage --next-key`), which are published ahead of the
/// rollover on purpose (RFC 7671 §8.1).
pub fn stale_records<'d>(
    decisions: &'d [OwnerDecision],
    next_key_spki: Option<&[u8]>,
) -> Vec<(&'d str, &'d Tlsa)> {
    decisions
        .iter()
        .flat_map(|d| stale_after(d).into_iter().map(|t| (d.owner.as_str(), t)))
        .filter(|(_, t)| next_key_spki.is_none_or(|spki| !t.matches(None, spki)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lookup::Security;
    use crate::tlsa::Params;

    const NOW: i64 = 1_767_225_600;

    fn chain(dir: &str) -> Vec<Certificate> {
        let path = format!(
            "{}/testdata/pki/{dir}/fullchain.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        match crate::input::material::parse(&std::fs::read(path).unwrap())
            .unwrap()
            .material
        {
            Material::Chain(c) => c,
            Material::Key(_) => panic!("a chain"),
        }
    }

    fn ee(c: &[Certificate]) -> Tlsa {
        Tlsa::compute(Params::new(3, 1, 1), None, &c[0].spki).unwrap()
    }

    fn obs(records: Vec<Tlsa>, ttl: u32, security: Security) -> Observation {
        Observation {
            host: Host::parse("mx.example.com").unwrap(),
            port: 25,
            owner: "_25._tcp.mx.example.com.".into(),
            answer: Answer::Found {
                records,
                ttl,
                security,
            },
        }
    }

    fn run(
        o: &Observation,
        seen: &Seen,
        staged: &Material,
        deployed: &[Certificate],
        now: i64,
    ) -> Readiness {
        let s = Switch {
            staged,
            deployed: Some(deployed),
            now,
            days: 14,
        };
        decide(o, seen, &s).readiness
    }

    #[test]
    fn a_new_record_waits_two_ttls_from_when_it_was_first_seen() {
        let old = chain("mx-p256");
        let new = chain("mx-p256-newkey");
        let staged = Material::Chain(new.clone());
        let o = obs(vec![ee(&old), ee(&new)], 300, Security::Secure);
        let mut seen = Seen::new();
        update_seen(&mut seen, std::slice::from_ref(&o), NOW);
        assert_eq!(
            run(&o, &seen, &staged, &old, NOW),
            Readiness::Wait { until: NOW + 600 }
        );
        // Later runs keep the first-seen time.
        update_seen(&mut seen, std::slice::from_ref(&o), NOW + 599);
        assert_eq!(
            run(&o, &seen, &staged, &old, NOW + 599),
            Readiness::Wait { until: NOW + 600 }
        );
        update_seen(&mut seen, std::slice::from_ref(&o), NOW + 600);
        assert_eq!(run(&o, &seen, &staged, &old, NOW + 600), Readiness::Ready);
    }

    #[test]
    fn a_record_that_disappears_starts_its_clock_again() {
        let old = chain("mx-p256");
        let new = chain("mx-p256-newkey");
        let staged = Material::Chain(new.clone());
        let both = obs(vec![ee(&old), ee(&new)], 300, Security::Secure);
        let only_old = obs(vec![ee(&old)], 300, Security::Secure);
        let mut seen = Seen::new();
        update_seen(&mut seen, std::slice::from_ref(&both), NOW);
        update_seen(&mut seen, std::slice::from_ref(&only_old), NOW + 300);
        assert!(matches!(
            run(&only_old, &seen, &staged, &old, NOW + 300),
            Readiness::Missing { publish } if publish.contains(&ee(&new))
        ));
        update_seen(&mut seen, std::slice::from_ref(&both), NOW + 400);
        assert_eq!(
            run(&both, &seen, &staged, &old, NOW + 700),
            Readiness::Wait { until: NOW + 1000 }
        );
    }

    #[test]
    fn only_the_old_key_published_is_missing_with_the_new_records() {
        let old = chain("mx-p256");
        let new = chain("mx-p256-newkey");
        let o = obs(vec![ee(&old)], 300, Security::Secure);
        let mut seen = Seen::new();
        update_seen(&mut seen, std::slice::from_ref(&o), NOW - 86_400);
        let Readiness::Missing { publish } =
            run(&o, &seen, &Material::Chain(new.clone()), &old, NOW)
        else {
            panic!("not missing");
        };
        assert_eq!(publish[0], ee(&new));
    }

    #[test]
    fn the_same_key_long_published_is_ready_at_once() {
        let old = chain("mx-p256");
        let same = chain("mx-p256-samekey");
        let o = obs(vec![ee(&old)], 300, Security::Secure);
        let mut seen = Seen::new();
        update_seen(&mut seen, std::slice::from_ref(&o), NOW - 600);
        assert_eq!(
            run(&o, &seen, &Material::Chain(same), &old, NOW),
            Readiness::Ready
        );
    }

    #[test]
    fn insecure_and_failed_answers_are_untrusted_and_never_ready() {
        let old = chain("mx-p256");
        let insecure = obs(vec![ee(&old)], 300, Security::Insecure);
        assert!(untrusted(&insecure).unwrap().contains("not DNSSEC-signed"));
        let mut seen = Seen::new();
        update_seen(&mut seen, std::slice::from_ref(&insecure), NOW - 86_400);
        assert!(seen.is_empty(), "insecure answers start no clock");
        assert!(matches!(
            run(&insecure, &seen, &Material::Chain(old.clone()), &old, NOW),
            Readiness::Missing { .. }
        ));
        let failed = Observation {
            answer: Answer::Failed {
                reason: "time-out".into(),
            },
            ..obs(vec![], 0, Security::Secure)
        };
        assert!(untrusted(&failed).unwrap().contains("failed (time-out)"));
        let secure_nodata = Observation {
            answer: Answer::NoData {
                security: Security::Secure,
            },
            ..obs(vec![], 0, Security::Secure)
        };
        assert!(untrusted(&secure_nodata).is_none());
        assert!(matches!(
            run(
                &secure_nodata,
                &seen,
                &Material::Chain(old.clone()),
                &old,
                NOW
            ),
            Readiness::Missing { .. }
        ));
    }

    #[test]
    fn stale_records_are_those_matching_only_the_old_chain() {
        let old = chain("mx-p256");
        let new = chain("mx-p256-newkey");
        let staged = Material::Chain(new.clone());
        let o = obs(vec![ee(&old), ee(&new)], 300, Security::Secure);
        let s = Switch {
            staged: &staged,
            deployed: Some(&old),
            now: NOW,
            days: 14,
        };
        let d = decide(&o, &Seen::new(), &s);
        assert_eq!(stale_after(&d), vec![&ee(&old)]);
    }

    /// A renewal with the same key while a next key waits: the next key's record,
    /// published ahead, matches nothing deployed but is not stale.
    #[test]
    fn a_pending_next_keys_record_is_never_stale() {
        let old = chain("mx-p256");
        let renewed = chain("mx-p256-samekey");
        let next = chain("mx-p384");
        let staged = Material::Chain(renewed);
        let o = obs(
            vec![ee(&old), ee(&next), ee(&chain("other-host"))],
            300,
            Security::Secure,
        );
        let s = Switch {
            staged: &staged,
            deployed: Some(&old),
            now: NOW,
            days: 14,
        };
        let d = decide(&o, &Seen::new(), &s);
        let owner = d.owner.as_str();
        let all = stale_records(std::slice::from_ref(&d), None);
        assert_eq!(
            all,
            vec![(owner, &ee(&next)), (owner, &ee(&chain("other-host")))]
        );
        let kept = stale_records(std::slice::from_ref(&d), Some(&next[0].spki));
        assert_eq!(kept, vec![(owner, &ee(&chain("other-host")))]);
    }

    #[test]
    fn without_a_published_rrset_no_ttl_is_invented() {
        let old = chain("mx-p256");
        let new = chain("mx-p256-newkey");
        let o = Observation {
            answer: Answer::NoData {
                security: Security::Secure,
            },
            ..obs(vec![], 0, Security::Secure)
        };
        let staged = Material::Chain(new.clone());
        let s = Switch {
            staged: &staged,
            deployed: Some(&old),
            now: NOW,
            days: 14,
        };
        let d = decide(&o, &Seen::new(), &s);
        assert_eq!(d.ttl, 0);
        assert_eq!(d.outcome.wait_seconds, None);
        let wait = d
            .outcome
            .findings
            .iter()
            .find(|f| f.message.contains("publish the records below now"))
            .expect("a wait finding");
        assert!(
            wait.message.contains("2 × the TTL the zone gives them"),
            "{}",
            wait.message
        );
        assert!(!wait.message.contains("3600"));
    }
}
