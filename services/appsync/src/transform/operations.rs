//! The root fields a model produces: `getX`, `listXs`, `syncXs`, `@index` query fields,
//! `create/update/deleteX` and `onCreate/onUpdate/onDeleteX` (with owner arguments and
//! `@aws_subscribe`), plus the connection form of `@hasMany` fields — each with the multi-auth
//! directives of the rules that grant that operation.
//!
//! Leaves out: custom operation names from `@model(queries: {get: "…"})`.

use super::auth::{AuthSettings, Op};
use super::field_rules::{granted_rules, model_modes};
use super::model::ModelDef;
use super::relations::Resolve;
use super::scalars::key_condition_input_name;
use super::sdl::{is_list, is_non_null, Directive, Field, InputValue};
use super::{plural, upper_first};
use async_graphql::Value;
use std::collections::BTreeSet;

/// Root fields generated for the models.
#[derive(Debug, Default)]
pub struct RootFields {
    /// Query fields.
    pub query: Vec<Field>,
    /// Mutation fields.
    pub mutation: Vec<Field>,
    /// Subscription fields.
    pub subscription: Vec<Field>,
    /// Key-condition input names used (`ModelIntKeyConditionInput`).
    pub key_conditions: BTreeSet<String>,
}

fn iv(name: &str, ty: &str) -> InputValue {
    InputValue::new(name, ty)
}

/// Name of the query field listing `model`.
pub fn list_name(model: &str) -> String {
    format!("list{}", plural(model))
}

/// Name of the DataStore sync query of `model`.
pub fn sync_name(model: &str) -> String {
    format!("sync{}", plural(model))
}

/// Generate the root fields of model `m`.
pub fn model_fields(m: &ModelDef, auth: &AuthSettings, out: &mut RootFields) {
    let n = &m.name;
    let filter = format!("Model{n}FilterInput");
    let conn = format!("Model{n}Connection");
    if m.ops.queries {
        let key_args: Vec<InputValue> = m.primary.fields().iter().map(|k| iv(k, &format!("{}!", m.key_type(k)))).collect();
        let mut get = Field::with_args(&format!("get{n}"), key_args, n);
        auth.annotate(&mut get, &model_modes(auth, m, Some(Op::Get)));
        out.query.push(get);

        let mut args = Vec::new();
        if let Some(sk) = m.primary.sort.first() {
            args.push(iv(&m.primary.partition, &m.key_type(&m.primary.partition)));
            let cond = sort_condition(m, &m.primary.sort, sk);
            out.key_conditions.insert(cond.clone());
            args.push(iv(sk, &cond));
        }
        args.extend([iv("filter", &filter), iv("limit", "Int"), iv("nextToken", "String")]);
        if !m.primary.sort.is_empty() {
            args.push(iv("sortDirection", "ModelSortDirection"));
        }
        let mut list = Field::with_args(&list_name(n), args, &conn);
        auth.annotate(&mut list, &model_modes(auth, m, Some(Op::List)));
        out.query.push(list);

        if m.versioned {
            let args = vec![iv("filter", &filter), iv("limit", "Int"), iv("nextToken", "String"), iv("lastSync", "AWSTimestamp")];
            let mut sync = Field::with_args(&sync_name(n), args, &conn);
            auth.annotate(&mut sync, &model_modes(auth, m, Some(Op::Sync)));
            out.query.push(sync);
        }

        for idx in &m.indexes {
            let Some(qf) = &idx.query_field else { continue };
            let mut args = vec![iv(&idx.key.partition, &format!("{}!", m.key_type(&idx.key.partition)))];
            if let Some(sk) = idx.key.sort.first() {
                let cond = sort_condition(m, &idx.key.sort, sk);
                out.key_conditions.insert(cond.clone());
                args.push(iv(sk, &cond));
            }
            args.extend([iv("sortDirection", "ModelSortDirection"), iv("filter", &filter), iv("limit", "Int"), iv("nextToken", "String")]);
            let mut q = Field::with_args(qf, args, &conn);
            auth.annotate(&mut q, &model_modes(auth, m, Some(Op::List)));
            out.query.push(q);
        }
    }
    if m.ops.mutations {
        for (verb, op) in [("create", Op::Create), ("update", Op::Update), ("delete", Op::Delete)] {
            let args = vec![
                iv("input", &format!("{}{n}Input!", upper_first(verb))),
                iv("condition", &format!("Model{n}ConditionInput")),
            ];
            let mut f = Field::with_args(&format!("{verb}{n}"), args, n);
            auth.annotate(&mut f, &model_modes(auth, m, Some(op)));
            out.mutation.push(f);
        }
    }
    if m.ops.subscriptions && m.ops.mutations {
        let object_fields = m.object_fields(&|_, f| f.clone());
        let mut owner_args = Vec::new();
        for r in &granted_rules(m, Some(Op::Listen)) {
            if !r.is_owner() {
                continue;
            }
            let Some(of) = &r.owner_field else { continue };
            let is_list_field = object_fields.iter().any(|f| &f.name == of && is_list(&f.ty));
            if !is_list_field && !owner_args.iter().any(|a: &InputValue| &a.name == of) {
                owner_args.push(iv(of, "String"));
            }
        }
        for verb in ["Create", "Update", "Delete"] {
            let mut args = vec![iv("filter", &format!("ModelSubscription{n}FilterInput"))];
            args.extend(owner_args.iter().cloned());
            let mut f = Field::with_args(&format!("on{verb}{n}"), args, n);
            f.directives.push(Directive {
                name: "aws_subscribe".into(),
                args: vec![("mutations".into(), Value::List(vec![Value::String(format!("{}{n}", verb.to_lowercase()))]))],
            });
            auth.annotate(&mut f, &model_modes(auth, m, Some(Op::Listen)));
            out.subscription.push(f);
        }
    }
}

/// The key-condition input for sort fields `sort` whose first field is `sk`.
fn sort_condition(m: &ModelDef, sort: &[String], sk: &str) -> String {
    if sort.len() > 1 {
        format!("Model{}{}CompositeKeyConditionInput", m.name, upper_first(sk))
    } else {
        key_condition_input_name(&m.key_type(sk))
    }
}

/// The connection form of a `@hasMany` field on `m` (used by [`ModelDef::object_fields`]).
pub fn has_many_field(models: &[ModelDef], m: &ModelDef, f: &Field) -> Field {
    let Some(rel) = m.relation(&f.name) else { return f.clone() };
    let Resolve::Query { model, sort_key, .. } = &rel.resolve else { return f.clone() };
    let mut args = Vec::new();
    if let Some(sk) = sort_key {
        let target = models.iter().find(|x| &x.name == model);
        let ty = target.map(|t| t.key_type(sk)).unwrap_or_else(|| "String".into());
        args.push(iv(sk, &key_condition_input_name(&ty)));
        args.push(iv("filter", &format!("Model{model}FilterInput")));
        args.push(iv("sortDirection", "ModelSortDirection"));
    } else {
        args.push(iv("filter", &format!("Model{model}FilterInput")));
        args.push(iv("sortDirection", "ModelSortDirection"));
    }
    args.extend([iv("limit", "Int"), iv("nextToken", "String")]);
    let ty = if is_non_null(&f.ty) { format!("Model{model}Connection!") } else { format!("Model{model}Connection") };
    Field { name: f.name.clone(), args, ty, default: None, directives: Vec::new() }
}
