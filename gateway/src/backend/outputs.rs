//! `amplify_outputs.json` (Amplify outputs schema version 1.4,
//! <https://docs.amplify.aws/react/reference/amplify_outputs/>) for a provisioned backend,
//! pointing Amplify JS v6 at amplocal, plus the few lines an app adds after
//! `Amplify.configure(outputs)` for what the format cannot carry: the Cognito endpoints
//! (`Auth.Cognito.userPoolEndpoint` / `identityPoolEndpoint`) and the Storage endpoint (a per-call
//! `options.customEndpoint`: Amplify has no configuration key for it). Those endpoints are also
//! written under `custom.amplocal` so an app reads them instead of hard-coding them.
//! Leaves out: analytics, geo, notifications, oauth, passwordless.

use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

/// What the manifest provisioned, as the outputs file describes it.
#[derive(Debug, Clone, Default)]
pub struct Provisioned {
    /// Region of every resource.
    pub region: String,
    /// Base URL the app reaches amplocal at (e.g. `https://localhost:4566`).
    pub public_url: String,
    /// The user pool / client / identity pool the app signs in with.
    pub auth: Option<AuthOutput>,
    /// The GraphQL API.
    pub data: Option<DataOutput>,
    /// The Storage bucket.
    pub storage: Option<StorageOutput>,
}

/// Password policy as the outputs file names it.
#[derive(Debug, Clone, Default)]
pub struct PasswordPolicyOut {
    /// Minimum length.
    pub min_length: u32,
    /// Lower-case letter required.
    pub require_lowercase: bool,
    /// Upper-case letter required.
    pub require_uppercase: bool,
    /// Digit required.
    pub require_numbers: bool,
    /// Symbol required.
    pub require_symbols: bool,
}

/// The `auth` section.
#[derive(Debug, Clone, Default)]
pub struct AuthOutput {
    /// User pool id.
    pub user_pool_id: String,
    /// App client id.
    pub client_id: String,
    /// Identity pool id, when the manifest has one.
    pub identity_pool_id: Option<String>,
    /// Guest access of the identity pool.
    pub allow_unauthenticated: bool,
    /// `email` / `phone_number` sign-in.
    pub username_attributes: Vec<String>,
    /// Auto-verified attributes.
    pub auto_verified: Vec<String>,
    /// Required standard attributes.
    pub required_attributes: Vec<String>,
    /// Password policy.
    pub password_policy: PasswordPolicyOut,
    /// `OFF` | `ON` | `OPTIONAL` (the pool's MfaConfiguration).
    pub mfa: String,
    /// MFA methods (`TOTP`, `SMS`, `EMAIL`).
    pub mfa_methods: Vec<String>,
    /// Groups with their precedence.
    pub groups: Vec<(String, Option<i64>)>,
}

/// The `data` section.
#[derive(Debug, Clone, Default)]
pub struct DataOutput {
    /// API id.
    pub api_id: String,
    /// GraphQL endpoint URL.
    pub url: String,
    /// Default authorization type.
    pub default_auth: String,
    /// Additional authorization types.
    pub additional_auth: Vec<String>,
    /// API key, when API_KEY is enabled.
    pub api_key: Option<String>,
    /// `model_introspection` for `generateClient()`.
    pub model_introspection: serde_json::Value,
}

/// The `storage` section.
#[derive(Debug, Clone, Default)]
pub struct StorageOutput {
    /// Bucket name.
    pub bucket: String,
}

/// `OFF`/`ON`/`OPTIONAL` (CreateUserPool's MfaConfiguration) → the outputs' `NONE`/`REQUIRED`/`OPTIONAL`.
fn mfa_configuration(mfa: &str) -> &'static str {
    match mfa.to_ascii_uppercase().as_str() {
        "ON" | "REQUIRED" => "REQUIRED",
        "OPTIONAL" => "OPTIONAL",
        _ => "NONE",
    }
}

