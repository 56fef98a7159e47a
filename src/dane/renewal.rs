//! Renewal safety (RFC 7671 §8, RFC 7672 §8): will the published TLSA records still
//! match after the switch to the next certificate or key, known or predicted? Pure.

use crate::chain::Certificate;
use crate::dane::record::{self as verdict, Match, MatchContext, short};
use crate::dane::rrset;
use crate::findings::{Code, Finding, Severity, Verdict};
use crate::input::letsencrypt::Issuer;
use crate::input::material::Material;
use crate::tlsa::{Params, Selector, Tlsa, Usage};

/// What is known about the next certificate.
pub enum Next<'a> {
    /// A chain or a key on disk.
    Known(&'a Material),
    /// Predicted from a certbot renewal configuration.
    Predicted(Prediction<'a>),
}

/// The expected next certificate of a certbot lineage.
pub struct Prediction<'a> {
    /// certbot makes a new key (no `reuse_key = True`).
    pub new_key: bool,
    /// `rsa` or `ecdsa`: the key family of the next certificate.
    pub family: String,
    /// Intermediates that may issue it; `None` when the CA is unknown.
    pub issuers: Option<Vec<&'a Issuer>>,
    /// Intermediates of the same CA that no longer issue.
    pub retired: Vec<&'a Issuer>,
    /// Where the prediction comes from, for the report.
    pub basis: String,
    /// The certbot certificate name, for the advice.
    pub cert_name: String,
    /// `from → to` when the renewal configuration names another CA than the one that
    /// issued the current certificate.
    pub ca_switch: Option<String>,
    /// `from → to` when `key_type` differs from the current key: a new key for sure.
    pub key_type_change: Option<String>,
}

/// How a published record fares across the switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Matches the current and the next certificate.
    Both,
    /// Matches only the current one: keep it until the switch, then remove it.
    CurrentOnly,
    /// Matches only the next one.
    NextOnly,
    /// Matches neither: stale.
    Neither,
    /// Matches the next certificate; the current one is not known (no `--current`
    /// chain), so whether it matches that is not either.
    NextCurrentUnknown,
    /// Does not match the next certificate; the current one is not known, so the
    /// record may be the one that serves now and must not be called stale.
    NotNextCurrentUnknown,
    /// Matches the current chain but does not count (the leaf does not name the
    /// host, a broken or expired chain), and not the next one: not stale, but wrong;
    /// a finding says why.
    Void,
    /// Unusable (malformed, or a PKIX usage on port 25).
    Unusable,
}

impl Role {
    /// Whether the record matches the next certificate.
    pub fn matches_next(self) -> bool {
        matches!(self, Role::Both | Role::NextOnly | Role::NextCurrentUnknown)
    }
}

/// One published record and its role.
#[derive(Debug, Clone)]
pub struct RecordRole {
    pub tlsa: Tlsa,
    pub role: Role,
    /// For 2 x x records under a prediction: the candidate issuers it covers.
    pub covers: Vec<String>,
    /// Why the record is unusable, if it is.
    pub unusable: Option<String>,
    /// Why a record of role [`Role::Void`] does not count for the current chain.
    pub void: Option<verdict::Void>,
}

/// The answer for one host and port.
#[derive(Debug, Clone)]
pub struct RenewOutcome {
    pub records: Vec<RecordRole>,
    pub findings: Vec<Finding>,
    /// Records to publish now so the switch keeps a match.
    pub publish: Vec<Tlsa>,
    /// Twice the TLSA TTL, when something must be published first.
    pub wait_seconds: Option<u64>,
    pub survives: bool,
    /// Survival rests on a guess (2 x x records only, next issuer unknown), or the CA
    /// changes. Never reported as "keeps DANE working".
    pub uncertain: bool,
    pub verdict: Verdict,
}

/// Inputs besides the records.
pub struct RenewFacts<'a> {
    pub ctx: MatchContext<'a>,
    pub published: &'a [Tlsa],
    pub ttl: Option<u32>,
    pub current: Option<&'a [Certificate]>,
    /// The current key's SubjectPublicKeyInfo when `--current` is a key or CSR: it
    /// decides the `3 1 x` records; the others stay unknown.
    pub current_key: Option<&'a [u8]>,
    /// There is no current certificate (a first issuance): no record matches one.
    pub no_current: bool,
    /// The published TLSA RRset is provably unsigned: senders do not use DANE, so
    /// nothing breaks today; what would break is said as a warning.
    pub not_in_effect: bool,
    pub next: Next<'a>,
    pub days: u32,
}

