//! Multi-auth directives on non-model object types (`type Address { … }` used as a model
//! field's type), as `@aws-amplify/graphql-auth-transformer` propagates them
//! (`propagateAuthDirectivesToNestedTypes`): every non-model object type reachable from a model
//! with `@auth` rules (type or field level) through field types — recursively through other
//! non-model types — gets the directives of the union of those models' modes, so a caller
//! admitted to the model by any of its modes can also select the nested fields. Only the
//! default mode reaching a type adds nothing. Directives the schema author wrote stay.
//!
//! Leaves out: nested types of models without any `@auth` (the transformer does not visit
//! them either).

use super::auth::{AuthMode, AuthSettings};
use super::field_rules::model_modes;
use super::model::ModelDef;
use super::sdl::{base_type, Document, Kind};
use std::collections::{BTreeMap, BTreeSet};

/// Add the propagated directives to the non-model object types of `out`.
pub fn propagate(out: &mut Document, models: &[ModelDef], auth: &AuthSettings) {
    let is_model = |name: &str| models.iter().any(|m| m.name == name);
    let mut reached: BTreeMap<String, BTreeSet<AuthMode>> = BTreeMap::new();
    for m in models.iter().filter(|m| m.rules.is_some() || m.fields.iter().any(|f| f.directive("auth").is_some())) {
        let modes = model_modes(auth, m, None);
        let mut stack: Vec<String> = m.fields.iter().map(|f| base_type(&f.ty).to_string()).collect();
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            if is_model(&name) || !seen.insert(name.clone()) {
                continue;
            }
            let Some(t) = out.types.iter().find(|t| t.name == name && t.kind == Kind::Object) else { continue };
            stack.extend(t.fields.iter().map(|f| base_type(&f.ty).to_string()));
            reached.entry(name).or_default().extend(modes.iter().copied());
        }
    }
    for (name, modes) in reached {
        let Some(t) = out.types.iter_mut().find(|t| t.name == name) else { continue };
        for d in auth.directives(&modes) {
            if t.directive(&d.name).is_none() {
                t.directives.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::transform::auth::AuthMode::{self, ApiKey, Iam, UserPools};
    use crate::transform::auth::AuthSettings;
    use crate::transform::{transform, TransformConfig};

    fn type_directives(schema: &str, default: AuthMode, additional: Vec<AuthMode>, ty: &str) -> Vec<String> {
        let cfg = TransformConfig { auth: AuthSettings { default_mode: default, additional, sandbox: false }, versioned: false, api_id: "a".into(), env: "NONE".into() };
        let out = transform(schema, &cfg).unwrap();
        let t = out.document.get(ty).unwrap();
        let mut d: Vec<String> = t.directives.iter().map(|d| d.name.clone()).collect();
        d.sort();
        d
    }

    // The cases of the auth transformer's multi-auth tests for nested non-model types.
    #[test]
    fn nested_types_get_the_models_modes() {
        let nested = |rules: &str| format!("type Post @model {rules} {{ id: ID! title: String! location: Location status: Status }} type Location {{ name: String address: Address }} type Address {{ street: String city: String }} enum Status {{ PUBLISHED DRAFT }}");
        let both = vec!["aws_api_key".to_string(), "aws_cognito_user_pools".to_string()];
        let s = nested("@auth(rules: [{allow: private}, {allow: public}])");
        assert_eq!((type_directives(&s, UserPools, vec![ApiKey], "Location"), type_directives(&s, UserPools, vec![ApiKey], "Address")), (both.clone(), both));
        assert!(type_directives(&nested(""), Iam, vec![UserPools], "Location").is_empty(), "no @auth: nothing propagated");
        assert!(type_directives(&nested("@auth(rules: [{allow: private, provider: iam}])"), Iam, vec![UserPools], "Address").is_empty(), "only the default mode");
        let iam_user = vec!["aws_cognito_user_pools".to_string(), "aws_iam".to_string()];
        let recursive = "type Post @model @auth(rules: [{allow: owner}]) { id: ID! tags: [Tag] } type Comment @model @auth(rules: [{allow: private, provider: iam}]) { id: ID! tags: [Tag] } type Tag { id: ID tags: [Tag] }";
        assert_eq!(type_directives(recursive, UserPools, vec![Iam], "Tag"), iam_user);
        let one = "type Post @model @auth(rules: [{allow: owner}, {allow: private, operations: [read], provider: iam}]) { id: ID! tags: [Tag] } type Tag { id: ID tags: [Tag] }";
        assert_eq!(type_directives(one, UserPools, vec![Iam], "Tag"), iam_user);
    }
}
