//! Order queries: `order(id)` (and `myOrders`'s filter; the list itself is in `list`).

use super::enums::{OrderSide, OrderStatus};
use super::types::OrderNode;
use crate::graphql::relay::from_global;
use crate::graphql::{services, viewer};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

/// Filter of `myOrders`.
#[derive(InputObject, Default)]
pub struct OrdersFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<OrderStatus>>,
    /// Only this side (admins without a side see every order).
    pub side: Option<OrderSide>,
    /// Placed at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Placed before.
    pub created_before: Option<DateTime<Utc>>,
}

/// Order queries.
#[derive(Default)]
pub struct OrdersQuery;

#[Object]
impl OrdersQuery {
    /// One order: its advertiser, its influencer and admins only; `NOT_FOUND` for anyone else.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<OrderNode> {
        let id = from_global("id", "Order", &id)?;
        Ok(OrderNode(services(ctx).orders.order(&viewer(ctx), id).await?))
    }
}
