//! The conversation repository: messages, keyset pages, read cursors and unread counts.
//!
//! Pages are keyset ranges on the `messages (order_id, id)` index: the newest page is an index
//! scan backwards from the end, a page far back the same scan from the cursor's id, so both
//! cost a handful of index steps whatever the conversation's length.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, Set, Statement,
};
use sea_orm::{ExprTrait, PaginatorTrait};

use super::entities::{message, order, read_cursor};
use super::orders::history as events;
use super::{Store, internal};
use crate::domain::conversation::{ConversationRepo, Message, MessagePage, NewMessage, ReadState, Window, message_posted};
use crate::domain::orders::access::{OrderAccess, OrderAccessRepo, OrderCheck};
use crate::domain::orders::history::OrderEvent;
use crate::domain::{DomainError, DomainResult, Id};

fn to_access(o: order::Model) -> OrderAccess {
    OrderAccess {
        id: o.id,
        advertiser_id: o.advertiser_id,
        influencer_id: o.influencer_id,
        status: o.status,
        revisions_included: o.revisions_included,
        revisions_extra: o.revisions_extra,
        revisions_used: o.revisions_used,
    }
}

fn to_message(m: message::Model) -> Message {
    Message { id: m.id, order_id: m.order_id, author_id: m.author_id, body: m.body, created_at: m.created_at }
}

/// Reads the order inside `txn`, locking its row until commit (`FOR UPDATE` on Postgres;
/// SQLite's `BEGIN IMMEDIATE` already holds the database's write lock).
pub async fn lock_order(txn: &DatabaseTransaction, order_id: Id) -> DomainResult<OrderAccess> {
    let row = order::Entity::find_by_id(order_id).lock_exclusive().one(txn).await.map_err(internal)?;
    row.map(to_access).ok_or(DomainError::NotFound("order"))
}

