//! Buckets: CreateBucket, HeadBucket, DeleteBucket, ListBuckets, GetBucketLocation, bucket
//! versioning and the stored sub-resources (policy, lifecycle, tagging, CORS).
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>. Bucket names are
//! one namespace across accounts, as in AWS.

use super::{ms, require_bucket};
use crate::error::{S3Error, S3Result};
use crate::store::{self, BucketRow};
use crate::S3Service;
use amplocal_core::RequestContext;

/// AWS bucket naming rules (general purpose buckets).
pub fn valid_bucket_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.len() < 3 || b.len() > 63 {
        return false;
    }
    if !b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'.' || *c == b'-') {
        return false;
    }
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return false;
    }
    if name.parse::<std::net::Ipv4Addr>().is_ok() {
        return false;
    }
    // reserved prefixes and suffixes (access point aliases, Multi-Region Access Points,
    // directory and table buckets)
    let reserved_prefix = ["xn--", "sthree-", "amzn-s3-demo-"].iter().any(|p| name.starts_with(p));
    let reserved_suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].iter().any(|s| name.ends_with(s));
    !reserved_prefix && !reserved_suffix
}

/// CreateBucket. `location` is the LocationConstraint of the body (None = us-east-1).
pub async fn create_bucket(svc: &S3Service, ctx: &RequestContext, name: String, location: Option<String>) -> S3Result<()> {
    if !valid_bucket_name(&name) {
        return Err(S3Error::InvalidBucketName { bucket: name });
    }
    let region = location.filter(|l| !l.is_empty()).unwrap_or_else(|| ctx.region.clone());
    let region = if region == "EU" { "eu-west-1".to_string() } else { region };
    let row = BucketRow { name: name.clone(), account: ctx.account_id.clone(), region, created_ms: ms(ctx.now), versioning: None };
    let ctx_region = ctx.region.clone();
    svc.db()
        .write(move |tx| {
            if let Some(existing) = store::get_bucket(tx, &row.name)? {
                if existing.account != row.account {
                    return Err(S3Error::BucketAlreadyExists { bucket: row.name });
                }
                // AWS quirk: us-east-1 answers 200 to re-creating your own bucket.
                // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
                if ctx_region == "us-east-1" && existing.region == "us-east-1" {
                    return Ok(());
                }
                return Err(S3Error::BucketAlreadyOwnedByYou { bucket: row.name });
            }
            store::insert_bucket(tx, &row)
        })
        .await
}

/// HeadBucket: the bucket row (its region goes in `x-amz-bucket-region`).
pub async fn head_bucket(svc: &S3Service, name: String) -> S3Result<BucketRow> {
    svc.db().read(move |c| require_bucket(c, &name)).await
}

/// DeleteBucket (`BucketNotEmpty` while objects, versions or uploads remain).
pub async fn delete_bucket(svc: &S3Service, name: String) -> S3Result<()> {
    svc.db()
        .write(move |tx| {
            require_bucket(tx, &name)?;
            if store::bucket_has_content(tx, &name)? {
                return Err(S3Error::BucketNotEmpty { bucket: name });
            }
            store::delete_bucket(tx, &name)
        })
        .await
}

/// ListBuckets of the caller's account.
pub async fn list_buckets(svc: &S3Service, ctx: &RequestContext) -> S3Result<Vec<BucketRow>> {
    let account = ctx.account_id.clone();
    svc.db().read(move |c| store::list_buckets(c, &account)).await
}

/// The bucket-versioning state (`Enabled`, `Suspended`, or None).
pub async fn get_versioning(svc: &S3Service, name: String) -> S3Result<Option<String>> {
    Ok(head_bucket(svc, name).await?.versioning)
}

/// PutBucketVersioning.
pub async fn put_versioning(svc: &S3Service, name: String, status: String) -> S3Result<()> {
    if status != "Enabled" && status != "Suspended" {
        return Err(S3Error::MalformedXML);
    }
    svc.db()
        .write(move |tx| {
            require_bucket(tx, &name)?;
            store::set_versioning(tx, &name, &status)
        })
        .await
}

/// Which stored sub-resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubResource {
    /// Bucket policy (JSON text).
    Policy,
    /// Lifecycle configuration (XML text).
    Lifecycle,
    /// Bucket tagging (XML text).
    Tagging,
    /// CORS rules (JSON of [`super::cors::CorsRule`]).
    Cors,
    /// Public access block (XML text).
    PublicAccessBlock,
    /// Ownership controls (XML text).
    OwnershipControls,
    /// Default encryption (XML text).
    Encryption,
}

impl SubResource {
    fn kind(self) -> &'static str {
        match self {
            Self::Policy => "policy",
            Self::Lifecycle => "lifecycle",
            Self::Tagging => "tagging",
            Self::Cors => "cors",
            Self::PublicAccessBlock => "publicAccessBlock",
            Self::OwnershipControls => "ownershipControls",
            Self::Encryption => "encryption",
        }
    }

    fn missing(self, bucket: String) -> S3Error {
        match self {
            Self::Policy => S3Error::NoSuchBucketPolicy { bucket },
            Self::Lifecycle => S3Error::NoSuchLifecycleConfiguration { bucket },
            Self::Tagging => S3Error::NoSuchTagSet { bucket },
            Self::Cors => S3Error::NoSuchCORSConfiguration { bucket },
            Self::PublicAccessBlock => S3Error::NotImplemented("NoSuchPublicAccessBlockConfiguration".into()),
            Self::OwnershipControls => S3Error::NotImplemented("OwnershipControlsNotFoundError".into()),
            Self::Encryption => S3Error::NotImplemented("ServerSideEncryptionConfigurationNotFoundError".into()),
        }
    }
}

/// Read a stored sub-resource (its "no such …" error when absent).
pub async fn get_sub(svc: &S3Service, name: String, what: SubResource) -> S3Result<String> {
    svc.db()
        .read(move |c| {
            require_bucket(c, &name)?;
            store::get_config(c, &name, what.kind())?.ok_or_else(|| what.missing(name))
        })
        .await
}

/// Read a stored sub-resource, None when absent.
pub async fn find_sub(svc: &S3Service, name: String, what: SubResource) -> S3Result<Option<String>> {
    svc.db()
        .read(move |c| {
            require_bucket(c, &name)?;
            store::get_config(c, &name, what.kind())
        })
        .await
}

/// Store (Some) or delete (None) a sub-resource.
pub async fn set_sub(svc: &S3Service, name: String, what: SubResource, value: Option<String>) -> S3Result<()> {
    svc.db()
        .write(move |tx| {
            require_bucket(tx, &name)?;
            store::set_config(tx, &name, what.kind(), value.as_deref())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::valid_bucket_name;

    #[test]
    fn bucket_names() {
        for ok in ["abc", "my-bucket.data", "a1b", &"a".repeat(63)] {
            assert!(valid_bucket_name(ok), "{ok}");
        }
        for bad in ["ab", "ABC", "-abc", "abc-", "a..b", "192.168.1.1", "a_b", &"a".repeat(64), "a.-b", "xn--abc"] {
            assert!(!valid_bucket_name(bad), "{bad}");
        }
    }
}
