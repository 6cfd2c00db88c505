//! `@hasMany`, `@hasOne`, `@belongsTo` and `@manyToMany`
//! (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/data-modeling/>), in
//! the three forms the fixtures show: Gen 1 implicit (a hidden `<parent><Field>Id` key and a
//! `gsi-<Parent>.<field>` index), Gen 1 `indexName`/`fields`, and Gen 2 `references`.
//! `@manyToMany(relationName: "X")` becomes a join model `X` with `<a>Id`/`<b>Id`, indexes
//! `by<A>`/`by<B>` and query fields `<xs>By<A>Id`.
//!
//! Leaves out: composite parent keys in the implicit forms (only the partition key is carried).

use super::index::{IndexDef, KeyDef};
use super::model::ModelDef;
use super::sdl::{base_type, is_list, Directive, Field};
use super::{lower_first, plural, upper_first};
use async_graphql::Value;

/// The relation directive on a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// `@hasMany` (also a `@manyToMany` side after expansion)
    HasMany,
    /// `@hasOne`
    HasOne,
    /// `@belongsTo`
    BelongsTo,
}

/// How the executor resolves a relation field.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolve {
    /// Query `model` on `index` (`None` = its primary key) with the partition value taken from
    /// the source's `source_fields[0]`; `sort_key` is the index's sort field a caller may put a
    /// key condition on. Returns a connection.
    Query { model: String, index: Option<String>, partition: String, source_fields: Vec<String>, sort_key: Option<String> },
    /// Get the single `model` item whose primary key equals the source's `source_fields`.
    Get { model: String, source_fields: Vec<String> },
}

/// A relation field of a model, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    /// The field name on the source model.
    pub field: String,
    /// Directive kind.
    pub kind: RelationKind,
    /// The related model.
    pub related: String,
    /// How to resolve it.
    pub resolve: Resolve,
}

/// Replace every `@manyToMany` pair by a join model and `@hasMany` sides.
pub fn expand_many_to_many(models: &mut Vec<ModelDef>) {
    let mut joins: Vec<(String, String, String)> = Vec::new(); // (relation, model, field)
    for m in models.iter() {
        for f in &m.fields {
            if let Some(d) = f.directive("manyToMany") {
                if let Some(rel) = d.arg_str("relationName") {
                    joins.push((rel, m.name.clone(), f.name.clone()));
                }
            }
        }
    }
    let mut done: Vec<String> = Vec::new();
    for (rel, a, _) in &joins {
        if done.contains(rel) {
            continue;
        }
        let Some((_, b, _)) = joins.iter().find(|(r, m, _)| r == rel && m != a) else { continue };
        done.push(rel.clone());
        let (a_id, b_id) = (format!("{}Id", lower_first(a)), format!("{}Id", lower_first(b)));
        let mut join = ModelDef::empty(rel);
        let index_dir = |model: &str, field: &str| Directive {
            name: "index".into(),
            args: vec![
                ("name".into(), Value::String(format!("by{model}"))),
                ("queryField".into(), Value::String(format!("{}By{}", lower_first(&plural(rel)), upper_first(field)))),
            ],
        };
        join.fields = vec![
            Field::new("id", "ID!"),
            Field { directives: vec![index_dir(a, &a_id)], ..Field::new(&a_id, "ID!") },
            Field { directives: vec![index_dir(b, &b_id)], ..Field::new(&b_id, "ID!") },
            Field { directives: vec![belongs_to(&a_id)], ..Field::new(&lower_first(a), &format!("{a}!")) },
            Field { directives: vec![belongs_to(&b_id)], ..Field::new(&lower_first(b), &format!("{b}!")) },
        ];
        join.indexes = vec![
            IndexDef { name: format!("by{a}"), key: KeyDef { partition: a_id.clone(), sort: vec![] }, query_field: Some(format!("{}By{}", lower_first(&plural(rel)), upper_first(&a_id))) },
            IndexDef { name: format!("by{b}"), key: KeyDef { partition: b_id.clone(), sort: vec![] }, query_field: Some(format!("{}By{}", lower_first(&plural(rel)), upper_first(&b_id))) },
        ];
        let mut rules = Vec::new();
        for name in [a, b] {
            if let Some(m) = models.iter().find(|m| &m.name == name) {
                rules.extend(m.rules.clone().unwrap_or_default());
            }
        }
        join.rules = Some(rules);
        join.is_join = true;
        for m in models.iter_mut() {
            if &m.name != a && &m.name != b {
                continue;
            }
            for f in m.fields.iter_mut() {
                if f.directive("manyToMany").and_then(|d| d.arg_str("relationName")).as_deref() == Some(rel.as_str()) {
                    f.ty = format!("[{rel}]");
                    f.directives.retain(|d| d.name != "manyToMany");
                    f.directives.push(Directive {
                        name: "hasMany".into(),
                        args: vec![
                            ("indexName".into(), Value::String(format!("by{}", m.name))),
                            ("fields".into(), Value::List(vec![Value::String("id".into())])),
                        ],
                    });
                }
            }
        }
        models.push(join);
    }
}

fn belongs_to(field: &str) -> Directive {
    Directive { name: "belongsTo".into(), args: vec![("fields".into(), Value::List(vec![Value::String(field.into())]))] }
}