/// Inserts a message inside a caller's transaction (`placeOrder` uses it for message #1).
/// The caller appends [`message_posted`] with the order's other events.
pub async fn insert_message(
    txn: &DatabaseTransaction,
    order_id: Id,
    author_id: Id,
    body: &str,
    now: DateTime<Utc>,
) -> DomainResult<Message> {
    let row = message::ActiveModel {
        order_id: Set(order_id),
        author_id: Set(author_id),
        body: Set(body.to_owned()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(internal)?;
    Ok(to_message(row))
}

fn in_order(order_id: Id) -> Select<message::Entity> {
    message::Entity::find().filter(message::Column::OrderId.eq(order_id))
}

impl Store {
    /// Whether the order has a message matching `filter` (one index probe).
    async fn any_message(&self, query: Select<message::Entity>) -> DomainResult<bool> {
        let found: Option<Id> =
            query.select_only().column(message::Column::Id).limit(1).into_tuple().one(self.db()).await.map_err(internal)?;
        Ok(found.is_some())
    }
}

#[async_trait]
impl OrderAccessRepo for Store {
    async fn order_access(&self, order_id: Id) -> DomainResult<Option<OrderAccess>> {
        Ok(order::Entity::find_by_id(order_id).one(self.db()).await.map_err(internal)?.map(to_access))
    }
}

#[async_trait]
impl ConversationRepo for Store {
    async fn post_message(&self, new: NewMessage, check: OrderCheck<'_>) -> DomainResult<(Message, OrderEvent)> {
        let txn = self.begin_write().await?;
        let order = lock_order(&txn, new.order_id).await?;
        check(&order)?;
        let message = insert_message(&txn, new.order_id, new.author_id, &new.body, new.now).await?;
        let event = events::append(&txn, new.order_id, message_posted(&message), new.now).await?;
        txn.commit().await.map_err(internal)?;
        Ok((message, event))
    }

    async fn messages(&self, order_id: Id, w: Window) -> DomainResult<MessagePage> {
        let mut query = in_order(order_id);
        if let Some(after) = w.after {
            query = query.filter(message::Column::Id.gt(after));
        }
        if let Some(before) = w.before {
            query = query.filter(message::Column::Id.lt(before));
        } else if w.from_end {
            // Bound the latest page by the order's newest message (one probe of the composite
            // index): otherwise Postgres may scan the primary key backwards through the newer
            // messages of every other order to reach a conversation that went quiet long ago.
            let newest: Option<Option<Id>> = in_order(order_id)
                .select_only()
                .column_as(message::Column::Id.max(), "max")
                .into_tuple()
                .one(self.db())
                .await
                .map_err(internal)?;
            match newest.flatten() {
                Some(newest) => query = query.filter(message::Column::Id.lte(newest)),
                None => return Ok(MessagePage::default()),
            }
        }
        let query = if w.from_end { query.order_by_desc(message::Column::Id) } else { query.order_by_asc(message::Column::Id) };
        let mut rows = query.limit(w.limit as u64 + 1).all(self.db()).await.map_err(internal)?;
        let more = rows.len() > w.limit;
        rows.truncate(w.limit);
        if w.from_end {
            rows.reverse();
        }
        // Beyond the requested bound, on the side the page did not scan: one index probe each.
        let before_after = match w.after {
            Some(after) => self.any_message(in_order(order_id).filter(message::Column::Id.lte(after))).await?,
            None => false,
        };
        let beyond_before = match w.before {
            Some(before) => self.any_message(in_order(order_id).filter(message::Column::Id.gte(before))).await?,
            None => false,
        };
        let (has_previous, has_next) =
            if w.from_end { (more || before_after, beyond_before) } else { (before_after, more || beyond_before) };
        Ok(MessagePage { messages: rows.into_iter().map(to_message).collect(), has_previous, has_next })
    }

    async fn message(&self, id: Id) -> DomainResult<Option<Message>> {
        Ok(message::Entity::find_by_id(id).one(self.db()).await.map_err(internal)?.map(to_message))
    }

    async fn advance_cursor(&self, order_id: Id, user_id: Id, up_to: Id) -> DomainResult<Id> {
        let row = read_cursor::ActiveModel { order_id: Set(order_id), user_id: Set(user_id), last_read_message_id: Set(up_to) };
        // Forward only, in one statement: the update applies only when it moves the cursor on.
        let on_conflict = OnConflict::columns([read_cursor::Column::OrderId, read_cursor::Column::UserId])
            .update_column(read_cursor::Column::LastReadMessageId)
            .action_and_where(Expr::col((read_cursor::Entity, read_cursor::Column::LastReadMessageId)).lt(up_to))
            .to_owned();
        read_cursor::Entity::insert(row).on_conflict(on_conflict).exec_without_returning(self.db()).await.map_err(internal)?;
        Ok(self.read_state(order_id, user_id).await?.last_read_message_id)
    }

    async fn read_state(&self, order_id: Id, user_id: Id) -> DomainResult<ReadState> {
        let cursor = read_cursor::Entity::find_by_id((order_id, user_id))
            .one(self.db())
            .await
            .map_err(internal)?
            .map_or(0, |c| c.last_read_message_id);
        let unread = in_order(order_id)
            .filter(message::Column::Id.gt(cursor))
            .filter(message::Column::AuthorId.ne(user_id))
            .count(self.db())
            .await
            .map_err(internal)?;
        Ok(ReadState { last_read_message_id: cursor, unread: unread as i64 })
    }

    async fn total_unread(&self, user_id: Id) -> DomainResult<i64> {
        let sql = "SELECT COUNT(*) AS n FROM messages m \
             JOIN orders o ON o.id = m.order_id \
             LEFT JOIN read_cursors c ON c.order_id = m.order_id AND c.user_id = ? \
             WHERE (o.advertiser_id = ? OR o.influencer_id = ?) AND m.author_id <> ? \
             AND m.id > COALESCE(c.last_read_message_id, 0)";
        let backend = self.backend();
        let stmt = Statement::from_sql_and_values(
            backend,
            placeholders(sql, backend),
            [user_id.into(), user_id.into(), user_id.into(), user_id.into()],
        );
        let row = self.db().query_one_raw(stmt).await.map_err(internal)?;
        Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose().map_err(internal)?.unwrap_or(0))
    }
}

/// `?` placeholders as the backend wants them (`$1, $2…` on Postgres).
fn placeholders(sql: &str, backend: DbBackend) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 8);
    for (i, part) in sql.split('?').enumerate() {
        if i > 0 {
            out.push_str(&format!("${i}"));
        }
        out.push_str(part);
    }
    out
}
