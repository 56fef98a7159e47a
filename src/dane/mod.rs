//! The DANE rules: pure functions from lookups, published records and certificate
//! chains to findings. No I/O, no clock reads, no rendering; every command calls these.

pub mod live;
pub mod recordset;
pub mod renewal;
pub mod sanity;
pub mod verdict;
pub mod zone;
