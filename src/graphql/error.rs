//! Maps domain errors to GraphQL errors with `extensions.code`, once, for every resolver.

use async_graphql::{ErrorExtensions, ServerError};

use crate::domain::DomainError;

impl From<DomainError> for async_graphql::Error {
    fn from(err: DomainError) -> Self {
        let mut code = err.code();
        let message = match &err {
            DomainError::Internal(cause) if crate::store::is_unavailable(cause) => {
                tracing::warn!(error = ?cause, "database unavailable");
                code = UNAVAILABLE;
                UNAVAILABLE_MESSAGE.to_owned()
            }
            DomainError::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code);
            match &err {
                DomainError::BadInput { field, .. } => ext.set("field", field.as_str()),
                DomainError::RateLimited { retry_after_secs } => ext.set("retryAfterSeconds", *retry_after_secs),
                DomainError::BadToken(problem) => ext.set("reason", problem.as_str()),
                _ => {}
            }
        })
    }
}

/// The code of an error that retrying later will cure (the database is unreachable).
pub const UNAVAILABLE: &str = "UNAVAILABLE";
/// The message sent with [`UNAVAILABLE`].
pub const UNAVAILABLE_MESSAGE: &str = "the service is temporarily unavailable, retry later";

/// Gives a code to errors raised by the GraphQL engine itself (parse and validation errors,
/// limits, unknown enum values): `BAD_USER_INPUT` before execution, `INTERNAL` during it.
pub fn ensure_code(err: &mut ServerError, executed: bool) {
    let has_code = err.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
    if has_code {
        return;
    }
    let code = if executed && !is_input_coercion(&err.message) { "INTERNAL" } else { "BAD_USER_INPUT" };
    if code == "INTERNAL" {
        tracing::error!(error = %err.message, "resolver error without a code");
        err.message = "internal error".to_owned();
    }
    err.extensions.get_or_insert_with(Default::default).set("code", code);
}

/// Whether an execution-time error is the engine refusing an argument value.
fn is_input_coercion(message: &str) -> bool {
    message.starts_with("Failed to parse") || message.starts_with("Invalid value")
}

/// A request-level `BAD_USER_INPUT` error (limits, malformed requests).
pub fn bad_request(message: impl Into<String>) -> ServerError {
    let mut err = ServerError::new(message, None);
    err.extensions.get_or_insert_with(Default::default).set("code", "BAD_USER_INPUT");
    err
}
