//! Feedback: after delivery both sides of an order rate each other, double-blind.
//!
//! Rules and decisions (the README's "Ratings" section says the same for API users):
//! - **Who and when.** The advertiser rates the influencer (stars 1–5, a comment, sub-scores
//!   communication, quality, timeliness); the influencer rates the advertiser (brief clarity,
//!   communication, payment experience). Admins do not rate.
//! - **Which orders.** An order can be rated once it has been delivered — it reached
//!   `COMPLETED` at least once — whatever happened after: `VERIFIED`, `DISPUTED`, reworked
//!   (`PROCESSING` again), `ON_HOLD`, `REFUNDED`. A dispute or a refund after delivery is exactly
//!   what the other side should hear about. Orders never delivered (`DECLINED`, `EXPIRED`,
//!   `CANCELLED`, refunded before delivery) cannot be rated: `INVALID_TRANSITION`.
//! - **The window** opens at the first delivery and lasts `ADBRIDGE_RATING_WINDOW_HOURS`
//!   (default 336, 14 days): the order's `rating_due_at`, shown in `Order.deadlines` as `RATING`.
//!   After it, rating is `FORBIDDEN`.
//! - **Double-blind.** Each side sees its own rating; the other side's only once published.
//!   Ratings are published when the second one commits, or when the window is swept, whichever
//!   comes first (`RATINGS_PUBLISHED`). `RATING_SUBMITTED` and `RATING_UPDATED` name the side
//!   only, never the stars or the comment. Admins see everything.
//! - **Once per side.** A second `rateOrder` by the same side is `CONFLICT`; `updateRating`
//!   edits until publication; published ratings are frozen (`CONFLICT`).
//! - **Reply.** The rated user may reply once, within 30 days of publication.
//! - **Aggregates.** Publication adds each rating to the rated user's tally (sum, count,
//!   histogram), to the ad space's when the influencer is rated, and to the platform totals
//!   (the prior of discovery's Bayesian average), in the same transaction. Averages and
//!   histograms show from 3 published ratings (`RatingTally::SHOWN_FROM`).
//! - **Races.** Every write locks the order row first and re-checks its rule on what it then
//!   finds, so two ratings of one side, or a rating racing the sweeper, end with one winner and
//!   the ratings published exactly once.

mod model;
mod repo;
mod service;

pub use model::*;
pub use repo::*;
pub use service::*;
