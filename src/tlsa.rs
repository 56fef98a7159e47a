//! The TLSA record model (RFC 6698 §2, RFC 7218 acronyms): parameters that keep unknown
//! values, association data, computing data from a certificate, and the text forms.

use std::fmt;

use sha2::{Digest, Sha256, Sha512};

/// Certificate usage field (RFC 6698 §2.1.1, names from RFC 7218 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Usage(pub u8);

impl Usage {
    pub const PKIX_TA: Usage = Usage(0);
    pub const PKIX_EE: Usage = Usage(1);
    pub const DANE_TA: Usage = Usage(2);
    pub const DANE_EE: Usage = Usage(3);
    pub const PRIV_CERT: Usage = Usage(255);

    /// The RFC 7218 acronym, if the value is assigned.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "PKIX-TA",
            1 => "PKIX-EE",
            2 => "DANE-TA",
            3 => "DANE-EE",
            255 => "PrivCert",
            _ => return None,
        })
    }

    /// Whether the record constrains a trust anchor (CA) rather than the end entity.
    pub fn is_ta(self) -> bool {
        matches!(self.0, 0 | 2)
    }

    /// Usages 0 and 1 rely on the web PKI, which SMTP DANE ignores (RFC 7672 §3.1.3).
    pub fn is_pkix(self) -> bool {
        matches!(self.0, 0 | 1)
    }
}

/// Selector field (RFC 6698 §2.1.2, RFC 7218 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector(pub u8);

impl Selector {
    pub const CERT: Selector = Selector(0);
    pub const SPKI: Selector = Selector(1);

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "Cert",
            1 => "SPKI",
            255 => "PrivSel",
            _ => return None,
        })
    }
}

/// Matching type field (RFC 6698 §2.1.3, RFC 7218 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Matching(pub u8);

impl Matching {
    pub const FULL: Matching = Matching(0);
    pub const SHA2_256: Matching = Matching(1);
    pub const SHA2_512: Matching = Matching(2);

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "Full",
            1 => "SHA2-256",
            2 => "SHA2-512",
            255 => "PrivMatch",
            _ => return None,
        })
    }

    /// The exact data length this matching type requires, if it fixes one.
    pub fn digest_len(self) -> Option<usize> {
        match self.0 {
            1 => Some(32),
            2 => Some(64),
            _ => None,
        }
    }
}

/// The three parameter fields of a TLSA record, e.g. `3 1 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Params {
    pub usage: Usage,
    pub selector: Selector,
    pub matching: Matching,
}

impl Params {
    pub const fn new(usage: u8, selector: u8, matching: u8) -> Params {
        Params {
            usage: Usage(usage),
            selector: Selector(selector),
            matching: Matching(matching),
        }
    }

    /// RFC 7218 form, e.g. `DANE-EE SPKI SHA2-256`; unknown values stay numeric.
    pub fn names(&self) -> String {
        fn or_num(name: Option<&str>, n: u8) -> String {
            name.map_or_else(|| n.to_string(), str::to_string)
        }
        format!(
            "{} {} {}",
            or_num(self.usage.name(), self.usage.0),
            or_num(self.selector.name(), self.selector.0),
            or_num(self.matching.name(), self.matching.0)
        )
    }

    /// Whether daneguard can compute association data for these parameters.
    pub fn computable(&self) -> Result<(), ParamsError> {
        if self.usage.0 > 3 {
            return Err(ParamsError::Usage(self.usage.0));
        }
        if self.selector.0 > 1 {
            return Err(ParamsError::Selector(self.selector.0));
        }
        if self.matching.0 > 2 {
            return Err(ParamsError::Matching(self.matching.0));
        }
        Ok(())
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.usage.0, self.selector.0, self.matching.0
        )
    }
}

/// One TLSA record's RDATA.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tlsa {
    pub params: Params,
    pub data: Vec<u8>,
}

impl Tlsa {
    /// Computes the record for a certificate (DER) and its SubjectPublicKeyInfo (DER).
    /// `cert_der` is `None` for a bare key, which only supports selector 1.
    pub fn compute(params: Params, cert_der: Option<&[u8]>, spki_der: &[u8]) -> Option<Tlsa> {
        let selected = match params.selector {
            Selector::CERT => cert_der?,
            Selector::SPKI => spki_der,
            _ => return None,
        };
        Some(Tlsa {
            params,
            data: digest(params.matching, selected)?,
        })
    }

    /// Whether the record's only defect is a digest of the wrong length (a syntax error
    /// in a zone file, unusable on the wire).
    pub fn wrong_length_only(&self) -> bool {
        let p = self.params;
        p.usage.0 <= 3
            && p.selector.0 <= 1
            && p.matching
                .digest_len()
                .is_some_and(|l| self.data.len() != l)
    }

