//! Query cost and document limits, checked before async-graphql validates a document.
//!
//! async-graphql's own checks (recursion depth, directives, then validation and its complexity)
//! walk every fragment spread as if it were written out: a 646-byte document whose fragments each
//! spread the next ten times is ten million selections to them, seconds of CPU on an async worker.
//! This extension runs first, at `prepare_request`, in time linear in the document's size:
//!
//! 1. it counts the **tokens** of the query text with a small lexer and refuses the document
//!    beyond `max_tokens` without parsing it, which bounds everything that follows;
//! 2. it parses once (the parsed document is handed on, so async-graphql does not parse again)
//!    and refuses more than `max_aliases` aliases or `max_directives` directives in the document;
//! 3. it counts the **fields after fragment expansion** (`__typename` included) with one
//!    memoised pass per fragment, refusing a fragment that spreads itself and more than
//!    `max_fields` fields;
//! 4. it computes the **cost**, the number of fields the query may resolve: every field costs
//!    one per object it is resolved on, and a list multiplies the fields below it by its size —
//!    a connection's `edges`/`nodes` by the page it asks for (`first`/`last`, at most
//!    [`MAX_PAGE`]; [`DEFAULT_PAGE`] without them), a plain list of objects by [`LIST_SIZE`], so
//!    connections nested in lists multiply too (like GitHub's node limit); introspection's lists
//!    are as long as the schema, not the data, and do not multiply. The costliest
//!    operation of the document above `max_cost` is refused.
//!
//! Documents of more than [`HEAVY_FIELDS`] fields then wait at a gate that lets only half the
//! CPUs' worth of them be validated at once, so that the rest of the traffic keeps
//! workers. Refusals happen before anything executes, with `extensions.code`: `QUERY_TOO_LARGE` (with
//! `limit`, `max` and, except for tokens, `found`) or `QUERY_TOO_COSTLY` (with `cost` and
//! `maxCost`). Because the token count bounds the parse and every later step is linear in the
//! bounded document, the checks take well under a millisecond and run on the async worker.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextValidation};
use async_graphql::parser::types::{ExecutableDocument, Field, FragmentDefinition, Selection, SelectionSet};
use async_graphql::registry::{MetaTypeName, Registry};
use async_graphql::{Name, Positioned, Request, ServerError, ServerResult, ValidationResult, Value, Variables};
use tokio::sync::Semaphore;

pub use super::relay::MAX_PAGE;

/// Page size a connection is assumed to return when the query gives neither `first` nor `last`.
pub const DEFAULT_PAGE: u64 = 20;
/// Length a plain (unpaged) list of objects is assumed to have.
pub const LIST_SIZE: u64 = 20;

/// The limits a document must stay within.
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    /// Lexical tokens of the query text.
    pub max_tokens: usize,
    /// Aliased fields in the document.
    pub max_aliases: usize,
    /// Directives anywhere in the document.
    pub max_directives: usize,
    /// Fields once every fragment spread is written out, `__typename` included.
    pub max_fields: u64,
    /// Cost of the costliest operation (see the module documentation).
    pub max_cost: u64,
}

/// A document with more fields than this (after expansion) is validated under
/// [`QueryGuard`]'s heavy-document gate: async-graphql's validation has quadratic steps (fields
/// with the same response key are compared pairwise), and such documents must not take every
/// worker at once.
pub const HEAVY_FIELDS: u64 = 300;

/// The extension that applies [`DocumentLimits`] to every request and subscription, and lets
/// only as many heavy documents ([`HEAVY_FIELDS`]) be validated at once as half the
/// CPUs (at least one): the others wait asynchronously, so that workers stay free for the rest.
pub struct QueryGuard {
    limits: DocumentLimits,
    heavy_gate: Arc<Semaphore>,
}

impl QueryGuard {
    /// The guard for `limits`.
    pub fn new(limits: DocumentLimits) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self { limits, heavy_gate: Arc::new(Semaphore::new((cpus / 2).max(1))) }
    }
}

impl ExtensionFactory for QueryGuard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(QueryGuardExtension { limits: self.limits, gate: self.heavy_gate.clone(), heavy: AtomicBool::new(false) })
    }
}

/// One request's guard (async-graphql creates the extension per request).
struct QueryGuardExtension {
    limits: DocumentLimits,
    gate: Arc<Semaphore>,
    heavy: AtomicBool,
}

#[async_trait::async_trait]
impl Extension for QueryGuardExtension {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let registry = &ctx.schema_env.registry;
        if let Some((doc, fields)) = check(&self.limits, registry, &request.query, &request.variables)? {
            self.heavy.store(fields > HEAVY_FIELDS, Ordering::Relaxed);
            request.set_parsed_query(doc);
        }
        next.run(ctx, request).await
    }

    async fn validation(&self, ctx: &ExtensionContext<'_>, next: NextValidation<'_>) -> Result<ValidationResult, Vec<ServerError>> {
        // Held for the validation only: a subscription's request lives as long as its stream.
        let _permit = if self.heavy.load(Ordering::Relaxed) { self.gate.acquire().await.ok() } else { None };
        next.run(ctx).await
    }
}

