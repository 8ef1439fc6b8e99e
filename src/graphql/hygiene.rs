//! Request-wide input hygiene: a NUL character anywhere in a request's inputs (a string
//! literal's `\u0000` escape, or any string in its variables) is refused with
//! `BAD_USER_INPUT` before parsing, so that no text input, whichever field it is for, reaches
//! a database with it (Postgres refuses it with an error, SQLite stores it). Field-level text
//! rules (NFC, control and invisible characters) are the domain's (`domain::text`).

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Value, Variables};

use super::error::bad_request;

/// Refuses NUL characters in a request's query text and variables.
pub struct InputHygiene;

impl ExtensionFactory for InputHygiene {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(InputHygiene)
    }
}

#[async_trait::async_trait]
impl Extension for InputHygiene {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // A `\u0000` inside a block string is not an escape, but refusing it too costs nobody.
        if query.contains('\0') || contains_nul_escape(query) {
            return Err(bad_request("the query contains a NUL character (\\u0000)"));
        }
        if variables.iter().any(|(_, v)| has_nul(v)) {
            return Err(bad_request("a variable contains a NUL character (\\u0000)"));
        }
        next.run(ctx, query, variables).await
    }
}

fn contains_nul_escape(query: &str) -> bool {
    query.as_bytes().windows(6).any(|w| w[0] == b'\\' && (w[1] == b'u' || w[1] == b'U') && &w[2..] == b"0000")
}

fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_and_nested_nul_strings_are_found() {
        assert!(contains_nul_escape(r#"{ a(x: "a\u0000b") }"#));
        assert!(!contains_nul_escape(r#"{ a(x: "a\u0041b") }"#));
        let v = Value::from_json(serde_json::json!({ "i": { "list": ["ok", "bad\u{0}"] } })).unwrap();
        assert!(has_nul(&v));
    }
}
