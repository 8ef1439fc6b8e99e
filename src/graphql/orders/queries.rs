//! Order queries: `order(id)` and `myOrders`.

use super::enums::{OrderSide, OrderStatus};
use super::types::OrderNode;
use crate::domain::orders::MyOrdersFilter;
use crate::domain::{DomainError, Id};
use crate::graphql::relay::{decode_cursor, encode_cursor, from_global, page_size};
use crate::graphql::{services, viewer};
use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};
use serde_json::json;

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

    /// The viewer's orders, newest first (keyset pagination).
    async fn my_orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrdersFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, OrderNode>> {
        let limit = page_size("first", first, 20)?;
        let before_id = after.as_deref().map(decode_order_cursor).transpose()?;
        let filter = filter.unwrap_or_default();
        let filter = MyOrdersFilter {
            statuses: filter.statuses.unwrap_or_default().into_iter().map(Into::into).collect(),
            side: filter.side.map(Into::into),
            created_from: filter.created_after,
            created_to: filter.created_before,
        };
        let (orders, more) = services(ctx).orders.my_orders(&viewer(ctx), filter, before_id, limit).await?;
        let mut connection = Connection::new(before_id.is_some(), more);
        connection.edges.extend(orders.into_iter().map(|o| Edge::new(encode_cursor(&json!({ "o": o.id })), OrderNode(o))));
        Ok(connection)
    }
}

fn decode_order_cursor(raw: &str) -> Result<Id, DomainError> {
    decode_cursor("after", raw)?
        .get("o")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| DomainError::bad_input("after", "is not a valid cursor"))
}
