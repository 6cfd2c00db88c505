//! The backend manifest (`amplocal.toml`): parsed and validated into typed specs before anything
//! is provisioned. Contract: /work/notes/manifest.md (README "Backend manifest"). Unknown keys,
//! wrong types, malformed fixed ids, unreadable or escaping paths and references to undefined
//! names are errors that name `file:line: key.path`. Leaves out: OIDC / Lambda auth modes,
//! hosted-UI (OAuth) client settings, Lambda triggers.

use super::spanned::{self, Loc, ManifestError, Source, Table};
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

type R<T> = Result<T, ManifestError>;

const AUTH_MODES: &[&str] = &["API_KEY", "AMAZON_COGNITO_USER_POOLS", "AWS_IAM"];
const STANDARD_ATTRS: &[&str] = &[
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture", "website", "email",
    "gender", "birthdate", "zoneinfo", "locale", "phone_number", "address", "updated_at",
];

fn lower_alnum(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn one_of(src: &Source<'_>, loc: &Loc, v: &str, allowed: &[&str]) -> R<()> {
    if allowed.contains(&v) {
        Ok(())
    } else {
        Err(src.err(loc, format!("must be one of {}, not \"{v}\"", allowed.join(", "))))
    }
}

/// A manifest-relative path that stays inside the manifest's directory.
fn inside(src: &Source<'_>, dir: &Path, rel: &str, loc: &Loc) -> R<PathBuf> {
    let p = Path::new(rel);
    if rel.is_empty() || p.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        return Err(src.err(loc, format!("\"{rel}\" must be a relative path inside the manifest's directory (no .., no absolute path)")));
    }
    Ok(dir.join(p))
}

fn read_file(src: &Source<'_>, dir: &Path, rel: &str, loc: &Loc) -> R<String> {
    let path = inside(src, dir, rel, loc)?;
    std::fs::read_to_string(&path).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::NotFound { "file not found".to_string() } else { e.to_string() };
        src.err(loc, format!("cannot read {}: {why}", path.display()))
    })
}

fn password_policy(t: Option<Table<'_, '_>>) -> R<PasswordPolicySpec> {
    let Some(mut t) = t else { return Ok(PasswordPolicySpec::default()) };
    let min = t.opt_int("minimum_length")?;
    if let Some((m, loc)) = &min {
        if !(6..=99).contains(m) {
            return Err(t.src().err(loc, "must be between 6 and 99"));
        }
    }
    let p = PasswordPolicySpec {
        minimum_length: min.map(|m| m.0),
        require_lowercase: t.opt_bool("require_lowercase")?,
        require_uppercase: t.opt_bool("require_uppercase")?,
        require_numbers: t.opt_bool("require_numbers")?,
        require_symbols: t.opt_bool("require_symbols")?,
        temporary_password_validity_days: t.opt_int("temporary_password_validity_days")?.map(|d| d.0),
    };
    t.finish()?;
    Ok(p)
}

fn attribute(mut t: Table<'_, '_>) -> R<AttributeSpec> {
    let src = t.src();
    let (name, nloc) = t.string("name")?;
    let required = t.opt_bool("required")?;
    let data_type = t.opt_string("type")?;
    let mutable = t.opt_bool("mutable")?;
    let custom = name.strip_prefix("custom:").filter(|n| !n.is_empty());
    if custom.is_none() && !STANDARD_ATTRS.contains(&name.as_str()) {
        return Err(src.err(&nloc, format!("\"{name}\" is not a standard attribute (custom attributes need the custom: prefix)")));
    }
    if custom.is_some() && required == Some(true) {
        return Err(src.err(&nloc, "custom attributes cannot be required"));
    }
    if let (None, Some((_, loc))) = (custom, &data_type) {
        return Err(src.err(loc, "only custom: attributes take a type"));
    }
    if let Some((ty, loc)) = &data_type {
        one_of(src, loc, ty, &["String", "Number", "DateTime", "Boolean"])?;
    }
    let spec = AttributeSpec { loc: t.loc.clone(), name, required: required.unwrap_or(false), data_type: data_type.map(|d| d.0).unwrap_or_else(|| "String".into()), mutable: mutable.unwrap_or(true) };
    t.finish()?;
    Ok(spec)
}

