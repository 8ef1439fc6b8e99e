//! Relay conventions: opaque global ids (`base64("Type:id")`) and cursor helpers.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::domain::{DomainError, DomainResult, Id};

/// Encodes the global id of object `id` of GraphQL type `type_name`.
pub fn to_global(type_name: &str, id: Id) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Splits a global id into its type name and database id; `BAD_USER_INPUT` when malformed.
pub fn from_global_any(field: &str, id: &ID) -> DomainResult<(String, Id)> {
    let bad = || DomainError::bad_input(field, "is not a valid id");
    let bytes = URL_SAFE_NO_PAD.decode(id.as_str().trim_end_matches('=')).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (type_name, raw) = text.split_once(':').ok_or_else(bad)?;
    let value: Id = raw.parse().map_err(|_| bad())?;
    if value <= 0 {
        return Err(bad());
    }
    Ok((type_name.to_owned(), value))
}

/// The database id of a global id that must be of `type_name`. A well-formed id of another
/// type is `NOT_FOUND` (no object of that type has it).
pub fn from_global(field: &str, type_name: &'static str, id: &ID) -> DomainResult<Id> {
    let (actual, value) = from_global_any(field, id)?;
    if actual == type_name { Ok(value) } else { Err(DomainError::NotFound(type_name)) }
}

/// Encodes an opaque pagination cursor from its parts.
pub fn encode_cursor(parts: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(parts.to_string())
}

/// Decodes a cursor made by [`encode_cursor`]; `BAD_USER_INPUT` on `field` when malformed.
pub fn decode_cursor(field: &str, cursor: &str) -> DomainResult<serde_json::Value> {
    let bad = || DomainError::bad_input(field, "is not a valid cursor");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    serde_json::from_slice(&bytes).map_err(|_| bad())
}

/// Largest page a connection returns.
pub const MAX_PAGE: usize = 100;

/// Checks a `first`/`last` argument: 0 to [`MAX_PAGE`], `default` when absent.
pub fn page_size(field: &str, value: Option<i32>, default: usize) -> DomainResult<usize> {
    match value {
        None => Ok(default),
        Some(n) if n < 0 => Err(DomainError::bad_input(field, "must not be negative")),
        Some(n) if n as usize > MAX_PAGE => Err(DomainError::bad_input(field, format!("must be at most {MAX_PAGE}"))),
        Some(n) => Ok(n as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_malformed_ones_are_refused() {
        let id = to_global("User", 42);
        assert_eq!(from_global("id", "User", &id).unwrap(), 42);
        assert!(matches!(from_global("id", "Order", &id), Err(DomainError::NotFound(_))));
        for bad in ["", "!!!", "VXNlcg", "VXNlcjp4"] {
            assert!(matches!(from_global_any("id", &ID(bad.into())), Err(DomainError::BadInput { .. })), "{bad}");
        }
    }
}
