//! Discovery: the filters, sorts and keyset cursors of the ad-space search.
//!
//! Pages are keyset-paginated: a cursor holds the sort key of the last row and its id (the
//! unique tie-breaker), and the next page starts strictly after that pair. A cursor therefore
//! stays valid when its row is archived or deleted. A new sort (an "established metric") is
//! one more [`SortKey`] variant with its key expression in the store.

use crate::domain::Id;
use crate::domain::catalogue::{AdFormat, Category, Platform};
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::values;

/// Longest accepted search text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most values in one list filter (platforms, formats, categories).
pub const MAX_FILTER_VALUES: usize = 20;

/// How a result list is ordered. Every order ends with the ad space id as a tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Best full-text match first (newest first without a search text).
    Relevance,
    /// Cheapest first.
    PriceAsc,
    /// Most expensive first.
    PriceDesc,
    /// Largest audience (channel followers) first.
    Followers,
    /// Best average rating of the influencer first (unrated last).
    Rating,
    /// Most recently listed first.
    Newest,
}

impl SortKey {
    /// The stable name written into cursors.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::PriceAsc => "price_asc",
            Self::PriceDesc => "price_desc",
            Self::Followers => "followers",
            Self::Rating => "rating",
            Self::Newest => "newest",
        }
    }

    /// Parses a cursor's sort name.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        [Self::Relevance, Self::PriceAsc, Self::PriceDesc, Self::Followers, Self::Rating, Self::Newest]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Whether the key ascends (the id tie-breaker follows the same direction).
    pub fn ascending(self) -> bool {
        matches!(self, Self::PriceAsc)
    }
}

/// The sort key value of a row, as carried by a cursor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyValue {
    /// No key beyond the id (newest).
    None,
    /// An integer key (price, followers).
    Int(i64),
    /// A real key (relevance, rating).
    Float(f64),
}

/// A position in a result list: just after the row with this key and id.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    /// The order the cursor belongs to.
    pub sort: SortKey,
    /// The row's key.
    pub key: KeyValue,
    /// The row's id.
    pub id: Id,
}

/// A price range, in one currency.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRange {
    /// ISO 4217 currency; only spaces priced in it match.
    pub currency: String,
    /// Lowest price in minor units, inclusive.
    pub min_minor: Option<i64>,
    /// Highest price in minor units, inclusive.
    pub max_minor: Option<i64>,
}

/// Raw search criteria, as a client sent them.
#[derive(Debug, Clone, Default)]
pub struct FilterInput {
    /// Full-text query.
    pub query: Option<String>,
    /// Any of these platforms.
    pub platforms: Vec<Platform>,
    /// Any of these formats.
    pub formats: Vec<AdFormat>,
    /// Any of these categories.
    pub categories: Vec<Category>,
    /// Price range: currency, min, max.
    pub price: Option<(String, Option<i64>, Option<i64>)>,
    /// Smallest audience.
    pub min_followers: Option<i64>,
    /// Lowest average rating (0–5).
    pub min_rating: Option<f64>,
    /// Influencer country.
    pub country: Option<String>,
    /// Influencer language.
    pub language: Option<String>,
    /// One influencer's spaces only.
    pub influencer_id: Option<Id>,
}

/// Validated search criteria. Archived spaces never match.
#[derive(Debug, Clone, Default)]
pub struct SearchFilter {
    /// Search terms (words only: operators of the full-text engines are not exposed).
    pub terms: Vec<String>,
    /// Any of these platforms (empty: all).
    pub platforms: Vec<Platform>,
    /// Any of these formats (empty: all).
    pub formats: Vec<AdFormat>,
    /// Any of these categories (empty: all).
    pub categories: Vec<Category>,
    /// Price range.
    pub price: Option<PriceRange>,
    /// Smallest audience.
    pub min_followers: Option<i64>,
    /// Lowest average rating.
    pub min_rating: Option<f64>,
    /// Influencer country.
    pub country: Option<String>,
    /// Influencer language.
    pub language: Option<String>,
    /// Influencer.
    pub influencer_id: Option<Id>,
}

impl FilterInput {
    /// Checks the criteria; each error names its field under `filter`.
    pub fn parse(self) -> DomainResult<SearchFilter> {
        let terms = match self.query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) if q.chars().count() > MAX_QUERY_CHARS => {
                return Err(DomainError::bad_input("filter.query", format!("must be at most {MAX_QUERY_CHARS} characters")));
            }
            Some(q) => search_terms(q),
            None => Vec::new(),
        };
        for (field, n) in [
            ("filter.platforms", self.platforms.len()),
            ("filter.formats", self.formats.len()),
            ("filter.categories", self.categories.len()),
        ] {
            if n > MAX_FILTER_VALUES {
                return Err(DomainError::bad_input(field, format!("must have at most {MAX_FILTER_VALUES} items")));
            }
        }
        let price = self.price.map(parse_price_range).transpose()?;
        if self.min_followers.is_some_and(|f| f < 0) {
            return Err(DomainError::bad_input("filter.minFollowers", "must not be negative"));
        }
        if self.min_rating.is_some_and(|r| !r.is_finite() || !(0.0..=5.0).contains(&r)) {
            return Err(DomainError::bad_input("filter.minRating", "must be between 0 and 5"));
        }
        Ok(SearchFilter {
            terms,
            platforms: self.platforms,
            formats: self.formats,
            categories: self.categories,
            price,
            min_followers: self.min_followers,
            min_rating: self.min_rating,
            country: self.country.map(|c| values::country("filter.country", &c)).transpose()?,
            language: self.language.map(|l| values::language("filter.language", &l)).transpose()?,
            influencer_id: self.influencer_id,
        })
    }
}

fn parse_price_range((currency, min, max): (String, Option<i64>, Option<i64>)) -> DomainResult<PriceRange> {
    let currency = values::currency("filter.price.currency", &currency)?;
    if min.is_some_and(|m| m < 0) || max.is_some_and(|m| m < 0) {
        return Err(DomainError::bad_input("filter.price", "bounds must not be negative"));
    }
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        return Err(DomainError::bad_input("filter.price", "minMinor must not exceed maxMinor"));
    }
    Ok(PriceRange { currency, min_minor: min, max_minor: max })
}

/// Splits a search text into lower-case words (letters and digits), at most 16 of them.
pub fn search_terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in query.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let word = word.to_lowercase();
        if !terms.contains(&word) && terms.len() < 16 {
            terms.push(word);
        }
    }
    terms
}

/// The order actually used: relevance means newest when there is nothing to match.
pub fn effective_sort(requested: Option<SortKey>, filter: &SearchFilter) -> SortKey {
    match requested {
        Some(SortKey::Relevance) | None if filter.terms.is_empty() => SortKey::Newest,
        Some(sort) => sort,
        None => SortKey::Relevance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_reduced_to_words() {
        assert_eq!(search_terms("Vegan  recipes! \"OR\" vegan*"), vec!["vegan", "recipes", "or"]);
        assert!(search_terms(" -- ").is_empty());
    }

    #[test]
    fn relevance_without_terms_is_newest() {
        let none = SearchFilter::default();
        assert_eq!(effective_sort(None, &none), SortKey::Newest);
        let some = SearchFilter { terms: vec!["vegan".into()], ..Default::default() };
        assert_eq!(effective_sort(None, &some), SortKey::Relevance);
        assert_eq!(effective_sort(Some(SortKey::PriceAsc), &some), SortKey::PriceAsc);
    }
}
