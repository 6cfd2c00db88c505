//! `@model` (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/data-modeling/>):
//! the model description every later step reads ([`ModelDef`]), the object type with its
//! automatic fields (`id`, `createdAt`, `updatedAt`, owner fields, implicit relation keys,
//! DataStore `_version`/`_deleted`/`_lastChangedAt`) and the per-model inputs
//! (`ModelXFilterInput`, `ModelXConditionInput`, `Create/Update/DeleteXInput`,
//! `ModelSubscriptionXFilterInput`) and `ModelXConnection`.
//!
//! Leaves out: `@model(queries/mutations/subscriptions: …)` renames (only `null` to disable).

use super::auth::{AuthRule, Strategy};
use super::index::{parse_keys, IndexDef, KeyDef};
use super::relations::{Relation, RelationKind};
use super::scalars::{filter_input_name, is_scalar, subscription_input_name};
use super::sdl::{base_type, is_list, nullable, Field, Kind, TypeDef};
use async_graphql::Value;

/// Directives consumed by the transform (never emitted).
pub const AMPLIFY_DIRECTIVES: &[&str] = &[
    "model", "auth", "primaryKey", "index", "hasMany", "hasOne", "belongsTo", "manyToMany", "default", "function", "http",
    "searchable", "predictions", "ttl", "mapsTo", "refersTo", "validate", "sql", "conversation", "generation",
];

/// Which operation groups a model exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelOps {
    /// get/list/sync/index queries
    pub queries: bool,
    /// create/update/delete
    pub mutations: bool,
    /// onCreate/onUpdate/onDelete
    pub subscriptions: bool,
}

/// Everything known about one `@model` type after the transform.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelDef {
    /// Type name.
    pub name: String,
    /// Declared fields, directives intact.
    pub fields: Vec<Field>,
    /// Primary key.
    pub primary: KeyDef,
    /// Secondary indexes (declared and relation-generated).
    pub indexes: Vec<IndexDef>,
    /// `@auth` rules, `None` when the model has no `@auth`.
    pub rules: Option<Vec<AuthRule>>,
    /// A `@manyToMany` join model.
    pub is_join: bool,
    /// `createdAt` field name (None = disabled).
    pub created_at: Option<String>,
    /// `updatedAt` field name (None = disabled).
    pub updated_at: Option<String>,
    /// Operation groups.
    pub ops: ModelOps,
    /// Relation fields.
    pub relations: Vec<Relation>,
    /// Implicit relation key fields added to this model.
    pub implicit_keys: Vec<String>,
    /// Implicit keys that (quirk) appear in this model's subscription filter.
    pub subscription_keys: Vec<String>,
    /// `@default(value:)` per field.
    pub defaults: Vec<(String, Value)>,
    /// DataStore conflict detection on.
    pub versioned: bool,
}

impl ModelDef {
    /// A model with no fields and the default key.
    pub fn empty(name: &str) -> Self {
        Self {
            name: name.to_string(),
            fields: Vec::new(),
            primary: KeyDef::id(),
            indexes: Vec::new(),
            rules: None,
            is_join: false,
            created_at: Some("createdAt".into()),
            updated_at: Some("updatedAt".into()),
            ops: ModelOps { queries: true, mutations: true, subscriptions: true },
            relations: Vec::new(),
            implicit_keys: Vec::new(),
            subscription_keys: Vec::new(),
            defaults: Vec::new(),
            versioned: false,
        }
    }

    /// Read a `@model` object type.
    pub fn from_type(td: &TypeDef) -> Self {
        let mut m = Self::empty(&td.name);
        m.fields = td.fields.clone();
        let (primary, indexes) = parse_keys(&td.fields);
        m.primary = primary;
        m.indexes = indexes;
        m.rules = AuthRule::parse_all(&td.directives);
        if let Some(d) = td.directive("model") {
            if let Some(Value::Object(ts)) = d.arg("timestamps") {
                m.created_at = ts_name(ts.get("createdAt"), "createdAt");
                m.updated_at = ts_name(ts.get("updatedAt"), "updatedAt");
            } else if let Some(Value::Null) = d.arg("timestamps") {
                m.created_at = None;
                m.updated_at = None;
            }
            m.ops.queries = !matches!(d.arg("queries"), Some(Value::Null));
            m.ops.mutations = !matches!(d.arg("mutations"), Some(Value::Null));
            m.ops.subscriptions = !matches!(d.arg("subscriptions"), Some(Value::Null));
        }
        for f in &td.fields {
            if let Some(v) = f.directive("default").and_then(|d| d.arg("value")) {
                m.defaults.push((f.name.clone(), v.clone()));
            }
        }
        m
    }

