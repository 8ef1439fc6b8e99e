//! Subscriptions: live order events, authorised like the queries and resumable from a cursor.
//!
//! Each one checks access first (participants and admins; anybody else gets an error and no
//! stream), then streams from the instance's hub (`events::Hub::feed`): live topic first, then
//! the events after the cursor from the database, then live ones — no gap, no duplicate.

use std::sync::Arc;

use async_graphql::{Context, ID, Result, Subscription};
use futures::StreamExt;
use futures::stream::BoxStream;

use super::live::{FeedSlot, LiveFeed};
use super::orders::{OrderEventNode, decode_event_cursor};
use super::relay::from_global;
use super::{services, viewer};
use crate::domain::orders::history::EventKind;
use crate::domain::{DomainError, Id};
use crate::realtime::{Hub, Topic};

/// The subscriptions of the order feed.
#[derive(Default)]
pub struct OrderSubscription;

#[Subscription(name = "Subscription")]
impl OrderSubscription {
    /// Every event of one order, in order. With `after` (an event's `cursor`), first the events
    /// committed after it, then live ones.
    async fn order_events(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        after: Option<String>,
    ) -> Result<BoxStream<'static, Result<OrderEventNode>>> {
        let order = visible_order(ctx, &order_id).await?;
        let after = after.map(|c| decode_event_cursor("after", &c)).transpose()?;
        Ok(feed(ctx, Topic::Order(order), after, |_| true).await)
    }

    /// The status changes of one order, live.
    async fn order_status_changed(&self, ctx: &Context<'_>, order_id: ID) -> Result<BoxStream<'static, Result<OrderEventNode>>> {
        let order = visible_order(ctx, &order_id).await?;
        Ok(feed(ctx, Topic::Order(order), None, |k| k == EventKind::StatusChanged).await)
    }

    /// The messages posted in one order's conversation, live.
    async fn message_added(&self, ctx: &Context<'_>, order_id: ID) -> Result<BoxStream<'static, Result<OrderEventNode>>> {
        let order = visible_order(ctx, &order_id).await?;
        Ok(feed(ctx, Topic::Order(order), None, |k| k == EventKind::MessagePosted).await)
    }

    /// Every event of every order of the viewer (new orders included), resumable with `after`.
    async fn my_order_events(&self, ctx: &Context<'_>, after: Option<String>) -> Result<BoxStream<'static, Result<OrderEventNode>>> {
        let (user, _) = viewer(ctx).require()?;
        let after = after.map(|c| decode_event_cursor("after", &c)).transpose()?;
        Ok(feed(ctx, Topic::User(user), after, |_| true).await)
    }
}

/// The order's id once the viewer may see it (`NOT_FOUND`/`FORBIDDEN` otherwise).
async fn visible_order(ctx: &Context<'_>, order_id: &ID) -> Result<Id, DomainError> {
    let id = from_global("orderId", "Order", order_id)?;
    services(ctx).orders.order(&viewer(ctx), id).await?;
    Ok(id)
}

/// The stream of one subscription. When the websocket layer asked for the feed itself (a
/// [`FeedSlot`] in the request), the feed goes there and async-graphql gets an empty stream:
/// the socket renders each event once per subscription shape instead (`graphql::live`).
async fn feed(
    ctx: &Context<'_>,
    topic: Topic,
    after: Option<Id>,
    keep: fn(EventKind) -> bool,
) -> BoxStream<'static, Result<OrderEventNode>> {
    let hub = ctx.data_unchecked::<Arc<Hub>>().clone();
    let events = hub.feed(topic, after).await;
    if let Some(slot) = ctx.data_opt::<FeedSlot>() {
        slot.put(LiveFeed { events: events.boxed(), keep });
        return futures::stream::empty().boxed();
    }
    events
        .filter_map(move |next| async move {
            match next {
                Ok(d) if keep(d.event.kind) => Some(Ok(OrderEventNode(d.event.clone()))),
                Ok(_) => None,
                Err(e) => Some(Err(e.into())),
            }
        })
        .boxed()
}
