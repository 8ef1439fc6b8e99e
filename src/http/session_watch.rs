//! Which websocket sessions have ended (logged out or expired), for every socket of the
//! instance at once.
//!
//! A socket must stop as soon as its session ends. Each socket registers its session here and
//! gets a flag with a waker: [`SessionWatch::end`] sets the flags of every socket of a session
//! and wakes their tasks, which close with 4403 before they run or send anything else.
//! - **Log-out** on this instance ends the session here directly, after the revocation commits.
//! - **Log-out on another instance** arrives as a revocation message on the bus
//!   (`cluster::revocations`); since anybody who can publish on Redis could send one, it only
//!   makes the session a *suspect*: the watch task asks the database at once, and ends it only
//!   if the database says it is revoked.
//! - **Expiry** (and any missed message) is caught by a periodic check: one query per
//!   [`CHUNK`] registered sessions every keep-alive interval, never one per socket.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::task::AtomicWaker;
use tokio::sync::Notify;

use crate::domain::accounts::AccountService;
use crate::domain::{DomainResult, Id};

/// Sessions checked per query.
const CHUNK: usize = 500;

/// One socket's view of its session.
#[derive(Default)]
struct Flag {
    ended: AtomicBool,
    waker: AtomicWaker,
}

#[derive(Default)]
struct Sessions {
    /// The flags of the open sockets, per session.
    open: HashMap<Id, Vec<Arc<Flag>>>,
    /// Sessions a revocation message named, to check against the database.
    suspects: HashSet<Id>,
}

/// The sessions of this instance's sockets.
#[derive(Default)]
pub struct SessionWatch {
    sessions: Mutex<Sessions>,
    suspected: Notify,
}

/// A socket's registration; dropping it deregisters the socket.
pub struct Watched {
    watch: Arc<SessionWatch>,
    session: Id,
    flag: Arc<Flag>,
}

impl Drop for Watched {
    fn drop(&mut self) {
        let mut sessions = self.watch.lock();
        if let Some(flags) = sessions.open.get_mut(&self.session) {
            flags.retain(|f| !Arc::ptr_eq(f, &self.flag));
            if flags.is_empty() {
                sessions.open.remove(&self.session);
            }
        }
    }
}

impl Watched {
    /// Whether the session has ended.
    pub fn ended(&self) -> bool {
        self.flag.ended.load(Ordering::Acquire)
    }

    /// Ready once the session has ended (wakes the polling task when it does).
    pub fn poll_ended(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.ended() {
            return Poll::Ready(());
        }
        self.flag.waker.register(cx.waker());
        if self.ended() { Poll::Ready(()) } else { Poll::Pending }
    }
}

impl SessionWatch {
    fn lock(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a socket of `session`.
    pub fn watch(self: &Arc<Self>, session: Id) -> Watched {
        let flag = Arc::new(Flag::default());
        self.lock().open.entry(session).or_default().push(flag.clone());
        Watched { watch: self.clone(), session, flag }
    }

    /// Ends `session` on every socket of this instance: known revoked (by this instance's
    /// commit, or by the database).
    pub fn end(&self, session: Id) {
        let flags = self.lock().open.get(&session).cloned().unwrap_or_default();
        for flag in flags {
            flag.ended.store(true, Ordering::Release);
            flag.waker.wake();
        }
    }

    /// A revocation message named `session`: check it against the database now.
    pub fn suspect(&self, session: Id) {
        let mut sessions = self.lock();
        if sessions.open.contains_key(&session) {
            sessions.suspects.insert(session);
            drop(sessions);
            self.suspected.notify_one();
        }
    }

    /// Checks `ids` (every registered session when `None`); ends those found ended and
    /// returns how many were.
    pub async fn check(&self, accounts: &AccountService, ids: Option<Vec<Id>>) -> DomainResult<usize> {
        let ids: Vec<Id> = ids.unwrap_or_else(|| self.lock().open.keys().copied().collect());
        let mut found = 0;
        for chunk in ids.chunks(CHUNK) {
            let live = accounts.live_sessions(chunk).await?;
            for id in chunk.iter().copied().filter(|id| !live.contains(id)) {
                found += 1;
                self.end(id);
            }
        }
        Ok(found)
    }
}

/// Checks every registered session every `every`, and suspects as soon as they are named,
/// while the watch is alive. Errors are logged; sockets stay open until a check succeeds.
pub async fn run(watch: Weak<SessionWatch>, accounts: Arc<crate::domain::Services>, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let suspected = {
            let Some(w) = watch.upgrade() else { return };
            let notified = async move { w.suspected.notified().await };
            tokio::select! {
                _ = tick.tick() => false,
                () = notified => true,
            }
        };
        let Some(watch) = watch.upgrade() else { return };
        let ids = suspected.then(|| watch.lock().suspects.drain().collect::<Vec<_>>());
        match watch.check(&accounts.accounts, ids).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(ended = n, "websocket sessions ended"),
            Err(e) => tracing::warn!(error = %e, "checking websocket sessions"),
        }
    }
}
