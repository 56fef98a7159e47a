//! One module per subcommand, each with one `execute`.

pub mod certbot_hook;
pub mod check;
pub mod completions;
pub mod generate;
pub mod renew;
pub mod zone;

/// The values in first-seen order, without repeats.
pub fn unique<T: PartialEq + Clone>(values: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}
