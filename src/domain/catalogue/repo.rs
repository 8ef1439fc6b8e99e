//! Catalogue: the storage port of channels, ad spaces and the discovery search.

use crate::domain::Id;
use crate::domain::catalogue::discovery::{Cursor, KeyValue, SearchFilter, SortKey};
use crate::domain::catalogue::{AdSpace, AdSpacePatch, Channel, ChannelPatch};
use crate::domain::error::DomainResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Persistence of channels and ad spaces, and the discovery search.
#[async_trait]
pub trait CatalogueRepo: Send + Sync {
    /// Channels by id (removed ones included), in no particular order.
    async fn channels_by_ids(&self, ids: &[Id]) -> DomainResult<Vec<Channel>>;
    /// The live channels of influencers, oldest first.
    async fn channels_of(&self, influencer_ids: &[Id]) -> DomainResult<Vec<Channel>>;
    /// Inserts a channel from a complete patch.
    async fn add_channel(&self, influencer_id: Id, patch: ChannelPatch, now: DateTime<Utc>) -> DomainResult<Channel>;
    /// Applies a patch to a channel.
    async fn update_channel(&self, id: Id, patch: ChannelPatch, now: DateTime<Utc>) -> DomainResult<Channel>;
    /// Marks a channel removed and archives its live ad spaces, in one transaction.
    async fn remove_channel(&self, id: Id, now: DateTime<Utc>) -> DomainResult<Channel>;
    /// Ad spaces by id (archived ones included), in no particular order.
    async fn ad_spaces_by_ids(&self, ids: &[Id]) -> DomainResult<Vec<AdSpace>>;
    /// The live ad spaces of influencers, newest first.
    async fn ad_spaces_of(&self, influencer_ids: &[Id]) -> DomainResult<Vec<AdSpace>>;
    /// Inserts an ad space from a complete patch.
    async fn create_ad_space(&self, influencer_id: Id, patch: AdSpacePatch, now: DateTime<Utc>) -> DomainResult<AdSpace>;
    /// Applies a patch to an ad space.
    async fn update_ad_space(&self, id: Id, patch: AdSpacePatch, now: DateTime<Utc>) -> DomainResult<AdSpace>;
    /// Archives an ad space (keeps the first archive time).
    async fn archive_ad_space(&self, id: Id, now: DateTime<Utc>) -> DomainResult<AdSpace>;
    /// Up to `limit` live ad spaces matching `filter`, in `sort` order, strictly after `after`,
    /// each with its sort key value. One SQL statement.
    async fn search(
        &self,
        filter: &SearchFilter,
        sort: SortKey,
        after: Option<&Cursor>,
        limit: usize,
    ) -> DomainResult<Vec<(AdSpace, KeyValue)>>;
}

/// One page of discovery results.
#[derive(Debug)]
pub struct SearchPage {
    /// The spaces with the cursor just after each.
    pub items: Vec<(AdSpace, Cursor)>,
    /// Whether more results follow the last one.
    pub has_next: bool,
}
