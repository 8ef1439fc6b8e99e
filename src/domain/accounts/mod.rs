//! Accounts: sign-up, log-in, sessions and profiles.
//!
//! Passwords are hashed with argon2id on a blocking thread. Session tokens are 256 random
//! bits, given to the client once and stored only as their SHA-256.

mod model;
mod repo;
mod service;

pub use crate::domain::viewer::Role;
pub use model::*;
pub use repo::*;
pub use service::*;