/// Judges the switch from the current to the next certificate.
pub fn judge(f: &RenewFacts<'_>) -> RenewOutcome {
    let mut findings = Vec::new();
    let records: Vec<RecordRole> = f.published.iter().map(|t| role_of(t, f)).collect();
    let survives = survives(f, &records);
    let mut publish = Vec::new();
    broken_now(f, &records, &mut findings);
    note_records(f, &records, &mut findings);
    match &f.next {
        Next::Known(m) => known_next(f, m, &records, survives, &mut findings, &mut publish),
        Next::Predicted(p) => predicted_next(f, p, &records, survives, &mut findings, &mut publish),
    }
    // With nothing published there is no TTL to read: none is invented.
    let no_rrset = f.published.is_empty() && f.ttl.is_none();
    if !publish.is_empty() && no_rrset {
        findings.push(Finding::new(
            Code::WaitTtl,
            "publish the records below now, then wait 2 × the TTL the zone gives them, counted from when they are first visible, before the server switches to the next certificate".to_string(),
        ));
    }
    let wait_seconds =
        (!publish.is_empty() && !no_rrset).then(|| u64::from(f.ttl.unwrap_or(3600)) * 2);
    if let Some(wait) = wait_seconds {
        let ttl = f
            .ttl
            .map_or("unknown, 3600 assumed".to_string(), |t| t.to_string());
        findings.push(Finding::new(
            Code::WaitTtl,
            format!("publish the records below now, then wait at least {wait} s (2 × TTL {ttl}) before the server switches to the next certificate"),
        ));
    }
    expiry(f, &mut findings);
    if f.not_in_effect {
        for finding in findings.iter_mut().filter(|x| x.severity == Severity::Fail) {
            finding.severity = Severity::Warn;
            finding.message.push_str(
                " (once the TLSA records are DNSSEC-signed; today DANE is not in effect)",
            );
        }
    }
    let verdict = Verdict::of(&findings);
    RenewOutcome {
        uncertain: survives && uncertain(f, &records),
        records,
        findings,
        publish,
        wait_seconds,
        survives,
        verdict,
    }
}

/// A prediction with a change of CA, or whose next issuer is unknown and that no 3 x x
/// record carries across (only a guess says the 2 x x records still match).
fn uncertain(f: &RenewFacts<'_>, records: &[RecordRole]) -> bool {
    let Next::Predicted(p) = &f.next else {
        return false;
    };
    // A change of CA is never reported as "keeps working" (issue 10 item 6).
    if p.ca_switch.is_some() {
        return true;
    }
    let ee_carries = records
        .iter()
        .any(|r| r.tlsa.params.usage == Usage::DANE_EE && r.role.matches_next());
    p.issuers.is_none() && !ee_carries
}

fn role_of(t: &Tlsa, f: &RenewFacts<'_>) -> RecordRole {
    let now = verdict::evaluate(t, f.current, &f.ctx);
    if now.unusable.is_some() {
        return RecordRole {
            tlsa: t.clone(),
            role: Role::Unusable,
            covers: Vec::new(),
            unusable: now.unusable,
            void: None,
        };
    }
    let current = match (f.current, f.current_key) {
        (Some(_), _) => Some(now.counts()),
        (None, _) if f.no_current => Some(false),
        (None, Some(spki))
            if t.params.usage == Usage::DANE_EE && t.params.selector == Selector::SPKI =>
        {
            Some(t.matches(None, spki))
        }
        _ => None,
    };
    let (next, covers) = covers_next(t, f);
    let void_now = f.current.is_some()
        && now.void.is_some()
        && matches!(now.matched, Match::Cert { .. } | Match::TopSigner);
    let role = match (current, next) {
        (Some(false), false) if void_now => Role::Void,
        (Some(true), true) => Role::Both,
        (Some(true), false) => Role::CurrentOnly,
        (Some(false), true) => Role::NextOnly,
        (Some(false), false) => Role::Neither,
        (None, true) => Role::NextCurrentUnknown,
        (None, false) => Role::NotNextCurrentUnknown,
    };
    RecordRole {
        tlsa: t.clone(),
        role,
        covers,
        unusable: None,
        void: (role == Role::Void).then_some(now.void).flatten(),
    }
}

/// Whether the record matches the next certificate, and which candidate issuers it
/// covers under a prediction.
fn covers_next(t: &Tlsa, f: &RenewFacts<'_>) -> (bool, Vec<String>) {
    match &f.next {
        Next::Known(Material::Chain(chain)) => (
            verdict::evaluate(t, Some(chain), &f.ctx).counts(),
            Vec::new(),
        ),
        Next::Known(Material::Key(key)) => {
            if t.params.usage == Usage::DANE_EE {
                (
                    t.params.selector == Selector::SPKI && t.matches(None, &key.spki),
                    Vec::new(),
                )
            } else {
                // A bare key says nothing about the issuer: assume it stays the same.
                (
                    f.current
                        .is_some_and(|c| verdict::evaluate(t, Some(c), &f.ctx).counts()),
                    Vec::new(),
                )
            }
        }
        Next::Predicted(p) => predicted_cover(t, f, p),
    }
}

