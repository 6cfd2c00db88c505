//! Amplify Storage access rules for the buckets a backend manifest provisions: what the
//! identity pool's authenticated / unauthenticated IAM roles allow on AWS, where Amplify attaches
//! its Storage policy with the variable `${cognito-identity.amazonaws.com:sub}`
//! (<https://docs.amplify.aws/react/build-a-backend/storage/authorization/>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html>).
//!
//! [`RULES`] is the one rule table: the gateway renders `amplify_outputs.json`'s
//! `storage.buckets[].paths` from it ([`outputs_paths`]) and [`check`] enforces it. It applies only
//! to requests signed with credentials from GetCredentialsForIdentity (the caller carries a
//! [`PoolIdentity`]) on buckets registered with [`StorageAccess::protect`]; static keys and
//! other buckets are never restricted. A denied request gets S3's 403 `AccessDenied`.
//!
//! Leaves out: IAM policy evaluation in general (no other policies, bucket policies or ACLs);
//! group rules (`groups…` in `paths`); POST Object (form-signed) uploads are not checked.
//! DeleteObjects is checked per key by its handler ([`may_delete`]): a refused key gets its own
//! `AccessDenied` entry in a 200 `DeleteResult`, as on AWS.

use crate::error::{S3Error, S3Result};
use crate::wire::route::Op;
use crate::wire::{headers, Req};
use crate::S3Service;
use amplocal_core::{PoolIdentity, RequestContext};
use serde_json::{json, Map, Value};
use std::sync::{Arc, RwLock};

/// One Storage action, spelled as `amplify_outputs.json` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// GetObject / HeadObject (`s3:GetObject`).
    Get,
    /// ListObjects(V2) with a prefix under the path (`s3:ListBucket` + `s3:prefix`).
    List,
    /// PutObject and multipart uploads (`s3:PutObject`).
    Write,
    /// DeleteObject(s) (`s3:DeleteObject`).
    Delete,
}

impl Action {
    /// The outputs spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Get => "get",
            Action::List => "list",
            Action::Write => "write",
            Action::Delete => "delete",
        }
    }
}

const ALL: &[Action] = &[Action::Get, Action::List, Action::Write, Action::Delete];
const READ: &[Action] = &[Action::Get, Action::List];

/// The access of one path pattern (`{entity_id}` is the caller's identity id for `entity`,
/// anything for `guest` / `authenticated`; `*` matches any characters, as IAM's StringLike).
#[derive(Debug, Clone, Copy)]
pub struct PathRule {
    /// The pattern as `paths` keys it.
    pub path: &'static str,
    /// Guests (unauthenticated role), when the identity pool allows them.
    pub guest: &'static [Action],
    /// Signed-in users (authenticated role).
    pub authenticated: &'static [Action],
    /// The signed-in owner of `{entity_id}` (`entityidentity`).
    pub entity: &'static [Action],
}

/// Amplify's default Storage access levels (Gen 1 public/protected/private, Gen 2 defaults).
pub const RULES: &[PathRule] = &[
    PathRule { path: "public/*", guest: ALL, authenticated: ALL, entity: &[] },
    PathRule { path: "protected/{entity_id}/*", guest: READ, authenticated: READ, entity: ALL },
    PathRule { path: "private/{entity_id}/*", guest: &[], authenticated: &[], entity: ALL },
];

/// `storage.buckets[].paths` of `amplify_outputs.json`, rendered from [`RULES`].
pub fn outputs_paths(guest_access: bool) -> Value {
    let names = |a: &[Action]| json!(a.iter().map(|x| x.as_str()).collect::<Vec<_>>());
    let mut paths = Map::new();
    for r in RULES {
        let mut m = Map::new();
        for (who, acts) in [("guest", if guest_access { r.guest } else { &[] }), ("authenticated", r.authenticated), ("entityidentity", r.entity)] {
            if !acts.is_empty() {
                m.insert(who.into(), names(acts));
            }
        }
        paths.insert(r.path.into(), Value::Object(m));
    }
    Value::Object(paths)
}

/// The buckets under the rules: (account, bucket) → guest access of the identity pool.
#[derive(Debug, Clone, Default)]
pub struct StorageAccess {
    buckets: Arc<RwLock<std::collections::HashMap<(String, String), bool>>>,
}

impl StorageAccess {
    /// Put `bucket` of `account` under the Amplify Storage rules (`guest_access`: whether guests
    /// get the guest rules; without it they get nothing).
    pub fn protect(&self, account: &str, bucket: &str, guest_access: bool) {
        self.buckets.write().unwrap_or_else(|p| p.into_inner()).insert((account.to_string(), bucket.to_string()), guest_access);
    }

