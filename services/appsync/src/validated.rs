//! Skipping async-graphql's validation of a query text it has already validated for the same
//! API, when the outcome provably cannot differ
//! (<https://spec.graphql.org/October2021/#sec-Validation>).
//!
//! Every validation rule but one depends only on the schema and the document. The exception,
//! "arguments of correct type", substitutes the request's variable values into the arguments
//! that reference them and checks them against the argument types. So once a document has
//! passed validation, a later request with the same text passes again unless a variable value
//! is invalid where it is used. A document is eligible ([`Plan::of`]) only when every variable
//! reference is a whole argument of a root field (no fragments, no variables in directives,
//! nested fields or inside literals); its plan lists each use with the argument's type, and
//! [`Plan::accepts`] checks the values against those types with async-graphql's rules, stricter
//! where unsure: a value it is not sure about sends the request through full validation, which
//! reports the exact error as before.
//!
//! Leaves out: documents with several operations or with fragments (always fully validated).

use crate::transform::scalars::AWS_SCALARS;
use crate::transform::sdl::{Document, Kind};
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation};
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Positioned, ServerError, ServerResult, ValidationResult, Value, Variables};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Validated documents kept per API at most (emptied when full).
const MAX_PLANS: usize = 512;

/// The variable uses of an eligible document: (variable, SDL type of the argument it fills).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan(Vec<(String, String)>);

/// Whether a (non-const) argument value references a variable anywhere.
fn mentions_variable<T: Clone + std::fmt::Display>(v: &T, into_const: impl Fn(T) -> Result<Value, ()>) -> bool {
    into_const(v.clone()).is_err()
}

impl Plan {
    /// The plan of `doc` against the API's SDL, `None` when the document is not eligible.
    pub fn of(doc: &ExecutableDocument, sdl: &Document) -> Option<Plan> {
        if !doc.fragments.is_empty() {
            return None;
        }
        let op = match &doc.operations {
            DocumentOperations::Single(op) => op,
            DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.values().next()?,
            DocumentOperations::Multiple(_) => return None,
        };
        let root = match op.node.ty {
            OperationType::Query => "Query",
            OperationType::Mutation => "Mutation",
            OperationType::Subscription => return None,
        };
        let root = sdl.get(root)?;
        let mut plan = Plan::default();
        for d in &op.node.directives {
            if d.node.arguments.iter().any(|(_, v)| mentions_variable(&v.node, |x| x.into_const_with(|_| Err(())))) {
                return None;
            }
        }
        for item in &op.node.selection_set.node.items {
            let Selection::Field(f) = &item.node else { return None };
            let f = &f.node;
            if f.directives.iter().any(|d| d.node.arguments.iter().any(|(_, v)| mentions_variable(&v.node, |x| x.into_const_with(|_| Err(()))))) {
                return None;
            }
            let field = root.fields.iter().find(|x| x.name == f.name.node.as_str());
            for (name, value) in &f.arguments {
                if !mentions_variable(&value.node, |x| x.into_const_with(|_| Err(()))) {
                    continue;
                }
                // `$name` exactly: the whole argument is one variable.
                let text = value.node.to_string();
                let var = text.strip_prefix('$').filter(|v| v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))?;
                let arg = field?.args.iter().find(|a| a.name == name.node.as_str())?;
                plan.0.push((var.to_string(), arg.ty.clone()));
            }
            if !selection_is_constant(&f.selection_set) {
                return None;
            }
        }
        Some(plan)
    }

    /// Whether `variables` are surely valid where the document uses them (a missing variable
    /// is not checked by validation either).
    pub fn accepts(&self, variables: &Variables, sdl: &Document) -> bool {
        self.0.iter().all(|(var, ty)| match variables.get(&async_graphql::Name::new(var)) {
            None => true,
            Some(v) => surely_valid(sdl, ty, v, 0),
        })
    }
}

/// No variables anywhere below: arguments and directives of nested fields, inline fragments;
/// no fragment spreads.
fn selection_is_constant(set: &Positioned<SelectionSet>) -> bool {
    set.node.items.iter().all(|item| {
        let constant_dirs = |dirs: &Vec<Positioned<async_graphql::parser::types::Directive>>| {
            dirs.iter().all(|d| d.node.arguments.iter().all(|(_, v)| !mentions_variable(&v.node, |x| x.into_const_with(|_| Err(())))))
        };
        match &item.node {
            Selection::Field(f) => {
                constant_dirs(&f.node.directives)
                    && f.node.arguments.iter().all(|(_, v)| !mentions_variable(&v.node, |x| x.into_const_with(|_| Err(()))))
                    && selection_is_constant(&f.node.selection_set)
            }
            Selection::InlineFragment(i) => constant_dirs(&i.node.directives) && selection_is_constant(&i.node.selection_set),
            Selection::FragmentSpread(_) => false,
        }
    })
}

