//! Staged deployment (issue 10): the state directory, crash-safe replacement of the file
//! a mail server reads, and the decision whether a staged certificate may go live.

pub mod bundle;
pub mod decide;
pub mod files;
pub mod nextkey;
pub mod state;
