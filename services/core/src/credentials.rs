//! Known access keys: the pairs configured with `--credentials KEY:SECRET` (default `test`/`test`)
//! and temporary credentials issued by identity pools / STS, which services register here.
//! See ARCHITECTURE.md "credentials": in `lenient` mode unknown keys are accepted unchecked;
//! in `strict` mode they are rejected.

use crate::DEFAULT_ACCOUNT;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

/// How unknown access keys are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CredentialMode {
    /// Any access key is accepted; keys amplocal knows must sign correctly.
    #[default]
    Lenient,
    /// Unknown keys are rejected; every signature and presigned expiry is checked.
    Strict,
}

/// One known access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The secret access key.
    pub secret: String,
    /// Session token that must accompany the key (temporary credentials).
    pub session_token: Option<String>,
    /// Account the key belongs to.
    pub account_id: String,
    /// When temporary credentials stop working.
    pub expires: Option<SystemTime>,
}

/// Shared, cheap-to-clone map of access key → credential.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    mode: CredentialMode,
    keys: Arc<RwLock<HashMap<String, Credential>>>,
}

impl CredentialStore {
    /// An empty store in the given mode.
    pub fn new(mode: CredentialMode) -> Self {
        Self { mode, keys: Arc::default() }
    }

    /// The configured mode.
    pub fn mode(&self) -> CredentialMode {
        self.mode
    }

    /// Register (or replace) a key.
    pub fn insert(&self, access_key: impl Into<String>, cred: Credential) {
        self.keys.write().unwrap_or_else(|p| p.into_inner()).insert(access_key.into(), cred);
    }

    /// Register a long-lived configured pair in the account derived from the key.
    pub fn insert_static(&self, access_key: &str, secret: &str) {
        self.insert(
            access_key,
            Credential {
                secret: secret.to_string(),
                session_token: None,
                account_id: account_for_key(access_key),
                expires: None,
            },
        );
    }

    /// Look a key up.
    pub fn get(&self, access_key: &str) -> Option<Credential> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).get(access_key).cloned()
    }

    /// Forget a key.
    pub fn remove(&self, access_key: &str) {
        self.keys.write().unwrap_or_else(|p| p.into_inner()).remove(access_key);
    }
}

/// The account an access key maps to: the key itself when it is 12 digits (LocalStack's
/// convention), else the default account.
pub fn account_for_key(access_key: &str) -> String {
    if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key.to_string()
    } else {
        DEFAULT_ACCOUNT.to_string()
    }
}
