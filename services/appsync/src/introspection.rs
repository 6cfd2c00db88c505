//! `data.model_introspection` of `amplify_outputs.json`
//! (<https://docs.amplify.aws/react/reference/amplify_outputs/>): the description of models,
//! enums, non-model types, custom operations and inputs that Amplify JS v6 `generateClient()`
//! builds its documents from. Computed from the Amplify *input* schema exactly as
//! `@aws-amplify/graphql-generator` `generateModels({ target: 'introspection' })` (what
//! `ampx generate outputs` runs) does, including its relation conventions: `@manyToMany` join
//! models, implicit `<model><Field>Id` keys, `gsi-<Model>.<field>` keys for unidirectional
//! `@hasMany`, `@auth` rule defaults. The golden files under
//! `tests/fixtures/model-introspection/` are the spec.
//!
//! Leaves out: AI-kit `generations` / `conversations`, Gen 1 `@key`/`@connection` schemas.

use crate::transform::sdl::{Document, Field, Kind, TypeDef};
use crate::transform::{plural, TransformError};
use serde_json::{json, Map, Value};

/// Types the generator never describes: the Gen 1 `AMPLIFY` switch and the input/enum types of
/// the Amplify directive definitions.
const SKIPPED: &[&str] = &[
    "AMPLIFY", "AuthRule", "AuthStrategy", "AuthProvider", "ModelOperation", "HttpMethod", "HttpHeader", "ModelMutationMap",
    "ModelQueryMap", "ModelSubscriptionMap", "ModelSubscriptionLevel", "TimestampConfiguration", "PredictionsActions",
    "SearchableQueryMap",
];
const SCALARS: &[&str] = &[
    "ID", "Boolean", "String", "AWSDate", "AWSTime", "AWSDateTime", "AWSEmail", "AWSJSON", "AWSURL", "AWSPhone", "AWSIPAddress", "Int",
    "Float", "AWSTimestamp",
];
mod relations;
mod render;

const ROOTS: [&str; 3] = ["Query", "Mutation", "Subscription"];
const RELATIONS: [&str; 3] = ["hasOne", "hasMany", "belongsTo"];

/// A directive with its arguments as JSON (enum values become strings).
#[derive(Debug, Clone, PartialEq)]
struct Dir {
    name: String,
    args: Map<String, Value>,
}

impl Dir {
    fn new(name: &str, args: Value) -> Self {
        let args = match args {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        Self { name: name.to_string(), args }
    }

    fn from_sdl(d: &crate::transform::sdl::Directive) -> Self {
        let args = d.args.iter().map(|(n, v)| (n.clone(), v.clone().into_json().unwrap_or(Value::Null))).collect();
        Self { name: d.name.clone(), args }
    }

    /// Argument `k` as a list of strings (a single string counts as a one-element list).
    fn list(&self, k: &str) -> Option<Vec<String>> {
        match self.args.get(k)? {
            Value::Array(a) => Some(a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
            Value::String(s) => Some(vec![s.clone()]),
            _ => None,
        }
    }

    fn string(&self, k: &str) -> Option<String> {
        self.args.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string)
    }
}

/// A field as the generator sees it: named type, list and nullability flags, directives.
#[derive(Debug, Clone, Default)]
struct MField {
    name: String,
    ty: String,
    list: bool,
    nullable: bool,
    list_nullable: Option<bool>,
    read_only: bool,
    dirs: Vec<Dir>,
    /// Set on the primary key field: (custom key, sort key field names).
    pk: Option<(bool, Vec<String>)>,
    assoc: Option<Value>,
}

impl MField {
    fn from_ref(name: &str, ty: &str, dirs: Vec<Dir>) -> Self {
        let (inner, outer_non_null) = match ty.strip_suffix('!') {
            Some(t) => (t, true),
            None => (ty, false),
        };
        let mut f = Self { name: name.to_string(), dirs, ..Self::default() };
        if let Some(elem) = inner.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            f.list = true;
            f.list_nullable = Some(!outer_non_null);
            f.nullable = !elem.ends_with('!');
        } else {
            f.nullable = !outer_non_null;
        }
        f.ty = crate::transform::sdl::base_type(ty).to_string();
        f
    }

    fn from_sdl(f: &Field) -> Self {
        Self::from_ref(&f.name, &f.ty, f.directives.iter().map(Dir::from_sdl).collect())
    }

    fn plain(name: &str, ty: &str, nullable: bool) -> Self {
        Self { name: name.to_string(), ty: ty.to_string(), nullable, ..Self::default() }
    }

    fn dir(&self, name: &str) -> Option<&Dir> {
        self.dirs.iter().find(|d| d.name == name)
    }
}

/// A model (or join model) under construction.
#[derive(Debug, Clone)]
struct MModel {
    name: String,
    dirs: Vec<Dir>,
    fields: Vec<MField>,
}

