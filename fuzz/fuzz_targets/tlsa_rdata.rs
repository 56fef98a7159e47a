//! `daneguard::tlsa::parse_rdata` on TLSA presentation text.
//! Properties: no panic; a parsed record's Display parses back to the same record, and
//! its RFC 3597 generic form decodes to the same wire bytes.
#![no_main]

use daneguard::tlsa;
use daneguard_fuzz::assert_tlsa_round_trips;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = tlsa::parse_rdata(text) {
        assert!(!t.data.is_empty());
        assert_tlsa_round_trips(&t);
        let _ = t.malformed();
        let _ = t.params.names();
    }
});
