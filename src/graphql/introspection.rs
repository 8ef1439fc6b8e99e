//! The depth limit, with introspection measured by its own rule.
//!
//! async-graphql's built-in depth limit counts every field, introspection included, so
//! graphql-js's standard `getIntrospectionQuery()` (what GraphiQL, graphql-codegen, Apollo and
//! Relay tooling send; 13 levels deep through its `ofType` chain) was refused at the default
//! depth of 12, and nothing could load the schema. This extension replaces it:
//!
//! - The data depth counts every field, except the subtrees of the root fields `__schema` and
//!   `__type` (matched as fields, whatever the operation is called), which count as one level.
//!   A 20-deep data query is still refused ("Query is nested too deep.", `BAD_USER_INPUT`).
//! - Inside introspection, what multiplies the work is nesting lists of the schema's size:
//!   `fields`, `inputFields`, `interfaces` and `possibleTypes`. As graphql-js 16's
//!   `MaxIntrospectionDepthRule` does, three of them nested are refused ("Maximum
//!   introspection depth exceeded", `BAD_USER_INPUT`); the standard query nests one. The
//!   `ofType` chains are linear and bounded by the parser's recursion limit.
//! - With `--introspection=false` any document selecting `__schema` or `__type` is refused
//!   (`FORBIDDEN`); `__typename` stays available.
//!
//! Every operation of the document is measured (as the built-in limit does), following
//! fragments; each fragment is measured once per position kind (memoised), so a document of
//! fragments that spread each other twice cannot make the walk exponential. Cycles and unknown
//! fragments count as nothing here: validation refuses those documents right after.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Field, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

/// Introspection list fields whose nesting is bounded (graphql-js 16's rule).
const LIST_FIELDS: [&str; 4] = ["fields", "inputFields", "interfaces", "possibleTypes"];

/// Nested introspection lists refused from this many on.
pub const MAX_INTROSPECTION_LISTS: usize = 3;

/// The depth limit of data queries and the bound on introspection.
pub struct DepthLimit {
    max_depth: usize,
    introspection: bool,
}

impl DepthLimit {
    /// Refuses data deeper than `max_depth`, and introspection altogether unless `introspection`.
    pub fn new(max_depth: usize, introspection: bool) -> Self {
        Self { max_depth, introspection }
    }
}

impl ExtensionFactory for DepthLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(DepthLimitExtension { max_depth: self.max_depth, introspection: self.introspection })
    }
}

struct DepthLimitExtension {
    max_depth: usize,
    introspection: bool,
}

#[async_trait::async_trait]
impl Extension for DepthLimitExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let depths = measure(&doc);
        if depths.introspects && !self.introspection {
            return Err(error("introspection is disabled on this server", "FORBIDDEN"));
        }
        if depths.lists >= MAX_INTROSPECTION_LISTS {
            return Err(error("Maximum introspection depth exceeded", "BAD_USER_INPUT"));
        }
        if depths.data > self.max_depth {
            return Err(error("Query is nested too deep.", "BAD_USER_INPUT"));
        }
        Ok(doc)
    }
}

fn error(message: &str, code: &str) -> ServerError {
    let mut e = ServerError::new(message, None);
    e.extensions.get_or_insert_with(Default::default).set("code", code);
    e
}

/// What a document's deepest paths measure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depths {
    /// Fields nested, introspection subtrees counting as one.
    pub data: usize,
    /// Introspection list fields nested.
    pub lists: usize,
    /// Whether `__schema` or `__type` is selected.
    pub introspects: bool,
}

impl Depths {
    fn max(self, other: Self) -> Self {
        Self { data: self.data.max(other.data), lists: self.lists.max(other.lists), introspects: self.introspects || other.introspects }
    }
}

/// Where a selection set sits: at an operation's root, inside data, or inside introspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Level {
    Root,
    Data,
    Introspection,
}

