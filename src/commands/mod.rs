//! One module per subcommand, each with one `execute`.

pub mod certbot_hook;
pub mod check;
pub mod completions;
pub mod generate;
pub mod renew;
pub mod zone;
