//! Provisioning of the manifest's S3 buckets and their CORS rules through amplocal-s3's ops
//! (CreateBucket, PutBucketCors), in process. A bucket without `cors` keeps whatever CORS it
//! has (with none, S3's permissive local default applies). Every manifest bucket is put under
//! the Amplify Storage access rules for identity-pool callers (`amplocal_s3::access`).
//! Leaves out: other bucket settings.

use super::manifest::Manifest;
use super::spanned::ManifestError;
use amplocal_core::RequestContext;
use amplocal_s3::error::S3Error;
use amplocal_s3::ops::bucket::{self, SubResource};
use amplocal_s3::S3Service;

/// Create every bucket that is missing, set the CORS rules the manifest gives and put the
/// bucket under the Amplify Storage rules (guest rules when an identity pool allows guests).
pub async fn provision(svc: &S3Service, ctx: &RequestContext, m: &Manifest) -> Result<(), ManifestError> {
    let guests = m.identity_pools.iter().any(|p| p.allow_unauthenticated);
    for b in &m.buckets {
        svc.storage_access().protect(&ctx.account_id, &b.name, guests);
        match bucket::create_bucket(svc, ctx, b.name.clone(), None).await {
            Ok(()) | Err(S3Error::BucketAlreadyOwnedByYou { .. }) => {}
            Err(e) => return Err(m.error_at(&b.loc, e)),
        }
        if !b.cors.is_empty() {
            let json = serde_json::to_string(&b.cors).map_err(|e| m.error_at(&b.loc, e))?;
            let current = bucket::find_sub(svc, b.name.clone(), SubResource::Cors).await.map_err(|e| m.error_at(&b.loc, e))?;
            if current.as_deref() != Some(json.as_str()) {
                bucket::set_sub(svc, b.name.clone(), SubResource::Cors, Some(json)).await.map_err(|e| m.error_at(&b.loc, e))?;
            }
        }
    }
    Ok(())
}
