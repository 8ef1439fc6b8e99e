//! The Redis bus: `PUBLISH` after commit from one ordered publisher task, and one subscribing
//! connection per instance that reconnects (and resyncs the hub) after any disconnect.

use std::sync::{Arc, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::EventBus;
use super::hub::Hub;
use crate::domain::Id;
use crate::domain::orders::history::{EventKind, EventSink, OrderEvent};

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
        if events.is_empty() {
            return;
        }
        self.hub.ring(events.to_vec());
        let wire: Vec<Wire> = events.iter().map(Wire::from).collect();
        match serde_json::to_string(&wire) {
            Ok(text) => {
                if self.publish.try_send(text).is_err() {
                    tracing::warn!("redis publish queue full; the other instances will poll the event");
                }
            }
            Err(e) => tracing::error!(error = %e, "serialising events for redis"),
        }
    }
}

impl EventBus for RedisBus {
    fn kind(&self) -> &'static str {
        "redis"
    }
}

/// The channel of the instances sharing `database_url`.
/// A Redis client for `url` whose connections send without Nagle's delay (redis-rs leaves it
/// on): a publish or an event message is one small write that must not wait for an ACK.
pub fn redis_client(url: &str) -> redis::RedisResult<redis::Client> {
    use redis::IntoConnectionInfo;
    let info = url.into_connection_info()?;
    let tcp = redis::io::tcp::TcpSettings::default().set_nodelay(true);
    redis::Client::open(info.set_tcp_settings(tcp))
}

pub fn channel_for(database_url: &str) -> String {
    let digest = Sha256::digest(database_url.as_bytes());
    format!("adbridge:events:{}", hex::encode(&digest[..8]))
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
                        match msg.get_payload::<String>().map_err(anyhow::Error::from).and_then(|t| parse(&t)) {
                            Ok(events) => h.ring(events),
                            Err(e) => {
                                tracing::warn!(error = %e, "unreadable redis event message");
                                h.resync();
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

fn parse(text: &str) -> anyhow::Result<Vec<OrderEvent>> {
    let wire: Vec<Wire> = serde_json::from_str(text)?;
    wire.into_iter().map(OrderEvent::try_from).collect()
}

/// An event on the wire.
#[derive(Serialize, Deserialize)]
struct Wire {
    id: Id,
    order_id: Id,
    seq: i64,
    kind: String,
    actor_id: Option<Id>,
    from_status: Option<String>,
    to_status: Option<String>,
    reason: Option<String>,
    data: serde_json::Value,
    created_at: DateTime<Utc>,
    advertiser_id: Id,
    influencer_id: Id,
}

impl From<&OrderEvent> for Wire {
    fn from(e: &OrderEvent) -> Self {
        Self {
            id: e.id,
            order_id: e.order_id,
            seq: e.seq,
            kind: e.kind.as_str().to_owned(),
            actor_id: e.actor_id,
            from_status: e.from_status.clone(),
            to_status: e.to_status.clone(),
            reason: e.reason.clone(),
            data: e.data.clone(),
            created_at: e.created_at,
            advertiser_id: e.advertiser_id,
            influencer_id: e.influencer_id,
        }
    }
}

impl TryFrom<Wire> for OrderEvent {
    type Error = anyhow::Error;

    fn try_from(w: Wire) -> anyhow::Result<Self> {
        let kind = EventKind::from_db(&w.kind).ok_or_else(|| anyhow::anyhow!("unknown event kind {:?}", w.kind))?;
        Ok(Self {
            id: w.id,
            order_id: w.order_id,
            seq: w.seq,
            kind,
            actor_id: w.actor_id,
            from_status: w.from_status,
            to_status: w.to_status,
            reason: w.reason,
            data: w.data,
            created_at: w.created_at,
            advertiser_id: w.advertiser_id,
            influencer_id: w.influencer_id,
        })
    }
}
