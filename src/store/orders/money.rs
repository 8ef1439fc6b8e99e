//! The money invariants (written down in `docs/architecture.md`, "Money invariants"), checked
//! against what the database holds. The race tests run this after every round; an operator can
//! run it against a live database too (`adbridge check-money`).

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::domain::orders::{OrderStatus, PaymentStatus};
use crate::domain::{DomainResult, Id};
use crate::store::entities::{order, order_event, payment};
use crate::store::{Store, internal};

/// Statuses in which an order holds the advertiser's money (it was received and not given back).
const HOLDING: [OrderStatus; 5] =
    [OrderStatus::PaymentReceived, OrderStatus::Processing, OrderStatus::Completed, OrderStatus::Disputed, OrderStatus::Verified];
/// Statuses in which an order must not hold money.
const CLOSED_UNPAID: [OrderStatus; 4] = [OrderStatus::Cancelled, OrderStatus::Refunded, OrderStatus::Declined, OrderStatus::Expired];

impl Store {
    /// Every breach of the money invariants, one sentence each; empty when the books are right.
    pub async fn money_invariant_violations(&self) -> DomainResult<Vec<String>> {
        let orders: Vec<(Id, String, Option<chrono::DateTime<chrono::Utc>>)> = order::Entity::find()
            .select_only()
            .columns([order::Column::Id, order::Column::Status, order::Column::PaidAt])
            .into_tuple()
            .all(self.db())
            .await
            .map_err(internal)?;
        let payments: Vec<(Id, Id, String)> = payment::Entity::find()
            .select_only()
            .columns([payment::Column::Id, payment::Column::OrderId, payment::Column::Status])
            .into_tuple()
            .all(self.db())
            .await
            .map_err(internal)?;
        let events: Vec<(String, String)> = order_event::Entity::find()
            .select_only()
            .columns([order_event::Column::Kind, order_event::Column::Data])
            .filter(order_event::Column::Kind.starts_with("PAYMENT_"))
            .into_tuple()
            .all(self.db())
            .await
            .map_err(internal)?;
        // (payment id, event kind) pairs present in the history.
        let traced: HashSet<(Id, String)> = events
            .into_iter()
            .filter_map(|(kind, data)| {
                let id = serde_json::from_str::<serde_json::Value>(&data).ok()?.get("paymentId")?.as_i64()?;
                Some((id, kind))
            })
            .collect();
        let mut by_order: HashMap<Id, Vec<(Id, PaymentStatus)>> = HashMap::new();
        let mut out = Vec::new();
        for (id, order_id, status) in payments {
            let Some(status) = PaymentStatus::from_db(&status) else {
                out.push(format!("payment {id} has an unknown status {status:?}"));
                continue;
            };
            let needs: &[&str] = match status {
                PaymentStatus::Pending | PaymentStatus::Succeeded => &[],
                PaymentStatus::Failed => &["PAYMENT_FAILED"],
                PaymentStatus::Voided => &["PAYMENT_VOIDED"],
                PaymentStatus::RefundDue => &["PAYMENT_REFUND_DUE"],
                PaymentStatus::Refunded => &["PAYMENT_REFUNDED"],
            };
            for kind in std::iter::once(&"PAYMENT_CREATED").chain(needs) {
                if !traced.contains(&(id, (*kind).to_owned())) {
                    out.push(format!("payment {id} is {} without a {kind} event", status.as_str()));
                }
            }
            by_order.entry(order_id).or_default().push((id, status));
        }
        for (id, status, paid_at) in orders {
            let Some(status) = OrderStatus::from_db(&status) else { continue };
            let mine = by_order.remove(&id).unwrap_or_default();
            let count = |s: PaymentStatus| mine.iter().filter(|(_, p)| *p == s).count();
            let succeeded = count(PaymentStatus::Succeeded);
            if succeeded > 1 {
                out.push(format!("order {id} has {succeeded} succeeded payments"));
            }
            if CLOSED_UNPAID.contains(&status) && succeeded > 0 {
                out.push(format!("order {id} is {} while holding a succeeded payment", status.as_str()));
            }
            let holds = HOLDING.contains(&status) || (status == OrderStatus::OnHold && paid_at.is_some());
            if holds && succeeded != 1 {
                out.push(format!("order {id} is {} (paid) with {succeeded} succeeded payments", status.as_str()));
            }
            if paid_at.is_none() && succeeded > 0 {
                out.push(format!("order {id} is not paid but has a succeeded payment"));
            }
            if status == OrderStatus::Refunded && count(PaymentStatus::Refunded) == 0 {
                out.push(format!("order {id} is REFUNDED without a refunded payment"));
            }
            let pending_ok = matches!(status, OrderStatus::PaymentRequired | OrderStatus::OnHold) && paid_at.is_none();
            if count(PaymentStatus::Pending) > 0 && !pending_ok {
                out.push(format!("order {id} is {} with a pending payment", status.as_str()));
            }
        }
        for (order_id, _) in by_order {
            out.push(format!("payments of order {order_id}, which does not exist"));
        }
        Ok(out)
    }
}
