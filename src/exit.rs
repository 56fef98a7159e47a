//! The exit status shared by every subcommand.

/// How a run ended, as the process exit status.
///
/// The numbers are a contract with scripts, certbot hooks and CI jobs; they are
/// documented in the README and the man page's EXIT STATUS section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// 0: the job was done and nothing is wrong (warnings may have been printed).
    Ok,
    /// 1: findings that break DANE now or will break it at the next change.
    Findings,
    /// 2: the job could not be done: bad input, I/O, usage or lookup failure.
    Failure,
}

impl ExitStatus {
    /// The numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Failure => 2,
        }
    }

    /// Combines two outcomes; the worse one wins.
    pub fn worst(self, other: ExitStatus) -> ExitStatus {
        self.max(other)
    }

    /// `(code, meaning)` rows for the README and the man page.
    pub const TABLE: [(u8, &'static str); 3] = [
        (0, "done, nothing wrong (warnings may have been printed)"),
        (
            1,
            "findings that break DANE now or will break it at the next certificate or key change",
        ),
        (
            2,
            "could not do the job: bad input, unreadable file, usage error, or a lookup that could not be completed",
        ),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(ExitStatus::Ok.code(), 0);
        assert_eq!(ExitStatus::Findings.code(), 1);
        assert_eq!(ExitStatus::Failure.code(), 2);
        for (status, (code, _)) in [ExitStatus::Ok, ExitStatus::Findings, ExitStatus::Failure]
            .iter()
            .zip(ExitStatus::TABLE)
        {
            assert_eq!(status.code(), code);
        }
    }

    #[test]
    fn worst_wins() {
        assert_eq!(
            ExitStatus::Ok.worst(ExitStatus::Findings),
            ExitStatus::Findings
        );
        assert_eq!(
            ExitStatus::Failure.worst(ExitStatus::Findings),
            ExitStatus::Failure
        );
        assert_eq!(ExitStatus::Ok.worst(ExitStatus::Ok), ExitStatus::Ok);
    }
}
