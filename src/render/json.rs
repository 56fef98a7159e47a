//! JSON output: a documented, stable schema (see README "JSON schema").

use std::io::{self, Write};

use serde::Serialize;

use super::{Generated, iso_time};
use crate::chain::Certificate;
use crate::dane::recordset::About;
use crate::dane::report::{HostReport, RenewReport};
use crate::dane::verdict::{Match, RecordResult, Senders};
use crate::input::material::{KeyOrigin, LoneKey, Material};
use crate::lookup::Answer;
use crate::tlsa::Tlsa;

/// Version of the JSON documents daneguard writes; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// `check` documents: 2 added `senders` to hosts and live addresses, and reduced a
/// host's `lookups.mx.records` to the entries naming that host.
pub const CHECK_SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
struct GenerateDoc<'a> {
    schema: u32,
    inputs: Vec<InputDoc<'a>>,
}

#[derive(Serialize)]
struct InputDoc<'a> {
    input: &'a str,
    certificates: Vec<CertDoc>,
    key: Option<KeyDoc>,
    records: Vec<RecordDoc>,
}

/// A certificate as the JSON documents describe it.
#[derive(Serialize)]
pub struct CertDoc {
    pub depth: usize,
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    pub key: String,
    pub ca: bool,
    pub dns_names: Vec<String>,
}

impl CertDoc {
    pub fn new(depth: usize, c: &Certificate) -> CertDoc {
        CertDoc {
            depth,
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
            not_before: iso_time(c.not_before),
            not_after: iso_time(c.not_after),
            key: c.key.to_string(),
            ca: c.is_ca,
            dns_names: c.dns_names.clone(),
        }
    }
}

#[derive(Serialize)]
struct KeyDoc {
    origin: &'static str,
    key: String,
    csr_subject: Option<String>,
}

impl KeyDoc {
    fn new(k: &LoneKey) -> KeyDoc {
        let (origin, csr_subject) = match &k.origin {
            KeyOrigin::PrivateKey => ("private-key", None),
            KeyOrigin::PublicKey => ("public-key", None),
            KeyOrigin::Csr { subject } => ("csr", Some(subject.clone())),
        };
        KeyDoc {
            origin,
            key: k.kind.to_string(),
            csr_subject,
        }
    }
}

/// One TLSA record with its owner, as the JSON documents describe it.
#[derive(Serialize)]
pub struct RecordDoc {
    pub owner: String,
    pub ttl: Option<u32>,
    pub usage: u8,
    pub selector: u8,
    pub matching: u8,
    pub data: String,
    pub names: String,
    /// Depth of the certificate in the chain (0 = leaf); absent for a lone key.
    pub depth: Option<usize>,
}

impl RecordDoc {
    pub fn new(owner: &str, ttl: Option<u32>, r: &Tlsa, depth: Option<usize>) -> RecordDoc {
        RecordDoc {
            owner: owner.to_string(),
            ttl,
            usage: r.params.usage.0,
            selector: r.params.selector.0,
            matching: r.params.matching.0,
            data: r.data_hex(),
            names: r.params.names(),
            depth,
        }
    }
}

pub fn generated(out: &mut dyn Write, all: &[Generated<'_>]) -> io::Result<()> {
    let inputs = all.iter().map(input_doc).collect();
    write_doc(
        out,
        &GenerateDoc {
            schema: SCHEMA_VERSION,
            inputs,
        },
    )
}

fn input_doc<'a>(g: &Generated<'a>) -> InputDoc<'a> {
    let mut certificates = Vec::new();
    let mut key = None;
    let mut records = Vec::new();
    for block in g.blocks {
        let depth = match &block.about {
            About::Cert { depth, cert } => {
                certificates.push(CertDoc::new(*depth, cert));
                Some(*depth)
            }
            About::Key(k) => {
                key = Some(KeyDoc::new(k));
                None
            }
        };
        for owner in g.owners {
            records.extend(
                block
                    .records
                    .iter()
                    .map(|r| RecordDoc::new(owner, g.ttl, r, depth)),
            );
        }
    }
    InputDoc {
        input: g.input,
        certificates,
        key,
        records,
    }
}

