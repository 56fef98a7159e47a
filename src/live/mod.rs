//! `check --live`: connect to each address, run STARTTLS where the port needs it, and
//! fetch the chain the server presents, once offering only ECDSA (and EdDSA) signature
//! schemes and once only RSA, so that a server with two certificates shows both.
//! The certificates are recorded, not judged here: the DANE rules decide.

pub mod starttls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;

pub use starttls::Starttls;

/// `smtp`, `imap`, `pop3` or `tls` (implicit).
pub fn protocol_name(p: Starttls) -> &'static str {
    match p {
        Starttls::Smtp => "smtp",
        Starttls::Imap => "imap",
        Starttls::Pop3 => "pop3",
        Starttls::None => "tls",
    }
}

/// Which certificate to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// ECDSA and EdDSA signature schemes only.
    Ecdsa,
    /// RSA (PSS and PKCS#1) signature schemes only.
    Rsa,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ecdsa => "ecdsa",
            Family::Rsa => "rsa",
        }
    }

    fn allows(self, scheme: SignatureScheme) -> bool {
        use SignatureScheme as S;
        let ecdsa = matches!(
            scheme,
            S::ECDSA_NISTP256_SHA256
                | S::ECDSA_NISTP384_SHA384
                | S::ECDSA_NISTP521_SHA512
                | S::ED25519
                | S::ED448
        );
        let rsa = matches!(
            scheme,
            S::RSA_PSS_SHA256
                | S::RSA_PSS_SHA384
                | S::RSA_PSS_SHA512
                | S::RSA_PKCS1_SHA256
                | S::RSA_PKCS1_SHA384
                | S::RSA_PKCS1_SHA512
        );
        match self {
            Family::Ecdsa => ecdsa,
            Family::Rsa => rsa,
        }
    }
}

/// Why no chain could be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveError {
    /// No TCP connection (refused, unreachable, time-out).
    Unreachable(String),
    /// The server does not offer or refuses STARTTLS.
    StarttlsMissing(String),
    /// The plain-text dialogue broke (garbage, early close, stall).
    Protocol(String),
    /// The TLS handshake failed (for one family this may only mean "no such certificate").
    Handshake(String),
}

impl std::fmt::Display for LiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveError::Unreachable(m) => write!(f, "cannot connect: {m}"),
            LiveError::StarttlsMissing(m) => write!(f, "no STARTTLS: {m}"),
            LiveError::Protocol(m) => write!(f, "before TLS: {m}"),
            LiveError::Handshake(m) => write!(f, "TLS handshake failed: {m}"),
        }
    }
}

/// Connects and returns the DER chain the server presents for one family. `timeout`
/// bounds each step (connect, every line of the dialogue, the handshake) and the whole
/// connection, so a server that trickles a long reply cannot hold a check for longer.
pub async fn fetch_chain(
    addr: SocketAddr,
    sni: &str,
    protocol: Starttls,
    family: Option<Family>,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, LiveError> {
    let steps = fetch_chain_steps(addr, sni, protocol, family, timeout);
    // A little grace so that a single stalled step reports itself rather than racing
    // the bound on the whole connection.
    match tokio::time::timeout(timeout + Duration::from_millis(250), steps).await {
        Ok(result) => result,
        Err(_) => Err(LiveError::Protocol(format!(
            "no TLS handshake within --tls-timeout {} s",
            timeout.as_secs()
        ))),
    }
}

async fn fetch_chain_steps(
    addr: SocketAddr,
    sni: &str,
    protocol: Starttls,
    family: Option<Family>,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, LiveError> {
    let tcp = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => return Err(LiveError::Unreachable("time-out".into())),
        Ok(Err(e)) => return Err(LiveError::Unreachable(e.to_string())),
        Ok(Ok(s)) => s,
    };
    let tcp = starttls::negotiate(tcp, protocol, timeout)
        .await
        .map_err(|e| match e {
            starttls::DialogueError::NotOffered(m) => LiveError::StarttlsMissing(m),
            starttls::DialogueError::Broken(m) => LiveError::Protocol(m),
        })?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_config(family)));
    let name = ServerName::try_from(sni.to_string()).map_err(|_| {
        LiveError::Handshake(format!(
            "'{}' is not a valid SNI name",
            crate::sanitize::escape(sni)
        ))
    })?;
    let tls = match tokio::time::timeout(timeout, connector.connect(name, tcp)).await {
        Err(_) => return Err(LiveError::Handshake("time-out".into())),
        Ok(Err(e)) => return Err(LiveError::Handshake(e.to_string())),
        Ok(Ok(t)) => t,
    };
    let (_, conn) = tls.get_ref();
    let chain = conn
        .peer_certificates()
        .map(|c| c.iter().map(|d| d.as_ref().to_vec()).collect())
        .unwrap_or_default();
    Ok(chain)
}

