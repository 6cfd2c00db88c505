//! The Amplify GraphQL transform in Rust: an Amplify input schema (`@model`, `@auth`,
//! `@primaryKey`, `@index`, relations, `@default`, `@function`, `@http`) becomes the SDL AppSync
//! serves plus the tables and GSIs behind it, exactly as `@aws-amplify/graphql-transformer`
//! 2.x produces them (the fixtures under `shared/fixtures/amplify-transformer` are the spec).
//!
//! Split by directive: [`model`] (types and inputs), [`operations`] (root fields),
//! [`auth`] (rules and multi-auth directives), [`index`] (keys), [`relations`], [`custom`]
//! (`@function`/`@http` fields), [`scalars`], [`table`]. Leaves out: resolvers as VTL (the
//! executor implements their semantics natively), `@searchable`, `@predictions`, SQL models.

pub mod auth;
pub mod custom;
pub mod field_rules;
pub mod index;
pub mod model;
pub mod nested;
pub mod operations;
pub mod relations;
pub mod scalars;
pub mod sdl;
pub mod table;

use auth::AuthSettings;
use model::{object_input, ModelDef, AMPLIFY_DIRECTIVES};
use sdl::{base_type, Document, Field, Kind, TypeDef};
use std::collections::BTreeSet;
use table::ModelTable;

/// Settings the real transformer takes besides the schema.
#[derive(Debug, Clone)]
pub struct TransformConfig {
    /// Auth modes and sandbox switch.
    pub auth: AuthSettings,
    /// DataStore conflict detection (VERSION) on every model.
    pub versioned: bool,
    /// API id used in table names.
    pub api_id: String,
    /// Environment name used in table names (`NONE` for the CDK construct / Gen 2).
    pub env: String,
}

/// What the transform produces.
#[derive(Debug, Clone)]
pub struct Transformed {
    /// The output SDL document.
    pub document: Document,
    /// The models, with keys, indexes, relations and rules resolved.
    pub models: Vec<ModelDef>,
    /// The tables to provision.
    pub tables: Vec<ModelTable>,
}

/// A schema the transform cannot process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TransformError(pub String);

const ROOTS: [&str; 3] = ["Query", "Mutation", "Subscription"];

/// Run the transform over `input` SDL.
pub fn transform(input: &str, cfg: &TransformConfig) -> Result<Transformed, TransformError> {
    let doc = Document::parse(input).map_err(TransformError)?;
    let enums: Vec<String> = doc.types.iter().filter(|t| t.kind == Kind::Enum).map(|t| t.name.clone()).collect();
    let mut models: Vec<ModelDef> = doc
        .types
        .iter()
        .filter(|t| t.kind == Kind::Object && t.directive("model").is_some())
        .map(ModelDef::from_type)
        .collect();
    for m in &mut models {
        m.versioned = cfg.versioned;
    }
    relations::expand_many_to_many(&mut models);
    for m in &mut models {
        m.versioned = cfg.versioned;
    }
    let (rels, keys, gsis) = relations::resolve(&models);
    for (m, r) in models.iter_mut().zip(rels) {
        m.relations = r;
    }
    for k in keys {
        if let Some(m) = models.iter_mut().find(|m| m.name == k.model) {
            if !m.implicit_keys.contains(&k.field) && m.field(&k.field).is_none() {
                m.implicit_keys.push(k.field.clone());
            }
        }
        if let Some(m) = models.iter_mut().find(|m| m.name == k.subscription_filter_of) {
            if !m.subscription_keys.contains(&k.field) {
                m.subscription_keys.push(k.field);
            }
        }
    }
    for (model, idx) in gsis {
        if let Some(m) = models.iter_mut().find(|m| m.name == model) {
            if !m.indexes.iter().any(|i| i.name == idx.name) {
                m.indexes.push(idx);
            }
        }
    }
    let objects: Vec<String> = doc
        .types
        .iter()
        .filter(|t| t.kind == Kind::Object && t.directive("model").is_none() && !ROOTS.contains(&t.name.as_str()))
        .map(|t| t.name.clone())
        .collect();

    let out = build_document(&doc, &models, &enums, &objects, cfg);
    let tables = table::tables(&models, &cfg.api_id, &cfg.env, cfg.versioned);
    Ok(Transformed { document: out, models, tables })
}

