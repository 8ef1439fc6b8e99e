//! Which websocket sessions have ended (logged out or expired), checked for every socket of the
//! instance at once.
//!
//! A socket running streams must stop when its session ends. Asking the database at every
//! socket's keep-alive would cost one query per socket per interval — 10,000 idle dashboards
//! would keep the database busy doing nothing. Instead each socket registers its session here;
//! one task per instance asks, every keep-alive interval, which of the registered sessions are
//! still live (one query per [`CHUNK`] sessions), and each socket looks its own up in memory at
//! its next keep-alive. A session ends its streams within two keep-alive intervals.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::domain::accounts::AccountService;
use crate::domain::{DomainResult, Id};

/// Sessions checked per query.
const CHUNK: usize = 500;

#[derive(Default)]
struct Sessions {
    /// Open sockets per session.
    open: HashMap<Id, usize>,
    /// Sessions found ended (while sockets still hold them).
    ended: HashSet<Id>,
}

/// The sessions of this instance's sockets.
#[derive(Default)]
pub struct SessionWatch {
    sessions: Mutex<Sessions>,
}

/// A socket's registration; dropping it deregisters the socket.
pub struct Watched {
    watch: Arc<SessionWatch>,
    session: Id,
}

impl Drop for Watched {
    fn drop(&mut self) {
        let mut sessions = self.watch.lock();
        if let Some(n) = sessions.open.get_mut(&self.session) {
            *n -= 1;
            if *n == 0 {
                sessions.open.remove(&self.session);
                sessions.ended.remove(&self.session);
            }
        }
    }
}

impl Watched {
    /// Whether the session was found ended.
    pub fn ended(&self) -> bool {
        self.watch.lock().ended.contains(&self.session)
    }
}

impl SessionWatch {
    fn lock(&self) -> std::sync::MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a socket of `session`.
    pub fn watch(self: &Arc<Self>, session: Id) -> Watched {
        *self.lock().open.entry(session).or_default() += 1;
        Watched { watch: self.clone(), session }
    }

    /// Checks every registered session once; returns how many were found ended.
    pub async fn check(&self, accounts: &AccountService) -> DomainResult<usize> {
        let ids: Vec<Id> = self.lock().open.keys().copied().collect();
        let mut ended = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let live = accounts.live_sessions(chunk).await?;
            ended.extend(chunk.iter().copied().filter(|id| !live.contains(id)));
        }
        let mut sessions = self.lock();
        let found = ended.len();
        for id in ended {
            if sessions.open.contains_key(&id) {
                sessions.ended.insert(id);
            }
        }
        Ok(found)
    }
}

/// Checks the sessions every `every` while the watch is alive. Errors are logged; sockets stay
/// open until a check succeeds.
pub async fn run(watch: Weak<SessionWatch>, accounts: Arc<crate::domain::Services>, every: Duration) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(watch) = watch.upgrade() else { return };
        match watch.check(&accounts.accounts).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(ended = n, "websocket sessions ended"),
            Err(e) => tracing::warn!(error = %e, "checking websocket sessions"),
        }
    }
}