/// async-graphql's `is_valid_input_value` answering "valid" only when sure (`false` also
/// means "not sure").
fn surely_valid(sdl: &Document, ty: &str, v: &Value, depth: usize) -> bool {
    if depth > 32 {
        return false;
    }
    let ty = ty.trim();
    if let Some(inner) = ty.strip_suffix('!') {
        return !matches!(v, Value::Null) && surely_valid(sdl, inner, v, depth + 1);
    }
    if let Some(inner) = ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        return match v {
            Value::List(items) => items.iter().all(|i| surely_valid(sdl, inner, i, depth + 1)),
            Value::Null => true,
            other => surely_valid(sdl, inner, other, depth + 1),
        };
    }
    if matches!(v, Value::Null) {
        return true;
    }
    match ty {
        "String" => return matches!(v, Value::String(_)),
        "Boolean" => return matches!(v, Value::Boolean(_)),
        "Float" => return matches!(v, Value::Number(_)),
        "Int" => return matches!(v, Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok())),
        "ID" => return matches!(v, Value::String(_)) || matches!(v, Value::Number(n) if n.is_i64()),
        _ => {}
    }
    if AWS_SCALARS.contains(&ty) {
        return crate::schema::scalars::validate(ty, v);
    }
    let Some(t) = sdl.get(ty) else { return false };
    match (t.kind, v) {
        (Kind::Scalar, _) => true,
        (Kind::Enum, Value::Enum(name)) => t.values.iter().any(|x| x == name.as_str()),
        (Kind::Enum, Value::String(name)) => t.values.iter().any(|x| x == name),
        (Kind::Input, Value::Object(fields)) => {
            if !t.directives.is_empty() {
                return false;
            }
            fields.keys().all(|k| t.fields.iter().any(|f| f.name == k.as_str()))
                && t.fields.iter().all(|f| match fields.get(f.name.as_str()) {
                    Some(x) => surely_valid(sdl, &f.ty, x, depth + 1),
                    None => !f.ty.trim().ends_with('!') || f.default.is_some(),
                })
        }
        _ => false,
    }
}

/// Validated query texts of one API with their plans.
#[derive(Debug, Default)]
struct Plans(Mutex<HashMap<Arc<str>, Arc<Plan>>>);

impl Plans {
    fn get(&self, query: &str) -> Option<Arc<Plan>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(query).cloned()
    }

    fn insert(&self, query: &str, plan: Plan) {
        if query.len() > 64 * 1024 {
            return;
        }
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_PLANS {
            map.clear();
        }
        map.insert(Arc::from(query), Arc::new(plan));
    }
}

/// The schema extension of one API: remembers the query texts that passed validation and
/// answers validation for a later request with the same text whose variables its plan accepts.
#[derive(Debug, Clone)]
pub struct ValidationCache {
    sdl: Arc<Document>,
    plans: Arc<Plans>,
}

impl ValidationCache {
    /// The cache of the API served from `sdl`.
    pub fn new(sdl: Document) -> Self {
        Self { sdl: Arc::new(sdl), plans: Arc::default() }
    }

    /// Whether `query` passed validation before (and is remembered).
    pub fn knows(&self, query: &str) -> bool {
        self.plans.get(query).is_some()
    }
}

impl ExtensionFactory for ValidationCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ValidationHook { cache: self.clone(), state: Mutex::default() })
    }
}

/// What the parse step decided for the validation step of the same request.
#[derive(Debug, Default)]
enum Decision {
    /// Validate (nothing to learn: not eligible, or already remembered).
    #[default]
    Validate,
    /// Skip: the remembered plan accepts the variables.
    Skip,
    /// Validate, and remember `query` with `plan` if it passes.
    Learn(Arc<str>, Plan),
}

/// The per-request extension.
struct ValidationHook {
    cache: ValidationCache,
    state: Mutex<Decision>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for ValidationHook {
    async fn parse_query(&self, ctx: &ExtensionContext<'_>, query: &str, variables: &Variables, next: NextParseQuery<'_>) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        let decision = match self.cache.plans.get(query) {
            Some(plan) if plan.accepts(variables, &self.cache.sdl) => Decision::Skip,
            Some(_) => Decision::Validate,
            None => match Plan::of(&doc, &self.cache.sdl) {
                Some(plan) => Decision::Learn(Arc::from(query), plan),
                None => Decision::Validate,
            },
        };
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = decision;
        Ok(doc)
    }

    async fn validation(&self, ctx: &ExtensionContext<'_>, next: NextValidation<'_>) -> Result<ValidationResult, Vec<ServerError>> {
        let decision = std::mem::take(&mut *self.state.lock().unwrap_or_else(|p| p.into_inner()));
        if let Decision::Skip = decision {
            return Ok(ValidationResult { cache_control: Default::default(), complexity: 0, depth: 0 });
        }
        let result = next.run(ctx).await;
        if let (Ok(_), Decision::Learn(query, plan)) = (&result, decision) {
            self.cache.plans.insert(&query, plan);
        }
        result
    }
}

#[cfg(test)]
mod tests;
