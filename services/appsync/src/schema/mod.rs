//! The executable schema of one API: the transformed SDL built into an
//! `async_graphql::dynamic::Schema` with the AWS scalars (validated as AppSync validates them),
//! root fields resolved by the [`Executor`] and object fields read from the parent item (JSON),
//! relation fields resolved through the executor. Errors carry `errorType` in their extensions;
//! the HTTP layer lifts it to the top level as AppSync does.
//!
//! Subscription fields stream the API's [`Hub`] events (filtered and authorized).
//!
//! Leaves out: interfaces/unions resolution (built, not resolvable).

pub mod scalars;

use crate::executor::{Executor, FieldError, RequestAuth};
use crate::subscription::filter::{groups_match, to_subscription_filter};
use crate::subscription::hub::{Hub, MutationLog};
use crate::transform::auth::AuthMode;
use crate::transform::scalars::AWS_SCALARS;
use crate::transform::sdl::{base_type, Document, Kind};
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Interface, InterfaceField, Object, ResolverContext, Scalar, Schema,
    SubscriptionField, SubscriptionFieldFuture, TypeRef, Union,
};
use async_graphql::{Name, Value};
use serde_json::Map;
use std::collections::HashSet;
use std::sync::Arc;

/// Parse an SDL type reference (`[Comment!]!`) into a [`TypeRef`].
pub fn type_ref(ty: &str) -> TypeRef {
    let ty = ty.trim();
    if let Some(inner) = ty.strip_suffix('!') {
        return TypeRef::NonNull(Box::new(type_ref(inner)));
    }
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return TypeRef::List(Box::new(type_ref(inner)));
    }
    TypeRef::named(ty.to_string())
}

fn field_error(e: FieldError) -> async_graphql::Error {
    let t = e.error_type.clone();
    async_graphql::ErrorExtensions::extend_with(async_graphql::Error::new(e.message), move |_, ext| ext.set("errorType", t.clone()))
}

fn args_json(ctx: &ResolverContext<'_>) -> Map<String, serde_json::Value> {
    ctx.args.as_index_map().iter().map(|(k, v)| (k.to_string(), const_to_json(v))).collect()
}

/// `v.clone().into_json()` (a `Null` on failure) without going through a serializer: the same
/// JSON for every value (binaries keep the serializer's path).
pub(crate) fn const_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Number(n) => serde_json::Value::Number(n.clone()),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Boolean(b) => serde_json::Value::Bool(*b),
        Value::Enum(name) => serde_json::Value::String(name.to_string()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(const_to_json).collect()),
        Value::Object(fields) if !fields.keys().any(|k| k.starts_with('$')) => {
            serde_json::Value::Object(fields.iter().map(|(k, v)| (k.to_string(), const_to_json(v))).collect())
        }
        other => other.clone().into_json().unwrap_or(serde_json::Value::Null),
    }
}

/// `Value::from_json(v).ok()` without going through a deserializer (the same value: numbers
/// are kept as they are, objects keep their order).
pub(crate) fn json_to_const(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Boolean(b),
        serde_json::Value::Number(n) => Value::Number(n),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(items) => Value::List(items.into_iter().map(json_to_const).collect()),
        serde_json::Value::Object(fields) => Value::Object(fields.into_iter().map(|(k, v)| (Name::new(k), json_to_const(v))).collect()),
    }
}

/// What the builder needs to know about output types.
#[derive(Debug, Clone)]
struct Shapes {
    objects: HashSet<String>,
    enums: HashSet<String>,
}

/// How a field of some SDL type turns a JSON value into its output, decided once per field.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    /// `[T]`: each element as `T`.
    List(Box<Out>),
    /// An object, interface or union: the JSON itself is the parent of the next fields.
    Object,
    /// An enum: a string is the enum value.
    Enum,
    /// `AWSJSON`: a non-string value is sent as its JSON text.
    AwsJson,
    /// Any other scalar.
    Scalar,
}

