//! Orders: placing an order and carrying it through the state machine, with payments, proofs
//! of delivery, disputes, deadlines and the event log.
//!
//! [`machine`] is the one table of legal moves. [`OrderService`] loads an order, checks who
//! the viewer is to it (`NOT_FOUND` for strangers, `FORBIDDEN` for the wrong side), asks the
//! table, then hands the store one [`repo::Transition`] that it writes in one transaction with
//! a compare-and-set, so two racing clicks never both win. Committed events go to the
//! [`EventSink`] after commit.

pub mod access;
pub mod deadlines;
pub mod history;
pub mod machine;
pub mod model;
pub mod payments;
pub mod repo;
mod service;
pub mod settlement;
pub mod table;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

pub use machine::{OrderAction, OrderStatus, Party};
pub use model::{Deadline, DeadlineKind, DeliveryProof, Order, Payment, PaymentStatus, ProofKind};
pub use payments::{PaymentProvider, SandboxProvider};
pub use service::{ActInput, MyOrdersFilter, OrderPage, OrderWindow, PlaceOrder, Side};

use super::clock::Clock;
use history::EventSink;
use repo::OrdersRepo;

/// The orders service: every read and write of orders goes through it.
pub struct OrderService {
    repo: Arc<dyn OrdersRepo>,
    clock: Arc<dyn Clock>,
    sink: Arc<dyn EventSink>,
    provider: Arc<dyn PaymentProvider>,
    settings: OrderSettings,
}

/// The configurable windows and secrets of the orders area.
#[derive(Debug, Clone)]
pub struct OrderSettings {
    /// How long a `PENDING` order waits for the influencer.
    pub answer_window: Duration,
    /// How long a `COMPLETED` order waits for the advertiser.
    pub review_window: Duration,
    /// How long both sides may rate after the first delivery (the window opens with it).
    pub rating_window: Duration,
    /// The secret that signs payment webhooks; `None` refuses every delivery (no secret that
    /// ships with the code may ever authorise a payment).
    pub webhook_secret: Option<String>,
}

impl OrderService {
    /// Builds the service over its ports.
    pub fn new(
        repo: Arc<dyn OrdersRepo>,
        clock: Arc<dyn Clock>,
        sink: Arc<dyn EventSink>,
        provider: Arc<dyn PaymentProvider>,
        settings: OrderSettings,
    ) -> Self {
        Self { repo, clock, sink, provider, settings }
    }
}
