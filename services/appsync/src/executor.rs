//! The data-plane executor: maps each generated root field (`getX`, `listXs`, index queries,
//! `create/update/deleteX`) and relation field to its resolver semantics
//! ([`crate::resolver::requests`]) and runs them against a [`DataSource`]: `getX` returns the
//! single item, `Unauthorized` when the key matched but a filter hid it (scannedCount 1), or
//! null; lists return `{items, nextToken}`; mutations return the written / deleted item.
//!
//! Model `@auth` rules are applied here (via [`crate::auth_rules`]) for roots, relations and
//! subscriptions; versioned models follow [`crate::resolver::versioned`].
//!
//! Leaves out: `@function` / `@http` fields (answered with `UnsupportedOperation`).

use crate::auth_rules::{self, Decision, Identity};
use crate::resolver::requests::{self, RequestError};
use crate::resolver::versioned;
use crate::resolver::{DataRequest, DataResponse, DataSource, DataSourceError, Item};
use crate::transform::model::ModelDef;
use crate::transform::operations::{list_name, sync_name};
use crate::transform::auth::{AuthMode, Op};
use crate::transform::relations::Resolve;
use crate::transform::Transformed;
use amplocal_core::{Clock, IdGen};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// A field error as AppSync reports it (`errorType` + `message`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// `errorType`.
    pub error_type: String,
    /// Message.
    pub message: String,
}

impl From<RequestError> for FieldError {
    fn from(e: RequestError) -> Self {
        Self { error_type: e.error_type.into(), message: e.message }
    }
}

impl From<DataSourceError> for FieldError {
    fn from(e: DataSourceError) -> Self {
        Self { error_type: e.error_type, message: e.message }
    }
}

/// How the request was authorized (put into the GraphQL request data by the HTTP layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestAuth {
    /// The auth mode the request used.
    pub mode: AuthMode,
    /// The user-pool caller, for `AMAZON_COGNITO_USER_POOLS`.
    pub identity: Option<Arc<Identity>>,
}

impl RequestAuth {
    /// A caller without identity (API key, IAM).
    pub fn mode(mode: AuthMode) -> Self {
        Self { mode, identity: None }
    }
}

#[derive(Debug, Clone, Copy)]
enum RootOp {
    Get(usize),
    List(usize),
    Sync(usize),
    Index(usize, usize),
    Create(usize),
    Update(usize),
    Delete(usize),
}

/// Executes root and relation fields of one API.
#[derive(Debug)]
pub struct Executor {
    models: Vec<ModelDef>,
    tables: HashMap<String, String>,
    /// Root operations by type (`Query` / `Mutation`), then field.
    roots: HashMap<String, HashMap<String, RootOp>>,
    data: Arc<dyn DataSource>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    sandbox: bool,
}

/// `2026-11-26T12:00:00.000Z` (`$util.time.nowISO8601()`).
pub fn iso8601_millis(t: std::time::SystemTime) -> String {
    let dt = time::OffsetDateTime::from(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        dt.year(),
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.millisecond()
    )
}

/// DynamoDB JSON back to plain JSON (numbers as JSON numbers).
pub fn from_dynamodb(v: &Value) -> Value {
    let Value::Object(m) = v else { return v.clone() };
    let Some((t, inner)) = m.iter().next() else { return Value::Null };
    match (t.as_str(), inner) {
        ("S", v) | ("BOOL", v) => v.clone(),
        ("NULL", _) => Value::Null,
        ("N", Value::String(s)) => serde_json::from_str::<serde_json::Number>(s).map(Value::Number).unwrap_or(Value::String(s.clone())),
        ("N", v) => v.clone(),
        ("L", Value::Array(items)) => Value::Array(items.iter().map(from_dynamodb).collect()),
        ("M", Value::Object(o)) => Value::Object(item_to_json(o).into_iter().collect()),
        ("SS", v) | ("BS", v) | ("B", v) => v.clone(),
        ("NS", Value::Array(items)) => Value::Array(items.iter().map(|n| from_dynamodb(&serde_json::json!({ "N": n }))).collect()),
        _ => Value::Null,
    }
}

fn item_to_json(item: &Item) -> Map<String, Value> {
    item.iter().map(|(k, v)| (k.clone(), from_dynamodb(v))).collect()
}

