//! The feedback loop: numbered drafts by the influencer, reviews by the advertiser, revision rounds.
//!
//! Decisions (see also the README):
//! - Drafts are open in `PENDING`, `PAYMENT_REQUIRED` (ideas before payment), `PAYMENT_RECEIVED`
//!   and `PROCESSING` (content during the work); reviews too. Elsewhere: `INVALID_TRANSITION`.
//! - Versions are 1, 2, 3… per order. A new draft while the previous one awaits feedback marks
//!   that one `SUPERSEDED`: the review queue holds at most one draft. A draft after an approval
//!   is allowed (the content changed) and asks for feedback again.
//! - Each `REQUEST_CHANGES` uses one revision round. Rounds allowed = those the ad space
//!   included when the order was placed + those the influencer granted with
//!   `grantExtraRevisions` (a `REVISIONS_CHANGED` event). A request beyond them is refused with
//!   `CONFLICT`, saying so; approving is always possible.
//! - Reviewing a superseded or already reviewed draft is `CONFLICT`. Every write is one
//!   transaction that re-checks its rule on the locked order and appends its event last.
//! - Attachments arrive with the files issue: rows referring to a draft id, like messages.

mod model;
mod repo;
mod service;

pub use model::*;
pub use repo::*;
pub use service::*;