    /// The guest access of a protected bucket; `None` when it is not protected.
    pub fn guest_access(&self, account: &str, bucket: &str) -> Option<bool> {
        self.buckets.read().unwrap_or_else(|p| p.into_inner()).get(&(account.to_string(), bucket.to_string())).copied()
    }
}

#[derive(Debug, Clone, Copy)]
enum Tok<'a> {
    Lit(&'a str),
    Any,
}

fn tokens<'a>(path: &'a str, entity: Option<&'a str>) -> Vec<Tok<'a>> {
    let mut out = Vec::new();
    for (i, part) in path.split("{entity_id}").enumerate() {
        if i > 0 {
            out.push(entity.map_or(Tok::Any, Tok::Lit));
        }
        for (j, lit) in part.split('*').enumerate() {
            if j > 0 {
                out.push(Tok::Any);
            }
            if !lit.is_empty() {
                out.push(Tok::Lit(lit));
            }
        }
    }
    out
}

/// StringLike match (patterns here hold at most two `*`, so the backtracking stays small).
fn matches(toks: &[Tok<'_>], s: &str) -> bool {
    match toks.split_first() {
        None => s.is_empty(),
        Some((Tok::Lit(l), rest)) => s.strip_prefix(l).is_some_and(|r| matches(rest, r)),
        Some((Tok::Any, rest)) => (0..=s.len()).filter(|&i| s.is_char_boundary(i)).any(|i| matches(rest, &s[i..])),
    }
}

/// The patterns (with `{entity_id}` resolved) under which `who` may do `action`.
fn grants<'a>(who: &'a PoolIdentity, guest_access: bool, action: Action) -> Vec<Vec<Tok<'a>>> {
    let mut out = Vec::new();
    for r in RULES {
        let shared = if who.authenticated { r.authenticated } else if guest_access { r.guest } else { &[] };
        if shared.contains(&action) {
            out.push(tokens(r.path, None));
        }
        if who.authenticated && r.entity.contains(&action) {
            out.push(tokens(r.path, Some(&who.identity_id)));
        }
    }
    out
}

/// Whether `who` may do `action` (not `List`) on `key`.
pub fn allowed(who: &PoolIdentity, guest_access: bool, action: Action, key: &str) -> bool {
    grants(who, guest_access, action).iter().any(|t| matches(t, key))
}

/// Whether `who` may list with `prefix`: as Amplify's `s3:prefix` conditions, the prefix must
/// match a readable pattern (`public/*`) or that pattern without its final `*` (`public/`).
pub fn list_allowed(who: &PoolIdentity, guest_access: bool, prefix: &str) -> bool {
    grants(who, guest_access, Action::List).iter().any(|t| {
        let bare = match t.split_last() {
            Some((Tok::Any, head)) => head,
            _ => t.as_slice(),
        };
        matches(t, prefix) || matches(bare, prefix)
    })
}

fn denied() -> S3Error {
    S3Error::AccessDenied("Access Denied".into())
}

/// The hook run before dispatch: `Err(AccessDenied)` when the request is signed with
/// identity-pool credentials, addresses a protected bucket and the rules do not allow it.
/// DeleteObjects passes here and is checked per key by the handler ([`may_delete`]).
pub async fn check(svc: &S3Service, op: Op, r: &mut Req) -> S3Result<()> {
    let Some(who) = r.ctx.caller.as_ref().filter(|c| c.verified).and_then(|c| c.identity.clone()) else { return Ok(()) };
    if matches!(op, Op::Preflight | Op::PostObject | Op::ListBuckets) {
        return Ok(());
    }
    let account = r.ctx.account_id.clone();
    let bucket = match &r.addr.bucket {
        Some(b) => b.clone(),
        // `POST /?delete` without the bucket: the one the DeleteObjects handler will pick
        None if op == Op::DeleteObjects => match crate::ops::bucket::list_buckets(svc, &r.ctx).await?.as_slice() {
            [only] => only.name.clone(),
            _ => return Ok(()),
        },
        None => return Ok(()),
    };
    let Some(guests) = svc.storage_access().guest_access(&account, &bucket) else { return Ok(()) };
    let key = r.addr.key.clone().unwrap_or_default();
    let may = |a: Action, k: &str| allowed(&who, guests, a, k);
    let ok = match op {
        Op::GetObject | Op::HeadObject | Op::GetObjectAttributes => may(Action::Get, &key),
        Op::PutObject | Op::CreateMultipartUpload | Op::UploadPart | Op::CompleteMultipartUpload | Op::AbortMultipartUpload | Op::ListParts => {
            may(Action::Write, &key)
        }
        Op::CopyObject | Op::UploadPartCopy => may(Action::Write, &key) && source_readable(svc, &who, &account, r),
        Op::DeleteObject => may(Action::Delete, &key),
        Op::ListObjects | Op::ListObjectsV2 => list_allowed(&who, guests, r.q.get("prefix").unwrap_or("")),
        // Checked key by key by the handler ([`may_delete`]): AWS answers 200 with a per-key
        // AccessDenied error and deletes the keys that are allowed.
        Op::DeleteObjects => true,
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(denied())
    }
}

