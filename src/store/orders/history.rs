//! The order-event log: appending inside a change's transaction, and reading after a cursor.
//!
//! Commit order = id order. On Postgres a sequence hands out ids in *insert* order, and a
//! transaction that inserted id 7 may commit after the one that inserted id 8; a reader of
//! `id > 6` at the wrong moment would then skip 7 for ever. So every event writer takes one
//! transaction-scoped advisory lock just before it inserts, held until commit: event inserts,
//! and so ids, are serialised in commit order. SQLite serialises writers already
//! (`BEGIN IMMEDIATE`). Callers append their event as the *last* statement of the transaction,
//! to keep the lock short.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::orders::history::{EventKind, NewOrderEvent, OrderEvent};
use crate::domain::{DomainError, DomainResult, Id};
use crate::store::entities::{order, order_event};
use crate::store::{Store, internal};

/// Key of the Postgres advisory lock that serialises event inserts.
const EVENT_LOCK: i64 = 0x0adb_0002;

/// Appends `event` to the order's history inside `txn`: bumps the order's `event_seq` (which
/// locks the order row), then inserts the event under the event lock.
pub async fn append(txn: &DatabaseTransaction, order_id: Id, event: NewOrderEvent, now: DateTime<Utc>) -> DomainResult<OrderEvent> {
    order::Entity::update_many()
        .col_expr(order::Column::EventSeq, Expr::col(order::Column::EventSeq).add(1))
        .filter(order::Column::Id.eq(order_id))
        .exec(txn)
        .await
        .map_err(internal)?;
    let o = order::Entity::find_by_id(order_id).one(txn).await.map_err(internal)?.ok_or(DomainError::NotFound("order"))?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({EVENT_LOCK})")).await.map_err(internal)?;
    }
    let row = order_event::ActiveModel {
        order_id: Set(order_id),
        seq: Set(o.event_seq),
        kind: Set(event.kind.as_str().to_owned()),
        actor_id: Set(event.actor_id),
        from_status: Set(event.from_status),
        to_status: Set(event.to_status),
        reason: Set(event.reason),
        data: Set(event.data.to_string()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(internal)?;
    to_event(row, o.advertiser_id, o.influencer_id)
}

/// Converts a row (and its order's parties) to the domain event.
pub fn to_event(m: order_event::Model, advertiser_id: Id, influencer_id: Id) -> DomainResult<OrderEvent> {
    let kind = EventKind::from_db(&m.kind).ok_or_else(|| DomainError::internal(anyhow::anyhow!("unknown event kind {:?}", m.kind)))?;
    Ok(OrderEvent {
        id: m.id,
        order_id: m.order_id,
        seq: m.seq,
        kind,
        actor_id: m.actor_id,
        from_status: m.from_status,
        to_status: m.to_status,
        reason: m.reason,
        data: serde_json::from_str(&m.data).unwrap_or(serde_json::Value::Null),
        created_at: m.created_at,
        advertiser_id,
        influencer_id,
    })
}

/// Which events to read.
#[derive(Debug, Clone, Copy)]
pub enum EventScope {
    /// Every event (an instance catching up).
    All,
    /// The events of one order.
    Order(Id),
    /// The events of every order where the user is a party.
    Party(Id),
}

impl Store {
    /// Up to `limit` events with `id > after` in `scope`, oldest first.
    pub async fn events_after(&self, scope: EventScope, after: Id, limit: u64) -> DomainResult<Vec<OrderEvent>> {
        let mut query =
            order_event::Entity::find().filter(order_event::Column::Id.gt(after)).order_by_asc(order_event::Column::Id).limit(limit);
        let order_ids: Option<Vec<Id>> = match scope {
            EventScope::All => None,
            EventScope::Order(id) => Some(vec![id]),
            EventScope::Party(user) => Some(
                order::Entity::find()
                    .select_only()
                    .column(order::Column::Id)
                    .filter(order::Column::AdvertiserId.eq(user).or(order::Column::InfluencerId.eq(user)))
                    .into_tuple()
                    .all(self.db())
                    .await
                    .map_err(internal)?,
            ),
        };
        if let Some(ids) = &order_ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            query = query.filter(order_event::Column::OrderId.is_in(ids.iter().copied()));
        }
        let rows = query.all(self.db()).await.map_err(internal)?;
        self.with_parties(rows).await
    }

    /// The newest event id (0 when there is none).
    pub async fn last_event_id(&self) -> DomainResult<Id> {
        let last: Option<Id> = order_event::Entity::find()
            .select_only()
            .column_as(order_event::Column::Id.max(), "max")
            .into_tuple::<Option<Id>>()
            .one(self.db())
            .await
            .map_err(internal)?
            .flatten();
        Ok(last.unwrap_or(0))
    }

    async fn with_parties(&self, rows: Vec<order_event::Model>) -> DomainResult<Vec<OrderEvent>> {
        let mut ids: Vec<Id> = rows.iter().map(|r| r.order_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let parties: std::collections::HashMap<Id, (Id, Id)> = order::Entity::find()
            .select_only()
            .columns([order::Column::Id, order::Column::AdvertiserId, order::Column::InfluencerId])
            .filter(order::Column::Id.is_in(ids))
            .into_tuple::<(Id, Id, Id)>()
            .all(self.db())
            .await
            .map_err(internal)?
            .into_iter()
            .map(|(id, a, i)| (id, (a, i)))
            .collect();
        rows.into_iter()
            .map(|r| {
                let (a, i) = parties.get(&r.order_id).copied().unwrap_or_default();
                to_event(r, a, i)
            })
            .collect()
    }
}
