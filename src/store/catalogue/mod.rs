//! The catalogue repository: channels and ad spaces (the search lives in [`search`], row conversions in [`rows`]).

mod rows;
pub mod search;

use crate::domain::catalogue::CatalogueRepo;
use crate::domain::catalogue::Category;
use crate::domain::catalogue::discovery::{Cursor, KeyValue, SearchFilter, SortKey};
use crate::domain::catalogue::{AdSpace, AdSpacePatch, Channel, ChannelPatch};
use crate::domain::{DomainError, DomainResult, Id};
use crate::store::entities::{ad_space, channel};
use crate::store::{Store, internal, to_json_list};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rows::{to_ad_space, to_channel};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, Unchanged};

fn category_names(categories: &[Category]) -> String {
    to_json_list(&categories.iter().map(|c| c.as_str()).collect::<Vec<_>>())
}

fn apply_ad_space_patch(row: &mut ad_space::ActiveModel, p: AdSpacePatch) {
    if let Some(v) = p.channel_id {
        row.channel_id = Set(v);
    }
    if let Some(v) = p.title {
        row.title = Set(v);
    }
    if let Some(v) = p.description {
        row.description = Set(v);
    }
    if let Some(v) = p.format {
        row.format = Set(v.as_str().to_owned());
    }
    if let Some(v) = p.deliverables {
        row.deliverables = Set(to_json_list(&v));
    }
    if let Some(v) = p.price_minor {
        row.price_minor = Set(v);
    }
    if let Some(v) = p.currency {
        row.currency = Set(v);
    }
    if let Some(v) = p.turnaround_days {
        row.turnaround_days = Set(v);
    }
    if let Some(v) = p.revisions_included {
        row.revisions_included = Set(v);
    }
    if let Some(v) = p.categories {
        row.categories = Set(category_names(&v));
    }
    if let Some(v) = p.sample_links {
        row.sample_links = Set(to_json_list(&v));
    }
}

fn apply_channel_patch(row: &mut channel::ActiveModel, p: ChannelPatch) {
    if let Some(v) = p.platform {
        row.platform = Set(v.as_str().to_owned());
    }
    if let Some(v) = p.handle {
        row.handle = Set(v);
    }
    if let Some(v) = p.url {
        row.url = Set(v);
    }
    if let Some(v) = p.followers {
        row.followers = Set(v);
    }
    if let Some(v) = p.engagement_bp {
        row.engagement_bp = Set(v);
    }
}

#[async_trait]
impl CatalogueRepo for Store {
    async fn channels_by_ids(&self, ids: &[Id]) -> DomainResult<Vec<Channel>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = channel::Entity::find().filter(channel::Column::Id.is_in(ids.iter().copied())).all(self.db()).await.map_err(internal)?;
        rows.into_iter().map(to_channel).collect()
    }

    async fn channels_of(&self, influencer_ids: &[Id]) -> DomainResult<Vec<Channel>> {
        if influencer_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = channel::Entity::find()
            .filter(channel::Column::InfluencerId.is_in(influencer_ids.iter().copied()))
            .filter(channel::Column::RemovedAt.is_null())
            .order_by_asc(channel::Column::Id)
            .all(self.db())
            .await
            .map_err(internal)?;
        rows.into_iter().map(to_channel).collect()
    }

    async fn add_channel(&self, influencer_id: Id, patch: ChannelPatch, now: DateTime<Utc>) -> DomainResult<Channel> {
        let mut row = channel::ActiveModel {
            influencer_id: Set(influencer_id),
            removed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        apply_channel_patch(&mut row, patch);
        to_channel(row.insert(self.db()).await.map_err(internal)?)
    }

    async fn update_channel(&self, id: Id, patch: ChannelPatch, now: DateTime<Utc>) -> DomainResult<Channel> {
        let mut row = channel::ActiveModel { id: Unchanged(id), updated_at: Set(now), ..Default::default() };
        apply_channel_patch(&mut row, patch);
        to_channel(row.update(self.db()).await.map_err(internal)?)
    }

    async fn remove_channel(&self, id: Id, now: DateTime<Utc>) -> DomainResult<Channel> {
        let txn = self.begin_write().await?;
        ad_space::Entity::update_many()
            .col_expr(ad_space::Column::ArchivedAt, Expr::value(now))
            .col_expr(ad_space::Column::UpdatedAt, Expr::value(now))
            .filter(ad_space::Column::ChannelId.eq(id))
            .filter(ad_space::Column::ArchivedAt.is_null())
            .exec(&txn)
            .await
            .map_err(internal)?;
        let row = channel::ActiveModel { id: Unchanged(id), removed_at: Set(Some(now)), updated_at: Set(now), ..Default::default() };
        let m = row.update(&txn).await.map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        to_channel(m)
    }

    async fn ad_spaces_by_ids(&self, ids: &[Id]) -> DomainResult<Vec<AdSpace>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows =
            ad_space::Entity::find().filter(ad_space::Column::Id.is_in(ids.iter().copied())).all(self.db()).await.map_err(internal)?;
        rows.into_iter().map(to_ad_space).collect()
    }

    async fn ad_spaces_of(&self, influencer_ids: &[Id]) -> DomainResult<Vec<AdSpace>> {
        if influencer_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = ad_space::Entity::find()
            .filter(ad_space::Column::InfluencerId.is_in(influencer_ids.iter().copied()))
            .filter(ad_space::Column::ArchivedAt.is_null())
            .order_by_desc(ad_space::Column::Id)
            .all(self.db())
            .await
            .map_err(internal)?;
        rows.into_iter().map(to_ad_space).collect()
    }

    async fn create_ad_space(&self, influencer_id: Id, patch: AdSpacePatch, now: DateTime<Utc>) -> DomainResult<AdSpace> {
        let mut row = ad_space::ActiveModel {
            influencer_id: Set(influencer_id),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        apply_ad_space_patch(&mut row, patch);
        // Insert, then read back by id (see `create_user`: RETURNING every column is avoided).
        let id = ad_space::Entity::insert(row).exec(self.db()).await.map_err(internal)?.last_insert_id;
        let m = ad_space::Entity::find_by_id(id).one(self.db()).await.map_err(internal)?;
        to_ad_space(m.ok_or(DomainError::NotFound("AdSpace"))?)
    }

    async fn update_ad_space(&self, id: Id, patch: AdSpacePatch, now: DateTime<Utc>) -> DomainResult<AdSpace> {
        let mut row = ad_space::ActiveModel { id: Unchanged(id), updated_at: Set(now), ..Default::default() };
        apply_ad_space_patch(&mut row, patch);
        to_ad_space(row.update(self.db()).await.map_err(internal)?)
    }

    async fn archive_ad_space(&self, id: Id, now: DateTime<Utc>) -> DomainResult<AdSpace> {
        ad_space::Entity::update_many()
            .col_expr(ad_space::Column::ArchivedAt, Expr::value(now))
            .col_expr(ad_space::Column::UpdatedAt, Expr::value(now))
            .filter(ad_space::Column::Id.eq(id))
            .filter(ad_space::Column::ArchivedAt.is_null())
            .exec(self.db())
            .await
            .map_err(internal)?;
        let m = ad_space::Entity::find_by_id(id).one(self.db()).await.map_err(internal)?.ok_or(DomainError::NotFound("AdSpace"))?;
        to_ad_space(m)
    }

    async fn search(
        &self,
        filter: &SearchFilter,
        sort: SortKey,
        after: Option<&Cursor>,
        limit: usize,
    ) -> DomainResult<Vec<(AdSpace, KeyValue)>> {
        search::search(self, filter, sort, after, limit).await
    }
}
