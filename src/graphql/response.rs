//! Responses as the GraphQL spec says, for every transport (an extension on the schema).
//!
//! - **Inputs are checked before execution.** Each variable of the selected operation is coerced
//!   against its declared type ("CoerceVariableValues"), and each literal argument against its
//!   argument's type: a missing required variable, a plain value where an input object is
//!   expected, a number for a `DateTime` are request errors with `BAD_USER_INPUT` naming the
//!   variable or argument (`extensions.field`), not failures halfway through execution.
//! - **Field errors null the nearest nullable parent.** async-graphql drops a field whose
//!   resolver failed from its object (the key goes missing) whatever its nullability. After
//!   execution the response is walked along the operation's selection: a missing key with an
//!   error at or under its path becomes `null` when the field is nullable; when it is not, the
//!   object holding it becomes `null` instead, and so on up (through list items too) to `data`.
//! - **Keys come in the order the query asked for them** (fields of a query resolve
//!   concurrently and land in the order they finish): the same walk rebuilds each object in
//!   selection order, so every transport serialises the same order.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextSubscribe};
use async_graphql::futures_util::stream::{BoxStream, StreamExt};
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection, SelectionSet, Type,
};
use async_graphql::{Name, PathSegment, Pos, Response, ServerError, ServerResult, Value, Variables};

use super::shape::SchemaShape;

/// The extension factory: one instance per request keeps that request's document.
pub struct SpecResponses {
    shape: Arc<SchemaShape>,
}

impl SpecResponses {
    /// Builds the extension over the schema's shape.
    pub fn new(shape: Arc<SchemaShape>) -> Self {
        Self { shape }
    }
}

impl ExtensionFactory for SpecResponses {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SpecResponsesExtension { shape: self.shape.clone(), request: Arc::new(Mutex::new(None)) })
    }
}

type Stash = Arc<Mutex<Option<(ExecutableDocument, Variables)>>>;

struct SpecResponsesExtension {
    shape: Arc<SchemaShape>,
    request: Stash,
}

#[async_trait::async_trait]
impl Extension for SpecResponsesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        *self.request.lock().unwrap_or_else(|e| e.into_inner()) = Some((doc.clone(), variables.clone()));
        Ok(doc)
    }

    async fn execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>, next: NextExecute<'_>) -> Response {
        let checked = {
            let guard = self.request.lock().unwrap_or_else(|e| e.into_inner());
            guard.as_ref().map(|(doc, vars)| select(doc, operation_name).map(|op| check_inputs(&self.shape, doc, op, vars)))
        };
        if let Some(Some(Err(err))) = checked {
            return Response::from_errors(vec![err]);
        }
        let mut response = next.run(ctx, operation_name).await;
        if let Some((doc, _)) = self.request.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            shape_response(&self.shape, doc, operation_name, &mut response);
        }
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let (shape, request) = (self.shape.clone(), self.request.clone());
        next.run(ctx, stream)
            .map(move |mut response| {
                if let Some((doc, _)) = request.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                    shape_response(&shape, doc, None, &mut response);
                }
                response
            })
            .boxed()
    }
}

/// The operation a request runs.
fn select<'d>(doc: &'d ExecutableDocument, name: Option<&str>) -> Option<&'d OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops.values().next().map(|op| &op.node),
        _ => None,
    }
}

fn root_type<'s>(shape: &'s SchemaShape, op: &OperationDefinition) -> &'s str {
    match op.ty {
        OperationType::Query => &shape.roots[0],
        OperationType::Mutation => &shape.roots[1],
        OperationType::Subscription => &shape.roots[2],
    }
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

fn bad_input(message: String, field: &str, pos: Pos) -> ServerError {
    let mut err = ServerError::new(message, Some(pos));
    let ext = err.extensions.get_or_insert_with(Default::default);
    ext.set("code", "BAD_USER_INPUT");
    ext.set("field", field);
    err
}

