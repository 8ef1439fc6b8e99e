//! Feedback values and rules: a rating, its sub-scores, who may rate, edit, reply and see what.

use chrono::{DateTime, Utc};

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::orders::history::{EventKind, NewOrderEvent};
use crate::domain::orders::{Order, Party};
use crate::domain::str_enum::str_enum;
use crate::domain::{Id, values};

/// Longest rating comment, in characters.
pub const MAX_COMMENT: usize = 2000;
/// Longest reply, in characters.
pub const MAX_REPLY: usize = 2000;
/// Days after publication in which the rated side may reply.
pub const REPLY_WINDOW_DAYS: i64 = 30;

str_enum! {
    /// The side of the order that wrote a rating (it rates the other side).
    RatingSide {
        /// The advertiser rates the influencer (and the ad space).
        Advertiser = "ADVERTISER",
        /// The influencer rates the advertiser.
        Influencer = "INFLUENCER",
    }
}

str_enum! {
    /// What made the ratings of an order public.
    PublishTrigger {
        /// The second side rated.
        BothRated = "BOTH_RATED",
        /// The rating window closed (swept).
        WindowClosed = "WINDOW_CLOSED",
    }
}

/// Sub-scores, 1–5 each. The advertiser scores `communication`, `quality` and `timeliness`;
/// the influencer scores `brief_clarity`, `communication` and `payment_experience`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Subscores {
    /// How the other side communicated (both sides).
    pub communication: Option<i32>,
    /// Quality of the delivered content (advertiser).
    pub quality: Option<i32>,
    /// Delivery on time (advertiser).
    pub timeliness: Option<i32>,
    /// How clear the brief was (influencer).
    pub brief_clarity: Option<i32>,
    /// How paying went (influencer).
    pub payment_experience: Option<i32>,
}

/// One side's rating of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// Primary key.
    pub id: Id,
    /// The rated order.
    pub order_id: Id,
    /// The rater's side.
    pub side: RatingSide,
    /// Who wrote it.
    pub rater_id: Id,
    /// Who it rates.
    pub ratee_id: Id,
    /// 1–5.
    pub stars: i32,
    /// Free text.
    pub comment: Option<String>,
    /// Sub-scores of the rater's side.
    pub subscores: Subscores,
    /// When it became visible to the other side and the public (`None`: still blind).
    pub published_at: Option<DateTime<Utc>>,
    /// The rated side's public reply.
    pub reply: Option<String>,
    /// When the reply was given.
    pub replied_at: Option<DateTime<Utc>>,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// What a client sends to rate (or re-rate) an order.
#[derive(Debug, Clone, Default)]
pub struct RatingInput {
    /// 1–5.
    pub stars: i32,
    /// Free text.
    pub comment: Option<String>,
    /// Sub-scores.
    pub subscores: Subscores,
}

/// A rating's checked content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingContent {
    /// 1–5.
    pub stars: i32,
    /// Trimmed comment.
    pub comment: Option<String>,
    /// Sub-scores of the rater's side only.
    pub subscores: Subscores,
}

