//! Object operations on the wire: PutObject, GetObject, HeadObject, DeleteObject,
//! DeleteObjects, CopyObject, object tagging, ACL (fixed owner) and GetObjectAttributes.

use super::body::{read_small, receive};
use super::headers::{self, checksum_headers, iso8601, object_headers};
use super::route::Op;
use super::xml::{parse, XmlWriter};
use super::{empty, set, xml_ok, Req};
use crate::checksum::{ChecksumAlg, Digests};
use crate::error::{S3Error, S3Result};
use crate::ops::copy::CopyObjectInput;
use crate::ops::integrity::{verify, Declared};
use crate::ops::delete::{self as del, DeleteResult};
use crate::ops::object::{self as op, GetObjectInput, PutObjectInput};
use crate::ops::tagging as tag;
use crate::ops::{bucket as bucket_ops, check_key};
use crate::S3Service;
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use crate::store::blob::{read_sources, slice};
use std::path::PathBuf;

const READ_CHUNK: usize = 1024 * 1024;
const READ_AHEAD: usize = 4;
const SMALL_BODY: u64 = 1024 * 1024;

pub(super) async fn handle(svc: &S3Service, op: Op, r: Req) -> S3Result<Response> {
    match op {
        Op::PutObject => put(svc, r).await,
        Op::GetObject => get(svc, r, false).await,
        Op::HeadObject => get(svc, r, true).await,
        Op::DeleteObject => {
            let out = del::delete_object(svc, &r.ctx, r.bucket(), r.key(), r.q.get("versionId").map(str::to_string), r.header("if-match").map(str::to_string)).await?;
            let mut resp = empty(204);
            if let Some(v) = &out.version_id {
                set(&mut resp, "x-amz-version-id", v);
            }
            if out.delete_marker {
                set(&mut resp, "x-amz-delete-marker", "true");
            }
            Ok(resp)
        }
        Op::DeleteObjects => delete_objects(svc, r).await,
        Op::CopyObject => copy(svc, r).await,
        Op::GetObjectTagging => {
            let row = tag::get_tagging(svc, r.bucket(), r.key(), r.q.get("versionId").map(str::to_string)).await?;
            let mut resp = xml_ok(tagging_xml(&row.tags));
            if row.version_id != "null" {
                set(&mut resp, "x-amz-version-id", &row.version_id);
            }
            Ok(resp)
        }
        Op::PutObjectTagging => {
            let mut r = r;
            let body = read_small(r.take_body(), 1 << 20).await?;
            let tags = parse_tagging(&body)?;
            tag_response(tag::put_tagging(svc, r.bucket(), r.key(), r.q.get("versionId").map(str::to_string), tags).await?, 200)
        }
        Op::DeleteObjectTagging => tag_response(tag::put_tagging(svc, r.bucket(), r.key(), r.q.get("versionId").map(str::to_string), Vec::new()).await?, 204),
        Op::GetObjectAcl => {
            tag::get_tagging(svc, r.bucket(), r.key(), r.q.get("versionId").map(str::to_string)).await?;
            Ok(xml_ok(acl_xml(&r.ctx.account_id)))
        }
        Op::PutObjectAcl => {
            tag::get_tagging(svc, r.bucket(), r.key(), r.q.get("versionId").map(str::to_string)).await?;
            Ok(empty(200))
        }
        Op::GetObjectAttributes => attributes(svc, r).await,
        _ => Err(S3Error::NotImplemented(String::new())),
    }
}

fn tag_response(row: crate::store::objects::ObjectRow, status: u16) -> S3Result<Response> {
    let mut resp = empty(status);
    if row.version_id != "null" {
        set(&mut resp, "x-amz-version-id", &row.version_id);
    }
    Ok(resp)
}

/// `<Tagging><TagSet><Tag>…` for object and bucket tagging.
pub fn tagging_xml(tags: &[(String, String)]) -> String {
    let mut w = XmlWriter::new("Tagging");
    w.open("TagSet");
    for (k, v) in tags {
        w.open("Tag").elem("Key", k).elem("Value", v).close("Tag");
    }
    w.close("TagSet");
    w.finish("Tagging")
}