/// Coerces the variables, then checks the literal arguments of every field the operation selects.
fn check_inputs(shape: &SchemaShape, doc: &ExecutableDocument, op: &OperationDefinition, vars: &Variables) -> ServerResult<()> {
    for def in &op.variable_definitions {
        let (name, ty) = (def.node.name.node.as_str(), &def.node.var_type.node);
        let at = format!("${name}");
        match vars.get(name) {
            None if !ty.nullable && def.node.default_value.is_none() => {
                return Err(bad_input(format!("Variable \"${name}\" of required type \"{ty}\" was not provided."), &at, def.pos));
            }
            None => {}
            Some(value) => {
                if let Some(why) = shape.input_error(ty, value, &at) {
                    let message = format!("Variable \"${name}\" got an invalid value at \"{}\": {}", why.at, why.message);
                    return Err(bad_input(message, &why.at, def.pos));
                }
            }
        }
    }
    let defaults =
        |name: &str| op.variable_definitions.iter().find(|d| d.node.name.node == name).and_then(|d| d.node.default_value()).cloned();
    let var = |name: Name| -> Result<Value, ()> { Ok(vars.get(&name).cloned().or_else(|| defaults(&name)).unwrap_or(Value::Null)) };
    check_set(shape, doc, &op.selection_set.node, root_type(shape, op), &var, 0)
}

fn check_set(
    shape: &SchemaShape,
    doc: &ExecutableDocument,
    set: &SelectionSet,
    owner: &str,
    var: &dyn Fn(Name) -> Result<Value, ()>,
    depth: usize,
) -> ServerResult<()> {
    if depth > 64 {
        return Ok(());
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                let Some(def) = shape.field(owner, field.node.name.node.as_str()) else { continue };
                for (name, value) in &field.node.arguments {
                    let Some(arg) = def.args.iter().find(|a| a.name == name.node.as_str()) else { continue };
                    let Ok(value) = value.node.clone().into_const_with(var) else { continue };
                    if let Some(why) = shape.input_error(&arg.ty, &value, &arg.name) {
                        let message = format!("Invalid value for argument \"{}\" at \"{}\": {}", arg.name, why.at, why.message);
                        return Err(bad_input(message, &why.at, name.pos));
                    }
                }
                check_set(shape, doc, &field.node.selection_set.node, named(&def.ty), var, depth + 1)?;
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    check_set(shape, doc, &fragment.node.selection_set.node, on, var, depth + 1)?;
                }
            }
            Selection::InlineFragment(inline) => {
                let on = inline.node.type_condition.as_ref().map_or(owner, |c| c.node.on.node.as_str());
                check_set(shape, doc, &inline.node.selection_set.node, on, var, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// A non-null field failed: its parent must become `null`.
struct Propagate;

/// A position in the response, linked to its parent (no allocation per step).
#[derive(Clone, Copy)]
struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    segment: Segment<'a>,
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl Path<'_> {
    fn segments(&self) -> Vec<Segment<'_>> {
        let mut out = Vec::new();
        let mut at = Some(self);
        while let Some(p) = at {
            if !matches!(p.segment, Segment::Root) {
                out.push(p.segment);
            }
            at = p.parent;
        }
        out.reverse();
        out
    }

    /// Whether an error was raised at this position or under it.
    fn failed(&self, errors: &[ServerError]) -> bool {
        let mine = self.segments();
        errors.iter().any(|e| {
            e.path.len() >= mine.len()
                && e.path.iter().zip(&mine).all(|(a, b)| match (a, b) {
                    (PathSegment::Field(a), Segment::Key(b)) => a == b,
                    (PathSegment::Index(a), Segment::Index(b)) => a == b,
                    _ => false,
                })
        })
    }
}

/// Rebuilds `data` in selection order with nulls propagated (see the module doc).
pub fn shape_response(shape: &SchemaShape, doc: &ExecutableDocument, operation_name: Option<&str>, response: &mut Response) {
    let Some(op) = select(doc, operation_name) else { return };
    if !matches!(response.data, Value::Object(_)) {
        return;
    }
    let data = std::mem::take(&mut response.data);
    let walk = Walk { shape, doc, errors: &response.errors };
    let root = Path { parent: None, segment: Segment::Root };
    response.data = walk.object(data, &[&op.selection_set.node], root_type(shape, op), &root).unwrap_or(Value::Null);
}

