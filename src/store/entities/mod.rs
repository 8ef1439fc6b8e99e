//! sea-orm entities, one module per table. They never leave the store: repositories convert
//! them to domain types.

pub mod ad_space;
pub mod channel;
pub mod order;
pub mod order_event;
pub mod session;
pub mod user;
