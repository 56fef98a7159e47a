//! TSIG key files (RFC 8945): BIND's `key "NAME" { algorithm …; secret "…"; };` as
//! tsig-keygen writes it, and Knot's `key:` list as `keymgr -t` writes it. The secret
//! never appears in an error or in `Debug` output.

use std::fmt;

use zeroize::Zeroizing;

/// HMAC algorithms hickory can sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    HmacSha256,
    HmacSha384,
    HmacSha512,
}

impl Algorithm {
    fn parse(text: &str) -> Result<Algorithm, KeyError> {
        match text.to_ascii_lowercase().trim_end_matches('.') {
            "hmac-sha256" => Ok(Algorithm::HmacSha256),
            "hmac-sha384" => Ok(Algorithm::HmacSha384),
            "hmac-sha512" => Ok(Algorithm::HmacSha512),
            other => Err(KeyError::Algorithm(
                crate::sanitize::escape(other).into_owned(),
            )),
        }
    }

    /// The name nsupdate and the TSIG record use.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha384 => "hmac-sha384",
            Algorithm::HmacSha512 => "hmac-sha512",
        }
    }
}

/// Which syntax a key file used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `key "NAME" { … };`: what `nsupdate -k` reads too.
    Bind,
    /// Knot's `key:` list.
    Knot,
}

/// One TSIG key.
pub struct TsigKey {
    /// The key's name as the server knows it.
    pub name: String,
    pub algorithm: Algorithm,
    pub format: Format,
    secret: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for TsigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TsigKey")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl TsigKey {
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The secret in base64, for an nsupdate `key` line the user asked for.
    pub fn secret_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(data_encoding::BASE64.encode(&self.secret))
    }
}

/// Why a key file cannot be used; the caller adds the file name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "is not a TSIG key file (expected BIND's key \"NAME\" {{ algorithm hmac-sha256; secret \"…\"; }}; or Knot's key: list from keymgr -t)"
    )]
    Unrecognised,
    #[error("holds {0} keys; give a file with exactly one")]
    Count(usize),
    #[error("line {0}: {1}")]
    Syntax(usize, String),
    #[error("the key has no {0}")]
    Missing(&'static str),
    #[error("algorithm '{0}' is not supported (use hmac-sha256, hmac-sha384 or hmac-sha512)")]
    Algorithm(String),
    #[error("the secret is not valid base64")]
    Secret,
    #[error("the key name '{0}' is not a domain name")]
    Name(String),
}

/// Parses a key file in either format.
pub fn parse(text: &str) -> Result<TsigKey, KeyError> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"));
    match first {
        Some("key:") => parse_knot(text),
        Some(l) if l.starts_with("key ") || l.starts_with("key\t") || l == "key" => {
            parse_bind(text)
        }
        _ => Err(KeyError::Unrecognised),
    }
}

/// Fields of one key as read, before checking.
#[derive(Default)]
struct Fields {
    name: Option<String>,
    algorithm: Option<String>,
    secret: Option<Zeroizing<String>>,
}

impl Fields {
    fn finish(self, format: Format) -> Result<TsigKey, KeyError> {
        let name = self.name.ok_or(KeyError::Missing("name"))?;
        if hickory_proto::rr::Name::from_ascii(&name).is_err() || name.is_empty() {
            return Err(KeyError::Name(crate::sanitize::escape(&name).into_owned()));
        }
        let algorithm = Algorithm::parse(&self.algorithm.ok_or(KeyError::Missing("algorithm"))?)?;
        let secret = self.secret.ok_or(KeyError::Missing("secret"))?;
        let bytes = data_encoding::BASE64
            .decode(secret.as_bytes())
            .map_err(|_| KeyError::Secret)?;
        if bytes.is_empty() {
            return Err(KeyError::Secret);
        }
        Ok(TsigKey {
            name,
            algorithm,
            format,
            secret: Zeroizing::new(bytes),
        })
    }
}

