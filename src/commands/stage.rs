//! `daneguard stage`: take a new chain and key from an ACME client's hook into the
//! state directory, then deploy at once if that is already safe (see `deploy`).

use crate::cli::StageArgs;
use crate::commands::deploy::{self, Outcome, Setup};
use crate::deploy::bundle::Bundle;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input::config::Certificate;

pub fn execute(args: &StageArgs, env: &mut Env<'_>) -> Result<ExitStatus> {
    let setup = Setup::new(&args.common, env)?;
    if let Some(next_key) = &args.next_key {
        return crate::commands::next_key::stage(&setup, &args.name, next_key, env);
    }
    let chain = args.chain.as_deref().unwrap_or_default();
    stage(&setup, &args.name, chain, args.key.as_deref(), env)
}

/// Stages the files for the `[[certificate]]` `name` and deploys them if safe now.
pub fn stage(
    setup: &Setup,
    name: &str,
    chain: &str,
    key: Option<&str>,
    env: &mut Env<'_>,
) -> Result<ExitStatus> {
    let cert = setup.certificate(name)?;
    let bundle = read_bundle(chain, key, env)?;
    bundle
        .check(env.now)
        .map_err(|e| Error::input(chain, format!("{e}; not staged, nothing was deployed")))?;
    let state = setup.open_state()?;
    let path = state.staged_path(&cert.name);
    state.store(&path, &bundle.to_pem()).map_err(|e| {
        Error::input(
            path.display().to_string(),
            format!("cannot stage: {e}; nothing was deployed"),
        )
    })?;
    match deploy::process(cert, setup, &state, env)? {
        Outcome::Deployed => Ok(ExitStatus::Ok),
        Outcome::NothingStaged => unreachable!("staged just above, under the lock"),
        Outcome::Waiting | Outcome::Missing => {
            note_kept(cert, env);
            crate::commands::publish::after_stage(setup, cert, &bundle, env)?;
            Ok(ExitStatus::Findings)
        }
    }
}

fn note_kept(cert: &Certificate, env: &mut Env<'_>) {
    crate::render::diag::note(
        env,
        &format!(
            "{}: the server keeps {} until 'daneguard deploy' finds the new records published long enough",
            cert.name,
            crate::sanitize::escape(&cert.deploy.display().to_string())
        ),
    );
}

/// Reads the chain and key files a hook passed; empty arguments mean unset variables.
fn read_bundle(chain: &str, key: Option<&str>, env: &mut Env<'_>) -> Result<Bundle> {
    if chain.is_empty() {
        return Err(Error::Usage(
            "--chain is empty: was the hook's variable for the full chain set? Nothing was staged"
                .into(),
        ));
    }
    if key == Some("") {
        return Err(Error::Usage(
            "--key is empty: was the hook's variable for the private key set? Nothing was staged"
                .into(),
        ));
    }
    let (chain_name, chain_bytes) = crate::input::read(chain, env)?;
    let key_bytes = key.map(|k| crate::input::read(k, env)).transpose()?;
    let named = |e: crate::deploy::bundle::BundleError| match (&key_bytes, &e) {
        (
            Some((key_name, _)),
            crate::deploy::bundle::BundleError::Key(_) | crate::deploy::bundle::BundleError::NoKey,
        ) => Error::input(key_name, e.to_string()),
        _ => Error::input(&chain_name, e.to_string()),
    };
    Bundle::from_parts(&chain_bytes, key_bytes.as_ref().map(|(_, b)| b.as_slice())).map_err(named)
}
