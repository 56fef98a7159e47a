//! `check --all-ns`: do all authoritative servers of a zone serve the same TLSA RRset?
//! A stale secondary breaks DANE for the share of senders whose resolvers ask it.

use crate::findings::{Code, Finding};
use crate::lookup::{Answer, NsAnswer, NsSurvey, Security};
use crate::sanitize::escape;
use crate::tlsa::Tlsa;

/// What two servers must agree on: the kind of answer, its DNSSEC status and the
/// records as a set (order and TTL may differ between servers without harm).
type Served = (&'static str, Security, Vec<Tlsa>);

/// `None` for a bogus or failed answer: never agrees with anything.
fn served(a: &Answer<Tlsa>) -> Option<Served> {
    let security = match a {
        Answer::Bogus { .. } | Answer::Failed { .. } => return None,
        other => other.security()?,
    };
    let mut records = a.records().to_vec();
    records.sort();
    records.dedup();
    Some((a.kind(), security, records))
}

/// What every authoritative server serves: the resolver's answer cut down to the records
/// that each server returns securely, for `deploy`'s "visible everywhere" clock (a record
/// on the primary only, or missing from a stale secondary, has not been seen yet). A
/// survey that failed, or a server that answers bogus or not at all, makes the whole
/// answer failed, naming the server: nothing can be decided then.
pub fn served_everywhere(survey: &NsSurvey<Tlsa>, resolver: &Answer<Tlsa>) -> Answer<Tlsa> {
    let servers = match survey {
        NsSurvey::Failed { reason } => {
            return Answer::Failed {
                reason: format!("the authoritative servers could not be asked: {reason}"),
            };
        }
        NsSurvey::Done { servers, .. } => servers,
    };
    let untrusted = |s: &&NsAnswer<Tlsa>| {
        served(&s.answer).is_none() || s.answer.security() != Some(Security::Secure)
    };
    if let Some(bad) = servers.iter().find(untrusted) {
        return Answer::Failed {
            reason: format!("{} answers {}", server_name(bad), bad.answer.describe()),
        };
    }
    resolver.filtered(|t| servers.iter().all(|s| s.answer.records().contains(t)))
}

/// The servers that do not (yet) serve a record that the resolver or another server
/// returns: the ones [`served_everywhere`] waits for. (The resolver alone would not do:
/// it may have asked the stale server.) Empty when the survey failed (said there).
pub fn lagging(survey: &NsSurvey<Tlsa>, resolver: &Answer<Tlsa>) -> Vec<String> {
    let NsSurvey::Done { servers, .. } = survey else {
        return Vec::new();
    };
    let all: Vec<&Tlsa> = resolver
        .records()
        .iter()
        .chain(servers.iter().flat_map(|s| s.answer.records()))
        .collect();
    servers
        .iter()
        .filter(|s| all.iter().any(|t| !s.answer.records().contains(t)))
        .map(server_name)
        .collect()
}

/// The findings of a survey of `owner`. The reference is what the servers with the
/// newest SOA serial serve, when some server has an older one; otherwise what most
/// servers serve, on a tie the one the configured resolver returned (`resolver`); with
/// none of these, every server that differs from another is named.
pub fn ns_findings(owner: &str, survey: &NsSurvey<Tlsa>, resolver: &Answer<Tlsa>) -> Vec<Finding> {
    let owner = escape(owner);
    let (zone, servers) = match survey {
        NsSurvey::Failed { reason } => {
            return vec![Finding::new(
                Code::LookupFailed,
                format!("could not ask the authoritative servers for {owner}: {reason}"),
            )];
        }
        NsSurvey::Done { servers, .. } if servers.is_empty() => {
            return vec![Finding::new(
                Code::LookupFailed,
                format!("no authoritative server of the zone of {owner} could be asked"),
            )];
        }
        NsSurvey::Done { zone, servers } => (escape(zone), servers),
    };
    let reference = reference(servers, resolver);
    servers
        .iter()
        .filter(|s| {
            let mine = served(&s.answer);
            mine.is_none() || mine != reference
        })
        .filter(|s| reference.is_some() || differs_from_some(s, servers))
        .map(|s| {
            let against = match &reference {
                Some(r) => format!("the other servers serve {}", describe_served(r)),
                None => "the servers disagree and none serves what most do".to_string(),
            };
            let serial = s
                .serial
                .map(|n| format!(" (SOA serial {n})"))
                .unwrap_or_default();
            Finding::new(
                Code::NsInconsistent,
                format!(
                    "{} of zone {zone}{serial} {} at {owner}; {against}",
                    server_name(s),
                    describe(&s.answer)
                ),
            )
        })
        .collect()
}

/// The answer the newest copy of the zone gives, else the one most servers give (the
/// largest group), broken by the resolver's answer on a tie.
fn reference(servers: &[NsAnswer<Tlsa>], resolver: &Answer<Tlsa>) -> Option<Served> {
    if let Some(newest) = newest_copy(servers) {
        return Some(newest);
    }
    let mut groups: Vec<(Served, usize)> = Vec::new();
    for s in servers {
        let Some(v) = served(&s.answer) else { continue };
        match groups.iter_mut().find(|(g, _)| *g == v) {
            Some((_, n)) => *n += 1,
            None => groups.push((v, 1)),
        }
    }
    let most = groups.iter().map(|(_, n)| *n).max()?;
    let top: Vec<&Served> = groups
        .iter()
        .filter(|(_, n)| *n == most)
        .map(|(g, _)| g)
        .collect();
    if top.len() == 1 {
        return Some(top[0].clone());
    }
    let theirs = served(resolver)?;
    top.into_iter().find(|g| **g == theirs).cloned()
}

/// What the servers with the newest SOA serial (RFC 1982 arithmetic) serve, when they
/// agree and some other server has an older serial: a secondary that has not caught
/// up serves the older copy.
fn newest_copy(servers: &[NsAnswer<Tlsa>]) -> Option<Served> {
    let known: Vec<(u32, Served)> = servers
        .iter()
        .filter_map(|s| Some((s.serial?, served(&s.answer)?)))
        .collect();
    let newer = |a: u32, b: u32| a != b && (a.wrapping_sub(b) as i32) > 0;
    let top = known
        .iter()
        .map(|(n, _)| *n)
        .reduce(|a, b| if newer(b, a) { b } else { a })?;
    if known.iter().all(|(n, _)| *n == top) {
        return None;
    }
    let mut at_top = known.iter().filter(|(n, _)| *n == top).map(|(_, v)| v);
    let first = at_top.next()?;
    at_top.all(|v| v == first).then(|| first.clone())
}

/// Without a reference, a server is named when another serves something else (all
/// servers agreeing on, say, NODATA is no inconsistency).
fn differs_from_some(s: &NsAnswer<Tlsa>, all: &[NsAnswer<Tlsa>]) -> bool {
    let mine = served(&s.answer);
    mine.is_none() || all.iter().any(|o| served(&o.answer) != mine)
}

/// `ns2.example. (192.0.2.2)`.
pub fn server_name(s: &NsAnswer<Tlsa>) -> String {
    match s.address {
        Some(ip) => format!("{} ({ip})", escape(&s.server)),
        None => escape(&s.server).into_owned(),
    }
}

/// What a server does, as a verb phrase: `serves secure [3 1 1 …]`.
fn describe(a: &Answer<Tlsa>) -> String {
    match (served(a), a) {
        (Some(v), _) => format!("serves {}", describe_served(&v)),
        (None, Answer::Bogus { reason }) => format!("serves a bogus answer ({})", escape(reason)),
        (None, Answer::Failed { reason }) => format!("gives no usable answer ({})", escape(reason)),
        (None, other) => other.describe(),
    }
}

fn describe_served((kind, security, records): &Served) -> String {
    match *kind {
        "found" => {
            let list: Vec<String> = records.iter().map(ToString::to_string).collect();
            format!("{security} [{}]", list.join(", "))
        }
        "nodata" => format!("no TLSA records ({security} denial)"),
        "nxdomain" => format!("no such name ({security} denial)"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlsa::Params;

    fn rec(byte: u8) -> Tlsa {
        Tlsa {
            params: Params::new(3, 1, 1),
            data: vec![byte; 32],
        }
    }

    fn found(records: Vec<Tlsa>) -> Answer<Tlsa> {
        Answer::Found {
            records,
            ttl: 300,
            security: Security::Secure,
        }
    }

    fn server(n: u8, answer: Answer<Tlsa>) -> NsAnswer<Tlsa> {
        NsAnswer {
            server: format!("ns{n}.example."),
            address: Some(format!("192.0.2.{n}").parse().unwrap()),
            answer,
            serial: None,
        }
    }

    fn survey(servers: Vec<NsAnswer<Tlsa>>) -> NsSurvey<Tlsa> {
        NsSurvey::Done {
            zone: "example.".into(),
            servers,
        }
    }

    const OWNER: &str = "_25._tcp.mx.example.";

    /// `deploy`: a new record on the primary only, or missing from a stale secondary, has
    /// not been seen yet; what every server serves has.
    #[test]
    fn served_everywhere_keeps_only_what_every_server_serves() {
        let resolver = found(vec![rec(1), rec(2)]);
        let stale = survey(vec![
            server(1, found(vec![rec(1), rec(2)])),
            server(2, found(vec![rec(1)])),
        ]);
        assert_eq!(served_everywhere(&stale, &resolver), found(vec![rec(1)]));
        let fresh = survey(vec![
            server(1, found(vec![rec(2), rec(1)])),
            server(2, found(vec![rec(1), rec(2)])),
        ]);
        assert_eq!(served_everywhere(&fresh, &resolver), resolver);
    }

    #[test]
    fn lagging_names_the_servers_without_every_resolver_record() {
        let resolver = found(vec![rec(1), rec(2)]);
        let stale = survey(vec![
            server(1, found(vec![rec(2), rec(1)])),
            server(2, found(vec![rec(1)])),
        ]);
        assert_eq!(lagging(&stale, &resolver), vec!["ns2.example. (192.0.2.2)"]);
        // The resolver asked the stale server: the other one still shows the lag.
        assert_eq!(
            lagging(&stale, &found(vec![rec(1)])),
            vec!["ns2.example. (192.0.2.2)"]
        );
        let fresh = survey(vec![
            server(1, found(vec![rec(1), rec(2)])),
            server(2, found(vec![rec(2), rec(1)])),
        ]);
        assert!(lagging(&fresh, &resolver).is_empty());
        let failed = NsSurvey::Failed {
            reason: "no NS".into(),
        };
        assert!(lagging(&failed, &resolver).is_empty());
    }

    #[test]
    fn served_everywhere_fails_on_a_bogus_silent_or_insecure_server() {
        let resolver = found(vec![rec(1)]);
        for bad in [
            Answer::Bogus {
                reason: "expired".into(),
            },
            Answer::Failed {
                reason: "time-out".into(),
            },
            Answer::Found {
                records: vec![rec(1)],
                ttl: 300,
                security: Security::Insecure,
            },
        ] {
            let s = survey(vec![server(1, found(vec![rec(1)])), server(2, bad)]);
            match served_everywhere(&s, &resolver) {
                Answer::Failed { reason } => {
                    assert!(
                        reason.starts_with("ns2.example. (192.0.2.2) answers"),
                        "{reason}"
                    )
                }
                other => panic!("{other:?}"),
            }
        }
        let failed = NsSurvey::Failed {
            reason: "no NS".into(),
        };
        assert!(matches!(
            served_everywhere(&failed, &resolver),
            Answer::Failed { .. }
        ));
    }

    #[test]
    fn agreeing_servers_give_nothing_whatever_the_record_order() {
        let s = survey(vec![
            server(1, found(vec![rec(1), rec(2)])),
            server(2, found(vec![rec(2), rec(1)])),
        ]);
        assert!(ns_findings(OWNER, &s, &found(vec![rec(1), rec(2)])).is_empty());
        let nodata = Answer::NoData {
            security: Security::Secure,
        };
        let s = survey(vec![server(1, nodata.clone()), server(2, nodata.clone())]);
        assert!(ns_findings(OWNER, &s, &nodata).is_empty());
    }

    #[test]
    fn the_odd_server_out_is_named() {
        let s = survey(vec![
            server(1, found(vec![rec(2)])),
            server(2, found(vec![rec(1)])),
            server(3, found(vec![rec(2)])),
        ]);
        let f = ns_findings(OWNER, &s, &found(vec![rec(1)]));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, Code::NsInconsistent);
        assert!(
            f[0].message.contains("ns2.example. (192.0.2.2)"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn a_tie_is_broken_by_the_resolver_answer() {
        let s = survey(vec![
            server(1, found(vec![rec(2)])),
            server(2, found(vec![rec(1)])),
        ]);
        let f = ns_findings(OWNER, &s, &found(vec![rec(2)]));
        assert_eq!(f.len(), 1);
        assert!(f[0].message.starts_with("ns2.example."), "{}", f[0].message);
        // neither matches the resolver: both are named
        let f = ns_findings(OWNER, &s, &found(vec![rec(3)]));
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn the_older_serial_is_the_stale_one_whatever_the_resolver_says() {
        let with = |n, records, serial| NsAnswer {
            serial: Some(serial),
            ..server(n, found(records))
        };
        let s = survey(vec![with(1, vec![rec(2)], 7), with(2, vec![rec(1)], 6)]);
        let f = ns_findings(OWNER, &s, &found(vec![rec(1)]));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message
                .starts_with("ns2.example. (192.0.2.2) of zone example. (SOA serial 6)"),
            "{}",
            f[0].message
        );
        // serial arithmetic: 1 is newer than 4294967295
        let s = survey(vec![
            with(1, vec![rec(2)], 1),
            with(2, vec![rec(1)], u32::MAX),
        ]);
        let f = ns_findings(OWNER, &s, &found(vec![rec(1)]));
        assert!(f[0].message.starts_with("ns2.example."), "{}", f[0].message);
    }

    #[test]
    fn bogus_failed_and_insecure_answers_are_inconsistent() {
        let bogus = Answer::Bogus {
            reason: "signature expired".into(),
        };
        let failed = Answer::Failed {
            reason: "REFUSED".into(),
        };
        let insecure = Answer::Found {
            records: vec![rec(1)],
            ttl: 300,
            security: Security::Insecure,
        };
        for odd in [bogus, failed, insecure] {
            let s = survey(vec![
                server(1, found(vec![rec(1)])),
                server(2, odd),
                server(3, found(vec![rec(1)])),
            ]);
            let f = ns_findings(OWNER, &s, &found(vec![rec(1)]));
            assert_eq!(f.len(), 1, "{f:?}");
            assert!(f[0].message.starts_with("ns2.example. (192.0.2.2)"));
        }
    }

    #[test]
    fn a_survey_that_could_not_be_made_is_an_error_not_an_ok() {
        let failed = NsSurvey::Failed {
            reason: "SERVFAIL".into(),
        };
        let f = ns_findings(OWNER, &failed, &found(vec![rec(1)]));
        assert_eq!(f[0].code, Code::LookupFailed);
        let f = ns_findings(OWNER, &survey(Vec::new()), &found(vec![rec(1)]));
        assert_eq!(f[0].code, Code::LookupFailed);
    }
}
