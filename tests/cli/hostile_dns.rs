//! A scripted, misbehaving DNS server on 127.0.0.1 (UDP and TCP): it refuses, fails,
//! answers garbage or stays silent. `check` must end in "could not decide" (exit 2)
//! within a bounded time, say what the server did, and never blame DNSSEC stripping.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, ResponseCode};

use crate::util::run;

#[derive(Clone, Copy)]
enum Behaviour {
    Refused,
    ServFail,
    Garbage,
    Silent,
}

struct Hostile {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The reply to one query, or nothing.
fn reply(query: &[u8], how: Behaviour) -> Option<Vec<u8>> {
    let code = match how {
        Behaviour::Silent => return None,
        Behaviour::Garbage => return Some(b"\x00\x01this is not a DNS message".to_vec()),
        Behaviour::Refused => ResponseCode::Refused,
        Behaviour::ServFail => ResponseCode::ServFail,
    };
    let q = Message::from_vec(query).ok()?;
    let mut m = Message::error_msg(q.metadata.id, q.metadata.op_code, code);
    for query in q.queries {
        m.add_query(query);
    }
    m.to_vec().ok()
}

fn start(how: Behaviour) -> Hostile {
    let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    let addr = udp.local_addr().expect("addr");
    let tcp = TcpListener::bind(addr).expect("bind tcp on the same port");
    udp.set_read_timeout(Some(Duration::from_millis(50))).ok();
    tcp.set_nonblocking(true).ok();
    let stop = Arc::new(AtomicBool::new(false));
    let s1 = Arc::clone(&stop);
    let t1 = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while !s1.load(Ordering::SeqCst) {
            if let Ok((n, from)) = udp.recv_from(&mut buf)
                && let Some(r) = reply(&buf[..n], how)
            {
                let _ = udp.send_to(&r, from);
            }
        }
    });
    let s2 = Arc::clone(&stop);
    let t2 = std::thread::spawn(move || {
        while !s2.load(Ordering::SeqCst) {
            let Ok((mut conn, _)) = tcp.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            conn.set_nonblocking(false).ok();
            conn.set_read_timeout(Some(Duration::from_millis(500))).ok();
            let mut len = [0u8; 2];
            if conn.read_exact(&mut len).is_err() {
                continue;
            }
            let mut q = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if conn.read_exact(&mut q).is_ok()
                && let Some(r) = reply(&q, how)
            {
                let n = u16::try_from(r.len()).unwrap_or(0).to_be_bytes();
                let _ = conn.write_all(&n).and_then(|()| conn.write_all(&r));
            }
        }
    });
    Hostile {
        addr,
        stop,
        threads: vec![t1, t2],
    }
}

/// `check` through a hostile server with the root anchor: exit 2, bounded time, and
/// a message containing `says`.
fn fails_clearly(how: Behaviour, says: &str) {
    let server = start(how);
    let addr = server.addr.to_string();
    let started = Instant::now();
    let r = run(&[
        "check",
        "--resolver",
        &addr,
        "--timeout",
        "2",
        "mx.example.org",
    ]);
    let took = started.elapsed();
    r.code(2);
    assert!(took < Duration::from_secs(15), "took {took:?}: {r:?}");
    assert!(r.stderr.contains(says), "{r:?}");
    assert!(!r.stderr.contains("strips DNSSEC"), "{r:?}");
    assert_eq!(r.stdout, "");
}

#[test]
fn refused_is_said_as_refused() {
    fails_clearly(Behaviour::Refused, "answered Query Refused");
}

#[test]
fn servfail_is_said_as_servfail() {
    fails_clearly(Behaviour::ServFail, "answered Server Failure");
}

#[test]
fn garbage_is_no_usable_answer() {
    fails_clearly(Behaviour::Garbage, "a reply that is not a DNS answer");
}

#[test]
fn silence_is_a_time_out() {
    fails_clearly(Behaviour::Silent, "did not answer (time-out)");
}
