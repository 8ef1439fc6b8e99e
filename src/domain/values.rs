//! Small domain values that parse their input (`Email::parse`) instead of validating it later.

use std::fmt;

use super::error::{DomainError, DomainResult};
use super::text;

/// A normalised (trimmed, lower-cased) email address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address: one `@`, a non-empty local part, a dotted domain, at most 254 bytes,
    /// nothing invisible (see `text`).
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        let bad = || DomainError::bad_input(field, "is not a valid email address");
        if raw.len() > 1024 {
            return Err(bad());
        }
        let email = normalise_email(raw);
        if email.len() > 254 || email.chars().any(|c| !text::is_visible(c)) {
            return Err(bad());
        }
        let (local, domain) = email.split_once('@').ok_or_else(bad)?;
        let labels_ok = domain.split('.').all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
        if local.is_empty() || local.len() > 64 || domain.contains('@') || !domain.contains('.') || !labels_ok {
            return Err(bad());
        }
        Ok(Self(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The form an email is stored and looked up in: trimmed, NFC, lower case.
pub fn normalise_email(raw: &str) -> String {
    text::nfc(raw.trim()).to_lowercase()
}

/// A password that meets the length policy (10–256 characters). Never printed.
pub struct Password(String);

impl Password {
    /// Shortest accepted password, in characters.
    pub const MIN_CHARS: usize = 10;
    /// Longest accepted password, in characters (bounds the hashing cost of a request).
    pub const MAX_CHARS: usize = 256;

    /// Checks the length policy.
    pub fn parse(field: &str, raw: &str) -> DomainResult<Self> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(DomainError::bad_input(field, format!("must be at least {} characters", Self::MIN_CHARS)));
        }
        if n > Self::MAX_CHARS {
            return Err(DomainError::bad_input(field, format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Trims `raw`, normalises it to NFC, refuses control characters and text with nothing
/// visible (see `text`), and checks it has between `min` and `max` characters.
pub fn text(field: &str, raw: &str, min: usize, max: usize) -> DomainResult<String> {
    // Bounded before normalising: at most 4 bytes a character.
    if raw.len() > max.saturating_mul(4).saturating_add(1024) {
        return Err(DomainError::bad_input(field, format!("must be at most {max} characters")));
    }
    let value = text::nfc(raw.trim());
    text::check_free_text(field, &value)?;
    let value = value.as_str();
    let n = value.chars().count();
    if n < min {
        let what = if min <= 1 { "must not be empty".to_owned() } else { format!("must be at least {min} characters") };
        return Err(DomainError::bad_input(field, what));
    }
    if n > max {
        return Err(DomainError::bad_input(field, format!("must be at most {max} characters")));
    }
    Ok(value.to_owned())
}

/// Trims an optional text; empty becomes `None`.
pub fn optional_text(field: &str, raw: Option<&str>, max: usize) -> DomainResult<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => text(field, v, 1, max).map(Some),
    }
}

/// A point in time given as input: between 1970 and 9999 (anything else is a typo or a probe,
/// and does not fit every database's timestamp type).
pub fn timestamp(field: &str, at: chrono::DateTime<chrono::Utc>) -> DomainResult<chrono::DateTime<chrono::Utc>> {
    use chrono::Datelike;
    if (1970..=9999).contains(&at.year()) { Ok(at) } else { Err(DomainError::bad_input(field, "must be between the years 1970 and 9999")) }
}

/// An absolute `http` or `https` URL with a host, at most 2048 characters.
pub fn http_url(field: &str, raw: &str) -> DomainResult<String> {
    let url = raw.trim();
    let bad = || DomainError::bad_input(field, "must be an http(s) URL");
    if url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://")).ok_or_else(bad)?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(bad());
    }
    Ok(url.to_owned())
}

/// An optional URL; empty becomes `None`.
pub fn optional_http_url(field: &str, raw: Option<&str>) -> DomainResult<Option<String>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => http_url(field, v).map(Some),
    }
}

/// An ISO 3166-1 alpha-2 country code, upper-cased.
pub fn country(field: &str, raw: &str) -> DomainResult<String> {
    let c = raw.trim().to_ascii_uppercase();
    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(DomainError::bad_input(field, "must be an ISO 3166-1 alpha-2 country code such as FR"))
    }
}

