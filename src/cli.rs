//! Command-line definitions (clap). Doc comments here are the `--help` text, the man
//! pages and the shell completions.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::owner::Proto;

/// DANE TLSA records from certificate chains, checked before they break mail.
#[derive(Debug, Parser)]
#[command(
    name = "daneguard",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Exit status: 0 fine, 1 findings that break or will break DANE, 2 could not do the job\n(--format nagios: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Print nothing when the exit status is 0 (cron mails only when something needs
    /// attention); otherwise print everything at the end. generate: no notes. Ignored
    /// by --format nagios and prometheus.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Colour in the help output: auto (a terminal, and NO_COLOR unset or empty),
    /// always or never.
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = clap::ColorChoice::Auto)]
    pub color: clap::ColorChoice,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Generate(GenerateArgs),
    Check(CheckArgs),
    RenewCheck(RenewCheckArgs),
    CertbotHook(CertbotHookArgs),
    Zone(ZoneArgs),
    Stage(StageArgs),
    Deploy(DeployArgs),
    Config(ConfigArgs),
    Completions(CompletionsArgs),
    Publish(PublishArgs),
}

/// Print TLSA records for a certificate chain, key or CSR.
///
/// Reads PEM or DER certificates (leaf first, as in certbot's fullchain.pem), a
/// certbot lineage directory (/etc/letsencrypt/live/NAME: its fullchain.pem is used),
/// a Postfix-style file holding a private key and the certificates (the key is
/// skipped and never printed), or, to pre-publish a next key, a CSR, a public key or a
/// private key (these yield only 3 1 x records).
#[derive(Debug, Args)]
#[command(
    after_long_help = crate::render::examples::help("generate")
)]
pub struct GenerateArgs {
    /// Certificate chain, lineage directory, key or CSR ('-' reads stdin).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    #[command(flatten)]
    pub choice: RecordChoice,

    /// Host name of the TLSA owner (repeatable; default: the leaf's first DNS name).
    #[arg(long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,

    /// Port of the TLSA owner (repeatable).
    #[arg(long = "port", allow_negative_numbers = true, value_name = "PORT", default_values_t = [25u16], value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,

    /// Transport protocol of the TLSA owner.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub proto: Proto,

    /// TTL to write in each record (at most 2147483647, RFC 2181 §8).
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(0..=2_147_483_647))]
    pub ttl: Option<u32>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GenerateFormat::Zone)]
    pub format: GenerateFormat,

    /// Leave out the comment block before each certificate's records (zone format).
    #[arg(long)]
    pub no_comments: bool,

    /// --format nsupdate: a `server` line for the zone's primary, ADDR or ADDR:PORT
    /// (or let 'daneguard publish' send the update itself).
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub server: Option<String>,

    /// --format nsupdate: a `zone` line; every owner must be in this zone.
    #[arg(long, value_name = "ZONE")]
    pub zone: Option<String>,
}

/// Which TLSA records `generate` and `publish` make.
#[derive(Debug, Args)]
pub struct RecordChoice {
    /// Which records to make.
    #[arg(long, value_enum, default_value_t = SetName::Recommended, conflicts_with = "records")]
    pub set: SetName,

    /// Explicit records, comma-separated: numbers or RFC 7218 names, e.g.
    /// "3 1 1, DANE-TA SPKI SHA2-512". Usage 2/0 records are made for each CA
    /// certificate, usage 3/1 for the leaf.
    #[arg(long, value_name = "LIST")]
    pub records: Option<String>,
}

/// Named record sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SetName {
    /// 3 1 1 for the leaf and 2 1 1 for every CA certificate in the chain.
    Recommended,
    /// chaingen's set: U 0 1, U 1 1, U 0 2, U 1 2 for every certificate (U = 3 for the
    /// first, 2 for the rest), with chaingen's comments.
    Chaingen,
}

/// Output formats of `generate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// Zone-file lines for BIND, NSD and Knot.
    Zone,
    /// A readable table with RFC 7218 names.
    Table,
    /// JSON (schema in the README).
    Json,
    /// 'update add' lines for nsupdate.
    Nsupdate,
    /// RFC 3597 generic form (TYPE52) for old DNS software.
    Generic,
}