fn predicted_cover(t: &Tlsa, f: &RenewFacts<'_>, p: &Prediction<'_>) -> (bool, Vec<String>) {
    let current = f.current.unwrap_or(&[]);
    if t.params.usage == Usage::DANE_EE {
        let same_key = !p.new_key && t.params.selector == Selector::SPKI;
        let leaf = current.first();
        return (
            same_key && leaf.is_some_and(|l| t.matches(None, &l.spki)),
            Vec::new(),
        );
    }
    let names_ok = current.first().is_some_and(|leaf| {
        leaf.covers_host(f.ctx.host.as_str())
            || f.ctx.also_names.iter().any(|n| leaf.covers_host(n))
    });
    match &p.issuers {
        // Another CA's intermediates cannot be the current ones.
        None if p.ca_switch.is_some() => (false, Vec::new()),
        None => (
            verdict::evaluate(t, Some(current), &f.ctx).counts(),
            Vec::new(),
        ),
        Some(issuers) => {
            let covers: Vec<String> = issuers
                .iter()
                .filter(|i| i.sent().any(|c| t.matches(Some(&c.der), &c.spki)))
                .map(|i| i.name.clone())
                .collect();
            let covers = if names_ok { covers } else { Vec::new() };
            (!covers.is_empty(), covers)
        }
    }
}

/// Whether a usable record matches after the switch. Under a prediction with known
/// issuers, 2 x x records count only together: every possible issuer must be covered.
/// Whether a client still uses the record (RFC 7671 §9: not a SHA2-256 record beside a
/// usable SHA2-512 one of the same usage and selector).
fn heeded(f: &RenewFacts<'_>, r: &RecordRole) -> bool {
    !rrset::shadowed_in(&r.tlsa, f.published, &f.ctx)
}

fn survives(f: &RenewFacts<'_>, records: &[RecordRole]) -> bool {
    let after = |r: &&RecordRole| r.role.matches_next() && heeded(f, r);
    let Next::Predicted(Prediction {
        issuers: Some(issuers),
        ..
    }) = &f.next
    else {
        return records.iter().any(|r| after(&r));
    };
    let ee = records
        .iter()
        .filter(after)
        .any(|r| r.tlsa.params.usage == Usage::DANE_EE);
    let all_issuers = issuers.iter().all(|i| {
        records
            .iter()
            .filter(after)
            .any(|r| r.covers.contains(&i.name))
    });
    ee || all_issuers
}

/// The current certificate already matches nothing: DANE is broken today.
fn broken_now(f: &RenewFacts<'_>, records: &[RecordRole], out: &mut Vec<Finding>) {
    let usable = records.iter().any(|r| r.role != Role::Unusable);
    let current = records
        .iter()
        .any(|r| matches!(r.role, Role::Both | Role::CurrentOnly) && heeded(f, r));
    if f.current.is_some() && usable && !current {
        out.push(Finding::new(
            Code::NoMatch,
            "no usable published record matches the current certificate: DANE is broken now, before any renewal",
        ));
    }
    let bare_key = matches!(f.next, Next::Known(Material::Key(_)));
    if bare_key
        && records
            .iter()
            .any(|r| r.tlsa.params.usage.is_ta() && r.role != Role::Unusable)
    {
        out.push(Finding::with(
            Code::IssuerUnknown,
            Severity::Info,
            "the next certificate is given as a bare key: its issuer is assumed to stay the same for the 2 x x records",
        ));
    }
}

/// Stale records, 3 0 x records and single cover after the switch.
fn note_records(f: &RenewFacts<'_>, records: &[RecordRole], out: &mut Vec<Finding>) {
    for r in records {
        if let Some(void) = &r.void {
            out.push(Finding::new(
                void.code(),
                format!(
                    "{} matches the current chain, but does not count: {void}",
                    short(&r.tlsa)
                ),
            ));
        }
        // Neither only comes from a known current: a chain, or a key for `3 1 x`
        if r.role == Role::Neither && (f.current.is_some() || f.current_key.is_some()) {
            out.push(Finding::new(
                Code::StaleRecord,
                format!(
                    "{} ({}) matches neither the current nor the next certificate: remove it",
                    short(&r.tlsa),
                    r.tlsa.params.names()
                ),
            ));
        }
        if r.tlsa.params.usage == Usage::DANE_EE && r.tlsa.params.selector == Selector::CERT {
            out.push(Finding::new(
                Code::EeCertRecord,
                format!("{} pins the whole certificate, which every renewal replaces; publish 3 1 1 instead", short(&r.tlsa)),
            ));
        }
    }
}

