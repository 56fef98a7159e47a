//! An in-process, DNSSEC-signing hickory-server on 127.0.0.1 for `check` tests: zone
//! `dane.test.` signed with one ECDSA P-256 key (NSEC), that key as the trust anchor.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use hickory_proto::dnssec::crypto::EcdsaSigningKey;
use hickory_proto::dnssec::rdata::DNSKEY;
use hickory_proto::dnssec::{Algorithm, DnssecSigner, SigningKey};
use hickory_proto::rr::{Name, RData, RecordType, RrKey};
use hickory_proto::serialize::txt::Parser;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_server::Server;
use hickory_server::dnssec::NxProofKind;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use tokio::net::{TcpListener, UdpSocket};

use crate::util::{openssl_tlsa, td};

/// A running server; dropped, it stops.
pub struct TestDns {
    pub addr: SocketAddr,
    pub anchor: PathBuf,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestDns {
    /// `--resolver` and `--trust-anchor` arguments for this server.
    pub fn args(&self) -> Vec<String> {
        vec![
            "--resolver".into(),
            self.addr.to_string(),
            "--trust-anchor".into(),
            self.anchor.display().to_string(),
            "--timeout".into(),
            "2".into(),
        ]
    }
}

impl Drop for TestDns {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The zone served: TLSA data computed by openssl from testdata/pki/mx-p256.
pub fn zone_text() -> String {
    let leaf = openssl_tlsa(&td("pki/mx-p256/cert.pem"), 1, 1);
    let ca = openssl_tlsa(&td("pki/ca/int-ec.pem"), 1, 1);
    let zeros = "00".repeat(32);
    format!(
        "$ORIGIN dane.test.
$TTL 3600
@ IN SOA ns.dane.test. hostmaster.dane.test. 1 3600 600 86400 300
@ IN NS ns.dane.test.
@ IN MX 10 mx.dane.test.
@ IN MX 20 mismatch.dane.test.
ns IN A 127.0.0.1
mx IN A 127.0.0.1
mx IN AAAA ::1
_25._tcp.mx 300 IN TLSA 3 1 1 {leaf}
_25._tcp.mx 300 IN TLSA 2 1 1 {ca}
_465._tcp.mx 300 IN TLSA 3 1 1 {leaf}
_465._tcp.mx 300 IN TLSA 2 1 1 {ca}
single IN A 127.0.0.1
_25._tcp.single 300 IN TLSA 3 1 1 {leaf}
mismatch IN A 127.0.0.1
_25._tcp.mismatch 300 IN TLSA 3 1 1 {zeros}
bad IN A 127.0.0.1
_25._tcp.bad 300 IN TLSA 3 1 1 {leaf}
nodata IN A 127.0.0.1
_25._tcp.nodata IN TXT \"no TLSA here\"
pkix IN A 127.0.0.1
_25._tcp.pkix 300 IN TLSA 1 1 1 {leaf}
alias IN CNAME mx.dane.test.
renew IN A 127.0.0.1
_25._tcp.renew 900 IN TLSA 3 1 1 {leaf}
"
    )
}

/// Starts the server with `zone_text()`; `_25._tcp.bad` is altered after signing.
pub fn start() -> TestDns {
    let (zone, dnskey) = signed_zone(&zone_text());
    spawn(zone, &format!("dane.test. 3600 IN DNSKEY {dnskey}\n"))
}

/// Starts a signed server for `dane.test.` with the given zone text (deployment tests
/// publish their own records with short TTLs).
pub fn start_zone(text: &str) -> TestDns {
    let (zone, dnskey) = signed_zone(text);
    spawn(zone, &format!("dane.test. 3600 IN DNSKEY {dnskey}\n"))
}

/// The same zone without any DNSSEC data, as a resolver that strips it would answer.
pub fn start_unsigned() -> TestDns {
    let origin = Name::from_ascii("dane.test.").expect("name");
    let (origin, records) = Parser::new(zone_text(), None, Some(origin))
        .parse()
        .expect("zone parses");
    let zone = Handler::new(origin, records, ZoneType::Primary, AxfrPolicy::Deny, None)
        .expect("zone handler");
    spawn(zone, "")
}

fn spawn(zone: Handler, anchor_text: &str) -> TestDns {
    let dir = tempfile::tempdir().expect("tempdir");
    let anchor = dir.path().join("anchor.dnskey");
    std::fs::write(&anchor, anchor_text).expect("write anchor");
    let (addr_tx, addr_rx) = mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let (mut server, addr) = serve(zone).await;
            addr_tx.send(addr).expect("send addr");
            let _ = stop_rx.await;
            let _ = server.shutdown_gracefully().await;
        });
    });
    let addr = addr_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("server starts");
    TestDns {
        addr,
        anchor,
        _dir: dir,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

type Handler = InMemoryZoneHandler<TokioRuntimeProvider>;

fn signed_zone(text: &str) -> (Handler, DNSKEY) {
    let origin = Name::from_ascii("dane.test.").expect("name");
    let (origin, records) = Parser::new(text, None, Some(origin))
        .parse()
        .expect("zone parses");
    let mut zone = Handler::new(
        origin.clone(),
        records,
        ZoneType::Primary,
        AxfrPolicy::Deny,
        Some(NxProofKind::Nsec),
    )
    .expect("zone handler");
    let pkcs8 = EcdsaSigningKey::generate_pkcs8(Algorithm::ECDSAP256SHA256).expect("keygen");
    let key = EcdsaSigningKey::from_pkcs8(&pkcs8, Algorithm::ECDSAP256SHA256).expect("key");
    let dnskey = DNSKEY::from_key(&key.to_public_key().expect("public key"));
    let signer = DnssecSigner::new(
        dnskey.clone(),
        Box::new(key),
        origin,
        Duration::from_secs(7 * 86400),
    );
    zone.add_zone_signing_key_mut(signer).expect("add key");
    zone.secure_zone_mut().expect("sign");
    if text.contains("_25._tcp.bad ") {
        tamper(&mut zone, "_25._tcp.bad.dane.test.");
    }
    (zone, dnskey)
}

/// Flips a bit of a signed TLSA record, keeping its RRSIG: the RRset becomes bogus.
fn tamper(zone: &mut Handler, owner: &str) {
    let key = RrKey::new(
        Name::from_ascii(owner).expect("name").into(),
        RecordType::TLSA,
    );
    let rrset = Arc::make_mut(
        zone.records_get_mut()
            .get_mut(&key)
            .expect("record to tamper"),
    );
    let mut recs: Vec<_> = rrset.records_without_rrsigs().cloned().collect();
    if let RData::TLSA(t) = &mut recs[0].data {
        t.cert_data[0] ^= 0xff;
    }
    rrset.set_records(recs);
}

async fn serve(zone: Handler) -> (Server<Catalog>, SocketAddr) {
    // UDP and TCP on the same port; retry if another test grabbed the TCP side.
    for _ in 0..20 {
        let udp = UdpSocket::bind("127.0.0.1:0").await.expect("bind udp");
        let addr = udp.local_addr().expect("addr");
        let Ok(tcp) = TcpListener::bind(addr).await else {
            continue;
        };
        let mut catalog = Catalog::new();
        catalog.upsert(
            Name::from_ascii("dane.test.").expect("name").into(),
            vec![Arc::new(zone)],
        );
        let mut server = Server::new(catalog);
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 64 * 1024);
        return (server, addr);
    }
    panic!("no free UDP+TCP port pair on 127.0.0.1");
}