impl Out {
    fn of(shapes: &Shapes, ty: &str) -> Out {
        let inner = ty.trim_end_matches('!');
        if let Some(elem) = inner.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return Out::List(Box::new(Out::of(shapes, elem)));
        }
        let base = base_type(inner);
        if shapes.objects.contains(base) {
            Out::Object
        } else if shapes.enums.contains(base) {
            Out::Enum
        } else if base == "AWSJSON" {
            Out::AwsJson
        } else {
            Out::Scalar
        }
    }
}

/// A JSON value as the output of a field whose type is `out`.
fn output(out: &Out, v: serde_json::Value) -> Option<FieldValue<'static>> {
    if v.is_null() {
        return None;
    }
    match (out, v) {
        (Out::List(elem), serde_json::Value::Array(items)) => Some(FieldValue::list(items.into_iter().map(|i| output(elem, i).unwrap_or(FieldValue::NULL)))),
        (Out::List(_), _) => None,
        (Out::Object, v) => Some(FieldValue::owned_any(v)),
        (Out::Enum, serde_json::Value::String(s)) => Some(FieldValue::value(Value::Enum(Name::new(s)))),
        (Out::AwsJson, v) if !v.is_string() => Some(FieldValue::value(Value::String(v.to_string()))),
        (_, v) => Some(FieldValue::value(json_to_const(v))),
    }
}

/// The modes a field's `@aws_*` directives allow (`None`: none given).
fn directive_modes(directives: &[crate::transform::sdl::Directive]) -> Option<Vec<AuthMode>> {
    let modes: Vec<AuthMode> = directives
        .iter()
        .filter_map(|d| match d.name.as_str() {
            "aws_api_key" => Some(AuthMode::ApiKey),
            "aws_iam" => Some(AuthMode::Iam),
            "aws_cognito_user_pools" | "aws_auth" => Some(AuthMode::UserPools),
            "aws_oidc" => Some(AuthMode::Oidc),
            "aws_lambda" => Some(AuthMode::Lambda),
            _ => None,
        })
        .collect();
    (!modes.is_empty()).then_some(modes)
}

/// Field `f` of type `t`: who may read it (field directives override the type's;
/// neither means the default mode only).
fn root_modes(t: &crate::transform::sdl::TypeDef, f: &crate::transform::sdl::Field, default: AuthMode) -> Vec<AuthMode> {
    directive_modes(&f.directives).or_else(|| directive_modes(&t.directives)).unwrap_or_else(|| vec![default])
}

/// What the resolver of one output field needs, built once per field of the schema.
struct FieldSpec {
    out: Out,
    exec: Arc<Executor>,
    type_name: String,
    name: String,
    allowed: Vec<AuthMode>,
    root: bool,
    /// Field-level @auth (crate::field_auth), compiled once per field.
    read_auth: Option<crate::field_auth::FieldReadAuth>,
    write_auth: Option<crate::field_auth::MutationFieldAuth>,
    /// A relation field of a model (resolved through the executor).
    relation: bool,
    /// An owner field whose stored `<sub>::<username>` is shown as the username.
    owner: bool,
}