fn known_next(
    f: &RenewFacts<'_>,
    next: &Material,
    records: &[RecordRole],
    survives: bool,
    out: &mut Vec<Finding>,
    publish: &mut Vec<Tlsa>,
) {
    let next_spki = match next {
        Material::Chain(c) => c.first().map(|l| l.spki.as_slice()),
        Material::Key(k) => Some(k.spki.as_slice()),
    };
    let current_spki = f
        .current
        .and_then(|c| c.first())
        .map(|l| l.spki.as_slice())
        .or(f.current_key);
    let ee_lost = records
        .iter()
        .any(|r| r.tlsa.params.usage == Usage::DANE_EE && r.role == Role::CurrentOnly);
    if let (Some(n), Some(c)) = (next_spki, current_spki)
        && n != c
        && ee_lost
    {
        let severity = if survives {
            Severity::Info
        } else {
            Severity::Warn
        };
        out.push(Finding::with(
            Code::KeyChanges,
            severity,
            "the next certificate has a new key: the 3 x x records of the current key stop matching at the switch",
        ));
    }
    if survives {
        single_cover(records, out);
        return;
    }
    let wanted: Vec<Tlsa> = match next {
        Material::Chain(c) => recommended(c),
        Material::Key(k) => Tlsa::compute(Params::new(3, 1, 1), None, &k.spki)
            .into_iter()
            .collect(),
    };
    publish.extend(wanted.into_iter().filter(|t| !f.published.contains(t)));
    out.push(Finding::new(
        Code::RenewalBreaks,
        "no usable published record matches the next certificate: DANE senders would defer mail from the moment the server switches",
    ));
}

/// `3 1 1` for the leaf and `2 1 1` for its issuer.
fn recommended(chain: &[Certificate]) -> Vec<Tlsa> {
    let mut out = Vec::new();
    if let Some(leaf) = chain.first() {
        out.extend(Tlsa::compute(Params::new(3, 1, 1), None, &leaf.spki));
    }
    if let Some(issuer) = chain.get(1) {
        out.extend(Tlsa::compute(Params::new(2, 1, 1), None, &issuer.spki));
    }
    out
}

fn single_cover(records: &[RecordRole], out: &mut Vec<Finding>) {
    let after = records.iter().filter(|r| r.role.matches_next()).count();
    if after == 1 {
        out.push(Finding::new(
            Code::SingleRecord,
            "after the switch only one published record matches: the following key or issuer change breaks DANE",
        ));
    }
}

fn predicted_next(
    f: &RenewFacts<'_>,
    p: &Prediction<'_>,
    records: &[RecordRole],
    survives: bool,
    out: &mut Vec<Finding>,
    publish: &mut Vec<Tlsa>,
) {
    let ee: Vec<&RecordRole> = records
        .iter()
        .filter(|r| r.tlsa.params.usage == Usage::DANE_EE && r.role != Role::Unusable)
        .collect();
    switch_findings(p, !ee.is_empty(), survives, out);
    let ta: Vec<&RecordRole> = records
        .iter()
        .filter(|r| r.tlsa.params.usage == Usage::DANE_TA && r.role != Role::Unusable)
        .collect();
    let Some(issuers) = &p.issuers else {
        unknown_issuer(f, p, &ta, survives, out, publish);
        return;
    };
    let covered: Vec<&str> = issuers
        .iter()
        .filter(|i| ta.iter().any(|r| r.covers.contains(&i.name)))
        .map(|i| i.name.as_str())
        .collect();
    let missing: Vec<&&Issuer> = issuers
        .iter()
        .filter(|i| !covered.contains(&i.name.as_str()))
        .collect();
    if !missing.is_empty() && !ta.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|i| format!("{} ({})", i.name, i.status.as_str()))
            .collect();
        out.push(Finding::new(
            Code::IssuerNotCovered,
            format!(
                "the 2 x x records do not cover {}, which may issue the next {} certificate",
                list.join(", "),
                p.family.to_uppercase()
            ),
        ));
    }
    retired_pins(p, &ta, out);
    if !survives {
        for i in &missing {
            publish.extend(Tlsa::compute(Params::new(2, 1, 1), None, &i.cert.spki));
        }
        if !p.new_key && ee.is_empty() {
            publish.extend(
                f.current
                    .and_then(|c| c.first())
                    .and_then(|l| Tlsa::compute(Params::new(3, 1, 1), None, &l.spki)),
            );
        }
    }
    finish_prediction(survives, out);
}

