//! libunbound (the library behind the Unbound resolver) through the handful of C
//! functions daneguard needs, behind a safe, async wrapper. Validation is Unbound's own.

use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

#[repr(C)]
struct UbCtx {
    _private: [u8; 0],
}

/// `struct ub_result` of unbound.h (stable since libunbound 1.4).
#[repr(C)]
struct UbResult {
    qname: *mut c_char,
    qtype: c_int,
    qclass: c_int,
    data: *mut *mut c_char,
    len: *mut c_int,
    canonname: *mut c_char,
    rcode: c_int,
    answer_packet: *mut c_void,
    answer_len: c_int,
    havedata: c_int,
    nxdomain: c_int,
    secure: c_int,
    bogus: c_int,
    why_bogus: *mut c_char,
    was_ratelimited: c_int,
    ttl: c_int,
}

type UbCallback = extern "C" fn(*mut c_void, c_int, *mut UbResult);

#[link(name = "unbound")]
unsafe extern "C" {
    fn ub_ctx_create() -> *mut UbCtx;
    fn ub_ctx_delete(ctx: *mut UbCtx);
    fn ub_ctx_set_option(ctx: *mut UbCtx, opt: *const c_char, val: *const c_char) -> c_int;
    fn ub_ctx_set_fwd(ctx: *mut UbCtx, addr: *const c_char) -> c_int;
    fn ub_ctx_set_stub(
        ctx: *mut UbCtx,
        zone: *const c_char,
        addr: *const c_char,
        isprime: c_int,
    ) -> c_int;
    fn ub_ctx_add_ta(ctx: *mut UbCtx, ta: *const c_char) -> c_int;
    fn ub_ctx_async(ctx: *mut UbCtx, dothread: c_int) -> c_int;
    fn ub_fd(ctx: *mut UbCtx) -> c_int;
    fn ub_process(ctx: *mut UbCtx) -> c_int;
    fn ub_resolve_async(
        ctx: *mut UbCtx,
        name: *const c_char,
        rrtype: c_int,
        rrclass: c_int,
        mydata: *mut c_void,
        callback: UbCallback,
        async_id: *mut c_int,
    ) -> c_int;
    fn ub_cancel(ctx: *mut UbCtx, async_id: c_int) -> c_int;
    fn ub_resolve_free(result: *mut UbResult);
    fn ub_strerror(err: c_int) -> *const c_char;
}

/// What libunbound concluded for one question, copied out of its `ub_result`.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub rcode: u8,
    pub havedata: bool,
    pub nxdomain: bool,
    pub secure: bool,
    pub bogus: bool,
    pub why_bogus: Option<String>,
    /// The answer as a DNS message (with the RRSIGs), parsed by the caller.
    pub packet: Vec<u8>,
}

/// Why a lookup produced no [`Reply`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// libunbound's own error (`ub_strerror`).
    Library(String),
    /// No answer before the deadline.
    Timeout,
}

fn strerror(code: c_int) -> String {
    // SAFETY: ub_strerror returns a pointer to a static NUL-terminated string.
    let text = unsafe { CStr::from_ptr(ub_strerror(code)) };
    text.to_string_lossy().into_owned()
}

/// The raw context pointer, shared with the thread that delivers results. libunbound
/// guards a context with its own locks, so it may be used from several threads.
#[derive(Clone, Copy)]
struct CtxPtr(NonNull<UbCtx>);
// SAFETY: see above; the pointer stays valid until `Context` is dropped, after the
// delivering thread has been joined.
unsafe impl Send for CtxPtr {}
unsafe impl Sync for CtxPtr {}

/// A configured libunbound context in asynchronous mode (its own resolving thread)
/// plus a thread that hands finished answers to the waiting futures.
pub(crate) struct Context {
    ctx: CtxPtr,
    /// Shutting it down wakes the delivering thread, which then ends.
    stop: UnixStream,
    deliverer: Option<JoinHandle<()>>,
    /// Set when the delivering thread ended on an error: no answer can come back.
    failed: Arc<AtomicBool>,
    /// Queries whose boxed [`Slot`] is not freed yet: what a leak would show as.
    live: Arc<AtomicUsize>,
}

/// What libunbound carries for one query (its `mydata`): the way back to the
/// waiting future, and the count of slots alive, so that a leak can be seen.
struct Slot {
    tx: oneshot::Sender<Reply>,
    live: Arc<AtomicUsize>,
}

