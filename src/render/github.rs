//! GitHub Actions workflow commands, so findings show up on the pull request.

use std::io::{self, Write};

use crate::dane::zone::Located;
use crate::findings::Severity;

/// `::error file=F,line=L,title=daneguard CODE::message`, one per finding.
pub fn zone_findings(out: &mut dyn Write, located: &[Located]) -> io::Result<()> {
    for l in located {
        let level = match l.finding.severity {
            Severity::Fail | Severity::Error => "error",
            Severity::Warn => "warning",
            Severity::Info => "notice",
        };
        writeln!(
            out,
            "::{level} file={},line={},title={}::{}",
            property(&l.file),
            l.line,
            property(&format!("daneguard {}", l.finding.code)),
            data(&crate::sanitize::visible(&l.finding.message))
        )?;
    }
    Ok(())
}

/// Escapes a command's message: `%`, CR and LF.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value: as [`data`] plus `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_text_is_escaped() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
