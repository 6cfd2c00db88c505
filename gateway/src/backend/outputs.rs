//! `amplify_outputs.json` (Amplify outputs schema, version 1.4) for a provisioned backend,
//! pointing Amplify JS v6 at amplocal. Leaves out: analytics, geo, notifications, oauth.

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

/// The outputs document. Placeholder so the serve path compiles and writes a file: the full
/// schema-1.4 renderer replaces this body.
pub fn render(p: &Provisioned) -> serde_json::Value {
    serde_json::json!({ "version": "1.4", "custom": { "amplocal": { "endpoint": p.public_url } } })
}