/// Checks a query against the limits; returns its parsed document and its fields after
/// expansion (`None` when it does not parse: async-graphql then reports the syntax error).
pub fn check(
    limits: &DocumentLimits,
    registry: &Registry,
    query: &str,
    variables: &Variables,
) -> ServerResult<Option<(ExecutableDocument, u64)>> {
    if super::tokens::count_tokens(query, limits.max_tokens) > limits.max_tokens {
        return Err(too_large("tokens", None, limits.max_tokens as u64));
    }
    let Ok(doc) = async_graphql::parser::parse_query(query) else { return Ok(None) };
    let (aliases, directives) = count_aliases_and_directives(&doc);
    if aliases > limits.max_aliases {
        return Err(too_large("aliases", Some(aliases as u64), limits.max_aliases as u64));
    }
    if directives > limits.max_directives {
        return Err(too_large("directives", Some(directives as u64), limits.max_directives as u64));
    }
    let fields = expanded_fields(&doc)?;
    if fields > limits.max_fields {
        return Err(too_large("fields", Some(fields), limits.max_fields));
    }
    let cost = doc
        .operations
        .iter()
        .map(|(_, op)| {
            let root = match op.node.ty {
                async_graphql::parser::types::OperationType::Query => registry.query_type.as_str(),
                async_graphql::parser::types::OperationType::Mutation => registry.mutation_type.as_deref().unwrap_or_default(),
                async_graphql::parser::types::OperationType::Subscription => registry.subscription_type.as_deref().unwrap_or_default(),
            };
            Walk { registry, doc: &doc, variables }.cost(&op.node.selection_set.node, root, 1, DEFAULT_PAGE)
        })
        .max()
        .unwrap_or(0);
    if cost > limits.max_cost {
        let mut err =
            ServerError::new(format!("the query costs {cost}, more than the limit of {}: ask for smaller pages", limits.max_cost), None);
        let ext = err.extensions.get_or_insert_with(Default::default);
        ext.set("code", "QUERY_TOO_COSTLY");
        ext.set("cost", cost);
        ext.set("maxCost", limits.max_cost);
        return Err(err);
    }
    Ok(Some((doc, fields)))
}

fn too_large(limit: &str, found: Option<u64>, max: u64) -> ServerError {
    let message = match found {
        Some(found) => format!("the document has {found} {limit}, more than the limit of {max}"),
        None => format!("the document has more than {max} {limit}"),
    };
    let mut err = ServerError::new(message, None);
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", "QUERY_TOO_LARGE");
    ext.set("limit", limit);
    ext.set("max", max);
    if let Some(found) = found {
        ext.set("found", found);
    }
    err
}

/// Every selection set of the document as written (operations and fragment definitions).
fn selection_sets(doc: &ExecutableDocument) -> impl Iterator<Item = &SelectionSet> {
    let ops = doc.operations.iter().map(|(_, op)| &op.node.selection_set.node);
    ops.chain(doc.fragments.values().map(|f| &f.node.selection_set.node))
}

