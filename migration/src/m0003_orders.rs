//! Orders, their event log (the outbox), payments, proofs, conversation and drafts.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_orders"
    }
}

const UP: &str = r#"
CREATE TABLE orders (
    id {pk},
    advertiser_id {big} NOT NULL REFERENCES users(id),
    influencer_id {big} NOT NULL REFERENCES users(id),
    ad_space_id {big} NOT NULL REFERENCES ad_spaces(id),
    status TEXT NOT NULL,
    version {big} NOT NULL DEFAULT 0,
    event_seq {big} NOT NULL DEFAULT 0,
    brief TEXT NOT NULL,
    portfolio_url TEXT,
    first_message TEXT,
    idempotency_key TEXT,
    price_minor {big} NOT NULL,
    currency TEXT NOT NULL,
    turnaround_days INTEGER NOT NULL,
    revisions_included INTEGER NOT NULL,
    revisions_extra INTEGER NOT NULL DEFAULT 0,
    revisions_used INTEGER NOT NULL DEFAULT 0,
    completion_note TEXT,
    answer_due_at {ts},
    review_due_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    accepted_at {ts},
    paid_at {ts},
    started_at {ts},
    completed_at {ts},
    verified_at {ts},
    closed_at {ts},
    UNIQUE (advertiser_id, idempotency_key)
);
CREATE INDEX orders_advertiser ON orders (advertiser_id, id);
CREATE INDEX orders_influencer ON orders (influencer_id, id);
CREATE INDEX orders_answer_due ON orders (answer_due_at);
CREATE INDEX orders_review_due ON orders (review_due_at);
CREATE TABLE order_events (
    id {pk},
    order_id {big} NOT NULL REFERENCES orders(id),
    seq {big} NOT NULL,
    kind TEXT NOT NULL,
    actor_id {big},
    from_status TEXT,
    to_status TEXT,
    reason TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    created_at {ts} NOT NULL,
    UNIQUE (order_id, seq)
);
CREATE TABLE payments (
    id {pk},
    order_id {big} NOT NULL REFERENCES orders(id),
    provider TEXT NOT NULL,
    provider_ref TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL,
    amount_minor {big} NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    failure_reason TEXT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    UNIQUE (order_id, idempotency_key)
);
CREATE TABLE webhook_deliveries (
    id {pk},
    event_id TEXT NOT NULL UNIQUE,
    received_at {ts} NOT NULL
);
CREATE TABLE delivery_proofs (
    id {pk},
    order_id {big} NOT NULL REFERENCES orders(id),
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX delivery_proofs_order ON delivery_proofs (order_id);
CREATE TABLE messages (
    id {pk},
    order_id {big} NOT NULL REFERENCES orders(id),
    author_id {big} NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX messages_order ON messages (order_id, id);
CREATE TABLE read_cursors (
    order_id {big} NOT NULL REFERENCES orders(id),
    user_id {big} NOT NULL REFERENCES users(id),
    last_read_message_id {big} NOT NULL,
    PRIMARY KEY (order_id, user_id)
);
CREATE TABLE drafts (
    id {pk},
    order_id {big} NOT NULL REFERENCES orders(id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at {ts} NOT NULL,
    UNIQUE (order_id, version)
);
CREATE TABLE draft_reviews (
    id {pk},
    draft_id {big} NOT NULL REFERENCES drafts(id),
    reviewer_id {big} NOT NULL REFERENCES users(id),
    decision TEXT NOT NULL,
    comment TEXT,
    created_at {ts} NOT NULL
);
CREATE INDEX draft_reviews_draft ON draft_reviews (draft_id)
"#;

const DOWN: &str = "DROP TABLE draft_reviews; DROP TABLE drafts; DROP TABLE read_cursors; \
    DROP TABLE messages; DROP TABLE delivery_proofs; DROP TABLE webhook_deliveries; \
    DROP TABLE payments; DROP TABLE order_events; DROP TABLE orders";

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
