//! Field-level `@auth` (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/customize-authorization-rules/#field-level-authorization-rules>)
//! as the generated resolvers apply it (fixture `gen1-cli-kitchen-sink/resolvers/Mutation.*/…auth0Function`):
//!
//! - **Reads.** A model field carrying its own `@auth` is resolved through an auth step: when
//!   none of the field's rules admits the caller (owner / dynamic-group rules checked against
//!   the parent item), the field is null with `Unauthorized` "Not Authorized to access <field>
//!   on type <Type>" at its path. The same check runs on subscription payloads, per subscriber,
//!   where a denied field is redacted (null, no error).
//! - **Mutations.** Each role (rule) that admits the caller contributes `allowedFields` — the
//!   fields whose role set (the field's own rules, or else the model's) grants the operation
//!   — and, on update, `nullAllowedFields` (the role also grants `delete`). Input fields outside
//!   them fail the mutation with `Unauthorized on [a, b]` (errorType `Unauthorized`). A caller
//!   no role admits at all is left to the model-level check ("Not Authorized to access …").
//!
//! The `@aws_*` directives field rules add to the served SDL come from
//! [`crate::transform::field_rules`].
//!
//! - **Fields without rules** on a model with field rules: read through the same check, with
//!   the model's rules (none when the model has no `@auth`), whenever some role that reads the
//!   model (a field's role included) is not granted read on them (the transformer's
//!   `needsFieldResolver`; a `private` rule reading the field covers its provider's other
//!   roles). So on a model whose only rules are on fields, the other declared fields read as
//!   `Unauthorized` for every caller but IAM, and writing them is `Unauthorized on [..]`.
//!
//! Leaves out: custom (`allow: custom`) rules, field rules on non-model types (the multi-auth
//! directives apply); the transformer's refusal of a schema whose required (`!`) fields would
//! need such a check (such schemas are served, the field reads as an error); protected fields
//! reading null in mutation results when subscriptions are on (the generated field response
//! template); index and relational auto fields other than implicit foreign keys in
//! `allowedFields`.

use crate::auth_rules::{owner_values_for, Identity};
use crate::executor::{Executor, FieldError, RequestAuth};
use crate::transform::auth::{AuthMode, AuthRule, Op, Strategy};
use crate::transform::field_rules::granted_rules;
use crate::transform::model::ModelDef;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

fn unauthorized(field: &str, type_name: &str) -> FieldError {
    FieldError { error_type: "Unauthorized".into(), message: format!("Not Authorized to access {field} on type {type_name}") }
}

fn matches_values(v: Option<&Value>, wanted: &[String]) -> bool {
    match v {
        Some(Value::String(s)) => wanted.iter().any(|w| w == s || s.rsplit("::").next() == Some(w.as_str())),
        Some(Value::Array(items)) => items.iter().any(|i| matches_values(Some(i), wanted)),
        _ => false,
    }
}

/// Whether rule `r` (already of the caller's mode) admits the caller, given the item it
/// protects (`None`: unknown yet, e.g. a create without the field → owner injected).
fn admits(r: &AuthRule, mode: AuthMode, identity: Option<&Identity>, item: Option<&Map<String, Value>>) -> bool {
    if r.provider != mode {
        return false;
    }
    match (r.strategy, identity) {
        (Strategy::Public, _) => mode == AuthMode::ApiKey,
        (Strategy::Private, Some(_)) => true,
        (Strategy::Groups, Some(id)) if r.groups_field.is_none() => r.groups.iter().any(|g| id.groups_for(r.group_claim.as_deref()).contains(g)),
        (Strategy::Groups, Some(id)) => item.is_some_and(|i| r.groups_field.as_ref().is_some_and(|f| matches_values(i.get(f), &id.groups_for(r.group_claim.as_deref())))),
        (Strategy::Owner, Some(id)) => {
            let field = r.owner_field.as_deref().unwrap_or("owner");
            match item.map(|i| i.get(field)) {
                None | Some(None) | Some(Some(Value::Null)) => item.is_none(),
                Some(v) => matches_values(v, &owner_values_for(id, r.identity_claim.as_deref())),
            }
        }
        _ => false,
    }
}

const READ_OPS: [Op; 4] = [Op::Get, Op::List, Op::Sync, Op::Listen];

/// Whether rules `a` and `b` name the same role (provider, strategy and entity; static group
/// rules sharing a group).
fn same_role(a: &AuthRule, b: &AuthRule) -> bool {
    a.provider == b.provider
        && a.strategy == b.strategy
        && match a.strategy {
            Strategy::Owner => a.owner_field == b.owner_field && a.identity_claim == b.identity_claim,
            Strategy::Groups => {
                a.group_claim == b.group_claim && a.groups_field == b.groups_field && (a.groups_field.is_some() || a.groups.iter().any(|g| b.groups.contains(g)))
            }
            _ => true,
        }
}