struct Walk<'a> {
    shape: &'a SchemaShape,
    doc: &'a ExecutableDocument,
    errors: &'a [ServerError],
}

/// The fields selected under one response key: the field's name, the type it is looked up
/// on, and every selection set asked under that key (merged, as the spec's CollectFields does).
struct Group<'d> {
    name: &'d str,
    owner: &'d str,
    sets: Vec<&'d SelectionSet>,
}

impl<'a> Walk<'a> {
    fn collect(&self, set: &'a SelectionSet, owner: &'a str, out: &mut IndexMap<&'a str, Group<'a>>, depth: usize) {
        if depth > 64 {
            return;
        }
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = field.alias.as_ref().map_or(field.name.node.as_str(), |a| a.node.as_str());
                    let group = out.entry(key).or_insert_with(|| Group { name: field.name.node.as_str(), owner, sets: Vec::new() });
                    group.sets.push(&field.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    if let Some(fragment) = self.doc.fragments.get(&spread.node.fragment_name.node) {
                        let on = fragment.node.type_condition.node.on.node.as_str();
                        self.collect(&fragment.node.selection_set.node, on, out, depth + 1);
                    }
                }
                Selection::InlineFragment(inline) => {
                    let on = inline.node.type_condition.as_ref().map_or(owner, |c| c.node.on.node.as_str());
                    self.collect(&inline.node.selection_set.node, on, out, depth + 1);
                }
            }
        }
    }

    fn object(&self, value: Value, sets: &[&'a SelectionSet], owner: &'a str, path: &Path<'_>) -> Result<Value, Propagate> {
        let Value::Object(mut map) = value else { return Ok(value) };
        let mut groups = IndexMap::new();
        for set in sets {
            self.collect(set, owner, &mut groups, 0);
        }
        let mut out = IndexMap::with_capacity(map.len());
        for (key, group) in groups {
            let here = Path { parent: Some(path), segment: Segment::Key(key) };
            let Some(def) = self.shape.field(group.owner, group.name) else {
                // Introspection and anything the shape does not know: kept as executed.
                if let Some((name, v)) = map.shift_remove_entry(key) {
                    out.insert(name, v);
                }
                continue;
            };
            let completed = match map.shift_remove_entry(key) {
                Some((name, v)) => self.value(v, &def.ty, &group.sets, &here).map(|v| (name, v)),
                None if here.failed(self.errors) => Err(Propagate),
                None => continue, // a fragment that did not apply to this object
            };
            match completed {
                Ok((name, v)) => {
                    out.insert(name, v);
                }
                Err(Propagate) if def.ty.nullable => {
                    out.insert(Name::new(key), Value::Null);
                }
                Err(Propagate) => return Err(Propagate),
            }
        }
        out.extend(map);
        Ok(Value::Object(out))
    }

    fn value(&self, value: Value, ty: &'a Type, sets: &[&'a SelectionSet], path: &Path<'_>) -> Result<Value, Propagate> {
        match (value, &ty.base) {
            (Value::Null, _) if !ty.nullable && path.failed(self.errors) => Err(Propagate),
            (Value::Null, _) => Ok(Value::Null),
            (Value::List(items), BaseType::List(inner)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let here = Path { parent: Some(path), segment: Segment::Index(i) };
                    match self.value(item, inner, sets, &here) {
                        Ok(v) => out.push(v),
                        Err(Propagate) if inner.nullable => out.push(Value::Null),
                        Err(Propagate) => return Err(Propagate),
                    }
                }
                Ok(Value::List(out))
            }
            (v @ Value::Object(_), BaseType::Named(name)) if !sets.iter().all(|s| s.items.is_empty()) => {
                // The sub-selection's fields are looked up on the field's declared type (for
                // interfaces and unions, on each fragment's type condition).
                self.object(v, sets, name.as_str(), path)
            }
            (v, _) => Ok(v),
        }
    }
}
