//! `ratings`: one side's rating of an order (stars, comment, sub-scores, the rated side's reply).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ratings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    /// The rater's side: `ADVERTISER` or `INFLUENCER`.
    pub side: String,
    pub rater_id: i64,
    pub ratee_id: i64,
    pub stars: i32,
    pub comment: Option<String>,
    pub communication: Option<i32>,
    pub quality: Option<i32>,
    pub timeliness: Option<i32>,
    pub brief_clarity: Option<i32>,
    pub payment_experience: Option<i32>,
    pub published_at: Option<DateTimeUtc>,
    pub reply: Option<String>,
    pub replied_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