/// The prediction when the next issuer is not known: say so for 2 x x records, and name
/// the best cover there is (the current issuer's and, with the same key, the leaf's).
fn unknown_issuer(
    f: &RenewFacts<'_>,
    p: &Prediction<'_>,
    ta: &[&RecordRole],
    survives: bool,
    out: &mut Vec<Finding>,
    publish: &mut Vec<Tlsa>,
) {
    if !ta.is_empty() && p.ca_switch.is_some() {
        out.push(Finding::new(
            Code::IssuerUnknown,
            "the next CA's intermediates are not in daneguard's CA knowledge: no 2 x x record can be counted on after the switch (give --ca-certs with them)",
        ));
    } else if !ta.is_empty() {
        out.push(Finding::new(
            Code::IssuerUnknown,
            "the current issuer is not in daneguard's CA knowledge: the next issuer cannot be predicted, so 2 x x records are assumed to keep matching only if the issuer stays the same",
        ));
    }
    if !survives {
        // With the issuer unknown, its key is the best cover that can be named.
        let issuer = f.current.and_then(|c| c.get(1));
        publish.extend(issuer.and_then(|i| Tlsa::compute(Params::new(2, 1, 1), None, &i.spki)));
        if !p.new_key {
            let leaf = f.current.and_then(|c| c.first());
            publish.extend(leaf.and_then(|l| Tlsa::compute(Params::new(3, 1, 1), None, &l.spki)));
        }
        publish.retain(|t| !f.published.contains(t));
    }
    finish_prediction(survives, out);
}

/// A change of CA, and a new key (with why) when 3 x x records are published.
fn switch_findings(p: &Prediction<'_>, has_ee: bool, survives: bool, out: &mut Vec<Finding>) {
    if let Some(switch) = &p.ca_switch {
        out.push(Finding::new(
            Code::CaSwitch,
            format!("the renewal configuration switches the CA ({switch}): the next certificate has other intermediates, so 2 x x records for the current ones stop matching"),
        ));
    }
    if p.new_key && has_ee {
        let text = match &p.key_type_change {
            Some(change) => format!(
                "certbot makes a new key at renewal because key_type changes ({change}): every 3 x x record stops matching; publish the new key's 3 1 1 first, or rely on 2 1 1 records covering every issuer"
            ),
            None => format!(
                "certbot makes a new key at renewal (reuse_key is not set): every 3 x x record stops matching; set it with 'certbot reconfigure --cert-name {} --reuse-key', or rely on 2 1 1 records covering every issuer",
                p.cert_name
            ),
        };
        out.push(Finding::with(
            Code::KeyChanges,
            if survives {
                Severity::Warn
            } else {
                Severity::Fail
            },
            text,
        ));
    }
}

/// 2 x x records whose only match is an intermediate that no longer issues.
fn retired_pins(p: &Prediction<'_>, ta: &[&RecordRole], out: &mut Vec<Finding>) {
    for r in ta.iter().filter(|r| r.covers.is_empty()) {
        let pinned: Vec<&str> = p
            .retired
            .iter()
            .filter(|i| r.tlsa.matches(Some(&i.cert.der), &i.cert.spki))
            .map(|i| i.name.as_str())
            .collect();
        if !pinned.is_empty() {
            out.push(Finding::new(
                Code::RetiredIssuer,
                format!("{} matches only the retired intermediate {}, which will not sign the next certificate", short(&r.tlsa), pinned.join(", ")),
            ));
        }
    }
}

fn finish_prediction(survives: bool, out: &mut Vec<Finding>) {
    if !survives {
        out.push(Finding::new(
            Code::RenewalBreaks,
            "at the next renewal no usable published record is expected to match: DANE senders would defer mail once the server loads the new certificate",
        ));
    }
}

fn expiry(f: &RenewFacts<'_>, out: &mut Vec<Finding>) {
    let Some(leaf) = f.current.and_then(<[Certificate]>::first) else {
        return;
    };
    let window = i64::from(f.days) * 86_400;
    if leaf.not_after < f.ctx.now + window {
        let days_left = (leaf.not_after - f.ctx.now) / 86_400;
        out.push(Finding::new(
            Code::ExpiresSoon,
            format!(
                "the current certificate expires on {} (in {days_left} days)",
                crate::render::iso_time(leaf.not_after)
            ),
        ));
    }
}
