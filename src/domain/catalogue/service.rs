//! Catalogue: influencers manage their channels and ad spaces; anyone discovers them.

use super::repo::{CatalogueRepo, SearchPage};
use crate::domain::Id;
use crate::domain::accounts::Role;
use crate::domain::catalogue::discovery::{Cursor, FilterInput, SortKey, effective_sort};
use crate::domain::catalogue::{AdSpace, AdSpaceInput, Channel, ChannelInput};
use crate::domain::clock::Clock;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::viewer::Viewer;
use std::sync::Arc;

/// Channels, ad spaces and discovery.
pub struct CatalogueService {
    repo: Arc<dyn CatalogueRepo>,
    clock: Arc<dyn Clock>,
}

impl CatalogueService {
    /// Builds the service.
    pub fn new(repo: Arc<dyn CatalogueRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, clock }
    }

    /// Adds a channel to the viewer's (an influencer's) profile.
    #[tracing::instrument(skip_all)]
    pub async fn add_channel(&self, viewer: &Viewer, input: ChannelInput) -> DomainResult<Channel> {
        let me = viewer.require_role(Role::Influencer)?;
        let patch = input.parse(true)?;
        self.repo.add_channel(me, patch, self.clock.now()).await
    }

    /// Changes one of the viewer's channels.
    #[tracing::instrument(skip_all, fields(channel = id))]
    pub async fn update_channel(&self, viewer: &Viewer, id: Id, input: ChannelInput) -> DomainResult<Channel> {
        let me = viewer.require_role(Role::Influencer)?;
        let patch = input.parse(false)?;
        self.own_channel(me, id).await?;
        self.repo.update_channel(id, patch, self.clock.now()).await
    }

    /// Removes one of the viewer's channels; its live ad spaces are archived with it.
    #[tracing::instrument(skip_all, fields(channel = id))]
    pub async fn remove_channel(&self, viewer: &Viewer, id: Id) -> DomainResult<Channel> {
        let me = viewer.require_role(Role::Influencer)?;
        self.own_channel(me, id).await?;
        self.repo.remove_channel(id, self.clock.now()).await
    }

    /// Lists an ad space on one of the viewer's live channels.
    #[tracing::instrument(skip_all)]
    pub async fn create_ad_space(&self, viewer: &Viewer, input: AdSpaceInput) -> DomainResult<AdSpace> {
        let me = viewer.require_role(Role::Influencer)?;
        let patch = input.parse(true)?;
        self.usable_channel(me, patch.channel_id).await?;
        self.repo.create_ad_space(me, patch, self.clock.now()).await
    }

    /// Changes one of the viewer's live ad spaces.
    #[tracing::instrument(skip_all, fields(ad_space = id))]
    pub async fn update_ad_space(&self, viewer: &Viewer, id: Id, input: AdSpaceInput) -> DomainResult<AdSpace> {
        let me = viewer.require_role(Role::Influencer)?;
        let patch = input.parse(false)?;
        let space = self.own_ad_space(me, id).await?;
        if space.archived_at.is_some() {
            return Err(DomainError::Conflict("an archived ad space cannot be changed".into()));
        }
        self.usable_channel(me, patch.channel_id).await?;
        self.repo.update_ad_space(id, patch, self.clock.now()).await
    }

    /// Archives one of the viewer's ad spaces: it stays readable, but is no longer discoverable
    /// or orderable. Archiving twice is harmless.
    #[tracing::instrument(skip_all, fields(ad_space = id))]
    pub async fn archive_ad_space(&self, viewer: &Viewer, id: Id) -> DomainResult<AdSpace> {
        let me = viewer.require_role(Role::Influencer)?;
        self.own_ad_space(me, id).await?;
        self.repo.archive_ad_space(id, self.clock.now()).await
    }

    /// An ad space by id, archived or not (ad spaces are public).
    pub async fn ad_space(&self, id: Id) -> DomainResult<Option<AdSpace>> {
        Ok(self.repo.ad_spaces_by_ids(&[id]).await?.into_iter().next())
    }

    /// Ad spaces by id (for loaders).
    pub async fn ad_spaces(&self, ids: &[Id]) -> DomainResult<Vec<AdSpace>> {
        self.repo.ad_spaces_by_ids(ids).await
    }

    /// A channel by id (channels are public).
    pub async fn channel(&self, id: Id) -> DomainResult<Option<Channel>> {
        Ok(self.repo.channels_by_ids(&[id]).await?.into_iter().next())
    }

    /// Channels by id (for loaders).
    pub async fn channels(&self, ids: &[Id]) -> DomainResult<Vec<Channel>> {
        self.repo.channels_by_ids(ids).await
    }

    /// The live channels of influencers (for loaders).
    pub async fn channels_of(&self, influencer_ids: &[Id]) -> DomainResult<Vec<Channel>> {
        self.repo.channels_of(influencer_ids).await
    }

    /// The live ad spaces of influencers (for loaders).
    pub async fn ad_spaces_of(&self, influencer_ids: &[Id]) -> DomainResult<Vec<AdSpace>> {
        self.repo.ad_spaces_of(influencer_ids).await
    }

    /// One page of discovery: `first` results strictly after `after`.
    #[tracing::instrument(skip_all, fields(first))]
    pub async fn search(
        &self,
        filter: FilterInput,
        sort: Option<SortKey>,
        first: usize,
        after: Option<Cursor>,
    ) -> DomainResult<SearchPage> {
        let filter = filter.parse()?;
        let sort = effective_sort(sort, &filter);
        if let Some(cursor) = &after
            && cursor.sort != sort
        {
            return Err(DomainError::bad_input("after", "belongs to another sort order"));
        }
        if first == 0 {
            return Ok(SearchPage { items: Vec::new(), has_next: false });
        }
        let mut rows = self.repo.search(&filter, sort, after.as_ref(), first + 1).await?;
        let has_next = rows.len() > first;
        rows.truncate(first);
        let items = rows
            .into_iter()
            .map(|(space, key)| (Cursor { sort, key, id: space.id }, space))
            .map(|(cursor, space)| (space, cursor))
            .collect();
        Ok(SearchPage { items, has_next })
    }

    async fn own_channel(&self, me: Id, id: Id) -> DomainResult<Channel> {
        let channel = self.channel(id).await?.ok_or(DomainError::NotFound("Channel"))?;
        if channel.influencer_id != me {
            return Err(DomainError::forbidden("this channel belongs to another influencer"));
        }
        if channel.removed_at.is_some() {
            return Err(DomainError::NotFound("Channel"));
        }
        Ok(channel)
    }

    async fn own_ad_space(&self, me: Id, id: Id) -> DomainResult<AdSpace> {
        let space = self.ad_space(id).await?.ok_or(DomainError::NotFound("AdSpace"))?;
        if space.influencer_id != me {
            return Err(DomainError::forbidden("this ad space belongs to another influencer"));
        }
        Ok(space)
    }

    /// Checks that a (new) channel of an ad space is one of the viewer's live channels.
    async fn usable_channel(&self, me: Id, channel_id: Option<Id>) -> DomainResult<()> {
        let Some(id) = channel_id else { return Ok(()) };
        match self.channel(id).await? {
            Some(c) if c.influencer_id == me && c.removed_at.is_none() => Ok(()),
            _ => Err(DomainError::bad_input("channelId", "is not one of your channels")),
        }
    }
}
