//! One published TLSA record against one certificate chain: is it usable for this
//! service, what does it match, and does that match count for a DANE client
//! (RFC 6698 §2.1, RFC 7671 §5, RFC 7672 §3). Pure: "now" is passed in.

use crate::chain::Certificate;
use crate::findings::Code;
use crate::owner::Host;
use crate::sanitize::escape;
use crate::tlsa::{Matching, Selector, Tlsa, Usage};

/// What the records protect, as far as the rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// SMTP to an MX host (RFC 7672): usages 0 and 1 are unusable (§3.1.3).
    Smtp,
    /// Any other TLS service: all four usages apply (RFC 6698).
    Other,
}

impl Service {
    /// SMTP to an MX: port 25, or a STARTTLS-SMTP check on any port but the submission
    /// ports 587 and 465 (RFC 7672 §1.3 covers MX delivery only).
    pub fn of(port: u16, smtp_starttls: bool) -> Service {
        if port == 25 || (smtp_starttls && port != 587 && port != 465) {
            Service::Smtp
        } else {
            Service::Other
        }
    }
}

/// What one published record matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    /// The certificate at this depth (0 = leaf).
    Cert { depth: usize },
    /// A `2 x 0` trust-anchor key or certificate that signed the top certificate sent
    /// (RFC 7671 §5.2.2: the TA itself need not be sent).
    TopSigner,
    /// Matches nothing in the chain.
    Nothing,
    /// No chain to compare with.
    NotCompared,
}

/// One published record and what became of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordResult {
    pub tlsa: Tlsa,
    /// Why senders cannot use this record, if they cannot.
    pub unusable: Option<String>,
    pub matched: Match,
    /// Why a match does not count for a DANE sender.
    pub void: Option<Void>,
}

/// Why a DANE-TA match does not satisfy a sender (RFC 7671 §5.2.2, RFC 7672 §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Void {
    /// A link between the leaf and the matched CA does not verify.
    BrokenChain(String),
    /// The leaf does not name the host (RFC 7672 §3.2.3).
    NameMismatch(String),
    /// A certificate up to the trust anchor is outside its validity period.
    OutOfDate(String),
    /// Usage 2 matched the leaf itself rather than a CA certificate.
    LeafAsTa,
}

impl Void {
    pub fn code(&self) -> Code {
        match self {
            Void::BrokenChain(_) | Void::LeafAsTa => Code::TaChainBroken,
            Void::NameMismatch(_) => Code::NameMismatch,
            Void::OutOfDate(_) => Code::Expired,
        }
    }
}

impl std::fmt::Display for Void {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Void::BrokenChain(s) | Void::NameMismatch(s) | Void::OutOfDate(s) => f.write_str(s),
            Void::LeafAsTa => {
                f.write_str("a DANE-TA record must match a CA certificate, not the leaf")
            }
        }
    }
}

impl RecordResult {
    /// Usable and matching in a way a DANE sender accepts.
    pub fn counts(&self) -> bool {
        self.unusable.is_none()
            && self.void.is_none()
            && matches!(self.matched, Match::Cert { .. } | Match::TopSigner)
    }
}

/// What a record is compared in: the host and its other reference names, the port and
/// "now".
pub struct MatchContext<'a> {
    pub host: &'a Host,
    pub port: u16,
    /// Whether the records are for SMTP to an MX, where usages 0 and 1 are unusable.
    pub service: Service,
    pub now: i64,
    pub also_names: &'a [String],
}

/// Judges one record against a chain (or none): usable or not, what it matches, and
/// whether that match counts for a DANE sender.
pub fn evaluate(tlsa: &Tlsa, chain: Option<&[Certificate]>, f: &MatchContext<'_>) -> RecordResult {
    let unusable = tlsa.malformed().or_else(|| {
        (f.service == Service::Smtp && tlsa.params.usage.is_pkix()).then(|| {
            format!(
                "{} is ignored by SMTP senders (RFC 7672 §3.1.3)",
                tlsa.params.usage.name().unwrap_or("PKIX")
            )
        })
    });
    let Some(chain) = chain else {
        return RecordResult {
            tlsa: tlsa.clone(),
            unusable,
            matched: Match::NotCompared,
            void: None,
        };
    };
    let (matched, void) = match_chain(tlsa, chain, f);
    RecordResult {
        tlsa: tlsa.clone(),
        unusable,
        matched,
        void,
    }
}