/// DeleteObjects, per key: whether the caller may delete `key` of `bucket` (always true for
/// callers and buckets the rules do not cover).
pub fn may_delete(svc: &S3Service, ctx: &RequestContext, bucket: &str, key: &str) -> bool {
    let Some(who) = ctx.caller.as_ref().filter(|c| c.verified).and_then(|c| c.identity.as_ref()) else { return true };
    match svc.storage_access().guest_access(&ctx.account_id, bucket) {
        Some(guests) => allowed(who, guests, Action::Delete, key),
        None => true,
    }
}

/// A copy's source must be readable when its bucket is protected too (a malformed header gets
/// the handler's own error).
fn source_readable(svc: &S3Service, who: &PoolIdentity, account: &str, r: &Req) -> bool {
    let Ok((bucket, key, _)) = headers::copy_source(r.header("x-amz-copy-source").unwrap_or("")) else { return true };
    match svc.storage_access().guest_access(account, &bucket) {
        Some(guests) => allowed(who, guests, Action::Get, &key),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str, authenticated: bool) -> PoolIdentity {
        PoolIdentity { identity_id: format!("us-east-1:{name}"), pool_id: "us-east-1:pool".into(), authenticated }
    }

    #[test]
    fn owner_and_others() {
        let (a, b, g) = (id("a", true), id("b", true), id("g", false));
        for act in [Action::Get, Action::Write, Action::Delete] {
            assert!(allowed(&a, true, act, "private/us-east-1:a/x.txt"));
            assert!(!allowed(&b, true, act, "private/us-east-1:a/x.txt"));
            assert!(!allowed(&g, true, act, "private/us-east-1:g/x.txt"), "guests own nothing");
            assert!(allowed(&a, true, act, "public/dir/x"));
            assert!(allowed(&g, true, act, "public/x"));
            assert!(!allowed(&g, false, act, "public/x"), "no guest access");
        }
        assert!(allowed(&b, true, Action::Get, "protected/us-east-1:a/x"));
        assert!(allowed(&g, true, Action::Get, "protected/us-east-1:a/x"));
        assert!(!allowed(&b, true, Action::Write, "protected/us-east-1:a/x"));
        assert!(!allowed(&b, true, Action::Delete, "protected/us-east-1:a/x"));
        assert!(allowed(&a, true, Action::Write, "protected/us-east-1:a/x"));
        // the owner's id must be the whole segment
        assert!(!allowed(&a, true, Action::Get, "private/us-east-1:ab/x"));
        assert!(!allowed(&a, true, Action::Get, "private/us-east-1:a"));
        assert!(!allowed(&a, true, Action::Get, "other/x"));
        assert!(!allowed(&a, true, Action::Get, "publicx/y"));
    }

    #[test]
    fn list_prefixes() {
        let (a, g) = (id("a", true), id("g", false));
        for p in ["public/", "public/photos/", "private/us-east-1:a/", "private/us-east-1:a/x", "protected/us-east-1:b/", "protected/us-east-1:a/"] {
            assert!(list_allowed(&a, true, p), "{p}");
        }
        for p in ["", "private/", "private/us-east-1:b/", "private/us-east-1:a", "protected/", "x/"] {
            assert!(!list_allowed(&a, true, p), "{p}");
        }
        assert!(list_allowed(&g, true, "protected/us-east-1:a/"));
        assert!(!list_allowed(&g, true, "private/us-east-1:g/"));
        assert!(!list_allowed(&g, false, "public/"));
    }

    #[test]
    fn outputs_shape() {
        let p = outputs_paths(true);
        assert_eq!(p["public/*"]["guest"], json!(["get", "list", "write", "delete"]));
        assert_eq!(p["protected/{entity_id}/*"]["guest"], json!(["get", "list"]));
        assert_eq!(p["protected/{entity_id}/*"]["entityidentity"], json!(["get", "list", "write", "delete"]));
        assert_eq!(p["private/{entity_id}/*"], json!({"entityidentity": ["get", "list", "write", "delete"]}));
        let p = outputs_paths(false);
        assert!(p["public/*"].get("guest").is_none());
        assert_eq!(p["public/*"]["authenticated"], json!(["get", "list", "write", "delete"]));
    }

    #[test]
    fn registry() {
        let s = StorageAccess::default();
        assert_eq!(s.guest_access("000000000000", "b"), None);
        s.protect("000000000000", "b", false);
        assert_eq!(s.guest_access("000000000000", "b"), Some(false));
        assert_eq!(s.guest_access("111111111111", "b"), None);
    }
}
