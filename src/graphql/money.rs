//! `Money`: an amount in integer minor units and its ISO 4217 currency (never floats).

use async_graphql::SimpleObject;

/// An amount of money.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// Amount in minor units (cents for EUR); prices are bounded well below 2^31.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
}