/// An implicit foreign-key field a relation adds: (model it is added to, field name).
#[derive(Debug, Clone, PartialEq)]
pub struct ImplicitKey {
    /// Model receiving the field.
    pub model: String,
    /// Field name (`postCommentsId`).
    pub field: String,
    /// The model whose subscription filter also (quirk) lists it.
    pub subscription_filter_of: String,
}

/// Output of [`resolve`]: relations per model, implicit keys, extra GSIs per model.
pub type Resolved = (Vec<Vec<Relation>>, Vec<ImplicitKey>, Vec<(String, IndexDef)>);

/// Resolve every relation field; returns the relations per model (same order as `models`),
/// the implicit key fields to add, and the extra GSIs per model `(model, index)`.
pub fn resolve(models: &[ModelDef]) -> Resolved {
    let mut rels = Vec::new();
    let mut keys = Vec::new();
    let mut gsis = Vec::new();
    for m in models {
        let mut mine = Vec::new();
        for f in &m.fields {
            let related = base_type(&f.ty).to_string();
            let Some(target) = models.iter().find(|x| x.name == related) else { continue };
            if let Some(d) = f.directive("hasMany") {
                let fields = d.arg_str_list("fields");
                let references = d.arg_str_list("references");
                let index = d.arg_str("indexName");
                let resolve = if let Some(refs) = references.filter(|r| !r.is_empty()) {
                    let gsi = format!("gsi-{}.{}", m.name, f.name);
                    let key = KeyDef { partition: refs[0].clone(), sort: refs[1..].to_vec() };
                    gsis.push((related.clone(), IndexDef { name: gsi.clone(), key, query_field: None }));
                    Resolve::Query { model: related.clone(), index: Some(gsi), partition: refs[0].clone(), source_fields: m.primary.fields(), sort_key: None }
                } else if let Some(index) = index {
                    let idx = target.indexes.iter().find(|i| i.name == index);
                    let partition = idx.map(|i| i.key.partition.clone()).unwrap_or_default();
                    let sort_key = idx.and_then(|i| i.key.sort.first().cloned());
                    Resolve::Query { model: related.clone(), index: Some(index), partition, source_fields: fields.unwrap_or_else(|| m.primary.fields()), sort_key }
                } else if let Some(fields) = fields.filter(|f| !f.is_empty()) {
                    let partition = target.primary.partition.clone();
                    let sort_key = target.primary.sort.first().cloned();
                    Resolve::Query { model: related.clone(), index: None, partition, source_fields: fields, sort_key }
                } else {
                    let fk = format!("{}{}Id", lower_first(&m.name), upper_first(&f.name));
                    let gsi = format!("gsi-{}.{}", m.name, f.name);
                    keys.push(ImplicitKey { model: related.clone(), field: fk.clone(), subscription_filter_of: m.name.clone() });
                    gsis.push((related.clone(), IndexDef { name: gsi.clone(), key: KeyDef { partition: fk.clone(), sort: vec![] }, query_field: None }));
                    Resolve::Query { model: related.clone(), index: Some(gsi), partition: fk, source_fields: m.primary.fields(), sort_key: None }
                };
                mine.push(Relation { field: f.name.clone(), kind: RelationKind::HasMany, related, resolve });
            } else if let Some(d) = f.directive("hasOne").or_else(|| f.directive("belongsTo")) {
                let kind = if d.name == "hasOne" { RelationKind::HasOne } else { RelationKind::BelongsTo };
                let fields = d.arg_str_list("fields").filter(|v| !v.is_empty());
                let references = d.arg_str_list("references").filter(|v| !v.is_empty());
                let resolve = if let Some(fields) = fields {
                    Resolve::Get { model: related.clone(), source_fields: fields }
                } else if let Some(refs) = references {
                    if kind == RelationKind::BelongsTo {
                        Resolve::Get { model: related.clone(), source_fields: refs }
                    } else {
                        Resolve::Query { model: related.clone(), index: Some(format!("gsi-{}.{}", m.name, f.name)), partition: refs[0].clone(), source_fields: m.primary.fields(), sort_key: None }
                    }
                } else if kind == RelationKind::BelongsTo && implicit_has_many_to(target, &m.name) .is_some() {
                    let parent_field = implicit_has_many_to(target, &m.name).unwrap_or_default();
                    Resolve::Get { model: related.clone(), source_fields: vec![format!("{}{}Id", lower_first(&related), upper_first(&parent_field))] }
                } else {
                    let fk = format!("{}{}Id", lower_first(&m.name), upper_first(&f.name));
                    keys.push(ImplicitKey { model: m.name.clone(), field: fk.clone(), subscription_filter_of: m.name.clone() });
                    Resolve::Get { model: related.clone(), source_fields: vec![fk] }
                };
                mine.push(Relation { field: f.name.clone(), kind, related, resolve });
            }
        }
        rels.push(mine);
    }
    (rels, keys, gsis)
}

/// The field of `parent` that is an implicit `@hasMany` to `child`.
fn implicit_has_many_to(parent: &ModelDef, child: &str) -> Option<String> {
    parent.fields.iter().find_map(|f| {
        let d = f.directive("hasMany")?;
        let implicit = d.args.is_empty();
        (implicit && is_list(&f.ty) && base_type(&f.ty) == child).then(|| f.name.clone())
    })
}