/// Check published TLSA records, with DNSSEC validation, against certificate chains.
///
/// Looks up _PORT._tcp.HOST TLSA records through a validating resolver with
/// daneguard's own DNSSEC validation, reports the DNSSEC status of every lookup,
/// and compares usable records with the chain given by --chain (RFC 6698, 7671,
/// 7672). With --mx, the names are mail domains: their MX hosts are checked as a
/// DANE SMTP sender would (secure MX, then A/AAAA, then TLSA, CNAMEs expanded).
#[derive(Debug, Args)]
#[command(
    after_long_help = crate::render::examples::help("check")
)]
pub struct CheckArgs {
    /// Host names to check (with --mx: mail domains).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Treat the names as mail domains and check each of their MX hosts.
    #[arg(long)]
    pub mx: bool,

    /// Read more names from a file, one per line ('-' for stdin; '#' starts a comment).
    #[arg(long, value_name = "FILE")]
    pub from: Option<String>,

    /// Configuration file: hosts, ports, chains, resolvers, trust anchor, days and
    /// allow-list ([check], [[certificate]], [hosts], [dns]); flags override it. Without
    /// NAME, --from and --config, /etc/daneguard/daneguard.toml is read if it exists.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// Ports to check (repeatable; default: 25, or those of the configuration).
    #[arg(long = "port", allow_negative_numbers = true, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,

    /// Chain to compare with: PATH for every host, HOST=PATH for one host, HOST:PORT=PATH
    /// for one port of it (repeatable; the most specific wins; anything 'generate'
    /// accepts).
    #[arg(long = "chain", value_name = "[HOST[:PORT]=]PATH")]
    pub chains: Vec<String>,

    #[command(flatten)]
    pub dns: DnsArgs,

    /// Lookups in flight at once.
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub concurrency: u32,

    #[command(flatten)]
    pub findings: FindingArgs,

    /// Also connect to every address of each host and check the chain it presents
    /// (once asking for an ECDSA and once for an RSA certificate).
    #[arg(long)]
    pub live: bool,

    /// Also ask every authoritative server of the TLSA records' zone (each address
    /// of each NS) directly and compare their TLSA RRsets: a stale or broken server
    /// is the finding ns-inconsistent.
    #[arg(long = "all-ns")]
    pub all_ns: bool,

    /// Protocol before the TLS handshake (default from the port: smtp on 25 and 587,
    /// imap on 143, pop3 on 110, implicit TLS elsewhere).
    /// Needs --live (or live = true in the configuration's [check]).
    #[arg(long, value_enum)]
    pub starttls: Option<crate::live::Starttls>,

    /// Connect to this address instead of the host's A/AAAA records (tests, NAT).
    /// Needs --live, as --starttls.
    #[arg(long, value_name = "ADDR:PORT")]
    pub connect: Option<std::net::SocketAddr>,

    /// Time-out for connecting, each protocol step and the TLS handshake, in seconds.
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub tls_timeout: u64,

    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    pub format: Option<CheckFormat>,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Records, DNSSEC status, verdict and findings per host.
    Table,
    /// One JSON document (schema in the README).
    Json,
    /// One JSON object per host and line, streamed as results arrive.
    Jsonl,
    /// A Monitoring Plugins status line, long output and perfdata; exit 0-3.
    Nagios,
    /// Prometheus text exposition for node_exporter's textfile collector.
    Prometheus,
}

/// How to reach DNS (shared by the commands that look records up).
#[derive(Debug, Clone, Args)]
pub struct DnsArgs {
    /// Resolver to ask, IP or IP:PORT (repeatable; default: the system's resolvers).
    #[arg(long = "resolver", value_name = "IP[:PORT]")]
    pub resolvers: Vec<String>,

    /// DNSKEY or DS records (zone-file lines) to trust instead of the IANA root key.
    #[arg(long, value_name = "FILE")]
    pub trust_anchor: Option<String>,

    /// Time-out of one DNS query, in seconds.
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub timeout: u64,
}