/// Parse a `<Tagging>` document.
pub fn parse_tagging(body: &[u8]) -> S3Result<Vec<(String, String)>> {
    let root = parse(body)?;
    let set = root.child("TagSet").ok_or(S3Error::MalformedXML)?;
    set.all("Tag")
        .map(|t| match (t.text_of("Key"), t.text_of("Value")) {
            (Some(k), v) => Ok((k.to_string(), v.unwrap_or("").to_string())),
            _ => Err(S3Error::MalformedXML),
        })
        .collect()
}

/// The canonical owner id of an account.
pub fn owner_id(account: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(account.as_bytes()))
}

/// The fixed owner-full-control ACL.
pub fn acl_xml(account: &str) -> String {
    let id = owner_id(account);
    let mut w = XmlWriter::new("AccessControlPolicy");
    w.open("Owner").elem("ID", &id).elem("DisplayName", "amplocal").close("Owner");
    w.open("AccessControlList").open("Grant");
    w.buf_grantee(&id);
    w.elem("Permission", "FULL_CONTROL").close("Grant").close("AccessControlList");
    w.finish("AccessControlPolicy")
}

impl XmlWriter {
    fn buf_grantee(&mut self, id: &str) {
        self.raw("<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">");
        self.elem("ID", id).elem("DisplayName", "amplocal").close("Grantee");
    }
}

async fn put(svc: &S3Service, mut r: Req) -> S3Result<Response> {
    check_key(&r.key())?;
    // Refuse a large body for a missing bucket before reading it; a small one is checked by the
    // commit transaction itself (one blocking hop less per small PUT).
    let declared_len = r.header("x-amz-decoded-content-length").or(r.header("content-length")).and_then(|v| v.trim().parse::<u64>().ok());
    if declared_len.is_none_or(|n| n > SMALL_BODY) {
        bucket_ops::head_bucket(svc, r.bucket()).await?;
    }
    let meta = headers::object_meta(&r)?;
    let tags = headers::tagging_header(&r);
    tag::check_tags(&tags)?;
    let framing = headers::framing(&r)?;
    let (mut declared, algs) = headers::declared(&r)?;
    let cond = headers::write_conditions(&r)?;
    let received = receive(svc, r.take_body(), framing, Digests::new(declared.sha256_hex.is_some(), &algs)).await?;
    declared.checksums.extend(received.trailer_checksums);
    let input = PutObjectInput { bucket: r.bucket(), key: r.key(), meta, tags, body: received.blob, declared, cond };
    let out = op::put_object(svc, &r.ctx, input).await?;
    let mut resp = empty(200);
    set(&mut resp, "etag", &out.etag);
    if let Some(v) = &out.version_id {
        set(&mut resp, "x-amz-version-id", v);
    }
    if let Some(c) = &out.checksum {
        checksum_headers(&mut resp, c);
    }
    set(&mut resp, "x-amz-server-side-encryption", "AES256");
    Ok(resp)
}

async fn get(svc: &S3Service, r: Req, head: bool) -> S3Result<Response> {
    let part_number = match r.q.get("partNumber") {
        Some(p) => Some(p.parse::<u32>().map_err(|_| S3Error::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive".into()))?),
        None => None,
    };
    let range_header = r.header("range").unwrap_or("").to_string();
    let range = headers::parse_range(&range_header);
    if part_number.is_some() && range.is_some() {
        return Err(S3Error::InvalidRequest("Cannot specify both Range header and partNumber query parameter".into()));
    }
    let input = GetObjectInput {
        bucket: r.bucket(),
        key: r.key(),
        version_id: r.q.get("versionId").map(str::to_string),
        cond: headers::read_conditions(&r, ""),
        range,
        range_header,
        part_number,
        inline_max: if head { 0 } else { SMALL_BODY },
    };
    let mut out = op::get_object(svc, input).await?;
    let size = out.row.size;
    let (status, len) = match out.range {
        Some((a, b)) => (206, b - a + 1),
        None => (200, size),
    };
    let body = if head || len == 0 {
        Body::empty()
    } else if let Some(data) = out.data.take() {
        Body::from(data)
    } else {
        if out.segments.is_empty() {
            return Err(amplocal_core::InternalError::new("object without blob").into());
        }
        let range = out.range.unwrap_or((0, size - 1));
        stream_file(slice(&out.segments, Some(range)))
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    object_headers(&mut resp, &out.row, out.versioned);
    set(&mut resp, "content-length", &len.to_string());
    if status == 206 {
        if let Some((a, b)) = out.range {
            set(&mut resp, "content-range", &format!("bytes {a}-{b}/{size}"));
        }
    }
    if let Some(n) = out.parts_count {
        set(&mut resp, "x-amz-mp-parts-count", &n.to_string());
    }
    let whole = out.range.is_none() && part_number.is_none();
    if r.header("x-amz-checksum-mode").is_some_and(|m| m.eq_ignore_ascii_case("ENABLED")) && whole {
        if let Some(c) = &out.row.checksum {
            checksum_headers(&mut resp, c);
        }
    }
    headers::response_overrides(&mut resp, &r);
    Ok(resp)
}

/// The response body for `sources` (larger bodies; small ones come with the metadata): a
/// blocking reader stays a few chunks ahead of the socket (at most `READ_AHEAD` in memory).
fn stream_file(sources: Vec<(PathBuf, Option<(u64, u64)>)>) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(READ_AHEAD);
    tokio::task::spawn_blocking(move || {
        let res = read_sources(sources, READ_CHUNK, |b| tx.blocking_send(Ok(Bytes::from(b))).is_ok());
        if let Err(e) = res {
            let _ = tx.blocking_send(Err(e));
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) });
    Body::from_stream(stream)
}

async fn delete_objects(svc: &S3Service, mut r: Req) -> S3Result<Response> {
    let bucket = match &r.addr.bucket {
        Some(b) => b.clone(),
        // AWS quirk (Amplify Storage): `POST /?delete` with the bucket dropped from the path.
        None => {
            let mine = bucket_ops::list_buckets(svc, &r.ctx).await?;
            match mine.as_slice() {
                [only] => only.name.clone(),
                _ => return Err(S3Error::NoSuchBucket { bucket: String::new() }),
            }
        }
    };
    let body = read_small(r.take_body(), 4 << 20).await?;
    let (declared, _) = headers::declared(&r)?;
    let mut got = Digests::new(declared.sha256_hex.is_some(), &declared.algorithms());
    got.update(&body);
    verify(&Declared { algorithm: None, ..declared }, &got.finish())?;
    let root = parse(&body)?;
    if root.name != "Delete" {
        return Err(S3Error::MalformedXML);
    }
    let quiet = root.text_of("Quiet").is_some_and(|q| q.trim().eq_ignore_ascii_case("true"));
    let mut objects = Vec::new();
    for o in root.all("Object") {
        let key = o.text_of("Key").ok_or(S3Error::MalformedXML)?.to_string();
        objects.push(del::DeleteTarget { key, version: o.text_of("VersionId").map(str::to_string), etag: o.text_of("ETag").map(str::to_string) });
    }
    if objects.is_empty() || objects.len() > 1000 {
        return Err(S3Error::MalformedXML);
    }
    // Amplify Storage rules (identity-pool callers): a key the caller may not delete gets its
    // own AccessDenied entry, as the IAM check does per key on AWS; the others are deleted.
    let denied: Vec<bool> = objects.iter().map(|o| !crate::access::may_delete(svc, &r.ctx, &bucket, &o.key)).collect();
    let (allowed, refused): (Vec<_>, Vec<_>) = objects.into_iter().zip(denied.iter().copied()).partition(|(_, d)| !d);
    let mut done = if allowed.is_empty() {
        Vec::new()
    } else {
        del::delete_objects(svc, &r.ctx, bucket, allowed.into_iter().map(|(o, _)| o).collect()).await?
    }
    .into_iter();
    let mut refused = refused.into_iter().map(|(o, _)| DeleteResult::Error(o.key, o.version, "AccessDenied", "Access Denied".into()));
    let results: Vec<DeleteResult> = denied.iter().filter_map(|d| if *d { refused.next() } else { done.next() }).collect();
    let mut w = XmlWriter::new("DeleteResult");
    for res in results {
        match res {
            DeleteResult::Deleted(key, version, out) => {
                if quiet {
                    continue;
                }
                w.open("Deleted").elem("Key", &key).opt("VersionId", version.as_deref());
                if out.delete_marker {
                    w.elem("DeleteMarker", "true");
                    if version.is_none() {
                        w.opt("DeleteMarkerVersionId", out.version_id.as_deref());
                    }
                }
                w.close("Deleted");
            }
            DeleteResult::Error(key, version, code, msg) => {
                w.open("Error").elem("Key", &key).opt("VersionId", version.as_deref()).elem("Code", code).elem("Message", &msg).close("Error");
            }
        }
    }
    Ok(xml_ok(w.finish("DeleteResult")))
}

async fn copy(svc: &S3Service, r: Req) -> S3Result<Response> {
    let (src_bucket, src_key, src_version) = headers::copy_source(r.header("x-amz-copy-source").unwrap_or(""))?;
    let directive = |name: &str| -> S3Result<bool> {
        match r.header(name).map(|d| d.trim().to_ascii_uppercase()) {
            None => Ok(false),
            Some(d) if d == "COPY" => Ok(false),
            Some(d) if d == "REPLACE" => Ok(true),
            Some(_) => Err(S3Error::InvalidArgument(format!("Unknown {name}"))),
        }
    };
    let replace_metadata = directive("x-amz-metadata-directive")?;
    let replace_tags = directive("x-amz-tagging-directive")?;
    let tags = headers::tagging_header(&r);
    tag::check_tags(&tags)?;
    let checksum_alg = match r.header("x-amz-checksum-algorithm") {
        Some(a) => Some(ChecksumAlg::parse(a).ok_or_else(|| S3Error::InvalidRequest("Checksum algorithm provided is unsupported.".into()))?),
        None => None,
    };
    let input = CopyObjectInput {
        src_bucket,
        src_key,
        src_version,
        bucket: r.bucket(),
        key: r.key(),
        replace_metadata,
        meta: headers::object_meta(&r)?,
        replace_tags,
        tags,
        source_cond: headers::read_conditions(&r, "x-amz-copy-source-"),
        cond: headers::write_conditions(&r)?,
        checksum_alg,
        other_change: r.header("x-amz-storage-class").is_some() || r.header("x-amz-website-redirect-location").is_some() || r.header("x-amz-server-side-encryption").is_some(),
    };
    let out = crate::ops::copy::copy_object(svc, &r.ctx, input).await?;
    let mut w = XmlWriter::new("CopyObjectResult");
    w.elem("ETag", &out.put.etag).elem("LastModified", &iso8601(out.put.mtime_ms));
    if let Some(c) = &out.put.checksum {
        w.elem("ChecksumType", &c.kind).elem(c.alg.xml_name(), &c.value);
    }
    let mut resp = xml_ok(w.finish("CopyObjectResult"));
    if let Some(v) = &out.put.version_id {
        set(&mut resp, "x-amz-version-id", v);
    }
    if let Some(v) = &out.src_version_id {
        set(&mut resp, "x-amz-copy-source-version-id", v);
    }
    Ok(resp)
}

async fn attributes(svc: &S3Service, r: Req) -> S3Result<Response> {
    let wanted: Vec<String> = r.headers.get_all("x-amz-object-attributes").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',').map(|s| s.trim().to_string())).collect();
    if wanted.is_empty() {
        return Err(S3Error::InvalidArgument("Empty attribute specified".into()));
    }
    let input = GetObjectInput { bucket: r.bucket(), key: r.key(), version_id: r.q.get("versionId").map(str::to_string), ..Default::default() };
    let out = op::get_object(svc, input).await?;
    let row = &out.row;
    let mut w = XmlWriter::new("GetObjectAttributesResponse");
    for a in &wanted {
        match a.as_str() {
            "ETag" => {
                w.elem("ETag", row.etag.trim_matches('"'));
            }
            "Checksum" => {
                if let Some(c) = &row.checksum {
                    w.open("Checksum").elem(c.alg.xml_name(), &c.value).elem("ChecksumType", &c.kind).close("Checksum");
                }
            }
            "ObjectParts" => {
                if !row.parts.is_empty() {
                    w.open("ObjectParts").elem("PartsCount", &row.parts.len().to_string()).close("ObjectParts");
                }
            }
            "StorageClass" => {
                w.elem("StorageClass", row.meta.storage_class.as_deref().unwrap_or("STANDARD"));
            }
            "ObjectSize" => {
                w.elem("ObjectSize", &row.size.to_string());
            }
            other => return Err(S3Error::InvalidArgument(format!("Invalid attribute name specified: {other}"))),
        }
    }
    let mut resp = xml_ok(w.finish("GetObjectAttributesResponse"));
    set(&mut resp, "last-modified", &op::http_date(row.mtime_ms));
    if out.versioned {
        set(&mut resp, "x-amz-version-id", &row.version_id);
    }
    Ok(resp)
}
