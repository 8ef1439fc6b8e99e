//! The instance-level hub: orders incoming events by id, fills gaps from the database and fans
//! each event out to the topics of its order and its two parties.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{OnceCell, broadcast, mpsc};
use tokio::task::AbortHandle;

use crate::domain::Id;
use crate::domain::orders::history::OrderEvent;
use crate::store::Store;
use crate::store::orders::history::EventScope;

/// How often the hub polls the database for events whose publish was lost.
pub const POLL: Duration = Duration::from_millis(500);
/// Events a topic buffers for its slowest receiver before that receiver lags (and resyncs).
pub const TOPIC_CAPACITY: usize = 64;
/// Events kept (with their renderings) for clients that resume after a reconnect.
pub const RECENT: usize = 1024;
/// Events read from the database per catch-up query.
const CATCH_UP_PAGE: u64 = 500;

/// Who listens: the subscribers of one order, or of every order of one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// The events of one order.
    Order(Id),
    /// The events of every order where the user is a party.
    User(Id),
}

impl Topic {
    /// The database scope holding the same events.
    pub fn scope(self) -> EventScope {
        match self {
            Topic::Order(id) => EventScope::Order(id),
            Topic::User(id) => EventScope::Party(id),
        }
    }
}

/// One rendering of an event, filled by the first receiver that needs it.
type Rendering = Arc<OnceCell<Arc<str>>>;

/// One event as fanned out: shared by every receiver, with the renderings computed once for
/// all of them (one per subscription shape, see `graphql::live`).
pub struct Delivered {
    /// The event.
    pub event: OrderEvent,
    renders: Mutex<Vec<(u64, Rendering)>>,
}

impl std::fmt::Debug for Delivered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivered").field("event", &self.event).finish_non_exhaustive()
    }
}

impl Delivered {
    /// Wraps an event.
    pub fn new(event: OrderEvent) -> Self {
        Self { event, renders: Mutex::new(Vec::new()) }
    }

    /// The event's rendering for `shape`: computed by `render` for the first receiver that
    /// asks, awaited (not recomputed) by the receivers asking meanwhile, shared by all.
    pub async fn rendered<F>(&self, shape: u64, render: impl FnOnce() -> F) -> Arc<str>
    where
        F: Future<Output = Arc<str>>,
    {
        let cell = {
            let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
            match renders.iter().find(|(s, _)| *s == shape) {
                Some((_, cell)) => cell.clone(),
                None => {
                    let cell = Arc::new(OnceCell::new());
                    renders.push((shape, cell.clone()));
                    cell
                }
            }
        };
        cell.get_or_init(render).await.clone()
    }
}

/// What rings the hub.
enum Ring {
    /// Events committed (in any order; possibly already seen).
    Events(Vec<OrderEvent>),
    /// Something may have been missed: re-read the database.
    Resync,
}

/// The fan-out point of one instance. See the module documentation of `events`.
pub struct Hub {
    store: Store,
    last_id: AtomicI64,
    topics: Mutex<HashMap<Topic, broadcast::Sender<Arc<Delivered>>>>,
    recent: Mutex<VecDeque<Arc<Delivered>>>,
    rings: mpsc::UnboundedSender<Ring>,
    /// A resync is queued and not started yet: more doorbells add nothing to the queue.
    resync_queued: AtomicBool,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl Hub {
    /// Starts the hub at the newest committed event, polling the database every `poll`.
    pub async fn start(store: Store, poll: Duration) -> anyhow::Result<Arc<Self>> {
        let last = store.last_event_id().await.map_err(|e| anyhow::anyhow!("reading the last event id: {e}"))?;
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = Arc::new(Self {
            store,
            last_id: AtomicI64::new(last),
            topics: Mutex::new(HashMap::new()),
            recent: Mutex::new(VecDeque::with_capacity(RECENT)),
            rings: tx,
            resync_queued: AtomicBool::new(false),
            tasks: Mutex::new(Vec::new()),
        });
        let pump = tokio::spawn(pump(Arc::downgrade(&hub), rx, poll));
        hub.own(pump.abort_handle());
        Ok(hub)
    }

    /// Ties a background task to the hub's lifetime (aborted when the hub is dropped).
    pub(crate) fn own(&self, task: AbortHandle) {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner()).push(task);
    }

    /// The database the hub reads.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The id of the last event fanned out by this instance.
    pub fn last_id(&self) -> Id {
        self.last_id.load(Ordering::Acquire)
    }

