//! The `daneguard` binary: wires the real process environment to [`daneguard::run`].

use std::io::{self, IsTerminal};
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut env = daneguard::env::Env {
        out: &mut daneguard::env::pipe::ClosedPipeOk::new(stdout.lock()),
        err: &mut stderr.lock(),
        stdin: &mut io::stdin().lock(),
        now: daneguard::env::system_now(),
        out_is_terminal: io::stdout().is_terminal(),
        vars: &|name| std::env::var_os(name),
        files: &daneguard::env::real::Disk,
        dns: &daneguard::env::real::NetworkDns,
        prober: &daneguard::env::real::NetworkProber,
        runtime: &daneguard::env::AsyncRuntime::default(),
    };
    let status = daneguard::run(std::env::args_os(), &mut env);
    ExitCode::from(status.code())
}