/// Knot: `key:` then `- id:`, `algorithm:`, `secret:` entries (a YAML subset).
fn parse_knot(text: &str) -> Result<TsigKey, KeyError> {
    let mut keys: Vec<Fields> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split_once('#').map_or(raw, |(l, _)| l).trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with([' ', '\t', '-']) {
            if line != "key:" {
                return Err(KeyError::Syntax(
                    n + 1,
                    "only a key: section is expected".into(),
                ));
            }
            continue;
        }
        let mut item = line.trim_start();
        if let Some(rest) = item.strip_prefix('-') {
            keys.push(Fields::default());
            item = rest.trim_start();
        }
        let (Some(key), Some((field, value))) = (keys.last_mut(), item.split_once(':')) else {
            return Err(KeyError::Syntax(
                n + 1,
                "expected '- id: NAME' first".into(),
            ));
        };
        let value = value.trim().trim_matches('"').to_string();
        match field.trim() {
            "id" => key.name = Some(value),
            "algorithm" => key.algorithm = Some(value),
            "secret" => key.secret = Some(Zeroizing::new(value)),
            other => {
                return Err(KeyError::Syntax(
                    n + 1,
                    format!("unknown key field '{}'", crate::sanitize::escape(other)),
                ));
            }
        }
    }
    one(keys, Format::Knot)
}

fn one(mut keys: Vec<Fields>, format: Format) -> Result<TsigKey, KeyError> {
    match keys.len() {
        1 => keys.remove(0).finish(format),
        n => Err(KeyError::Count(n)),
    }
}

/// BIND: `key "NAME" { algorithm ALG; secret "BASE64"; };`, comments in `#`, `//`
/// and `/* */` form.
fn parse_bind(text: &str) -> Result<TsigKey, KeyError> {
    let tokens = bind_tokens(text)?;
    let mut keys = Vec::new();
    let mut rest = tokens.as_slice();
    while !rest.is_empty() {
        let (fields, after) = bind_key(rest)?;
        keys.push(fields);
        rest = after;
    }
    one(keys, Format::Bind)
}

/// A token and the line it starts on.
type Token = (usize, Zeroizing<String>);

fn bind_key(tokens: &[Token]) -> Result<(Fields, &[Token]), KeyError> {
    let word = |i: usize| tokens.get(i).map(|(_, t)| t.as_str());
    let line = |i: usize| tokens.get(i).or(tokens.last()).map_or(1, |(l, _)| *l);
    if word(0) != Some("key") || word(2) != Some("{") {
        return Err(KeyError::Syntax(line(0), "expected key \"NAME\" {".into()));
    }
    let mut fields = Fields {
        name: word(1).map(str::to_string),
        ..Fields::default()
    };
    let mut i = 3;
    while word(i) != Some("}") {
        let (Some(field), Some(value), Some(";")) = (word(i), word(i + 1), word(i + 2)) else {
            return Err(KeyError::Syntax(
                line(i),
                "expected 'algorithm NAME;' or 'secret \"…\";'".into(),
            ));
        };
        match field {
            "algorithm" => fields.algorithm = Some(value.to_string()),
            "secret" => fields.secret = Some(Zeroizing::new(value.to_string())),
            _ => {
                return Err(KeyError::Syntax(
                    line(i),
                    format!("unknown key statement '{}'", crate::sanitize::escape(field)),
                ));
            }
        }
        i += 3;
    }
    if word(i + 1) != Some(";") {
        return Err(KeyError::Syntax(
            line(i),
            "expected '};' after the key".into(),
        ));
    }
    Ok((fields, &tokens[i + 2..]))
}

