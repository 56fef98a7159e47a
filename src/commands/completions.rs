//! `daneguard completions SHELL`: shell completions from the clap definitions.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::env::Env;
use crate::error::Result;
use crate::exit::ExitStatus;

pub fn execute(args: &CompletionsArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let mut cmd = Cli::command();
    // clap_complete panics when its writer fails, so it writes to memory and the
    // (possibly closed) output gets the whole text at once.
    let mut text = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "daneguard", &mut text);
    env.out.write_all(&text)?;
    env.out.flush()?;
    Ok(ExitStatus::Ok)
}
