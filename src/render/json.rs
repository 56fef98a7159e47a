//! JSON output: a documented, stable schema (see README "JSON schema").

use std::io::{self, Write};

use serde::Serialize;

use super::{Generated, iso_time};
use crate::chain::Certificate;
use crate::material::{KeyOrigin, LoneKey};
use crate::recordset::About;
use crate::tlsa::Tlsa;

/// Version of the JSON documents daneguard writes; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

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
