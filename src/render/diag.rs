//! Diagnostics on stderr, one line each, prefixed with the program name.

use crate::env::Env;

/// An informational note (does not change the exit status).
pub fn note(env: &mut Env<'_>, text: &str) {
    // A failing stderr leaves nothing better to report to.
    let _ = writeln!(env.err, "daneguard: note: {text}");
}

/// A warning (does not change the exit status by itself).
pub fn warning(env: &mut Env<'_>, text: &str) {
    let _ = writeln!(env.err, "daneguard: warning: {text}");
}

/// The error that ends the run.
pub fn error(env: &mut Env<'_>, text: &str) {
    let _ = writeln!(env.err, "daneguard: error: {text}");
}
