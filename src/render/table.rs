//! Human-readable tables (comfy-table) with RFC 7218 names.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::Generated;
use crate::dane::recordset::About;
use crate::dane::report::HostReport;
use crate::dane::verdict::{Match, RecordResult, Reference};
use crate::sanitize::{escape, visible};
use crate::tlsa::Tlsa;

/// Hex longer than this is shortened in tables (full-data records).
const MAX_HEX_SHOWN: usize = 128;

pub fn generated(out: &mut dyn Write, all: &[Generated<'_>]) -> io::Result<()> {
    let mut table = new_table(&["Owner", "Record", "Meaning", "Certificate", "Data"]);
    for g in all {
        for owner in g.owners {
            for block in g.blocks {
                let about = describe(&block.about);
                for r in &block.records {
                    table.add_row(vec![
                        owner.clone(),
                        r.params.to_string(),
                        r.params.names(),
                        about.clone(),
                        shown_data(r),
                    ]);
                }
            }
        }
    }
    writeln!(out, "{table}")
}

/// A table with a header, condensed borders and wrapping to the terminal width.
pub fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

/// `depth 0: CN = mx.example.com` or the key's description.
pub fn describe(about: &About<'_>) -> String {
    match about {
        About::Cert { depth, cert } => format!("{depth}: {}", escape(&cert.subject)),
        About::Key(key) => format!("{} ({})", key.kind, escape(&key.origin.describe())),
    }
}

/// Association data as hex, shortened when very long.
pub fn shown_data(r: &Tlsa) -> String {
    let hex = r.data_hex();
    if hex.len() <= MAX_HEX_SHOWN {
        hex
    } else {
        format!("{}… ({} bytes)", &hex[..64], r.data.len())
    }
}

/// One host's check: lookups with DNSSEC status, a table of records, then findings.
pub fn host_report(out: &mut dyn Write, r: &HostReport) -> io::Result<()> {
    let title = match &r.domain {
        Some(d) if d != &r.host => format!("{} port {} (MX of {})", r.host, r.port, escape(d)),
        _ => format!("{} port {}", r.host, r.port),
    };
    writeln!(out, "{title}: {}", r.verdict.as_str().to_uppercase())?;
    lookup_lines(out, r)?;
    if let Some(chain) = &r.chain {
        writeln!(out, "  chain:     {}", escape(&chain.name))?;
    }
    if let Some(s) = r.senders {
        writeln!(out, "  senders:   {}", s.explain())?;
    }
    record_table(out, r)?;
    live_lines(out, r)?;
    super::findings(out, &r.findings)?;
    writeln!(out)
}

/// The MX, address and TLSA lookups with their DNSSEC status.
fn lookup_lines(out: &mut dyn Write, r: &HostReport) -> io::Result<()> {
    if let Some(mx) = &r.mx {
        writeln!(out, "  MX:        {}", visible(&mx.describe()))?;
    }
    if let Some(a) = &r.addresses {
        let list: Vec<String> = a.records().iter().map(ToString::to_string).collect();
        let alias = r
            .canonical
            .as_ref()
            .map(|c| format!(" (alias of {})", escape(c)))
            .unwrap_or_default();
        writeln!(
            out,
            "  addresses: {}{alias}{}",
            visible(&a.describe()),
            if list.is_empty() {
                String::new()
            } else {
                format!(": {}", list.join(" "))
            }
        )?;
    }
    if let Some(t) = &r.tlsa {
        writeln!(
            out,
            "  TLSA:      {} at {}",
            visible(&t.describe()),
            escape(&r.tlsa_name)
        )?;
    }
    if let Some(crate::lookup::NsSurvey::Done { servers, .. }) = &r.ns {
        for s in servers {
            let serial = s
                .serial
                .map(|n| format!(", serial {n}"))
                .unwrap_or_default();
            writeln!(
                out,
                "  NS:        {}{serial}: {}",
                crate::dane::allns::server_name(s),
                visible(&s.answer.describe())
            )?;
        }
    }
    Ok(())
}

/// Every published record, whether it is usable and what it matches.
fn record_table(out: &mut dyn Write, r: &HostReport) -> io::Result<()> {
    if !r.records.is_empty() {
        let mut table = new_table(&["Record", "Meaning", "Usable", "Matches", "Data"]);
        for rec in &r.records {
            table.add_row(vec![
                rec.tlsa.params.to_string(),
                rec.tlsa.params.names(),
                match &rec.unusable {
                    None => "yes".to_string(),
                    Some(why) => format!("no: {why}"),
                },
                describe_match(rec, r),
                shown_data(&rec.tlsa),
            ]);
        }
        writeln!(out, "{table}")?;
    }
    Ok(())
}

/// `live ADDRESS (protocol): what it presented and what it matches`.
fn live_lines(out: &mut dyn Write, r: &HostReport) -> io::Result<()> {
    for a in &r.live {
        let head = format!(
            "  live {} ({}):",
            a.address,
            crate::live::protocol_name(a.protocol)
        );
        if let Some(e) = &a.error {
            writeln!(out, "{head} {}", visible(&e.to_string()))?;
            continue;
        }
        for c in &a.chains {
            let matched: Vec<String> = c
                .matched
                .iter()
                .filter_map(|i| r.records.get(*i))
                .map(|rec| crate::dane::verdict::short(&rec.tlsa))
                .collect();
            let what = if matched.is_empty() {
                "matches no usable record".to_string()
            } else {
                format!("matches {}", matched.join(", "))
            };
            let preferred = if c.preferred && a.chains.len() > 1 {
                " (the server's choice when a client offers both)"
            } else {
                ""
            };
            writeln!(
                out,
                "{head} {}{preferred} {what}",
                crate::dane::live::describe(c)
            )?;
        }
    }
    Ok(())
}

/// What a record matched, in words.
pub fn describe_match(rec: &RecordResult, r: &HostReport) -> String {
    let certs = reference_chain(r);
    let base = match (&rec.matched, certs) {
        (Match::Cert { depth }, Some(certs)) => format!(
            "depth {depth}: {}",
            certs
                .get(*depth)
                .map(|c| escape(&c.subject).into_owned())
                .unwrap_or_default()
        ),
        (Match::Cert { depth }, None) => format!("depth {depth}"),
        (Match::TopSigner, _) => "the key that signed the top certificate".to_string(),
        (Match::Nothing, _) => "nothing".to_string(),
        (Match::NotCompared, _) => "-".to_string(),
    };
    match &rec.void {
        Some(why) => format!("{base} (does not count: {why})"),
        None => base,
    }
}

/// The chain the per-record results were compared with (see [`Reference`]).
pub fn reference_chain(r: &HostReport) -> Option<&[crate::chain::Certificate]> {
    match r.reference {
        Reference::File => r.chain.as_ref().and_then(|c| c.material.certs()),
        Reference::Presented { address, chain } => r
            .live
            .get(address)
            .and_then(|a| a.chains.get(chain))
            .map(|c| c.certs.as_slice()),
        Reference::None => None,
    }
}