/// One output field: `allowed` are the modes its `@aws_*` directives (or its type's, or the
/// default) admit — checked per field as AppSync does, a denied field is null + Unauthorized.
fn object_field(shapes: Arc<Shapes>, exec: Arc<Executor>, type_name: String, f: &crate::transform::sdl::Field, allowed: Vec<AuthMode>, root: bool) -> Field {
    let model = exec.model(&type_name);
    let spec = Arc::new(FieldSpec {
        read_auth: crate::field_auth::FieldReadAuth::of(&exec, &type_name, &f.name),
        write_auth: if type_name == "Mutation" { crate::field_auth::MutationFieldAuth::of(&exec, &f.name) } else { None },
        relation: model.is_some_and(|m| m.relation(&f.name).is_some()),
        owner: model.is_some_and(|m| m.owner_fields().contains(&f.name)),
        out: Out::of(&shapes, &f.ty),
        exec: exec.clone(),
        type_name,
        name: f.name.clone(),
        allowed,
        root,
    });
    let mut field = Field::new(f.name.clone(), type_ref(&f.ty), move |ctx| {
        if !spec.root && !spec.relation {
            if let Ok(parent) = ctx.parent_value.try_downcast_ref::<serde_json::Value>() {
                // Nothing to wait for: answered without a boxed future.
                return FieldFuture::Value(plain_field(&spec, &ctx, parent));
            }
        }
        let spec = spec.clone();
        FieldFuture::new(async move {
            let FieldSpec { out, exec, type_name, name, allowed, root, read_auth, write_auth, relation, owner } = &*spec;
            // AWS quirk: a failed field is null in `data` next to its error (with a path); the
            // dynamic executor would drop the key instead, so errors are recorded here.
            let fail = |e: FieldError| {
                let se = ctx.ctx.set_error_path(field_error(e).into_server_error(ctx.ctx.item.pos));
                ctx.ctx.add_error(se);
                Ok(None)
            };
            let iam = RequestAuth::mode(AuthMode::Iam);
            let auth = ctx.ctx.data_opt::<RequestAuth>().unwrap_or(&iam);
            if !allowed.contains(&auth.mode) {
                return fail(FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {name} on type {type_name}") });
            }
            if *root {
                let args = args_json(&ctx);
                if let Some(Err(e)) = match write_auth.as_ref() { Some(w) => Some(w.check(exec, auth, &args).await), None => None } {
                    return fail(e);
                }
                return match exec.resolve_root(type_name, name, &args, auth).await {
                    Some(Ok(v)) => {
                        if let (true, Some(log)) = (type_name == "Mutation", ctx.ctx.data_opt::<Arc<MutationLog>>()) {
                            let key = ctx.ctx.item.node.response_key().node.to_string();
                            log.0.lock().unwrap_or_else(|p| p.into_inner()).push((name.clone(), key));
                        }
                        Ok(output(out, v))
                    }
                    Some(Err(e)) => fail(e),
                    None => fail(FieldError {
                        error_type: "UnsupportedOperation".into(),
                        message: format!("{type_name}.{name} has no local resolver (custom resolvers are not emulated yet)"),
                    }),
                };
            }
            let parent = ctx.parent_value.try_downcast_ref::<serde_json::Value>()?;
            let empty = Map::new();
            let source = parent.as_object().unwrap_or(&empty);
            if let Some(Err(e)) = read_auth.as_ref().map(|r| r.check(auth, source)) {
                // Subscription payloads are redacted (null, no error), as Amplify does.
                return if source.contains_key(PUBLISHED) { Ok(None) } else { fail(e) };
            }
            if source.contains_key(PUBLISHED) {
                // A subscription payload: fields come only from what the mutation selected.
                return Ok(source.get(name).cloned().and_then(|v| output(out, v)));
            }
            if *relation {
                let args = args_json(&ctx);
                match exec.resolve_relation(type_name, name, source, &args, auth).await {
                    Some(Ok(v)) => return Ok(output(out, v)),
                    Some(Err(e)) => return fail(e),
                    None => {}
                }
            }
            let v = source.get(name).cloned();
            Ok(v.and_then(|v| output(out, if *owner { exec.present(type_name, name, v) } else { v })))
        })
    });
    for a in &f.args {
        field = field.argument(input_value(a));
    }
    field
}

/// A field that is neither a root nor a relation, read from its parent item: the same steps
/// as the general resolver (mode check, field-level read auth, subscription payload, owner
/// presentation), all synchronous.
fn plain_field(spec: &FieldSpec, ctx: &ResolverContext<'_>, parent: &serde_json::Value) -> Option<FieldValue<'static>> {
    let FieldSpec { out, exec, type_name, name, allowed, read_auth, owner, .. } = spec;
    let fail = |e: FieldError| {
        let se = ctx.ctx.set_error_path(field_error(e).into_server_error(ctx.ctx.item.pos));
        ctx.ctx.add_error(se);
        None
    };
    let iam = RequestAuth::mode(AuthMode::Iam);
    let auth = ctx.ctx.data_opt::<RequestAuth>().unwrap_or(&iam);
    if !allowed.contains(&auth.mode) {
        return fail(FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {name} on type {type_name}") });
    }
    let empty = Map::new();
    let source = parent.as_object().unwrap_or(&empty);
    if let Some(Err(e)) = read_auth.as_ref().map(|r| r.check(auth, source)) {
        // Subscription payloads are redacted (null, no error), as Amplify does.
        return if source.contains_key(PUBLISHED) { None } else { fail(e) };
    }
    if source.contains_key(PUBLISHED) {
        // A subscription payload: fields come only from what the mutation selected.
        return source.get(name).cloned().and_then(|v| output(out, v));
    }
    let v = source.get(name).cloned();
    v.and_then(|v| output(out, if *owner { exec.present(type_name, name, v) } else { v }))
}

/// Marker key on a subscription payload (never selected: not a schema field).
const PUBLISHED: &str = "__amplocalPublished";

/// A subscription field: a stream of the hub's events for its `@aws_subscribe` mutations,
/// filtered by argument equality and the `filter` argument's enhanced filter.
fn subscription_field(hub: Hub, exec: Arc<Executor>, t: &crate::transform::sdl::TypeDef, f: &crate::transform::sdl::Field, default: AuthMode) -> SubscriptionField {
    let mutations: Vec<String> = f.directive("aws_subscribe").and_then(|d| d.arg_str_list("mutations")).unwrap_or_default();
    let allowed = root_modes(t, f, default);
    let (name, type_name, model) = (f.name.clone(), t.name.clone(), base_type(&f.ty).to_string());
    SubscriptionField::new(f.name.clone(), type_ref(&f.ty), move |ctx| {
        let (hub, exec, mutations, allowed, name, type_name, model) = (hub.clone(), exec.clone(), mutations.clone(), allowed.clone(), name.clone(), type_name.clone(), model.clone());
        let args = args_json(&ctx);
        let auth = ctx.ctx.data_opt::<RequestAuth>().cloned().unwrap_or(RequestAuth::mode(AuthMode::Iam));
        let registered = ctx.ctx.data_opt::<crate::subscription::hub::Registered>().cloned();
        SubscriptionFieldFuture::new(async move {
            if !allowed.contains(&auth.mode) {
                return Err(field_error(FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {name} on type {type_name}") }));
            }
            let mut groups = match args.get("filter").filter(|f| !f.is_null()) {
                Some(f) => to_subscription_filter(f).ok_or_else(|| field_error(FieldError { error_type: "MappingTemplate".into(), message: "Invalid subscription filter".into() }))?,
                None => Vec::new(),
            };
            let owner_alternatives = exec.subscription_auth(&model, &auth, &args, &name).map_err(field_error)?;
            if !owner_alternatives.is_empty() {
                let base = if groups.is_empty() { vec![Vec::new()] } else { groups };
                groups = crate::subscription::filter::product(&base, &owner_alternatives);
            }
            let equal: Vec<(String, serde_json::Value)> = args.into_iter().filter(|(k, v)| k != "filter" && !v.is_null()).collect();
            let rx = hub.subscribe();
            let stream = futures_util::stream::unfold(rx, |mut rx| async move {
                match rx.recv().await {
                    Ok(ev) => Some((Ok(ev), rx)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => Some((Err(()), rx)),
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => None,
                }
            });
            let stream = futures_util::StreamExt::take_while(stream, |ev| std::future::ready(ev.is_ok()));
            let stream = futures_util::StreamExt::filter_map(stream, move |ev| {
                let keep = ev.ok().filter(|ev| {
                    mutations.contains(&ev.mutation)
                        && equal.iter().all(|(k, v)| ev.payload.get(k) == Some(v))
                        && groups_match(&groups, &ev.payload)
                });
                std::future::ready(keep.map(|ev| {
                    let mut payload = ev.payload.clone();
                    if let Some(o) = payload.as_object_mut() {
                        o.insert(PUBLISHED.into(), serde_json::Value::Bool(true));
                    }
                    Ok::<_, async_graphql::Error>(FieldValue::owned_any(payload))
                }))
            });
            if let Some(r) = registered {
                r.set();
            }
            Ok(stream)
        })
    })
}

fn input_value(a: &crate::transform::sdl::InputValue) -> InputValue {
    let mut iv = InputValue::new(a.name.clone(), type_ref(&a.ty));
    if let Some(d) = &a.default {
        iv = iv.default_value(d.clone());
    }
    iv
}

/// Build the executable schema of `doc` with `exec` behind the resolvers; `default` is the
/// API's default auth mode (root fields without `@aws_*` directives allow only it).
pub fn build(doc: &Document, exec: Arc<Executor>, default: AuthMode, hub: Hub) -> Result<Schema, String> {
    build_with(doc, exec, default, hub, crate::validated::ValidationCache::new(doc.clone()))
}

/// [`build`] with the given validation cache (tests keep a handle on it).
pub(crate) fn build_with(doc: &Document, exec: Arc<Executor>, default: AuthMode, hub: Hub, validation: crate::validated::ValidationCache) -> Result<Schema, String> {
    let shapes = Arc::new(Shapes {
        objects: doc.types.iter().filter(|t| matches!(t.kind, Kind::Object | Kind::Interface | Kind::Union)).map(|t| t.name.clone()).collect(),
        enums: doc.types.iter().filter(|t| t.kind == Kind::Enum).map(|t| t.name.clone()).collect(),
    });
    let has = |n: &str| doc.get(n).is_some_and(|t| t.kind == Kind::Object);
    if !has("Query") {
        return Err("Schema must define a Query type".into());
    }
    let mut builder = Schema::build("Query", has("Mutation").then_some("Mutation"), has("Subscription").then_some("Subscription"));
    for s in AWS_SCALARS {
        let name = s.to_string();
        builder = builder.register(Scalar::new(*s).validator(move |v| scalars::validate(&name, v)));
    }
    for t in &doc.types {
        match t.kind {
            Kind::Object if t.name == "Subscription" => {
                let mut sub = async_graphql::dynamic::Subscription::new(t.name.clone());
                for f in &t.fields {
                    let mut sf = subscription_field(hub.clone(), exec.clone(), t, f, default);
                    for a in &f.args {
                        sf = sf.argument(input_value(a));
                    }
                    sub = sub.field(sf);
                }
                builder = builder.register(sub);
            }
            Kind::Object => {
                let is_root = t.name == "Query" || t.name == "Mutation";
                let mut obj = Object::new(t.name.clone());
                for i in &t.members {
                    obj = obj.implement(i.clone());
                }
                for f in &t.fields {
                    obj = obj.field(object_field(shapes.clone(), exec.clone(), t.name.clone(), f, root_modes(t, f, default), is_root));
                }
                builder = builder.register(obj);
            }
            Kind::Input => {
                let mut io = InputObject::new(t.name.clone());
                for f in &t.fields {
                    let mut iv = InputValue::new(f.name.clone(), type_ref(&f.ty));
                    if let Some(d) = &f.default {
                        iv = iv.default_value(d.clone());
                    }
                    io = io.field(iv);
                }
                builder = builder.register(io);
            }
            Kind::Enum => {
                builder = builder.register(t.values.iter().fold(Enum::new(t.name.clone()), |e, v| e.item(v.clone())));
            }
            Kind::Scalar => {
                if !AWS_SCALARS.contains(&t.name.as_str()) {
                    builder = builder.register(Scalar::new(t.name.clone()));
                }
            }
            Kind::Interface => {
                let mut it = Interface::new(t.name.clone());
                for f in &t.fields {
                    it = it.field(InterfaceField::new(f.name.clone(), type_ref(&f.ty)));
                }
                builder = builder.register(it);
            }
            Kind::Union => {
                builder = builder.register(t.members.iter().fold(Union::new(t.name.clone()), |u, m| u.possible_type(m.clone())));
            }
        }
    }
    builder.extension(validation).finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
