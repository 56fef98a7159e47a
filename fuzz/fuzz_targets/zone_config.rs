//! The configuration file (`zone --config`, `stage`, `deploy`, `check --config`) through
//! `daneguard::input::config::parse`, then every `[hosts]` key the way `zone` reads it
//! (`HOST` or `HOST:PORT`, `Host::parse`).
//! Properties: no panic.
#![no_main]

use daneguard::owner::Host;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = daneguard::input::config::parse(text, std::path::Path::new("")) else {
        return;
    };
    for (key, _chain) in config.host_chains {
        let host = match key.rsplit_once(':') {
            Some((h, port)) if port.parse::<u16>().is_ok() => h,
            Some(_) => continue,
            None => key.as_str(),
        };
        if let Ok(h) = Host::parse(host) {
            let _ = h.tlsa_owner(25, daneguard::owner::Proto::Tcp);
        }
    }
});
