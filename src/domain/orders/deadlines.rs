//! Deadlines as data: the sweeper that expires unanswered orders and verifies undisputed ones.
//!
//! Due-at columns are swept with conditional updates (status and deadline still due), so
//! several instances may sweep at once: each order moves once, with its event. Nothing is
//! kept in memory, so a restart forgets nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::sync::watch;

use super::OrderService;
use super::machine::{OrderAction, OrderStatus};
use super::model::DeadlineKind;
use super::repo::Due;
use crate::domain::DomainResult;

/// Orders moved per query of a sweep.
const BATCH: u64 = 100;

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// `PENDING` orders that expired.
    pub expired: usize,
    /// `COMPLETED` orders verified automatically.
    pub verified: usize,
}

impl OrderService {
    /// Applies every deadline due at `now`.
    #[tracing::instrument(skip(self))]
    pub async fn sweep_due(&self, now: DateTime<Utc>) -> DomainResult<SweepReport> {
        let expired = self.sweep(Due::Answer(now), OrderStatus::Pending, OrderAction::Expire, now).await?;
        let verified = self.sweep(Due::Review(now), OrderStatus::Completed, OrderAction::Verify, now).await?;
        Ok(SweepReport { expired, verified })
    }

    async fn sweep(&self, due: Due, from: OrderStatus, action: OrderAction, now: DateTime<Utc>) -> DomainResult<usize> {
        let mut moved = 0;
        loop {
            let ids = self.repo.due_orders(due, BATCH).await?;
            let mut progressed = false;
            for id in &ids {
                let Some(order) = self.repo.order(*id).await? else { continue };
                if order.status != from {
                    continue;
                }
                let to = from.next(action, order.is_paid())?;
                let mut t = self.transition(&order, to, None, None, now)?;
                t.due = Some(due);
                let deadline = if from == OrderStatus::Pending { DeadlineKind::Answer } else { DeadlineKind::Review };
                t.event.data = json!({ "action": action.as_str(), "deadline": deadline.as_str() });
                if let Some((_, events)) = self.repo.transition(t, now).await? {
                    self.sink.committed(&events);
                    moved += 1;
                    progressed = true;
                }
            }
            if (ids.len() as u64) < BATCH || !progressed {
                return Ok(moved);
            }
        }
    }
}

/// Sweeps every `every` until `stop` turns true. Errors are logged and the next tick retries.
pub async fn run_sweeper(orders: Arc<super::super::Services>, every: Duration, mut stop: watch::Receiver<bool>) {
    // The first sweep comes one period after start, not at once: a test (or an operator) that
    // starts an instance and then moves the clock decides when deadlines are swept.
    let every = every.max(Duration::from_secs(1));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let now = orders.orders.clock.now();
                match orders.orders.sweep_due(now).await {
                    Ok(report) if report != SweepReport::default() => tracing::info!(?report, "deadlines swept"),
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = ?err, "sweeping deadlines failed"),
                }
                match orders.feedback.sweep_due(now).await {
                    Ok(0) => {}
                    Ok(closed) => tracing::info!(closed, "rating windows swept"),
                    Err(err) => tracing::warn!(error = ?err, "sweeping rating windows failed"),
                }
            }
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
    }
}
