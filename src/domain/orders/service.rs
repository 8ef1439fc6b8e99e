//! Placing, reading and moving orders.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::OrderService;
use super::machine::{OrderAction, OrderStatus, Party, invalid};
use super::model::{NewOrder, Order, PaymentStatus, ProofKind};
use super::repo::{OrderQuery, Transition};
use crate::domain::accounts::Role;
use crate::domain::orders::history::{EventKind, NewOrderEvent, OrderEvent};
use crate::domain::values::{self, http_url, optional_http_url, optional_text, text};
use crate::domain::{DomainError, DomainResult, Id, Viewer};

/// Longest brief, in characters.
pub const MAX_BRIEF: usize = 5000;
/// Longest reason or note, in characters.
pub const MAX_REASON: usize = 2000;
/// Most proofs of delivery on one completion.
pub const MAX_PROOFS: usize = 10;

/// Input of `placeOrder`.
#[derive(Debug, Clone, Default)]
pub struct PlaceOrder {
    /// The ad space to book.
    pub ad_space_id: Id,
    /// What the campaign needs.
    pub brief: String,
    /// A portfolio reference (http(s) URL).
    pub portfolio_url: Option<String>,
    /// The first message of the conversation.
    pub first_message: Option<String>,
    /// The same key by the same advertiser gives back the same order.
    pub idempotency_key: Option<String>,
}

/// What a transition may carry besides the order.
#[derive(Debug, Clone, Default)]
pub struct ActInput {
    /// Reason (required for decline, cancel, dispute and hold).
    pub reason: Option<String>,
    /// Delivery note (complete).
    pub note: Option<String>,
    /// Proofs of delivery (complete).
    pub proofs: Vec<(ProofKind, String)>,
}

/// Which side of an order the viewer is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Orders the viewer placed.
    Advertiser,
    /// Orders of the viewer's ad spaces.
    Influencer,
}

/// Which page of `myOrders` (newest first): `limit` orders older than `after`, or (`from_end`)
/// the `limit` orders just newer than `before`.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderWindow {
    /// Only orders older than this one (the `after` cursor).
    pub after: Option<Id>,
    /// Only orders newer than this one (the `before` cursor).
    pub before: Option<Id>,
    /// Page size.
    pub limit: usize,
    /// Take the end of the range next to `before` (`last`) instead of its start (`first`).
    pub from_end: bool,
}

/// A page of `myOrders`, newest first, and whether more exist on either side.
#[derive(Debug, Clone)]
pub struct OrderPage {
    /// The orders, newest first.
    pub orders: Vec<Order>,
    /// Newer orders exist before the first one.
    pub has_previous: bool,
    /// Older orders exist after the last one.
    pub has_next: bool,
}

/// Filter of `myOrders`.
#[derive(Debug, Clone, Default)]
pub struct MyOrdersFilter {
    /// Only these statuses.
    pub statuses: Vec<OrderStatus>,
    /// Only this side.
    pub side: Option<Side>,
    /// Placed at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Placed before.
    pub created_to: Option<DateTime<Utc>>,
}

impl OrderService {
    /// Places an order on an active ad space: `PENDING`, with the space's terms copied.
    #[tracing::instrument(skip_all, fields(ad_space = input.ad_space_id))]
    pub async fn place_order(&self, viewer: &Viewer, input: PlaceOrder) -> DomainResult<Order> {
        let advertiser_id = viewer.require_role(Role::Advertiser)?;
        let brief = text("brief", &input.brief, 1, MAX_BRIEF)?;
        let portfolio_url = optional_http_url("portfolioReference", input.portfolio_url.as_deref())?;
        let first_message = optional_text("firstMessage", input.first_message.as_deref(), MAX_REASON)?;
        let idempotency_key = optional_text("idempotencyKey", input.idempotency_key.as_deref(), 200)?;
        let space = self.repo.ad_space_terms(input.ad_space_id).await?.ok_or(DomainError::NotFound("ad space"))?;
        if space.archived {
            return Err(DomainError::bad_input("adSpaceId", "this ad space is archived and can no longer be ordered"));
        }
        if space.influencer_id == advertiser_id {
            return Err(DomainError::forbidden("you cannot order your own ad space"));
        }
        let now = self.clock.now();
        let answer_due_at = now + chrono::Duration::from_std(self.settings.answer_window).map_err(DomainError::internal)?;
        let ad_space_id = space.id;
        let new = NewOrder { advertiser_id, space, brief, portfolio_url, first_message, idempotency_key, answer_due_at };
        let mut event = NewOrderEvent::new(EventKind::OrderPlaced, Some(advertiser_id), json!({ "adSpaceId": ad_space_id }));
        event.to_status = Some(OrderStatus::Pending.as_str().to_owned());
        let (order, events) = self.repo.insert_order(new, event, now).await?;
        if order.ad_space_id != ad_space_id {
            return Err(DomainError::Conflict("this idempotency key was already used for an order of another ad space".into()));
        }
        if !events.is_empty() {
            self.sink.committed(&events);
        }
        Ok(order)
    }

