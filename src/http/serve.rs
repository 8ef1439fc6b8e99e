//! The accept loop: a connection cap, header, idle, body and request timeouts, and a graceful
//! shutdown — what `axum::serve` leaves out, so that slow clients cannot hold the server.
//!
//! - **Connection cap** (`--max-connections`, lowered to fit the process's open-file limit,
//!   whose soft value is first raised to the hard one): past it a new connection is closed at
//!   once, so that the server never runs out of file descriptors (which would refuse everyone,
//!   health probes included). A websocket holds its slot until it closes. When a tenth or less
//!   of the slots is left, the header and idle timeouts drop to one second, so slow and idle
//!   clients make room for new ones within a second.
//! - **Header timeout** (`--header-timeout-secs`): from the first byte of a request (or from the
//!   accept, for a new connection) to its last header; a client dripping headers is dropped.
//! - **Idle timeout** (`--idle-timeout-secs`): a keep-alive connection with no request.
//! - **Body timeout** (`--body-timeout-secs`): reading the whole body; `408` past it.
//! - **Request timeout** (`--request-timeout-secs`): the whole answer; `503` + `TIMEOUT` past it.
//!   Websockets are not bound by it once upgraded (they have their own pings and queues).
//!
//! The header and idle timeouts are enforced by one watchdog per connection that reads the
//! connection's activity (bytes read, requests in flight) from atomics; hyper's own header
//! timer is off because it would also close idle connections at the header timeout.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// The connection limits and timeouts.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Most connections open at once.
    pub max_connections: usize,
    /// From a request's first byte (or the accept) to its last header.
    pub header_timeout: Duration,
    /// A keep-alive connection without a request.
    pub idle_timeout: Duration,
}

/// File descriptors kept for everything that is not a client connection (database and Redis
/// connections, log files, the listener, DNS).
const RESERVED_FDS: u64 = 64;

/// Raises the soft open-file limit to the hard one and returns the connection cap that fits
/// in it: `wanted`, or fewer when the limit is lower.
pub fn fit_connection_cap(wanted: usize, other_fds: u32) -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit { current: limit.maximum, maximum: limit.maximum };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = getrlimit(Resource::Nofile);
        }
    }
    let Some(fds) = limit.current else { return wanted };
    let fits = fds.saturating_sub(RESERVED_FDS + u64::from(other_fds)).max(1);
    let cap = wanted.min(usize::try_from(fits).unwrap_or(usize::MAX));
    if cap < wanted {
        tracing::warn!(open_files = fds, cap, wanted, "the open-file limit lowers the connection cap (raise `ulimit -n`)");
    }
    cap
}

/// Accepts connections until `stop` resolves, then lets in-flight requests finish within
/// `grace`; returns the end of the grace period (the caller closes websockets until then).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    stop: impl Future<Output = ()>,
    grace: Duration,
) -> tokio::time::Instant {
    let slots = Arc::new(Slots {
        free: Arc::new(Semaphore::new(limits.max_connections)),
        cap: limits.max_connections,
        pressure: Notify::new(),
        closing: tokio::sync::watch::channel(false).0,
    });
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (tcp, peer) = tokio::select! {
            biased;
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors or a connection reset before accept: wait a
                    // little rather than spin, then go on.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let slot = slots.free.clone().try_acquire_owned();
        if slots.pressed() {
            // Wake every watchdog: the slow and the idle go first.
            slots.pressure.notify_waiters();
        }
        let Ok(slot) = slot else {
            metrics::counter!("http_connections_refused_total").increment(1);
            drop(tcp);
            continue;
        };
        // No Nagle delay: a live event is one small write, and must not wait for the ACK of the last.
        let _ = tcp.set_nodelay(true);
        let watcher = graceful.watcher();
        tokio::spawn(connection(tcp, peer, (slot, slots.clone()), router.clone(), limits, watcher));
    }
    drop(listener);
    // Connections without a request in flight (idle, or still receiving headers) close now.
    slots.closing.send_replace(true);
    let deadline = tokio::time::Instant::now() + grace;
    let connections = graceful.count();
    tracing::info!(connections, grace_secs = grace.as_secs(), "shutting down: no new connections, finishing requests in flight");
    if tokio::time::timeout_at(deadline, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still in flight at the end of the grace period were dropped");
    }
    deadline
}

