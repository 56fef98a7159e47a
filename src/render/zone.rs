//! Zone-file output: paste-ready TLSA lines for BIND, NSD and Knot, with `;;` comment
//! blocks per certificate (chaingen's layout for `--set chaingen`).

use std::io::{self, Write};

use super::{Generated, openssl_time, ttl_field};
use crate::dane::recordset::{About, Block};
use crate::sanitize::escape;

/// Writes every input's records.
pub fn generated(out: &mut dyn Write, all: &[Generated<'_>]) -> io::Result<()> {
    for g in all {
        for owner in g.owners {
            for block in g.blocks {
                if g.comments {
                    comment_block(out, block, g.chaingen_style)?;
                }
                for r in &block.records {
                    writeln!(out, "{owner} {}IN TLSA {r}", ttl_field(g.ttl))?;
                }
                if g.comments {
                    writeln!(out)?;
                }
            }
        }
    }
    Ok(())
}

fn comment_block(out: &mut dyn Write, block: &Block<'_>, chaingen_style: bool) -> io::Result<()> {
    match &block.about {
        About::Cert { cert, .. } => {
            writeln!(out, ";; subject={}", escape(&cert.subject))?;
            writeln!(out, ";; issuer={}", escape(&cert.issuer))?;
            writeln!(out, ";; notBefore={}", openssl_time(cert.not_before))?;
            writeln!(out, ";; notAfter={}", openssl_time(cert.not_after))?;
            if !chaingen_style {
                writeln!(out, ";; key={}", cert.key)?;
            }
        }
        About::Key(key) => {
            writeln!(
                out,
                ";; key={} ({})",
                key.kind,
                escape(&key.origin.describe())
            )?;
        }
    }
    writeln!(out, ";;")
}
