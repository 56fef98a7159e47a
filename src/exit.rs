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
    /// `--format nagios` only: the Monitoring Plugins' status, which numbers its
    /// states differently (a failing check is 2, not 1).
    Plugin(PluginState),
}

/// A Monitoring Plugins service state (the plugin's exit status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PluginState {
    Ok,
    Warning,
    Unknown,
    Critical,
}

impl PluginState {
    /// The exit status Nagios, Icinga and the like read.
    pub fn code(self) -> u8 {
        match self {
            PluginState::Ok => 0,
            PluginState::Warning => 1,
            PluginState::Critical => 2,
            PluginState::Unknown => 3,
        }
    }

    /// `OK`, `WARNING`, `CRITICAL` or `UNKNOWN`, as the status line starts.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginState::Ok => "OK",
            PluginState::Warning => "WARNING",
            PluginState::Critical => "CRITICAL",
            PluginState::Unknown => "UNKNOWN",
        }
    }

    /// `(code, meaning)` rows of the nagios mapping for the README and the man page.
    pub const TABLE: [(u8, &'static str); 4] = [
        (0, "OK: every host's verdict is ok (info findings only)"),
        (1, "WARNING: warn findings, and nothing worse"),
        (
            2,
            "CRITICAL: fail findings (daneguard's exit status 1) for at least one host",
        ),
        (
            3,
            "UNKNOWN: a host or the whole run could not be checked (daneguard's exit status 2), and nothing failed",
        ),
    ];
}

impl ExitStatus {
    /// The numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Failure => 2,
            ExitStatus::Plugin(state) => state.code(),
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

    #[test]
    fn plugin_states_use_the_monitoring_plugins_numbers() {
        let all = [
            PluginState::Ok,
            PluginState::Warning,
            PluginState::Critical,
            PluginState::Unknown,
        ];
        for (state, (code, meaning)) in all.iter().zip(PluginState::TABLE) {
            assert_eq!(ExitStatus::Plugin(*state).code(), code);
            assert!(meaning.starts_with(state.as_str()));
        }
        // Like the plugins' max_state_alt: an unchecked host outranks a warning, a
        // failing one outranks everything.
        assert!(PluginState::Critical > PluginState::Unknown);
        assert!(PluginState::Unknown > PluginState::Warning);
    }
}
