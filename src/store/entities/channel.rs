//! `channels`: where an influencer publishes (platform, handle, audience).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub influencer_id: i64,
    pub platform: String,
    pub handle: String,
    pub url: String,
    pub followers: i64,
    /// Average engagement rate in basis points (0–10000 = 0–100 %).
    pub engagement_bp: i32,
    pub removed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