/// An ISO 639-1 language code, lower-cased.
pub fn language(field: &str, raw: &str) -> DomainResult<String> {
    let l = raw.trim().to_ascii_lowercase();
    if l.len() == 2 && l.chars().all(|ch| ch.is_ascii_lowercase()) {
        Ok(l)
    } else {
        Err(DomainError::bad_input(field, "must be ISO 639-1 language codes such as en"))
    }
}

/// Parses a list with `parse`, refusing more than `max` items and dropping duplicates.
pub fn list<T: PartialEq>(field: &str, raw: &[String], max: usize, parse: impl Fn(&str, &str) -> DomainResult<T>) -> DomainResult<Vec<T>> {
    if raw.len() > max {
        return Err(DomainError::bad_input(field, format!("must have at most {max} items")));
    }
    let mut out = Vec::with_capacity(raw.len());
    for item in raw {
        let v = parse(field, item)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// The ISO 4217 currencies the marketplace accepts, with their minor-unit digits.
pub const CURRENCIES: &[(&str, u32)] = &[
    ("AUD", 2),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CNY", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("INR", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("MXN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("PLN", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("TRY", 2),
    ("USD", 2),
    ("ZAR", 2),
];

/// A supported ISO 4217 currency code, upper-cased.
pub fn currency(field: &str, raw: &str) -> DomainResult<String> {
    let c = raw.trim().to_ascii_uppercase();
    if CURRENCIES.iter().any(|(code, _)| *code == c) {
        Ok(c)
    } else {
        Err(DomainError::bad_input(field, format!("{raw:?} is not a supported ISO 4217 currency code")))
    }
}

/// Largest price of an ad space, in minor units: 10,000,000.00 in a two-decimal currency.
pub const MAX_PRICE_MINOR: i64 = 1_000_000_000;

/// A price in minor units: positive and at most [`MAX_PRICE_MINOR`].
pub fn price(field: &str, minor: i64) -> DomainResult<i64> {
    if minor <= 0 {
        return Err(DomainError::bad_input(field, "must be positive"));
    }
    if minor > MAX_PRICE_MINOR {
        return Err(DomainError::bad_input(field, format!("must be at most {MAX_PRICE_MINOR} minor units")));
    }
    Ok(minor)
}

/// Published ratings received by a user or an ad space: the sum of the stars, how many, and
/// how many of each star (index 0 = one star). Kept in the publication's transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingTally {
    /// Sum of the stars.
    pub sum: i64,
    /// Number of published ratings.
    pub count: i64,
    /// Ratings of 1, 2, 3, 4 and 5 stars.
    pub histogram: [i64; 5],
}

impl RatingTally {
    /// Published ratings a profile needs before its average and histogram are shown: below
    /// it, a histogram would tell a rater's stars to the one they rated.
    pub const SHOWN_FROM: i64 = 3;

    /// Whether the average and histogram may be shown.
    pub fn shown(&self) -> bool {
        self.count >= Self::SHOWN_FROM
    }

    /// The average, rounded half away from zero to two decimals; `None` below [`Self::SHOWN_FROM`].
    pub fn average(&self) -> Option<f64> {
        // Integer arithmetic first (hundredths, rounded), so 4.125 shows 4.13 on every platform.
        self.shown().then(|| ((self.sum * 200 + self.count) / (self.count * 2)) as f64 / 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse("email", "  Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        assert_eq!(Email::parse("email", "E\u{301}lo@example.com").unwrap().as_str(), "\u{e9}lo@example.com");
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "ada@@example.com",
            "ada@.com",
            "ad\u{200b}a@example.com",
            "ada@exa\u{202e}mple.com",
            "ad\u{ad}a@example.com",
            "ada\u{0}@example.com",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert!(http_url("u", "https://example.com/x").is_ok());
        for bad in ["ftp://example.com", "javascript:alert(1)", "https://", "example.com", "http:// x"] {
            assert!(http_url("u", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn prices_are_positive_and_bounded() {
        assert!(price("p", 0).is_err());
        assert!(price("p", -5).is_err());
        assert!(price("p", MAX_PRICE_MINOR + 1).is_err());
        assert_eq!(price("p", 1500).unwrap(), 1500);
    }

    #[test]
    fn passwords_have_a_minimum_length() {
        assert!(Password::parse("password", "short").is_err());
        assert!(Password::parse("password", "long enough!").is_ok());
    }
}
