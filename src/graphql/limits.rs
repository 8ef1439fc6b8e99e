//! The write limit: an extension that counts every mutation field of the operation about to
//! run (aliases and fragments included) against its viewer, or, for anonymous callers, their
//! address, before anything executes. One document of 100 aliased `sendMessage` is 100 writes.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, Variables};

use super::ClientAddr;
use crate::domain::{DomainError, Services, Viewer};

/// Counts mutation fields against the write limit of `abuse::Guard`.
pub struct WriteRateLimit;

impl ExtensionFactory for WriteRateLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(WriteRateLimitExtension { writes: Mutex::default() })
    }
}

/// One request's mutation operations and their field counts, from parsing to execution.
struct WriteRateLimitExtension {
    writes: Mutex<Vec<(Option<String>, u32)>>,
}

#[async_trait::async_trait]
impl Extension for WriteRateLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let counts = doc
            .operations
            .iter()
            .filter(|(_, op)| op.node.ty == OperationType::Mutation)
            .map(|(name, op)| (name.map(|n| n.to_string()), mutation_fields(&doc, &op.node.selection_set.node)))
            .collect();
        *self.writes.lock().unwrap_or_else(|e| e.into_inner()) = counts;
        Ok(doc)
    }

    async fn execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>, next: NextExecute<'_>) -> Response {
        let fields = {
            let writes = self.writes.lock().unwrap_or_else(|e| e.into_inner());
            match operation_name {
                Some(name) => writes.iter().find(|(n, _)| n.as_deref() == Some(name)).map(|(_, c)| *c),
                None => writes.first().map(|(_, c)| *c),
            }
        };
        if let (Some(fields), Some(services)) = (fields.filter(|n| *n > 0), ctx.data_opt::<Arc<Services>>()) {
            let viewer = ctx.data_opt::<Viewer>().copied().unwrap_or_default();
            let addr = ctx.data_opt::<ClientAddr>().map(|a| a.0);
            if let Err(err) = services.accounts.guard().writes(&viewer, addr, fields).await {
                let retry = match err {
                    DomainError::RateLimited { retry_after_secs } => retry_after_secs,
                    _ => 1,
                };
                let mut e = ServerError::new(format!("too many writes, retry in {retry} s"), None);
                let ext = e.extensions.get_or_insert_with(Default::default);
                ext.set("code", "RATE_LIMITED");
                ext.set("retryAfterSeconds", retry);
                return Response::from_errors(vec![e]);
            }
        }
        next.run(ctx, operation_name).await
    }
}

/// The mutation fields a selection runs: every field (each alias counts), through fragment
/// spreads and inline fragments; `__typename` is not a write. A fragment cycle (refused later
/// by validation) is walked once.
fn mutation_fields(doc: &ExecutableDocument, set: &SelectionSet) -> u32 {
    fn walk<'a>(doc: &'a ExecutableDocument, set: &'a SelectionSet, seen: &mut HashSet<&'a str>, depth: u32) -> u32 {
        if depth > 64 {
            return 0;
        }
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => u32::from(!f.node.name.node.starts_with("__")),
                Selection::InlineFragment(f) => walk(doc, &f.node.selection_set.node, seen, depth + 1),
                Selection::FragmentSpread(s) => {
                    let name = s.node.fragment_name.node.as_str();
                    match doc.fragments.get(&s.node.fragment_name.node) {
                        Some(fragment) if seen.insert(name) => {
                            let n = walk(doc, &fragment.node.selection_set.node, seen, depth + 1);
                            seen.remove(name);
                            n
                        }
                        _ => 0,
                    }
                }
            })
            .fold(0u32, u32::saturating_add)
    }
    walk(doc, set, &mut HashSet::new(), 0)
}
