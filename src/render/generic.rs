//! RFC 3597 generic form (`TYPE52 \# 35 0301…`) for DNS software that predates TLSA.

use std::io::{self, Write};

use super::{Generated, ttl_field};

pub fn generated(out: &mut dyn Write, all: &[Generated<'_>]) -> io::Result<()> {
    for g in all {
        for owner in g.owners {
            for block in g.blocks {
                for r in &block.records {
                    writeln!(
                        out,
                        "{owner} {}IN TYPE52 {}",
                        ttl_field(g.ttl),
                        r.generic_rdata()
                    )?;
                }
            }
        }
    }
    Ok(())
}
