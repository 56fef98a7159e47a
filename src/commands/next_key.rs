//! `stage --next-key`: a key made ahead of time for a rollover (RFC 7671 §8.1). It is
//! stored in the state directory, its records are printed to publish next to the
//! current ones, and once they have been seen long enough the ACME client is told how
//! to use it. `deploy` reports the same on every run and forgets the key once a
//! certificate for it has been deployed.

use crate::commands::deploy::{self, Setup, state_error};
use crate::deploy::bundle::Bundle;
use crate::deploy::decide::{OwnerDecision, Readiness};
use crate::deploy::nextkey::{self, NextKey};
use crate::deploy::state::StateDir;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::input::config::Certificate;
use crate::sanitize::escape;

/// Where the rollover of one certificate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextOutcome {
    /// No next key is stored.
    None,
    /// Its records have been published long enough: the ACME client may use it.
    Ready,
    /// Its records are published but young.
    Waiting,
    /// Some owner publishes no record for it.
    Missing,
}

/// Stores `key_file` as the next key of `name` and reports where it stands.
pub fn stage(setup: &Setup, name: &str, key_file: &str, env: &mut Env<'_>) -> Result<ExitStatus> {
    if key_file.is_empty() {
        return Err(Error::Usage(
            "--next-key is empty: give the file of the next private key; nothing was staged".into(),
        ));
    }
    let cert = setup.certificate(name)?;
    let (shown, bytes) = crate::input::read(key_file, env)?;
    let key = NextKey::read(&bytes)
        .map_err(|e| Error::input(&shown, format!("{e}; nothing was staged")))?;
    let deployed = deploy::deployed_chain(&cert.deploy);
    if deployed
        .as_ref()
        .and_then(|c| c.first())
        .is_some_and(|leaf| leaf.spki == key.spki)
    {
        return Err(Error::input(
            &shown,
            format!(
                "is the key of the certificate deployed at {} already: nothing to roll over to; nothing was staged",
                escape(&cert.deploy.display().to_string())
            ),
        ));
    }
    hosts(cert, deployed.as_deref())?;
    let state = setup.open_state()?;
    let path = state.next_key_path(&cert.name);
    replaced_note(cert, &path, &key, env);
    state
        .store(&path, key.key_pem.as_bytes())
        .map_err(state_error)?;
    match report(cert, setup, &state, env)? {
        NextOutcome::Ready => Ok(ExitStatus::Ok),
        _ => Ok(ExitStatus::Findings),
    }
}

/// The configured hosts, or the deployed leaf's names: a bare key names no host.
fn hosts(
    cert: &Certificate,
    deployed: Option<&[crate::chain::Certificate]>,
) -> Result<Vec<crate::owner::Host>> {
    match deployed.and_then(|c| c.first()) {
        None if cert.hosts.is_empty() => Err(Error::Usage(format!(
            "{}: no certificate is deployed yet to take the host names from; set hosts = [...] in its [[certificate]]",
            cert.name
        ))),
        leaf => deploy::hosts_of(cert, leaf),
    }
}

/// Says so when another next key was staged before: its records are no longer needed.
fn replaced_note(cert: &Certificate, path: &std::path::Path, key: &NextKey, env: &mut Env<'_>) {
    let before = StateDir::read(path)
        .ok()
        .flatten()
        .and_then(|b| NextKey::read(&b).ok());
    if before.is_some_and(|b| b.spki != key.spki) {
        crate::render::diag::note(
            env,
            &format!(
                "{}: replaces the next key staged before; records published for that one are not needed any more",
                cert.name
            ),
        );
    }
}