/// The read check of a declared field WITHOUT its own `@auth` on a model whose fields carry
/// some: the model's rules, when some role reading the model is not granted read on the field.
fn unprotected_field_rules(m: &ModelDef) -> Option<Vec<AuthRule>> {
    if m.fields.iter().all(|f| f.directive("auth").is_none()) {
        return None;
    }
    let own: Vec<AuthRule> = m.rules.clone().unwrap_or_default().into_iter().filter(|r| READ_OPS.iter().any(|op| r.allows(*op))).collect();
    let mut readers: Vec<AuthRule> = Vec::new();
    for op in READ_OPS {
        readers.extend(granted_rules(m, Some(op)));
    }
    // A private rule reading this field on every read operation covers its provider's roles.
    let private_covers = |p: AuthMode| own.iter().any(|r| r.provider == p && r.strategy == Strategy::Private && READ_OPS.iter().all(|op| r.allows(*op)));
    let uncovered = readers.iter().filter(|r| !(matches!(r.provider, AuthMode::UserPools | AuthMode::Oidc) && private_covers(r.provider))).any(|r| !own.iter().any(|o| same_role(o, r)));
    uncovered.then_some(own)
}

/// The read check of one protected model field, compiled once per schema field.
#[derive(Debug, Clone)]
pub struct FieldReadAuth {
    type_name: String,
    field: String,
    rules: Vec<AuthRule>,
}

impl FieldReadAuth {
    /// The check for `type_name.field`, when the field has its own `@auth` on a model.
    pub fn of(exec: &Executor, type_name: &str, field: &str) -> Option<Self> {
        let m = exec.model(type_name)?;
        let rules = match AuthRule::parse_all(&m.field(field)?.directives) {
            Some(rules) => rules,
            None => unprotected_field_rules(m)?,
        };
        Some(Self { type_name: type_name.into(), field: field.into(), rules })
    }

    /// Allow reading the field of `item` for `auth` (IAM is admin access).
    pub fn check(&self, auth: &RequestAuth, item: &Map<String, Value>) -> Result<(), FieldError> {
        let identity = auth.identity.as_deref();
        let ok = auth.mode == AuthMode::Iam || self.rules.iter().any(|r| r.allows(Op::Get) && admits(r, auth.mode, identity, Some(item)));
        if ok {
            Ok(())
        } else {
            Err(unauthorized(&self.field, &self.type_name))
        }
    }
}

/// The input-field check of `createX` / `updateX`, compiled once per mutation field.
#[derive(Debug, Clone)]
pub struct MutationFieldAuth {
    model: ModelDef,
    op: Op,
    /// Fields with their own rules.
    field_rules: Vec<(String, Vec<AuthRule>)>,
}

impl MutationFieldAuth {
    /// The check for mutation `field` when it is a model's create or update.
    pub fn of(exec: &Executor, field: &str) -> Option<Self> {
        let (op, model) = if let Some(m) = field.strip_prefix("create") { (Op::Create, m) } else { (Op::Update, field.strip_prefix("update")?) };
        let model = exec.model(model)?.clone();
        let field_rules: Vec<(String, Vec<AuthRule>)> = model.fields.iter().filter_map(|f| Some((f.name.clone(), AuthRule::parse_all(&f.directives)?))).collect();
        Some(Self { model, op, field_rules })
    }

    fn rules_of<'a>(&'a self, field: &str, model_rules: &'a [AuthRule]) -> &'a [AuthRule] {
        self.field_rules.iter().find(|(f, _)| f == field).map(|(_, r)| r.as_slice()).unwrap_or(model_rules)
    }

    /// Whether the check can matter for this input (field rules, or an update nulling a field).
    pub fn applies(&self, input: &Map<String, Value>) -> bool {
        !self.field_rules.is_empty() || (self.model.rules.is_some() && self.op == Op::Update && input.values().any(Value::is_null))
    }

