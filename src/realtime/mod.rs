//! The realtime feed: publishing committed order events and fanning them out to subscriptions.
//!
//! # Design
//!
//! The database is the source of truth; the bus is only a doorbell.
//!
//! - **Publishing.** Services append events inside their transaction and, after commit, call
//!   the domain's [`EventSink`] port. Every [`EventBus`] is that sink. The in-process bus
//!   ([`InProcessBus`], the embedded default) rings this instance's [`Hub`] directly; the Redis
//!   bus ([`RedisBus`], with `REDIS_URL`) rings the local hub too and `PUBLISH`es the id of the
//!   newest committed event, from one publisher task, on a channel named after the database.
//!   Only ids cross Redis: an instance that hears one reads the events from the database, so a
//!   message forged on the channel is never delivered as an event and cannot make the hub skip
//!   a real one (a bogus id costs one read that finds nothing new; unreadable ones are ignored).
//! - **One subscribing Redis connection per instance**, re-subscribed after any disconnect
//!   (`get_async_pubsub` never reconnects by itself: its stream just ends). Each (re)connection
//!   asks the hub to resync from the database, since messages published during the gap are
//!   lost.
//! - **The hub** ([`Hub`]) is one task per instance that owns `last_id`, the id of the last
//!   event it fanned out. Event ids are handed out in commit order (see `store::events`), so the
//!   hub delivers an incoming event directly only when its id is `last_id + 1`. Anything else —
//!   an id further ahead (a lost or reordered publish), a Redis reconnect — makes it read
//!   `events_after(All, last_id)` from the database and deliver the missing events in order.
//!   It also polls the database every [`POLL`] so an event whose publish was lost altogether
//!   (a crash between commit and publish: the outbox relay) is delivered anyway.
//! - **Fan-out by topic.** The hub keeps one `tokio::sync::broadcast` sender per order and per
//!   user that somebody listens to, created on first subscribe and removed with the last
//!   receiver. An event goes to its order's topic and to the topics of its two parties only, so
//!   an event wakes only the sockets that should get it, whatever the number of other
//!   subscribers. Each event is wrapped once in an `Arc` ([`Delivered`]) shared by every
//!   receiver, together with its renderings: one per subscription shape, computed by the
//!   first socket that needs it (`graphql::live`) and only framed by the others.
//! - **Subscriptions** ([`Hub::feed`]) subscribe to their live topic *first*, then replay
//!   `events_after(scope, cursor)` from the database, then stream live events, skipping ids
//!   already sent: no gap, no duplicate, in order. A lagging receiver (a slow consumer that
//!   fell more than [`TOPIC_CAPACITY`] events behind) re-reads the database from the last id it
//!   sent.

mod hub;
mod redis;
mod stream;

use std::sync::Arc;

pub use hub::{Delivered, Hub, POLL, TOPIC_CAPACITY, Topic};
pub use redis::{RedisBus, channel_for, redis_client};
pub use stream::Feed;

use crate::config::Config;
use crate::domain::orders::history::{EventSink, OrderEvent};
use crate::store::Store;

/// Publishes committed events to every instance's hub. It is the domain's [`EventSink`].
pub trait EventBus: EventSink {
    /// Which implementation this is (`in-process` or `redis`), for logs and `/readyz`.
    fn kind(&self) -> &'static str;
}

/// The embedded default: one instance, the hub rung directly.
pub struct InProcessBus {
    hub: Arc<Hub>,
}

impl InProcessBus {
    /// A bus ringing `hub`.
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

impl EventSink for InProcessBus {
    fn committed(&self, events: &[OrderEvent]) {
        self.hub.ring(events.to_vec());
    }
}

impl EventBus for InProcessBus {
    fn kind(&self) -> &'static str {
        "in-process"
    }
}

/// The realtime machinery of one instance: its hub and the bus that rings it.
#[derive(Clone)]
pub struct Realtime {
    /// Fans events out to this instance's subscriptions.
    pub hub: Arc<Hub>,
    /// Publishes committed events (the services' event sink).
    pub bus: Arc<dyn EventBus>,
}

impl Realtime {
    /// Starts the hub and the bus chosen by `config`: Redis when `redis_url` is set
    /// (`redis` is the already connected publishing connection), in-process otherwise.
    pub async fn start(config: &Config, store: &Store, redis: Option<::redis::aio::ConnectionManager>) -> anyhow::Result<Self> {
        let hub = Hub::start(store.clone(), POLL).await?;
        let bus: Arc<dyn EventBus> = match (&config.redis_url, redis) {
            (Some(url), Some(conn)) => Arc::new(RedisBus::start(url, conn, &config.database_url, hub.clone())?),
            _ => Arc::new(InProcessBus::new(hub.clone())),
        };
        tracing::info!(bus = bus.kind(), "realtime feed started");
        Ok(Self { hub, bus })
    }

    /// The services' event sink.
    pub fn sink(&self) -> Arc<dyn EventSink> {
        self.bus.clone()
    }
}
