//! The one error type of the domain, with a stable code per variant.

use std::fmt;

/// Why a domain operation failed. Each variant maps to one GraphQL `extensions.code`.
#[derive(thiserror::Error)]
pub enum DomainError {
    /// No valid session.
    #[error("authentication required")]
    Unauthenticated,
    /// A token was sent but opens no session; says why.
    #[error("{}", .0.message())]
    BadToken(TokenProblem),
    /// Wrong email or password (deliberately says nothing of which).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Signed in, but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The object does not exist, or the viewer may not know it exists.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A field of the input is invalid.
    #[error("{field}: {message}")]
    BadInput {
        /// The offending input field, as the client named it.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The order's status does not allow the action.
    #[error("cannot {action} an order that is {from}")]
    InvalidTransition {
        /// The status the order was found in.
        from: String,
        /// The refused action.
        action: String,
    },
    /// The change conflicts with the current state (a duplicate, a stale version).
    #[error("{0}")]
    Conflict(String),
    /// Too many requests; retry after the given number of seconds.
    #[error("too many requests, retry in {retry_after_secs} s")]
    RateLimited {
        /// Seconds until a new attempt is allowed.
        retry_after_secs: u64,
    },
    /// Anything unexpected: logged with its cause, sent as `INTERNAL` without it.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl DomainError {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::BadToken(_) | Self::InvalidCredentials => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput { .. } => "BAD_USER_INPUT",
            Self::InvalidTransition { .. } => "INVALID_TRANSITION",
            Self::Conflict(_) => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// A `BAD_USER_INPUT` error on `field`.
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput { field: field.into(), message: message.into() }
    }

    /// A `FORBIDDEN` error with its reason.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    /// An `INTERNAL` error wrapping its cause.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }
}

/// Why a sent token opens no session (`extensions.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// The session's lifetime is over.
    Expired,
    /// The session was ended by `logOut`.
    Revoked,
    /// No such session, or not a bearer token at all.
    Invalid,
}

impl TokenProblem {
    /// The stable name sent as `extensions.reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "EXPIRED",
            Self::Revoked => "REVOKED",
            Self::Invalid => "INVALID",
        }
    }

    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            Self::Expired => "the session of this token has expired: log in again",
            Self::Revoked => "the session of this token was logged out: log in again",
            Self::Invalid => "the token is not valid: send `Authorization: Bearer <token>` with a token from signUp or logIn",
        }
    }
}

/// `Debug` prints the whole cause chain, so that a logged error says why.
impl fmt::Debug for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Internal(cause) => write!(f, "internal error: {cause:?}"),
            other => write!(f, "{other}"),
        }
    }
}

/// The result of a domain operation.
pub type DomainResult<T> = Result<T, DomainError>;
