//! Who is asking: the authenticated user of a request or websocket, or nobody.

use super::Id;
use super::error::{DomainError, DomainResult};

/// The caller of an operation, as established from its bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Viewer {
    /// No (valid) token.
    #[default]
    Anonymous,
    /// A signed-in user.
    User {
        /// The user's id.
        id: Id,
        /// The user's role.
        role: Role,
        /// The session the token belongs to (log-out revokes it).
        session_id: Id,
    },
}

impl Viewer {
    /// The signed-in user's id and role, or `UNAUTHENTICATED`.
    pub fn require(&self) -> DomainResult<(Id, Role)> {
        match *self {
            Self::User { id, role, .. } => Ok((id, role)),
            Self::Anonymous => Err(DomainError::Unauthenticated),
        }
    }

    /// The user's id when the viewer has `role`; `FORBIDDEN` otherwise.
    pub fn require_role(&self, role: Role) -> DomainResult<Id> {
        let (id, actual) = self.require()?;
        if actual == role {
            Ok(id)
        } else {
            Err(DomainError::forbidden(format!("only {} accounts may do this", role.as_str().to_lowercase())))
        }
    }

    /// Whether the viewer is an administrator.
    pub fn is_admin(&self) -> bool {
        matches!(self, Self::User { role: Role::Admin, .. })
    }

    /// The user id, if signed in.
    pub fn user_id(&self) -> Option<Id> {
        match *self {
            Self::User { id, .. } => Some(id),
            Self::Anonymous => None,
        }
    }
}

/// What an account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A brand that books advertising spaces.
    Advertiser,
    /// A creator who offers advertising spaces.
    Influencer,
    /// Marketplace staff; created only by the CLI.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Advertiser => "ADVERTISER",
            Self::Influencer => "INFLUENCER",
            Self::Admin => "ADMIN",
        }
    }

    /// Parses a stored name.
    pub fn from_db(s: &str) -> Option<Self> {
        match s {
            "ADVERTISER" => Some(Self::Advertiser),
            "INFLUENCER" => Some(Self::Influencer),
            "ADMIN" => Some(Self::Admin),
            _ => None,
        }
    }
}
