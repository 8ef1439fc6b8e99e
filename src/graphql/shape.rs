//! The schema's types as plain data, read once from the SDL the schema prints: which fields an
//! object has and how nullable each is (for null propagation, see [`super::response`]), and
//! what input each argument and input object takes (for checking variables and literal
//! arguments before execution — async-graphql lets a plain value through where an input object
//! is expected, and only notices a missing variable while executing).

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{BaseType, TypeKind, TypeSystemDefinition};
use async_graphql::parser::{parse_schema, types::Type};
use async_graphql::{Name, Value};

/// A field of an output type: its type and arguments.
#[derive(Debug)]
pub struct FieldShape {
    /// The field's type.
    pub ty: Type,
    /// Its arguments.
    pub args: Vec<InputShape>,
}

/// An argument or an input object's field.
#[derive(Debug)]
pub struct InputShape {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
    /// Whether it has a default value (so it may be left out even when non-null).
    pub has_default: bool,
}

/// Why an input value is refused: where in it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The place: `$variable.field[index]…` or `argument.field…`.
    pub at: String,
    /// What is wrong there.
    pub message: String,
}

fn refuse(at: &str, message: String) -> Option<InputError> {
    Some(InputError { at: at.to_owned(), message })
}

/// What a named type is.
#[derive(Debug)]
enum Kind {
    Scalar,
    Output(HashMap<String, FieldShape>),
    Enum(HashSet<String>),
    Input(Vec<InputShape>),
}

/// The types of the schema, and its root operation types.
#[derive(Debug)]
pub struct SchemaShape {
    types: HashMap<String, Kind>,
    /// Query, mutation and subscription root type names.
    pub roots: [String; 3],
}

fn input_shapes(defs: &[async_graphql::Positioned<async_graphql::parser::types::InputValueDefinition>]) -> Vec<InputShape> {
    defs.iter()
        .map(|d| InputShape { name: d.node.name.node.to_string(), ty: d.node.ty.node.clone(), has_default: d.node.default_value.is_some() })
        .collect()
}

impl SchemaShape {
    /// Reads the shape from SDL (what `Schema::sdl` prints).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut types = HashMap::new();
        let mut roots = ["Query".to_owned(), "Mutation".to_owned(), "Subscription".to_owned()];
        let doc = parse_schema(sdl).unwrap_or_else(|e| unreachable!("the schema's own SDL parses: {e}"));
        for def in doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    let s = s.node;
                    for (slot, name) in roots.iter_mut().zip([s.query, s.mutation, s.subscription]) {
                        if let Some(name) = name {
                            *slot = name.node.to_string();
                        }
                    }
                }
                TypeSystemDefinition::Type(t) => {
                    let t = t.node;
                    let kind = match t.kind {
                        TypeKind::Scalar => Kind::Scalar,
                        TypeKind::Object(o) => Kind::Output(fields(o.fields)),
                        TypeKind::Interface(i) => Kind::Output(fields(i.fields)),
                        TypeKind::Union(_) => Kind::Output(fields(Vec::new())),
                        TypeKind::Enum(e) => Kind::Enum(e.values.iter().map(|v| v.node.value.node.to_string()).collect()),
                        TypeKind::InputObject(i) => Kind::Input(input_shapes(&i.fields)),
                    };
                    types.insert(t.name.node.to_string(), kind);
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Self { types, roots }
    }

    /// The field `name` of output type `type_name` (`__typename` included).
    pub fn field(&self, type_name: &str, name: &str) -> Option<&FieldShape> {
        match self.types.get(type_name)? {
            Kind::Output(fields) => fields.get(name),
            _ => None,
        }
    }

    /// Why `value` is not a valid `ty` (`at` names the value); `None` when it is valid.
    /// Follows the input coercion rules of the spec: a single value stands for a list of one.
    pub fn input_error(&self, ty: &Type, value: &Value, at: &str) -> Option<InputError> {
        if matches!(value, Value::Null) {
            return if ty.nullable { None } else { refuse(at, format!("expected a value of type \"{ty}\", found null")) };
        }
        let name = match &ty.base {
            BaseType::List(inner) => {
                return match value {
                    Value::List(items) => items.iter().enumerate().find_map(|(i, v)| self.input_error(inner, v, &format!("{at}[{i}]"))),
                    single => self.input_error(inner, single, at),
                };
            }
            BaseType::Named(name) => name.as_str(),
        };
        let wrong = || refuse(at, format!("expected a value of type \"{name}\", found {value}"));
        match (name, value) {
            ("Int", Value::Number(n)) if n.as_i64().is_some_and(|v| i32::try_from(v).is_ok()) => None,
            ("Float", Value::Number(_)) | ("String" | "JSON", Value::String(_)) | ("Boolean", Value::Boolean(_)) => None,
            ("ID", Value::String(_)) => None,
            ("ID", Value::Number(n)) if n.is_i64() || n.is_u64() => None,
            ("DateTime", Value::String(s)) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => None,
            ("JSON", _) => None,
            ("Int" | "Float" | "String" | "Boolean" | "ID" | "DateTime", _) => wrong(),
            _ => match self.types.get(name) {
                Some(Kind::Enum(values)) => match value {
                    Value::Enum(v) if values.contains(v.as_str()) => None,
                    Value::String(v) if values.contains(v.as_str()) => None,
                    _ => wrong(),
                },
                Some(Kind::Input(fields)) => match value {
                    Value::Object(map) => self.object_error(name, fields, map, at),
                    _ => refuse(at, format!("expected an object of type \"{name}\", found {value}")),
                },
                _ => None,
            },
        }
    }

    fn object_error(
        &self,
        name: &str,
        fields: &[InputShape],
        map: &async_graphql::indexmap::IndexMap<Name, Value>,
        at: &str,
    ) -> Option<InputError> {
        if let Some(unknown) = map.keys().find(|k| !fields.iter().any(|f| f.name == k.as_str())) {
            return refuse(&format!("{at}.{unknown}"), format!("\"{name}\" has no field \"{unknown}\""));
        }
        fields.iter().find_map(|f| match map.get(f.name.as_str()) {
            Some(v) => self.input_error(&f.ty, v, &format!("{at}.{}", f.name)),
            None if !f.ty.nullable && !f.has_default => {
                refuse(&format!("{at}.{}", f.name), format!("required field of type \"{}\" is missing", f.ty))
            }
            None => None,
        })
    }
}

fn fields(defs: Vec<async_graphql::Positioned<async_graphql::parser::types::FieldDefinition>>) -> HashMap<String, FieldShape> {
    let mut out: HashMap<String, FieldShape> = defs
        .into_iter()
        .map(|f| (f.node.name.node.to_string(), FieldShape { ty: f.node.ty.node, args: input_shapes(&f.node.arguments) }))
        .collect();
    let typename = Type { base: BaseType::Named(Name::new("String")), nullable: false };
    out.insert("__typename".to_owned(), FieldShape { ty: typename, args: Vec::new() });
    out
}