    /// The input fields the caller may not write, given the stored item (`None` on create).
    pub fn denied(&self, auth: &RequestAuth, input: &Map<String, Value>, current: Option<&Map<String, Value>>) -> Option<Vec<String>> {
        // Fields without rules on a model without @auth: no role is granted them.
        let model_rules = self.model.rules.as_deref().unwrap_or(&[]);
        if auth.mode == AuthMode::Iam {
            return None;
        }
        let identity = auth.identity.as_deref();
        let item = match self.op {
            Op::Create => Some(input),
            _ => current,
        };
        // A role admits the caller on the item (owner fields absent on create are injected).
        let admitted = |r: &AuthRule| {
            let on = if self.op == Op::Create && r.is_owner() && input.get(r.owner_field.as_deref().unwrap_or("owner")).is_none_or(Value::is_null) { None } else { item };
            admits(r, auth.mode, identity, on)
        };
        let roles = model_rules.iter().chain(self.field_rules.iter().flat_map(|(_, r)| r.iter()));
        if !roles.clone().any(|r| r.allows(self.op) && admitted(r)) {
            return None;
        }
        let mut denied = BTreeSet::new();
        for (k, v) in input {
            // Auto fields every role may send: DataStore's version, implicit foreign keys, and
            // on update the primary (hash) key naming the item.
            let hash_key = self.op == Op::Update && self.model.primary.partition == *k;
            if k == "_version" || hash_key || self.model.implicit_keys.contains(k) {
                continue;
            }
            let rules = self.rules_of(k, model_rules);
            let write = rules.iter().any(|r| r.allows(self.op) && admitted(r));
            let null_ok = !(self.op == Op::Update && v.is_null()) || rules.iter().any(|r| r.allows(self.op) && r.allows(Op::Delete) && admitted(r));
            if !write || !null_ok {
                denied.insert(k.clone());
            }
        }
        // The VTL lists the denied fields in input order; a set keeps the message stable.
        (!denied.is_empty()).then(|| denied.into_iter().collect())
    }

    /// Key arguments of `getX` for the item `input` updates.
    pub fn key_args(&self, input: &Map<String, Value>) -> Map<String, Value> {
        self.model.primary.fields().into_iter().filter_map(|k| Some((k.clone(), input.get(&k)?.clone()))).collect()
    }

    /// The `getX` query field of the model.
    pub fn get_field(&self) -> String {
        format!("get{}", self.model.name)
    }

