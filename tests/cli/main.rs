//! Integration tests: run the built `daneguard` binary and check exact output and exit status.

mod bad_input;
mod check;
mod corpus;
mod dnsserver;
mod generate;
mod input_forms;
mod interop;
mod key_forms;
mod live;
mod man;
mod names;
mod pipes;
mod renew;
mod tlsserver;
mod util;
mod zone;
