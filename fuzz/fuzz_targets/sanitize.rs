//! `daneguard::sanitize::escape` and `escape_bytes`.
//! Properties: no panic; the output never holds a control or bidi character; `escape`
//! is reversible (so the escaping cannot be forged); `escape_bytes` agrees with
//! `escape` on valid UTF-8.
#![no_main]

use daneguard::sanitize::{escape, escape_bytes};
use daneguard_fuzz::{assert_clean, unescape};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = escape_bytes(data);
    assert_clean("escape_bytes", &bytes);
    if let Ok(text) = std::str::from_utf8(data) {
        let escaped = escape(text);
        assert_clean("escape", &escaped);
        assert_eq!(
            unescape(&escaped).as_deref(),
            Some(text),
            "escape is not reversible"
        );
        assert_eq!(bytes, escaped, "escape_bytes differs from escape on UTF-8");
    }
});
