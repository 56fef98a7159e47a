//! The rules over a whole TLSA RRset for one certificate chain: any usable record that
//! matches is enough (RFC 7672 §3), except that a client uses only the strongest digest
//! published for each usage and selector (RFC 7671 §9). Pure.

use crate::chain::Certificate;
use crate::dane::record::{self, Match, MatchContext, RecordResult, short};
use crate::findings::{Code, Finding};
use crate::tlsa::{Matching, Params, Tlsa};

/// Every published record compared with `chain` (or with nothing).
pub fn compare(
    records: &[Tlsa],
    chain: Option<&[Certificate]>,
    ctx: &MatchContext<'_>,
) -> Vec<RecordResult> {
    records
        .iter()
        .map(|t| record::evaluate(t, chain, ctx))
        .collect()
}

/// Whether any record is usable at all for this service.
pub fn any_usable(results: &[RecordResult]) -> bool {
    results.iter().any(|r| r.unusable.is_none())
}

/// Indices of the records that authenticate the chain for a client that applies RFC 7671
/// §9: usable, matching in a way that counts, and not a SHA2-256 record shadowed by a
/// SHA2-512 record of the same usage and selector.
pub fn authenticating(results: &[RecordResult]) -> Vec<usize> {
    results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.unusable.is_none() && r.counts() && !shadowed(r, results))
        .map(|(i, _)| i)
        .collect()
}

/// Whether some usable record authenticates `chain`: the one question every command asks.
pub fn authenticates(records: &[Tlsa], chain: &[Certificate], ctx: &MatchContext<'_>) -> bool {
    !authenticating(&compare(records, Some(chain), ctx)).is_empty()
}

/// A usable SHA2-256 record whose usage and selector also have a usable SHA2-512 record.
fn shadowed(r: &RecordResult, all: &[RecordResult]) -> bool {
    let p = r.tlsa.params;
    p.matching == Matching::SHA2_256
        && all
            .iter()
            .any(|o| o.unusable.is_none() && o.tlsa.params == sha512_of(p))
}

/// Whether a client ignores `t` because a usable SHA2-512 record of the same usage and
/// selector is published (RFC 7671 §9), whatever chain it is compared with.
pub fn shadowed_in(t: &Tlsa, published: &[Tlsa], ctx: &MatchContext<'_>) -> bool {
    let results = compare(published, None, ctx);
    t.params.matching == Matching::SHA2_256
        && results
            .iter()
            .any(|o| o.unusable.is_none() && o.tlsa.params == sha512_of(t.params))
}

fn sha512_of(p: Params) -> Params {
    Params {
        matching: Matching::SHA2_512,
        ..p
    }
}

/// Whether some usage/selector pair has a matching SHA2-256 record while none of its
/// SHA2-512 records matches: senders preferring SHA2-512 lose that match.
fn sha512_misses_a_match(results: &[RecordResult]) -> bool {
    let counts = |r: &RecordResult| r.unusable.is_none() && r.counts();
    results.iter().any(|r| {
        let group = sha512_of(r.tlsa.params);
        r.tlsa.params.matching == Matching::SHA2_256
            && counts(r)
            && shadowed(r, results)
            && !results.iter().any(|o| o.tlsa.params == group && counts(o))
    })
}

/// How the comparison with one chain is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    /// The chain file: a mismatch is `no-match`.
    File,
    /// A chain a server presented: a mismatch is reported per address by the live rules,
    /// so only the record-level findings are made here; a record that authenticates
    /// another presented chain (the server's other key) is not stale.
    Presented,
}

/// Findings from comparing the usable records with one chain: matches that do not count,
/// records matching nothing, and the RRset-level outcome (no match, a single match,
/// SHA2-512 records that do not cover the SHA2-256 ones).
pub fn findings(
    results: &[RecordResult],
    ctx: &MatchContext<'_>,
    reported: Reported,
    elsewhere: &[usize],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, r) in results
        .iter()
        .enumerate()
        .filter(|(_, r)| r.unusable.is_none())
    {
        if let Some(why) = &r.void {
            out.push(
                Finding::new(
                    why.code(),
                    format!("{} matches, but does not count: {why}", short(&r.tlsa)),
                )
                .about(i),
            );
        }
        if r.matched == Match::Nothing && !elsewhere.contains(&i) {
            out.push(
                Finding::new(
                    Code::StaleRecord,
                    format!(
                        "{} ({}) matches nothing in the chain",
                        short(&r.tlsa),
                        r.tlsa.params.names()
                    ),
                )
                .about(i),
            );
        }
    }
    let counting = authenticating(results).len();
    let counting_any = results
        .iter()
        .filter(|r| r.unusable.is_none() && r.counts())
        .count();
    if counting == 0 && reported == Reported::File {
        let why = if counting_any > 0 {
            "only SHA2-256 records match, and senders that support SHA2-512 use only the SHA2-512 records of the same usage and selector (RFC 7671 §9)"
        } else {
            "no usable record matches the certificate chain"
        };
        out.push(Finding::new(
            Code::NoMatch,
            format!(
                "{why}: DANE senders will defer mail to {} port {} (and bounce it after their queue lifetime)",
                ctx.host, ctx.port
            ),
        ));
    } else if counting == 1 {
        out.push(Finding::new(
            Code::SingleRecord,
            "only one published record matches: a key or issuer change breaks DANE; publish 3 1 1 for the key and 2 1 1 for the issuer",
        ));
    }
    if counting > 0 && sha512_misses_a_match(results) {
        out.push(Finding::new(
            Code::DigestAgility,
            "some SHA2-256 records match but the SHA2-512 records of the same usage and selector do not; senders preferring SHA2-512 see fewer matches",
        ));
    }
    out
}

/// Findings about records that no chain can make usable: malformed ones, and usages 0
/// and 1 where the service is SMTP (RFC 7672 §3.1.3).
pub fn unusable_findings(results: &[RecordResult]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, r) in results.iter().enumerate() {
        if r.tlsa.malformed().is_some() {
            let why = r.unusable.as_deref().unwrap_or("unusable");
            out.push(
                Finding::new(Code::UnusableRecord, format!("{}: {why}", short(&r.tlsa))).about(i),
            );
        } else if r.unusable.is_some() && r.tlsa.params.usage.is_pkix() {
            out.push(
                Finding::new(
                    Code::PkixUsageSmtp,
                    format!(
                        "{} ({}): SMTP senders ignore usages 0 and 1; publish 3 1 1 or 2 1 1 instead",
                        short(&r.tlsa),
                        r.tlsa.params.names()
                    ),
                )
                .about(i),
            );
        }
    }
    out
}

/// `no-usable-records`: secure records exist, none usable (RFC 7672 §2.2: senders insist
/// on TLS but authenticate nothing).
pub fn no_usable_finding(results: &[RecordResult], ctx: &MatchContext<'_>) -> Finding {
    let n = results.len();
    let (what, verb) = if n == 1 {
        ("the only TLSA record".to_string(), "is not")
    } else {
        (format!("none of the {n} TLSA records"), "is")
    };
    Finding::new(
        Code::NoUsableRecords,
        format!(
            "{what} for {} port {} {verb} usable: senders require TLS but do not authenticate the server",
            ctx.host, ctx.port
        ),
    )
}