/// Pretty-printed JSON followed by a newline.
pub fn write_doc(out: &mut dyn Write, doc: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, doc)?;
    writeln!(out)
}

/// One checked host in JSON (`check --format json|jsonl`).
#[derive(Serialize)]
struct HostDoc<'a> {
    domain: Option<&'a str>,
    host: &'a str,
    port: u16,
    tlsa_name: &'a str,
    canonical: Option<&'a str>,
    lookups: LookupsDoc,
    chain: Option<ChainDoc<'a>>,
    records: Vec<CheckedRecordDoc>,
    /// `--live`: one entry per address connected to.
    live: Vec<LiveDoc>,
    /// What DANE senders do: `authenticated`, `encrypted`, `opportunistic`, `deferred`,
    /// or null when it cannot be told.
    senders: Option<&'static str>,
    /// `--all-ns`: one entry per authoritative server address asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    ns: Option<Vec<NsDoc>>,
    findings: Vec<FindingDoc<'a>>,
    verdict: &'static str,
}

/// One authoritative server's TLSA answer (`--all-ns`).
#[derive(Serialize)]
struct NsDoc {
    server: String,
    address: Option<String>,
    /// The zone's SOA serial on that server.
    serial: Option<u32>,
    #[serde(flatten)]
    answer: AnswerDoc,
}

fn ns_docs(survey: &crate::lookup::NsSurvey<crate::tlsa::Tlsa>) -> Vec<NsDoc> {
    match survey {
        crate::lookup::NsSurvey::Done { servers, .. } => servers
            .iter()
            .map(|s| NsDoc {
                server: s.server.clone(),
                address: s.address.map(|a| a.to_string()),
                serial: s.serial,
                answer: AnswerDoc::new(&s.answer),
            })
            .collect(),
        // why is in the lookup-failed finding
        crate::lookup::NsSurvey::Failed { .. } => Vec::new(),
    }
}

#[derive(Serialize)]
struct LiveDoc {
    address: String,
    /// `smtp`, `imap`, `pop3` or `tls`.
    protocol: &'static str,
    error: Option<String>,
    certificates: Vec<LiveCertDoc>,
    /// What a DANE sender does at this address, as for the host.
    senders: Option<&'static str>,
}

#[derive(Serialize)]
struct LiveCertDoc {
    /// `ecdsa` (ECDSA/EdDSA schemes offered) or `rsa`.
    family: &'static str,
    chain: Vec<CertDoc>,
    /// Indices into `records` of the records that match this chain.
    matched: Vec<usize>,
    /// The chain a client offering every signature scheme gets.
    preferred: bool,
    unreadable: Option<String>,
}

fn live_doc(a: &crate::dane::live::LiveAddress) -> LiveDoc {
    LiveDoc {
        address: a.address.to_string(),
        protocol: crate::live::protocol_name(a.protocol),
        error: a.error.as_ref().map(ToString::to_string),
        certificates: a
            .chains
            .iter()
            .map(|c| LiveCertDoc {
                family: c.family.as_str(),
                chain: c
                    .certs
                    .iter()
                    .enumerate()
                    .map(|(i, cert)| CertDoc::new(i, cert))
                    .collect(),
                matched: c.matched.clone(),
                preferred: c.preferred,
                unreadable: c.unreadable.clone(),
            })
            .collect(),
        senders: a.senders.map(Senders::as_str),
    }
}

#[derive(Serialize)]
struct LookupsDoc {
    mx: Option<AnswerDoc>,
    addresses: Option<AnswerDoc>,
    tlsa: Option<AnswerDoc>,
}

/// A lookup's outcome: `result` is found, nodata, nxdomain, bogus or failed.
#[derive(Serialize)]
struct AnswerDoc {
    result: &'static str,
    dnssec: Option<&'static str>,
    ttl: Option<u32>,
    records: Vec<String>,
    error: Option<String>,
}

