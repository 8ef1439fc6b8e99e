//! Feedback fields of other types: `Order.ratings` and `Order.canRate`.

use async_graphql::{Context, Result};

use super::types::RatingNode;
use crate::domain::orders::Order;
use crate::graphql::{services, viewer};

/// `Order.ratings`: what the viewer may read of the order's ratings.
pub async fn order_ratings(ctx: &Context<'_>, order: &Order) -> Result<Vec<RatingNode>> {
    Ok(services(ctx).feedback.ratings_of(&viewer(ctx), order).await?.into_iter().map(RatingNode).collect())
}

/// `Order.canRate`: whether the viewer may call `rateOrder` on it now.
pub async fn order_can_rate(ctx: &Context<'_>, order: &Order) -> Result<bool> {
    Ok(services(ctx).feedback.may_rate(&viewer(ctx), order).await?)
}
