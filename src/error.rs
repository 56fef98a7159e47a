//! The errors that stop a command (exit status 2), each printed once with a hint.

use std::io;

use crate::sanitize::escape;

/// A failure that keeps daneguard from doing its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file could not be read or used.
    #[error("{}: {message}", escape(path))]
    Input { path: String, message: String },
    /// Contradictory or invalid command-line values.
    #[error("{0}")]
    Usage(String),
    /// A DNS lookup could not be completed.
    #[error("{0}")]
    Lookup(String),
    /// Writing the results failed.
    #[error("cannot write output: {0}")]
    Output(#[from] io::Error),
}

impl Error {
    pub fn input(path: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Input {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Whether this is a closed pipe on stdout (`daneguard … | head`), which is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// Result alias for commands.
pub type Result<T, E = Error> = std::result::Result<T, E>;
