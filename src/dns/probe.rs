//! When libunbound gives up (SERVFAIL without a validation failure, or no answer), one
//! plain query to each configured server tells what it actually did: REFUSED, SERVFAIL,
//! a reply that is not DNS, or nothing — so the message can say so.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, OpCode, Query};
use hickory_proto::rr::{Name, RecordType};
use tokio::net::UdpSocket;

/// What the servers did with `name`/`rtype`, one phrase per server, joined.
pub(crate) async fn diagnose(
    servers: &[SocketAddr],
    name: &str,
    rtype: RecordType,
    limit: Duration,
) -> String {
    let mut said = Vec::new();
    for server in servers {
        let what = match tokio::time::timeout(limit, ask(*server, name, rtype)).await {
            Ok(w) => w,
            Err(_) => "no reply".to_string(),
        };
        said.push(format!("{server}: {what}"));
    }
    said.join("; ")
}

async fn ask(server: SocketAddr, name: &str, rtype: RecordType) -> String {
    let Ok(qname) = Name::from_ascii(name) else {
        return "not asked (bad name)".to_string();
    };
    let id = rand_id();
    let mut m = Message::new(id, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(qname, rtype));
    let Ok(wire) = m.to_vec() else {
        return "not asked".to_string();
    };
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("literal")
    } else {
        "[::]:0".parse().expect("literal")
    };
    let Ok(sock) = UdpSocket::bind(local).await else {
        return "not asked (no socket)".to_string();
    };
    if sock.send_to(&wire, server).await.is_err() {
        return "unreachable".to_string();
    }
    let mut buf = vec![0u8; 4096];
    let n = match sock.recv_from(&mut buf).await {
        Ok((n, from)) if from == server => n,
        _ => return "no reply".to_string(),
    };
    match Message::from_vec(&buf[..n]) {
        Ok(r) if r.metadata.id == id => format!("answered {}", r.metadata.response_code),
        _ => "a reply that is not a DNS answer".to_string(),
    }
}

/// A query id that differs between calls (the clock's nanoseconds; not secret).
fn rand_id() -> u16 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| (d.subsec_nanos() >> 8) as u16)
}