    /// Tells the hub that `events` were committed (never blocks).
    pub fn ring(&self, events: Vec<OrderEvent>) {
        if !events.is_empty() {
            let _ = self.rings.send(Ring::Events(events));
        }
    }

    /// Tells the hub it may have missed events (a bus disconnect). Coalesced: however many
    /// arrive while one is queued, one database read serves them all.
    pub fn resync(&self) {
        if !self.resync_queued.swap(true, Ordering::AcqRel) {
            let _ = self.rings.send(Ring::Resync);
        }
    }

    /// Another instance says events up to `id` were committed: read them from the database
    /// (the message is a hint, never an event; an id already seen costs nothing).
    pub fn doorbell(&self, id: Id) {
        if id > self.last_id() {
            self.resync();
        }
    }

    /// A receiver of `topic`'s live events.
    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<Delivered>> {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        topics.entry(topic).or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0).subscribe()
    }

    /// Drops `rx` and forgets `topic` when nobody listens to it any more.
    pub fn unsubscribe(&self, topic: Topic, rx: broadcast::Receiver<Arc<Delivered>>) {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        drop(rx);
        if topics.get(&topic).is_some_and(|tx| tx.receiver_count() == 0) {
            topics.remove(&topic);
        }
    }

    /// How many topics have listeners (for metrics and tests).
    pub fn topic_count(&self) -> usize {
        self.topics.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Fans one event out to its order and its parties, in id order.
    fn deliver(&self, event: OrderEvent) {
        let id = event.id;
        let targets = [Topic::Order(event.order_id), Topic::User(event.advertiser_id), Topic::User(event.influencer_id)];
        let delivered = Arc::new(Delivered::new(event));
        {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            if recent.len() == RECENT {
                recent.pop_front();
            }
            recent.push_back(delivered.clone());
        }
        {
            let topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
            for (i, topic) in targets.iter().enumerate() {
                if targets[..i].contains(topic) {
                    continue;
                }
                if let Some(tx) = topics.get(topic) {
                    let _ = tx.send(delivered.clone());
                }
            }
        }
        self.last_id.store(id, Ordering::Release);
        metrics::counter!("adbridge_events_fanned_out_total").increment(1);
    }

    /// The shared `Delivered` of `event` when it is among the last [`RECENT`] fanned out (so a
    /// client resuming after a reconnect reuses its renderings), a new one otherwise.
    pub fn shared(&self, event: OrderEvent) -> Arc<Delivered> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        match recent.binary_search_by_key(&event.id, |d| d.event.id) {
            Ok(i) => recent[i].clone(),
            Err(_) => Arc::new(Delivered::new(event)),
        }
    }

    /// Handles rung events: delivers the next one directly, reads the database on a gap.
    async fn on_events(&self, mut events: Vec<OrderEvent>) {
        events.sort_by_key(|e| e.id);
        for event in events {
            let last = self.last_id();
            if event.id <= last {
                continue;
            }
            if event.id == last + 1 {
                self.deliver(event);
            } else {
                self.catch_up().await;
            }
        }
    }

    /// Delivers every committed event after `last_id`, from the database.
    async fn catch_up(&self) {
        loop {
            let last = self.last_id();
            match self.store.events_after(EventScope::All, last, CATCH_UP_PAGE).await {
                Ok(batch) => {
                    let full = batch.len() as u64 == CATCH_UP_PAGE;
                    for event in batch {
                        if event.id > self.last_id() {
                            self.deliver(event);
                        }
                    }
                    if !full {
                        return;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "realtime catch-up failed; retrying at the next poll");
                    return;
                }
            }
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        for task in self.tasks.get_mut().unwrap_or_else(|e| e.into_inner()).drain(..) {
            task.abort();
        }
    }
}

/// The hub's one task: rings in arrival order, and a catch-up poll.
async fn pump(hub: Weak<Hub>, mut rings: mpsc::UnboundedReceiver<Ring>, poll: Duration) {
    let mut tick = tokio::time::interval(poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let ring = tokio::select! {
            ring = rings.recv() => match ring {
                Some(ring) => ring,
                None => return,
            },
            _ = tick.tick() => Ring::Resync,
        };
        let Some(hub) = hub.upgrade() else { return };
        match ring {
            Ring::Events(events) => hub.on_events(events).await,
            Ring::Resync => {
                hub.resync_queued.store(false, Ordering::Release);
                hub.catch_up().await
            }
        }
    }
}