    /// One order, if the viewer is its advertiser, its influencer or an admin; `NOT_FOUND` otherwise.
    pub async fn order(&self, viewer: &Viewer, id: Id) -> DomainResult<Order> {
        let (order, _) = self.visible(viewer, id).await?;
        Ok(order)
    }

    /// The order and the viewer's side of it.
    pub(super) async fn visible(&self, viewer: &Viewer, id: Id) -> DomainResult<(Order, Party)> {
        let (user_id, _) = viewer.require()?;
        let order = self.repo.order(id).await?.ok_or(DomainError::NotFound("order"))?;
        let party = order.party_of(user_id, viewer.is_admin()).ok_or(DomainError::NotFound("order"))?;
        Ok((order, party))
    }

    /// A page of the viewer's orders, newest first: `first` after the cursor `after` (older
    /// orders), or `last` before the cursor `before` (newer ones). Admins without a side see
    /// every order.
    pub async fn my_orders(&self, viewer: &Viewer, filter: MyOrdersFilter, window: OrderWindow) -> DomainResult<OrderPage> {
        let mut query = self.orders_query(viewer, filter)?;
        query.before_id = window.after;
        query.above_id = window.before;
        query.oldest_first = window.from_end;
        query.limit = window.limit as u64 + 1;
        let mut orders = self.repo.orders(query).await?;
        let more = orders.len() > window.limit;
        orders.truncate(window.limit);
        if window.from_end {
            orders.reverse();
            Ok(OrderPage { orders, has_previous: more, has_next: window.before.is_some() })
        } else {
            Ok(OrderPage { orders, has_previous: window.after.is_some(), has_next: more })
        }
    }

    /// How many orders `myOrders` lists with this filter, over all pages (one indexed count).
    pub async fn count_my_orders(&self, viewer: &Viewer, filter: MyOrdersFilter) -> DomainResult<u64> {
        self.repo.count_orders(self.orders_query(viewer, filter)?).await
    }

    fn orders_query(&self, viewer: &Viewer, filter: MyOrdersFilter) -> DomainResult<OrderQuery> {
        let (user_id, _) = viewer.require()?;
        let mut query = OrderQuery {
            statuses: filter.statuses,
            created_from: filter.created_from.map(|t| values::timestamp("createdAfter", t)).transpose()?,
            created_to: filter.created_to.map(|t| values::timestamp("createdBefore", t)).transpose()?,
            ..Default::default()
        };
        match filter.side {
            Some(Side::Advertiser) => query.advertiser_id = Some(user_id),
            Some(Side::Influencer) => query.influencer_id = Some(user_id),
            None if viewer.is_admin() => {}
            None => query.party_id = Some(user_id),
        }
        Ok(query)
    }

    /// The history of an order the viewer was allowed to load.
    pub async fn events_of(&self, order: &Order) -> DomainResult<Vec<OrderEvent>> {
        self.repo.order_events(order.id).await
    }

    /// One event, if the viewer may see its order; `NOT_FOUND` otherwise.
    pub async fn order_event(&self, viewer: &Viewer, id: Id) -> DomainResult<OrderEvent> {
        let event = self.repo.order_event(id).await?.ok_or(DomainError::NotFound("order event"))?;
        self.visible(viewer, event.order_id).await.map_err(|_| DomainError::NotFound("order event"))?;
        Ok(event)
    }

    /// How many events an order has (tests assert that refused input wrote nothing).
    pub async fn event_count(&self, order_id: Id) -> DomainResult<u64> {
        self.repo.event_count(order_id).await
    }

    /// The proofs of delivery of an order the viewer was allowed to load.
    pub async fn proofs_of(&self, order: &Order) -> DomainResult<Vec<super::DeliveryProof>> {
        self.repo.proofs(order.id).await
    }

    /// What the viewer may do to the order now (the buttons a frontend shows).
    pub fn available_actions(&self, viewer: &Viewer, order: &Order) -> Vec<OrderAction> {
        let Some(party) = viewer.user_id().and_then(|id| order.party_of(id, viewer.is_admin())) else { return Vec::new() };
        OrderAction::ALL.iter().copied().filter(|a| a.permits(party) && order.status.next(*a, order.is_paid()).is_ok()).collect()
    }

