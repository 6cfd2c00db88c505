//! Model `@auth` rules as the generated auth functions apply them (fixture
//! `resolvers/*auth0Function*`): API-key callers need a `public` rule; IAM callers are admin
//! roles; user-pool callers pass `private` and static-group rules outright, and owner /
//! dynamic-group rules restrict them to their own items — by an injected owner on create, a
//! check of the stored item on get/update/delete, and an auth filter on list queries. The
//! stored owner is `<sub>::<username>` (default identity claim); the caller matches that, its
//! bare `sub` or its bare username.
//!
//! OIDC callers are identities too (their token's claims); custom `identityClaim`s read the
//! claim. Field-level rules are [`crate::field_auth`]; when fields carry their own `@auth`,
//! the operation-level check ([`decide_model`]) takes its roles from the auth transformer's
//! access-control matrix ([`crate::transform::field_rules::granted_rules`]): a role is granted
//! an operation when some field grants it (delete: every declared field). A model whose only
//! rules are on fields is therefore guarded by those rules — not by the no-`@auth` path, so
//! sandbox mode does not open it to API-key callers, and a role known to one field reaches the
//! model's get/list/create/update/subscriptions but never its delete unless every declared
//! field grants it.
//!
//! `groupClaim` reads the named claim (OIDC tokens' `groups` are the default groups there).
//!
//! Leaves out: Lambda identities.

use crate::transform::auth::{AuthMode, AuthRule, Op, Strategy};
use crate::transform::field_rules::granted_rules;
use crate::transform::model::ModelDef;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// A verified user-pool (or OIDC) caller.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// `sub`.
    pub sub: String,
    /// Username (`username` or `cognito:username`).
    pub username: String,
    /// `cognito:groups`.
    pub groups: Vec<String>,
    /// Every claim of the token (custom `identityClaim`s read from here).
    pub claims: Map<String, Value>,
}

/// The stored owner values that name `identity` for an owner rule with `identity_claim`:
/// the default (`sub::username`) and `sub` / `username` claims accept any of the three forms,
/// another claim (`email`, an OIDC claim) only its own value.
pub fn owner_values_for(identity: &Identity, identity_claim: Option<&str>) -> Vec<String> {
    match identity_claim {
        None | Some("sub") | Some("username") | Some("cognito:username") | Some("sub::username") | Some("username::sub") => identity.owner_values(),
        Some(c) => vec![identity.claim_value(Some(c))],
    }
}

impl Identity {
    /// The values a stored owner may hold for this caller.
    pub fn owner_values(&self) -> Vec<String> {
        vec![format!("{}::{}", self.sub, self.username), self.sub.clone(), self.username.clone()]
    }

    /// The caller's groups for a rule's `groupClaim` (default `cognito:groups`): the claim's
    /// list (or single string) when the token carries it, else the verified groups.
    pub fn groups_for(&self, group_claim: Option<&str>) -> Vec<String> {
        match group_claim.filter(|c| *c != "cognito:groups").and_then(|c| self.claims.get(c)) {
            Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(String::from)).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => self.groups.clone(),
        }
    }

    /// The owner value written for `identityClaim` (default `sub::username`).
    pub fn claim_value(&self, identity_claim: Option<&str>) -> String {
        match identity_claim {
            Some("sub") => self.sub.clone(),
            Some("username") | Some("cognito:username") => self.username.clone(),
            None | Some("sub::username") | Some("username::sub") => format!("{}::{}", self.sub, self.username),
            Some(c) => match self.claims.get(c) {
                Some(Value::String(s)) => s.clone(),
                Some(v) if !v.is_null() => v.to_string(),
                _ => self.username.clone(),
            },
        }
    }
}

/// The outcome of the rule check for one operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// No rule grants it.
    Deny,
    /// Unrestricted access.
    Allow,
    /// Access limited to items matching these owner / dynamic-group rules.
    Restricted(Vec<AuthRule>),
}