/// What Amplify Storage's `customEndpoint` wants: a bare `host[:port]`, reached over https with
/// the bucket as a sub-domain (`https://<bucket>.<host>`). For `localhost` that is
/// `s3.localhost:<port>`: `<bucket>.s3.localhost` resolves to loopback in browsers and matches
/// the leaf certificate's `*.s3.localhost` (TLS clients refuse a two-label `*.localhost` wildcard).
fn storage_endpoint(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or(rest);
    if host == "localhost" || host.starts_with("localhost:") {
        format!("s3.{host}")
    } else {
        host.to_string()
    }
}

fn auth_section(region: &str, a: &AuthOutput) -> Value {
    let mut o = Map::new();
    o.insert("aws_region".into(), json!(region));
    o.insert("user_pool_id".into(), json!(a.user_pool_id));
    o.insert("user_pool_client_id".into(), json!(a.client_id));
    if let Some(id) = &a.identity_pool_id {
        o.insert("identity_pool_id".into(), json!(id));
    }
    let pp = &a.password_policy;
    o.insert(
        "password_policy".into(),
        json!({
            "min_length": pp.min_length, "require_lowercase": pp.require_lowercase, "require_uppercase": pp.require_uppercase,
            "require_numbers": pp.require_numbers, "require_symbols": pp.require_symbols,
        }),
    );
    let standard: Vec<&String> = a.required_attributes.iter().filter(|n| !n.starts_with("custom:")).collect();
    o.insert("standard_required_attributes".into(), json!(standard));
    // The schema wants at least one; a pool without alias attributes signs in by username.
    let username = if a.username_attributes.is_empty() { vec!["username".to_string()] } else { a.username_attributes.clone() };
    o.insert("username_attributes".into(), json!(username));
    let verification: Vec<&String> = a.auto_verified.iter().filter(|n| *n == "email" || *n == "phone_number").collect();
    o.insert("user_verification_types".into(), json!(verification));
    o.insert("unauthenticated_identities_enabled".into(), json!(a.allow_unauthenticated));
    o.insert("mfa_configuration".into(), json!(mfa_configuration(&a.mfa)));
    o.insert("mfa_methods".into(), json!(a.mfa_methods));
    let groups: Vec<Value> = a
        .groups
        .iter()
        .map(|(name, precedence)| {
            let mut cfg = Map::new();
            if let Some(p) = precedence {
                cfg.insert("precedence".into(), json!(p));
            }
            json!({ name.as_str(): cfg })
        })
        .collect();
    o.insert("groups".into(), json!(groups));
    Value::Object(o)
}

fn data_section(region: &str, d: &DataOutput) -> Value {
    let mut o = Map::new();
    o.insert("aws_region".into(), json!(region));
    o.insert("url".into(), json!(d.url));
    o.insert("default_authorization_type".into(), json!(d.default_auth));
    o.insert("authorization_types".into(), json!(d.additional_auth));
    if let Some(k) = &d.api_key {
        o.insert("api_key".into(), json!(k));
    }
    if !d.model_introspection.is_null() {
        o.insert("model_introspection".into(), d.model_introspection.clone());
    }
    Value::Object(o)
}

/// The Amplify Storage access levels: `public/` for everyone (guests only with guest access),
/// `protected/<identity id>/` readable by all, writable by its owner, `private/<identity id>/`
/// for its owner only — rendered from the rule table amplocal-s3 enforces.
fn storage_section(region: &str, s: &StorageOutput, guests: bool) -> Value {
    json!({
        "aws_region": region,
        "bucket_name": s.bucket,
        "buckets": [{
            "name": s.bucket, "bucket_name": s.bucket, "aws_region": region,
            "paths": amplocal_s3::access::outputs_paths(guests),
        }],
    })
}