/// [`from_dynamodb`] taking the value (its strings are moved, not copied).
pub fn from_dynamodb_owned(v: Value) -> Value {
    let Value::Object(m) = v else { return v };
    let Some((t, inner)) = m.into_iter().next() else { return Value::Null };
    let number = |n: Value| match n {
        Value::String(s) => serde_json::from_str::<serde_json::Number>(&s).map(Value::Number).unwrap_or(Value::String(s)),
        other => other,
    };
    match (t.as_str(), inner) {
        ("S", v) | ("BOOL", v) => v,
        ("NULL", _) => Value::Null,
        ("N", v) => number(v),
        ("L", Value::Array(items)) => Value::Array(items.into_iter().map(from_dynamodb_owned).collect()),
        ("M", Value::Object(o)) => Value::Object(item_into_json(o)),
        ("SS", v) | ("BS", v) | ("B", v) => v,
        ("NS", Value::Array(items)) => Value::Array(items.into_iter().map(number).collect()),
        _ => Value::Null,
    }
}

/// [`item_to_json`] taking the item.
fn item_into_json(item: Item) -> Map<String, Value> {
    item.into_iter().map(|(k, v)| (k, from_dynamodb_owned(v))).collect()
}

impl Executor {
    /// Build over a transformed API.
    /// `sandbox`: models without `@auth` are public to API-key callers.
    pub fn new(api: &Transformed, data: Arc<dyn DataSource>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>, sandbox: bool) -> Self {
        let mut roots: HashMap<String, HashMap<String, RootOp>> = HashMap::new();
        let mut tables = HashMap::new();
        for (i, m) in api.models.iter().enumerate() {
            let q = roots.entry("Query".to_string()).or_default();
            q.insert(format!("get{}", m.name), RootOp::Get(i));
            q.insert(list_name(&m.name), RootOp::List(i));
            q.insert(sync_name(&m.name), RootOp::Sync(i));
            for (j, idx) in m.indexes.iter().enumerate() {
                if let Some(qf) = &idx.query_field {
                    q.insert(qf.clone(), RootOp::Index(i, j));
                }
            }
            let mu = roots.entry("Mutation".to_string()).or_default();
            mu.insert(format!("create{}", m.name), RootOp::Create(i));
            mu.insert(format!("update{}", m.name), RootOp::Update(i));
            mu.insert(format!("delete{}", m.name), RootOp::Delete(i));
        }
        for t in &api.tables {
            if let Some(m) = &t.model {
                tables.insert(m.clone(), t.name.clone());
            }
        }
        Self { models: api.models.clone(), tables, roots, data, clock, ids, sandbox }
    }

    fn table(&self, m: &ModelDef) -> String {
        self.tables.get(&m.name).cloned().unwrap_or_default()
    }

    /// The model a GraphQL object type stores, if any.
    pub fn model(&self, type_name: &str) -> Option<&ModelDef> {
        self.models.iter().find(|m| m.name == type_name)
    }

    async fn page(&self, req: DataRequest) -> Result<(Vec<Value>, Option<String>, u32), FieldError> {
        match self.data.call(req).await? {
            DataResponse::Page { items, next_token, scanned_count } => {
                Ok((items.into_iter().map(|i| Value::Object(item_into_json(i))).collect(), next_token, scanned_count))
            }
            DataResponse::Item(_) => Err(FieldError { error_type: "MappingTemplate".into(), message: "unexpected data source result".into() }),
        }
    }

    async fn item(&self, req: DataRequest) -> Result<Value, FieldError> {
        match self.data.call(req).await? {
            DataResponse::Item(Some(i)) => Ok(Value::Object(item_into_json(i))),
            DataResponse::Item(None) => Ok(Value::Null),
            DataResponse::Page { .. } => Err(FieldError { error_type: "MappingTemplate".into(), message: "unexpected data source result".into() }),
        }
    }

