//! The backend manifest (`amplocal.toml`): parsed and validated into typed specs before anything
//! is provisioned. Contract: /work/notes/manifest.md (README "Backend manifest"). Unknown keys,
//! wrong types, malformed fixed ids, unreadable or escaping paths and references to undefined
//! names are errors that name `file:line: key.path`. Leaves out: OIDC / Lambda auth modes,
//! hosted-UI (OAuth) client settings, Lambda triggers.

use super::spanned::{self, Loc, ManifestError, Source, Table};
use super::{manifest_auth, manifest_data};
use amplocal_s3::ops::cors::CorsRule;
use serde_json::{Map, Value};
use std::path::{Component, Path, PathBuf};

/// A parsed manifest.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// The path as given (for messages).
    pub file: String,
    /// The directory relative paths resolve against.
    pub dir: PathBuf,
    /// Region of every resource.
    pub region: String,
    /// What amplify_outputs.json points at (default `https://localhost:<port>`).
    pub public_url: Option<String>,
    /// `[[user_pool]]`.
    pub user_pools: Vec<UserPoolSpec>,
    /// `[[identity_pool]]`.
    pub identity_pools: Vec<IdentityPoolSpec>,
    /// `[[bucket]]`.
    pub buckets: Vec<BucketSpec>,
    /// `[[graphql_api]]`.
    pub graphql_apis: Vec<GraphqlApiSpec>,
    /// `[outputs]`: which resource of each kind the outputs file describes (names).
    pub outputs: OutputsSpec,
}

/// `[user_pool.password_policy]`.
#[derive(Debug, Clone, Default)]
pub struct PasswordPolicySpec {
    /// Minimum length (6-99).
    pub minimum_length: Option<i64>,
    /// Lower-case letter required.
    pub require_lowercase: Option<bool>,
    /// Upper-case letter required.
    pub require_uppercase: Option<bool>,
    /// Digit required.
    pub require_numbers: Option<bool>,
    /// Symbol required.
    pub require_symbols: Option<bool>,
    /// Temporary password validity.
    pub temporary_password_validity_days: Option<i64>,
}

/// `[[user_pool.attribute]]`.
#[derive(Debug, Clone)]
pub struct AttributeSpec {
    /// Where it is.
    pub loc: Loc,
    /// `email` or `custom:team`.
    pub name: String,
    /// Required (standard attributes only).
    pub required: bool,
    /// String | Number | DateTime | Boolean (custom only).
    pub data_type: String,
    /// Mutable (custom only).
    pub mutable: bool,
}

/// `[[user_pool.group]]`.
#[derive(Debug, Clone)]
pub struct GroupSpec {
    /// Where it is.
    pub loc: Loc,
    /// Group name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Precedence.
    pub precedence: Option<i64>,
}

/// `[[user_pool.client]]`.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// Where it is.
    pub loc: Loc,
    /// Client name (also the manifest name).
    pub name: String,
    /// Fixed client id.
    pub id: Option<String>,
    /// Generate a secret.
    pub secret: bool,
    /// ExplicitAuthFlows (empty = Cognito's default).
    pub auth_flows: Vec<String>,
}

/// `[[user_pool.user]]`.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Where it is.
    pub loc: Loc,
    /// Username (or email / phone when the pool signs in with those).
    pub username: String,
    /// Permanent password.
    pub password: String,
    /// Attributes.
    pub attributes: Vec<(String, String)>,
    /// Groups joined at creation.
    pub groups: Vec<String>,
}

/// `[[user_pool]]`.
#[derive(Debug, Clone)]
pub struct UserPoolSpec {
    /// Where it is.
    pub loc: Loc,
    /// Manifest name (also the PoolName).
    pub name: String,
    /// Fixed pool id.
    pub id: Option<String>,
    /// `email` / `phone_number`.
    pub username_attributes: Vec<String>,
    /// Auto-verified attributes.
    pub auto_verified_attributes: Vec<String>,
    /// OFF | ON | OPTIONAL.
    pub mfa: String,
    /// TOTP | SMS | EMAIL.
    pub mfa_methods: Vec<String>,
    /// PreventUserExistenceErrors on every client.
    pub prevent_user_existence_errors: bool,
    /// Password policy.
    pub password_policy: PasswordPolicySpec,
    /// Attributes.
    pub attributes: Vec<AttributeSpec>,
    /// Groups.
    pub groups: Vec<GroupSpec>,
    /// App clients.
    pub clients: Vec<ClientSpec>,
    /// Seed users.
    pub users: Vec<UserSpec>,
}