    /// Why this record can never match anything, if it cannot (RFC 6698 §2.1,
    /// RFC 7671 §4: unknown parameters and wrong-length digests are unusable).
    pub fn malformed(&self) -> Option<String> {
        let p = self.params;
        if p.usage.0 > 3 {
            return Some(format!("unknown certificate usage {}", p.usage.0));
        }
        if p.selector.0 > 1 {
            return Some(format!("unknown selector {}", p.selector.0));
        }
        if p.matching.0 > 2 {
            return Some(format!("unknown matching type {}", p.matching.0));
        }
        if let Some(len) = p.matching.digest_len()
            && self.data.len() != len
        {
            return Some(format!(
                "{} data must be {len} bytes, not {}",
                p.matching.name().unwrap_or("digest"),
                self.data.len()
            ));
        }
        if self.data.is_empty() {
            return Some("association data is empty".to_string());
        }
        None
    }

    /// Whether this record matches the given certificate/SPKI.
    pub fn matches(&self, cert_der: Option<&[u8]>, spki_der: &[u8]) -> bool {
        self.malformed().is_none()
            && Tlsa::compute(self.params, cert_der, spki_der).is_some_and(|t| t.data == self.data)
    }

    /// Lowercase hex of the association data.
    pub fn data_hex(&self) -> String {
        hex::encode(&self.data)
    }

    /// RFC 3597 generic RDATA: `\# LEN HEX` of the whole wire-format RDATA.
    pub fn generic_rdata(&self) -> String {
        let mut wire = Vec::with_capacity(3 + self.data.len());
        wire.extend([
            self.params.usage.0,
            self.params.selector.0,
            self.params.matching.0,
        ]);
        wire.extend(&self.data);
        format!("\\# {} {}", wire.len(), hex::encode(wire))
    }
}

impl fmt::Display for Tlsa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.params, self.data_hex())
    }
}

fn digest(matching: Matching, bytes: &[u8]) -> Option<Vec<u8>> {
    match matching {
        Matching::FULL => Some(bytes.to_vec()),
        Matching::SHA2_256 => Some(Sha256::digest(bytes).to_vec()),
        Matching::SHA2_512 => Some(Sha512::digest(bytes).to_vec()),
        _ => None,
    }
}

/// Why a parameter list (`3 1 1`, `--records`) is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error(
        "'{0}' is not three fields (usage selector matching), e.g. '3 1 1' or 'DANE-EE SPKI SHA2-256'"
    )]
    NotThree(String),
    #[error("'{token}' is not a {what}: use 0-255 or one of {names}")]
    Field {
        token: String,
        what: &'static str,
        names: String,
    },
    #[error("the record list is empty")]
    EmptyList,
    #[error("usage {0} is not one of 0-3")]
    Usage(u8),
    #[error("selector {0} is not 0 (Cert) or 1 (SPKI)")]
    Selector(u8),
    #[error("matching type {0} is not 0 (Full), 1 (SHA2-256) or 2 (SHA2-512)")]
    Matching(u8),
}

/// Why TLSA presentation RDATA is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RdataError {
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("{what} '{token}' is not a number from 0 to 255")]
    Number { what: &'static str, token: String },
    #[error("association data has an odd number of hex digits ({0})")]
    OddHex(usize),
    #[error("association data is not hexadecimal")]
    NotHex,
}

/// Parses one parameter list such as `3 1 1` or `DANE-EE SPKI SHA2-256` (names are
/// case-insensitive; numbers and names may be mixed).
pub fn parse_params(text: &str) -> Result<Params, ParamsError> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let [u, s, m] = fields.as_slice() else {
        return Err(ParamsError::NotThree(text.to_string()));
    };
    Ok(Params {
        usage: Usage(field(
            u,
            "usage",
            &["PKIX-TA", "PKIX-EE", "DANE-TA", "DANE-EE"],
            "PrivCert",
        )?),
        selector: Selector(field(s, "selector", &["Cert", "SPKI"], "PrivSel")?),
        matching: Matching(field(
            m,
            "matching type",
            &["Full", "SHA2-256", "SHA2-512"],
            "PrivMatch",
        )?),
    })
}

/// Parses a comma-separated list of parameter sets, e.g. `3 1 1, 2 1 1`.
pub fn parse_params_list(text: &str) -> Result<Vec<Params>, ParamsError> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let p = parse_params(part)?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    if out.is_empty() {
        return Err(ParamsError::EmptyList);
    }
    Ok(out)
}

fn field(
    token: &str,
    what: &'static str,
    names: &[&str],
    private: &str,
) -> Result<u8, ParamsError> {
    if let Ok(n) = token.parse::<u8>() {
        return Ok(n);
    }
    if token.eq_ignore_ascii_case(private) {
        return Ok(255);
    }
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(token))
        .map(|i| i as u8)
        .ok_or_else(|| ParamsError::Field {
            token: token.to_string(),
            what,
            names: names.join(", "),
        })
}

