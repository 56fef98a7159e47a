//! `daneguard::input::material::parse`: PEM/DER certificates, keys and CSRs from a file.
//! Properties: no panic; certificate text fields escape to clean text; every record
//! daneguard can compute from the material round-trips through its text forms.
#![no_main]

use daneguard::input::material::{self, Material};
use daneguard::sanitize::escape;
use daneguard::tlsa::{Params, Tlsa};
use daneguard_fuzz::{assert_clean, assert_tlsa_round_trips};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = material::parse(data) else {
        return;
    };
    for note in &parsed.notes {
        assert_clean("note", note);
    }
    match &parsed.material {
        Material::Chain(certs) => {
            assert!(!certs.is_empty() && certs.len() <= material::MAX_CHAIN_LEN);
            for c in certs {
                assert_clean("subject", &escape(&c.subject));
                assert_clean("issuer", &escape(&c.issuer));
                for n in c.dns_names.iter().chain(&c.common_names) {
                    assert_clean("name", &escape(n));
                }
                let _ = c.key.to_string();
                for p in [
                    Params::new(3, 0, 0),
                    Params::new(3, 1, 1),
                    Params::new(2, 0, 2),
                ] {
                    let t = Tlsa::compute(p, Some(&c.der), &c.spki).expect("computable");
                    assert!(t.matches(Some(&c.der), &c.spki));
                    assert_tlsa_round_trips(&t);
                }
            }
            let norm = daneguard::chain::normalize(certs);
            assert!(norm.certs.len() <= certs.len());
        }
        Material::Key(k) => {
            assert_clean("key origin", &escape(&k.origin.describe()));
            let t = Tlsa::compute(Params::new(3, 1, 1), None, &k.spki).expect("computable");
            assert_tlsa_round_trips(&t);
        }
    }
});
