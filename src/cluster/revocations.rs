//! Session revocations across instances: a log-out ends the session's sockets on this
//! instance at once and publishes the session id on `adbridge:sessions:<database>`; every
//! other instance, on receiving it, checks that session in the database and ends its sockets
//! if it is revoked (a message is a doorbell, never a verdict: anybody able to publish on Redis
//! could send one).

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::StreamExt;
use redis::AsyncCommands;
use tokio::sync::mpsc;

use crate::domain::Id;
use crate::domain::sessions::SessionEnds;
use crate::http::session_watch::SessionWatch;

/// Revocations waiting to be published; beyond that one is dropped (the other instances'
/// periodic check ends the sockets within two keep-alives anyway).
const QUEUE: usize = 1024;

/// Ends revoked sessions here and tells the other instances.
pub struct Revocations {
    watch: Weak<SessionWatch>,
    publish: Option<mpsc::Sender<Id>>,
    tasks: Vec<tokio::task::AbortHandle>,
}

impl Drop for Revocations {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Revocations {
    /// In-process only (the embedded default).
    pub fn local(watch: &Arc<SessionWatch>) -> Self {
        Self { watch: Arc::downgrade(watch), publish: None, tasks: Vec::new() }
    }

    /// Also over Redis: publishes on `conn` and listens with a connection of its own to
    /// `client`; the tasks end with the watch.
    pub fn shared(watch: &Arc<SessionWatch>, client: redis::Client, conn: redis::aio::ConnectionManager, channel: String) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        let tasks = vec![
            tokio::spawn(publisher(conn, channel.clone(), rx)).abort_handle(),
            tokio::spawn(listen(client, channel, Arc::downgrade(watch))).abort_handle(),
        ];
        Self { watch: Arc::downgrade(watch), publish: Some(tx), tasks }
    }
}

impl SessionEnds for Revocations {
    fn ended(&self, session_id: Id) {
        if let Some(watch) = self.watch.upgrade() {
            watch.end(session_id);
        }
        if let Some(tx) = &self.publish
            && tx.try_send(session_id).is_err()
        {
            tracing::warn!("revocation queue full; other instances end the session at their next check");
        }
    }
}

async fn publisher(mut conn: redis::aio::ConnectionManager, channel: String, mut rx: mpsc::Receiver<Id>) {
    while let Some(id) = rx.recv().await {
        let sent: redis::RedisResult<i64> = conn.publish(&channel, id.to_string()).await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "publishing a session revocation failed");
        }
    }
}

/// One subscribing connection, reconnected with a capped backoff while the watch lives.
async fn listen(client: redis::Client, channel: String, watch: Weak<SessionWatch>) {
    let mut backoff = Duration::from_millis(50);
    while watch.strong_count() > 0 {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    backoff = Duration::from_millis(50);
                    let mut messages = pubsub.into_on_message();
                    while let Some(msg) = messages.next().await {
                        let Some(w) = watch.upgrade() else { return };
                        match msg.get_payload::<String>().ok().and_then(|t| t.trim().parse::<Id>().ok()) {
                            Some(id) => w.suspect(id),
                            None => tracing::debug!("ignoring an unreadable revocation message"),
                        }
                    }
                    tracing::warn!("redis revocation subscription lost; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "redis subscribe (revocations) failed"),
            },
            Err(e) => tracing::warn!(error = %e, "redis pub/sub connection (revocations) failed"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}
