//! `daneguard::input::letsencrypt::Hierarchy::from_files` (`--ca-certs DIR`).
//! Input: `status.txt` text, then each PEM file, separated by NUL bytes.
//! Properties: no panic; an accepted hierarchy has issuers, and lookups on it work.
#![no_main]

use daneguard::input::letsencrypt::Hierarchy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let status = parts.next().and_then(|s| std::str::from_utf8(s).ok());
    let files: Vec<(String, Vec<u8>)> = parts
        .take(8)
        .enumerate()
        .map(|(i, p)| (format!("{i}.pem"), p.to_vec()))
        .collect();
    let Ok(h) = Hierarchy::from_files(&files, status, "fuzz".to_string()) else {
        return;
    };
    assert!(!h.issuers.is_empty());
    for family in ["rsa", "ecdsa", "eddsa", "other"] {
        for i in h.candidates(family) {
            assert!(i.sent().count() >= 1);
            let chain: Vec<_> = i.sent().cloned().collect();
            let _ = h.issuer_of(&chain);
        }
    }
});
