//! The GraphQL schema: one `MergedObject` per domain area, thin resolvers that call domain
//! services, and the conversions between domain values and GraphQL types.

pub mod accounts;
pub mod catalogue;
pub mod conversation;
pub mod cost;
pub mod drafts;
pub mod error;
pub mod feedback;
pub mod hygiene;
pub mod introspection;
pub mod limits;
pub mod live;
pub mod loaders;
pub mod money;
pub mod node;
pub mod orders;
pub mod relay;
pub mod response;
pub mod shape;
pub mod subscriptions;
pub mod tokens;

use std::sync::Arc;

use async_graphql::{Context, MergedObject, Schema, SchemaBuilder};

use crate::domain::{Services, Viewer};

/// Every query of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    accounts::AccountsQuery,
    node::NodeQuery,
    catalogue::CatalogueQuery,
    catalogue::DiscoveryQuery,
    orders::OrdersQuery,
    orders::OrderListQuery,
    orders::PaymentsQuery,
);

/// Every mutation of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    accounts::AccountsMutation,
    catalogue::CatalogueMutation,
    orders::OrdersMutation,
    orders::PaymentsMutation,
    conversation::ConversationMutation,
    drafts::DraftsMutation,
    feedback::FeedbackMutation,
);

/// Every subscription of the API.
pub type SubscriptionRoot = subscriptions::OrderSubscription;

/// The executable schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Limits applied to every operation.
#[derive(Debug, Clone, Copy)]
pub struct SchemaLimits {
    /// Deepest accepted query (introspection is bounded by its own rule: [`introspection`]).
    pub max_depth: usize,
    /// Whether introspection is served.
    pub introspection: bool,
    /// Highest accepted complexity.
    pub max_complexity: usize,
    /// Token, alias, directive, expanded-field and cost limits, checked before validation.
    pub document: cost::DocumentLimits,
}

fn builder() -> SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(QueryRoot::default(), MutationRoot::default(), SubscriptionRoot::default())
}

/// Builds the schema with its services and limits.
pub fn build_schema(services: Arc<Services>, hub: Arc<crate::realtime::Hub>, limits: SchemaLimits) -> AppSchema {
    let builder = builder()
        .data(loaders::Loaders::new(services.clone()))
        .data(services)
        .data(hub)
        .extension(introspection::DepthLimit::new(limits.max_depth, limits.introspection))
        .limit_complexity(limits.max_complexity)
        .limit_recursive_depth(64)
        .extension(cost::QueryGuard::new(limits.document))
        .extension(hygiene::InputHygiene)
        .extension(limits::WriteRateLimit)
        .extension(response::SpecResponses::new(Arc::new(shape::SchemaShape::from_sdl(&sdl()))));
    if limits.introspection { builder.finish() } else { builder.disable_introspection().finish() }
}

/// The schema in SDL, as `print-schema` writes it to `schema.graphql`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

/// The domain services of a request.
pub fn services<'a>(ctx: &Context<'a>) -> &'a Services {
    ctx.data_unchecked::<Arc<Services>>()
}

/// The viewer of a request (anonymous when the request carried no token).
pub fn viewer(ctx: &Context<'_>) -> Viewer {
    ctx.data_opt::<Viewer>().copied().unwrap_or_default()
}

/// The client's network address, when known.
pub fn client_addr(ctx: &Context<'_>) -> Option<std::net::IpAddr> {
    ctx.data_opt::<ClientAddr>().map(|c| c.0)
}

/// The network address of the client, put in the request data by the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);
