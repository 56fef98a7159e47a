//! Integration tests: run the built `daneguard` binary and check exact output and exit status.

mod acme;
mod bad_input;
mod check;
mod deploy;
mod dnsserver;
mod generate;
mod interop;
mod live;
mod man;
mod prediction;
mod renew;
mod tlsserver;
mod util;
mod zone;
