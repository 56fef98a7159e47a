//! `--format nagios`: the Monitoring Plugins output convention (a status line, long
//! output, perfdata) for Nagios, Icinga, Naemon and Checkmk.

use std::io::{self, Write};

use crate::chain::Certificate;
use crate::dane::report::{HostReport, RenewReport};
use crate::exit::{ExitStatus, PluginState};
use crate::findings::Verdict;
use crate::sanitize::visible;

/// Seconds per day, for the days-left perfdata.
const DAY: i64 = 86_400;

/// One host and port as the plugin output sees it.
struct Item {
    /// `host:port`, the perfdata label prefix and the name in the status line.
    label: String,
    verdict: Verdict,
    /// Finding codes worse than info, in report order.
    codes: Vec<&'static str>,
    /// The report in plain text, one line per fact.
    long: String,
    /// `'label'=value[UOM];warn;crit;min;max` entries.
    perf: Vec<String>,
}

/// The plugin state for one verdict: fail is CRITICAL, a host that could not be
/// checked UNKNOWN, warn WARNING whatever --strict says.
pub fn state_of(verdict: Verdict) -> PluginState {
    match verdict {
        Verdict::Ok => PluginState::Ok,
        Verdict::Warn => PluginState::Warning,
        Verdict::Fail => PluginState::Critical,
        Verdict::Error => PluginState::Unknown,
    }
}

/// Names `check` could not check at all (a bad name, an unreadable `--from` file):
/// how many, and the first errors, which are also on stderr.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unchecked<'a> {
    pub count: usize,
    pub errors: &'a [String],
}

/// `check`'s reports. Names that could not be checked at all make the result at
/// least UNKNOWN, and their errors are named: a monitoring system keeps stdout only.
pub fn check(
    out: &mut dyn Write,
    reports: &[HostReport],
    unchecked: Unchecked<'_>,
    now: i64,
    days: u32,
) -> io::Result<ExitStatus> {
    let items: Vec<Item> = reports.iter().map(|r| check_item(r, now, days)).collect();
    write(out, &items, unchecked)
}

/// `renew-check`'s (and `certbot-hook`'s) reports.
pub fn renew(out: &mut dyn Write, reports: &[RenewReport]) -> io::Result<ExitStatus> {
    let items: Vec<Item> = reports.iter().map(renew_item).collect();
    write(out, &items, Unchecked::default())
}

/// The status line for a run that ended in an error before any host was judged.
pub fn unknown(out: &mut dyn Write, message: &str) -> io::Result<ExitStatus> {
    writeln!(out, "DANE UNKNOWN - {}", plain(&visible(message)))?;
    Ok(ExitStatus::Plugin(PluginState::Unknown))
}

fn check_item(r: &HostReport, now: i64, days: u32) -> Item {
    let label = format!("{}:{}", r.host, r.port);
    let verdict = r.verdict.as_str().to_uppercase();
    let mut long = format!("{} port {}: {verdict}\n", r.host, r.port);
    for f in &r.findings {
        long.push_str(&format!(
            "  {} {}: {}\n",
            f.severity,
            f.code,
            visible(&f.message)
        ));
    }
    let mut perf = Vec::new();
    let compared = r.chain.is_some() || r.live.iter().any(|a| !a.chains.is_empty());
    if compared {
        let matching = crate::dane::rrset::authenticating(&r.records).len();
        perf.push(format!("'{label} matching'={matching};;;0"));
    }
    if let Some(not_after) = leaves(r).map(|c| c.not_after).min() {
        let left = (not_after - now).div_euclid(DAY);
        perf.push(format!("'{label} leaf days'={left};{days}:;;"));
    }
    Item {
        codes: codes(&r.findings),
        label,
        verdict: r.verdict,
        long,
        perf,
    }
}

/// Every leaf known for a report: the chain file's and each presented one.
pub(crate) fn leaves(r: &HostReport) -> impl Iterator<Item = &Certificate> {
    let file = r.chain.as_ref().and_then(|c| c.material.certs());
    let live = r
        .live
        .iter()
        .flat_map(|a| &a.chains)
        .map(|c| c.certs.as_slice());
    file.into_iter()
        .chain(live)
        .filter_map(|certs| certs.first())
}

