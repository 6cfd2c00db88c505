//! `@auth` rules (<https://docs.amplify.aws/gen1/javascript/build-a-backend/graphqlapi/customize-authorization-rules/>)
//! and the multi-auth directives (`@aws_api_key`, `@aws_cognito_user_pools`, `@aws_iam`,
//! `@aws_oidc`, `@aws_lambda`) the transformer derives from them: a type or operation reachable
//! only through the API's default mode gets no directive; otherwise every mode that reaches it
//! is listed. With IAM enabled every model type and operation also gets `@aws_iam` (admin /
//! generic IAM access), as the fixtures show.
//!
//! Leaves out: the runtime checks (owner, groups) — the executor applies them from [`AuthRule`].

use super::sdl::{Directive, Field};
use async_graphql::Value;
use std::collections::BTreeSet;

/// An AppSync authorization mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthMode {
    /// `API_KEY`
    ApiKey,
    /// `AMAZON_COGNITO_USER_POOLS`
    UserPools,
    /// `AWS_IAM`
    Iam,
    /// `OPENID_CONNECT`
    Oidc,
    /// `AWS_LAMBDA`
    Lambda,
}

impl AuthMode {
    /// The multi-auth directive naming this mode.
    pub fn directive(self) -> &'static str {
        match self {
            AuthMode::ApiKey => "aws_api_key",
            AuthMode::UserPools => "aws_cognito_user_pools",
            AuthMode::Iam => "aws_iam",
            AuthMode::Oidc => "aws_oidc",
            AuthMode::Lambda => "aws_lambda",
        }
    }

    /// The control-plane `authenticationType` value.
    pub fn as_aws(self) -> &'static str {
        match self {
            AuthMode::ApiKey => "API_KEY",
            AuthMode::UserPools => "AMAZON_COGNITO_USER_POOLS",
            AuthMode::Iam => "AWS_IAM",
            AuthMode::Oidc => "OPENID_CONNECT",
            AuthMode::Lambda => "AWS_LAMBDA",
        }
    }

    /// Parse an `authenticationType` value.
    pub fn from_aws(s: &str) -> Option<Self> {
        Some(match s {
            "API_KEY" => AuthMode::ApiKey,
            "AMAZON_COGNITO_USER_POOLS" => AuthMode::UserPools,
            "AWS_IAM" => AuthMode::Iam,
            "OPENID_CONNECT" => AuthMode::Oidc,
            "AWS_LAMBDA" => AuthMode::Lambda,
            _ => return None,
        })
    }
}

/// The strategy of a rule (`allow:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// `public`
    Public,
    /// `private`
    Private,
    /// `owner`
    Owner,
    /// `groups`
    Groups,
    /// `custom`
    Custom,
}

/// One `@auth` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthRule {
    /// `allow`
    pub strategy: Strategy,
    /// The mode the rule is checked with (`provider`, defaulted per strategy).
    pub provider: AuthMode,
    /// `operations`, `None` meaning all.
    pub operations: Option<Vec<String>>,
    /// `ownerField` (owner rules; default `owner`).
    pub owner_field: Option<String>,
    /// `identityClaim` (owner rules; default `sub::username`).
    pub identity_claim: Option<String>,
    /// Static `groups`.
    pub groups: Vec<String>,
    /// `groupsField` (dynamic groups).
    pub groups_field: Option<String>,
    /// `groupClaim` (default `cognito:groups`).
    pub group_claim: Option<String>,
}

/// A model operation, for matching rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// create mutation
    Create,
    /// update mutation
    Update,
    /// delete mutation
    Delete,
    /// get query / relation read
    Get,
    /// list / index / relation query
    List,
    /// DataStore sync query
    Sync,
    /// subscriptions
    Listen,
}

