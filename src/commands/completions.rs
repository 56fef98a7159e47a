//! `daneguard completions SHELL`: shell completions from the clap definitions.

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use crate::env::Env;
use crate::error::Result;
use crate::exit::ExitStatus;

pub fn execute(args: &CompletionsArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "daneguard", env.out);
    env.out.flush()?;
    Ok(ExitStatus::Ok)
}