/// Words, quoted strings (quotes removed), `{`, `}` and `;`, without comments.
fn bind_tokens(text: &str) -> Result<Vec<Token>, KeyError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '#' => skip_line(&mut chars, &mut line),
            '/' if chars.peek() == Some(&'/') => skip_line(&mut chars, &mut line),
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                loop {
                    match chars.next() {
                        None => return Err(KeyError::Syntax(line, "unclosed /* comment".into())),
                        Some('/') if last == '*' => break,
                        Some(c) => {
                            line += usize::from(c == '\n');
                            last = c;
                        }
                    }
                }
            }
            '{' | '}' | ';' => tokens.push((line, Zeroizing::new(c.to_string()))),
            '"' => {
                let mut s = Zeroizing::new(String::new());
                loop {
                    match chars.next() {
                        None | Some('\n') => {
                            return Err(KeyError::Syntax(line, "unclosed quote".into()));
                        }
                        Some('"') => break,
                        Some(c) => s.push(c),
                    }
                }
                tokens.push((line, s));
            }
            c => {
                let mut s = Zeroizing::new(c.to_string());
                while let Some(&n) = chars.peek() {
                    if n.is_whitespace() || matches!(n, '{' | '}' | ';' | '"') {
                        break;
                    }
                    s.push(n);
                    chars.next();
                }
                tokens.push((line, s));
            }
        }
    }
    Ok(tokens)
}

fn skip_line(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, line: &mut usize) {
    for c in chars.by_ref() {
        if c == '\n' {
            *line += 1;
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "MRuuQoNIDitPB1MHLeUuCLfG7MWtu9wB/r5P52DKUM4=";

    #[test]
    fn knot_keymgr_output_is_read() {
        let text = format!(
            "# hmac-sha256:dg-test:{SECRET}\nkey:\n  - id: dg-test\n    algorithm: hmac-sha256\n    secret: {SECRET}\n"
        );
        let k = parse(&text).unwrap();
        assert_eq!(k.name, "dg-test");
        assert_eq!(k.algorithm, Algorithm::HmacSha256);
        assert_eq!(k.format, Format::Knot);
        assert_eq!(k.secret().len(), 32);
        assert_eq!(k.secret_base64().as_str(), SECRET);
    }

    #[test]
    fn bind_tsig_keygen_output_is_read() {
        let text = format!(
            "// made by hand\nkey \"update.example.\" {{\n\talgorithm hmac-sha512;\n\tsecret \"{SECRET}\"; /* the secret */\n}};\n"
        );
        let k = parse(&text).unwrap();
        assert_eq!(k.name, "update.example.");
        assert_eq!(k.algorithm, Algorithm::HmacSha512);
        assert_eq!(k.format, Format::Bind);
        assert_eq!(k.secret().len(), 32);
    }

    #[test]
    fn errors_never_hold_the_secret() {
        let cases = [
            format!("key \"k\" {{ algorithm hmac-md5; secret \"{SECRET}\"; }};"),
            format!("key \"k\" {{ secret \"{SECRET}\"; }};"),
            format!("key \"k\" {{ algorithm hmac-sha256; secret \"{SECRET}\" }};"),
            format!("key \"k\" {{ algorithm hmac-sha256; secret \"{SECRET}!\"; }};"),
            format!("key:\n  - id: a\n    secret: {SECRET}\n  - id: b\n    secret: {SECRET}\n"),
            format!("key:\n  - id: a\n    secret: {SECRET}\n    extra: {SECRET}\n"),
            format!("{SECRET}\n"),
            format!("key \"k\" {{ algorithm hmac-sha256; secret \"{SECRET}"),
        ];
        for text in &cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(!e.contains("MRuu"), "{e}");
        }
        assert_eq!(
            parse(&cases[0]).unwrap_err(),
            KeyError::Algorithm("hmac-md5".into())
        );
        assert_eq!(
            parse(&cases[1]).unwrap_err(),
            KeyError::Missing("algorithm")
        );
        assert_eq!(parse(&cases[3]).unwrap_err(), KeyError::Secret);
        assert_eq!(parse(&cases[4]).unwrap_err(), KeyError::Count(2));
        assert_eq!(parse(&cases[6]).unwrap_err(), KeyError::Unrecognised);
        let k = parse(&format!(
            "key \"k\" {{ algorithm hmac-sha256; secret \"{SECRET}\"; }};"
        ))
        .unwrap();
        assert!(!format!("{k:?}").contains("MRuu"));
    }
}