fn user_pool(mut t: Table<'_, '_>, region: &str) -> R<UserPoolSpec> {
    let src = t.src();
    let (name, _) = t.string("name")?;
    let id = t.opt_string("id")?;
    if let Some((id, loc)) = &id {
        let ok = id.strip_prefix(region).and_then(|r| r.strip_prefix('_')).is_some_and(|r| !r.is_empty() && r.len() <= 40 && r.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !ok {
            return Err(src.err(loc, format!("must be {region}_ followed by letters and digits (e.g. {region}_Abc123)")));
        }
    }
    let (username_attributes, ua_loc) = t.strings("username_attributes")?;
    for a in &username_attributes {
        one_of(src, &ua_loc, a, &["email", "phone_number"])?;
    }
    let (auto_verified_attributes, av_loc) = t.strings("auto_verified_attributes")?;
    for a in &auto_verified_attributes {
        one_of(src, &av_loc, a, &["email", "phone_number"])?;
    }
    let mfa = t.opt_string("mfa")?;
    if let Some((m, loc)) = &mfa {
        one_of(src, loc, m, &["OFF", "ON", "OPTIONAL"])?;
    }
    let (mfa_methods, mm_loc) = t.strings("mfa_methods")?;
    for m in &mfa_methods {
        one_of(src, &mm_loc, m, &["TOTP", "SMS", "EMAIL"])?;
    }
    let prevent = t.opt_bool("prevent_user_existence_errors")?.unwrap_or(false);
    let policy = t.get("password_policy").map(|v| v.table()).transpose()?;
    let password_policy = password_policy(policy)?;
    let attributes = t.tables("attribute")?.into_iter().map(attribute).collect::<R<Vec<_>>>()?;
    let mut groups = Vec::new();
    for mut g in t.tables("group")? {
        let (gname, gloc) = g.string("name")?;
        if groups.iter().any(|x: &GroupSpec| x.name == gname) {
            return Err(src.err(&gloc, format!("duplicate group \"{gname}\"")));
        }
        groups.push(GroupSpec { loc: g.loc.clone(), name: gname, description: g.opt_string("description")?.map(|d| d.0), precedence: g.opt_int("precedence")?.map(|p| p.0) });
        g.finish()?;
    }
    let mut clients = Vec::new();
    for mut c in t.tables("client")? {
        let (cname, cloc) = c.string("name")?;
        if clients.iter().any(|x: &ClientSpec| x.name == cname) {
            return Err(src.err(&cloc, format!("duplicate client \"{cname}\"")));
        }
        let id = c.opt_string("id")?;
        if let Some((id, loc)) = &id {
            if !lower_alnum(id, 26) {
                return Err(src.err(loc, "must be 26 characters of [a-z0-9]"));
            }
        }
        let secret = c.opt_bool("secret")?.unwrap_or(false);
        let auth_flows = c.strings("auth_flows")?.0;
        clients.push(ClientSpec { loc: c.loc.clone(), name: cname, id: id.map(|i| i.0), secret, auth_flows });
        c.finish()?;
    }
    let mut users = Vec::new();
    for mut u in t.tables("user")? {
        let (username, _) = u.string("username")?;
        let (password, _) = u.string("password")?;
        let mut attributes = Vec::new();
        if let Some(a) = u.get("attributes") {
            let mut at = a.table()?;
            for k in at.keys() {
                if let Some(v) = at.get(&k) {
                    attributes.push((k, v.string()?));
                }
            }
        }
        let (ugroups, gloc) = u.strings("groups")?;
        if let Some(g) = ugroups.iter().find(|g| !groups.iter().any(|x| &x.name == *g)) {
            return Err(src.err(&gloc, format!("no group named \"{g}\" in user_pool \"{name}\"")));
        }
        users.push(UserSpec { loc: u.loc.clone(), username, password, attributes, groups: ugroups });
        u.finish()?;
    }
    let spec = UserPoolSpec {
        loc: t.loc.clone(),
        name,
        id: id.map(|i| i.0),
        username_attributes,
        auto_verified_attributes,
        mfa: mfa.map(|m| m.0).unwrap_or_else(|| "OFF".into()),
        mfa_methods,
        prevent_user_existence_errors: prevent,
        password_policy,
        attributes,
        groups,
        clients,
        users,
    };
    t.finish()?;
    Ok(spec)
}

fn identity_pool(mut t: Table<'_, '_>, m: &Manifest) -> R<IdentityPoolSpec> {
    let src = t.src();
    let (name, _) = t.string("name")?;
    let id = t.opt_string("id")?;
    if let Some((id, loc)) = &id {
        let ok = id.strip_prefix(&m.region).and_then(|r| r.strip_prefix(':')).is_some_and(|u| uuid::Uuid::parse_str(u).is_ok() && u.len() == 36);
        if !ok {
            return Err(src.err(loc, format!("must be {}:<uuid> (e.g. {}:6c1b2a9e-0000-4000-8000-000000000001)", m.region, m.region)));
        }
    }
    let allow_unauthenticated = t.opt_bool("allow_unauthenticated")?.unwrap_or(false);
    let mut providers = Vec::new();
    for mut p in t.tables("providers")? {
        let (pool, ploc) = p.string("user_pool")?;
        let (client, cloc) = p.string("client")?;
        let Some(up) = m.user_pools.iter().find(|u| u.name == pool) else {
            return Err(src.err(&ploc, format!("no user_pool named \"{pool}\"")));
        };
        if !up.clients.iter().any(|c| c.name == client) {
            return Err(src.err(&cloc, format!("no client named \"{client}\" in user_pool \"{pool}\"")));
        }
        providers.push((pool, client, p.loc.clone()));
        p.finish()?;
    }
    let role = |kind: &str| format!("arn:aws:iam::{}:role/amplocal-{name}-{kind}", amplocal_core::DEFAULT_ACCOUNT);
    let authenticated_role = t.opt_string("authenticated_role")?.map(|r| r.0).unwrap_or_else(|| role("authenticated"));
    let unauthenticated_role = t.opt_string("unauthenticated_role")?.map(|r| r.0).unwrap_or_else(|| role("unauthenticated"));
    let spec = IdentityPoolSpec { loc: t.loc.clone(), name, id: id.map(|i| i.0), allow_unauthenticated, providers, authenticated_role, unauthenticated_role };
    t.finish()?;
    Ok(spec)
}

fn bucket(mut t: Table<'_, '_>) -> R<BucketSpec> {
    let src = t.src();
    let (name, nloc) = t.string("name")?;
    if !amplocal_s3::ops::bucket::valid_bucket_name(&name) {
        return Err(src.err(&nloc, "not a valid bucket name (3-63 characters of a-z, 0-9, . and -)"));
    }
    let mut cors = Vec::new();
    for mut r in t.tables("cors")? {
        let (allowed_methods, mloc) = r.strings("allowed_methods")?;
        for m in &allowed_methods {
            one_of(src, &mloc, m, &["GET", "PUT", "POST", "DELETE", "HEAD"])?;
        }
        let (allowed_origins, oloc) = r.strings("allowed_origins")?;
        if allowed_origins.is_empty() || allowed_methods.is_empty() {
            let loc = if allowed_origins.is_empty() { oloc } else { mloc };
            return Err(src.err(&loc, "must list at least one value"));
        }
        let rule = CorsRule {
            id: r.opt_string("id")?.map(|i| i.0),
            allowed_origins,
            allowed_methods,
            allowed_headers: r.strings("allowed_headers")?.0,
            expose_headers: r.strings("expose_headers")?.0,
            max_age: r.opt_int("max_age_seconds")?.map(|m| m.0.max(0) as u64),
        };
        r.finish()?;
        cors.push(rule);
    }
    let spec = BucketSpec { loc: t.loc.clone(), name, cors };
    t.finish()?;
    Ok(spec)
}

fn seed(mut s: Table<'_, '_>, dir: &Path) -> R<SeedSpec> {
    let src = s.src();
    let (model, _) = s.string("model")?;
    let file = s.opt_string("file")?;
    let inline = s.get("items");
    let items: Vec<(Value, Loc)> = match (file, inline) {
        (Some(_), Some(i)) => return Err(src.err(&i.loc, "give either file or items, not both")),
        (None, None) => return Err(src.err(&s.loc, "needs file or items")),
        (Some((f, loc)), None) => {
            let text = read_file(src, dir, &f, &loc)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(a)) => a.into_iter().map(|v| (v, loc.clone())).collect(),
                Ok(_) => return Err(src.err(&loc, format!("{f}: expected a JSON array of objects"))),
                Err(e) => return Err(src.err(&loc, format!("{f}: invalid JSON: {e}"))),
            }
        }
        (None, Some(i)) => i.array()?.iter().map(|v| Ok((v.json()?, v.loc.clone()))).collect::<R<_>>()?,
    };
    let items = items
        .into_iter()
        .map(|(v, loc)| match v {
            Value::Object(o) => Ok(o),
            _ => Err(src.err(&loc, "each seed item must be an object")),
        })
        .collect::<R<Vec<_>>>()?;
    let spec = SeedSpec { loc: s.loc.clone(), model, items };
    s.finish()?;
    Ok(spec)
}

