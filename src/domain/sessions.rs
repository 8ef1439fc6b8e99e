//! The port through which the accounts service says that a session ended early (log-out), so
//! that every open websocket of it, on every instance, stops at once instead of at its next
//! keep-alive check.

use super::Id;

/// Told, after commit, that a session was revoked.
pub trait SessionEnds: Send + Sync {
    /// `session_id` was revoked in the database.
    fn ended(&self, session_id: Id);
}

/// For commands without websockets (the CLI).
pub struct NoSessionListeners;

impl SessionEnds for NoSessionListeners {
    fn ended(&self, _session_id: Id) {}
}