/// What counts as a problem (shared by the commands that report findings).
#[derive(Debug, Clone, Args)]
pub struct FindingArgs {
    /// Warn when a leaf certificate expires within this many days (default: 14).
    #[arg(long, allow_negative_numbers = true, value_name = "N")]
    pub days: Option<u32>,

    /// Silence a finding code (repeatable).
    #[arg(long = "allow", value_name = "CODE", value_parser = CodeParser, hide_possible_values = true)]
    pub allow: Vec<crate::findings::Code>,

    /// Exit 1 on warnings too.
    #[arg(long)]
    pub strict: bool,
}

/// Parses `--allow` values and lists the codes for shell completions.
#[derive(Clone)]
struct CodeParser;

impl clap::builder::TypedValueParser for CodeParser {
    type Value = crate::findings::Code;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let parse: fn(&str) -> Result<crate::findings::Code, UnknownCode> = finding_code;
        parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(crate::findings::Code::ALL.iter().map(|c| {
            clap::builder::PossibleValue::new(c.as_str()).help(c.summary())
        })))
    }
}

/// Days of warning before a leaf expires when `--days` is not given.
pub const DEFAULT_DAYS: u32 = 14;

impl FindingArgs {
    /// `--days`, or its default.
    pub fn days(&self) -> u32 {
        self.days.unwrap_or(DEFAULT_DAYS)
    }
}

/// `--allow` named no finding code.
#[derive(Debug, thiserror::Error)]
#[error("unknown finding code; known codes: {}", known_codes())]
pub struct UnknownCode;

fn known_codes() -> String {
    let all: Vec<&str> = crate::findings::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    all.join(", ")
}

fn finding_code(text: &str) -> Result<crate::findings::Code, UnknownCode> {
    crate::findings::Code::parse(text).ok_or(UnknownCode)
}

/// Check that the next certificate or key will still match the published TLSA records.
///
/// Compares the published records (from DNS with DNSSEC validation, or offline from
/// --zone or --records) with the next certificate or key (--next), or, for a certbot
/// lineage given as --current without --next, with a prediction from its renewal
/// configuration: a new key unless reuse_key = True, and any intermediate the CA may
/// pick for that key type. When the switch would break DANE it prints the exact
/// records to publish now and how long to wait before deploying.
#[derive(Debug, Args)]
#[command(
    after_long_help = crate::render::examples::help("renew-check")
)]
pub struct RenewCheckArgs {
    /// Host names to check (default: the DNS names of the current or next leaf).
    #[arg(value_name = "HOST")]
    pub hosts: Vec<String>,

    /// The next chain, key or CSR (anything 'generate' accepts).
    #[arg(long, value_name = "PATH")]
    pub next: Option<String>,

    /// The current chain or certbot lineage directory.
    #[arg(long, value_name = "PATH")]
    pub current: Option<String>,

    /// Configuration file: [dns] resolvers and trust anchor, [check] days, allow and
    /// strict, and the hosts and ports of the [[certificate]] whose lineage or deploy
    /// file is --current; flags override it. Without --current and --next: the
    /// predicted renewal of every [[certificate]] with a lineage. Read only when given.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    #[command(flatten)]
    pub common: RenewArgs,
}

/// Options shared by `renew-check` and `certbot-hook`.
#[derive(Debug, Clone, Args)]
pub struct RenewArgs {
    /// Ports to check (repeatable; default: 25).
    #[arg(long = "port", allow_negative_numbers = true, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,

    /// Read the published records from this zone file instead of DNS.
    #[arg(long, value_name = "FILE", conflicts_with = "records")]
    pub zone: Option<String>,

    /// Origin of --zone or --records (default: the SOA owner or $ORIGIN of a zone
    /// file, or its name, e.g. example.com.zone; the root for --records).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,

    /// Folder that $INCLUDE in --zone may read from (default: the zone file's folder).
    #[arg(long, value_name = "DIR")]
    pub include_root: Option<String>,

    /// Read the published records from zone-file lines with absolute owner names.
    #[arg(long, value_name = "FILE")]
    pub records: Option<String>,

    /// certbot's configuration directory (its renewal/ holds NAME.conf).
    #[arg(long, value_name = "DIR")]
    pub letsencrypt_dir: Option<String>,

