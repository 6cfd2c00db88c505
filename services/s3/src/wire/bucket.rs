//! Bucket operations on the wire: CreateBucket, HeadBucket, DeleteBucket, ListBuckets,
//! GetBucketLocation, versioning, CORS, policy, lifecycle, tagging and ACL (fixed owner).

use super::body::read_small;
use super::object::{acl_xml, owner_id, parse_tagging, tagging_xml};
use super::route::Op;
use super::xml::{parse, XmlWriter};
use super::{empty, set, xml_ok, Req};
use crate::error::{S3Error, S3Result};
use crate::ops::bucket::{self as op, SubResource};
use crate::ops::cors::CorsRule;
use crate::S3Service;
use axum::response::Response;

const MAX_CONFIG: usize = 1 << 20;

pub(super) async fn handle(svc: &S3Service, o: Op, mut r: Req) -> S3Result<Response> {
    let bucket = r.bucket();
    match o {
        Op::ListBuckets => {
            let rows = op::list_buckets(svc, &r.ctx).await?;
            let mut w = XmlWriter::new("ListAllMyBucketsResult");
            w.open("Owner").elem("ID", &owner_id(&r.ctx.account_id)).elem("DisplayName", "amplocal").close("Owner");
            w.open("Buckets");
            for b in rows {
                w.open("Bucket")
                    .elem("Name", &b.name)
                    .elem("CreationDate", &super::headers::iso8601(b.created_ms))
                    .elem("BucketRegion", &b.region)
                    .close("Bucket");
            }
            w.close("Buckets");
            Ok(xml_ok(w.finish("ListAllMyBucketsResult")))
        }
        Op::CreateBucket => {
            let body = read_small(r.take_body(), MAX_CONFIG).await?;
            let location = if body.iter().all(|b| b.is_ascii_whitespace()) {
                None
            } else {
                let root = parse(&body)?;
                root.text_of("LocationConstraint").map(str::to_string)
            };
            op::create_bucket(svc, &r.ctx, bucket.clone(), location).await?;
            let mut resp = empty(200);
            set(&mut resp, "location", &format!("/{bucket}"));
            Ok(resp)
        }
        Op::HeadBucket => {
            let b = op::head_bucket(svc, bucket).await?;
            let mut resp = empty(200);
            set(&mut resp, "x-amz-bucket-region", &b.region);
            Ok(resp)
        }
        Op::DeleteBucket => {
            op::delete_bucket(svc, bucket).await?;
            Ok(empty(204))
        }
        Op::GetBucketLocation => {
            let b = op::head_bucket(svc, bucket).await?;
            let loc = if b.region == "us-east-1" { String::new() } else { b.region };
            let doc = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint xmlns=\"{}\">{}</LocationConstraint>",
                super::xml::NS,
                quick_xml::escape::escape(&loc)
            );
            Ok(xml_ok(doc))
        }
        Op::GetBucketVersioning => {
            let status = op::get_versioning(svc, bucket).await?;
            let mut w = XmlWriter::new("VersioningConfiguration");
            w.opt("Status", status.as_deref());
            Ok(xml_ok(w.finish("VersioningConfiguration")))
        }
        Op::PutBucketVersioning => {
            let body = read_small(r.take_body(), MAX_CONFIG).await?;
            let root = parse(&body)?;
            let status = root.text_of("Status").ok_or(S3Error::MalformedXML)?.trim().to_string();
            op::put_versioning(svc, bucket, status).await?;
            Ok(empty(200))
        }
        Op::GetBucketCors => {
            let json = op::get_sub(svc, bucket, SubResource::Cors).await?;
            let rules: Vec<CorsRule> = serde_json::from_str(&json).map_err(amplocal_core::InternalError::from)?;
            Ok(xml_ok(cors_xml(&rules)))
        }
        Op::PutBucketCors => {
            let body = read_small(r.take_body(), MAX_CONFIG).await?;
            let rules = parse_cors(&body)?;
            let json = serde_json::to_string(&rules).map_err(amplocal_core::InternalError::from)?;
            op::set_sub(svc, bucket, SubResource::Cors, Some(json)).await?;
            Ok(empty(200))
        }
        Op::DeleteBucketCors => del(svc, bucket, SubResource::Cors).await,
        Op::GetBucketPolicy => {
            let p = op::get_sub(svc, bucket, SubResource::Policy).await?;
            let mut resp = Response::new(axum::body::Body::from(p));
            set(&mut resp, "content-type", "application/json");
            Ok(resp)
        }
        Op::PutBucketPolicy => {
            let body = read_small(r.take_body(), MAX_CONFIG).await?;
            if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
                return Err(S3Error::MalformedPolicy);
            }
            op::set_sub(svc, bucket, SubResource::Policy, Some(String::from_utf8_lossy(&body).into_owned())).await?;
            Ok(empty(204))
        }
        Op::DeleteBucketPolicy => del(svc, bucket, SubResource::Policy).await,
        Op::GetBucketLifecycleConfiguration => Ok(xml_ok(op::get_sub(svc, bucket, SubResource::Lifecycle).await?)),
        Op::PutBucketLifecycleConfiguration => put_xml(svc, &mut r, SubResource::Lifecycle, "LifecycleConfiguration").await,
        Op::DeleteBucketLifecycle => del(svc, bucket, SubResource::Lifecycle).await,
        Op::GetBucketTagging => {
            let xml = op::get_sub(svc, bucket, SubResource::Tagging).await?;
            Ok(xml_ok(tagging_xml(&parse_tagging(xml.as_bytes())?)))
        }
        Op::PutBucketTagging => {
            let body = read_small(r.take_body(), MAX_CONFIG).await?;
            let tags = parse_tagging(&body)?;
            if tags.len() > 50 {
                return Err(S3Error::InvalidRequest("Bucket tag count cannot be greater than 50".into()));
            }
            op::set_sub(svc, bucket, SubResource::Tagging, Some(tagging_xml(&tags))).await?;
            Ok(empty(204))
        }
        Op::DeleteBucketTagging => del(svc, bucket, SubResource::Tagging).await,
        Op::GetBucketAcl => {
            op::head_bucket(svc, bucket).await?;
            Ok(xml_ok(acl_xml(&r.ctx.account_id)))
        }
        Op::PutBucketAcl => {
            op::head_bucket(svc, bucket).await?;
            Ok(empty(200))
        }
        _ => Err(S3Error::NotImplemented(String::new())),
    }
}