/// The `amplify_outputs.json` document for `p` (keys in a fixed order).
pub fn render(p: &Provisioned) -> Value {
    let mut o = Map::new();
    o.insert("$schema".into(), json!("https://amplify.aws/2024-02/outputs-schema.json"));
    o.insert("version".into(), json!("1.4"));
    if let Some(a) = &p.auth {
        o.insert("auth".into(), auth_section(&p.region, a));
    }
    if let Some(d) = &p.data {
        o.insert("data".into(), data_section(&p.region, d));
    }
    if let Some(s) = &p.storage {
        let guests = p.auth.as_ref().is_some_and(|a| a.identity_pool_id.is_some() && a.allow_unauthenticated);
        o.insert("storage".into(), storage_section(&p.region, s, guests));
    }
    let url = p.public_url.trim_end_matches('/');
    o.insert(
        "custom".into(),
        json!({ "amplocal": {
            "endpoint": url, "userPoolEndpoint": url, "identityPoolEndpoint": url, "storageEndpoint": storage_endpoint(url),
        }}),
    );
    Value::Object(o)
}

/// The file's bytes: pretty-printed JSON with a trailing newline.
pub fn to_text(p: &Provisioned) -> String {
    let mut text = serde_json::to_string_pretty(&render(p)).unwrap_or_default();
    text.push('\n');
    text
}

/// Write `amplify_outputs.json` for `p` to `path`: to a temporary file in the same directory,
/// then renamed over `path`, so a reader (a dev server watching it) never sees half a file.
/// Creates the parent directory if missing; unchanged bytes leave the file untouched.
pub fn write(path: &Path, p: &Provisioned) -> std::io::Result<()> {
    let text = to_text(p);
    if std::fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "amplify_outputs.json".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.sync_all()
    });
    match result.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The lines an app adds right after `Amplify.configure(outputs)` (JavaScript that also compiles
/// as strict TypeScript when the app imports the JSON), for what `amplify_outputs.json` cannot
/// carry. Empty when there is nothing to add.
pub fn snippet(p: &Provisioned) -> String {
    let mut s = String::new();
    let auth = p.auth.as_ref();
    if auth.is_none() && p.storage.is_none() {
        return s;
    }
    s.push_str("// amplocal: endpoints amplify_outputs.json has no key for (it keeps them in custom.amplocal)\n");
    s.push_str("const { amplocal } = outputs.custom;\n");
    match auth {
        Some(a) if a.identity_pool_id.is_some() => {
            s.push_str("// Cognito (aws-amplify >= 6.15); the ids are restated so strict TypeScript accepts it\n");
            s.push_str("const config = Amplify.getConfig();\nconst cognito = config.Auth?.Cognito;\n");
            s.push_str("if (cognito?.userPoolId && cognito.userPoolClientId && cognito.identityPoolId) {\n");
            s.push_str("  Amplify.configure({\n    ...config,\n    Auth: {\n      Cognito: {\n        ...cognito,\n");
            s.push_str("        userPoolId: cognito.userPoolId,\n        userPoolClientId: cognito.userPoolClientId,\n");
            s.push_str("        identityPoolId: cognito.identityPoolId,\n");
            s.push_str("        userPoolEndpoint: amplocal.userPoolEndpoint,\n        identityPoolEndpoint: amplocal.identityPoolEndpoint,\n");
            s.push_str("      },\n    },\n  });\n}\n");
        }
        Some(_) => {
            s.push_str("// Cognito (aws-amplify >= 6.6.3)\n");
            s.push_str("const config = Amplify.getConfig();\n");
            s.push_str("Amplify.configure({\n  ...config,\n  Auth: {\n    ...config.Auth,\n");
            s.push_str("    Cognito: { ...config.Auth.Cognito, userPoolEndpoint: amplocal.userPoolEndpoint },\n  },\n});\n");
        }
        None => {}
    }
    if p.storage.is_some() {
        s.push_str("// Storage has no endpoint setting: pass these options to every Storage call, e.g.\n");
        s.push_str("//   uploadData({ path, data, options: storageOptions }), getUrl({ path, options: { ...storageOptions, expiresIn } })\n");
        s.push_str("// (https://<bucket>.<storageEndpoint>; useAccelerateEndpoint only makes TypeScript accept the object)\n");
        s.push_str("const storageOptions = { customEndpoint: amplocal.storageEndpoint, useAccelerateEndpoint: false };\n");
    }
    s
}

#[cfg(test)]
mod tests;
