//! `nsupdate` input: `update add` lines and a final `send`.

use std::io::{self, Write};

use super::Generated;

/// TTL used when `--ttl` is not given; nsupdate requires one.
pub const DEFAULT_TTL: u32 = 3600;

pub fn generated(out: &mut dyn Write, all: &[Generated<'_>]) -> io::Result<()> {
    for g in all {
        let ttl = g.ttl.unwrap_or(DEFAULT_TTL);
        for owner in g.owners {
            for block in g.blocks {
                for r in &block.records {
                    writeln!(out, "update add {owner} {ttl} IN TLSA {r}")?;
                }
            }
        }
    }
    writeln!(out, "send")
}
