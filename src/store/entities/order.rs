//! `orders`: one booking of an ad space, carried through the state machine.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub advertiser_id: i64,
    pub influencer_id: i64,
    pub ad_space_id: i64,
    pub status: String,
    pub version: i64,
    pub event_seq: i64,
    pub brief: String,
    pub portfolio_url: Option<String>,
    pub first_message: Option<String>,
    pub idempotency_key: Option<String>,
    pub price_minor: i64,
    pub currency: String,
    pub turnaround_days: i32,
    pub revisions_included: i32,
    pub revisions_extra: i32,
    pub revisions_used: i32,
    pub completion_note: Option<String>,
    pub answer_due_at: Option<DateTimeUtc>,
    pub review_due_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub verified_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub status_changed_at: Option<DateTimeUtc>,
    pub status_changed_by: Option<i64>,
    pub rating_due_at: Option<DateTimeUtc>,
    pub ratings_closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
