//! What field-level `@auth` rules on a `@model` type add to the multi-auth directives
//! (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/customize-authorization-rules/#field-level-authorization-rules>),
//! as `@aws-amplify/graphql-auth-transformer` computes them from its access-control matrix:
//!
//! - every rule is a *role* (provider + strategy + owner / group entity); a field with its own
//!   `@auth` takes the model's roles off that field and grants the field's roles on it;
//! - the type (and its connection type) gets the directives of every role, model or field;
//! - an operation gets the directives of the roles granted it on at least one field — for
//!   `delete`, only roles granted delete on every field (so a role known only to one field
//!   cannot delete the item);
//! - owner roles granted `listen` add their owner argument to the subscriptions, and owner
//!   fields the rules name but the type does not declare are added to it.
//!
//! Models without field rules get exactly the model-level result. Leaves out: propagating the
//! directives to non-model object types used as field types.

use super::auth::{AuthMode, AuthRule, AuthSettings, Op, Strategy};
use super::model::ModelDef;
use std::collections::{BTreeMap, BTreeSet};

/// `(field, its @auth rules)` of every field carrying `@auth`.
pub fn field_rules(m: &ModelDef) -> Vec<(String, Vec<AuthRule>)> {
    m.fields.iter().filter_map(|f| Some((f.name.clone(), AuthRule::parse_all(&f.directives)?))).collect()
}

/// The role names of a rule (one per static group), as the transformer's role map keys them.
fn role_keys(r: &AuthRule) -> Vec<String> {
    let p = r.provider.as_aws();
    match r.strategy {
        Strategy::Groups if r.groups_field.is_none() => r.groups.iter().map(|g| format!("{p}:staticGroup:{g}:{}", r.group_claim.as_deref().unwrap_or(""))).collect(),
        Strategy::Groups => vec![format!("{p}:dynamicGroup:{}:{}", r.groups_field.as_deref().unwrap_or(""), r.group_claim.as_deref().unwrap_or(""))],
        Strategy::Owner => vec![format!("{p}:owner:{}:{}", r.owner_field.as_deref().unwrap_or(""), r.identity_claim.as_deref().unwrap_or(""))],
        Strategy::Public => vec![format!("{p}:public")],
        Strategy::Private => vec![format!("{p}:private")],
        Strategy::Custom => vec![format!("{p}:custom")],
    }
}

/// The rules whose roles are granted `op` (`None`: every rule) — on at least one field, or on
/// every field for `delete`. Model rules first, then field rules in field order.
pub fn granted_rules(m: &ModelDef, op: Option<Op>) -> Vec<AuthRule> {
    let model_rules = m.rules.clone().unwrap_or_default();
    let fields = field_rules(m);
    let all = model_rules.iter().chain(fields.iter().flat_map(|(_, r)| r.iter()));
    let Some(op) = op else { return all.cloned().collect() };
    // role → fields on which it is granted `op`
    let mut grants: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for f in &m.fields {
        let rules = fields.iter().find(|(n, _)| n == &f.name).map_or(model_rules.as_slice(), |(_, r)| r.as_slice());
        for r in rules.iter().filter(|r| r.allows(op)) {
            for k in role_keys(r) {
                grants.entry(k).or_default().insert(f.name.as_str());
            }
        }
    }
    let granted = |r: &AuthRule| {
        role_keys(r).iter().any(|k| grants.get(k).is_some_and(|on| if op == Op::Delete { on.len() == m.fields.len() } else { !on.is_empty() }))
    };
    let mut out: Vec<AuthRule> = Vec::new();
    for r in all.filter(|r| granted(r)) {
        if !out.contains(r) {
            out.push(r.clone());
        }
    }
    out
}

/// The modes that reach model `m`'s type (`op` `None`) or operation `op`, field rules included.
pub fn model_modes(auth: &AuthSettings, m: &ModelDef, op: Option<Op>) -> BTreeSet<AuthMode> {
    if m.fields.iter().all(|f| f.directive("auth").is_none()) {
        return auth.modes(m.rules.as_deref(), op);
    }
    auth.modes(Some(&granted_rules(m, op)), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transform::auth::AuthMode::{ApiKey, UserPools};
    use crate::transform::{transform, TransformConfig};

    fn modes(schema: &str, op: Option<Op>) -> Vec<AuthMode> {
        let auth = AuthSettings { default_mode: ApiKey, additional: vec![UserPools], sandbox: false };
        let cfg = TransformConfig { auth: auth.clone(), versioned: false, api_id: "a".into(), env: "NONE".into() };
        let m = transform(schema, &cfg).unwrap().models.remove(0);
        model_modes(&auth, &m, op).into_iter().collect()
    }

    // The cases of the auth transformer's own multi-auth tests ("Field level @auth is
    // propagated to type and the type related operations", default API key + user pools).
    #[test]
    fn field_rules_reach_type_and_operations() {
        let owner_public = "type Post @model { id: ID title: String protected: String @auth(rules: [{allow: owner}, {allow: public, operations: [read]}]) }";
        for op in [None, Some(Op::Get), Some(Op::List), Some(Op::Listen)] {
            assert_eq!(modes(owner_public, op), vec![ApiKey, UserPools], "{op:?}");
        }
        assert_eq!(modes(owner_public, Some(Op::Create)), vec![UserPools]);
        assert_eq!(modes(owner_public, Some(Op::Update)), vec![UserPools]);
        assert_eq!(modes(owner_public, Some(Op::Delete)), vec![], "a role on one field cannot delete");
        let groups = "type Post @model { id: ID title: String protected: String @auth(rules: [{allow: groups, groups: [\"admin\"]}]) }";
        assert_eq!((modes(groups, Some(Op::Get)), modes(groups, Some(Op::Delete))), (vec![UserPools], vec![]));
        let both = "type Post @model @auth(rules: [{allow: groups, groups: [\"admin\"]}]) { id: ID title: String protected: String @auth(rules: [{allow: groups, groups: [\"admin\"]}, {allow: public, operations: [read]}]) }";
        assert_eq!(modes(both, Some(Op::List)), vec![ApiKey, UserPools]);
        assert_eq!(modes(both, Some(Op::Delete)), vec![UserPools], "the model role is granted delete again on the field");
        assert_eq!(modes(both, Some(Op::Create)), vec![UserPools]);
    }
}
