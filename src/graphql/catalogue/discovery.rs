//! `adSpaces(filter, sort, first, after)`: discovery as a Relay connection with opaque,
//! keyset cursors (see [`crate::domain::discovery`]).

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use serde_json::json;

use crate::domain::catalogue::discovery::{Cursor, FilterInput, KeyValue, SortKey};
use crate::domain::{DomainError, DomainResult};
use crate::graphql::accounts::Category;
use crate::graphql::catalogue::{AdFormat, AdSpaceNode, Platform};
use crate::graphql::relay::{decode_cursor, encode_cursor, from_global, page_size};
use crate::graphql::services;

/// Default page size of `adSpaces`.
const DEFAULT_PAGE: usize = 20;

/// The order of discovery results. Ties are broken by the ad space id, so pages never
/// overlap nor skip.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "crate::domain::catalogue::discovery::SortKey")]
pub enum AdSpaceSort {
    /// Best full-text match first (the default with a `query`; `NEWEST` without one).
    Relevance,
    /// Cheapest first (combine with a `price` filter to compare one currency).
    PriceAsc,
    /// Most expensive first.
    PriceDesc,
    /// Largest channel audience first.
    Followers,
    /// Best average rating of the influencer first; unrated influencers last.
    Rating,
    /// Most recently listed first (the default without a `query`).
    Newest,
}

/// A price range in one currency.
#[derive(InputObject)]
pub struct PriceRangeInput {
    /// ISO 4217 currency: only spaces priced in it match.
    pub currency: String,
    /// Lowest price in minor units, inclusive.
    pub min_minor: Option<i64>,
    /// Highest price in minor units, inclusive.
    pub max_minor: Option<i64>,
}

/// What to look for. Every given criterion must match; list criteria match any of their values.
#[derive(InputObject, Default)]
pub struct AdSpaceFilter {
    /// Full-text search over title, description, deliverables and the influencer's name and
    /// categories (words only, at most 200 characters; every word must match, stemmed).
    pub query: Option<String>,
    /// Channel platform, any of.
    pub platforms: Option<Vec<Platform>>,
    /// Format, any of.
    pub formats: Option<Vec<AdFormat>>,
    /// Category of the ad space, any of.
    pub categories: Option<Vec<Category>>,
    /// Price range, in one currency.
    pub price: Option<PriceRangeInput>,
    /// Smallest channel audience.
    pub min_followers: Option<i64>,
    /// Lowest average rating of the influencer (0–5); unrated influencers do not match.
    pub min_rating: Option<f64>,
    /// Influencer's country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// A language the influencer speaks (ISO 639-1).
    pub language: Option<String>,
    /// One influencer's spaces.
    pub influencer_id: Option<ID>,
}

impl AdSpaceFilter {
    fn into_domain(self) -> DomainResult<FilterInput> {
        Ok(FilterInput {
            query: self.query,
            platforms: self.platforms.unwrap_or_default().into_iter().map(Into::into).collect(),
            formats: self.formats.unwrap_or_default().into_iter().map(Into::into).collect(),
            categories: self.categories.unwrap_or_default().into_iter().map(Into::into).collect(),
            price: self.price.map(|p| (p.currency, p.min_minor, p.max_minor)),
            min_followers: self.min_followers,
            min_rating: self.min_rating,
            country: self.country,
            language: self.language,
            influencer_id: self.influencer_id.map(|id| from_global("filter.influencerId", "User", &id)).transpose()?,
        })
    }
}

/// Encodes a keyset position as an opaque cursor. A real key is carried as the hex of its IEEE
/// bits: a decimal through JSON text does not always come back as the same double, and a key
/// that comes back one unit off skips or repeats the rows tied on it.
pub fn cursor_string(c: &Cursor) -> String {
    let key = match c.key {
        KeyValue::None => serde_json::Value::Null,
        KeyValue::Int(v) => json!(v),
        KeyValue::Float(v) => json!(format!("{:016x}", v.to_bits())),
    };
    encode_cursor(&json!({ "s": c.sort.as_str(), "k": key, "i": c.id }))
}

/// Decodes a cursor made by [`cursor_string`]; `BAD_USER_INPUT` on `after` otherwise.
pub fn parse_cursor(raw: &str) -> DomainResult<Cursor> {
    let bad = || DomainError::bad_input("after", "is not a valid cursor");
    let v = decode_cursor("after", raw)?;
    let sort = v.get("s").and_then(|s| s.as_str()).and_then(SortKey::from_str_opt).ok_or_else(bad)?;
    let id = v.get("i").and_then(|i| i.as_i64()).ok_or_else(bad)?;
    let k = v.get("k").ok_or_else(bad)?;
    let key = match sort {
        SortKey::Newest => KeyValue::None,
        SortKey::PriceAsc | SortKey::PriceDesc | SortKey::Followers => KeyValue::Int(k.as_i64().ok_or_else(bad)?),
        SortKey::Relevance | SortKey::Rating => {
            let bits = k.as_str().and_then(|h| u64::from_str_radix(h, 16).ok()).ok_or_else(bad)?;
            let v = f64::from_bits(bits);
            if !v.is_finite() {
                return Err(bad());
            }
            KeyValue::Float(v)
        }
    };
    Ok(Cursor { sort, key, id })
}

/// Discovery.
#[derive(Default)]
pub struct DiscoveryQuery;

#[Object]
impl DiscoveryQuery {
    /// Searches live (not archived) ad spaces. `first` defaults to 20 and is capped at 100;
    /// pass the `endCursor` of a page as `after` to get the next one (with the same filter and sort).
    async fn ad_spaces(
        &self,
        ctx: &Context<'_>,
        filter: Option<AdSpaceFilter>,
        sort: Option<AdSpaceSort>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AdSpaceNode>> {
        let first = page_size("first", first, DEFAULT_PAGE)?;
        let after = after.as_deref().map(parse_cursor).transpose()?;
        let filter = filter.unwrap_or_default().into_domain()?;
        let has_previous = after.is_some();
        let page = services(ctx).catalogue.search(filter, sort.map(Into::into), first, after).await?;
        let mut connection = Connection::new(has_previous, page.has_next);
        connection.edges.extend(page.items.into_iter().map(|(space, cursor)| Edge::new(cursor_string(&cursor), AdSpaceNode(space))));
        Ok(connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_key_comes_back_from_its_cursor_bit_for_bit() {
        let keys = [69.0 / 19.0, 0.1 + 0.2, -1.234_567_890_123_456_7e-7, 5e-324, f64::MAX, 3.0];
        for (i, k) in keys.into_iter().enumerate() {
            let c = Cursor { sort: SortKey::Rating, key: KeyValue::Float(k), id: i as i64 };
            assert_eq!(parse_cursor(&cursor_string(&c)).unwrap(), c, "{k:e}");
        }
    }
}
