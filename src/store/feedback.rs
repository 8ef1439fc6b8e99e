//! The feedback repository: ratings, their publication, and the tallies it updates.
//!
//! Every write locks the order row first (`FOR UPDATE` on Postgres; SQLite's `BEGIN IMMEDIATE`
//! holds the write lock already), then reads the order's ratings and runs the service's check
//! on them: the two sides rating at once, or a rating racing the sweeper, are serialised on
//! that row, so ratings are published exactly once and tallies never count one twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::catalogue::search::Sql;
use super::entities::{order, rating};
use super::orders::history::append;
use super::orders::to_order;
use super::{Store, internal, is_unique_violation};
use crate::domain::feedback::{
    FeedbackRepo, NewRating, PublishTrigger, Rating, RatingCheck, RatingContent, RatingSide, ReplyCheck, Subscores, published_event,
    rating_event,
};
use crate::domain::orders::Order;
use crate::domain::orders::history::{EventKind, NewOrderEvent, OrderEvent};
use crate::domain::{DomainError, DomainResult, Id};

fn to_rating(m: rating::Model) -> DomainResult<Rating> {
    let side = RatingSide::from_db(&m.side).ok_or_else(|| DomainError::internal(anyhow::anyhow!("unknown side {:?}", m.side)))?;
    Ok(Rating {
        id: m.id,
        order_id: m.order_id,
        side,
        rater_id: m.rater_id,
        ratee_id: m.ratee_id,
        stars: m.stars,
        comment: m.comment,
        subscores: Subscores {
            communication: m.communication,
            quality: m.quality,
            timeliness: m.timeliness,
            brief_clarity: m.brief_clarity,
            payment_experience: m.payment_experience,
        },
        published_at: m.published_at,
        reply: m.reply,
        replied_at: m.replied_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn set_content(row: &mut rating::ActiveModel, c: RatingContent) {
    row.stars = Set(c.stars);
    row.comment = Set(c.comment);
    row.communication = Set(c.subscores.communication);
    row.quality = Set(c.subscores.quality);
    row.timeliness = Set(c.subscores.timeliness);
    row.brief_clarity = Set(c.subscores.brief_clarity);
    row.payment_experience = Set(c.subscores.payment_experience);
}

/// The order row, locked until commit.
async fn lock(txn: &DatabaseTransaction, order_id: Id) -> DomainResult<order::Model> {
    let row = order::Entity::find_by_id(order_id).lock_exclusive().one(txn).await.map_err(internal)?;
    row.ok_or(DomainError::NotFound("order"))
}

async fn ratings_of(conn: &impl ConnectionTrait, order_id: Id) -> DomainResult<Vec<Rating>> {
    let rows = rating::Entity::find()
        .filter(rating::Column::OrderId.eq(order_id))
        .order_by_asc(rating::Column::Id)
        .all(conn)
        .await
        .map_err(internal)?;
    rows.into_iter().map(to_rating).collect()
}

/// Adds `stars` to the tally of row `id` of `table` (`users` or `ad_spaces`).
async fn tally(txn: &DatabaseTransaction, table: &str, id: Id, stars: i32) -> DomainResult<()> {
    let mut sql = Sql::new(txn.get_database_backend());
    // `stars` is 1–5 (checked by the domain and read back from our own row): it names a column.
    let bucket = format!("rating_{}", stars.clamp(1, 5));
    sql.push(&format!("UPDATE {table} SET rating_sum = rating_sum + ")).bind(i64::from(stars));
    sql.push(&format!(", rating_count = rating_count + 1, {bucket} = {bucket} + 1 WHERE id = ")).bind(id);
    txn.execute_raw(sql.build()).await.map_err(internal)?;
    Ok(())
}

/// Publishes the order's unpublished ratings: stamps them, adds them to the rated user's, the
/// ad space's (influencer rated) and the platform's tallies, closes the window; returns the
/// `RATINGS_PUBLISHED` event to append.
async fn publish(
    txn: &DatabaseTransaction,
    o: &order::Model,
    ratings: &[Rating],
    trigger: PublishTrigger,
    now: DateTime<Utc>,
) -> DomainResult<NewOrderEvent> {
    let fresh: Vec<&Rating> = ratings.iter().filter(|r| r.published_at.is_none()).collect();
    rating::Entity::update_many()
        .col_expr(rating::Column::PublishedAt, Expr::value(now))
        .filter(rating::Column::OrderId.eq(o.id))
        .filter(rating::Column::PublishedAt.is_null())
        .exec(txn)
        .await
        .map_err(internal)?;
    for r in &fresh {
        tally(txn, "users", r.ratee_id, r.stars).await?;
        if r.side == RatingSide::Advertiser {
            tally(txn, "ad_spaces", o.ad_space_id, r.stars).await?;
            let mut sql = Sql::new(txn.get_database_backend());
            sql.push("UPDATE rating_totals SET rating_sum = rating_sum + ").bind(i64::from(r.stars));
            sql.push(", rating_count = rating_count + 1 WHERE id = 1");
            txn.execute_raw(sql.build()).await.map_err(internal)?;
        }
    }
    order::Entity::update_many()
        .col_expr(order::Column::RatingsClosedAt, Expr::value(now))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(o.id))
        .exec(txn)
        .await
        .map_err(internal)?;
    Ok(published_event(fresh.len(), trigger))
}

async fn append_all(
    txn: &DatabaseTransaction,
    order_id: Id,
    events: Vec<NewOrderEvent>,
    now: DateTime<Utc>,
) -> DomainResult<Vec<OrderEvent>> {
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        out.push(append(txn, order_id, event, now).await?);
    }
    Ok(out)
}

impl Store {
    /// Locks the order, loads its ratings and runs `check` on them.
    async fn checked(&self, txn: &DatabaseTransaction, order_id: Id, check: RatingCheck<'_>) -> DomainResult<(order::Model, Vec<Rating>)> {
        let row = lock(txn, order_id).await?;
        let ratings = ratings_of(txn, order_id).await?;
        let order: Order = to_order(row.clone())?;
        check(&order, &ratings)?;
        Ok((row, ratings))
    }
}

#[async_trait]
impl FeedbackRepo for Store {
    async fn rated_order(&self, id: Id) -> DomainResult<Option<Order>> {
        order::Entity::find_by_id(id).one(self.db()).await.map_err(internal)?.map(to_order).transpose()
    }

    async fn ratings(&self, order_id: Id) -> DomainResult<Vec<Rating>> {
        ratings_of(self.db(), order_id).await
    }

    async fn rating(&self, id: Id) -> DomainResult<Option<Rating>> {
        rating::Entity::find_by_id(id).one(self.db()).await.map_err(internal)?.map(to_rating).transpose()
    }

    async fn submit_rating(&self, new: NewRating, check: RatingCheck<'_>) -> DomainResult<(Rating, Vec<OrderEvent>)> {
        let txn = self.begin_write().await?;
        let (row, mut ratings) = self.checked(&txn, new.order_id, check).await?;
        let mut active = rating::ActiveModel {
            order_id: Set(new.order_id),
            side: Set(new.side.as_str().to_owned()),
            rater_id: Set(new.rater_id),
            ratee_id: Set(new.ratee_id),
            created_at: Set(new.now),
            updated_at: Set(new.now),
            ..Default::default()
        };
        set_content(&mut active, new.content);
        let inserted = match active.insert(&txn).await {
            Ok(r) => to_rating(r)?,
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await.map_err(internal)?;
                return Err(DomainError::Conflict("you have rated this order already; change it with updateRating".into()));
            }
            Err(e) => return Err(internal(e)),
        };
        if row.rating_due_at.is_none() {
            order::Entity::update_many()
                .col_expr(order::Column::RatingDueAt, Expr::value(new.window_due_at))
                .filter(order::Column::Id.eq(row.id))
                .exec(&txn)
                .await
                .map_err(internal)?;
        }
        ratings.push(inserted.clone());
        let mut events = vec![rating_event(EventKind::RatingSubmitted, Some(new.rater_id), new.side)];
        let both = [RatingSide::Advertiser, RatingSide::Influencer].iter().all(|s| ratings.iter().any(|r| r.side == *s));
        if both {
            events.push(publish(&txn, &row, &ratings, PublishTrigger::BothRated, new.now).await?);
        }
        let events = append_all(&txn, row.id, events, new.now).await?;
        txn.commit().await.map_err(internal)?;
        let rating = self.rating(inserted.id).await?.ok_or(DomainError::NotFound("rating"))?;
        Ok((rating, events))
    }

    async fn edit_rating(
        &self,
        order_id: Id,
        side: RatingSide,
        content: RatingContent,
        check: RatingCheck<'_>,
        now: DateTime<Utc>,
    ) -> DomainResult<(Rating, Vec<OrderEvent>)> {
        let txn = self.begin_write().await?;
        let (_, ratings) = self.checked(&txn, order_id, check).await?;
        let mine = ratings.iter().find(|r| r.side == side).ok_or(DomainError::NotFound("rating"))?;
        let mut active = rating::ActiveModel { id: sea_orm::Unchanged(mine.id), updated_at: Set(now), ..Default::default() };
        set_content(&mut active, content);
        active.update(&txn).await.map_err(internal)?;
        let events = append_all(&txn, order_id, vec![rating_event(EventKind::RatingUpdated, Some(mine.rater_id), side)], now).await?;
        txn.commit().await.map_err(internal)?;
        let rating = self.rating(mine.id).await?.ok_or(DomainError::NotFound("rating"))?;
        Ok((rating, events))
    }

    async fn reply_to_rating(
        &self,
        rating_id: Id,
        reply: String,
        check: ReplyCheck<'_>,
        now: DateTime<Utc>,
    ) -> DomainResult<(Rating, Vec<OrderEvent>)> {
        let order_id = self.rating(rating_id).await?.ok_or(DomainError::NotFound("rating"))?.order_id;
        let txn = self.begin_write().await?;
        lock(&txn, order_id).await?;
        let current = rating::Entity::find_by_id(rating_id).one(&txn).await.map_err(internal)?.ok_or(DomainError::NotFound("rating"))?;
        let current = to_rating(current)?;
        check(&current)?;
        let active = rating::ActiveModel {
            id: sea_orm::Unchanged(rating_id),
            reply: Set(Some(reply)),
            replied_at: Set(Some(now)),
            ..Default::default()
        };
        active.update(&txn).await.map_err(internal)?;
        let event = rating_event(EventKind::RatingReplied, Some(current.ratee_id), current.side);
        let events = append_all(&txn, order_id, vec![event], now).await?;
        txn.commit().await.map_err(internal)?;
        let rating = self.rating(rating_id).await?.ok_or(DomainError::NotFound("rating"))?;
        Ok((rating, events))
    }

    async fn ratings_due(&self, at: DateTime<Utc>, limit: u64) -> DomainResult<Vec<Id>> {
        use order::Column as C;
        order::Entity::find()
            .select_only()
            .column(C::Id)
            .filter(C::RatingsClosedAt.is_null())
            .filter(C::RatingDueAt.lte(at))
            .order_by_asc(C::RatingDueAt)
            .limit(limit)
            .into_tuple()
            .all(self.db())
            .await
            .map_err(internal)
    }

    async fn close_ratings(&self, order_id: Id, at: DateTime<Utc>) -> DomainResult<Option<Vec<OrderEvent>>> {
        let txn = self.begin_write().await?;
        let row = lock(&txn, order_id).await?;
        if row.ratings_closed_at.is_some() || row.rating_due_at.is_none_or(|due| due > at) {
            txn.rollback().await.map_err(internal)?;
            return Ok(None);
        }
        let ratings = ratings_of(&txn, order_id).await?;
        let event = publish(&txn, &row, &ratings, PublishTrigger::WindowClosed, at).await?;
        let events = append_all(&txn, order_id, vec![event], at).await?;
        txn.commit().await.map_err(internal)?;
        Ok(Some(events))
    }
}