/// Decide `op` on a model with `rules` (`None` = no `@auth`) for a caller in `mode`.
pub fn decide(rules: Option<&[AuthRule]>, sandbox: bool, op: Op, mode: AuthMode, identity: Option<&Identity>) -> Decision {
    let Some(rules) = rules else {
        return if (mode == AuthMode::ApiKey && sandbox) || mode == AuthMode::Iam { Decision::Allow } else { Decision::Deny };
    };
    if mode == AuthMode::Iam {
        return Decision::Allow;
    }
    let mut restricted = Vec::new();
    for r in rules.iter().filter(|r| r.provider == mode && r.allows(op)) {
        match (r.strategy, identity) {
            (Strategy::Public, _) if mode == AuthMode::ApiKey => return Decision::Allow,
            (Strategy::Private, Some(_)) => return Decision::Allow,
            (Strategy::Groups, Some(id)) if r.groups_field.is_none() && r.groups.iter().any(|g| id.groups_for(r.group_claim.as_deref()).contains(g)) => return Decision::Allow,
            (Strategy::Groups, Some(_)) if r.groups_field.is_none() => {}
            (Strategy::Groups, Some(_)) | (Strategy::Owner, Some(_)) => restricted.push(r.clone()),
            _ => {}
        }
    }
    if restricted.is_empty() {
        Decision::Deny
    } else {
        Decision::Restricted(restricted)
    }
}

/// The rules that decide `op` on model `m`: its own `@auth` rules when no field carries
/// `@auth` (`None`: no `@auth` at all), else the rules whose roles the access-control matrix
/// grants `op` (model and field rules together; possibly none).
pub fn model_rules(m: &ModelDef, op: Op) -> Option<Cow<'_, [AuthRule]>> {
    if m.fields.iter().all(|f| f.directive("auth").is_none()) {
        return m.rules.as_deref().map(Cow::Borrowed);
    }
    Some(Cow::Owned(granted_rules(m, Some(op))))
}

/// [`decide`] for `op` on model `m`, field-level rules included ([`model_rules`]).
pub fn decide_model(m: &ModelDef, sandbox: bool, op: Op, mode: AuthMode, identity: Option<&Identity>) -> Decision {
    decide(model_rules(m, op).as_deref(), sandbox, op, mode, identity)
}

fn field_matches(v: Option<&Value>, wanted: &[String]) -> bool {
    match v {
        Some(Value::String(s)) => wanted.contains(s),
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str().is_some_and(|s| wanted.iter().any(|w| w == s))),
        _ => false,
    }
}

/// Whether a stored `item` satisfies one of the restricting rules for `identity`.
pub fn item_allowed(rules: &[AuthRule], identity: &Identity, item: &Map<String, Value>) -> bool {
    rules.iter().any(|r| match r.strategy {
        Strategy::Owner => field_matches(item.get(r.owner_field.as_deref().unwrap_or("owner")), &owner_values_for(identity, r.identity_claim.as_deref())),
        _ => r.groups_field.as_ref().is_some_and(|f| field_matches(item.get(f), &identity.groups_for(r.group_claim.as_deref()))),
    })
}

/// The auth filter of list queries: an `or` of owner / group matches (`contains` on list
/// fields, `eq` otherwise).
pub fn auth_filter(rules: &[AuthRule], identity: &Identity, list_fields: &[String]) -> Value {
    let mut alternatives = Vec::new();
    for r in rules {
        let (field, values) = match r.strategy {
            Strategy::Owner => (r.owner_field.clone().unwrap_or_else(|| "owner".into()), owner_values_for(identity, r.identity_claim.as_deref())),
            _ => match &r.groups_field {
                Some(f) => (f.clone(), identity.groups_for(r.group_claim.as_deref())),
                None => continue,
            },
        };
        let op = if list_fields.contains(&field) { "contains" } else { "eq" };
        for v in values {
            alternatives.push(json!({ field.clone(): { op: v } }));
        }
    }
    if alternatives.is_empty() {
        // Nothing can match (no groups): a filter no item passes.
        return json!({ "__typename": { "attributeExists": false }, "id": { "attributeExists": false } });
    }
    json!({ "or": alternatives })
}

