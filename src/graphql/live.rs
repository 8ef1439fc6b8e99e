//! Live subscription payloads, rendered once per event per subscription *shape*.
//!
//! A websocket subscription to one of the order feeds is admitted by the real schema
//! (validation, authorisation, cursor decoding), but its resolver hands the feed to the socket
//! through a [`FeedSlot`] instead of letting async-graphql resolve every event again for every
//! socket. The socket then asks the [`LiveRenderer`] for each event's payload, which executes
//! the subscriber's selection as a *query* on a render schema: a schema whose root, named like
//! the real subscription root, has the same four fields with the same arguments, each returning
//! the event at hand. The payload is computed once per event and [`Shape`] — the same document,
//! operation, variables and viewer — and shared: ten thousand dashboards with the same
//! subscription cost one execution and one serialisation per event, and each socket only frames
//! the shared text. Different viewers never share a payload (fields may depend on who looks).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::{Context, EmptyMutation, EmptySubscription, ID, Object, Request, Schema, Variables};
use async_graphql::{Name, Positioned};
use futures::stream::BoxStream;

use super::error::ensure_code;
use super::loaders::Loaders;
use super::orders::OrderEventNode;
use crate::domain::accounts::Role;
use crate::domain::orders::history::{EventKind, OrderEvent};
use crate::domain::{DomainResult, Id, Services, Viewer};
use crate::realtime::{Delivered, Hub};

/// A subscription's live feed, as its resolver hands it over.
pub struct LiveFeed {
    /// The events, replayed then live, in order, each once.
    pub events: BoxStream<'static, DomainResult<Arc<Delivered>>>,
    /// Which kinds of event the subscription shows.
    pub keep: fn(EventKind) -> bool,
}

/// Request data asking the subscription resolvers to hand their feed over instead of
/// returning it to async-graphql.
#[derive(Clone, Default)]
pub struct FeedSlot(Arc<Mutex<Vec<LiveFeed>>>);

/// A subscription selected more than one root field (the spec allows exactly one).
#[derive(Debug)]
pub struct SeveralRootFields;

impl FeedSlot {
    /// Stores a feed (called by the resolver).
    pub fn put(&self, feed: LiveFeed) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(feed);
    }

    /// Takes the feed, if a resolver stored one; an error if several did.
    pub fn take(&self) -> Result<Option<LiveFeed>, SeveralRootFields> {
        let mut feeds = std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()));
        match feeds.len() {
            0 | 1 => Ok(feeds.pop()),
            _ => Err(SeveralRootFields),
        }
    }
}

/// The event being rendered (request data of the render schema).
struct Current(OrderEvent);

fn current(ctx: &Context<'_>) -> OrderEventNode {
    OrderEventNode(ctx.data_unchecked::<Current>().0.clone())
}

/// The root of the render schema: the subscription fields, each returning the current event.
#[derive(Default)]
pub struct RenderRoot;

#[Object(name = "Subscription")]
impl RenderRoot {
    async fn order_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(name = "orderId")] _order_id: ID,
        #[graphql(name = "after")] _after: Option<String>,
    ) -> OrderEventNode {
        current(ctx)
    }
    async fn order_status_changed(&self, ctx: &Context<'_>, #[graphql(name = "orderId")] _order_id: ID) -> OrderEventNode {
        current(ctx)
    }
    async fn message_added(&self, ctx: &Context<'_>, #[graphql(name = "orderId")] _order_id: ID) -> OrderEventNode {
        current(ctx)
    }
    async fn my_order_events(&self, ctx: &Context<'_>, #[graphql(name = "after")] _after: Option<String>) -> OrderEventNode {
        current(ctx)
    }
}

/// What makes two subscriptions render an event identically.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ShapeKey {
    viewer: Option<(Id, Role)>,
    query: String,
    operation: Option<String>,
    variables: String,
}

type Registry = Mutex<HashMap<ShapeKey, Weak<Shape>>>;

/// One subscription shape, shared by every socket subscribed with it.
pub struct Shape {
    id: u64,
    key: ShapeKey,
    document: ExecutableDocument,
    variables: Variables,
    viewer: Viewer,
    registry: Weak<Registry>,
}

impl Drop for Shape {
    fn drop(&mut self) {
        if let Some(registry) = self.registry.upgrade() {
            let mut map = registry.lock().unwrap_or_else(|e| e.into_inner());
            if map.get(&self.key).is_some_and(|w| w.strong_count() == 0) {
                map.remove(&self.key);
            }
        }
    }
}