impl Slot {
    /// Boxes a slot for libunbound and counts it as alive.
    fn into_raw(tx: oneshot::Sender<Reply>, live: &Arc<AtomicUsize>) -> *mut c_void {
        live.fetch_add(1, Ordering::Relaxed);
        let live = Arc::clone(live);
        Box::into_raw(Box::new(Slot { tx, live })).cast::<c_void>()
    }

    /// # Safety
    /// `raw` must come from [`Slot::into_raw`] and be taken back exactly once.
    unsafe fn from_raw(raw: *mut c_void) -> oneshot::Sender<Reply> {
        let slot = unsafe { Box::from_raw(raw.cast::<Slot>()) };
        slot.live.fetch_sub(1, Ordering::Relaxed);
        slot.tx
    }
}

/// How to set up a context.
pub(crate) struct Setup<'a> {
    /// `name:` / value pairs for `ub_ctx_set_option`.
    pub options: &'a [(&'a str, String)],
    /// `IP@PORT` forwarders; the only servers the context ever contacts.
    pub forwarders: &'a [String],
    /// Trust anchors, one DS or DNSKEY record per string.
    pub anchors: &'a [String],
    /// `(zone, IP)` stub zones: questions below `zone` go to that one server, the
    /// rest to the forwarders (`check --all-ns` asks each authoritative server so).
    pub stubs: &'a [(String, String)],
}

impl Context {
    pub fn new(setup: &Setup<'_>) -> Result<Context, SetupError> {
        let (stop, stopped) = UnixStream::pair().map_err(|e| SetupError::Wake(e.to_string()))?;
        // SAFETY: ub_ctx_create has no preconditions; NULL means out of memory.
        let raw = NonNull::new(unsafe { ub_ctx_create() }).ok_or(SetupError::Create)?;
        let mut context = Context {
            ctx: CtxPtr(raw),
            stop,
            deliverer: None,
            failed: Arc::new(AtomicBool::new(false)),
            live: Arc::new(AtomicUsize::new(0)),
        };
        context.configure(setup)?;
        let fd = context.call(|c| unsafe { ub_fd(c) });
        if fd < 0 {
            return Err(SetupError::NoPipe);
        }
        let (ctx, failed) = (context.ctx, Arc::clone(&context.failed));
        let thread = std::thread::Builder::new()
            .name("daneguard-unbound".into())
            .spawn(move || {
                if deliver(ctx, fd, &stopped).is_err() {
                    failed.store(true, Ordering::SeqCst);
                }
            })
            .map_err(|e| SetupError::Thread(e.to_string()))?;
        context.deliverer = Some(thread);
        Ok(context)
    }

    fn call<R>(&self, f: impl FnOnce(*mut UbCtx) -> R) -> R {
        f(self.ctx.0.as_ptr())
    }

    fn configure(&mut self, setup: &Setup<'_>) -> Result<(), SetupError> {
        let check = |what: &str, code: c_int| {
            if code == 0 {
                Ok(())
            } else {
                Err(SetupError::Refused(what.to_string(), strerror(code)))
            }
        };
        for (opt, val) in setup.options {
            let (o, v) = (cstring(opt)?, cstring(val)?);
            check(
                opt,
                self.call(|c| unsafe { ub_ctx_set_option(c, o.as_ptr(), v.as_ptr()) }),
            )?;
        }
        for fwd in setup.forwarders {
            let f = cstring(fwd)?;
            check(
                &format!("the resolver {fwd}"),
                self.call(|c| unsafe { ub_ctx_set_fwd(c, f.as_ptr()) }),
            )?;
        }
        for (zone, addr) in setup.stubs {
            let (z, a) = (cstring(zone)?, cstring(addr)?);
            // 0: not a priming stub, the address is the only server asked
            check(
                &format!("the stub zone {zone} at {addr}"),
                self.call(|c| unsafe { ub_ctx_set_stub(c, z.as_ptr(), a.as_ptr(), 0) }),
            )?;
        }
        for ta in setup.anchors {
            let t = cstring(ta)?;
            check(
                &format!("the trust anchor '{ta}'"),
                self.call(|c| unsafe { ub_ctx_add_ta(c, t.as_ptr()) }),
            )?;
        }
        // 1: a thread inside libunbound resolves; results come back through ub_fd.
        check(
            "asynchronous mode",
            self.call(|c| unsafe { ub_ctx_async(c, 1) }),
        )
    }