/// On create: check a client-supplied owner, or inject the caller's. `false` when the input
/// names someone else (and no rule lets the caller create for others).
pub fn prepare_create(rules: &[AuthRule], identity: &Identity, input: &mut Map<String, Value>, list_fields: &[String]) -> bool {
    let mut ok = false;
    for r in rules {
        match r.strategy {
            Strategy::Owner => {
                let field = r.owner_field.clone().unwrap_or_else(|| "owner".into());
                match input.get(&field) {
                    None | Some(Value::Null) => {
                        let v = identity.claim_value(r.identity_claim.as_deref());
                        let v = if list_fields.contains(&field) { json!([v]) } else { Value::String(v) };
                        input.insert(field, v);
                        ok = true;
                    }
                    v => ok |= field_matches(v, &owner_values_for(identity, r.identity_claim.as_deref())),
                }
            }
            _ => {
                if let Some(f) = &r.groups_field {
                    ok |= field_matches(input.get(f), &identity.groups_for(r.group_claim.as_deref()));
                }
            }
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::sdl::Document;

    fn rules(sdl: &str) -> Vec<AuthRule> {
        let doc = Document::parse(sdl).unwrap();
        AuthRule::parse_all(&doc.types[0].directives).unwrap()
    }

    fn alice() -> Identity {
        Identity { sub: "s-a".into(), username: "alice".into(), groups: vec!["Staff".into()], claims: Map::new() }
    }

    const KITCHEN: &str = r#"type P @model @auth(rules: [{ allow: groups, groups: ["Admin"] }, { allow: groups, groupsField: "editors" },
        { allow: owner, ownerField: "owners", operations: [create, read, update] }, { allow: private, operations: [read] },
        { allow: public, provider: apiKey, operations: [read] }]) { id: ID! }"#;

    #[test]
    fn decisions_per_mode_and_operation() {
        let r = rules(KITCHEN);
        let a = alice();
        assert_eq!(decide(Some(&r), false, Op::List, AuthMode::ApiKey, None), Decision::Allow);
        assert_eq!(decide(Some(&r), false, Op::Create, AuthMode::ApiKey, None), Decision::Deny);
        assert_eq!(decide(Some(&r), false, Op::Get, AuthMode::UserPools, Some(&a)), Decision::Allow, "private read");
        let Decision::Restricted(rs) = decide(Some(&r), false, Op::Update, AuthMode::UserPools, Some(&a)) else { panic!() };
        assert_eq!(rs.len(), 2, "dynamic group + owner");
        let Decision::Restricted(rs) = decide(Some(&r), false, Op::Delete, AuthMode::UserPools, Some(&a)) else { panic!() };
        assert_eq!(rs.len(), 1, "the owner rule does not grant delete");
        let admin = Identity { groups: vec!["Admin".into()], ..alice() };
        assert_eq!(decide(Some(&r), false, Op::Delete, AuthMode::UserPools, Some(&admin)), Decision::Allow);
        assert_eq!(decide(None, false, Op::List, AuthMode::ApiKey, None), Decision::Deny);
        assert_eq!(decide(None, true, Op::List, AuthMode::ApiKey, None), Decision::Allow);
        assert_eq!(decide(None, true, Op::List, AuthMode::UserPools, Some(&a)), Decision::Deny);
    }

    const FIELD_ONLY: &str = r#"
        type Memo @model { text: String secret: String @auth(rules: [{ allow: owner }, { allow: public, provider: apiKey, operations: [read] }]) }
        type Note @model {
            title: String @auth(rules: [{ allow: owner }, { allow: groups, groups: ["Editors"], operations: [read, update] }])
            body: String @auth(rules: [{ allow: owner }])
        }
        type Open @model { text: String }"#;

    fn field_only_models(sandbox: bool) -> Vec<ModelDef> {
        use crate::transform::auth::AuthSettings;
        let auth = AuthSettings { default_mode: AuthMode::UserPools, additional: vec![AuthMode::ApiKey, AuthMode::Iam], sandbox };
        let cfg = crate::transform::TransformConfig { auth, versioned: false, api_id: "a".into(), env: "NONE".into() };
        crate::transform::transform(FIELD_ONLY, &cfg).unwrap().models
    }

    #[test]
    fn models_with_only_field_rules_are_guarded_by_them() {
        let ms = field_only_models(false);
        let (memo, note, open) = (&ms[0], &ms[1], &ms[2]);
        let a = alice();
        let kinds = |d: Decision| match d {
            Decision::Restricted(rs) => format!("restricted:{}", rs.iter().map(|r| format!("{:?}", r.strategy)).collect::<Vec<_>>().join(",")),
            other => format!("{other:?}"),
        };
        for op in [Op::Get, Op::List, Op::Sync, Op::Create, Op::Update, Op::Listen] {
            assert_eq!(kinds(decide_model(memo, false, op, AuthMode::UserPools, Some(&a))), "restricted:Owner", "{op:?}");
        }
        assert_eq!(decide_model(memo, false, Op::Delete, AuthMode::UserPools, Some(&a)), Decision::Deny, "text has no role: nobody deletes");
        for (op, want) in [(Op::Get, Decision::Allow), (Op::List, Decision::Allow), (Op::Listen, Decision::Allow), (Op::Create, Decision::Deny), (Op::Update, Decision::Deny), (Op::Delete, Decision::Deny)] {
            assert_eq!(decide_model(memo, false, op, AuthMode::ApiKey, None), want, "api key {op:?}");
            assert_eq!(decide_model(memo, true, op, AuthMode::ApiKey, None), want, "sandbox does not reach field-ruled models: {op:?}");
        }
        assert_eq!(decide_model(memo, false, Op::Delete, AuthMode::Iam, None), Decision::Allow);
        // Every declared field grants the owner delete: the owner may delete.
        assert_eq!(kinds(decide_model(note, false, Op::Delete, AuthMode::UserPools, Some(&a))), "restricted:Owner");
        let editor = Identity { groups: vec!["Editors".into()], ..alice() };
        assert_eq!(decide_model(note, false, Op::Update, AuthMode::UserPools, Some(&editor)), Decision::Allow, "a field's static group reaches the operation");
        assert_eq!(decide_model(note, false, Op::Get, AuthMode::UserPools, Some(&editor)), Decision::Allow);
        assert_eq!(kinds(decide_model(note, false, Op::Delete, AuthMode::UserPools, Some(&editor))), "restricted:Owner", "the group lacks delete");
        assert_eq!(kinds(decide_model(note, false, Op::Create, AuthMode::UserPools, Some(&editor))), "restricted:Owner");
        assert_eq!(decide_model(note, true, Op::Get, AuthMode::ApiKey, None), Decision::Deny);
        // No @auth anywhere: the sandbox path as before.
        assert_eq!(decide_model(open, true, Op::Get, AuthMode::ApiKey, None), Decision::Allow);
        assert_eq!(decide_model(open, false, Op::Get, AuthMode::ApiKey, None), Decision::Deny);
        assert!(model_rules(open, Op::Get).is_none());
        assert_eq!(decide_model(&field_only_models(true)[2], true, Op::Create, AuthMode::UserPools, Some(&a)), Decision::Deny);
    }

    #[test]
    fn custom_identity_and_group_claims() {
        let mut id = alice();
        id.claims.insert("email".into(), json!("a@x.io"));
        id.claims.insert("roles".into(), json!(["Ops"]));
        let r = rules(r#"type P @model @auth(rules: [{ allow: owner, identityClaim: "email" }, { allow: groups, groups: ["Ops"], groupClaim: "roles" }]) { id: ID! }"#);
        assert_eq!(id.claim_value(Some("email")), "a@x.io");
        let mut input = Map::new();
        assert!(prepare_create(&r[..1], &id, &mut input, &[]));
        assert_eq!(input["owner"], json!("a@x.io"));
        assert!(item_allowed(&r[..1], &id, &input));
        input.insert("owner".into(), json!("alice"));
        assert!(!item_allowed(&r[..1], &id, &input), "a custom claim matches only its own value");
        assert_eq!(decide(Some(&r[1..]), false, Op::Delete, AuthMode::UserPools, Some(&id)), Decision::Allow, "groupClaim roles");
        assert_eq!(decide(Some(&r[1..]), false, Op::Delete, AuthMode::UserPools, Some(&alice())), Decision::Deny);
    }

    #[test]
    fn owner_checks_filters_and_injection() {
        let r = rules(r#"type P @model @auth(rules: [{ allow: owner }]) { id: ID! }"#);
        let a = alice();
        let mut item = Map::new();
        for (stored, ok) in [("s-a::alice", true), ("s-a", true), ("alice", true), ("s-b::bob", false)] {
            item.insert("owner".into(), json!(stored));
            assert_eq!(item_allowed(&r, &a, &item), ok, "{stored}");
        }
        let f = auth_filter(&r, &a, &[]);
        assert_eq!(f["or"].as_array().unwrap().len(), 3);
        assert_eq!(f["or"][0], json!({"owner": {"eq": "s-a::alice"}}));
        let mut input = Map::new();
        assert!(prepare_create(&r, &a, &mut input, &[]));
        assert_eq!(input["owner"], json!("s-a::alice"));
        let mut other = Map::new();
        other.insert("owner".into(), json!("bob"));
        assert!(!prepare_create(&r, &a, &mut other, &[]));
        let multi = rules(r#"type P @model @auth(rules: [{ allow: owner, ownerField: "owners", identityClaim: "sub" }]) { id: ID! }"#);
        let mut input = Map::new();
        assert!(prepare_create(&multi, &a, &mut input, &["owners".to_string()]));
        assert_eq!(input["owners"], json!(["s-a"]));
        assert_eq!(auth_filter(&multi, &a, &["owners".to_string()])["or"][1], json!({"owners": {"contains": "s-a"}}));
    }
}
