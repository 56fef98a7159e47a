//! What `check --live` reads from a server before TLS: SMTP reply lines
//! (`daneguard::live::starttls::smtp_line`), EHLO keyword lists and IMAP capability
//! lines. Properties: no panic; a parsed SMTP line's code has three digits and its
//! text is a suffix of the line.
#![no_main]

use daneguard::live::starttls::{SmtpReply, ehlo_offers_starttls, imap_offers_starttls, smtp_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let _ = imap_offers_starttls(line);
        if let Ok((code, _last, rest)) = smtp_line(line) {
            assert!((100..1000).contains(&code) || line.starts_with("0"), "{line:?}");
            assert!(line.ends_with(rest));
            lines.push(rest.to_string());
        }
    }
    let _ = ehlo_offers_starttls(&SmtpReply { code: 250, lines });
});