async fn del(svc: &S3Service, bucket: String, what: SubResource) -> S3Result<Response> {
    op::set_sub(svc, bucket, what, None).await?;
    Ok(empty(204))
}

async fn put_xml(svc: &S3Service, r: &mut Req, what: SubResource, root_name: &str) -> S3Result<Response> {
    let body = read_small(r.take_body(), MAX_CONFIG).await?;
    let root = parse(&body)?;
    if root.name != root_name {
        return Err(S3Error::MalformedXML);
    }
    op::set_sub(svc, r.bucket(), what, Some(String::from_utf8_lossy(&body).into_owned())).await?;
    Ok(empty(200))
}

/// Parse a `<CORSConfiguration>`.
pub fn parse_cors(body: &[u8]) -> S3Result<Vec<CorsRule>> {
    let root = parse(body)?;
    if root.name != "CORSConfiguration" {
        return Err(S3Error::MalformedXML);
    }
    let texts = |n: &super::xml::Node, name: &str| n.all(name).map(|c| c.text.trim().to_string()).collect::<Vec<_>>();
    let rules: Vec<CorsRule> = root
        .all("CORSRule")
        .map(|n| CorsRule {
            id: n.text_of("ID").map(str::to_string),
            allowed_origins: texts(n, "AllowedOrigin"),
            allowed_methods: texts(n, "AllowedMethod"),
            allowed_headers: texts(n, "AllowedHeader"),
            expose_headers: texts(n, "ExposeHeader"),
            max_age: n.text_of("MaxAgeSeconds").and_then(|m| m.trim().parse().ok()),
        })
        .collect();
    if rules.is_empty() || rules.len() > 100 {
        return Err(S3Error::MalformedXML);
    }
    for rule in &rules {
        if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
            return Err(S3Error::MalformedXML);
        }
        for m in &rule.allowed_methods {
            if !["GET", "PUT", "POST", "DELETE", "HEAD"].contains(&m.as_str()) {
                return Err(S3Error::InvalidRequest(format!("Found unsupported HTTP method in CORS config. Unsupported method is {m}")));
            }
        }
    }
    Ok(rules)
}

/// Render CORS rules.
pub fn cors_xml(rules: &[CorsRule]) -> String {
    let mut w = XmlWriter::new("CORSConfiguration");
    for r in rules {
        w.open("CORSRule");
        w.opt("ID", r.id.as_deref());
        for (name, list) in [("AllowedHeader", &r.allowed_headers), ("AllowedMethod", &r.allowed_methods), ("AllowedOrigin", &r.allowed_origins), ("ExposeHeader", &r.expose_headers)] {
            for v in list {
                w.elem(name, v);
            }
        }
        if let Some(m) = r.max_age {
            w.elem("MaxAgeSeconds", &m.to_string());
        }
        w.close("CORSRule");
    }
    w.finish("CORSConfiguration")
}