impl AuthRule {
    /// Parse one rule object from `@auth(rules: [...])`.
    pub fn parse(v: &Value) -> Option<Self> {
        let Value::Object(o) = v else { return None };
        let s = |k: &str| match o.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Enum(s)) => Some(s.to_string()),
            _ => None,
        };
        let list = |k: &str| match o.get(k) {
            Some(Value::List(items)) => Some(
                items
                    .iter()
                    .filter_map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Enum(s) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        let strategy = match s("allow")?.as_str() {
            "public" => Strategy::Public,
            "private" => Strategy::Private,
            "owner" => Strategy::Owner,
            "groups" => Strategy::Groups,
            "custom" => Strategy::Custom,
            _ => return None,
        };
        let provider = match s("provider").as_deref() {
            Some("apiKey") => AuthMode::ApiKey,
            Some("iam") | Some("identityPool") => AuthMode::Iam,
            Some("oidc") => AuthMode::Oidc,
            Some("function") => AuthMode::Lambda,
            Some("userPools") => AuthMode::UserPools,
            _ => match strategy {
                Strategy::Public => AuthMode::ApiKey,
                Strategy::Custom => AuthMode::Lambda,
                _ => AuthMode::UserPools,
            },
        };
        Some(AuthRule {
            strategy,
            provider,
            operations: list("operations"),
            owner_field: s("ownerField").or_else(|| (strategy == Strategy::Owner).then(|| "owner".to_string())),
            identity_claim: s("identityClaim"),
            groups: list("groups").unwrap_or_default(),
            groups_field: s("groupsField"),
            group_claim: s("groupClaim"),
        })
    }

    /// Parse every rule of the `@auth` directive among `directives`.
    pub fn parse_all(directives: &[Directive]) -> Option<Vec<AuthRule>> {
        let d = directives.iter().find(|d| d.name == "auth")?;
        match d.arg("rules") {
            Some(Value::List(items)) => Some(items.iter().filter_map(AuthRule::parse).collect()),
            Some(v) => Some(AuthRule::parse(v).into_iter().collect()),
            None => Some(Vec::new()),
        }
    }

    /// Whether this rule grants `op`.
    pub fn allows(&self, op: Op) -> bool {
        let Some(ops) = &self.operations else { return true };
        ops.iter().any(|o| {
            matches!(
                (o.as_str(), op),
                ("create", Op::Create)
                    | ("update", Op::Update)
                    | ("delete", Op::Delete)
                    | ("read", Op::Get | Op::List | Op::Sync | Op::Listen)
                    | ("get", Op::Get)
                    | ("list", Op::List)
                    | ("sync", Op::Sync)
                    | ("listen", Op::Listen)
            )
        })
    }

    /// Whether this is an owner rule whose field is the dynamic owner.
    pub fn is_owner(&self) -> bool {
        self.strategy == Strategy::Owner
    }
}

/// The API-level settings the directives depend on.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The default mode.
    pub default_mode: AuthMode,
    /// Additional modes.
    pub additional: Vec<AuthMode>,
    /// Global "allow public" for models without `@auth` (Gen 1 `globalAuthRule`).
    pub sandbox: bool,
}

impl AuthSettings {
    /// IAM enabled: every model type and operation also gets `@aws_iam`.
    pub fn generic_iam(&self) -> bool {
        self.default_mode == AuthMode::Iam || self.additional.contains(&AuthMode::Iam)
    }

    /// Modes of `rules` (all of them, or those granting `op`); models without rules count as
    /// public-by-API-key in sandbox mode.
    pub fn modes(&self, rules: Option<&[AuthRule]>, op: Option<Op>) -> BTreeSet<AuthMode> {
        let mut set = BTreeSet::new();
        match rules {
            Some(rules) => {
                for r in rules {
                    if op.is_none_or(|op| r.allows(op)) {
                        set.insert(r.provider);
                    }
                }
            }
            None => {
                if self.sandbox {
                    set.insert(AuthMode::ApiKey);
                }
            }
        }
        if self.generic_iam() {
            set.insert(AuthMode::Iam);
        }
        set
    }

    /// The directives for a set of modes: none when only the default mode applies.
    pub fn directives(&self, modes: &BTreeSet<AuthMode>) -> Vec<Directive> {
        if modes.iter().all(|m| *m == self.default_mode) {
            return Vec::new();
        }
        modes.iter().map(|m| Directive::bare(m.directive())).collect()
    }

    /// Append the directives for `modes` to `field`.
    pub fn annotate(&self, field: &mut Field, modes: &BTreeSet<AuthMode>) {
        field.directives.extend(self.directives(modes));
    }
}