/// Renders live payloads once per event and shape.
pub struct LiveRenderer {
    schema: Schema<RenderRoot, EmptyMutation, EmptySubscription>,
    /// The render schema's types, for the same null propagation and key order as other responses.
    response_shape: super::shape::SchemaShape,
    shapes: Arc<Registry>,
    next_id: AtomicU64,
}

impl LiveRenderer {
    /// A renderer resolving fields with the same services as the real schema.
    pub fn new(services: Arc<Services>, hub: Arc<Hub>) -> Self {
        let schema = Schema::build(RenderRoot, EmptyMutation, EmptySubscription)
            .data(Loaders::new(services.clone()))
            .data(services)
            .data(hub)
            .limit_recursive_depth(64)
            .finish();
        let response_shape = super::shape::SchemaShape::from_sdl(&schema.sdl());
        Self { schema, response_shape, shapes: Arc::default(), next_id: AtomicU64::new(1) }
    }

    /// The shape of a subscription request (already admitted by the real schema), shared with
    /// the sockets subscribed with the same one. `None` if the document does not parse.
    pub fn shape(&self, viewer: Viewer, query: &str, operation: Option<&str>, variables: &Variables) -> Option<Arc<Shape>> {
        let key = ShapeKey {
            viewer: viewer.require().ok(),
            query: query.to_owned(),
            operation: operation.map(str::to_owned),
            variables: serde_json::to_string(variables).ok()?,
        };
        if let Some(shape) = self.lock().get(&key).and_then(Weak::upgrade) {
            return Some(shape);
        }
        // Parsed outside the lock; the render document keeps only the subscription operation
        // and the fragments it uses (GraphiQL sends every operation of its editor).
        let mut document = selected_operation(&async_graphql::parser::parse_query(query).ok()?, operation)?;
        match &mut document.operations {
            DocumentOperations::Single(op) => op.node.ty = OperationType::Query,
            DocumentOperations::Multiple(ops) => ops.values_mut().for_each(|op| op.node.ty = OperationType::Query),
        }
        let mut map = self.lock();
        if let Some(shape) = map.get(&key).and_then(Weak::upgrade) {
            return Some(shape);
        }
        let shape = Arc::new(Shape {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            key: key.clone(),
            document,
            variables: variables.clone(),
            viewer,
            registry: Arc::downgrade(&self.shapes),
        });
        map.insert(key, Arc::downgrade(&shape));
        Some(shape)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ShapeKey, Weak<Shape>>> {
        self.shapes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many live subscriptions render through this renderer: each holds its shape from the
    /// moment its feed has its starting point (for tests and metrics).
    pub fn subscription_count(&self) -> usize {
        self.lock().values().map(Weak::strong_count).sum()
    }

    /// How many shapes are live (for tests and metrics).
    pub fn shape_count(&self) -> usize {
        self.lock().values().filter(|w| w.strong_count() > 0).count()
    }

    /// The payload (`{"data": …}`, with `errors` when a field failed) of `event` for `shape`.
    pub async fn payload(&self, shape: &Shape, event: &Delivered) -> Arc<str> {
        event
            .rendered(shape.id, || async {
                metrics::counter!("adbridge_live_renders_total").increment(1);
                let mut request = Request::new(shape.key.query.clone())
                    .variables(shape.variables.clone())
                    .data(shape.viewer)
                    .data(Current(event.event.clone()));
                if let Some(op) = &shape.key.operation {
                    request = request.operation_name(op.clone());
                }
                request.set_parsed_query(shape.document.clone());
                let mut response = self.schema.execute(request).await;
                super::response::shape_response(&self.response_shape, &shape.document, shape.key.operation.as_deref(), &mut response);
                for e in &mut response.errors {
                    ensure_code(e, true);
                }
                match serde_json::to_string(&response) {
                    Ok(text) => Arc::from(text),
                    Err(e) => {
                        tracing::error!(error = %e, "serialising a live payload");
                        Arc::from(INTERNAL_PAYLOAD)
                    }
                }
            })
            .await
    }
}

/// The payload sent when an event cannot be rendered.
pub const INTERNAL_PAYLOAD: &str = r#"{"data":null,"errors":[{"message":"Internal error","extensions":{"code":"INTERNAL"}}]}"#;

/// The `error` payload for a subscription that selects other than exactly one root field.
pub const ONE_ROOT_FIELD_ERROR: &str =
    r#"[{"message":"A subscription must select exactly one root field","extensions":{"code":"BAD_USER_INPUT"}}]"#;

/// The operation `name` selects in `doc` (the only one when `name` is `None`), with its name.
fn operation<'a>(doc: &'a ExecutableDocument, name: Option<&str>) -> Option<(Option<&'a Name>, &'a Positioned<OperationDefinition>)> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), None) => Some((None, op)),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.iter().next().map(|(key, op)| (Some(key), op)),
        (DocumentOperations::Multiple(ops), Some(name)) => {
            ops.iter().find(|(key, _)| key.as_str() == name).map(|(key, op)| (Some(key), op))
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// The operation `name` selects in `doc`, alone in a document with only the fragments it uses.
pub fn selected_operation(doc: &ExecutableDocument, name: Option<&str>) -> Option<ExecutableDocument> {
    let (key, op) = operation(doc, name)?;
    let mut used = HashSet::new();
    walk(doc, &op.node.selection_set.node, true, &mut used, |_| {});
    let operations = match key {
        None => DocumentOperations::Single(op.clone()),
        Some(key) => DocumentOperations::Multiple(HashMap::from([(key.clone(), op.clone())])),
    };
    let fragments = doc.fragments.iter().filter(|(name, _)| used.contains(*name)).map(|(n, f)| (n.clone(), f.clone())).collect();
    Some(ExecutableDocument { operations, fragments })
}

/// Whether the operation `name` selects in `doc` is a subscription selecting other than exactly
/// one root field: the spec's "single root field" rule, which async-graphql does not check.
pub fn several_root_fields(doc: &ExecutableDocument, name: Option<&str>) -> bool {
    operation(doc, name).is_some_and(|(_, op)| op.node.ty == OperationType::Subscription && root_fields(doc, &op.node).len() != 1)
}

/// The response keys (alias or name) an operation selects at its root, fragments expanded.
fn root_fields(doc: &ExecutableDocument, op: &OperationDefinition) -> HashSet<String> {
    let mut keys = HashSet::new();
    walk(doc, &op.selection_set.node, false, &mut HashSet::new(), |field| {
        keys.insert(field.response_key().node.to_string());
    });
    keys
}

/// Visits the fields of `set` through inline fragments and fragment spreads (recording the
/// fragments used in `fragments`), and the fields' own selections too when `nested`.
fn walk<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    nested: bool,
    fragments: &mut HashSet<Name>,
    mut on_field: impl FnMut(&'a Field),
) {
    let mut pending = vec![set];
    while let Some(set) = pending.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    on_field(&field.node);
                    if nested {
                        pending.push(&field.node.selection_set.node);
                    }
                }
                Selection::InlineFragment(inline) => pending.push(&inline.node.selection_set.node),
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    if fragments.insert(name.clone())
                        && let Some(fragment) = doc.fragments.get(name)
                    {
                        pending.push(&fragment.node.selection_set.node);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> ExecutableDocument {
        async_graphql::parser::parse_query(q).unwrap()
    }

    #[test]
    fn the_render_document_keeps_the_selected_operation_and_its_fragments_only() {
        let doc = parse(
            "query Me { me { id ...U } } subscription S { e: orderEvents(orderId: 1) { ...E } }
             fragment E on OrderEvent { seq ...F } fragment F on OrderEvent { kind } fragment U on User { id }",
        );
        let kept = selected_operation(&doc, Some("S")).unwrap();
        assert_eq!(kept.operations.iter().count(), 1);
        let mut names: Vec<_> = kept.fragments.keys().map(|n| n.to_string()).collect();
        names.sort();
        assert_eq!(names, ["E", "F"]);
        assert!(selected_operation(&doc, None).is_none(), "two operations need a name");
        assert!(selected_operation(&doc, Some("Nope")).is_none());
        assert!(selected_operation(&parse("subscription { myOrderEvents { seq } }"), None).is_some());
    }

    #[test]
    fn root_fields_count_response_keys_through_fragments() {
        let doc = parse(
            "subscription { a: orderEvents(orderId: 1) { seq } ...R ... on OrderSubscription { b: messageAdded(orderId: 1) { seq } } }
                         fragment R on OrderSubscription { a: orderEvents(orderId: 1) { kind } }",
        );
        let DocumentOperations::Single(op) = &doc.operations else { panic!() };
        let mut keys: Vec<_> = root_fields(&doc, &op.node).into_iter().collect();
        keys.sort();
        assert_eq!(keys, ["a", "b"]);
        assert!(several_root_fields(&doc, None));
        let one = parse(
            "subscription { a: orderEvents(orderId: 1) { seq } ...R } fragment R on OrderSubscription { a: orderEvents(orderId: 1) { kind } }",
        );
        assert!(!several_root_fields(&one, None), "one response key, spread or not");
        assert!(!several_root_fields(&parse("query { me { id } node(id: 1) { id } }"), None), "only subscriptions are limited");
    }
}
