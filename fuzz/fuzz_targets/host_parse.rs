//! `daneguard::owner::Host::parse` (`--host`, certificate names, MX targets).
//! Properties: no panic; an accepted name is lower-case ASCII of at most 253
//! characters and parses again to the same value; its TLSA owner name is absolute.
#![no_main]

use daneguard::owner::{Host, Proto};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(host) = Host::parse(text) else {
        return;
    };
    let s = host.as_str();
    assert!(s.is_ascii() && s.len() <= 253 && !s.ends_with('.'), "{s:?}");
    assert_eq!(s, s.to_ascii_lowercase());
    assert_eq!(Host::parse(s).as_ref(), Ok(&host), "re-parse of {s:?}");
    assert_eq!(Host::parse(&format!("{s}.")).as_ref(), Ok(&host));
    let owner = host.tlsa_owner(25, Proto::Tcp);
    assert!(owner.starts_with("_25._tcp.") && owner.ends_with('.') && !owner.ends_with(".."));
});
