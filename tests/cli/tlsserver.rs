//! Test mail servers on 127.0.0.1 for `check --live`, written with tokio and rustls:
//! SMTP with STARTTLS, implicit TLS, a server with an ECDSA and an RSA certificate,
//! and misbehaving ones (no STARTTLS, a stall after the greeting, garbage).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::util::td;

/// How the server behaves before (and instead of) the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// SMTP: greeting, EHLO with STARTTLS, STARTTLS, handshake.
    Smtp,
    /// SMTP whose EHLO reply does not offer STARTTLS.
    SmtpNoStarttls,
    /// TLS at once (465, 993, …).
    Implicit,
    /// Greets, then says nothing more.
    Stall,
    /// Sends bytes that are no protocol at all.
    Garbage,
    /// Greets with one complete line of 2100 bytes (past daneguard's 2048).
    LongLine,
    /// Greets, then answers EHLO with a long reply, one line every 400 ms: every step
    /// is quick, the whole dialogue is not.
    Trickle,
    /// IMAP: greeting, CAPABILITY with STARTTLS, STARTTLS, handshake.
    Imap,
    /// POP3: greeting, CAPA with STLS, STLS, handshake.
    Pop3,
}

/// A running server; dropped, it stops.
pub struct TlsServer {
    pub addr: SocketAddr,
    /// SNI names received, in order.
    pub sni: Arc<std::sync::Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TlsServer {
    /// `--connect ADDR:PORT`.
    pub fn connect(&self) -> String {
        self.addr.to_string()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Loads `testdata/pki/NAME/{fullchain,privkey}.pem`.
fn certified(name: &str) -> Arc<CertifiedKey> {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(td(&format!("pki/{name}/fullchain.pem")))
            .expect("chain file")
            .collect::<Result<_, _>>()
            .expect("chain parses");
    let key =
        PrivateKeyDer::from_pem_file(td(&format!("pki/{name}/privkey.pem"))).expect("key parses");
    let signer = rustls::crypto::ring::sign::any_supported_type(&key).expect("supported key");
    Arc::new(CertifiedKey::new(chain, signer))
}

/// Serves the ECDSA certificate to clients that offer ECDSA schemes, else the RSA one.
#[derive(Debug)]
struct ByScheme {
    ecdsa: Option<Arc<CertifiedKey>>,
    rsa: Option<Arc<CertifiedKey>>,
    /// The SNI names clients sent.
    sni: Arc<std::sync::Mutex<Vec<String>>>,
}

impl ResolvesServerCert for ByScheme {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        use rustls::SignatureScheme as S;
        if let (Some(name), Ok(mut seen)) = (hello.server_name(), self.sni.lock()) {
            seen.push(name.to_string());
        }
        let wants_ecdsa = hello.signature_schemes().iter().any(|s| {
            matches!(
                s,
                S::ECDSA_NISTP256_SHA256
                    | S::ECDSA_NISTP384_SHA384
                    | S::ECDSA_NISTP521_SHA512
                    | S::ED25519
            )
        });
        if wants_ecdsa && self.ecdsa.is_some() {
            self.ecdsa.clone()
        } else {
            self.rsa.clone()
        }
    }
}

/// Starts a server in `mode` serving the named lineages (ECDSA first, RSA second).
pub fn start(mode: Mode, ecdsa: Option<&str>, rsa: Option<&str>) -> TlsServer {
    let sni = Arc::new(std::sync::Mutex::new(Vec::new()));
    let resolver = ByScheme {
        ecdsa: ecdsa.map(certified),
        rsa: rsa.map(certified),
        sni: Arc::clone(&sni),
    };
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_cert_resolver(Arc::new(resolver));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            addr_tx
                .send(listener.local_addr().expect("addr"))
                .expect("send");
            loop {
                tokio::select! {
                    _ = &mut stop_rx => break,
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            tokio::spawn(serve(stream, mode, acceptor.clone()));
                        }
                    }
                }
            }
        });
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("server starts");
    TlsServer {
        addr,
        sni,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

async fn serve(mut stream: TcpStream, mode: Mode, acceptor: tokio_rustls::TlsAcceptor) {
    let plain = match mode {
        Mode::Implicit => Some(stream),
        Mode::Garbage => {
            let _ = stream
                .write_all(b"\x00\x01\x02 this is not SMTP \xff\r\n")
                .await;
            None
        }
        Mode::LongLine => {
            let line = format!("220 {}\r\n", "x".repeat(2096));
            let _ = stream.write_all(line.as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
            None
        }
        Mode::Stall => {
            let _ = stream.write_all(b"220 stalling ESMTP\r\n").await;
            tokio::time::sleep(Duration::from_secs(60)).await;
            None
        }
        Mode::Trickle => {
            let _ = stream.write_all(b"220 trickle ESMTP\r\n").await;
            let mut buf = [0u8; 256];
            let _ = stream.read(&mut buf).await;
            for i in 0..128 {
                let line = format!("250-EXTENSION{i}\r\n");
                if stream.write_all(line.as_bytes()).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            None
        }
        Mode::Smtp | Mode::SmtpNoStarttls => smtp(stream, mode == Mode::Smtp).await,
        Mode::Imap => imap(stream).await,
        Mode::Pop3 => pop3(stream).await,
    };
    if let Some(s) = plain
        && let Ok(mut tls) = acceptor.accept(s).await
    {
        let mut buf = [0u8; 64];
        let _ = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await;
    }
}

/// IMAP up to `a2 OK Begin TLS` (RFC 3501 §6.2.1).
async fn imap(stream: TcpStream) -> Option<TcpStream> {
    let mut reader = BufReader::new(stream);
    reader
        .get_mut()
        .write_all(b"* OK test.invalid IMAP4rev1 ready\r\n")
        .await
        .ok()?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let (tag, command) = line.trim_end().split_once(' ')?;
        match command.to_ascii_uppercase().as_str() {
            "CAPABILITY" => {
                let reply =
                    format!("* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n{tag} OK done\r\n");
                reader.get_mut().write_all(reply.as_bytes()).await.ok()?;
            }
            "STARTTLS" => {
                reader
                    .get_mut()
                    .write_all(format!("{tag} OK Begin TLS\r\n").as_bytes())
                    .await
                    .ok()?;
                return Some(reader.into_inner());
            }
            _ => reader
                .get_mut()
                .write_all(format!("{tag} BAD no\r\n").as_bytes())
                .await
                .ok()?,
        }
    }
}

/// POP3 up to `+OK Begin TLS` (RFC 2595 §4).
async fn pop3(stream: TcpStream) -> Option<TcpStream> {
    let mut reader = BufReader::new(stream);
    reader
        .get_mut()
        .write_all(b"+OK test.invalid POP3 ready\r\n")
        .await
        .ok()?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        match line.trim_end().to_ascii_uppercase().as_str() {
            "CAPA" => reader
                .get_mut()
                .write_all(b"+OK list\r\nUSER\r\nSTLS\r\n.\r\n")
                .await
                .ok()?,
            "STLS" => {
                reader
                    .get_mut()
                    .write_all(b"+OK Begin TLS\r\n")
                    .await
                    .ok()?;
                return Some(reader.into_inner());
            }
            _ => reader.get_mut().write_all(b"-ERR no\r\n").await.ok()?,
        }
    }
}

/// The SMTP dialogue up to `220 ready`; the stream is returned for the handshake.
async fn smtp(stream: TcpStream, offer: bool) -> Option<TcpStream> {
    let mut reader = BufReader::new(stream);
    reader
        .get_mut()
        .write_all(b"220 test.invalid ESMTP\r\n")
        .await
        .ok()?;
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let command = line.trim_end().to_ascii_uppercase();
        if command.starts_with("EHLO") {
            let reply: &[u8] = if offer {
                b"250-test.invalid\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
            } else {
                b"250-test.invalid\r\n250 SIZE 10240000\r\n"
            };
            reader.get_mut().write_all(reply).await.ok()?;
        } else if command == "STARTTLS" && offer {
            reader
                .get_mut()
                .write_all(b"220 2.0.0 ready\r\n")
                .await
                .ok()?;
            return Some(reader.into_inner());
        } else {
            reader
                .get_mut()
                .write_all(b"502 5.5.2 not here\r\n")
                .await
                .ok()?;
        }
    }
}
