//! The finding model shared by `check`, `renew-check` and `zone`: stable codes, their
//! severities and one-line explanations (listed in the README and the man pages).

use std::fmt;

use serde::Serialize;

use crate::exit::ExitStatus;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never changes the exit status.
    Info,
    /// Weakens DANE or will break it later; exit 1 only with `--strict`.
    Warn,
    /// Breaks DANE now, or at the next change: exit 1.
    Fail,
    /// The check could not be completed: exit 2.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warn => "warn",
            Severity::Fail => "fail",
            Severity::Error => "error",
        }
    }

    /// The exit status this severity leads to.
    pub fn exit_status(self, strict: bool) -> ExitStatus {
        match self {
            Severity::Info => ExitStatus::Ok,
            Severity::Warn if strict => ExitStatus::Findings,
            Severity::Warn => ExitStatus::Ok,
            Severity::Fail => ExitStatus::Findings,
            Severity::Error => ExitStatus::Failure,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares the finding codes once: name, string, default severity, explanation.
macro_rules! codes {
    ($($variant:ident = $text:literal, $sev:ident, $summary:literal;)*) => {
        /// A stable finding code. The strings are a contract: scripts match on them and
        /// `--allow CODE` names them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $text,)* }
            }

            /// The severity the code has unless a command raises or lowers it.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// One line saying what the code means, for the README and man page.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }

            pub fn parse(text: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == text)
            }
        }
    };
}

codes! {
    NoMatch = "no-match", Fail,
        "secure TLSA records exist but none usable matches the chain: DANE senders defer mail";
    Bogus = "bogus", Fail,
        "a DNSSEC validation failure (bogus) on the MX, address or TLSA lookup: DANE senders defer mail";
    InsecureTlsa = "insecure-tlsa", Fail,
        "TLSA records are insecure while the host's address records are secure: senders ignore them";
    NoAddress = "no-address", Fail,
        "the host has no A or AAAA records: senders cannot connect to it at all";
    NoUsableRecords = "no-usable-records", Warn,
        "secure TLSA records exist but none is usable: senders insist on TLS but authenticate nothing";
    DaneNotInEffect = "dane-not-in-effect", Warn,
        "the host's records are not DNSSEC-signed (insecure): DANE is not in effect";
    NoTlsa = "no-tlsa", Warn,
        "no TLSA records (authenticated denial): senders use opportunistic TLS";
    PkixUsageSmtp = "pkix-usage-smtp", Warn,
        "usage 0 or 1 (PKIX-TA/PKIX-EE) on port 25: SMTP senders ignore these records (RFC 7672 §3.1.3)";
    UnusableRecord = "unusable-record", Warn,
        "a record with an unknown usage, selector or matching type, or data of the wrong length";
    SingleRecord = "single-record", Warn,
        "only one record matches: no cover for a key or issuer change";
    StaleRecord = "stale-record", Warn,
        "a usable record matches nothing in the chain";
    DigestAgility = "digest-agility", Warn,
        "SHA2-512 records do not cover what SHA2-256 ones do; senders preferring SHA2-512 ignore the rest (RFC 7671 §9)";
    TaChainBroken = "ta-chain-broken", Warn,
        "a DANE-TA record matches a CA certificate, but the chain below it does not verify";
    NameMismatch = "name-mismatch", Warn,
        "the leaf certificate does not name the host: DANE-TA (2 x x) matches fail the name check";
    ExpiresSoon = "expires-soon", Warn,
        "the leaf certificate expires within --days days";
    Expired = "expired", Warn,
        "a certificate in the chain has expired or is not yet valid (DANE-TA checks dates, DANE-EE does not)";
    RenewalBreaks = "renewal-breaks", Fail,
        "after the switch to the next certificate or key no usable published record matches: publish first, then wait";
    KeyChanges = "key-changes", Warn,
        "the next certificate has a new key: 3 x x records for the current key stop matching at the switch";
    IssuerNotCovered = "issuer-not-covered", Warn,
        "2 x x records do not cover every intermediate the CA may pick for the next certificate";
    RetiredIssuer = "retired-issuer", Warn,
        "2 x x records pin intermediates that no longer issue (Let's Encrypt R10-R14, E5-E9)";
    IssuerUnknown = "issuer-unknown", Warn,
        "the issuing CA is not one daneguard knows: the next issuer cannot be predicted";
    CaSwitch = "ca-switch", Warn,
        "the renewal configuration names another CA than the one that issued the current certificate: its intermediates change";
    EeCertRecord = "ee-cert-record", Warn,
        "a 3 0 x record pins the whole leaf certificate, which changes at every renewal even with the same key; use 3 1 1";
    WaitTtl = "wait-ttl", Info,
        "new records must be in DNS for twice the TLSA TTL before the server switches";
    TlsaSyntax = "tlsa-syntax", Fail,
        "a TLSA record that does not parse, or whose data has the wrong length for its matching type";
    ZoneSyntax = "zone-syntax", Fail,
        "a line of the zone file that does not parse: the zone will not load";
    ZoneStructure = "zone-structure", Fail,
        "the zone breaks a rule the name servers enforce when loading it (an in-zone NS target without an address, data below or beside a DNAME, a CDS naming no DNSKEY): the zone will not load, or the data is never served";
    ZoneNote = "zone-note", Info,
        "a zone-file line read with a remark: no $TTL (the SOA minimum is used), or a record type daneguard skips";
    BadOwner = "bad-owner", Fail,
        "a TLSA record whose owner name is not _PORT._PROTO.host: no client looks it up";
    DuplicateRecord = "duplicate-record", Warn,
        "the same TLSA record appears twice in the zone";
    MxInconsistent = "mx-inconsistent", Warn,
        "some MX hosts of the zone have TLSA records and others do not";
    NsInconsistent = "ns-inconsistent", Fail,
        "an authoritative server of the zone serves another TLSA RRset than the others, or a bogus or failed answer (--all-ns)";
    LiveNoMatch = "live-no-match", Fail,
        "the certificate a server presents matches no usable TLSA record: DANE senders defer mail to that address";
    DualCertMismatch = "dual-cert-mismatch", Fail,
        "a server with an RSA and an ECDSA certificate presents one that no usable TLSA record matches";
    LiveDiffersFromFile = "live-differs-from-file", Warn,
        "the server presents another certificate than the chain file: was it reloaded after the renewal?";
    StarttlsMissing = "starttls-missing", Fail,
        "the server does not offer or refuses STARTTLS: DANE senders defer mail to it";
    Unreachable = "unreachable", Error,
        "no TLS connection to an address (refused, time-out, garbage, or a failed handshake): could not check it";
    NullMx = "null-mx", Info,
        "the mail domain publishes a null MX (RFC 7505): it accepts no mail, so there is nothing to check";
    NoChain = "no-chain", Info,
        "no certificate chain was given: records were checked but not compared with a chain";
    LookupFailed = "lookup-failed", Error,
        "a lookup could not be completed (SERVFAIL, time-out, or DNSSEC data missing): could not decide";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding about a host or record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Index of the published record the finding is about, if it is about one.
    pub record: Option<usize>,
}

