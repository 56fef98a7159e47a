//! One module per subcommand, each with one `execute`.

pub mod check;
pub mod completions;
pub mod generate;
