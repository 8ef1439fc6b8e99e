//! The catalogue as GraphQL: the `Channel` and `AdSpace` types, `adSpace(id)`, `influencer(id)`,
//! discovery (`adSpaces`) and the influencer's channel and ad space mutations.

mod discovery;
mod mutations;
mod queries;
mod types;

pub use discovery::*;
pub use mutations::*;
pub use queries::*;
pub use types::*;
