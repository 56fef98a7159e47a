//! STARTTLS dialogues (SMTP RFC 3207, IMAP RFC 3501 §6.2.1, POP3 RFC 2595 §4) with
//! bounded lines and replies. The reply parsers are pure, for tests and fuzzing.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Longest reply line accepted (RFC 5321 §4.5.3.1.5 allows 512 octets).
const MAX_LINE: usize = 2048;
/// Most lines in one multi-line reply.
const MAX_LINES: usize = 128;

/// Which plain-text protocol runs before the TLS handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Starttls {
    Smtp,
    Imap,
    Pop3,
    /// Implicit TLS: the handshake starts at once.
    None,
}

impl Starttls {
    /// The usual protocol for a port: SMTP on 25 and 587, IMAP on 143, POP3 on 110,
    /// implicit TLS elsewhere (465, 993, 995, 443, …).
    pub fn for_port(port: u16) -> Starttls {
        match port {
            25 | 587 => Starttls::Smtp,
            143 => Starttls::Imap,
            110 => Starttls::Pop3,
            _ => Starttls::None,
        }
    }
}

/// Why the plain-text part failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogueError {
    /// The server does not offer STARTTLS (or refused it).
    NotOffered(String),
    /// Anything else: garbage, early close, a time-out.
    Broken(String),
}

/// A parsed SMTP reply: the code and the text of each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpReply {
    pub code: u16,
    pub lines: Vec<String>,
}

/// Parses one line of an SMTP reply: `(code, is_last, text)` (RFC 5321 §4.2).
pub fn smtp_line(line: &str) -> Result<(u16, bool, &str), NotSmtp> {
    let bytes = line.as_bytes();
    let not_smtp = || NotSmtp(crate::sanitize::escape(&shorten(line)).into_owned());
    if bytes.len() < 3 || !bytes[..3].iter().all(u8::is_ascii_digit) {
        return Err(not_smtp());
    }
    let code: u16 = line[..3].parse().map_err(|_| not_smtp())?;
    match bytes.get(3) {
        None => Ok((code, true, "")),
        Some(b' ') => Ok((code, true, &line[4..])),
        Some(b'-') => Ok((code, false, &line[4..])),
        Some(_) => Err(not_smtp()),
    }
}

/// A line that is not an SMTP reply line (shortened and escaped).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an SMTP reply line: '{0}'")]
pub struct NotSmtp(pub String);

/// Whether an EHLO reply advertises STARTTLS.
pub fn ehlo_offers_starttls(reply: &SmtpReply) -> bool {
    reply.lines.iter().skip(1).any(|l| {
        l.split_whitespace()
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case("STARTTLS"))
    })
}

/// Whether an IMAP capability line lists STARTTLS.
pub fn imap_offers_starttls(line: &str) -> bool {
    line.split(|c: char| c.is_whitespace() || c == ']' || c == '[')
        .any(|w| w.eq_ignore_ascii_case("STARTTLS"))
}

fn shorten(line: &str) -> String {
    line.chars().take(80).collect()
}

/// Reads lines with a size limit and a time-out.
struct Lines {
    reader: BufReader<TcpStream>,
    step: Duration,
}

impl Lines {
    async fn line(&mut self) -> Result<String, DialogueError> {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(self.step, async {
            loop {
                let chunk = self.reader.fill_buf().await.map_err(|e| e.to_string())?;
                if chunk.is_empty() {
                    return Err("the server closed the connection".to_string());
                }
                let end = chunk.iter().position(|b| *b == b'\n');
                let take = end.map_or(chunk.len(), |i| i + 1);
                buf.extend_from_slice(&chunk[..take]);
                self.reader.consume(take);
                // the line without its CR LF, whether or not it is complete
                let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
                let body = body.strip_suffix(b"\r").unwrap_or(body);
                if body.len() > MAX_LINE {
                    return Err(format!("a reply line longer than {MAX_LINE} bytes"));
                }
                if end.is_some() {
                    return Ok(());
                }
            }
        })
        .await;
        match read {
            Err(_) => Err(DialogueError::Broken("no reply before the time-out".into())),
            Ok(Err(e)) => Err(DialogueError::Broken(e)),
            Ok(Ok(())) => {
                let text = String::from_utf8_lossy(&buf);
                Ok(text.trim_end_matches(['\r', '\n']).to_string())
            }
        }
    }

    async fn send(&mut self, command: &str) -> Result<(), DialogueError> {
        let bytes = format!("{command}\r\n");
        let write = self.reader.get_mut().write_all(bytes.as_bytes());
        match tokio::time::timeout(self.step, write).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(DialogueError::Broken(format!("cannot send {command}: {e}"))),
            Err(_) => Err(DialogueError::Broken(format!(
                "cannot send {command}: time-out"
            ))),
        }
    }

    async fn smtp_reply(&mut self) -> Result<SmtpReply, DialogueError> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await?;
            let (code, last, text) =
                smtp_line(&line).map_err(|e| DialogueError::Broken(e.to_string()))?;
            if lines.len() >= MAX_LINES {
                return Err(DialogueError::Broken(format!(
                    "a reply of more than {MAX_LINES} lines"
                )));
            }
            lines.push(text.to_string());
            if last {
                return Ok(SmtpReply { code, lines });
            }
        }
    }

    /// Hands back the stream; data the server sent ahead of the handshake is an error
    /// (it would be a STARTTLS command injection, CVE-2011-0411).
    fn into_stream(self) -> Result<TcpStream, DialogueError> {
        if !self.reader.buffer().is_empty() {
            return Err(DialogueError::Broken(
                "the server sent data before the TLS handshake".into(),
            ));
        }
        Ok(self.reader.into_inner())
    }
}