    /// The relation on field `name`.
    pub fn relation(&self, name: &str) -> Option<&Relation> {
        self.relations.iter().find(|r| r.field == name)
    }

    /// Whether `id` is added (not declared, default key).
    fn adds_id(&self) -> bool {
        self.field("id").is_none() && self.primary.partition == "id"
    }

    /// The declared field `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Owner fields of owner rules, model rules then field-level rules (deduplicated, rule
    /// order).
    pub fn owner_fields(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let field_rules = super::field_rules::field_rules(self);
        for r in self.rules.iter().flatten().chain(field_rules.iter().flat_map(|(_, r)| r.iter())) {
            if r.strategy == Strategy::Owner {
                if let Some(f) = &r.owner_field {
                    if !out.contains(f) {
                        out.push(f.clone());
                    }
                }
            }
        }
        out
    }

    /// `groupsField`s of dynamic group rules, model and field-level.
    pub fn groups_fields(&self) -> Vec<String> {
        let field_rules = super::field_rules::field_rules(self);
        self.rules.iter().flatten().chain(field_rules.iter().flat_map(|(_, r)| r.iter())).filter_map(|r| r.groups_field.clone()).collect()
    }

    /// Owner fields the auth transform adds because they are not declared.
    pub fn auth_fields(&self) -> Vec<String> {
        self.owner_fields().into_iter().filter(|f| self.field(f).is_none()).collect()
    }

    /// The output object type's fields: (name, type) of every non-relation field, in order.
    /// `relation_field` maps a relation field to its output form.
    pub fn object_fields(&self, relation_field: &dyn Fn(&ModelDef, &Field) -> Field) -> Vec<Field> {
        let mut out = Vec::new();
        for f in &self.fields {
            let mut g = if self.relation(&f.name).is_some_and(|r| r.kind == RelationKind::HasMany) {
                relation_field(self, f)
            } else {
                f.clone()
            };
            g.directives.retain(|d| !AMPLIFY_DIRECTIVES.contains(&d.name.as_str()));
            out.push(g);
        }
        if self.adds_id() {
            out.push(Field::new("id", "ID!"));
        }
        for ts in [&self.created_at, &self.updated_at].into_iter().flatten() {
            if self.field(ts).is_none() {
                out.push(Field::new(ts, "AWSDateTime!"));
            }
        }
        for k in &self.implicit_keys {
            out.push(Field::new(k, "ID"));
        }
        for a in self.auth_fields() {
            out.push(Field::new(&a, "String"));
        }
        if self.versioned {
            out.push(Field::new("_version", "Int!"));
            out.push(Field::new("_deleted", "Boolean"));
            out.push(Field::new("_lastChangedAt", "AWSTimestamp!"));
        }
        out
    }