impl AnswerDoc {
    fn new<T: ToString>(a: &Answer<T>) -> AnswerDoc {
        AnswerDoc {
            result: a.kind(),
            dnssec: a.security().map(|s| s.as_str()),
            ttl: a.ttl(),
            records: a.records().iter().map(ToString::to_string).collect(),
            error: match a {
                Answer::Bogus { reason } | Answer::Failed { reason } => Some(reason.clone()),
                _ => None,
            },
        }
    }
}

#[derive(Serialize)]
struct ChainDoc<'a> {
    input: &'a str,
    certificates: Vec<CertDoc>,
}

#[derive(Serialize)]
struct CheckedRecordDoc {
    usage: u8,
    selector: u8,
    matching: u8,
    data: String,
    names: String,
    usable: bool,
    unusable_reason: Option<String>,
    /// `cert`, `top-signer`, `nothing` or `not-compared`.
    matched: &'static str,
    depth: Option<usize>,
    /// Why a match does not count, if it does not.
    void_reason: Option<String>,
}

#[derive(Serialize)]
struct FindingDoc<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
}

impl<'a> FindingDoc<'a> {
    fn new(f: &'a crate::findings::Finding) -> FindingDoc<'a> {
        FindingDoc {
            code: f.code.as_str(),
            severity: f.severity.as_str(),
            message: &f.message,
        }
    }
}

#[derive(Serialize)]
struct CheckDoc<'a> {
    schema: u32,
    hosts: Vec<HostDoc<'a>>,
}

fn host_doc(r: &HostReport) -> HostDoc<'_> {
    let mx_doc = r.mx.as_ref().map(|a| {
        let shown: Answer<String> = match a {
            Answer::Found {
                records,
                ttl,
                security,
            } => Answer::Found {
                records: records.iter().map(|(p, h)| format!("{p} {h}")).collect(),
                ttl: *ttl,
                security: *security,
            },
            Answer::NoData { security } => Answer::NoData {
                security: *security,
            },
            Answer::NxDomain { security } => Answer::NxDomain {
                security: *security,
            },
            Answer::Bogus { reason } => Answer::Bogus {
                reason: reason.clone(),
            },
            Answer::Failed { reason } => Answer::Failed {
                reason: reason.clone(),
            },
        };
        AnswerDoc::new(&shown)
    });
    let chain = r.chain.as_ref().map(|c| ChainDoc {
        input: &c.name,
        certificates: match &c.material {
            Material::Chain(certs) => certs
                .iter()
                .enumerate()
                .map(|(i, c)| CertDoc::new(i, c))
                .collect(),
            Material::Key(_) => Vec::new(),
        },
    });
    HostDoc {
        domain: r.domain.as_deref(),
        host: &r.host,
        port: r.port,
        tlsa_name: &r.tlsa_name,
        canonical: r.canonical.as_deref(),
        lookups: LookupsDoc {
            mx: mx_doc,
            addresses: r.addresses.as_ref().map(AnswerDoc::new),
            tlsa: r.tlsa.as_ref().map(AnswerDoc::new),
        },
        chain,
        records: r.records.iter().map(record_doc).collect(),
        live: r.live.iter().map(live_doc).collect(),
        senders: r.senders.map(Senders::as_str),
        ns: r.ns.as_ref().map(ns_docs),
        findings: r.findings.iter().map(FindingDoc::new).collect(),
        verdict: r.verdict.as_str(),
    }
}

fn record_doc(rec: &RecordResult) -> CheckedRecordDoc {
    let (matched, depth) = match rec.matched {
        Match::Cert { depth } => ("cert", Some(depth)),
        Match::TopSigner => ("top-signer", None),
        Match::Nothing => ("nothing", None),
        Match::NotCompared => ("not-compared", None),
    };
    CheckedRecordDoc {
        usage: rec.tlsa.params.usage.0,
        selector: rec.tlsa.params.selector.0,
        matching: rec.tlsa.params.matching.0,
        data: rec.tlsa.data_hex(),
        names: rec.tlsa.params.names(),
        usable: rec.unusable.is_none(),
        unusable_reason: rec.unusable.clone(),
        matched,
        depth,
        void_reason: rec.void.as_ref().map(ToString::to_string),
    }
}