    /// CA certificates to predict issuers from, replacing the built-in Let's Encrypt
    /// facts: PEM files, and optionally status.txt with 'NAME active|backup|retired' lines.
    #[arg(long, value_name = "DIR")]
    pub ca_certs: Option<String>,

    #[command(flatten)]
    pub dns: DnsArgs,

    #[command(flatten)]
    pub findings: FindingArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = RenewFormat::Text)]
    pub format: RenewFormat,
}

/// Output formats of `renew-check` and `certbot-hook`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenewFormat {
    /// Records, findings, and the lines to publish.
    Text,
    /// JSON (schema in the README).
    Json,
    /// A Monitoring Plugins status line, long output and perfdata; exit 0-3.
    Nagios,
    /// Prometheus text exposition for node_exporter's textfile collector.
    Prometheus,
}

/// certbot deploy hook: stage the renewed certificate, or check it.
///
/// Reads RENEWED_LINEAGE (and RENEWED_DOMAINS) as certbot sets them for deploy hooks.
/// When the configuration has a [[certificate]] for the lineage (its 'lineage', or its
/// name equal to the lineage's), the new fullchain.pem and privkey.pem are staged
/// exactly as 'daneguard stage NAME' does: the mail server reads daneguard's file, which
/// changes only once the matching TLSA records are published long enough. Without one,
/// it only checks the new chain against the published records and exits 1 with the
/// records to publish: certbot has already switched live/NAME by then, so a server that
/// reads those files serves the new certificate anyway ('&& systemctl reload' does not
/// prevent that).
#[derive(Debug, Args)]
#[command(after_long_help = crate::render::examples::help("certbot-hook"))]
pub struct CertbotHookArgs {
    /// Hosts to check instead of RENEWED_DOMAINS (repeatable).
    #[arg(long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,

    /// Configuration file (default: /etc/daneguard/daneguard.toml, if it exists). When
    /// a [[certificate]] names this lineage, the renewal is staged as by 'stage'.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// State directory (default: state_dir from the configuration, else /var/lib/daneguard).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<String>,

    #[command(flatten)]
    pub common: RenewArgs,
}

/// Check the TLSA records in zone files, offline (for CI on zones kept in git).
///
/// Reads BIND-style master files ($ORIGIN, $TTL, $INCLUDE, relative names,
/// parenthesised records; signed zones too) and reports every problem with its file
/// and line: TLSA syntax and data lengths, owner names, unusable or duplicate records,
/// hosts without addresses, MX hosts with and without TLSA, and, for hosts with a
/// chain from --chain or --config, whether the records match it.
#[derive(Debug, Args)]
#[command(
    after_long_help = format!("{ZONE_CONFIG_HELP}\n\n{}", crate::render::examples::help("zone"))
)]
pub struct ZoneArgs {
    /// Zone files to check.
    #[arg(required = true, value_name = "ZONEFILE")]
    pub files: Vec<String>,

    /// Origin of the zone files (default: $ORIGIN, or the file name, e.g. example.com.zone).
    #[arg(long, value_name = "NAME")]
    pub origin: Option<String>,

    /// Folder that $INCLUDE may read from (default: each zone file's folder).
    #[arg(long, value_name = "DIR")]
    pub include_root: Option<String>,

    /// Each file is a whole zone, as named-checkzone and kzonecheck take it: no SOA
    /// at its top is a finding (default: a file without an SOA is a part of a zone).
    #[arg(long)]
    pub whole_zone: bool,

    /// Chain to compare with: PATH for every host, HOST=PATH for one host, HOST:PORT=PATH
    /// for one port of it (repeatable; the most specific wins; overrides --config).
    #[arg(long = "chain", value_name = "[HOST[:PORT]=]PATH")]
    pub chains: Vec<String>,

    /// TOML file mapping hosts (and ports) to chains or certbot lineages.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// CA certificates to judge issuer cover with, instead of the built-in Let's
    /// Encrypt facts (see renew-check).
    #[arg(long, value_name = "DIR")]
    pub ca_certs: Option<String>,

