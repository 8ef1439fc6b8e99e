//! `myOrders`: the viewer's orders, newest first, paged both ways (`first`/`after` towards
//! older orders, `last`/`before` towards newer ones, like `Order.messages`), with `totalCount`.
//!
//! `totalCount` is one indexed `COUNT` over the viewer's orders with the same filter, run only
//! when the field is selected. Discovery (`adSpaces`) has no `totalCount` on purpose: counting
//! every match of a full-text search costs as much as the search without its `LIMIT`, so it
//! pages with `hasNextPage` only.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Object, Result};
use serde_json::json;

use super::queries::OrdersFilter;
use super::types::OrderNode;
use crate::domain::orders::{MyOrdersFilter, OrderWindow};
use crate::domain::{DomainError, Id};
use crate::graphql::relay::{decode_cursor, encode_cursor, page_size};
use crate::graphql::{services, viewer};

/// Default page size of `myOrders`.
const DEFAULT_PAGE: usize = 20;

/// The extra fields of the `myOrders` connection.
pub struct OrderCount {
    filter: MyOrdersFilter,
}

#[Object]
impl OrderCount {
    /// How many orders match the filter, over all pages.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let n = services(ctx).orders.count_my_orders(&viewer(ctx), self.filter.clone()).await?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// The order list query.
#[derive(Default)]
pub struct OrderListQuery;

#[Object]
impl OrderListQuery {
    /// The viewer's orders, newest first. `first` (default 20, at most 100) orders after the
    /// cursor `after` (older ones), or `last` orders before the cursor `before` (newer ones).
    async fn my_orders(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrdersFilter>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, OrderNode, OrderCount>> {
        let first = first.map(|n| page_size("first", Some(n), DEFAULT_PAGE)).transpose()?;
        let last = last.map(|n| page_size("last", Some(n), DEFAULT_PAGE)).transpose()?;
        let (limit, from_end) = match (first, last) {
            (Some(_), Some(_)) => return Err(DomainError::bad_input("last", "pass either first or last, not both").into()),
            (None, Some(n)) => (n, true),
            (Some(n), None) => (n, false),
            (None, None) => (DEFAULT_PAGE, false),
        };
        let window = OrderWindow {
            after: after.as_deref().map(|c| decode_order_cursor("after", c)).transpose()?,
            before: before.as_deref().map(|c| decode_order_cursor("before", c)).transpose()?,
            limit,
            from_end,
        };
        let filter = filter.unwrap_or_default();
        let filter = MyOrdersFilter {
            statuses: filter.statuses.unwrap_or_default().into_iter().map(Into::into).collect(),
            side: filter.side.map(Into::into),
            created_from: filter.created_after,
            created_to: filter.created_before,
        };
        let page = services(ctx).orders.my_orders(&viewer(ctx), filter.clone(), window).await?;
        let mut connection = Connection::with_additional_fields(page.has_previous, page.has_next, OrderCount { filter });
        connection.edges.extend(page.orders.into_iter().map(|o| Edge::new(encode_cursor(&json!({ "o": o.id })), OrderNode(o))));
        Ok(connection)
    }
}

fn decode_order_cursor(field: &str, raw: &str) -> Result<Id, DomainError> {
    decode_cursor(field, raw)?
        .get("o")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| DomainError::bad_input(field, "is not a valid cursor"))
}