fn graphql_api(mut t: Table<'_, '_>, m: &Manifest) -> R<GraphqlApiSpec> {
    let src = t.src();
    let (name, _) = t.string("name")?;
    let id = t.opt_string("id")?;
    if let Some((id, loc)) = &id {
        if !lower_alnum(id, 26) {
            return Err(src.err(loc, "must be 26 characters of [a-z0-9]"));
        }
    }
    let (schema_path, sloc) = t.string("schema")?;
    let schema = read_file(src, &m.dir, &schema_path, &sloc)?;
    let default_auth = t.opt_string("default_auth")?;
    if let Some((d, loc)) = &default_auth {
        one_of(src, loc, d, AUTH_MODES)?;
    }
    let default_auth = default_auth.map(|d| d.0).unwrap_or_else(|| "API_KEY".into());
    let (mut additional_auth, aloc) = t.strings("additional_auth")?;
    for a in &additional_auth {
        one_of(src, &aloc, a, AUTH_MODES)?;
    }
    additional_auth.retain(|a| *a != default_auth);
    additional_auth.dedup();
    let api_key = t.opt_string("api_key")?;
    if let Some((k, loc)) = &api_key {
        let ok = k.strip_prefix("da2-").is_some_and(|r| (8..=64).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_alphanumeric()));
        if !ok {
            return Err(src.err(loc, "must be da2- followed by 8 to 64 letters and digits"));
        }
        if default_auth != "API_KEY" && !additional_auth.iter().any(|a| a == "API_KEY") {
            additional_auth.push("API_KEY".into());
        }
    }
    let user_pool = t.opt_string("user_pool")?;
    if let Some((p, loc)) = &user_pool {
        if !m.user_pools.iter().any(|u| &u.name == p) {
            return Err(src.err(loc, format!("no user_pool named \"{p}\"")));
        }
    }
    let conflict_detection = t.opt_bool("conflict_detection")?.unwrap_or(false);
    let seeds = t.tables("seed")?.into_iter().map(|s| seed(s, &m.dir)).collect::<R<Vec<_>>>()?;
    let spec = GraphqlApiSpec { loc: t.loc.clone(), name, id: id.map(|i| i.0), schema_path, schema_loc: sloc, schema, default_auth, additional_auth, api_key: api_key.map(|k| k.0), user_pool: user_pool.map(|p| p.0), conflict_detection, seeds };
    t.finish()?;
    Ok(spec)
}

