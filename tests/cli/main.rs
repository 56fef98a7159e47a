//! Integration tests: run the built `daneguard` binary and check exact output and exit status.

mod bad_input;
mod check;
mod contrib;
mod dnsserver;
mod generate;
mod interop;
mod live;
mod man;
mod monitoring;
mod renew;
mod tlsserver;
mod util;
mod zone;