fn build_document(doc: &Document, models: &[ModelDef], enums: &[String], objects: &[String], cfg: &TransformConfig) -> Document {
    let auth = &cfg.auth;
    let mut out = Document::default();
    for m in models {
        let mut td = TypeDef::new(Kind::Object, &m.name);
        td.fields = m.object_fields(&|mm, f| operations::has_many_field(models, mm, f));
        td.directives = auth.directives(&field_rules::model_modes(auth, m, None));
        out.types.push(td);
    }
    for t in &doc.types {
        if t.directive("model").is_some() || (t.kind == Kind::Object && ROOTS.contains(&t.name.as_str())) {
            continue;
        }
        let mut t = t.clone();
        t.directives.retain(|d| !AMPLIFY_DIRECTIVES.contains(&d.name.as_str()));
        out.types.push(t);
    }
    if !models.is_empty() {
        out.types.extend(scalars::common_model_inputs());
    }
    let mut roots = operations::RootFields::default();
    for m in models {
        let mut conn = m.connection();
        let mut modes = field_rules::model_modes(auth, m, None);
        for p in models {
            if p.relations.iter().any(|r| r.related == m.name && r.kind == relations::RelationKind::HasMany) {
                modes.extend(field_rules::model_modes(auth, p, None));
            }
        }
        conn.directives = auth.directives(&modes);
        out.types.push(conn);
        out.types.extend(m.inputs(enums, objects));
        operations::model_fields(m, auth, &mut roots);
    }
    let mut extra_inputs = Vec::new();
    for (i, root) in ROOTS.iter().enumerate() {
        let mut fields: Vec<Field> = match i {
            0 => std::mem::take(&mut roots.query),
            1 => std::mem::take(&mut roots.mutation),
            _ => std::mem::take(&mut roots.subscription),
        };
        let mut td = TypeDef::new(Kind::Object, root);
        if let Some(declared) = doc.get(root) {
            for f in &declared.fields {
                let (f, extra) = custom::custom_field(root, f, auth);
                fields.push(f);
                extra_inputs.extend(extra);
            }
            if auth.generic_iam() && !declared.fields.is_empty() {
                td.directives.push(sdl::Directive::bare(auth::AuthMode::Iam.directive()));
            }
        }
        if fields.is_empty() {
            continue;
        }
        td.fields = fields;
        out.types.push(td);
    }
    out.types.extend(extra_inputs);
    add_referenced_inputs(&mut out, doc, enums, objects);
    nested::propagate(&mut out, models, auth);
    out
}

/// Add the on-demand inputs referenced by the generated fields: key conditions, enum filters
/// and `<Object>Input`s.
fn add_referenced_inputs(out: &mut Document, doc: &Document, enums: &[String], objects: &[String]) {
    let mut referenced: BTreeSet<String> = BTreeSet::new();
    for t in &out.types {
        for f in &t.fields {
            referenced.insert(base_type(&f.ty).to_string());
            for a in &f.args {
                referenced.insert(base_type(&a.ty).to_string());
            }
        }
    }
    let mut pending: Vec<String> = referenced.into_iter().collect();
    while let Some(name) = pending.pop() {
        if out.get(&name).is_some() {
            continue;
        }
        let td = if let Some(base) = name.strip_prefix("Model").and_then(|n| n.strip_suffix("KeyConditionInput")) {
            scalars::key_condition_input(base)
        } else if let Some(e) = name.strip_prefix("Model").and_then(|n| n.strip_suffix("ListInput")).filter(|e| enums.iter().any(|x| x == e)) {
            scalars::enum_filter_input(e, true)
        } else if let Some(e) = name.strip_prefix("Model").and_then(|n| n.strip_suffix("Input")).filter(|e| enums.iter().any(|x| x == e)) {
            scalars::enum_filter_input(e, false)
        } else if let Some(o) = name.strip_suffix("Input").filter(|o| objects.iter().any(|x| x == o)) {
            match doc.get(o) {
                Some(src) => {
                    let td = object_input(src, objects);
                    pending.extend(td.fields.iter().map(|f| base_type(&f.ty).to_string()));
                    td
                }
                None => continue,
            }
        } else {
            continue;
        };
        out.types.push(td);
    }
}

/// `post` → `Post`.
pub fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `Post` → `post`.
pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// English plural as npm `pluralize` forms it for type names (`Todo` → `Todos`,
/// `Settings` → `Settings`, `Category` → `Categories`, `Status` → `Statuses`).
pub fn plural(word: &str) -> String {
    let lower = word.to_ascii_lowercase();
    let ends = |s: &str| lower.ends_with(s);
    let stem = |n: usize| &word[..word.len().saturating_sub(n)];
    for (sing, plur) in [("person", "ople"), ("child", "children"), ("man", "men")] {
        if ends(sing) {
            return match sing {
                "person" => format!("{}{}", stem(4), plur),
                "child" => format!("{}ren", word),
                _ => format!("{}en", stem(2)),
            };
        }
    }
    if ends("sis") {
        return format!("{}ses", stem(3));
    }
    if ends("ss") || ends("sh") || ends("ch") || ends("x") || ends("zz") || ends("alias") || ends("gas") || ends("ris") {
        return format!("{word}es");
    }
    if ends("us") && !(ends("aus") || ends("ous") || ends("uus")) {
        return format!("{word}es");
    }
    if ends("y") {
        let prev = lower.chars().rev().nth(1).unwrap_or('a');
        if !"aeiouy".contains(prev) || ends("quy") {
            return format!("{}ies", stem(1));
        }
    }
    if ends("knife") || ends("wife") || ends("life") {
        return format!("{}ves", stem(2));
    }
    if ends("s") {
        return word.to_string();
    }
    format!("{word}s")
}

#[cfg(test)]
mod tests;