/// Parses TLSA presentation RDATA: `USAGE SELECTOR MATCHING HEX…` where the hex may be
/// split by white space (RFC 6698 §2.2).
pub fn parse_rdata(text: &str) -> Result<Tlsa, RdataError> {
    let mut fields = text.split_whitespace();
    let mut number = |what: &'static str| -> Result<u8, RdataError> {
        let f = fields.next().ok_or(RdataError::Missing(what))?;
        f.parse::<u8>().map_err(|_| RdataError::Number {
            what,
            token: f.to_string(),
        })
    };
    let params = Params::new(
        number("usage")?,
        number("selector")?,
        number("matching type")?,
    );
    let hex_text: String = fields.collect();
    if hex_text.is_empty() {
        return Err(RdataError::Missing("association data"));
    }
    if hex_text.len() % 2 == 1 {
        return Err(RdataError::OddHex(hex_text.len()));
    }
    let data = hex::decode(&hex_text).map_err(|_| RdataError::NotHex)?;
    Ok(Tlsa { params, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_parse_alike() {
        assert_eq!(parse_params("3 1 1").unwrap(), Params::new(3, 1, 1));
        assert_eq!(
            parse_params("DANE-EE SPKI SHA2-256").unwrap(),
            Params::new(3, 1, 1)
        );
        assert_eq!(
            parse_params("dane-ta cert sha2-512").unwrap(),
            Params::new(2, 0, 2)
        );
        assert_eq!(
            parse_params("PKIX-TA 1 Full").unwrap(),
            Params::new(0, 1, 0)
        );
        assert_eq!(
            parse_params("PrivCert PrivSel PrivMatch").unwrap(),
            Params::new(255, 255, 255)
        );
    }

    #[test]
    fn boundary_values_parse() {
        assert_eq!(parse_params("0 0 0").unwrap(), Params::new(0, 0, 0));
        assert_eq!(
            parse_params("255 255 255").unwrap(),
            Params::new(255, 255, 255)
        );
        assert!(parse_params("256 1 1").is_err());
        assert!(parse_params("3 1").is_err());
        assert!(parse_params("3 1 1 1").is_err());
        assert!(parse_params("DANE-XX 1 1").is_err());
    }

    #[test]
    fn list_parsing_dedups_and_rejects_empty() {
        assert_eq!(
            parse_params_list("3 1 1, 2 1 1,3 1 1").unwrap(),
            vec![Params::new(3, 1, 1), Params::new(2, 1, 1)]
        );
        assert!(parse_params_list(" , ").is_err());
    }

    #[test]
    fn names_fall_back_to_numbers() {
        assert_eq!(Params::new(3, 1, 1).names(), "DANE-EE SPKI SHA2-256");
        assert_eq!(Params::new(4, 1, 7).names(), "4 SPKI 7");
    }

    #[test]
    fn digests_have_fixed_lengths() {
        let t = Tlsa::compute(Params::new(3, 1, 1), None, b"key").unwrap();
        assert_eq!(t.data.len(), 32);
        let t = Tlsa::compute(Params::new(3, 1, 2), None, b"key").unwrap();
        assert_eq!(t.data.len(), 64);
        let t = Tlsa::compute(Params::new(3, 1, 0), None, b"key").unwrap();
        assert_eq!(t.data, b"key");
        assert!(Tlsa::compute(Params::new(3, 0, 1), None, b"key").is_none());
    }

    /// SHA-256("abc") from FIPS 180-2 appendix B.1.
    #[test]
    fn sha256_matches_fips_vector() {
        let t = Tlsa::compute(Params::new(3, 1, 1), None, b"abc").unwrap();
        assert_eq!(
            t.data_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn malformed_records_are_named() {
        let ok = Tlsa {
            params: Params::new(3, 1, 1),
            data: vec![0; 32],
        };
        assert!(ok.malformed().is_none());
        let short = Tlsa {
            params: Params::new(3, 1, 1),
            data: vec![0; 31],
        };
        assert!(short.malformed().unwrap().contains("32 bytes"));
        let long = Tlsa {
            params: Params::new(2, 1, 2),
            data: vec![0; 32],
        };
        assert!(long.malformed().unwrap().contains("64 bytes"));
        let usage = Tlsa {
            params: Params::new(4, 1, 1),
            data: vec![0; 32],
        };
        assert!(usage.malformed().unwrap().contains("usage 4"));
        let priv_use = Tlsa {
            params: Params::new(255, 1, 1),
            data: vec![0; 32],
        };
        assert!(priv_use.malformed().is_some());
        assert!(!short.matches(None, b""));
    }

    #[test]
    fn rdata_parses_split_hex_and_rejects_bad_hex() {
        let t = parse_rdata("3 1 1 ab CD\tef").unwrap();
        assert_eq!(t.data, vec![0xab, 0xcd, 0xef]);
        assert_eq!(t.to_string(), "3 1 1 abcdef");
        assert_eq!(parse_rdata("3 1 1 abc"), Err(RdataError::OddHex(3)));
        assert_eq!(parse_rdata("3 1 1 zz"), Err(RdataError::NotHex));
        assert_eq!(
            parse_rdata("3 1 1"),
            Err(RdataError::Missing("association data"))
        );
        assert!(parse_rdata("3 x 1 00").is_err());
    }

    #[test]
    fn generic_form_covers_the_whole_rdata() {
        let t = Tlsa {
            params: Params::new(3, 1, 1),
            data: vec![0xab, 0xcd],
        };
        assert_eq!(t.generic_rdata(), "\\# 5 030101abcd");
    }
}