/// Serves one connection, dropping it when the watchdog finds it past a timeout.
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    (slot, slots): (OwnedSemaphorePermit, Arc<Slots>),
    router: Router,
    limits: ConnLimits,
    watcher: hyper_util::server::graceful::Watcher,
) {
    metrics::gauge!("http_connections_open").increment(1.0);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(ActivityIo { inner: tcp, activity: activity.clone(), _slot: slot });
    let in_service = activity.clone();
    let service = hyper::service::service_fn(move |mut req: axum::http::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let guard = InFlight::begin(in_service.clone());
        let answer = router.clone().oneshot(req.map(axum::body::Body::new));
        async move {
            let res = answer.await;
            drop(guard);
            res
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(None);
    let conn = watcher.watch(builder.serve_connection_with_upgrades(io, service).into_owned());
    tokio::pin!(conn);
    let mut closing = slots.closing.subscribe();
    let mut stopping = false;
    loop {
        if stopping && activity.in_flight.load(Ordering::Acquire) == 0 {
            break;
        }
        let (deadline, _) = activity.deadline(slots.limits(limits));
        let pressure = slots.pressure.notified();
        tokio::select! {
            _ = &mut conn => break,
            () = pressure => {}
            _ = closing.wait_for(|c| *c), if !stopping => {
                stopping = true;
                continue;
            }
            () = tokio::time::sleep_until(deadline.into()) => {}
        }
        let (deadline, kind) = activity.deadline(slots.limits(limits));
        if deadline <= Instant::now() {
            tracing::debug!(%peer, kind, "closing a connection past its timeout");
            metrics::counter!("http_timeouts_total", "kind" => kind).increment(1);
            break;
        }
    }
    metrics::gauge!("http_connections_open").decrement(1.0);
}

/// Header and idle timeout while connection slots run short.
pub const PRESSED_TIMEOUT: Duration = Duration::from_secs(1);

/// The connection slots, and the signal that they run short (a tenth or less left): then the
/// header and idle timeouts drop to [`PRESSED_TIMEOUT`], so that slow and idle clients make
/// room for the others instead of holding every slot until their normal timeout.
struct Slots {
    free: Arc<Semaphore>,
    cap: usize,
    pressure: Notify,
    /// Set when the server stops accepting.
    closing: tokio::sync::watch::Sender<bool>,
}

impl Slots {
    fn pressed(&self) -> bool {
        self.free.available_permits() <= self.cap / 10
    }

    fn limits(&self, limits: ConnLimits) -> ConnLimits {
        if !self.pressed() {
            return limits;
        }
        ConnLimits {
            header_timeout: limits.header_timeout.min(PRESSED_TIMEOUT),
            idle_timeout: limits.idle_timeout.min(PRESSED_TIMEOUT),
            ..limits
        }
    }
}

/// What a connection is doing, in milliseconds since it was accepted.
struct Activity {
    accepted: Instant,
    in_flight: AtomicUsize,
    /// First byte of the request being received; `u64::MAX` when none is.
    head_started: AtomicU64,
    /// When the last request was answered (0: none yet).
    last_answered: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self { accepted: Instant::now(), in_flight: AtomicUsize::new(0), head_started: AtomicU64::new(0), last_answered: AtomicU64::new(0) }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// When the connection must be closed if nothing changes, and which timeout that is.
    fn deadline(&self, limits: ConnLimits) -> (Instant, &'static str) {
        let at = |ms: u64, d: Duration| self.accepted + Duration::from_millis(ms) + d;
        if self.in_flight.load(Ordering::Acquire) > 0 {
            // The request timeout bounds a request being answered; look again later.
            return (Instant::now() + limits.idle_timeout.max(limits.header_timeout), "request");
        }
        match self.head_started.load(Ordering::Acquire) {
            u64::MAX => {
                // Sleep at most a header timeout: a request may start meanwhile.
                let idle = at(self.last_answered.load(Ordering::Acquire), limits.idle_timeout);
                (idle.min(Instant::now() + limits.header_timeout), "idle")
            }
            started => (at(started, limits.header_timeout), "header"),
        }
    }

    fn read_some(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0 && self.head_started.load(Ordering::Acquire) == u64::MAX {
            self.head_started.store(self.now_ms(), Ordering::Release);
        }
    }
}

/// Counts a request as in flight while it lives.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn begin(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        activity.head_started.store(u64::MAX, Ordering::Release);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.last_answered.store(self.0.now_ms(), Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The TCP stream, noting when bytes arrive; it holds the connection's slot, so an upgraded
/// websocket keeps it until it closes.
struct ActivityIo {
    inner: TcpStream,
    activity: Arc<Activity>,
    _slot: OwnedSemaphorePermit,
}

impl AsyncRead for ActivityIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read_some();
        }
        polled
    }
}

impl AsyncWrite for ActivityIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[std::io::IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