    async fn get_one(&self, req: DataRequest, type_name: &str, field: &str) -> Result<Value, FieldError> {
        let (mut items, _, scanned) = self.page(req).await?;
        if items.len() == 1 {
            return Ok(items.remove(0));
        }
        if scanned == 1 && items.is_empty() {
            return Err(FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {field} on type {type_name}") });
        }
        Ok(Value::Null)
    }

    fn connection((items, next, _): (Vec<Value>, Option<String>, u32)) -> Value {
        serde_json::json!({ "items": items, "nextToken": next })
    }

    /// Resolve root field `type_name.field` with JSON `args` for a caller authorized with
    /// `auth`. `None` when the field is not a generated model operation.
    pub async fn resolve_root(&self, type_name: &str, field: &str, args: &Map<String, Value>, auth: &RequestAuth) -> Option<Result<Value, FieldError>> {
        let op = *self.roots.get(type_name)?.get(field)?;
        Some(self.authorized_root(op, type_name, field, args, auth).await)
    }

    async fn authorized_root(&self, op: RootOp, type_name: &str, field: &str, args: &Map<String, Value>, auth: &RequestAuth) -> Result<Value, FieldError> {
        let denied = || FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {field} on type {type_name}") };
        let (i, rule_op) = match op {
            RootOp::Get(i) => (i, Op::Get),
            RootOp::List(i) | RootOp::Index(i, _) => (i, Op::List),
            RootOp::Sync(i) => (i, Op::Sync),
            RootOp::Create(i) => (i, Op::Create),
            RootOp::Update(i) => (i, Op::Update),
            RootOp::Delete(i) => (i, Op::Delete),
        };
        let m = &self.models[i];
        let identity = auth.identity.as_deref();
        let rules = match auth_rules::decide_model(m, self.sandbox, rule_op, auth.mode, identity) {
            Decision::Deny => return Err(denied()),
            Decision::Allow => return self.run_root(op, type_name, field, args).await,
            Decision::Restricted(rules) => rules,
        };
        let Some(identity) = identity else { return Err(denied()) };
        let list_fields: Vec<String> = m.fields.iter().filter(|f| crate::transform::sdl::is_list(&f.ty)).map(|f| f.name.clone()).collect();
        let mut args = args.clone();
        match op {
            RootOp::Get(_) => {
                let item = self.run_root(op, type_name, field, &args).await?;
                match item.as_object() {
                    Some(obj) if !auth_rules::item_allowed(&rules, identity, obj) => Err(denied()),
                    _ => Ok(item),
                }
            }
            RootOp::List(_) | RootOp::Index(..) | RootOp::Sync(_) => {
                let auth_filter = auth_rules::auth_filter(&rules, identity, &list_fields);
                let filter = match args.get("filter").filter(|f| !f.is_null()) {
                    Some(client) => serde_json::json!({ "and": [auth_filter, client] }),
                    None => auth_filter,
                };
                args.insert("filter".into(), filter);
                self.run_root(op, type_name, field, &args).await
            }
            RootOp::Create(_) => {
                let mut input = args.get("input").and_then(Value::as_object).cloned().unwrap_or_default();
                if !auth_rules::prepare_create(&rules, identity, &mut input, &list_fields) {
                    return Err(denied());
                }
                args.insert("input".into(), Value::Object(input));
                self.run_root(op, type_name, field, &args).await
            }
            _ => {
                let input = args.get("input").and_then(Value::as_object).cloned().unwrap_or_default();
                if let Ok(DataRequest::Query { .. }) = requests::get(m, &self.table(m), &input) {
                    let current = self.get_one(requests::get(m, &self.table(m), &input)?, type_name, field).await?;
                    if let Some(obj) = current.as_object() {
                        if !auth_rules::item_allowed(&rules, identity, obj) {
                            return Err(denied());
                        }
                    }
                }
                self.run_root(op, type_name, field, &args).await
            }
        }
    }

    /// Subscribe-time auth of a subscription on `model` (the generated subscription auth
    /// functions): denied, unrestricted (`[]`), or alternatives every delivered payload must
    /// match (the caller's owner / group runtime filters). An owner argument must name the
    /// caller.
    pub fn subscription_auth(&self, model: &str, auth: &RequestAuth, args: &Map<String, Value>, field: &str) -> Result<crate::subscription::filter::FilterGroups, FieldError> {
        use crate::subscription::filter::Filter;
        let denied = || FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {field} on type Subscription") };
        let Some(m) = self.model(model) else { return Ok(Vec::new()) };
        let identity = auth.identity.as_deref();
        let rules = match auth_rules::decide_model(m, self.sandbox, Op::Listen, auth.mode, identity) {
            Decision::Deny => return Err(denied()),
            Decision::Allow => return Ok(Vec::new()),
            Decision::Restricted(rules) => rules,
        };
        let Some(id) = identity else { return Err(denied()) };
        let mut alternatives = Vec::new();
        for r in &rules {
            if r.is_owner() {
                let field_name = r.owner_field.clone().unwrap_or_else(|| "owner".into());
                if let Some(v) = args.get(&field_name).filter(|v| !v.is_null()) {
                    return if v.as_str().is_some_and(|s| id.owner_values().iter().any(|o| o == s)) { Ok(Vec::new()) } else { Err(denied()) };
                }
                let list = m.field(&field_name).is_some_and(|f| crate::transform::sdl::is_list(&f.ty));
                let op = if list { "contains" } else { "eq" };
                alternatives.push(vec![Filter { field: field_name, operator: op.into(), value: Value::String(id.username.clone()) }]);
            } else if let Some(gf) = &r.groups_field {
                for g in &id.groups {
                    alternatives.push(vec![Filter { field: gf.clone(), operator: "contains".into(), value: Value::String(g.clone()) }]);
                }
            }
        }
        if alternatives.is_empty() {
            return Err(denied());
        }
        Ok(alternatives)
    }

    /// A stored field value as the client sees it: owner fields holding `<sub>::<username>`
    /// show the username (the generated `X.owner` field resolvers).
    pub fn present(&self, type_name: &str, field: &str, v: Value) -> Value {
        let Some(m) = self.model(type_name) else { return v };
        if !m.owner_fields().iter().any(|f| f == field) {
            return v;
        }
        let strip = |s: &str| s.rsplit("::").next().unwrap_or(s).to_string();
        match v {
            Value::String(s) => Value::String(strip(&s)),
            Value::Array(items) => Value::Array(items.into_iter().map(|i| match i {
                Value::String(s) => Value::String(strip(&s)),
                other => other,
            }).collect()),
            other => other,
        }
    }

    async fn run_root(&self, op: RootOp, type_name: &str, field: &str, args: &Map<String, Value>) -> Result<Value, FieldError> {
        let now = iso8601_millis(self.clock.now());
        let now_ms = self.clock.now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0);
        let empty = Map::new();
        let input = args.get("input").and_then(Value::as_object).unwrap_or(&empty);
        match op {
            RootOp::Get(i) => {
                let m = &self.models[i];
                self.get_one(requests::get(m, &self.table(m), args)?, type_name, field).await
            }
            RootOp::List(i) => {
                let m = &self.models[i];
                Ok(Self::connection(self.page(requests::list(m, &self.table(m), args)?).await?))
            }
            RootOp::Sync(i) => {
                let m = &self.models[i];
                if !m.versioned {
                    return Err(FieldError { error_type: "UnsupportedOperation".into(), message: "sync queries need conflict detection (--graphql-conflict-detection)".into() });
                }
                let page = versioned::sync::run(&*self.data, &m.name, &self.table(m), args, now_ms).await?;
                let items: Vec<Value> = page.items.iter().map(|i| Value::Object(item_to_json(i))).collect();
                Ok(serde_json::json!({ "items": items, "nextToken": page.next_token, "startedAt": page.started_at }))
            }
            RootOp::Index(i, j) => {
                let m = &self.models[i];
                let idx = &m.indexes[j];
                let pk = args.get(&idx.key.partition).cloned().unwrap_or(Value::Null);
                let req = requests::index_query(&self.table(m), Some(&idx.name), (&idx.key.partition, &pk), idx.key.sort.first().map(String::as_str), args, true)?;
                Ok(Self::connection(self.page(req).await?))
            }
            RootOp::Create(i) => {
                let m = &self.models[i];
                let id = self.ids.uuid().to_string();
                let req = if m.versioned {
                    versioned::create(m, &self.table(m), input, args.get("condition"), &now, now_ms, &id)?
                } else {
                    requests::create(m, &self.table(m), input, args.get("condition"), &now, &id)?
                };
                self.item(req).await
            }
            RootOp::Update(i) | RootOp::Delete(i) if self.models[i].versioned => {
                let m = &self.models[i];
                let (req, expected) = if matches!(op, RootOp::Update(_)) {
                    versioned::update(m, &self.table(m), input, args.get("condition"), &now, now_ms)?
                } else {
                    versioned::delete(m, &self.table(m), input, args.get("condition"), &now, now_ms)?
                };
                match self.item(req).await {
                    Err(e) if e.error_type == "DynamoDB:ConditionalCheckFailedException" => {
                        let current = self.get_one(requests::get(m, &self.table(m), input)?, type_name, field).await.unwrap_or(Value::Null);
                        match current.get("_version").and_then(Value::as_i64) {
                            Some(v) if v != expected => Err(FieldError { error_type: "ConflictUnhandled".into(), message: "Conflict resolver rejects mutation.".into() }),
                            _ => Err(e),
                        }
                    }
                    other => other,
                }
            }
            RootOp::Update(i) => {
                let m = &self.models[i];
                self.item(requests::update(m, &self.table(m), input, args.get("condition"), &now)?).await
            }
            RootOp::Delete(i) => {
                let m = &self.models[i];
                self.item(requests::delete(m, &self.table(m), input, args.get("condition"))?).await
            }
        }
    }