    /// Resolves and validates `name` (fully qualified) of type `rrtype`, class IN,
    /// waiting at most `limit`.
    pub async fn resolve(
        &self,
        name: &str,
        rrtype: u16,
        limit: Duration,
    ) -> Result<Reply, Failure> {
        let (mut pending, rx) = self.submit(name, rrtype)?;
        let result = tokio::time::timeout(limit, rx).await;
        pending.done = result.is_ok();
        match result {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(Failure::Library("the query was dropped".to_string())),
            Err(_) => Err(Failure::Timeout),
        }
    }

    /// Hands the question to libunbound; the callback will answer through the channel.
    fn submit(
        &self,
        name: &str,
        rrtype: u16,
    ) -> Result<(Pending, oneshot::Receiver<Reply>), Failure> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(Failure::Library(
                "libunbound's answers can no longer be read".to_string(),
            ));
        }
        let qname = cstring(name).map_err(|e| Failure::Library(e.to_string()))?;
        let (tx, rx) = oneshot::channel::<Reply>();
        let slot = Slot::into_raw(tx, &self.live);
        let mut id: c_int = 0;
        let code = self.call(|c| unsafe {
            ub_resolve_async(
                c,
                qname.as_ptr(),
                c_int::from(rrtype),
                1,
                slot,
                on_result,
                &mut id,
            )
        });
        if code != 0 {
            // SAFETY: the query was not accepted, so the callback never owns `slot`.
            drop(unsafe { Slot::from_raw(slot) });
            return Err(Failure::Library(strerror(code)));
        }
        let pending = Pending {
            ctx: self.ctx,
            id,
            slot: slot as usize,
            done: false,
        };
        Ok((pending, rx))
    }
}

/// A query in flight: cancelled if its future goes away before the answer.
struct Pending {
    ctx: CtxPtr,
    id: c_int,
    /// The boxed [`Slot`], as an address so that the future stays `Send`.
    slot: usize,
    done: bool,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        // A successful ub_cancel guarantees the callback will not run, so the sender
        // is ours to free; otherwise the callback has it (or already freed it).
        if unsafe { ub_cancel(self.ctx.0.as_ptr(), self.id) } == 0 {
            drop(unsafe { Slot::from_raw(self.slot as *mut c_void) });
        }
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        // The delivering thread sees end-of-file at once. shutdown acts on the socket,
        // not on this descriptor, so a copy inherited by a child process (libunbound
        // forks one where it was built without threads) cannot keep it from waking.
        let _ = self.stop.shutdown(Shutdown::Both);
        if let Some(t) = self.deliverer.take() {
            let _ = t.join();
        }
        // SAFETY: no other thread uses the pointer any more.
        unsafe { ub_ctx_delete(self.ctx.0.as_ptr()) };
    }
}

fn cstring(text: &str) -> Result<CString, SetupError> {
    CString::new(text).map_err(|_| SetupError::Nul(text.escape_debug().to_string()))
}

/// Why a libunbound context could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SetupError {
    #[error("cannot create a libunbound context")]
    Create,
    #[error("libunbound has no result pipe")]
    NoPipe,
    #[error("cannot start a thread: {0}")]
    Thread(String),
    #[error("cannot make the socket pair that stops its thread: {0}")]
    Wake(String),
    /// What was refused, and libunbound's reason.
    #[error("libunbound refused {0}: {1}")]
    Refused(String, String),
    #[error("'{0}' contains a NUL byte")]
    Nul(String),
}

/// Waits for the result pipe and lets libunbound run the callbacks, until `stopped`
/// becomes readable (the context is going away: `Ok`) or reading fails (`Err`).
fn deliver(ctx: CtxPtr, fd: c_int, stopped: &UnixStream) -> Result<(), ()> {
    let mut fds = [
        libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: stopped.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    loop {
        // SAFETY: `fds` is a valid array of two pollfd, both descriptors open.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n < 0 {
            match std::io::Error::last_os_error().raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::ENOMEM | libc::EAGAIN) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                _ => return Err(()),
            }
        }
        if fds[1].revents != 0 {
            return Ok(());
        }
        // SAFETY: the context outlives this thread (joined before ub_ctx_delete).
        if fds[0].revents != 0 && unsafe { ub_process(ctx.0.as_ptr()) } != 0 {
            return Err(());
        }
    }
}

