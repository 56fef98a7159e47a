//! Diagnostics on stderr, one line each, prefixed with the program name. The text
//! escaped the input it quotes where it was made; control characters are made
//! visible here once more in case it did not.

use crate::env::Env;
use crate::sanitize::visible;

/// An informational note (does not change the exit status).
pub fn note(env: &mut Env<'_>, text: &str) {
    // A failing stderr leaves nothing better to report to.
    let _ = writeln!(env.err, "daneguard: note: {}", visible(text));
}

/// A warning (does not change the exit status by itself).
pub fn warning(env: &mut Env<'_>, text: &str) {
    let _ = writeln!(env.err, "daneguard: warning: {}", visible(text));
}

/// The error that ends the run.
pub fn error(env: &mut Env<'_>, text: &str) {
    let _ = writeln!(env.err, "daneguard: error: {}", visible(text));
}
