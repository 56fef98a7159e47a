//! The DANE rules: pure functions from lookups, published records and certificate
//! chains to findings. No I/O, no clock reads, no rendering; every command calls these.
//!
//! - [`gate`]: does DANE apply (DNSSEC status of the MX, address and TLSA lookups)?
//! - [`record`]: one record against one chain (usable? what does it match? does it count?)
//! - [`rrset`]: the whole RRset against one chain (digest agility, single record, stale)
//! - [`verdict`]: one host and port judged as a whole, and what senders do
//! - [`live`]: the chains servers present, per address
//! - [`allns`]: the TLSA RRset as every authoritative server serves it
//! - [`renewal`], [`zone`], [`recordset`], [`sanity`]: `renew-check`, `zone`, `generate`
//! - [`structure`]: the whole zone's shape as the name servers check it when loading
//! - [`report`]: a host's and a renewal's result as the renderers see it (pure data)

pub mod allns;
pub mod gate;
pub mod live;
pub mod record;
pub mod recordset;
pub mod renewal;
pub mod report;
pub mod rrset;
pub mod sanity;
pub mod structure;
pub mod verdict;
pub mod zone;
