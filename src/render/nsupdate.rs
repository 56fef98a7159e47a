//! `nsupdate` scripts: `generate --format nsupdate` (additions only) and
//! `publish --dry-run` (with `server`, `zone`, a prerequisite and deletions).

use std::io::{self, Write};
use std::net::SocketAddr;

use super::Generated;
use crate::tlsa::Tlsa;

/// TTL used when `--ttl` is not given; nsupdate requires one.
pub const DEFAULT_TTL: u32 = 3600;

/// One nsupdate script; empty parts write no line.
#[derive(Default)]
pub struct Script<'a> {
    /// `;` comment lines at the top (how to run the script; nsupdate's comment mark).
    pub comments: Vec<String>,
    pub server: Option<SocketAddr>,
    pub zone: Option<&'a str>,
    /// `key ALGORITHM:NAME SECRET`, only when the user asked to see the secret.
    pub key: Option<(&'a str, &'a str, &'a str)>,
    /// `prereq yxrrset ZONE SOA`: the zone must exist (RFC 2136 §2.4.1).
    pub zone_exists: bool,
    pub deletes: Vec<(&'a str, &'a Tlsa)>,
    pub adds: Vec<(&'a str, u32, &'a Tlsa)>,
}

pub fn script(out: &mut dyn Write, s: &Script<'_>) -> io::Result<()> {
    for c in &s.comments {
        writeln!(out, "; {c}")?;
    }
    if let Some(server) = s.server {
        writeln!(out, "server {} {}", server.ip(), server.port())?;
    }
    if let Some(zone) = s.zone {
        writeln!(out, "zone {zone}")?;
    }
    if let Some((algorithm, name, secret)) = s.key {
        writeln!(out, "key {algorithm}:{name} {secret}")?;
    }
    if let (true, Some(zone)) = (s.zone_exists, s.zone) {
        writeln!(out, "prereq yxrrset {zone} IN SOA")?;
    }
    for (owner, t) in &s.deletes {
        writeln!(out, "update delete {owner} IN TLSA {t}")?;
    }
    for (owner, ttl, t) in &s.adds {
        writeln!(out, "update add {owner} {ttl} IN TLSA {t}")?;
    }
    writeln!(out, "send")
}

/// `generate --format nsupdate`: the additions and `send`.
pub fn generated(out: &mut dyn Write, all: &[Generated<'_>]) -> io::Result<()> {
    generated_for(out, all, None, None)
}

/// `generate --format nsupdate`: additions, with `server` and `zone` lines when given.
pub fn generated_for(
    out: &mut dyn Write,
    all: &[Generated<'_>],
    server: Option<SocketAddr>,
    zone: Option<&str>,
) -> io::Result<()> {
    let mut s = Script {
        server,
        zone,
        ..Script::default()
    };
    for g in all {
        let ttl = g.ttl.unwrap_or(DEFAULT_TTL);
        for owner in g.owners {
            for block in g.blocks {
                s.adds
                    .extend(block.records.iter().map(|r| (owner.as_str(), ttl, r)));
            }
        }
    }
    script(out, &s)
}
