//! A small, owned GraphQL SDL model the Amplify transform reads and writes: type definitions,
//! fields, arguments and directive invocations, parsed with `async_graphql::parser` and printed
//! back as SDL (what AppSync's `StartSchemaCreation` receives).
//!
//! Leaves out: descriptions, `schema { … }` definitions and directive *definitions* (AppSync
//! supplies the AWS ones implicitly); `extend type` is merged into the base type at parse time.

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
use async_graphql::Value;
use std::fmt::Write;

/// A directive invocation such as `@aws_subscribe(mutations: ["createTodo"])`.
#[derive(Debug, Clone, PartialEq)]
pub struct Directive {
    /// Name without the `@`.
    pub name: String,
    /// Arguments in source order.
    pub args: Vec<(String, Value)>,
}

impl Directive {
    /// A directive without arguments.
    pub fn bare(name: &str) -> Self {
        Self { name: name.to_string(), args: Vec::new() }
    }

    /// The value of argument `name`.
    pub fn arg(&self, name: &str) -> Option<&Value> {
        self.args.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Argument `name` as a string.
    pub fn arg_str(&self, name: &str) -> Option<String> {
        match self.arg(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Enum(s) => Some(s.to_string()),
            _ => None,
        }
    }

    /// Argument `name` as a list of strings (a single string counts as a one-element list).
    pub fn arg_str_list(&self, name: &str) -> Option<Vec<String>> {
        match self.arg(name)? {
            Value::List(items) => Some(
                items
                    .iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Enum(s) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect(),
            ),
            Value::String(s) => Some(vec![s.clone()]),
            _ => None,
        }
    }

    /// SDL text of the invocation.
    pub fn to_sdl(&self) -> String {
        let mut s = format!("@{}", self.name);
        if !self.args.is_empty() {
            let args: Vec<String> = self.args.iter().map(|(n, v)| format!("{n}: {v}")).collect();
            let _ = write!(s, "({})", args.join(", "));
        }
        s
    }
}

/// The kind of a type definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `type`
    Object,
    /// `input`
    Input,
    /// `enum`
    Enum,
    /// `scalar`
    Scalar,
    /// `interface`
    Interface,
    /// `union`
    Union,
}

impl Kind {
    /// The SDL keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            Kind::Object => "type",
            Kind::Input => "input",
            Kind::Enum => "enum",
            Kind::Scalar => "scalar",
            Kind::Interface => "interface",
            Kind::Union => "union",
        }
    }
}

/// An argument of a field, or a field of an input object.
#[derive(Debug, Clone, PartialEq)]
pub struct InputValue {
    /// Name.
    pub name: String,
    /// Type reference as SDL text (`ID!`, `[String]`).
    pub ty: String,
    /// Default value.
    pub default: Option<Value>,
    /// Directives.
    pub directives: Vec<Directive>,
}

impl InputValue {
    /// An input value without default or directives.
    pub fn new(name: &str, ty: &str) -> Self {
        Self { name: name.to_string(), ty: ty.to_string(), default: None, directives: Vec::new() }
    }

    fn to_sdl(&self) -> String {
        let mut s = format!("{}: {}", self.name, self.ty);
        if let Some(d) = &self.default {
            let _ = write!(s, " = {d}");
        }
        for d in &self.directives {
            s.push(' ');
            s.push_str(&d.to_sdl());
        }
        s
    }
}

/// A field of an object / interface type, or of an input object (then `args` is empty and
/// `default` may be set).
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Name.
    pub name: String,
    /// Arguments.
    pub args: Vec<InputValue>,
    /// Type reference as SDL text.
    pub ty: String,
    /// Default value (input object fields only).
    pub default: Option<Value>,
    /// Directives.
    pub directives: Vec<Directive>,
}

impl Field {
    /// A field without arguments or directives.
    pub fn new(name: &str, ty: &str) -> Self {
        Self { name: name.to_string(), args: Vec::new(), ty: ty.to_string(), default: None, directives: Vec::new() }
    }

    /// A field with arguments.
    pub fn with_args(name: &str, args: Vec<InputValue>, ty: &str) -> Self {
        Self { args, ..Self::new(name, ty) }
    }

    /// The directive named `name`, if present.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// SDL text of the field (one line, no indentation).
    pub fn to_sdl(&self) -> String {
        let mut s = self.name.clone();
        if !self.args.is_empty() {
            let args: Vec<String> = self.args.iter().map(InputValue::to_sdl).collect();
            let _ = write!(s, "({})", args.join(", "));
        }
        let _ = write!(s, ": {}", self.ty);
        if let Some(d) = &self.default {
            let _ = write!(s, " = {d}");
        }
        for d in &self.directives {
            s.push(' ');
            s.push_str(&d.to_sdl());
        }
        s
    }
}

/// One type definition.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    /// Kind.
    pub kind: Kind,
    /// Name.
    pub name: String,
    /// Directives on the type.
    pub directives: Vec<Directive>,
    /// Fields (objects, interfaces, input objects).
    pub fields: Vec<Field>,
    /// Enum values.
    pub values: Vec<String>,
    /// Implemented interfaces (objects) or union members.
    pub members: Vec<String>,
}

impl TypeDef {
    /// An empty definition.
    pub fn new(kind: Kind, name: &str) -> Self {
        Self { kind, name: name.to_string(), directives: Vec::new(), fields: Vec::new(), values: Vec::new(), members: Vec::new() }
    }

