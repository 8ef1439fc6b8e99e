//! The feedback service: rating, editing, replying, reading, and sweeping rating windows.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::model::{NewRating, Rating, RatingInput, RatingSide, may_reply, rater_side, ratings_open, visible_to, window_due_at};
use super::repo::FeedbackRepo;
use crate::domain::clock::Clock;
use crate::domain::orders::history::EventSink;
use crate::domain::orders::{Order, Party};
use crate::domain::{DomainError, DomainResult, Id, Viewer, values};

/// Orders closed per query of a sweep.
const BATCH: u64 = 100;

/// The configurable windows of the feedback area.
#[derive(Debug, Clone)]
pub struct FeedbackSettings {
    /// How long after delivery both sides may rate.
    pub rating_window: Duration,
}

/// Ratings of orders.
pub struct FeedbackService {
    repo: Arc<dyn FeedbackRepo>,
    clock: Arc<dyn Clock>,
    sink: Arc<dyn EventSink>,
    settings: FeedbackSettings,
}

impl FeedbackService {
    /// Builds the service over its ports.
    pub fn new(repo: Arc<dyn FeedbackRepo>, clock: Arc<dyn Clock>, sink: Arc<dyn EventSink>, settings: FeedbackSettings) -> Self {
        Self { repo, clock, sink, settings }
    }

    fn window(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.settings.rating_window).unwrap_or(chrono::Duration::days(14))
    }

    /// The order and the viewer's side of it (`NOT_FOUND` for strangers).
    async fn visible(&self, viewer: &Viewer, order_id: Id) -> DomainResult<(Order, Id, Party)> {
        let (user, _) = viewer.require()?;
        let order = self.repo.rated_order(order_id).await?.ok_or(DomainError::NotFound("order"))?;
        let party = order.party_of(user, viewer.is_admin()).ok_or(DomainError::NotFound("order"))?;
        Ok((order, user, party))
    }

    /// The viewer rates the other side of the order, once.
    #[tracing::instrument(skip(self, viewer, input))]
    pub async fn rate(&self, viewer: &Viewer, order_id: Id, input: RatingInput) -> DomainResult<Rating> {
        let (order, user, party) = self.visible(viewer, order_id).await?;
        let side = rater_side(party)?;
        let content = input.parse(side)?;
        let window = self.window();
        let now = self.clock.now();
        let check = move |o: &Order, existing: &[Rating]| {
            ratings_open(o, window, now)?;
            if existing.iter().any(|r| r.side == side) {
                return Err(DomainError::Conflict("you have rated this order already; change it with updateRating".into()));
            }
            Ok(())
        };
        check(&order, &self.repo.ratings(order_id).await?)?;
        let ratee_id = if side == RatingSide::Advertiser { order.influencer_id } else { order.advertiser_id };
        let window_due_at = window_due_at(&order, window).ok_or_else(|| DomainError::internal(anyhow::anyhow!("checked above")))?;
        let new = NewRating { order_id, side, rater_id: user, ratee_id, content, window_due_at, now };
        let (rating, events) = self.repo.submit_rating(new, &check).await?;
        self.sink.committed(&events);
        Ok(rating)
    }

    /// The viewer changes their rating while it is not published.
    #[tracing::instrument(skip(self, viewer, input))]
    pub async fn update(&self, viewer: &Viewer, order_id: Id, input: RatingInput) -> DomainResult<Rating> {
        let (_, _, party) = self.visible(viewer, order_id).await?;
        let side = rater_side(party)?;
        let content = input.parse(side)?;
        let window = self.window();
        let now = self.clock.now();
        let check = move |o: &Order, existing: &[Rating]| {
            if !existing.iter().any(|r| r.side == side) {
                return Err(DomainError::NotFound("rating"));
            }
            ratings_open(o, window, now)
        };
        let (rating, events) = self.repo.edit_rating(order_id, side, content, &check, now).await?;
        self.sink.committed(&events);
        Ok(rating)
    }

    /// The rated user answers a published rating, once.
    #[tracing::instrument(skip(self, viewer, reply))]
    pub async fn reply(&self, viewer: &Viewer, rating_id: Id, reply: &str) -> DomainResult<Rating> {
        let (user, _) = viewer.require()?;
        let rating = self.repo.rating(rating_id).await?.ok_or(DomainError::NotFound("rating"))?;
        // A stranger may not learn of an unpublished rating.
        if rating.published_at.is_none() && rating.rater_id != user && rating.ratee_id != user && !viewer.is_admin() {
            return Err(DomainError::NotFound("rating"));
        }
        let reply = values::text("reply", reply, 1, super::model::MAX_REPLY)?;
        let now = self.clock.now();
        let check = move |r: &Rating| may_reply(r, user, now);
        check(&rating)?;
        let (rating, events) = self.repo.reply_to_rating(rating_id, reply, &check, now).await?;
        self.sink.committed(&events);
        Ok(rating)
    }

    /// The ratings of an order the viewer may read: their own, the other side's once published;
    /// admins all.
    pub async fn ratings_of(&self, viewer: &Viewer, order: &Order) -> DomainResult<Vec<Rating>> {
        let (user, _) = viewer.require()?;
        let party = order.party_of(user, viewer.is_admin()).ok_or(DomainError::NotFound("order"))?;
        Ok(visible_to(self.repo.ratings(order.id).await?, party))
    }

    /// Whether the viewer may rate the order now.
    pub async fn may_rate(&self, viewer: &Viewer, order: &Order) -> DomainResult<bool> {
        let Some(user) = viewer.user_id() else { return Ok(false) };
        let Some(Ok(side)) = order.party_of(user, viewer.is_admin()).map(rater_side) else { return Ok(false) };
        if ratings_open(order, self.window(), self.clock.now()).is_err() {
            return Ok(false);
        }
        Ok(!self.repo.ratings(order.id).await?.iter().any(|r| r.side == side))
    }

    /// Publishes the ratings of every order whose rating window closed at `now`; returns how
    /// many orders it closed. Safe to run on several instances at once.
    #[tracing::instrument(skip(self))]
    pub async fn sweep_due(&self, now: DateTime<Utc>) -> DomainResult<usize> {
        let mut closed = 0;
        loop {
            let ids = self.repo.ratings_due(now, BATCH).await?;
            let mut progressed = false;
            for id in &ids {
                if let Some(events) = self.repo.close_ratings(*id, now).await? {
                    self.sink.committed(&events);
                    closed += 1;
                    progressed = true;
                }
            }
            if (ids.len() as u64) < BATCH || !progressed {
                return Ok(closed);
            }
        }
    }
}