    /// Makes a party's or an admin's move: one transaction with a compare-and-set, then the
    /// events go to the sink. A lost race is `INVALID_TRANSITION` naming the status found.
    #[tracing::instrument(skip(self, viewer, input))]
    pub async fn act(&self, viewer: &Viewer, order_id: Id, action: OrderAction, input: ActInput) -> DomainResult<Order> {
        if matches!(action, OrderAction::Pay | OrderAction::ConfirmPayment | OrderAction::Expire) {
            return Err(action.forbidden());
        }
        let reason = if action.requires_reason() {
            Some(text("reason", input.reason.as_deref().unwrap_or_default(), 1, MAX_REASON)?)
        } else {
            optional_text("reason", input.reason.as_deref(), MAX_REASON)?
        };
        let (note, proofs) = if action == OrderAction::Complete { parse_delivery(&input)? } else { (None, Vec::new()) };
        for _ in 0..3 {
            let (order, party) = self.visible(viewer, order_id).await?;
            if !action.permits(party) {
                return Err(action.forbidden());
            }
            let to = order.status.next(action, order.is_paid())?;
            let now = self.clock.now();
            let mut t = self.transition(&order, to, viewer.user_id(), reason.clone(), now)?;
            t.version = Some(order.version);
            t.completion_note = note.clone();
            t.proofs = proofs.clone();
            t.event.data = json!({ "action": action.as_str() });
            if action == OrderAction::Refund {
                self.refund_into(&order, &mut t).await?;
            }
            if to == OrderStatus::Cancelled {
                self.void_into(&order, &mut t).await?;
            }
            match self.repo.transition(t, now).await? {
                Some((order, events)) => {
                    self.sink.committed(&events);
                    return Ok(order);
                }
                None => {
                    let found = self.repo.order(order_id).await?.ok_or(DomainError::NotFound("order"))?;
                    if found.status != order.status {
                        return Err(invalid(found.status, action));
                    }
                }
            }
        }
        Err(DomainError::Conflict("the order kept changing; try again".into()))
    }

    /// The write of a move from the order's status to `to`, with the deadlines it starts or ends.
    pub(super) fn transition(
        &self,
        order: &Order,
        to: OrderStatus,
        actor_id: Option<Id>,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> DomainResult<Transition> {
        let (review_due_at, rating_due_at) = if to == OrderStatus::Completed {
            let review = now + chrono::Duration::from_std(self.settings.review_window).map_err(DomainError::internal)?;
            let rating = now + chrono::Duration::from_std(self.settings.rating_window).map_err(DomainError::internal)?;
            (Some(review), Some(rating))
        } else {
            (None, None)
        };
        let mut event = NewOrderEvent::new(EventKind::StatusChanged, actor_id, json!({}));
        event.from_status = Some(order.status.as_str().to_owned());
        event.to_status = Some(to.as_str().to_owned());
        event.reason = reason;
        Ok(Transition {
            order_id: order.id,
            from: order.status,
            to,
            version: None,
            due: None,
            actor_id,
            answer_due_at: None,
            review_due_at,
            rating_due_at,
            completion_note: None,
            proofs: Vec::new(),
            payment: None,
            before: Vec::new(),
            event,
        })
    }

    /// Refunds the order's received payment with the provider and adds the payment's change to `t`.
    async fn refund_into(&self, order: &Order, t: &mut Transition) -> DomainResult<()> {
        let payments = self.repo.payments(order.id).await?;
        let Some(paid) = payments.iter().find(|p| p.status == PaymentStatus::Succeeded) else { return Ok(()) };
        self.provider.refund(&paid.provider_ref, paid.amount_minor, &paid.currency).await?;
        t.payment = Some((paid.id, PaymentStatus::Succeeded, PaymentStatus::Refunded));
        let data = json!({ "paymentId": paid.id, "amountMinor": paid.amount_minor, "currency": paid.currency });
        t.before.push(NewOrderEvent::new(EventKind::PaymentRefunded, t.actor_id, data));
        Ok(())
    }
}

impl OrderService {
    /// Voids the order's pending payment with the provider and adds the payment's change to `t`:
    /// the cancellation and the void commit together, and a confirmation that lands first makes
    /// the cancellation lose its compare-and-set (the order was paid after all).
    async fn void_into(&self, order: &Order, t: &mut Transition) -> DomainResult<()> {
        let payments = self.repo.payments(order.id).await?;
        let Some(pending) = payments.iter().find(|p| p.status == PaymentStatus::Pending) else { return Ok(()) };
        self.provider.void(&pending.provider_ref).await?;
        t.payment = Some((pending.id, PaymentStatus::Pending, PaymentStatus::Voided));
        t.before.push(NewOrderEvent::new(EventKind::PaymentVoided, t.actor_id, json!({ "paymentId": pending.id })));
        Ok(())
    }
}

/// A completion's note and proofs.
type Delivery = (Option<String>, Vec<(ProofKind, String)>);

/// The note and proofs of a completion: a note and 1 to [`MAX_PROOFS`] http(s) proofs.
fn parse_delivery(input: &ActInput) -> DomainResult<Delivery> {
    let note = text("note", input.note.as_deref().unwrap_or_default(), 1, MAX_REASON)?;
    if input.proofs.is_empty() {
        return Err(DomainError::bad_input("proofs", "at least one proof of delivery is required"));
    }
    if input.proofs.len() > MAX_PROOFS {
        return Err(DomainError::bad_input("proofs", format!("must have at most {MAX_PROOFS} items")));
    }
    let proofs = input.proofs.iter().map(|(kind, url)| Ok((*kind, http_url("proofs", url)?))).collect::<DomainResult<Vec<_>>>()?;
    Ok((Some(note), proofs))
}