    /// Check `args.input` of the mutation for `auth`, reading the stored item on update.
    pub async fn check(&self, exec: &Executor, auth: &RequestAuth, args: &Map<String, Value>) -> Result<(), FieldError> {
        let Some(input) = args.get("input").and_then(Value::as_object) else { return Ok(()) };
        if !self.applies(input) {
            return Ok(());
        }
        let current = match self.op {
            Op::Update => match exec.resolve_root("Query", &self.get_field(), &self.key_args(input), &RequestAuth::mode(AuthMode::Iam)).await {
                Some(Ok(Value::Object(o))) => Some(o),
                _ => return Ok(()),
            },
            _ => None,
        };
        match self.denied(auth, input, current.as_ref()) {
            Some(fields) => Err(FieldError { error_type: "Unauthorized".into(), message: format!("Unauthorized on [{}]", fields.join(", ")) }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::auth::AuthSettings;
    use crate::transform::{transform, TransformConfig};
    use serde_json::json;
    use std::sync::Arc;

    const SDL: &str = r#"type Profile @model @auth(rules: [{ allow: owner, operations: [create, read, update] }, { allow: private, operations: [read] }, { allow: groups, groups: ["Admin"] }]) {
        id: ID! name: String owner: String
        salary: Int @auth(rules: [{ allow: owner }, { allow: groups, groups: ["HR"] }])
        notes: String @auth(rules: [{ allow: owner, operations: [read] }])
    }"#;

    fn exec() -> Executor {
        exec_of(SDL)
    }

    fn exec_of(sdl: &str) -> Executor {
        let cfg = TransformConfig { auth: AuthSettings { default_mode: AuthMode::UserPools, additional: vec![AuthMode::ApiKey, AuthMode::Iam], sandbox: true }, versioned: false, api_id: "a".into(), env: "NONE".into() };
        let t = transform(sdl, &cfg).unwrap();
        let clock = Arc::new(amplocal_core::ManualClock::new(std::time::UNIX_EPOCH));
        Executor::new(&t, Arc::new(crate::resolver::Unwired), clock, Arc::new(amplocal_core::SeededIds::new(1)), false)
    }

    fn user(name: &str, groups: &[&str]) -> RequestAuth {
        let id = Identity { sub: format!("s-{name}"), username: name.into(), groups: groups.iter().map(|g| g.to_string()).collect(), claims: Map::new() };
        RequestAuth { mode: AuthMode::UserPools, identity: Some(Arc::new(id)) }
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn reads_of_protected_fields() {
        let e = exec();
        let salary = FieldReadAuth::of(&e, "Profile", "salary").unwrap();
        assert!(FieldReadAuth::of(&e, "Profile", "name").is_none());
        let item = obj(json!({"owner": "s-alice::alice", "salary": 5}));
        assert!(salary.check(&user("alice", &[]), &item).is_ok());
        assert!(salary.check(&user("hr", &["HR"]), &item).is_ok());
        let err = salary.check(&user("bob", &[]), &item).unwrap_err();
        assert_eq!(err.message, "Not Authorized to access salary on type Profile");
        assert!(salary.check(&RequestAuth::mode(AuthMode::ApiKey), &item).is_err());
        assert!(salary.check(&RequestAuth::mode(AuthMode::Iam), &item).is_ok());
    }

    #[test]
    fn mutation_input_fields() {
        let e = exec();
        let create = MutationFieldAuth::of(&e, "createProfile").unwrap();
        let alice = user("alice", &[]);
        assert_eq!(create.denied(&alice, &obj(json!({"name": "a", "salary": 1})), None), None);
        assert_eq!(create.denied(&alice, &obj(json!({"name": "a", "notes": "x"})), None).unwrap_or_default(), vec!["notes"]);
        let update = MutationFieldAuth::of(&e, "updateProfile").unwrap();
        let current = obj(json!({"id": "1", "owner": "s-alice::alice"}));
        assert_eq!(update.denied(&alice, &obj(json!({"id": "1", "salary": 2})), Some(&current)), None);
        assert_eq!(update.denied(&alice, &obj(json!({"id": "1", "name": null})), Some(&current)), Some(vec!["name".to_string()]), "owner lacks delete: no nulls");
        let admin = user("root", &["Admin"]);
        assert_eq!(update.denied(&admin, &obj(json!({"id": "1", "name": null, "salary": 3})), Some(&current)), Some(vec!["salary".to_string()]));
        assert_eq!(update.denied(&user("bob", &[]), &obj(json!({"id": "1", "name": "x"})), Some(&current)), None, "no role at all: the model check answers");
    }

    const FIELD_ONLY: &str = r#"type Memo @model { text: String secret: String @auth(rules: [{ allow: owner }, { allow: public, provider: apiKey, operations: [read] }]) }
        type Pay @model @auth(rules: [{ allow: owner }]) { amount: Int bonus: Int @auth(rules: [{ allow: owner }, { allow: groups, groups: ["HR"] }]) }"#;

    #[test]
    fn fields_without_rules_next_to_field_rules() {
        let e = exec_of(FIELD_ONLY);
        let alice = user("alice", &[]);
        let item = obj(json!({"owner": "s-alice::alice", "text": "t", "secret": "s", "amount": 1, "bonus": 2}));
        // Field-only model: the undeclared-rule field has no role at all.
        let text = FieldReadAuth::of(&e, "Memo", "text").expect("text is checked");
        for auth in [&alice, &RequestAuth::mode(AuthMode::ApiKey)] {
            assert_eq!(text.check(auth, &item).unwrap_err().message, "Not Authorized to access text on type Memo");
        }
        assert!(text.check(&RequestAuth::mode(AuthMode::Iam), &item).is_ok());
        let secret = FieldReadAuth::of(&e, "Memo", "secret").unwrap();
        assert!(secret.check(&alice, &item).is_ok() && secret.check(&RequestAuth::mode(AuthMode::ApiKey), &item).is_ok());
        assert!(secret.check(&user("bob", &[]), &item).is_err());
        // A role only a field knows (HR) makes the model's other fields checked with the model's rules.
        let amount = FieldReadAuth::of(&e, "Pay", "amount").expect("amount is checked");
        assert!(amount.check(&alice, &item).is_ok());
        assert!(amount.check(&user("hana", &["HR"]), &item).is_err());
        assert!(FieldReadAuth::of(&e, "Pay", "bonus").unwrap().check(&user("hana", &["HR"]), &item).is_ok());
        // The Profile schema: `private` reads every field, so unprotected fields stay unchecked.
        assert!(FieldReadAuth::of(&exec(), "Profile", "name").is_none());

        let create = MutationFieldAuth::of(&e, "createMemo").unwrap();
        assert!(create.applies(&obj(json!({"secret": "s"}))));
        assert_eq!(create.denied(&alice, &obj(json!({"secret": "s"})), None), None);
        assert_eq!(create.denied(&alice, &obj(json!({"text": "t", "secret": "s", "id": "x"})), None), Some(vec!["id".to_string(), "text".to_string()]));
        let update = MutationFieldAuth::of(&e, "updateMemo").unwrap();
        let current = obj(json!({"id": "1", "owner": "s-alice::alice"}));
        assert_eq!(update.denied(&alice, &obj(json!({"id": "1", "secret": null})), Some(&current)), None, "the hash key names the item; owner may null secret");
        assert_eq!(update.denied(&alice, &obj(json!({"id": "1", "text": "x"})), Some(&current)), Some(vec!["text".to_string()]));
        assert_eq!(update.denied(&RequestAuth::mode(AuthMode::ApiKey), &obj(json!({"id": "1", "secret": "x"})), Some(&current)), None, "no role at all: the model check answers");
    }
}