    /// Resolve relation field `field` of model `type_name` on `source` for `auth` (the related
    /// model's rules apply, as the generated relation auth functions do). `None` when the field
    /// is not a relation.
    pub async fn resolve_relation(&self, type_name: &str, field: &str, source: &Map<String, Value>, args: &Map<String, Value>, auth: &RequestAuth) -> Option<Result<Value, FieldError>> {
        let m = self.model(type_name)?;
        let rel = m.relation(field)?;
        Some(self.run_relation(&rel.resolve, source, args, type_name, field, auth).await)
    }

    async fn run_relation(&self, resolve: &Resolve, source: &Map<String, Value>, args: &Map<String, Value>, type_name: &str, field: &str, auth: &RequestAuth) -> Result<Value, FieldError> {
        let denied = || FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {field} on type {type_name}") };
        let identity = auth.identity.as_deref();
        match resolve {
            Resolve::Query { model, index, partition, source_fields, sort_key } => {
                let Some(target) = self.model(model) else { return Ok(Value::Null) };
                let pk = source_fields.first().and_then(|f| source.get(f)).cloned().unwrap_or(Value::Null);
                if pk.is_null() {
                    return Ok(serde_json::json!({ "items": [], "nextToken": null }));
                }
                let mut args = args.clone();
                match auth_rules::decide_model(target, self.sandbox, Op::List, auth.mode, identity) {
                    Decision::Deny => return Err(denied()),
                    Decision::Allow => {}
                    Decision::Restricted(rules) => {
                        let Some(id) = identity else { return Err(denied()) };
                        let list_fields: Vec<String> = target.fields.iter().filter(|f| crate::transform::sdl::is_list(&f.ty)).map(|f| f.name.clone()).collect();
                        let af = auth_rules::auth_filter(&rules, id, &list_fields);
                        let filter = match args.get("filter").filter(|f| !f.is_null()) {
                            Some(c) => serde_json::json!({ "and": [af, c] }),
                            None => af,
                        };
                        args.insert("filter".into(), filter);
                    }
                }
                let req = requests::index_query(&self.table(target), index.as_deref(), (partition, &pk), sort_key.as_deref(), &args, false)?;
                Ok(Self::connection(self.page(req).await?))
            }
            Resolve::Get { model, source_fields } => {
                let Some(target) = self.model(model) else { return Ok(Value::Null) };
                let decision = auth_rules::decide_model(target, self.sandbox, Op::Get, auth.mode, identity);
                if decision == Decision::Deny {
                    return Err(denied());
                }
                let mut key_args = Map::new();
                for (k, f) in target.primary.fields().iter().zip(source_fields) {
                    match source.get(f) {
                        Some(v) if !v.is_null() => {
                            key_args.insert(k.clone(), v.clone());
                        }
                        _ => return Ok(Value::Null),
                    }
                }
                let item = self.get_one(requests::get(target, &self.table(target), &key_args)?, type_name, field).await?;
                if let (Decision::Restricted(rules), Some(id), Some(obj)) = (&decision, identity, item.as_object()) {
                    if !auth_rules::item_allowed(rules, id, obj) {
                        return Err(denied());
                    }
                }
                Ok(item)
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
