//! The seam between commands and the outside world: output streams, stdin, the clock
//! and environment variables, so whole commands run in-process in tests.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// Everything a command may touch besides files and the network.
pub struct Env<'a> {
    /// Results.
    pub out: &'a mut dyn Write,
    /// Diagnostics: notes, warnings and errors.
    pub err: &'a mut dyn Write,
    /// Input named `-` on the command line.
    pub stdin: &'a mut dyn Read,
    /// "Now", in seconds since the Unix epoch.
    pub now: i64,
    /// Whether stdout is a terminal (chooses the default output format of `check`).
    pub out_is_terminal: bool,
    /// Environment variable lookup.
    pub vars: &'a dyn Fn(&str) -> Option<OsString>,
}

/// The system clock in seconds since the Unix epoch (0 if the clock is before 1970).
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