fn renew_item(r: &RenewReport) -> Item {
    let label = format!("{}:{}", r.host, r.port);
    let mut text = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = super::text::renew_report(&mut text, r);
    let mut long = String::from_utf8_lossy(&text).into_owned();
    long.truncate(long.trim_end().len());
    long.push('\n');
    let next = r
        .outcome
        .records
        .iter()
        .filter(|x| x.role.matches_next())
        .count();
    let mut perf = vec![format!("'{label} matching next'={next};;;0")];
    if let Some(wait) = r.outcome.wait_seconds {
        perf.push(format!("'{label} wait'={wait}s;;;0"));
    }
    Item {
        codes: codes(&r.outcome.findings),
        label,
        verdict: r.outcome.verdict,
        long,
        perf,
    }
}

fn codes(findings: &[crate::findings::Finding]) -> Vec<&'static str> {
    findings
        .iter()
        .filter(|f| f.severity > crate::findings::Severity::Info)
        .map(|f| f.code.as_str())
        .collect()
}

/// Status line with all perfdata, then the long output.
fn write(out: &mut dyn Write, items: &[Item], unchecked: Unchecked<'_>) -> io::Result<ExitStatus> {
    let mut state = items
        .iter()
        .map(|i| state_of(i.verdict))
        .max()
        .unwrap_or(PluginState::Unknown);
    if unchecked.count > 0 {
        state = state.max(PluginState::Unknown);
    }
    let perf: Vec<&str> = items
        .iter()
        .flat_map(|i| &i.perf)
        .map(String::as_str)
        .collect();
    let bar = if perf.is_empty() { "" } else { " | " };
    writeln!(
        out,
        "DANE {} - {}{bar}{}",
        state.as_str(),
        plain(&summary(items, unchecked)),
        perf.join(" ")
    )?;
    for i in items {
        write!(out, "{}", plain(&i.long))?;
    }
    if unchecked.count > 0 {
        writeln!(out, "not checked:")?;
        for e in unchecked.errors {
            writeln!(out, "  {}", plain(&visible(e)))?;
        }
        let more = unchecked.count.saturating_sub(unchecked.errors.len());
        if more > 0 {
            writeln!(out, "  and {more} more (on stderr)")?;
        }
    }
    Ok(ExitStatus::Plugin(state))
}

/// The problems first (`host:port verdict (codes)`), then how many are fine.
fn summary(items: &[Item], unchecked: Unchecked<'_>) -> String {
    let mut problems: Vec<&Item> = items.iter().filter(|i| i.verdict != Verdict::Ok).collect();
    // The worst first: the status line may be cut short by the monitoring system.
    problems.sort_by_key(|i| std::cmp::Reverse(state_of(i.verdict)));
    let mut parts: Vec<String> = problems
        .iter()
        .map(|i| {
            format!(
                "{} {} ({})",
                i.label,
                i.verdict.as_str(),
                i.codes.join(", ")
            )
        })
        .collect();
    let first = unchecked
        .errors
        .first()
        .map(|e| visible(e))
        .unwrap_or_default();
    match unchecked.count {
        0 => {}
        1 => parts.push(format!("1 name could not be checked ({first})")),
        n => parts.push(format!("{n} names could not be checked (first: {first})")),
    }
    let ok: Vec<&Item> = items.iter().filter(|i| i.verdict == Verdict::Ok).collect();
    match (ok.len(), parts.is_empty()) {
        (0, true) => "nothing was checked".to_string(),
        (1, true) => format!("{} ok", ok[0].label),
        (n, true) => format!("all {n} ok"),
        (0, false) => parts.join("; "),
        (n, false) => format!("{}; {n} ok", parts.join("; ")),
    }
}

/// `|` separates perfdata in plugin output; it must not appear in the text.
fn plain(text: &str) -> String {
    text.replace('|', "/")
}