/// One host as one compact JSON line.
pub fn host_line(out: &mut dyn Write, r: &HostReport) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &host_doc(r))?;
    writeln!(out)
}

/// All hosts as one document.
pub fn check_doc(out: &mut dyn Write, reports: &[HostReport]) -> io::Result<()> {
    write_doc(
        out,
        &CheckDoc {
            schema: CHECK_SCHEMA_VERSION,
            hosts: reports.iter().map(host_doc).collect(),
        },
    )
}

#[derive(Serialize)]
struct RenewDoc<'a> {
    schema: u32,
    hosts: Vec<RenewHostDoc<'a>>,
}

#[derive(Serialize)]
struct RenewHostDoc<'a> {
    host: &'a str,
    port: u16,
    owner: &'a str,
    source: &'a str,
    dnssec: Option<&'static str>,
    ttl: Option<u32>,
    current: Option<&'a str>,
    next: &'a str,
    records: Vec<RenewRecordDoc>,
    findings: Vec<FindingDoc<'a>>,
    /// Zone-file lines to publish before the switch.
    publish: Vec<String>,
    wait_seconds: Option<u64>,
    survives: bool,
    /// `survives` rests on a guessed issuer, or the CA changes.
    uncertain: bool,
    verdict: &'static str,
}

#[derive(Serialize)]
struct RenewRecordDoc {
    usage: u8,
    selector: u8,
    matching: u8,
    data: String,
    role: crate::dane::renewal::Role,
    covers: Vec<String>,
}

/// `renew-check --format json`.
pub fn renew_doc(out: &mut dyn Write, reports: &[RenewReport]) -> io::Result<()> {
    let hosts = reports
        .iter()
        .map(|r| RenewHostDoc {
            host: &r.host,
            port: r.port,
            owner: &r.owner,
            source: &r.source,
            dnssec: r.dnssec.map(|s| s.as_str()),
            ttl: r.ttl,
            current: r.current.as_deref(),
            next: &r.next,
            records: r
                .outcome
                .records
                .iter()
                .map(|rec| RenewRecordDoc {
                    usage: rec.tlsa.params.usage.0,
                    selector: rec.tlsa.params.selector.0,
                    matching: rec.tlsa.params.matching.0,
                    data: rec.tlsa.data_hex(),
                    role: rec.role,
                    covers: rec.covers.clone(),
                })
                .collect(),
            findings: r.outcome.findings.iter().map(FindingDoc::new).collect(),
            publish: r
                .outcome
                .publish
                .iter()
                .map(|t| format!("{} IN TLSA {t}", r.owner))
                .collect(),
            wait_seconds: r.outcome.wait_seconds,
            survives: r.outcome.survives,
            uncertain: r.outcome.uncertain,
            verdict: r.outcome.verdict.as_str(),
        })
        .collect();
    write_doc(
        out,
        &RenewDoc {
            schema: SCHEMA_VERSION,
            hosts,
        },
    )
}

#[derive(Serialize)]
struct ZoneDoc<'a> {
    schema: u32,
    files: &'a [String],
    findings: Vec<ZoneFindingDoc<'a>>,
    verdict: &'static str,
}

#[derive(Serialize)]
struct ZoneFindingDoc<'a> {
    file: &'a str,
    line: usize,
    owner: Option<&'a str>,
    code: &'static str,
    severity: &'static str,
    message: &'a str,
}

/// `zone --format json`.
pub fn zone_doc(
    out: &mut dyn Write,
    located: &[crate::dane::zone::Located],
    files: &[String],
    verdict: crate::findings::Verdict,
) -> io::Result<()> {
    let findings = located
        .iter()
        .map(|l| ZoneFindingDoc {
            file: &l.file,
            line: l.line,
            owner: l.owner.as_deref(),
            code: l.finding.code.as_str(),
            severity: l.finding.severity.as_str(),
            message: &l.finding.message,
        })
        .collect();
    write_doc(
        out,
        &ZoneDoc {
            schema: SCHEMA_VERSION,
            files,
            findings,
            verdict: verdict.as_str(),
        },
    )
}