    /// The directive named `name`, if present.
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }

    /// The field named `name`, if present.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// SDL text of the definition.
    pub fn to_sdl(&self) -> String {
        let mut s = format!("{} {}", self.kind.keyword(), self.name);
        if !self.members.is_empty() && self.kind == Kind::Object {
            let _ = write!(s, " implements {}", self.members.join(" & "));
        }
        for d in &self.directives {
            s.push(' ');
            s.push_str(&d.to_sdl());
        }
        match self.kind {
            Kind::Scalar => {}
            Kind::Union => {
                let _ = write!(s, " = {}", self.members.join(" | "));
            }
            Kind::Enum => {
                s.push_str(" {\n");
                for v in &self.values {
                    let _ = writeln!(s, "  {v}");
                }
                s.push('}');
            }
            _ => {
                s.push_str(" {\n");
                for f in &self.fields {
                    let _ = writeln!(s, "  {}", f.to_sdl());
                }
                s.push('}');
            }
        }
        s
    }
}

/// A parsed SDL document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Type definitions in order.
    pub types: Vec<TypeDef>,
}

impl Document {
    /// Parse SDL text. `extend type X` blocks are merged into `X`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let doc = async_graphql::parser::parse_schema(text).map_err(|e| e.to_string())?;
        let mut out = Document::default();
        for def in doc.definitions {
            let TypeSystemDefinition::Type(t) = def else { continue };
            let t = t.node;
            let mut td = TypeDef::new(Kind::Scalar, t.name.node.as_str());
            td.directives = t.directives.into_iter().map(|d| convert_directive(d.node)).collect();
            match t.kind {
                TypeKind::Scalar => {}
                TypeKind::Object(o) => {
                    td.kind = Kind::Object;
                    td.members = o.implements.into_iter().map(|n| n.node.to_string()).collect();
                    td.fields = o.fields.into_iter().map(|f| convert_field(f.node)).collect();
                }
                TypeKind::Interface(o) => {
                    td.kind = Kind::Interface;
                    td.fields = o.fields.into_iter().map(|f| convert_field(f.node)).collect();
                }
                TypeKind::Union(u) => {
                    td.kind = Kind::Union;
                    td.members = u.members.into_iter().map(|n| n.node.to_string()).collect();
                }
                TypeKind::Enum(e) => {
                    td.kind = Kind::Enum;
                    td.values = e.values.into_iter().map(|v| v.node.value.node.to_string()).collect();
                }
                TypeKind::InputObject(i) => {
                    td.kind = Kind::Input;
                    td.fields = i
                        .fields
                        .into_iter()
                        .map(|f| {
                            let iv = convert_input(f.node);
                            Field { name: iv.name, args: Vec::new(), ty: iv.ty, default: iv.default, directives: iv.directives }
                        })
                        .collect();
                }
            }
            if t.extend {
                if let Some(base) = out.types.iter_mut().find(|x| x.name == td.name) {
                    base.directives.extend(td.directives);
                    base.fields.extend(td.fields);
                    base.values.extend(td.values);
                    base.members.extend(td.members);
                    continue;
                }
            }
            out.types.push(td);
        }
        Ok(out)
    }

    /// The type named `name`.
    pub fn get(&self, name: &str) -> Option<&TypeDef> {
        self.types.iter().find(|t| t.name == name)
    }

    /// The type named `name`, mutably.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut TypeDef> {
        self.types.iter_mut().find(|t| t.name == name)
    }

    /// SDL text of the whole document.
    pub fn to_sdl(&self) -> String {
        let parts: Vec<String> = self.types.iter().map(TypeDef::to_sdl).collect();
        let mut s = parts.join("\n\n");
        s.push('\n');
        s
    }
}

fn convert_directive(d: async_graphql::parser::types::ConstDirective) -> Directive {
    Directive {
        name: d.name.node.to_string(),
        args: d.arguments.into_iter().map(|(n, v)| (n.node.to_string(), v.node)).collect(),
    }
}

fn convert_input(f: async_graphql::parser::types::InputValueDefinition) -> InputValue {
    InputValue {
        name: f.name.node.to_string(),
        ty: f.ty.node.to_string(),
        default: f.default_value.map(|v| v.node),
        directives: f.directives.into_iter().map(|d| convert_directive(d.node)).collect(),
    }
}

fn convert_field(f: async_graphql::parser::types::FieldDefinition) -> Field {
    Field {
        name: f.name.node.to_string(),
        args: f.arguments.into_iter().map(|a| convert_input(a.node)).collect(),
        ty: f.ty.node.to_string(),
        default: None,
        directives: f.directives.into_iter().map(|d| convert_directive(d.node)).collect(),
    }
}

/// The named type inside a type reference: `[Comment!]!` → `Comment`.
pub fn base_type(ty: &str) -> &str {
    ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
}

/// Whether a type reference is a list.
pub fn is_list(ty: &str) -> bool {
    ty.starts_with('[')
}

/// Whether the outermost type is non-null.
pub fn is_non_null(ty: &str) -> bool {
    ty.ends_with('!')
}

/// The reference without its outermost `!`.
pub fn nullable(ty: &str) -> &str {
    ty.strip_suffix('!').unwrap_or(ty)
}
