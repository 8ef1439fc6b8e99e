//! The integration suite: every test boots the real app on port 0 against a fresh, migrated
//! database (SQLite, or Postgres when `TEST_DATABASE_URL` is set) and talks HTTP and websocket
//! to it. `TEST_REDIS_URL` switches the event bus to Redis.

mod abuse;
mod accounts;
mod browser;
mod catalogue;
mod clients;
mod connections;
mod conversation;
mod discovery;
mod docs;
mod drafts;
mod feedback;
mod frontend;
#[allow(dead_code, reason = "shared harness: each area's tests use a different part of it")]
mod helpers;
mod http_spec;
mod hygiene;
mod introspection;
mod limits;
mod orders;
mod outage;
mod pages;
mod paging;
mod process;
mod query_cost;
mod realtime;
mod realtime_fanout;
mod realtime_ws;
mod schema;
mod spec_responses;
mod trust;
mod upgrade;
mod ws;
#[allow(dead_code, reason = "shared harness: each area's tests use a different part of it")]
mod wsclient;
