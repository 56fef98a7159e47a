//! The result of checking one host and port, as renderers see it (pure data).

use std::net::IpAddr;
use std::sync::Arc;

use crate::dane::verdict::{RecordResult, Reference, Senders};
use crate::findings::{Finding, Verdict};
use crate::input::Input;
use crate::lookup::Answer;
use crate::tlsa::Tlsa;

/// One host (or, when its MX lookup failed, one mail domain) and its verdict.
#[derive(Debug, Clone)]
pub struct HostReport {
    /// The mail domain whose MX named this host (`--mx`).
    pub domain: Option<String>,
    pub host: String,
    pub port: u16,
    /// Where the TLSA records were looked up (after CNAME expansion).
    pub tlsa_name: String,
    /// The CNAME target if the host is an alias.
    pub canonical: Option<String>,
    pub mx: Option<Answer<(u16, String)>>,
    pub addresses: Option<Answer<IpAddr>>,
    pub tlsa: Option<Answer<Tlsa>>,
    pub chain: Option<Arc<Input>>,
    /// Every published record against the [`Reference`] chain.
    pub records: Vec<RecordResult>,
    pub reference: Reference,
    /// What each address presented (`--live`).
    pub live: Vec<crate::dane::live::LiveAddress>,
    /// What DANE senders do, when daneguard can tell.
    pub senders: Option<Senders>,
    /// `--all-ns`: the TLSA RRset as each authoritative server serves it.
    pub ns: Option<crate::lookup::NsSurvey<Tlsa>>,
    pub findings: Vec<Finding>,
    pub verdict: Verdict,
}

/// The result of `renew-check` for one host and port.
#[derive(Debug, Clone)]
pub struct RenewReport {
    pub host: String,
    pub port: u16,
    pub owner: String,
    /// Where the published records came from (`DNS`, a zone file).
    pub source: String,
    pub dnssec: Option<crate::lookup::Security>,
    pub ttl: Option<u32>,
    pub current: Option<String>,
    pub next: String,
    pub outcome: crate::dane::renewal::RenewOutcome,
}