/// Re-checks the stored next key of `cert`, if any, and says where it stands.
pub fn report(
    cert: &Certificate,
    setup: &Setup,
    state: &StateDir,
    env: &mut Env<'_>,
) -> Result<NextOutcome> {
    let path = state.next_key_path(&cert.name);
    let shown = path.display().to_string();
    let Some(bytes) = StateDir::read(&path).map_err(|e| Error::input(&shown, e.to_string()))?
    else {
        return Ok(NextOutcome::None);
    };
    let key = NextKey::read(&bytes).map_err(|e| Error::input(&shown, e.to_string()))?;
    let deployed = deploy::deployed_chain(&cert.deploy);
    if let Some(leaf) = deployed.as_ref().and_then(|c| c.first()) {
        // Deployed by a run that could not forget the key afterwards.
        if leaf.spki == key.spki {
            forget(cert, state, env)?;
            return Ok(NextOutcome::None);
        }
    }
    let hosts = hosts(cert, deployed.as_deref())?;
    let material = key.material();
    let decisions = deploy::decide_owners(
        cert,
        hosts,
        &material,
        deployed.as_deref(),
        setup,
        state,
        env,
    )?;
    if decisions.iter().all(|d| d.readiness == Readiness::Ready) {
        ready(cert, &key, state, env)?;
        return Ok(NextOutcome::Ready);
    }
    waiting(cert, &decisions, env)
}

/// The records are in place: how the ACME client gets to sign for the next key.
fn ready(cert: &Certificate, key: &NextKey, state: &StateDir, env: &mut Env<'_>) -> Result<()> {
    let path = state.next_key_path(&cert.name);
    writeln!(
        env.out,
        "{}: the next key ({}) has its records published long enough; a certificate for it is deployed as soon as it is staged",
        cert.name, key.kind
    )?;
    let how = match &cert.lineage {
        Some(lineage) => match nextkey::certbot_command(&path, lineage, key.kind) {
            Ok(command) => format!(
                "have certbot sign its next certificate with it (its deploy hook stages it):\n  {}",
                escape(&command)
            ),
            Err(why) => format!("{why}: give it to another ACME client"),
        },
        None => format!(
            "give {} to the ACME client as the key of its next certificate and stage that as usual",
            escape(&path.display().to_string())
        ),
    };
    writeln!(env.out, "{}: {how}", cert.name)?;
    Ok(())
}

fn waiting(
    cert: &Certificate,
    decisions: &[OwnerDecision],
    env: &mut Env<'_>,
) -> Result<NextOutcome> {
    let words = deploy::Wording {
        waiting: |owner, until, ttl| {
            format!(
                "next key staged: {owner} publishes its record; usable from {until} (first seen + 2 × TTL {ttl})"
            )
        },
        missing: |owner, wait| {
            format!(
                "next key staged: no published record at {owner} matches it; publish these next to the current records (keep those until the new certificate is deployed); 'daneguard deploy' reports it usable {wait}:"
            )
        },
    };
    Ok(if deploy::report_decisions(cert, decisions, &words, env)? {
        NextOutcome::Missing
    } else {
        NextOutcome::Waiting
    })
}

/// The public key of the next key staged for `cert`, if any (unreadable: none).
pub fn pending_spki(cert: &Certificate, state: &StateDir) -> Option<Vec<u8>> {
    let bytes = StateDir::read(&state.next_key_path(&cert.name)).ok()??;
    NextKey::read(&bytes).ok().map(|k| k.spki)
}

/// After a deployment: a certificate for the next key ends the rollover.
pub fn finish(
    cert: &Certificate,
    bundle: &Bundle,
    state: &StateDir,
    env: &mut Env<'_>,
) -> Result<()> {
    let path = state.next_key_path(&cert.name);
    let Ok(Some(bytes)) = StateDir::read(&path) else {
        return Ok(());
    };
    let Ok(key) = NextKey::read(&bytes) else {
        return Ok(());
    };
    if bundle.leaf().is_some_and(|leaf| leaf.spki == key.spki) {
        forget(cert, state, env)?;
    }
    Ok(())
}

fn forget(cert: &Certificate, state: &StateDir, env: &mut Env<'_>) -> Result<()> {
    state.remove_next_key(&cert.name).map_err(state_error)?;
    writeln!(
        env.out,
        "{}: the deployed certificate uses the next key: rollover complete",
        cert.name
    )?;
    Ok(())
}
