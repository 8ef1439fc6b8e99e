//! `OrderEvent`: one entry of an order's history, as `Order.events` and the subscriptions
//! return it.
//!
//! Its `cursor` is opaque: a subscription resumes after it with [`decode_event_cursor`].
//! Kind-specific `details` name other objects by their global ids.

use async_graphql::{Context, Enum, ID, Json, Object, Result};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::enums::OrderStatus;
use crate::domain::orders::history::OrderEvent;
use crate::domain::{DomainError, DomainResult, Id};
use crate::graphql::accounts::UserNode;
use crate::graphql::relay::{decode_cursor, encode_cursor, to_global};
use crate::graphql::services;

/// What happened to an order.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::orders::history::EventKind")]
pub enum OrderEventKind {
    /// The order was placed.
    OrderPlaced,
    /// The order moved from one status to another (`fromStatus` → `toStatus`).
    StatusChanged,
    /// A payment was created.
    PaymentCreated,
    /// A payment failed (`reason`).
    PaymentFailed,
    /// A payment was refunded.
    PaymentRefunded,
    /// A pending payment was voided because its order was cancelled.
    PaymentVoided,
    /// The provider confirmed a payment while the order was on hold: recorded as taken, the
    /// admin's resolution releases or refunds it.
    PaymentSucceeded,
    /// The provider confirmed a payment the order could no longer take (`REFUND_DUE`).
    PaymentRefundDue,
    /// A message was posted in the order's conversation.
    MessagePosted,
    /// The influencer submitted a draft.
    DraftSubmitted,
    /// The advertiser reviewed a draft.
    DraftReviewed,
    /// The revision allowance of the order changed.
    RevisionsChanged,
    /// One side rated the order (`details.side`; the content stays hidden until publication).
    RatingSubmitted,
    /// One side changed its unpublished rating (`details.side`).
    RatingUpdated,
    /// Both ratings (or the ones given before the window closed) became visible
    /// (`details.published`, `details.trigger`: `BOTH_RATED` or `WINDOW_CLOSED`).
    RatingsPublished,
    /// The rated side replied to a published rating (`details.side` of the rating).
    RatingReplied,
}

/// The opaque cursor of event `id`: pass it as `after` to resume a subscription.
pub fn event_cursor(id: Id) -> String {
    encode_cursor(&json!({ "e": id }))
}

/// The event id of a cursor made by [`event_cursor`]; `BAD_USER_INPUT` on `field` otherwise.
pub fn decode_event_cursor(field: &str, cursor: &str) -> DomainResult<Id> {
    decode_cursor(field, cursor)?
        .get("e")
        .and_then(Value::as_i64)
        .filter(|id| *id >= 0)
        .ok_or_else(|| DomainError::bad_input(field, "is not a valid event cursor"))
}

/// One entry of an order's history.
pub struct OrderEventNode(pub OrderEvent);

#[Object(name = "OrderEvent")]
impl OrderEventNode {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global("OrderEvent", self.0.id)
    }
    /// Opaque position in the event log: subscriptions resume after it.
    async fn cursor(&self) -> String {
        event_cursor(self.0.id)
    }
    /// The order's global id.
    async fn order_id(&self) -> ID {
        to_global("Order", self.0.order_id)
    }
    /// Position within the order's history, from 1 without gaps.
    async fn seq(&self) -> i64 {
        self.0.seq
    }
    /// What happened.
    async fn kind(&self) -> OrderEventKind {
        self.0.kind.into()
    }
    /// Who did it (`null`: the system or the payment provider).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<UserNode>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        Ok(services(ctx).accounts.user(id).await?.map(UserNode::public))
    }
    /// The status before, for status changes.
    async fn from_status(&self) -> Option<OrderStatus> {
        self.0.from_status.as_deref().and_then(crate::domain::orders::OrderStatus::from_db).map(Into::into)
    }
    /// The status after (for status changes and the placement).
    async fn to_status(&self) -> Option<OrderStatus> {
        self.0.to_status.as_deref().and_then(crate::domain::orders::OrderStatus::from_db).map(Into::into)
    }
    /// The reason the actor gave.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// Kind-specific details (the action, the payment, the message, the draft…); ids in it
    /// are global ids.
    async fn details(&self) -> Json<Value> {
        Json(globalise(&self.0.data))
    }
    /// When it was committed.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Replaces database ids in event details (`paymentId: 3`) by global ids.
fn globalise(data: &Value) -> Value {
    let Value::Object(map) = data else { return data.clone() };
    let out = map
        .iter()
        .map(|(key, value)| {
            let type_name = match key.as_str() {
                "paymentId" => Some("Payment"),
                "messageId" => Some("Message"),
                "draftId" => Some("Draft"),
                "adSpaceId" => Some("AdSpace"),
                "orderId" => Some("Order"),
                "userId" | "authorId" | "reviewerId" => Some("User"),
                _ => None,
            };
            let value = match (type_name, value.as_i64()) {
                (Some(t), Some(id)) => Value::String(to_global(t, id).0),
                _ => value.clone(),
            };
            (key.clone(), value)
        })
        .collect();
    Value::Object(out)
}

impl From<OrderEvent> for OrderEventNode {
    fn from(e: OrderEvent) -> Self {
        Self(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_cursors_round_trip_and_junk_is_refused() {
        assert_eq!(decode_event_cursor("after", &event_cursor(42)).unwrap(), 42);
        assert!(decode_event_cursor("after", "junk").is_err());
        assert!(decode_event_cursor("after", &encode_cursor(&json!({ "o": 1 }))).is_err());
    }

    #[test]
    fn details_carry_global_ids() {
        let out = globalise(&json!({ "paymentId": 3, "action": "ACCEPT" }));
        assert_eq!(out["paymentId"], json!(to_global("Payment", 3).0));
        assert_eq!(out["action"], json!("ACCEPT"));
    }
}