impl MModel {
    fn field(&self, name: &str) -> Option<&MField> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn add_field(&mut self, f: MField) {
        if self.field(&f.name).is_none() {
            self.fields.push(f);
        }
    }

    fn pk_field(&self) -> Option<&MField> {
        self.fields.iter().find(|f| f.pk.is_some())
    }

    /// The primary key field followed by its sort key fields.
    fn pk_fields(&self) -> Vec<MField> {
        let Some(pk) = self.pk_field() else { return Vec::new() };
        let mut out = vec![pk.clone()];
        for s in pk.pk.as_ref().map(|p| p.1.clone()).unwrap_or_default() {
            out.extend(self.field(&s).cloned());
        }
        out
    }

    /// Every field directive with the field it sits on.
    fn flat_dirs(&self) -> impl Iterator<Item = (&MField, &Dir)> {
        self.fields.iter().flat_map(|f| f.dirs.iter().map(move |d| (f, d)))
    }

    /// Sort fields of the primary key `key` attribute (empty without `@primaryKey`).
    fn sort_key_fields(&self) -> Vec<MField> {
        let key = self.dirs.iter().find(|d| d.name == "key" && !d.args.contains_key("name"));
        let names = key.and_then(|k| k.list("fields")).unwrap_or_default();
        names.iter().skip(1).filter_map(|n| self.field(n).cloned()).collect()
    }
}

fn err(msg: String) -> TransformError {
    TransformError(msg)
}

/// `Post` → `post`.
fn lower_first(s: &str) -> String {
    crate::transform::lower_first(s)
}

/// `post` → `Post`.
fn upper_first(s: &str) -> String {
    crate::transform::upper_first(s)
}

/// `["Post", "comments", "id"]` → `postCommentsId`.
fn camel_join(words: &[&str]) -> String {
    words.iter().enumerate().map(|(i, w)| if i == 0 { lower_first(w) } else { upper_first(w) }).collect()
}

/// change-case's `camelCase` for a type name: `BlogPost` → `blogPost`, `HTTPRequest` → `httpRequest`.
fn camel_case(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut words: Vec<String> = vec![String::new()];
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            words.push(String::new());
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_ascii_uppercase()
            && prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit() || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase())));
        if boundary {
            words.push(String::new());
        }
        if let Some(w) = words.last_mut() {
            w.push(c);
        }
    }
    let words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).collect();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| match w.to_ascii_lowercase() {
            w if i == 0 => w,
            w if w.starts_with(|c: char| c.is_ascii_digit()) => format!("_{w}"),
            w => upper_first(&w),
        })
        .collect()
}

/// graphql-transformer-common `graphqlName(toUpper(s))`.
fn graphql_name(s: &str) -> String {
    let up = upper_first(s);
    let trimmed = up.trim_start_matches(|c: char| !(c == '_' || c.is_ascii_alphabetic()));
    trimmed.chars().filter(|c| *c == '_' || c.is_ascii_alphanumeric()).collect()
}

/// JavaScript truthiness of an argument value.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(_) => true,
    }
}

/// Compute `model_introspection` (version 1) for an Amplify input schema.
pub fn model_introspection(schema: &str) -> Result<Value, TransformError> {
    let doc = Document::parse(schema).map_err(err)?;
    let kept = |t: &&TypeDef| !SKIPPED.contains(&t.name.as_str());
    let mut models = Vec::new();
    for t in doc.types.iter().filter(kept).filter(|t| t.kind == Kind::Object && t.directive("model").is_some()) {
        let dirs = t.directives.iter().map(Dir::from_sdl).collect();
        let mut m = MModel { name: t.name.clone(), dirs, fields: t.fields.iter().map(MField::from_sdl).collect() };
        finish_model(&mut m)?;
        models.push(m);
    }
    relations::many_to_many(&mut models)?;
    relations::connections(&mut models)?;
    for m in &mut models {
        process_auth(m);
    }
    render::Render::new(&doc, &models).render()
}