impl Finding {
    /// A finding with its code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.severity(),
            message: message.into(),
            record: None,
        }
    }

    /// The same finding, tied to the published record at `index`.
    pub fn about(mut self, index: usize) -> Finding {
        self.record = Some(index);
        self
    }

    /// A finding with an explicit severity.
    pub fn with(code: Code, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity,
            message: message.into(),
            record: None,
        }
    }
}

/// The overall verdict of a set of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Warn,
    Fail,
    Error,
}

impl Verdict {
    pub fn of(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            None | Some(Severity::Info) => Verdict::Ok,
            Some(Severity::Warn) => Verdict::Warn,
            Some(Severity::Fail) => Verdict::Fail,
            Some(Severity::Error) => Verdict::Error,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }

    pub fn exit_status(self, strict: bool) -> ExitStatus {
        match self {
            Verdict::Ok => ExitStatus::Ok,
            Verdict::Warn if strict => ExitStatus::Findings,
            Verdict::Warn => ExitStatus::Ok,
            Verdict::Fail => ExitStatus::Findings,
            Verdict::Error => ExitStatus::Failure,
        }
    }
}

/// `2025-01-01T00:00:00Z`.
pub fn iso_time(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for (i, c) in Code::ALL.iter().enumerate() {
            assert_eq!(Code::parse(c.as_str()), Some(*c));
            assert!(Code::ALL[..i].iter().all(|o| o.as_str() != c.as_str()));
            assert!(!c.summary().is_empty());
        }
        assert_eq!(Code::parse("nope"), None);
    }

    #[test]
    fn verdict_is_the_worst_severity() {
        assert_eq!(Verdict::of(&[]), Verdict::Ok);
        let warn = Finding::new(Code::SingleRecord, "x");
        let fail = Finding::new(Code::NoMatch, "x");
        assert_eq!(Verdict::of(std::slice::from_ref(&warn)), Verdict::Warn);
        assert_eq!(Verdict::of(&[warn, fail]), Verdict::Fail);
        assert_eq!(Verdict::Warn.exit_status(true), ExitStatus::Findings);
        assert_eq!(Verdict::Warn.exit_status(false), ExitStatus::Ok);
        assert_eq!(Verdict::Error.exit_status(false), ExitStatus::Failure);
    }

    #[test]
    fn allowed_codes_are_dropped() {
        let f = vec![
            Finding::new(Code::SingleRecord, "a"),
            Finding::new(Code::NoMatch, "b"),
        ];
        let (left, verdict) = crate::dane::verdict::outcome(f, &[Code::SingleRecord]);
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].code, Code::NoMatch);
        assert_eq!(verdict, Verdict::Fail);
    }
}