fn count_aliases_and_directives(doc: &ExecutableDocument) -> (usize, usize) {
    fn walk(set: &SelectionSet, counts: &mut (usize, usize)) {
        for sel in &set.items {
            counts.1 += sel.node.directives().len();
            match &sel.node {
                Selection::Field(f) => {
                    counts.0 += usize::from(f.node.alias.is_some());
                    walk(&f.node.selection_set.node, counts);
                }
                Selection::InlineFragment(f) => walk(&f.node.selection_set.node, counts),
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    let mut counts = (0, 0);
    for (_, op) in doc.operations.iter() {
        counts.1 += op.node.directives.len() + op.node.variable_definitions.iter().map(|v| v.node.directives.len()).sum::<usize>();
    }
    counts.1 += doc.fragments.values().map(|f| f.node.directives.len()).sum::<usize>();
    for set in selection_sets(doc) {
        walk(set, &mut counts);
    }
    counts
}

/// Fields of every operation once fragments are written out, computed with one pass per
/// fragment; a fragment that spreads itself (directly or not) is refused here, before the
/// engine's own walks would follow the cycle.
pub fn expanded_fields(doc: &ExecutableDocument) -> ServerResult<u64> {
    enum State {
        Visiting,
        Done(u64),
    }
    fn set_size(doc: &ExecutableDocument, set: &SelectionSet, memo: &mut HashMap<Name, State>) -> ServerResult<u64> {
        let mut total = 0u64;
        for sel in &set.items {
            let size = match &sel.node {
                Selection::Field(f) => 1 + set_size(doc, &f.node.selection_set.node, memo)?,
                Selection::InlineFragment(f) => set_size(doc, &f.node.selection_set.node, memo)?,
                Selection::FragmentSpread(s) => fragment_size(doc, &s.node.fragment_name.node, memo)?,
            };
            total = total.saturating_add(size);
        }
        Ok(total)
    }
    fn fragment_size(doc: &ExecutableDocument, name: &Name, memo: &mut HashMap<Name, State>) -> ServerResult<u64> {
        match memo.get(name) {
            Some(State::Done(n)) => return Ok(*n),
            Some(State::Visiting) => {
                let mut err = ServerError::new(format!("fragment \"{name}\" spreads itself"), None);
                err.extensions.get_or_insert_with(Default::default).set("code", "BAD_USER_INPUT");
                return Err(err);
            }
            None => {}
        }
        let Some(fragment) = doc.fragments.get(name) else { return Ok(0) };
        memo.insert(name.clone(), State::Visiting);
        let size = set_size(doc, &fragment.node.selection_set.node, memo)?;
        memo.insert(name.clone(), State::Done(size));
        Ok(size)
    }
    let mut memo = HashMap::new();
    for name in doc.fragments.keys() {
        fragment_size(doc, name, &mut memo)?;
    }
    let mut total = 0u64;
    for (_, op) in doc.operations.iter() {
        total = total.saturating_add(set_size(doc, &op.node.selection_set.node, &mut memo)?);
    }
    Ok(total)
}

/// The cost walk over a document whose expanded size is already bounded.
struct Walk<'a> {
    registry: &'a Registry,
    doc: &'a ExecutableDocument,
    variables: &'a Variables,
}

impl Walk<'_> {
    /// Cost of a selection set resolved on `multiplier` objects of type `ty`; `page` is the
    /// page size of the connection `ty` is, when it is one.
    fn cost(&self, set: &SelectionSet, ty: &str, multiplier: u64, page: u64) -> u64 {
        let mut total = 0u64;
        for sel in &set.items {
            let cost = match &sel.node {
                Selection::Field(f) => {
                    let field = self.registry.types.get(ty).and_then(|t| t.field_by_name(&f.node.name.node));
                    let below = match field {
                        Some(field) if !f.node.selection_set.node.items.is_empty() => {
                            let child = MetaTypeName::concrete_typename(&field.ty);
                            let asked = self.page_argument(&f.node);
                            let is_list = MetaTypeName::create(&field.ty).is_list();
                            let (factor, child_page) = if ty.starts_with("__") {
                                // Introspection: its lists are as long as the schema is, not the data.
                                (1, DEFAULT_PAGE)
                            } else if ty.ends_with("Connection") && is_list {
                                // `edges` and `nodes`: one per item of the page.
                                (page, DEFAULT_PAGE)
                            } else if child.ends_with("Connection") {
                                (1, asked.unwrap_or(DEFAULT_PAGE))
                            } else if is_list {
                                (asked.unwrap_or(LIST_SIZE), DEFAULT_PAGE)
                            } else {
                                (1, DEFAULT_PAGE)
                            };
                            self.cost(&f.node.selection_set.node, child, multiplier.saturating_mul(factor), child_page)
                        }
                        _ => 0,
                    };
                    multiplier.saturating_add(below)
                }
                Selection::InlineFragment(f) => {
                    let on = f.node.type_condition.as_ref().map_or(ty, |c| c.node.on.node.as_str());
                    self.cost(&f.node.selection_set.node, on, multiplier, page)
                }
                Selection::FragmentSpread(s) => match self.doc.fragments.get(&s.node.fragment_name.node) {
                    Some(fragment) => self.fragment_cost(fragment, multiplier, page),
                    None => 0,
                },
            };
            total = total.saturating_add(cost);
        }
        total
    }

    fn fragment_cost(&self, fragment: &Positioned<FragmentDefinition>, multiplier: u64, page: u64) -> u64 {
        self.cost(&fragment.node.selection_set.node, fragment.node.type_condition.node.on.node.as_str(), multiplier, page)
    }

    /// The largest of a field's `first` and `last` arguments (literal or variable), capped at
    /// [`MAX_PAGE`] like the resolvers cap them.
    fn page_argument(&self, field: &Field) -> Option<u64> {
        field
            .arguments
            .iter()
            .filter(|(name, _)| matches!(name.node.as_str(), "first" | "last"))
            .filter_map(|(_, value)| match value.node.clone().into_const_with(|v| self.variables.get(&v).cloned().ok_or(())) {
                Ok(Value::Number(n)) => n.as_i64(),
                _ => None,
            })
            .max()
            .map(|n| n.clamp(0, MAX_PAGE as i64) as u64)
    }
}