/// `key` attributes, primary key, timestamps, `id` first.
fn finish_model(m: &mut MModel) -> Result<(), TransformError> {
    key_attributes(m);
    match m.fields.iter().position(|f| f.dir("primaryKey").is_some()) {
        None => {
            match m.fields.iter_mut().find(|f| f.name == "id") {
                Some(id) => id.nullable = false,
                None => m.fields.insert(0, MField::plain("id", "ID", false)),
            }
            if let Some(id) = m.fields.iter_mut().find(|f| f.name == "id") {
                id.pk = Some((false, Vec::new()));
            }
        }
        Some(i) => {
            if m.fields[i].nullable {
                return Err(err(format!("The primary key on type '{}' must reference non-null fields.", m.name)));
            }
            let sort: Vec<String> = m.fields[i].dir("primaryKey").and_then(|d| d.list("sortKeyFields")).unwrap_or_default();
            let sort: Vec<String> = sort.into_iter().filter(|s| m.field(s).is_some()).collect();
            let custom = !(m.fields[i].name == "id" && sort.is_empty());
            m.fields[i].pk = Some((custom, sort));
        }
    }
    let model_dir = m.dirs.iter().find(|d| d.name == "model").cloned();
    let ts = model_dir.as_ref().and_then(|d| d.args.get("timestamps")).cloned();
    if !matches!(ts, Some(Value::Null)) {
        for (key, default) in [("createdAt", "createdAt"), ("updatedAt", "updatedAt")] {
            let name = ts.as_ref().and_then(|t| t.get(key)).and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or(default);
            m.add_field(MField { read_only: true, ..MField::plain(name, "AWSDateTime", true) });
        }
    }
    if let Some(i) = m.fields.iter().position(|f| f.name == "id") {
        let id = m.fields.remove(i);
        m.fields.insert(0, id);
    }
    Ok(())
}

/// `@primaryKey` and `@index` as `key` attributes.
fn key_attributes(m: &mut MModel) {
    let has_primary = m.dirs.iter().any(|d| d.name == "key" && !d.args.contains_key("name"));
    if !has_primary {
        let primary = m.flat_dirs().find(|(_, d)| d.name == "primaryKey").map(|(f, d)| {
            let mut fields = vec![f.name.clone()];
            fields.extend(d.list("sortKeyFields").unwrap_or_default());
            fields
        });
        if let Some(fields) = primary {
            m.dirs.push(Dir::new("key", json!({ "fields": fields })));
        }
    }
    let existing: Vec<String> = m.dirs.iter().filter(|d| d.name == "key").filter_map(|d| d.string("name")).collect();
    let mut keys = Vec::new();
    for (f, d) in m.flat_dirs().filter(|(_, d)| d.name == "index") {
        let mut fields = vec![f.name.clone()];
        fields.extend(d.list("sortKeyFields").unwrap_or_default());
        let name = d.string("name").unwrap_or_else(|| {
            let parts: Vec<String> = fields.iter().map(|x| upper_first(x)).collect();
            format!("{}By{}", lower_first(&plural(&m.name)), parts.join("And"))
        });
        let mut args = Map::new();
        args.insert("name".into(), Value::String(name.clone()));
        if let Some(q) = d.args.get("queryField") {
            args.insert("queryField".into(), q.clone());
        }
        args.insert("fields".into(), json!(fields));
        if !existing.contains(&name) {
            keys.push(Dir { name: "key".into(), args });
        }
    }
    m.dirs.extend(keys);
}

/// Move `auth` attributes last and fill in the generator's rule defaults.
fn process_auth(m: &mut MModel) {
    let (auth, mut rest): (Vec<Dir>, Vec<Dir>) = std::mem::take(&mut m.dirs).into_iter().partition(|d| d.name == "auth");
    for mut d in auth {
        let rules = match d.args.get("rules") {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Object(o)) => vec![Value::Object(o.clone())],
            _ => Vec::new(),
        };
        let processed: Vec<Value> = rules
            .iter()
            .filter_map(Value::as_object)
            .filter(|r| !(r.get("allow").and_then(Value::as_str) == Some("groups") && truthy(r.get("groupField"))))
            .map(|r| Value::Object(auth_rule(r)))
            .collect();
        d.args.insert("rules".into(), Value::Array(processed));
        rest.push(d);
    }
    m.dirs = rest;
}

fn auth_rule(rule: &Map<String, Value>) -> Map<String, Value> {
    let pick = |keys: &[&str], default: Value| keys.iter().find(|k| truthy(rule.get(**k))).and_then(|k| rule.get(*k).cloned()).unwrap_or(default);
    let ops = pick(&["operations", "mutations"], json!(["create", "update", "delete", "read"]));
    let mut out = Map::new();
    match rule.get("allow").and_then(Value::as_str) {
        Some("owner") => {
            out.insert("provider".into(), json!("userPools"));
            out.insert("ownerField".into(), pick(&["ownerField"], json!("owner")));
            out.extend(rule.clone());
            let claim = pick(&["identityClaim", "identityField"], json!("username"));
            let claim = if claim == json!("username") { json!("cognito:username") } else { claim };
            out.insert("identityClaim".into(), claim);
        }
        Some("groups") => {
            out.insert("groupClaim".into(), json!("cognito:groups"));
            out.insert("provider".into(), json!("userPools"));
            out.extend(rule.clone());
            if truthy(rule.get("groups")) {
                out.remove("groupField");
            } else {
                out.insert("groupField".into(), json!("groups"));
            }
        }
        _ => out.extend(rule.clone()),
    }
    out.insert("operations".into(), ops);
    out
}