/// `[[identity_pool]]`.
#[derive(Debug, Clone)]
pub struct IdentityPoolSpec {
    /// Where it is.
    pub loc: Loc,
    /// Manifest name (also the IdentityPoolName).
    pub name: String,
    /// Fixed id.
    pub id: Option<String>,
    /// Guest access.
    pub allow_unauthenticated: bool,
    /// (user_pool name, client name) pairs.
    pub providers: Vec<(String, String, Loc)>,
    /// Role of signed-in identities.
    pub authenticated_role: String,
    /// Role of guests.
    pub unauthenticated_role: String,
}

/// `[[bucket]]`.
#[derive(Debug, Clone)]
pub struct BucketSpec {
    /// Where it is.
    pub loc: Loc,
    /// Bucket name.
    pub name: String,
    /// CORS rules (none: S3's permissive local default stays).
    pub cors: Vec<CorsRule>,
}

/// `[[graphql_api.seed]]`: items for one model.
#[derive(Debug, Clone)]
pub struct SeedSpec {
    /// Where it is.
    pub loc: Loc,
    /// Model type name.
    pub model: String,
    /// Items (JSON objects).
    pub items: Vec<Map<String, Value>>,
}

/// `[[graphql_api]]`.
#[derive(Debug, Clone)]
pub struct GraphqlApiSpec {
    /// Where it is.
    pub loc: Loc,
    /// Manifest name (also the API name).
    pub name: String,
    /// Fixed API id.
    pub id: Option<String>,
    /// Schema file as written in the manifest.
    pub schema_path: String,
    /// Where `schema` is.
    pub schema_loc: Loc,
    /// Schema text.
    pub schema: String,
    /// Default authorization type.
    pub default_auth: String,
    /// Additional authorization types (API_KEY added when `api_key` is set).
    pub additional_auth: Vec<String>,
    /// Fixed API key.
    pub api_key: Option<String>,
    /// Manifest name of the user pool.
    pub user_pool: Option<String>,
    /// DataStore conflict detection.
    pub conflict_detection: bool,
    /// Seed data.
    pub seeds: Vec<SeedSpec>,
}

/// `[outputs]`.
#[derive(Debug, Clone, Default)]
pub struct OutputsSpec {
    /// User pool name.
    pub user_pool: Option<String>,
    /// Client name.
    pub client: Option<String>,
    /// Identity pool name.
    pub identity_pool: Option<String>,
    /// GraphQL API name.
    pub graphql_api: Option<String>,
    /// Bucket name.
    pub bucket: Option<String>,
}

pub(super) type R<T> = Result<T, ManifestError>;

pub(super) const AUTH_MODES: &[&str] = &["API_KEY", "AMAZON_COGNITO_USER_POOLS", "AWS_IAM"];
pub(super) const STANDARD_ATTRS: &[&str] = &[
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "email",
    "gender", "birthdate", "zoneinfo", "locale", "phone_number", "address", "updated_at",
];

pub(super) fn lower_alnum(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

pub(super) fn one_of(src: &Source<'_>, loc: &Loc, v: &str, allowed: &[&str]) -> R<()> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(src.err(loc, format!("must be one of {}, not \"{v}\"", allowed.join(", "))))
    }
}

/// A manifest-relative path that stays inside the manifest's directory.
pub(super) fn inside(src: &Source<'_>, dir: &Path, rel: &str, loc: &Loc) -> R<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(src.err(loc, format!("\"{rel}\" must be a relative path inside the manifest's directory (no .., no absolute path)")));
    }
    Ok(dir.join(p))
}

/// Read a manifest-relative file; a symlink may not lead out of the manifest's directory.
pub(super) fn read_file(src: &Source<'_>, dir: &Path, rel: &str, loc: &Loc) -> R<String> {
    let path = inside(src, dir, rel, loc)?;
    let cannot = |e: std::io::Error| {
        let why = if e.kind() == std::io::ErrorKind::NotFound { "file not found".to_string() } else { e.to_string() };
        src.err(loc, format!("cannot read {}: {why}", path.display()))
    };
    let real = std::fs::canonicalize(&path).map_err(cannot)?;
    let root = std::fs::canonicalize(dir).map_err(cannot)?;
    if !real.starts_with(&root) {
        return Err(src.err(loc, format!("\"{rel}\" resolves to {}, outside the manifest's directory", real.display())));
    }
    std::fs::read_to_string(&real).map_err(cannot)
}

