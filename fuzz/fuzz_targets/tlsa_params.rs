//! `daneguard::tlsa::parse_params_list` (the `--records` option).
//! Properties: no panic; no duplicates in the result; each entry's numeric form and
//! RFC 7218 names (`Params::names`) parse back to the same parameters.
#![no_main]

use daneguard::tlsa;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(list) = tlsa::parse_params_list(text) else {
        return;
    };
    assert!(!list.is_empty());
    for (i, p) in list.iter().enumerate() {
        assert!(!list[..i].contains(p), "duplicate {p} in {list:?}");
        assert_eq!(tlsa::parse_params(&p.to_string()), Ok(*p));
        assert_eq!(
            tlsa::parse_params(&p.names()),
            Ok(*p),
            "names {}",
            p.names()
        );
        let _ = p.computable();
    }
    let joined: Vec<String> = list.iter().map(|p| p.names()).collect();
    assert_eq!(tlsa::parse_params_list(&joined.join(", ")), Ok(list));
});
