//! Output formats. Each renderer writes one format to a `Write`; the core never formats.

pub mod diag;
pub mod examples;
pub mod generic;
pub mod github;
pub mod json;
pub mod man;
pub mod nagios;
pub mod nsupdate;
pub mod output;
pub mod prometheus;
pub mod table;
pub mod text;
pub mod zone;

use time::OffsetDateTime;
use time::macros::format_description;

use crate::dane::recordset::Block;

/// The `generate` result for one input, as the renderers see it.
pub struct Generated<'a> {
    /// The input's display name.
    pub input: &'a str,
    /// Fully qualified TLSA owner names, each receiving every record.
    pub owners: &'a [String],
    pub ttl: Option<u32>,
    /// Comment blocks exactly as chaingen prints them.
    pub chaingen_style: bool,
    pub comments: bool,
    pub blocks: &'a [Block<'a>],
}

/// `  severity code: message` lines (the message was escaped where it was made).
pub fn findings(
    out: &mut dyn std::io::Write,
    list: &[crate::findings::Finding],
) -> std::io::Result<()> {
    for f in list {
        writeln!(
            out,
            "  {} {}: {}",
            f.severity,
            f.code,
            crate::sanitize::visible(&f.message)
        )?;
    }
    Ok(())
}

pub use crate::findings::iso_time;

/// OpenSSL's date form, as `openssl x509 -dates` prints it: `Jan  1 00:00:00 2025 GMT`.
pub fn openssl_time(unix: i64) -> String {
    let fmt = format_description!(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
    );
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// Zone-file TTL field with its trailing space, or nothing.
pub fn ttl_field(ttl: Option<u32>) -> String {
    ttl.map(|t| format!("{t} ")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_format_like_openssl_and_rfc3339() {
        assert_eq!(openssl_time(1_735_689_600), "Jan  1 00:00:00 2025 GMT");
        assert_eq!(openssl_time(1_736_553_600), "Jan 11 00:00:00 2025 GMT");
        assert_eq!(iso_time(1_735_689_600), "2025-01-01T00:00:00Z");
    }
}