/// Measures every operation of `doc` and returns the deepest.
pub fn measure(doc: &ExecutableDocument) -> Depths {
    let mut walker = Walker { doc, memo: HashMap::new(), path: Vec::new() };
    doc.operations.iter().fold(Depths::default(), |acc, (_, op)| acc.max(walker.walk(&op.node.selection_set.node, Level::Root)))
}

struct Walker<'a> {
    doc: &'a ExecutableDocument,
    memo: HashMap<(&'a str, Level), Depths>,
    path: Vec<&'a str>,
}

impl<'a> Walker<'a> {
    fn walk(&mut self, set: &'a SelectionSet, level: Level) -> Depths {
        let mut deepest = Depths::default();
        for selection in &set.items {
            let depths = match &selection.node {
                Selection::Field(field) => self.field(&field.node, level),
                Selection::InlineFragment(inline) => self.walk(&inline.node.selection_set.node, level),
                Selection::FragmentSpread(spread) => self.fragment(spread.node.fragment_name.node.as_str(), level),
            };
            deepest = deepest.max(depths);
        }
        deepest
    }

    fn field(&mut self, field: &'a Field, level: Level) -> Depths {
        let name = field.name.node.as_str();
        let children = &field.selection_set.node;
        match level {
            Level::Root if name == "__schema" || name == "__type" => {
                let inner = self.walk(children, Level::Introspection);
                Depths { data: 1, lists: inner.lists, introspects: true }
            }
            Level::Root | Level::Data => {
                let inner = self.walk(children, Level::Data);
                Depths { data: 1 + inner.data, ..inner }
            }
            Level::Introspection => {
                let inner = self.walk(children, Level::Introspection);
                Depths { data: 0, lists: usize::from(LIST_FIELDS.contains(&name)) + inner.lists, introspects: true }
            }
        }
    }

    fn fragment(&mut self, name: &'a str, level: Level) -> Depths {
        if let Some(depths) = self.memo.get(&(name, level)) {
            return *depths;
        }
        let Some(definition) = self.doc.fragments.get(name) else { return Depths::default() };
        if self.path.contains(&name) {
            return Depths::default();
        }
        self.path.push(name);
        let depths = self.walk(&definition.node.selection_set.node, level);
        self.path.pop();
        self.memo.insert((name, level), depths);
        depths
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn depths(q: &str) -> Depths {
        measure(&parse_query(q).unwrap())
    }

    #[test]
    fn data_fields_count_and_introspection_counts_as_one_level() {
        assert_eq!(depths("{ a { b { c } } }").data, 3);
        let d = depths("{ __schema { types { fields { type { ofType { ofType { name } } } } } } }");
        assert_eq!(d, Depths { data: 1, lists: 1, introspects: true });
        assert_eq!(depths("query Q { ...F } fragment F on Query { __type(name: \"X\") { name } a { b } }").data, 2);
    }

    #[test]
    fn nested_introspection_lists_are_counted_through_fragments() {
        let q = "{ __schema { types { ...T } } } fragment T on __Type { fields { type { ...U } } } \
                 fragment U on __Type { interfaces { fields { name } } }";
        assert_eq!(depths(q).lists, 3);
    }

    #[test]
    fn an_introspection_field_below_the_root_is_data() {
        assert_eq!(depths("{ a { __schema { b { c } } } }"), Depths { data: 4, lists: 0, introspects: false });
    }

    #[test]
    fn fragment_cycles_and_doubling_fragments_end_quickly() {
        assert_eq!(depths("{ ...A } fragment A on Query { a { ...A } }").data, 1);
        let mut q = String::from("{ ...F0 }");
        for i in 0..60 {
            q.push_str(&format!(" fragment F{i} on Query {{ x {{ ...F{n} ...F{n} }} }}", n = i + 1));
        }
        q.push_str(" fragment F60 on Query { y }");
        assert_eq!(depths(&q).data, 61);
    }
}
