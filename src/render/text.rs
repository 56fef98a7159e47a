//! Plain-text reports (`renew-check`, `certbot-hook`, `zone`): one line per fact.

use std::io::{self, Write};

use crate::dane::renewal::{RecordRole, Role};
use crate::dane::report::RenewReport;
use crate::dane::verdict::short;
use crate::dane::zone::Located;
use crate::findings::{Severity, Verdict};
use crate::sanitize::{escape, visible};

/// One host's renewal answer.
pub fn renew_report(out: &mut dyn Write, r: &RenewReport) -> io::Result<()> {
    let insecure = r.dnssec == Some(crate::lookup::Security::Insecure);
    let headline = if r.outcome.verdict == Verdict::Error {
        "COULD NOT DECIDE whether the switch keeps DANE working"
    } else if insecure && !r.outcome.survives {
        "DANE is not in effect (unsigned TLSA records); the switch would break it once they are signed"
    } else if insecure {
        "DANE is not in effect (unsigned TLSA records); the switch keeps the records matching"
    } else if r.outcome.survives && r.outcome.uncertain {
        "the switch MAY BREAK DANE (the next issuer is a guess)"
    } else if r.outcome.survives {
        "the switch keeps DANE working"
    } else {
        "the switch BREAKS DANE"
    };
    writeln!(
        out,
        "{} port {}: {headline} ({})",
        r.host,
        r.port,
        r.outcome.verdict.as_str()
    )?;
    let status = match (r.dnssec, r.ttl) {
        (Some(s), Some(t)) => format!(" ({s}, TTL {t})"),
        (Some(s), None) => format!(" ({s})"),
        (None, Some(t)) => format!(" (TTL {t})"),
        (None, None) => String::new(),
    };
    let n = r.outcome.records.len();
    let plural = if n == 1 { "" } else { "s" };
    writeln!(
        out,
        "  published: {n} record{plural} at {} from {}{status}",
        r.owner,
        visible(&r.source)
    )?;
    if let Some(c) = &r.current {
        writeln!(out, "  current:   {}", visible(c))?;
    }
    writeln!(out, "  next:      {}", visible(&r.next))?;
    for rec in &r.outcome.records {
        writeln!(out, "    {:<26} {}", short(&rec.tlsa), role_text(rec))?;
    }
    super::findings(out, &r.outcome.findings)?;
    if !r.outcome.publish.is_empty() {
        writeln!(out, "  publish now:")?;
        for t in &r.outcome.publish {
            writeln!(out, "    {} IN TLSA {t}", r.owner)?;
        }
    }
    if let Some(wait) = r.outcome.wait_seconds {
        writeln!(
            out,
            "  then wait at least {wait} s before the server switches to the next certificate"
        )?;
    }
    writeln!(out)
}

fn role_text(rec: &RecordRole) -> String {
    match rec.role {
        Role::Both if rec.covers.is_empty() => "matches current and next: keep".to_string(),
        Role::Both => format!(
            "matches current, and next if it is issued by {}: keep",
            covers(rec)
        ),
        Role::CurrentOnly => "matches current only: keep until the switch, then remove".to_string(),
        Role::NextOnly if rec.covers.is_empty() => {
            "matches next only: ready for the switch".to_string()
        }
        Role::NextCurrentUnknown if rec.covers.is_empty() => {
            "matches next (current not known: give --current a chain)".to_string()
        }
        Role::NextOnly | Role::NextCurrentUnknown => {
            let unknown = if rec.role == Role::NextCurrentUnknown {
                " (current not known: give --current a chain)"
            } else {
                ""
            };
            format!(
                "matches the next certificate if it is issued by {}{unknown}",
                covers(rec)
            )
        }
        Role::Neither => "matches neither: stale, remove".to_string(),
        Role::Void => "matches current, but does not count (see below)".to_string(),
        Role::NotNextCurrentUnknown => {
            "does not match next; current not known (give --current a chain): keep until the switch"
                .to_string()
        }
        Role::Unusable => format!(
            "unusable: {}",
            rec.unusable.as_deref().unwrap_or("unknown reason")
        ),
    }
}

/// The issuers a record covers (their names were escaped where they were read).
fn covers(rec: &RecordRole) -> String {
    visible(&rec.covers.join(", ")).into_owned()
}

/// `file:line: severity code: message`, then a summary line.
pub fn zone_findings(
    out: &mut dyn Write,
    located: &[Located],
    files: &[String],
    verdict: Verdict,
) -> io::Result<()> {
    for l in located {
        writeln!(
            out,
            "{}:{}: {} {}: {}",
            escape(&l.file),
            l.line,
            l.finding.severity,
            l.finding.code,
            visible(&l.finding.message)
        )?;
    }
    let count = |s: Severity| located.iter().filter(|l| l.finding.severity == s).count();
    writeln!(
        out,
        "{} file{} checked: {} fail, {} warn, {} info; verdict {}",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        count(Severity::Fail) + count(Severity::Error),
        count(Severity::Warn),
        count(Severity::Info),
        verdict.as_str()
    )
}
