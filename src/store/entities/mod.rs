//! sea-orm entities, one module per table. They never leave the store: repositories convert
//! them to domain types.

pub mod ad_space;
pub mod channel;
pub mod delivery_proof;
pub mod draft;
pub mod draft_review;
pub mod message;
pub mod order;
pub mod order_event;
pub mod payment;
pub mod rating;
pub mod read_cursor;
pub mod session;
pub mod user;
pub mod webhook_delivery;
