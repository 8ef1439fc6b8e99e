//! Orders: placing, the state machine over HTTP, payments, webhooks, deadlines, authorisation.

mod authz;
mod flow;
mod money;
mod payments;
mod race;
pub mod support;