/// Sub-scores named by their input field.
type Scores<'a> = &'a [(&'a str, Option<i32>)];

fn score(field: &str, v: i32) -> DomainResult<i32> {
    if (1..=5).contains(&v) { Ok(v) } else { Err(DomainError::bad_input(field, "must be between 1 and 5")) }
}

impl RatingInput {
    /// Checks the stars, the comment and that every sub-score belongs to `side` and is 1–5.
    pub fn parse(self, side: RatingSide) -> DomainResult<RatingContent> {
        let stars = score("stars", self.stars)?;
        let comment = values::optional_text("comment", self.comment.as_deref(), MAX_COMMENT)?;
        let s = self.subscores;
        let (mine, theirs): (Scores<'_>, Scores<'_>) = match side {
            RatingSide::Advertiser => (
                &[("subscores.communication", s.communication), ("subscores.quality", s.quality), ("subscores.timeliness", s.timeliness)],
                &[("subscores.briefClarity", s.brief_clarity), ("subscores.paymentExperience", s.payment_experience)],
            ),
            RatingSide::Influencer => (
                &[
                    ("subscores.briefClarity", s.brief_clarity),
                    ("subscores.communication", s.communication),
                    ("subscores.paymentExperience", s.payment_experience),
                ],
                &[("subscores.quality", s.quality), ("subscores.timeliness", s.timeliness)],
            ),
        };
        if let Some((field, _)) = theirs.iter().find(|(_, v)| v.is_some()) {
            let who = if side == RatingSide::Advertiser { "the influencer" } else { "the advertiser" };
            return Err(DomainError::bad_input(*field, format!("is scored by {who}, not by you")));
        }
        for (field, v) in mine {
            if let Some(v) = v {
                score(field, *v)?;
            }
        }
        Ok(RatingContent { stars, comment, subscores: s })
    }
}

/// A rating to insert, with what the store needs to open the window and publish.
#[derive(Debug, Clone)]
pub struct NewRating {
    /// The order.
    pub order_id: Id,
    /// The rater's side.
    pub side: RatingSide,
    /// The rater.
    pub rater_id: Id,
    /// The rated user.
    pub ratee_id: Id,
    /// Checked content.
    pub content: RatingContent,
    /// The window's end, written when the order has none yet (orders delivered before ratings existed).
    pub window_due_at: DateTime<Utc>,
    /// Now.
    pub now: DateTime<Utc>,
}

/// A party's side as a rater: admins do not rate.
pub fn rater_side(party: Party) -> DomainResult<RatingSide> {
    match party {
        Party::Advertiser => Ok(RatingSide::Advertiser),
        Party::Influencer => Ok(RatingSide::Influencer),
        _ => Err(DomainError::forbidden("only the order's advertiser and influencer rate it")),
    }
}

/// When the rating window of a delivered order closes: its stored due-at, or (for an order
/// delivered before ratings existed) its delivery plus `window`.
pub fn window_due_at(order: &Order, window: chrono::Duration) -> Option<DateTime<Utc>> {
    order.rating_due_at.or_else(|| order.completed_at.map(|at| at + window))
}

/// Whether the order may be rated (or a rating edited) now: it was delivered, its window is
/// open and its ratings are not published yet.
pub fn ratings_open(order: &Order, window: chrono::Duration, now: DateTime<Utc>) -> DomainResult<()> {
    let Some(due) = window_due_at(order, window) else {
        return Err(DomainError::InvalidTransition { from: order.status.as_str().to_owned(), action: "rate".to_owned() });
    };
    if now >= due {
        return Err(DomainError::forbidden(format!("the rating window of this order closed at {}", due.to_rfc3339())));
    }
    if order.ratings_closed_at.is_some() {
        return Err(DomainError::Conflict("the ratings of this order are published; they can no longer change".into()));
    }
    Ok(())
}

/// The ratings of an order that `party` may read: each side its own, the other's once
/// published; admins all.
pub fn visible_to(ratings: Vec<Rating>, party: Party) -> Vec<Rating> {
    let mine = match party {
        Party::Admin => return ratings,
        Party::Advertiser => RatingSide::Advertiser,
        Party::Influencer => RatingSide::Influencer,
        _ => return Vec::new(),
    };
    ratings.into_iter().filter(|r| r.side == mine || r.published_at.is_some()).collect()
}

/// Whether `user` may reply to `rating` now: the rated user, once, within
/// [`REPLY_WINDOW_DAYS`] of publication.
pub fn may_reply(rating: &Rating, user: Id, now: DateTime<Utc>) -> DomainResult<()> {
    if rating.ratee_id != user {
        return Err(DomainError::forbidden("only the rated side replies to a rating"));
    }
    let Some(published) = rating.published_at else {
        return Err(DomainError::forbidden("a rating can be answered once it is published"));
    };
    if rating.reply.is_some() {
        return Err(DomainError::Conflict("this rating already has its reply".into()));
    }
    if now >= published + chrono::Duration::days(REPLY_WINDOW_DAYS) {
        return Err(DomainError::forbidden(format!("replies are accepted for {REPLY_WINDOW_DAYS} days after publication")));
    }
    Ok(())
}

/// An event of the ratings of an order: it names the side, never the content, so the other
/// side learns that a rating exists and nothing of what it says.
pub fn rating_event(kind: EventKind, actor: Option<Id>, side: RatingSide) -> NewOrderEvent {
    NewOrderEvent::new(kind, actor, serde_json::json!({ "side": side.as_str() }))
}

/// The `RATINGS_PUBLISHED` event.
pub fn published_event(published: usize, trigger: PublishTrigger) -> NewOrderEvent {
    NewOrderEvent::new(EventKind::RatingsPublished, None, serde_json::json!({ "published": published, "trigger": trigger.as_str() }))
}

/// Weight of the prior in the Bayesian average, in ratings: a profile's average counts as
/// much as five ratings at the platform mean.
pub const PRIOR_WEIGHT: i64 = 5;
/// Bayesian scores are integers in millionths of a star, so they compare exactly.
pub const MICRO: i64 = 1_000_000;

/// The platform mean in millionths of a star (truncated), from the totals of every published
/// rating of an influencer; `None` when there is none.
pub fn prior_micro(sum: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| sum * MICRO / count)
}

/// The Bayesian average of `sum` over `count` ratings, in millionths of a star (truncated):
/// `(sum + PRIOR_WEIGHT × mean) / (count + PRIOR_WEIGHT)`. The store computes the same
/// expression in SQL for sorting and filtering.
pub fn bayesian_micro(sum: i64, count: i64, prior_micro: i64) -> i64 {
    (sum * MICRO + PRIOR_WEIGHT * prior_micro) / (count + PRIOR_WEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscores_belong_to_the_raters_side() {
        let mut input = RatingInput { stars: 4, comment: Some("  great  ".into()), ..Default::default() };
        input.subscores.quality = Some(5);
        let ok = input.clone().parse(RatingSide::Advertiser).unwrap();
        assert_eq!(ok.comment.as_deref(), Some("great"));
        let err = input.parse(RatingSide::Influencer).unwrap_err();
        assert!(matches!(err, DomainError::BadInput { ref field, .. } if field == "subscores.quality"), "{err:?}");
        let bad = RatingInput { stars: 6, ..Default::default() };
        assert!(matches!(bad.parse(RatingSide::Advertiser), Err(DomainError::BadInput { ref field, .. }) if field == "stars"));
        let mut low = RatingInput { stars: 3, ..Default::default() };
        low.subscores.payment_experience = Some(0);
        assert!(
            matches!(low.parse(RatingSide::Influencer), Err(DomainError::BadInput { ref field, .. }) if field == "subscores.paymentExperience")
        );
    }

    #[test]
    fn one_five_star_review_does_not_outrank_forty_ratings_of_four_point_eight() {
        let prior = prior_micro(4 * 100, 100).unwrap();
        let one_five = bayesian_micro(5, 1, prior);
        let forty = bayesian_micro(192, 40, prior);
        assert_eq!(one_five, 4_166_666);
        assert_eq!(forty, 4_711_111);
        assert!(forty > one_five);
    }
}
