//! Accounts as GraphQL: the `User` type, `me`, and `signUp`, `logIn`, `logOut`, `updateProfile`.

mod mutations;
mod queries;
mod types;

pub use mutations::*;
pub use queries::*;
pub use types::*;
