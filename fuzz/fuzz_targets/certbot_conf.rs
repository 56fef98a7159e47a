//! `daneguard::input::certbot::parse_renewal_conf` on certbot's `renewal/NAME.conf`.
//! Properties: no panic; a key_type that is accepted is rsa or ecdsa.
#![no_main]

use daneguard::input::certbot;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(conf) = certbot::parse_renewal_conf(text)
        && let Some(t) = &conf.key_type
    {
        assert!(t == "rsa" || t == "ecdsa", "key_type {t:?}");
    }
});
