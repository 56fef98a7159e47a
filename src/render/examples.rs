//! Usage examples per subcommand, shown by `--help` (after the options) and in the man
//! pages' EXAMPLES sections, so the two cannot drift apart.

/// One example: what it is for, and the command line.
pub struct Example {
    pub what: &'static str,
    pub command: &'static str,
}

const fn ex(what: &'static str, command: &'static str) -> Example {
    Example { what, command }
}

const GENERATE: &[Example] = &[
    ex(
        "Records for a certbot lineage: 3 1 1 for the key, 2 1 1 for each issuer",
        "daneguard generate /etc/letsencrypt/live/mx.example.com",
    ),
    ex(
        "chaingen's record set for a named host",
        "daneguard generate --set chaingen --host mx.example.com fullchain.pem",
    ),
    ex(
        "Chosen records, for two ports",
        "daneguard generate --records 'DANE-EE SPKI SHA2-256, 2 1 1' --port 25 --port 465 fullchain.pem",
    ),
    ex(
        "Publish through nsupdate on the primary",
        "daneguard generate --format nsupdate --ttl 3600 fullchain.pem | nsupdate -l",
    ),
];

const CHECK: &[Example] = &[
    ex(
        "Compare a host's published records with its chain",
        "daneguard check mx.example.com --chain /etc/letsencrypt/live/mx.example.com",
    ),
    ex(
        "Every MX host of a mail domain, one of them with a chain file",
        "daneguard check --mx example.com --chain mx1.example.com=/etc/ssl/mx1.pem",
    ),
    ex(
        "Many hosts from a file, one JSON object per line",
        "daneguard check --from hosts.txt --format jsonl --concurrency 32",
    ),
    ex(
        "Also connect to the MX hosts and check the certificates they present",
        "daneguard check --mx example.com --live",
    ),
    ex(
        "A Nagios or Icinga service check (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)",
        "daneguard check --mx example.com --live --format nagios",
    ),
    ex(
        "Gauges for node_exporter's textfile collector",
        "daneguard check --mx example.com --live --format prometheus > daneguard.prom.tmp; mv daneguard.prom.tmp daneguard.prom",
    ),
    ex(
        "From cron: print only when something is wrong",
        "daneguard check --mx example.com --live --quiet",
    ),
    ex(
        "The hosts, ports, chains and resolvers of /etc/daneguard/daneguard.toml",
        "daneguard check --format nagios",
    ),
    ex(
        "The same file's settings for one other host",
        "daneguard check --config /etc/daneguard/daneguard.toml smtp.example.net",
    ),
];

const RENEW_CHECK: &[Example] = &[
    ex(
        "Will certbot's next renewal of this lineage keep DANE working?",
        "daneguard renew-check mx.example.com --current /etc/letsencrypt/live/mx.example.com",
    ),
    ex(
        "The same, with the hosts and ports of the [[certificate]] with that lineage",
        "daneguard renew-check --config /etc/daneguard/daneguard.toml --current /etc/letsencrypt/live/mx.example.com",
    ),
    ex(
        "The next renewal of every [[certificate]] with a lineage, on its hosts and ports",
        "daneguard renew-check --config /etc/daneguard/daneguard.toml",
    ),
    ex(
        "A staged chain against the records in a zone file",
        "daneguard renew-check mx.example.com --current live/mx/fullchain.pem --next new/fullchain.pem --zone example.com.zone",
    ),
    ex(
        "The same question as a Nagios or Icinga service check",
        "daneguard renew-check --current /etc/letsencrypt/live/mx.example.com --format nagios",
    ),
];

const CERTBOT_HOOK: &[Example] = &[
    ex(
        "Reload Postfix only when the renewed certificate still matches the TLSA records",
        "certbot renew --deploy-hook 'daneguard certbot-hook && systemctl reload postfix'",
    ),
    ex(
        "Check other names than the certificate's",
        "certbot renew --deploy-hook 'daneguard certbot-hook --host mx.example.com --port 25 --port 465'",
    ),
];

