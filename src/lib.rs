//! # Adbridge
//!
//! A GraphQL API, with realtime subscriptions, for a marketplace where advertisers book the
//! advertising spaces that influencers offer and run each campaign through one order.
//!
//! ## A tour, from the outside in
//!
//! - [`http`]: axum routes. The GraphQL endpoint follows the GraphQL-over-HTTP spec, the
//!   websocket speaks `graphql-transport-ws` (and the legacy `graphql-ws`), plus the GraphiQL
//!   playground and the live dashboard (their scripts embedded in the binary), health,
//!   readiness, Prometheus metrics and the payment webhook.
//! - [`graphql`]: the schema, one folder per area (`types`, `queries`, `mutations`). Resolvers
//!   are thin: they take the [`domain::Viewer`] and a service from the context, call one service
//!   method and convert the result. `graphql::live` renders subscription payloads once per event
//!   and subscription shape.
//! - [`domain`]: the marketplace, one folder per area (`accounts`, `catalogue`, `orders`,
//!   `conversation`, `drafts`), each with its values and rules (`model`), its storage port
//!   (`repo`) and its service. The order state machine is `domain::orders::machine`; the order
//!   history (the `OrderEvent` rows every change appends) is `domain::orders::history`.
//! - [`store`]: sea-orm entities and the repositories implementing the domain's ports, on
//!   SQLite (embedded default) or Postgres.
//! - [`realtime`]: delivering the order history live: the event bus (in-process or Redis) and
//!   the hub that fans committed order events out to subscriptions, gap-free from the database.
//! - [`cluster`]: what instances share besides the database: rate-limit counters and session
//!   revocations (Redis with `REDIS_URL`, in memory otherwise), and the start-up checks.
//! - [`seed`]: deterministic demo data for `adbridge seed`.
//! - [`app`]: the one place that picks implementations and wires everything together.
//! - [`config`]: flags and environment variables, read once.
//!
//! Dependencies point inwards: `http` uses `graphql`, which uses `domain`; `store` and
//! `realtime` implement the domain's ports. `domain` uses none of axum, async-graphql, sea-orm
//! or redis. The whole picture is in `docs/architecture.md`.

pub mod app;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod graphql;
pub mod http;
pub mod realtime;
pub mod seed;
pub mod store;
