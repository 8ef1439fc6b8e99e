//! Feedback: double-blind ratings of an order by both sides, their windows, and the rating
//! aggregates of users and ad spaces (average, count, 1–5 histogram) kept in the publication's
//! transaction.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_feedback"
    }
}

const UP: &str = r#"
CREATE TABLE ratings (
    id {pk},
    order_id {big} NOT NULL REFERENCES orders(id),
    side TEXT NOT NULL,
    rater_id {big} NOT NULL REFERENCES users(id),
    ratee_id {big} NOT NULL REFERENCES users(id),
    stars INTEGER NOT NULL,
    comment TEXT,
    communication INTEGER,
    quality INTEGER,
    timeliness INTEGER,
    brief_clarity INTEGER,
    payment_experience INTEGER,
    published_at {ts},
    reply TEXT,
    replied_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE UNIQUE INDEX ratings_order_side ON ratings (order_id, side);
CREATE INDEX ratings_ratee ON ratings (ratee_id, id);
ALTER TABLE orders ADD COLUMN rating_due_at {ts};
ALTER TABLE orders ADD COLUMN ratings_closed_at {ts};
CREATE INDEX orders_rating_due ON orders (rating_due_at) WHERE ratings_closed_at IS NULL;
ALTER TABLE users ADD COLUMN rating_1 {big} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN rating_2 {big} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN rating_3 {big} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN rating_4 {big} NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN rating_5 {big} NOT NULL DEFAULT 0;
ALTER TABLE ad_spaces ADD COLUMN rating_sum {big} NOT NULL DEFAULT 0;
ALTER TABLE ad_spaces ADD COLUMN rating_count {big} NOT NULL DEFAULT 0;
ALTER TABLE ad_spaces ADD COLUMN rating_1 {big} NOT NULL DEFAULT 0;
ALTER TABLE ad_spaces ADD COLUMN rating_2 {big} NOT NULL DEFAULT 0;
ALTER TABLE ad_spaces ADD COLUMN rating_3 {big} NOT NULL DEFAULT 0;
ALTER TABLE ad_spaces ADD COLUMN rating_4 {big} NOT NULL DEFAULT 0;
ALTER TABLE ad_spaces ADD COLUMN rating_5 {big} NOT NULL DEFAULT 0;
CREATE TABLE rating_totals (
    id INTEGER PRIMARY KEY,
    rating_sum {big} NOT NULL,
    rating_count {big} NOT NULL
);
INSERT INTO rating_totals (id, rating_sum, rating_count)
    SELECT 1, COALESCE(SUM(rating_sum), 0), COALESCE(SUM(rating_count), 0) FROM users WHERE role = 'INFLUENCER'
"#;

const DOWN: &str = r#"
DROP TABLE rating_totals;
ALTER TABLE ad_spaces DROP COLUMN rating_5;
ALTER TABLE ad_spaces DROP COLUMN rating_4;
ALTER TABLE ad_spaces DROP COLUMN rating_3;
ALTER TABLE ad_spaces DROP COLUMN rating_2;
ALTER TABLE ad_spaces DROP COLUMN rating_1;
ALTER TABLE ad_spaces DROP COLUMN rating_count;
ALTER TABLE ad_spaces DROP COLUMN rating_sum;
ALTER TABLE users DROP COLUMN rating_5;
ALTER TABLE users DROP COLUMN rating_4;
ALTER TABLE users DROP COLUMN rating_3;
ALTER TABLE users DROP COLUMN rating_2;
ALTER TABLE users DROP COLUMN rating_1;
DROP INDEX orders_rating_due;
ALTER TABLE orders DROP COLUMN ratings_closed_at;
ALTER TABLE orders DROP COLUMN rating_due_at;
DROP TABLE ratings
"#;

#[sea_orm_migration::async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::sql::run(manager, DOWN).await
    }
}