/// Runs the plain-text part and returns the stream ready for the TLS handshake.
pub async fn negotiate(
    stream: TcpStream,
    protocol: Starttls,
    step: Duration,
) -> Result<TcpStream, DialogueError> {
    let local = stream.local_addr().map(|a| a.ip()).ok();
    let mut lines = Lines {
        reader: BufReader::new(stream),
        step,
    };
    match protocol {
        Starttls::None => {}
        Starttls::Smtp => smtp(&mut lines, local).await?,
        Starttls::Imap => imap(&mut lines).await?,
        Starttls::Pop3 => pop3(&mut lines).await?,
    }
    lines.into_stream()
}

async fn smtp(lines: &mut Lines, local: Option<std::net::IpAddr>) -> Result<(), DialogueError> {
    let greeting = lines.smtp_reply().await?;
    if greeting.code != 220 {
        return Err(DialogueError::Broken(format!(
            "the server greeted with {} instead of 220",
            greeting.code
        )));
    }
    let me = match local {
        Some(std::net::IpAddr::V6(ip)) => format!("[IPv6:{ip}]"),
        Some(ip) => format!("[{ip}]"),
        None => "[127.0.0.1]".to_string(),
    };
    lines.send(&format!("EHLO {me}")).await?;
    let ehlo = lines.smtp_reply().await?;
    if ehlo.code != 250 {
        return Err(DialogueError::Broken(format!(
            "EHLO was answered with {}",
            ehlo.code
        )));
    }
    if !ehlo_offers_starttls(&ehlo) {
        return Err(DialogueError::NotOffered(
            "the EHLO reply does not offer STARTTLS".into(),
        ));
    }
    lines.send("STARTTLS").await?;
    let ready = lines.smtp_reply().await?;
    if ready.code != 220 {
        return Err(DialogueError::NotOffered(format!(
            "STARTTLS was refused with {}",
            ready.code
        )));
    }
    Ok(())
}

async fn imap(lines: &mut Lines) -> Result<(), DialogueError> {
    let greeting = lines.line().await?;
    if !greeting.starts_with("* OK") {
        return Err(DialogueError::Broken(
            "the server did not greet with * OK".into(),
        ));
    }
    let mut offered = imap_offers_starttls(&greeting);
    lines.send("a1 CAPABILITY").await?;
    for _ in 0..MAX_LINES {
        let line = lines.line().await?;
        offered |= line.starts_with("* CAPABILITY") && imap_offers_starttls(&line);
        if line.starts_with("a1 ") {
            break;
        }
    }
    if !offered {
        return Err(DialogueError::NotOffered(
            "the IMAP capabilities do not include STARTTLS".into(),
        ));
    }
    lines.send("a2 STARTTLS").await?;
    let reply = lines.line().await?;
    if !reply.starts_with("a2 OK") {
        return Err(DialogueError::NotOffered("STARTTLS was refused".into()));
    }
    Ok(())
}

async fn pop3(lines: &mut Lines) -> Result<(), DialogueError> {
    let greeting = lines.line().await?;
    if !greeting.starts_with("+OK") {
        return Err(DialogueError::Broken(
            "the server did not greet with +OK".into(),
        ));
    }
    lines.send("CAPA").await?;
    let first = lines.line().await?;
    let mut offered = false;
    if first.starts_with("+OK") {
        for _ in 0..MAX_LINES {
            let line = lines.line().await?;
            if line == "." {
                break;
            }
            offered |= line.trim().eq_ignore_ascii_case("STLS");
        }
    }
    if !offered {
        return Err(DialogueError::NotOffered(
            "the POP3 capabilities do not include STLS".into(),
        ));
    }
    lines.send("STLS").await?;
    if !lines.line().await?.starts_with("+OK") {
        return Err(DialogueError::NotOffered("STLS was refused".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_lines_parse() {
        assert_eq!(smtp_line("250-STARTTLS").unwrap(), (250, false, "STARTTLS"));
        assert_eq!(smtp_line("250 OK").unwrap(), (250, true, "OK"));
        assert_eq!(smtp_line("220").unwrap(), (220, true, ""));
        assert!(smtp_line("HTTP/1.1 400").is_err());
        assert!(smtp_line("25").is_err());
        assert!(smtp_line("250x").is_err());
    }

    #[test]
    fn starttls_is_found_in_ehlo_but_not_in_the_greeting_line() {
        let reply = SmtpReply {
            code: 250,
            lines: vec!["mx STARTTLS".into(), "PIPELINING".into(), "starttls".into()],
        };
        assert!(ehlo_offers_starttls(&reply));
        let reply = SmtpReply {
            code: 250,
            lines: vec!["mx says STARTTLS".into(), "SIZE 1000".into()],
        };
        assert!(!ehlo_offers_starttls(&reply));
    }

    #[test]
    fn imap_capabilities() {
        assert!(imap_offers_starttls(
            "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready"
        ));
        assert!(!imap_offers_starttls("* CAPABILITY IMAP4rev1 AUTH=PLAIN"));
    }

    #[test]
    fn ports_choose_protocols() {
        assert_eq!(Starttls::for_port(25), Starttls::Smtp);
        assert_eq!(Starttls::for_port(587), Starttls::Smtp);
        assert_eq!(Starttls::for_port(143), Starttls::Imap);
        assert_eq!(Starttls::for_port(110), Starttls::Pop3);
        assert_eq!(Starttls::for_port(465), Starttls::None);
        assert_eq!(Starttls::for_port(993), Starttls::None);
    }
}
