//! Human-readable tables (comfy-table) with RFC 7218 names.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use super::Generated;
use crate::recordset::About;
use crate::sanitize::escape;
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