    /// Declared non-relation fields whose base type is a scalar or an enum.
    fn scalar_declared<'a>(&'a self, enums: &'a [String]) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| {
            let b = base_type(&f.ty);
            self.relation(&f.name).is_none() && (is_scalar(b) || enums.iter().any(|e| e == b))
        })
    }

    /// `(field, type)` of every filterable field: declared scalars, `id`, timestamps, implicit
    /// keys and auth-added owner fields.
    pub fn filter_fields(&self, enums: &[String]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self.scalar_declared(enums).map(|f| (f.name.clone(), f.ty.clone())).collect();
        let has = |out: &Vec<(String, String)>, n: &str| out.iter().any(|(x, _)| x == n);
        if !has(&out, "id") {
            out.push(("id".into(), "ID".into()));
        }
        for ts in [&self.created_at, &self.updated_at].into_iter().flatten() {
            if !has(&out, ts) {
                out.push((ts.clone(), "AWSDateTime".into()));
            }
        }
        for k in &self.implicit_keys {
            out.push((k.clone(), "ID".into()));
        }
        for a in self.auth_fields() {
            out.push((a, "String".into()));
        }
        out
    }

    /// The per-model input types and the connection type.
    pub fn inputs(&self, enums: &[String], objects: &[String]) -> Vec<TypeDef> {
        let n = &self.name;
        let is_enum = |t: &str| enums.iter().any(|e| e == base_type(t));
        let mut filter = TypeDef::new(Kind::Input, &format!("Model{n}FilterInput"));
        for (f, t) in self.filter_fields(enums) {
            filter.fields.push(Field::new(&f, &filter_input_name(base_type(&t), is_enum(&t), is_list(&t) && is_enum(&t))));
        }
        let mut cond = TypeDef::new(Kind::Input, &format!("Model{n}ConditionInput"));
        let key = self.primary.fields();
        cond.fields = filter.fields.iter().filter(|f| f.name != "id" && !key.contains(&f.name)).cloned().collect();
        for (td, suffix) in [(&mut filter, "FilterInput"), (&mut cond, "ConditionInput")] {
            td.fields.push(Field::new("and", &format!("[Model{n}{suffix}]")));
            td.fields.push(Field::new("or", &format!("[Model{n}{suffix}]")));
            td.fields.push(Field::new("not", &format!("Model{n}{suffix}")));
            if self.versioned {
                td.fields.push(Field::new("_deleted", "ModelBooleanInput"));
            }
        }
        let mut sub = TypeDef::new(Kind::Input, &format!("ModelSubscription{n}FilterInput"));
        let owners = self.owner_fields();
        let groups = self.groups_fields();
        for (f, t) in self.filter_fields(enums) {
            if owners.contains(&f) || groups.contains(&f) || self.implicit_keys.contains(&f) {
                continue;
            }
            sub.fields.push(Field::new(&f, &subscription_input_name(base_type(&t), is_enum(&t))));
        }
        sub.fields.push(Field::new("and", &format!("[ModelSubscription{n}FilterInput]")));
        sub.fields.push(Field::new("or", &format!("[ModelSubscription{n}FilterInput]")));
        for k in &self.subscription_keys {
            sub.fields.push(Field::new(k, "ModelSubscriptionIDInput"));
        }
        for o in &owners {
            sub.fields.push(Field::new(o, "ModelStringInput"));
        }
        if self.versioned {
            sub.fields.push(Field::new("_deleted", "ModelBooleanInput"));
        }
        let map_obj = |ty: &str| {
            let b = base_type(ty);
            if objects.iter().any(|o| o == b) {
                ty.replacen(b, &format!("{b}Input"), 1)
            } else {
                ty.to_string()
            }
        };
        let timestamps: Vec<&String> = [&self.created_at, &self.updated_at].into_iter().flatten().collect();
        let mut create = TypeDef::new(Kind::Input, &format!("Create{n}Input"));
        let mut update = TypeDef::new(Kind::Input, &format!("Update{n}Input"));
        let mut delete = TypeDef::new(Kind::Input, &format!("Delete{n}Input"));
        for f in self.fields.iter().filter(|f| self.relation(&f.name).is_none()) {
            let ty = map_obj(&f.ty);
            let create_ty = if f.name == "id" || timestamps.contains(&&f.name) { nullable(&ty).to_string() } else { ty.clone() };
            create.fields.push(Field::new(&f.name, &create_ty));
            let update_ty = if key.contains(&f.name) { format!("{}!", nullable(&ty)) } else { nullable(&ty).to_string() };
            update.fields.push(Field::new(&f.name, &update_ty));
        }
        if self.adds_id() {
            create.fields.push(Field::new("id", "ID"));
            update.fields.push(Field::new("id", "ID!"));
        }
        for k in &self.implicit_keys {
            create.fields.push(Field::new(k, "ID"));
            update.fields.push(Field::new(k, "ID"));
        }
        for k in &key {
            let ty = self.field(k).map(|f| format!("{}!", nullable(&f.ty))).unwrap_or_else(|| "ID!".into());
            delete.fields.push(Field::new(k, &ty));
        }
        if self.versioned {
            for td in [&mut create, &mut update, &mut delete] {
                td.fields.push(Field::new("_version", "Int"));
            }
        }
        vec![filter, cond, create, update, delete, sub]
    }

    /// `ModelXConnection`.
    pub fn connection(&self) -> TypeDef {
        let mut conn = TypeDef::new(Kind::Object, &format!("Model{}Connection", self.name));
        conn.fields = vec![Field::new("items", &format!("[{}]!", self.name)), Field::new("nextToken", "String")];
        if self.versioned {
            conn.fields.push(Field::new("startedAt", "AWSTimestamp"));
        }
        conn
    }

    /// The output type of key field `name` (declared, or `ID` for an added `id`).
    pub fn key_type(&self, name: &str) -> String {
        self.field(name).map(|f| nullable(&f.ty).to_string()).unwrap_or_else(|| "ID".into())
    }
}

fn ts_name(v: Option<&Value>, default: &str) -> Option<String> {
    match v {
        None => Some(default.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Input object for a non-model object type used in a model's inputs (`Address` → `AddressInput`).
pub fn object_input(td: &TypeDef, objects: &[String]) -> TypeDef {
    let mut out = TypeDef::new(Kind::Input, &format!("{}Input", td.name));
    for f in &td.fields {
        let b = base_type(&f.ty);
        let ty = if objects.iter().any(|o| o == b) { f.ty.replacen(b, &format!("{b}Input"), 1) } else { f.ty.clone() };
        out.fields.push(Field::new(&f.name, &ty));
    }
    out
}
