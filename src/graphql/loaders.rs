//! DataLoaders: nested fields of a list (an ad space's influencer and channel, a user's
//! channels and spaces) are batched into one SQL statement per field, whatever the list size.
//!
//! The loaders keep no cache (every request sees fresh rows); they only batch the keys
//! requested within the same tick, which is what a list of nested fields produces.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};

use crate::domain::accounts::User;
use crate::domain::catalogue::{AdSpace, Channel};
use crate::domain::{Id, Services};

/// Every loader, stored once in the schema's data.
pub struct Loaders {
    /// Users by id.
    pub users: DataLoader<UserLoader>,
    /// Channels by id.
    pub channels: DataLoader<ChannelLoader>,
    /// Live channels by influencer id.
    pub channels_of: DataLoader<ChannelsOfLoader>,
    /// Live ad spaces by influencer id.
    pub ad_spaces_of: DataLoader<AdSpacesOfLoader>,
    /// Ad spaces (archived too) by id.
    pub ad_spaces: DataLoader<AdSpaceLoader>,
}

impl Loaders {
    /// Builds the loaders over the services.
    pub fn new(services: Arc<Services>) -> Self {
        Self {
            users: DataLoader::new(UserLoader(services.clone()), tokio::spawn),
            channels: DataLoader::new(ChannelLoader(services.clone()), tokio::spawn),
            channels_of: DataLoader::new(ChannelsOfLoader(services.clone()), tokio::spawn),
            ad_spaces_of: DataLoader::new(AdSpacesOfLoader(services.clone()), tokio::spawn),
            ad_spaces: DataLoader::new(AdSpaceLoader(services), tokio::spawn),
        }
    }
}

/// Loads users by id.
pub struct UserLoader(Arc<Services>);

impl Loader<Id> for UserLoader {
    type Value = User;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Id]) -> Result<HashMap<Id, User>, Self::Error> {
        Ok(self.0.accounts.users(keys).await?.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Loads ad spaces by id, archived or not.
pub struct AdSpaceLoader(Arc<Services>);

impl Loader<Id> for AdSpaceLoader {
    type Value = AdSpace;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Id]) -> Result<HashMap<Id, AdSpace>, Self::Error> {
        Ok(self.0.catalogue.ad_spaces(keys).await?.into_iter().map(|s| (s.id, s)).collect())
    }
}

/// Loads channels by id.
pub struct ChannelLoader(Arc<Services>);

impl Loader<Id> for ChannelLoader {
    type Value = Channel;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Id]) -> Result<HashMap<Id, Channel>, Self::Error> {
        Ok(self.0.catalogue.channels(keys).await?.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// Loads the live channels of influencers.
pub struct ChannelsOfLoader(Arc<Services>);

impl Loader<Id> for ChannelsOfLoader {
    type Value = Vec<Channel>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Id]) -> Result<HashMap<Id, Vec<Channel>>, Self::Error> {
        let mut out: HashMap<Id, Vec<Channel>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for c in self.0.catalogue.channels_of(keys).await? {
            out.entry(c.influencer_id).or_default().push(c);
        }
        Ok(out)
    }
}

/// Loads the live ad spaces of influencers.
pub struct AdSpacesOfLoader(Arc<Services>);

impl Loader<Id> for AdSpacesOfLoader {
    type Value = Vec<AdSpace>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Id]) -> Result<HashMap<Id, Vec<AdSpace>>, Self::Error> {
        let mut out: HashMap<Id, Vec<AdSpace>> = keys.iter().map(|k| (*k, Vec::new())).collect();
        for s in self.0.catalogue.ad_spaces_of(keys).await? {
            out.entry(s.influencer_id).or_default().push(s);
        }
        Ok(out)
    }
}