    #[command(flatten)]
    pub findings: FindingArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ZoneFormat::Text)]
    pub format: ZoneFormat,
}

/// The `--config` file of `zone`, for `--help` and the man page's FILES section.
pub const ZONE_CONFIG_HELP: &str = "Config file (TOML), paths relative to the file:\n  [hosts.\"mx.example.com\"]\n  chain = \"/etc/letsencrypt/live/mx.example.com\"\n  [hosts.\"mx.example.com:465\"]\n  chain = \"certs/submission.pem\"";

/// Output formats of `zone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ZoneFormat {
    /// `file:line: severity code: message`, like a compiler.
    Text,
    /// JSON (schema in the README).
    Json,
    /// GitHub Actions workflow commands (::error file=…,line=…::…).
    Github,
}

/// Stage a new certificate and deploy it only when DNS publishes a matching TLSA record.
///
/// Called by an ACME client's hook with the new chain and key. Copies them into the
/// state directory, compares them with the published TLSA records exactly as
/// renew-check does, and deploys at once (writes the combined key+chain file of the
/// [[certificate]], then runs its reload command) when a usable, DNSSEC-secure record
/// matching the new chain has been seen for at least 2 × its TTL. Otherwise the
/// certificate stays staged, the server keeps the deployed file, the records to publish
/// are printed, and the exit status is 1; 'daneguard deploy' (a timer) finishes the job.
///
/// With --next-key KEYFILE it stages a key made ahead of time instead (RFC 7671 §8.1):
/// publish the records it prints next to the current ones; once they have been seen
/// for 2 × TTL it prints the certbot command that renews with that key, and the
/// certificate certbot then issues is deployed at once.
#[derive(Debug, Args)]
#[command(after_long_help = crate::render::examples::help("stage"))]
pub struct StageArgs {
    /// The [[certificate]] name in the configuration.
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The new full chain, leaf first (PEM).
    #[arg(long, value_name = "FILE", required_unless_present = "next_key")]
    pub chain: Option<String>,

    /// The new private key (default: the key in the --chain file).
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,

    /// Instead of a certificate: a private key made ahead of time for the next
    /// certificate (a rollover with certbot's reuse_key). Stored in the state directory,
    /// never printed; its records to publish are printed, and once they have been seen
    /// long enough, how to have certbot use it (exit 1 until then).
    #[arg(long, value_name = "KEYFILE", conflicts_with_all = ["chain", "key"])]
    pub next_key: Option<String>,

    #[command(flatten)]
    pub common: DeployCommonArgs,
}

/// Deploy staged certificates whose TLSA records have been published long enough.
///
/// For each staged certificate (or each NAME): looks the TLSA records up with DNSSEC
/// validation, records when each was first seen (a record that disappears starts
/// again), and deploys when a record matching the staged chain has been seen for at
/// least 2 × TTL. After a deployment it prints the records that match nothing deployed
/// any more, and keeps the previous file for --rollback. Meant for a systemd timer
/// (contrib/daneguard-deploy.timer). Exit 1 when a staged certificate has no matching
/// record yet; waiting for the 2 × TTL clock is not an error.
#[derive(Debug, Args)]
#[command(after_long_help = crate::render::examples::help("deploy"))]
pub struct DeployArgs {
    /// Certificates to consider (default: every [[certificate]]).
    #[arg(value_name = "NAME", conflicts_with = "rollback")]
    pub names: Vec<String>,

    /// Put the previously deployed file of NAME back (no DNS check), then reload.
    #[arg(long, value_name = "NAME")]
    pub rollback: Option<String>,

    #[command(flatten)]
    pub common: DeployCommonArgs,
}

/// Options shared by `stage` and `deploy`.
#[derive(Debug, Args)]
pub struct DeployCommonArgs {
    /// Configuration file.
    #[arg(long, value_name = "FILE", default_value = crate::input::config::DEFAULT_PATH)]
    pub config: String,

    /// State directory (default: state_dir from the configuration, else /var/lib/daneguard).
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<String>,

    #[command(flatten)]
    pub dns: DnsArgs,

