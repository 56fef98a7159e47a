//! Integration tests: run the built `daneguard` binary and check exact output and exit status.

mod acme;
mod allns;
mod bad_input;
mod check;
mod conformance;
mod contrib;
mod corpus;
mod deploy;
mod dnsserver;
mod generate;
mod hostile_dns;
mod input_forms;
mod interop;
mod key_forms;
mod live;
mod man;
mod monitoring;
mod names;
mod pipes;
mod postfix;
mod prediction;
mod publish;
mod renew;
mod tlsserver;
mod util;
mod zone;
