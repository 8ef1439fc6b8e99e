//! `ad_spaces`: an advertising placement an influencer sells on one of their channels.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ad_spaces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub influencer_id: i64,
    pub channel_id: i64,
    pub title: String,
    pub description: String,
    pub format: String,
    /// JSON list of strings.
    pub deliverables: String,
    pub price_minor: i64,
    pub currency: String,
    pub turnaround_days: i32,
    pub revisions_included: i32,
    /// JSON list of category names.
    pub categories: String,
    /// JSON list of URLs.
    pub sample_links: String,
    pub archived_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub rating_sum: i64,
    pub rating_count: i64,
    pub rating_1: i64,
    pub rating_2: i64,
    pub rating_3: i64,
    pub rating_4: i64,
    pub rating_5: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