    /// Warn when a leaf certificate expires within this many days.
    #[arg(long, value_name = "N", default_value_t = 14)]
    pub days: u32,
}

/// Work with the configuration file.
#[derive(Debug, Args)]
#[command(after_long_help = crate::render::examples::help("config"))]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the configuration file: syntax, unknown keys, names, paths.
    Check(ConfigCheckArgs),
}

#[derive(Debug, Args)]
pub struct ConfigCheckArgs {
    /// Configuration file.
    #[arg(long, value_name = "FILE", default_value = crate::input::config::DEFAULT_PATH)]
    pub config: String,
}

/// Print shell completions.
#[derive(Debug, Args)]
#[command(after_long_help = crate::render::examples::help("completions"))]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Publish TLSA records through a DNS UPDATE (RFC 2136) signed with TSIG.
///
/// Computes the records `generate` would print for each chain (same --set and
/// --records) at each owner, and sends one UPDATE to the zone's primary (--server),
/// signed with the TSIG key in --key (BIND `key "NAME" { algorithm hmac-sha256; secret
/// "…"; };` as tsig-keygen writes it, or Knot's `key:` list as `keymgr -t` writes it;
/// hmac-sha256, hmac-sha384 or hmac-sha512). The UPDATE requires that the zone exists
/// (RFC 2136 §2.4.1) and adds the records; with --delete-stale it also deletes the TLSA
/// records at those owners that match nothing in the chains (nor in any --keep chain),
/// after asking the server which are published (a TSIG-signed query). The answer must carry a valid TSIG;
/// a refusal (NOTAUTH, REFUSED, BADSIG, BADKEY, BADTIME) ends with exit 2. --dry-run
/// prints the equivalent nsupdate script instead: `server`, `zone`, `prereq`, `update`
/// lines and `send`, with the key file named in a comment for `nsupdate -k FILE`; the
/// secret itself is printed only with --show-secret.
#[derive(Debug, Args)]
#[command(after_long_help = crate::render::examples::help("publish"))]
pub struct PublishArgs {
    /// Certificate chain, lineage directory, key or CSR to publish records for (as
    /// for 'generate').
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,

    #[command(flatten)]
    pub choice: RecordChoice,

    /// TLSA owner host, with an optional port (repeatable; default: the leaf's first
    /// DNS name; a host without a port gets every --port).
    #[arg(long = "host", value_name = "HOST[:PORT]")]
    pub hosts: Vec<String>,

    /// Port for hosts given without one (repeatable).
    #[arg(long = "port", allow_negative_numbers = true, value_name = "PORT", default_values_t = [25u16], value_parser = clap::value_parser!(u16).range(1..))]
    pub ports: Vec<u16>,

    /// Transport protocol of the TLSA owner.
    #[arg(long, value_enum, default_value_t = Proto::Tcp)]
    pub proto: Proto,

    /// The zone's primary server: ADDR or ADDR:PORT (port 53 by default; IPv6 as
    /// [ADDR]:PORT).
    #[arg(long, value_name = "ADDR[:PORT]")]
    pub server: Option<String>,

    /// The zone the owners are in (its apex, e.g. example.com).
    #[arg(long, value_name = "ZONE")]
    pub zone: Option<String>,

    /// TSIG key file (BIND or Knot format).
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,

    /// TTL of the added records (default 3600).
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(0..=2_147_483_647))]
    pub ttl: Option<u32>,

    /// Also delete TLSA records at these owners that match nothing in the chains.
    #[arg(long)]
    pub delete_stale: bool,

    /// A chain whose records stay published with --delete-stale (the one deployed now,
    /// during a rollover; repeatable).
    #[arg(long = "keep", value_name = "CHAIN", requires = "delete_stale")]
    pub keep: Vec<String>,

    /// Print the equivalent nsupdate script instead of sending (with --delete-stale,
    /// the server is still asked which records are published).
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: write the secret into a `key` line (the script then holds the
    /// secret; keep it out of logs).
    #[arg(long, requires = "dry_run")]
    pub show_secret: bool,

    /// Configuration file with a [publish] table (server, zone, key, ttl); flags win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// Seconds to wait for the server's answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub timeout: u64,
}
