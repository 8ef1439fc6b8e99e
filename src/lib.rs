//! # Adbridge
//!
//! A GraphQL API, with realtime subscriptions, for a marketplace where advertisers book the
//! advertising spaces that influencers offer and run each campaign through one order.
//!
//! ## A tour, from the outside in
//!
//! - [`http`]: axum routes. The GraphQL endpoint follows the GraphQL-over-HTTP spec, the
//!   websocket speaks `graphql-transport-ws` (and the legacy `graphql-ws`), plus GraphiQL,
//!   health, readiness and Prometheus metrics.
//! - [`graphql`]: the schema. Resolvers are thin: they take the [`domain::Viewer`] and a
//!   service from the context, call one service method and convert the result.
//! - [`domain`]: the marketplace: values that parse their input, services, the order state
//!   machine, the one error type, and the ports (repository traits, clock) it needs.
//! - [`store`]: sea-orm entities and the repositories implementing the domain's ports, on
//!   SQLite (embedded default) or Postgres.
//! - [`events`]: the realtime feed: the event bus (in-process or Redis) and the hub that
//!   fans committed order events out to subscriptions, gap-free from the database.
//! - [`seed`]: deterministic demo data for `adbridge seed`.
//! - [`app`]: the one place that picks implementations and wires everything together.
//! - [`config`]: flags and environment variables, read once.
//!
//! Dependencies point inwards: `http`, `graphql`, `events` and `store` use `domain`; `domain`
//! uses none of axum, async-graphql, sea-orm or redis.

pub mod app;
pub mod config;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod http;
pub mod seed;
pub mod store;