const ZONE: &[Example] = &[
    ex(
        "A zone file against a host's chain",
        "daneguard zone example.com.zone --chain mx.example.com=/etc/letsencrypt/live/mx.example.com",
    ),
    ex(
        "Zones kept in git, in a GitHub Actions job",
        "daneguard zone --config dane.toml --format github zones/*.zone",
    ),
];

const COMPLETIONS: &[Example] = &[
    ex(
        "bash",
        "daneguard completions bash > /usr/share/bash-completion/completions/daneguard",
    ),
    ex(
        "zsh",
        "daneguard completions zsh > /usr/local/share/zsh/site-functions/_daneguard",
    ),
    ex(
        "fish",
        "daneguard completions fish > ~/.config/fish/completions/daneguard.fish",
    ),
];

const STAGE: &[Example] = &[
    ex(
        "Stage certbot's new files (the hook recipes for certbot, acme.sh, dehydrated and lego are in the README)",
        "daneguard stage mx --chain /etc/letsencrypt/live/mx.example.com/fullchain.pem --key /etc/letsencrypt/live/mx.example.com/privkey.pem",
    ),
    ex(
        "As acme.sh's reload command",
        "acme.sh --install-cert -d mx.example.com --reloadcmd 'daneguard stage mx --chain \"$CERT_FULLCHAIN_PATH\" --key \"$CERT_KEY_PATH\"'",
    ),
    ex(
        "Rotate a reused key: stage the next key, publish the records it prints; 'deploy' then prints the certbot command",
        "daneguard stage mx --next-key /root/mx-next.key",
    ),
];

const DEPLOY: &[Example] = &[
    ex(
        "Every staged certificate (what the timer runs)",
        "daneguard deploy",
    ),
    ex("One certificate", "daneguard deploy mx"),
    ex(
        "Back to the previous file",
        "daneguard deploy --rollback mx",
    ),
];

const PUBLISH: &[Example] = &[
    ex(
        "Add the records of a new chain through the primary, TSIG key from tsig-keygen or keymgr -t",
        "daneguard publish --server 192.0.2.53 --zone example.com --key /etc/daneguard/update.key --ttl 3600 /etc/letsencrypt/live/mx.example.com/fullchain.pem",
    ),
    ex(
        "After a rollover: keep the deployed chain's records, delete every other stale one",
        "daneguard publish --config /etc/daneguard/daneguard.toml --delete-stale --keep /etc/daneguard/mx.pem new/fullchain.pem",
    ),
    ex(
        "Print the nsupdate script instead of sending",
        "daneguard publish --dry-run --server 192.0.2.53 --zone example.com --key update.key fullchain.pem",
    ),
];

const CONFIG: &[Example] = &[ex(
    "Validate the configuration file",
    "daneguard config check --config /etc/daneguard/daneguard.toml",
)];

/// The examples of a subcommand (`generate`, `check`, …); every example for `None`.
pub fn of(subcommand: Option<&str>) -> Vec<&'static Example> {
    let all: [(&str, &[Example]); 10] = [
        ("generate", GENERATE),
        ("check", CHECK),
        ("renew-check", RENEW_CHECK),
        ("certbot-hook", CERTBOT_HOOK),
        ("zone", ZONE),
        ("stage", STAGE),
        ("deploy", DEPLOY),
        ("config", CONFIG),
        ("completions", COMPLETIONS),
        ("publish", PUBLISH),
    ];
    all.iter()
        .filter(|(name, _)| subcommand.is_none_or(|s| s == *name))
        .flat_map(|(_, list)| list.iter())
        .collect()
}

/// The `Examples:` block of `--help`.
pub fn help(subcommand: &str) -> String {
    let mut text = String::from("Examples:");
    for e in of(Some(subcommand)) {
        text.push_str(&format!("\n  {}:\n    {}", e.what, e.command));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_has_examples_that_run_daneguard() {
        use clap::CommandFactory;
        for sub in crate::cli::Cli::command().get_subcommands() {
            let list = of(Some(sub.get_name()));
            assert!(!list.is_empty(), "{} has no examples", sub.get_name());
            for e in list {
                assert!(
                    e.command.contains(&format!("daneguard {}", sub.get_name())),
                    "{}",
                    e.command
                );
            }
        }
    }
}