fn unique<'x>(src: &Source<'_>, kind: &str, items: impl Iterator<Item = (&'x str, &'x Loc)>) -> R<()> {
    let mut seen: Vec<&str> = Vec::new();
    for (name, loc) in items {
        if seen.contains(&name) {
            return Err(src.err(loc, format!("duplicate {kind} \"{name}\"")));
        }
        seen.push(name);
    }
    Ok(())
}

impl Manifest {
    /// Read and validate the manifest at `path` (schema and seed files are read too).
    pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ManifestError { file: file.clone(), line: 1, key: String::new(), message: format!("cannot read the manifest: {e}") })?;
        let dir = path.parent().map(Path::to_path_buf).filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| PathBuf::from("."));
        Self::parse(&file, &text, dir)
    }

    /// Parse manifest `text` (named `file` in messages) whose relative paths resolve in `dir`.
    pub fn parse(file: &str, text: &str, dir: PathBuf) -> Result<Manifest, ManifestError> {
        let src = Source { file, text };
        let doc = spanned::parse(&src, text)?;
        let mut root = Table::root(&src, &doc);
        let region = match root.opt_string("region")? {
            Some((r, loc)) => {
                let ok = r.split('-').count() >= 3 && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                if !ok {
                    return Err(src.err(&loc, "not a region name (e.g. us-east-1)"));
                }
                r
            }
            None => amplocal_core::DEFAULT_REGION.to_string(),
        };
        let public_url = root.opt_string("public_url")?;
        if let Some((u, loc)) = &public_url {
            if !(u.starts_with("http://") || u.starts_with("https://")) || u.ends_with('/') {
                return Err(src.err(loc, "must be an http:// or https:// URL without a trailing slash"));
            }
        }
        let mut m = Manifest { file: file.to_string(), dir, region, public_url: public_url.map(|u| u.0), ..Manifest::default() };
        m.user_pools = root.tables("user_pool")?.into_iter().map(|t| manifest_auth::user_pool(t, &m.region)).collect::<R<_>>()?;
        unique(&src, "user_pool name", m.user_pools.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        m.identity_pools = root.tables("identity_pool")?.into_iter().map(|t| manifest_auth::identity_pool(t, &m)).collect::<R<_>>()?;
        unique(&src, "identity_pool name", m.identity_pools.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        m.buckets = root.tables("bucket")?.into_iter().map(manifest_data::bucket).collect::<R<_>>()?;
        unique(&src, "bucket name", m.buckets.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        m.graphql_apis = root.tables("graphql_api")?.into_iter().map(|t| manifest_data::graphql_api(t, &m)).collect::<R<_>>()?;
        unique(&src, "graphql_api name", m.graphql_apis.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        if let Some((i, a)) = m.graphql_apis.iter().enumerate().find(|(_, a)| a.conflict_detection != m.graphql_apis[0].conflict_detection) {
            let loc = Loc { line: a.loc.line, key: format!("graphql_api[{i}].conflict_detection") };
            return Err(src.err(&loc, "must be the same on every graphql_api (amplocal applies conflict detection to the whole AppSync service)"));
        }
        let pool_ids = m.user_pools.iter().filter_map(|p| p.id.as_deref().map(|i| (i, &p.loc)));
        unique(&src, "user_pool id", pool_ids)?;
        let client_ids = m.user_pools.iter().flat_map(|p| p.clients.iter()).filter_map(|c| c.id.as_deref().map(|i| (i, &c.loc)));
        unique(&src, "client id", client_ids)?;
        unique(&src, "identity_pool id", m.identity_pools.iter().filter_map(|p| p.id.as_deref().map(|i| (i, &p.loc))))?;
        unique(&src, "graphql_api id", m.graphql_apis.iter().filter_map(|p| p.id.as_deref().map(|i| (i, &p.loc))))?;
        let out = root.get("outputs").map(|v| v.table()).transpose()?;
        m.outputs = manifest_data::outputs(out, &m)?;
        root.finish()?;
        Ok(m)
    }

    /// An error located at `loc` of this manifest (for provisioning failures).
    pub fn error_at(&self, loc: &Loc, message: impl std::fmt::Display) -> ManifestError {
        ManifestError { file: self.file.clone(), line: loc.line, key: loc.key.clone(), message: message.to_string() }
    }

    /// Whether any API asks for DataStore conflict detection (applied service-wide).
    pub fn conflict_detection(&self) -> bool {
        self.graphql_apis.iter().any(|a| a.conflict_detection)
    }
}
