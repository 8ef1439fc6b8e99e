//! Orders as GraphQL: the `Order` type and its enums, `order(id)`, `myOrders`, one mutation per
//! transition of the state machine, payments, and the order's history (`OrderEvent`).

mod enums;
mod history;
mod list;
mod mutations;
mod payments;
mod queries;
mod types;

pub use enums::*;
pub use history::*;
pub use list::*;
pub use mutations::*;
pub use payments::*;
pub use queries::*;
pub use types::*;