/// Which certificate a record matches and, for DANE-TA, whether that match holds up.
fn match_chain(tlsa: &Tlsa, chain: &[Certificate], f: &MatchContext<'_>) -> (Match, Option<Void>) {
    if tlsa.malformed().is_some() {
        return (Match::Nothing, None);
    }
    let usage = tlsa.params.usage;
    if !usage.is_ta() {
        return match chain.first() {
            Some(leaf) if tlsa.matches(Some(&leaf.der), &leaf.spki) => {
                (Match::Cert { depth: 0 }, None)
            }
            _ => (Match::Nothing, None),
        };
    }
    let found = chain
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, c)| tlsa.matches(Some(&c.der), &c.spki));
    if let Some((depth, _)) = found {
        return (Match::Cert { depth }, ta_void(chain, depth, f));
    }
    if let Some(top) = chain.last()
        && signed_by_full_ta(tlsa, top)
    {
        return (Match::TopSigner, ta_void(chain, chain.len() - 1, f));
    }
    if chain
        .first()
        .is_some_and(|leaf| tlsa.matches(Some(&leaf.der), &leaf.spki))
    {
        return (Match::Cert { depth: 0 }, Some(Void::LeafAsTa));
    }
    (Match::Nothing, None)
}

/// RFC 7671 §5.2.2: a `2 1 0` (full key) or `2 0 0` (full certificate) record may
/// vouch for the top certificate sent even when the trust anchor is not sent.
fn signed_by_full_ta(tlsa: &Tlsa, top: &Certificate) -> bool {
    if tlsa.params.matching != Matching::FULL || tlsa.params.usage != Usage::DANE_TA {
        return false;
    }
    match tlsa.params.selector {
        Selector::SPKI => top.signed_by_key(&tlsa.data),
        Selector::CERT => {
            Certificate::from_der(tlsa.data.clone()).is_ok_and(|ta| top.signed_by(&ta))
        }
        _ => false,
    }
}

/// Why a DANE-TA match at `depth` would not satisfy a sender: a broken chain below
/// it, the leaf not naming the host (RFC 7672 §3.2.3), or an expired certificate.
fn ta_void(chain: &[Certificate], depth: usize, f: &MatchContext<'_>) -> Option<Void> {
    for i in 0..depth {
        if chain[i].issuer_der != chain[i + 1].subject_der || !chain[i].signed_by(&chain[i + 1]) {
            return Some(Void::BrokenChain(format!(
                "certificate {i} does not verify with certificate {}'s key",
                i + 1
            )));
        }
    }
    let leaf = &chain[0];
    let named =
        leaf.covers_host(f.host.as_str()) || f.also_names.iter().any(|n| leaf.covers_host(n));
    if !named {
        return Some(Void::NameMismatch(format!(
            "the leaf ({}) does not name {} (DANE-TA needs a name match)",
            escape(&leaf.reference_names().join(", ")),
            f.host
        )));
    }
    let stale = chain[..=depth]
        .iter()
        .position(|c| c.not_after < f.now || c.not_before > f.now);
    stale.map(|i| {
        Void::OutOfDate(format!(
            "certificate {i} is outside its validity period (DANE-TA checks dates)"
        ))
    })
}

/// `3 1 1 b975b1ba…` for messages.
pub fn short(t: &Tlsa) -> String {
    let hex = t.data_hex();
    if hex.len() > 16 {
        format!("{} {}…", t.params, &hex[..16])
    } else {
        t.to_string()
    }
}