/// A client offering the signature schemes of `family`, or all of them (`None`).
fn client_config(family: Option<Family>) -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(Recorder {
        family,
        provider: Arc::clone(&provider),
    });
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth()
}

/// Accepts any certificate (the DANE check decides), but still verifies the handshake
/// signature, so the server must hold the key of the certificate it presents.
#[derive(Debug)]
struct Recorder {
    family: Option<Family>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
            .into_iter()
            .filter(|s| self.family.is_none_or(|f| f.allows(*s)))
            .collect()
    }
}

/// What one address presented: a DER chain per key family asked for.
#[derive(Debug, Clone)]
pub struct Probe {
    pub address: SocketAddr,
    pub protocol: Starttls,
    /// Chains by family; one entry when both handshakes gave the same certificate.
    pub chains: Vec<(Family, Vec<Vec<u8>>)>,
    /// Which of `chains` a client offering every signature scheme gets (the server's
    /// preference): what a sender like Postfix negotiates.
    pub preferred: Option<usize>,
    /// Set when no chain could be fetched at all.
    pub error: Option<LiveError>,
}

/// First asks as a client offering every signature scheme (the chain the server prefers,
/// which senders like Postfix get), then for the other key family only, so that a
/// server with an ECDSA and an RSA certificate shows both. A handshake failure for one
/// family only means the server has no certificate of that kind.
pub async fn probe(address: SocketAddr, sni: &str, protocol: Starttls, timeout: Duration) -> Probe {
    let mut probe = Probe {
        address,
        protocol,
        chains: Vec::new(),
        preferred: None,
        error: None,
    };
    let first = fetch_chain(address, sni, protocol, None, timeout).await;
    let others: &[Family] = match &first {
        // Not reachable, or no STARTTLS: it will not do better a second time.
        Err(
            e
            @ (LiveError::Unreachable(_) | LiveError::StarttlsMissing(_) | LiveError::Protocol(_)),
        ) => {
            probe.error = Some(e.clone());
            return probe;
        }
        Err(_) => &[Family::Ecdsa, Family::Rsa],
        Ok(chain) if family_of(chain) == Family::Rsa => &[Family::Ecdsa],
        Ok(_) => &[Family::Rsa],
    };
    let mut errors = Vec::new();
    match first {
        Ok(chain) => {
            probe.chains.push((family_of(&chain), chain));
            probe.preferred = Some(0);
        }
        Err(e) => errors.push(e),
    }
    for &family in others {
        match fetch_chain(address, sni, protocol, Some(family), timeout).await {
            Ok(chain) if !probe.chains.iter().any(|(_, c)| c.first() == chain.first()) => {
                probe.chains.push((family, chain))
            }
            Ok(_) => {}
            Err(e) => errors.push(e),
        }
    }
    if probe.chains.is_empty() {
        probe.error = errors.into_iter().next();
    }
    probe
}

/// The key family of a chain's leaf (ECDSA and EdDSA count as one).
fn family_of(chain: &[Vec<u8>]) -> Family {
    let rsa = chain
        .first()
        .and_then(|der| crate::chain::Certificate::from_der(der.clone()).ok())
        .is_some_and(|leaf| leaf.key.family() == "rsa");
    if rsa { Family::Rsa } else { Family::Ecdsa }
}