/// libunbound's callback: copies the result out and wakes the waiting future.
extern "C" fn on_result(mydata: *mut c_void, err: c_int, result: *mut UbResult) {
    // SAFETY: `mydata` is the slot boxed in `submit`; this callback runs at most once.
    let tx = unsafe { Slot::from_raw(mydata) };
    if err != 0 || result.is_null() {
        let reply = Reply {
            rcode: 2,
            havedata: false,
            nxdomain: false,
            secure: false,
            bogus: false,
            why_bogus: Some(strerror(err)),
            packet: Vec::new(),
        };
        let _ = tx.send(reply);
        return;
    }
    // SAFETY: libunbound hands over a valid result that we must free.
    let reply = unsafe { copy_result(&*result) };
    unsafe { ub_resolve_free(result) };
    let _ = tx.send(reply);
}

/// # Safety
/// `r` must be a result from libunbound, not yet freed.
unsafe fn copy_result(r: &UbResult) -> Reply {
    let text = |p: *mut c_char| {
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    };
    let packet = match usize::try_from(r.answer_len) {
        Ok(n) if n > 0 && !r.answer_packet.is_null() => {
            unsafe { std::slice::from_raw_parts(r.answer_packet.cast::<u8>(), n) }.to_vec()
        }
        _ => Vec::new(),
    };
    Reply {
        rcode: u8::try_from(r.rcode).unwrap_or(2),
        havedata: r.havedata != 0,
        nxdomain: r.nxdomain != 0,
        secure: r.secure != 0,
        bogus: r.bogus != 0,
        why_bogus: text(r.why_bogus),
        packet,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A context that forwards to a UDP socket that never answers, so every query
    /// stays in flight until it is cancelled.
    fn silent_context() -> (Context, std::net::UdpSocket) {
        let sink = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sink.local_addr().unwrap().port();
        let options = super::super::options();
        let setup = Setup {
            options: &options,
            forwarders: &[format!("127.0.0.1@{port}")],
            anchors: &[],
            stubs: &[],
        };
        (Context::new(&setup).unwrap(), sink)
    }

    /// Cancelled queries (a time-out, and a future dropped while it waits) free
    /// their boxed senders at once, and dropping the context leaves none behind.
    #[test]
    fn cancelled_queries_free_their_slots() {
        let (context, _sink) = silent_context();
        let live = Arc::clone(&context.live);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let short = Duration::from_millis(50);
            let got = context.resolve("a.example.", 1, short).await;
            assert!(matches!(got, Err(Failure::Timeout)), "{got:?}");
            // the outer time-out drops the inner future mid-wait
            let long = Duration::from_secs(30);
            let dropped = tokio::time::timeout(short, async {
                tokio::join!(
                    context.resolve("b.example.", 1, long),
                    context.resolve("c.example.", 28, long)
                )
            })
            .await;
            assert!(dropped.is_err());
        });
        assert_eq!(live.load(Ordering::SeqCst), 0, "slots leaked by cancel");
        drop(context);
        assert_eq!(live.load(Ordering::SeqCst), 0, "slots leaked by drop");
    }

    /// Many queries dropped at once while in flight, then the context dropped:
    /// nothing stays behind.
    #[test]
    fn dropping_the_context_after_many_cancels_leaves_nothing() {
        let (context, _sink) = silent_context();
        let live = Arc::clone(&context.live);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let long = Duration::from_secs(30);
            let names: Vec<String> = (0..200).map(|i| format!("h{i}.example.")).collect();
            let all =
                futures_util::future::join_all(names.iter().map(|n| context.resolve(n, 52, long)));
            let seen = std::cell::Cell::new(0);
            let watch = async {
                // wait until every query is in libunbound's hands
                while live.load(Ordering::SeqCst) < 200 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                seen.set(live.load(Ordering::SeqCst));
            };
            tokio::select! {
                _ = all => panic!("a silent server answered"),
                () = watch => {}
            }
            assert_eq!(seen.get(), 200);
        });
        assert_eq!(live.load(Ordering::SeqCst), 0, "slots leaked by cancel");
        drop(context);
        assert_eq!(live.load(Ordering::SeqCst), 0, "slots leaked by drop");
    }
}
