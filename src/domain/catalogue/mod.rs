//! The catalogue: influencers manage their channels and ad spaces; anyone discovers them.
//!
//! Every change is parsed completely before anything is written, and only the owner of a
//! channel or ad space may change it (`FORBIDDEN` otherwise; unknown ids are `NOT_FOUND`).
//! Discovery (filters, sorts, keyset cursors) is in [`discovery`].

pub mod discovery;
mod model;
mod repo;
mod service;

pub use model::*;
pub use repo::*;
pub use service::*;