fn unique<'x>(src: &Source<'_>, kind: &str, items: impl Iterator<Item = (&'x str, &'x Loc)>) -> R<()> {
    let mut seen: Vec<&str> = Vec::new();
    for (name, loc) in items {
        if seen.contains(&name) {
            return Err(src.err(loc, format!("duplicate {kind} name \"{name}\"")));
        }
        seen.push(name);
    }
    Ok(())
}

fn outputs(t: Option<Table<'_, '_>>, m: &Manifest) -> R<OutputsSpec> {
    let Some(mut t) = t else { return Ok(OutputsSpec::default()) };
    let src = t.src();
    let check = |v: &Option<(String, Loc)>, ok: &dyn Fn(&str) -> bool, kind: &str| -> R<()> {
        match v {
            Some((n, loc)) if !ok(n) => Err(src.err(loc, format!("no {kind} named \"{n}\""))),
            _ => Ok(()),
        }
    };
    let user_pool = t.opt_string("user_pool")?;
    check(&user_pool, &|n| m.user_pools.iter().any(|u| u.name == n), "user_pool")?;
    let client = t.opt_string("client")?;
    let pool_of_client = user_pool.as_ref().map(|p| p.0.clone()).or_else(|| m.user_pools.first().map(|p| p.name.clone())).unwrap_or_default();
    check(&client, &|n| m.user_pools.iter().any(|u| u.name == pool_of_client && u.clients.iter().any(|c| c.name == n)), "client in the outputs' user_pool with the")?;
    let identity_pool = t.opt_string("identity_pool")?;
    check(&identity_pool, &|n| m.identity_pools.iter().any(|u| u.name == n), "identity_pool")?;
    let graphql_api = t.opt_string("graphql_api")?;
    check(&graphql_api, &|n| m.graphql_apis.iter().any(|u| u.name == n), "graphql_api")?;
    let bucket = t.opt_string("bucket")?;
    check(&bucket, &|n| m.buckets.iter().any(|u| u.name == n), "bucket")?;
    t.finish()?;
    Ok(OutputsSpec { user_pool: user_pool.map(|v| v.0), client: client.map(|v| v.0), identity_pool: identity_pool.map(|v| v.0), graphql_api: graphql_api.map(|v| v.0), bucket: bucket.map(|v| v.0) })
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
        m.user_pools = root.tables("user_pool")?.into_iter().map(|t| user_pool(t, &m.region)).collect::<R<_>>()?;
        unique(&src, "user_pool", m.user_pools.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        m.identity_pools = root.tables("identity_pool")?.into_iter().map(|t| identity_pool(t, &m)).collect::<R<_>>()?;
        unique(&src, "identity_pool", m.identity_pools.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        m.buckets = root.tables("bucket")?.into_iter().map(bucket).collect::<R<_>>()?;
        unique(&src, "bucket", m.buckets.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        m.graphql_apis = root.tables("graphql_api")?.into_iter().map(|t| graphql_api(t, &m)).collect::<R<_>>()?;
        unique(&src, "graphql_api", m.graphql_apis.iter().map(|p| (p.name.as_str(), &p.loc)))?;
        let out = root.get("outputs").map(|v| v.table()).transpose()?;
        m.outputs = outputs(out, &m)?;
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
