//! The Redis bus: after commit, one ordered publisher task `PUBLISH`es the id of the newest
//! committed event (a doorbell); one subscribing connection per instance rings its hub, which
//! reads the events from the database, and reconnects (and resyncs the hub) after any
//! disconnect. Redis never carries an event's content, so a message forged on the channel
//! cannot become an event, and a bogus id costs one query that finds nothing new.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures::StreamExt;
use redis::AsyncCommands;
use tokio::sync::mpsc;

use super::EventBus;
use super::hub::Hub;
use crate::domain::Id;
use crate::domain::orders::history::{EventSink, OrderEvent};

/// Messages waiting for the publisher; beyond that a publish is dropped (the hubs' poll
/// delivers the event anyway).
const PUBLISH_QUEUE: usize = 4096;

/// Publishes to, and listens on, one Redis channel per database.
pub struct RedisBus {
    hub: Arc<Hub>,
    publish: mpsc::Sender<String>,
}

impl RedisBus {
    /// Starts the publisher (over `conn`) and the subscriber (its own connection to `url`).
    /// The channel is named after `database_url`, so instances share it only when they share
    /// a database.
    pub fn start(url: &str, conn: redis::aio::ConnectionManager, database_url: &str, hub: Arc<Hub>) -> anyhow::Result<Self> {
        let client = redis_client(url)?;
        let channel = channel_for(database_url);
        let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
        let publisher = tokio::spawn(publisher(conn, channel.clone(), rx));
        let listener = tokio::spawn(listen(client, channel, Arc::downgrade(&hub)));
        hub.own(publisher.abort_handle());
        hub.own(listener.abort_handle());
        Ok(Self { hub, publish: tx })
    }
}

impl EventSink for RedisBus {
    fn committed(&self, events: &[OrderEvent]) {
        let Some(newest) = events.iter().map(|e| e.id).max() else { return };
        self.hub.ring(events.to_vec());
        // Only the id goes on the wire: the other instances read the events themselves from
        // the database, so nothing published on Redis is ever delivered as an event.
        if self.publish.try_send(newest.to_string()).is_err() {
            tracing::warn!("redis publish queue full; the other instances will poll the event");
        }
    }
}

impl EventBus for RedisBus {
    fn kind(&self) -> &'static str {
        "redis"
    }
}

/// A Redis client for `url` whose connections send without Nagle's delay (redis-rs leaves it
/// on): a publish or an event message is one small write that must not wait for an ACK.
pub fn redis_client(url: &str) -> redis::RedisResult<redis::Client> {
    use redis::IntoConnectionInfo;
    let info = url.into_connection_info()?;
    let tcp = redis::io::tcp::TcpSettings::default().set_nodelay(true);
    redis::Client::open(info.set_tcp_settings(tcp))
}

/// The channel of the instances sharing `database_url`.
pub fn channel_for(database_url: &str) -> String {
    format!("adbridge:events:{}", crate::cluster::namespace(database_url))
}

async fn publisher(mut conn: redis::aio::ConnectionManager, channel: String, mut rx: mpsc::Receiver<String>) {
    while let Some(text) = rx.recv().await {
        let sent: redis::RedisResult<i64> = conn.publish(&channel, text).await;
        if let Err(e) = sent {
            tracing::warn!(error = %e, "redis publish failed; the other instances will poll the event");
        }
    }
}

/// The one subscribing connection: (re)connects with a capped backoff, and after every
/// (re)subscription asks the hub to resync, since pub/sub loses what was published meanwhile.
async fn listen(client: redis::Client, channel: String, hub: Weak<Hub>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    backoff = Duration::from_millis(50);
                    let Some(h) = hub.upgrade() else { return };
                    h.resync();
                    drop(h);
                    let mut messages = pubsub.into_on_message();
                    while let Some(msg) = messages.next().await {
                        let Some(h) = hub.upgrade() else { return };
                        // A doorbell, not an event: a readable id makes the hub read the
                        // database after its last event (coalesced); anything else is ignored,
                        // so a forged message can neither inject an event nor hide a real one.
                        match msg.get_payload::<String>().ok().and_then(|t| t.trim().parse::<Id>().ok()) {
                            Some(id) => h.doorbell(id),
                            None => {
                                metrics::counter!("adbridge_redis_unreadable_messages_total").increment(1);
                                tracing::debug!("ignoring an unreadable redis event message");
                            }
                        }
                    }
                    metrics::counter!("adbridge_redis_resubscriptions_total").increment(1);
                    tracing::warn!("redis subscription lost; reconnecting");
                    if let Some(h) = hub.upgrade() {
                        h.resync();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "redis subscribe failed"),
            },
            Err(e) => tracing::warn!(error = %e, "redis pub/sub connection failed"),
        }
        if hub.strong_count() == 0 {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}
