//! One subscription's stream of events: live topic first, then the database replay, then live
//! events, each id at most once and in order; a lagging receiver resyncs from the database.

use std::collections::VecDeque;
use std::sync::Arc;

use futures::Stream;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use super::hub::{Delivered, Hub, Topic};
use crate::domain::{DomainResult, Id};

/// Events replayed from the database per query.
const REPLAY_PAGE: u64 = 200;

/// The state of one subscription's stream.
pub struct Feed {
    hub: Arc<Hub>,
    topic: Topic,
    rx: Option<broadcast::Receiver<Arc<Delivered>>>,
    backlog: VecDeque<Arc<Delivered>>,
    last_sent: Id,
    replay: bool,
}

impl Hub {
    /// The events of `topic` after `after` (or, without a cursor, from now on), as a stream.
    ///
    /// Subscribes to the live topic before reading the database, so nothing committed in
    /// between is missed; ids already sent are skipped, so nothing is sent twice. "From now on"
    /// is the newest event committed in the database, not the newest the hub has seen: the hub
    /// lags the database by one doorbell, and an older event must not arrive as a live one.
    pub async fn feed(
        self: &Arc<Self>,
        topic: Topic,
        after: Option<Id>,
    ) -> impl Stream<Item = DomainResult<Arc<Delivered>>> + Send + 'static + use<> {
        // The feed owns the receiver from here: dropped at any await below, it unsubscribes.
        let rx = self.subscribe(topic);
        let mut feed = Feed {
            hub: self.clone(),
            topic,
            rx: Some(rx),
            backlog: VecDeque::new(),
            last_sent: after.unwrap_or(0),
            replay: after.is_some(),
        };
        if after.is_none() {
            feed.last_sent = match self.store().last_event_id().await {
                Ok(newest) => newest.max(self.last_id()),
                Err(e) => {
                    tracing::warn!(error = ?e, "reading the newest event id; starting from the hub's");
                    self.last_id()
                }
            };
        }
        futures::stream::unfold(feed, |mut feed| async move {
            let next = feed.next().await?;
            Some((next, feed))
        })
    }
}

impl Feed {
    /// The next event to send, `None` when the hub is gone.
    async fn next(&mut self) -> Option<DomainResult<Arc<Delivered>>> {
        loop {
            if let Some(d) = self.backlog.pop_front() {
                if d.event.id > self.last_sent {
                    self.last_sent = d.event.id;
                    return Some(Ok(d));
                }
                continue;
            }
            if self.replay {
                // Boxed: an idle feed's future stays small (it waits on the topic, not on the database).
                match Box::pin(self.hub.store().events_after(self.topic.scope(), self.last_sent, REPLAY_PAGE)).await {
                    Ok(batch) => {
                        self.replay = batch.len() as u64 == REPLAY_PAGE;
                        self.backlog.extend(batch.into_iter().map(|e| self.hub.shared(e)));
                        continue;
                    }
                    Err(e) => return Some(Err(e)),
                }
            }
            let rx = self.rx.as_mut()?;
            match rx.recv().await {
                Ok(d) => {
                    if d.event.id > self.last_sent {
                        self.last_sent = d.event.id;
                        return Some(Ok(d));
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    metrics::counter!("adbridge_feed_resyncs_total").increment(1);
                    tracing::debug!(missed, topic = ?self.topic, "subscription lagged; replaying from the database");
                    self.replay = true;
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        if let Some(rx) = self.rx.take() {
            self.hub.unsubscribe(self.topic, rx);
        }
    }
}
