//! ListObjectsV2, ListObjects, ListObjectVersions and ListMultipartUploads responses. Echoes
//! Name/Prefix/MaxKeys/Delimiter/ContinuationToken exactly as requested (Amplify checks), sends
//! KeyCount, and applies `encoding-type=url` to every key-like field.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html>.

use super::headers::iso8601;
use super::object::owner_id;
use super::route::Op;
use super::xml::XmlWriter;
use super::{xml_ok, Req};
use crate::error::{S3Error, S3Result};
use crate::ops::list::{self as op, decode_token, encode_token, ListInput};
use crate::ops::multipart;
use crate::store::objects::{Entry, ObjectRow};
use crate::S3Service;
use axum::response::Response;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Characters S3's `encoding-type=url` leaves alone: unreserved and `/`.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// URL-encode a key-like value when `url` is set.
pub fn enc(v: &str, url: bool) -> String {
    if url {
        utf8_percent_encode(v, KEEP).to_string()
    } else {
        v.to_string()
    }
}

fn max_keys(r: &Req, name: &str) -> S3Result<(String, usize)> {
    match r.q.get(name) {
        None => Ok(("1000".into(), 1000)),
        Some(v) => {
            let n: i64 = v.trim().parse().map_err(|_| S3Error::InvalidArgument("Provided max-keys not an integer or within integer range".into()))?;
            if n < 0 {
                return Err(S3Error::InvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647".into()));
            }
            Ok((v.trim().to_string(), (n as usize).min(1000)))
        }
    }
}

fn encoding(r: &Req) -> S3Result<bool> {
    match r.q.get("encoding-type") {
        None => Ok(false),
        Some(e) if e.eq_ignore_ascii_case("url") => Ok(true),
        Some(_) => Err(S3Error::InvalidArgument("Invalid Encoding Method specified in Request".into())),
    }
}

fn contents(w: &mut XmlWriter, row: &ObjectRow, url: bool, owner: Option<&str>) {
    w.open("Contents").elem("Key", &enc(&row.key, url)).elem("LastModified", &iso8601(row.mtime_ms)).elem("ETag", &row.etag);
    if let Some(c) = &row.checksum {
        w.elem("ChecksumAlgorithm", c.alg.name()).elem("ChecksumType", &c.kind);
    }
    w.elem("Size", &row.size.to_string()).elem("StorageClass", row.meta.storage_class.as_deref().unwrap_or("STANDARD"));
    if let Some(o) = owner {
        w.open("Owner").elem("ID", o).elem("DisplayName", "amplocal").close("Owner");
    }
    w.close("Contents");
}

fn prefixes(w: &mut XmlWriter, entries: &[Entry], url: bool) {
    for e in entries {
        if let Entry::Prefix(p) = e {
            w.open("CommonPrefixes").elem("Prefix", &enc(p, url)).close("CommonPrefixes");
        }
    }
}

fn last_name(entries: &[Entry]) -> Option<String> {
    entries.last().map(|e| match e {
        Entry::Object(o) => o.key.clone(),
        Entry::Prefix(p) => p.clone(),
    })
}

pub(super) async fn handle(svc: &S3Service, o: Op, r: Req) -> S3Result<Response> {
    match o {
        Op::ListObjectsV2 => v2(svc, r).await,
        Op::ListObjects => v1(svc, r).await,
        Op::ListObjectVersions => versions(svc, r).await,
        Op::ListMultipartUploads => uploads(svc, r).await,
        _ => Err(S3Error::NotImplemented(String::new())),
    }
}

async fn v2(svc: &S3Service, r: Req) -> S3Result<Response> {
    let url = encoding(&r)?;
    let (max_text, max) = max_keys(&r, "max-keys")?;
    let prefix = r.q.get("prefix").unwrap_or("").to_string();
    let delimiter = r.q.get("delimiter").map(str::to_string);
    let token = r.q.get("continuation-token").map(str::to_string);
    let start_after = r.q.get("start-after").map(str::to_string);
    let after = match &token {
        Some(t) => Some(decode_token(t)?),
        None => start_after.clone(),
    };
    let owner = r.q.get("fetch-owner").is_some_and(|v| v == "true").then(|| owner_id(&r.ctx.account_id));
    let input = ListInput { bucket: r.bucket(), prefix: prefix.clone(), delimiter: delimiter.clone().unwrap_or_default(), after, max, ..Default::default() };
    let page = op::list(svc, input).await?;
    let mut w = XmlWriter::new("ListBucketResult");
    w.elem("Name", &r.bucket()).elem("Prefix", &enc(&prefix, url));
    if let Some(d) = &delimiter {
        w.elem("Delimiter", &enc(d, url));
    }
    w.elem("MaxKeys", &max_text);
    if url {
        w.elem("EncodingType", "url");
    }
    w.elem("KeyCount", &page.entries.len().to_string()).elem("IsTruncated", if page.truncated { "true" } else { "false" });
    w.opt("ContinuationToken", token.as_deref());
    if page.truncated {
        if let Some(last) = last_name(&page.entries) {
            w.elem("NextContinuationToken", &encode_token(&last));
        }
    }
    if let Some(s) = &start_after {
        w.elem("StartAfter", &enc(s, url));
    }
    for e in &page.entries {
        if let Entry::Object(row) = e {
            contents(&mut w, row, url, owner.as_deref());
        }
    }
    prefixes(&mut w, &page.entries, url);
    Ok(xml_ok(w.finish("ListBucketResult")))
}

async fn v1(svc: &S3Service, r: Req) -> S3Result<Response> {
    let url = encoding(&r)?;
    let (max_text, max) = max_keys(&r, "max-keys")?;
    let prefix = r.q.get("prefix").unwrap_or("").to_string();
    let delimiter = r.q.get("delimiter").map(str::to_string);
    let marker = r.q.get("marker").unwrap_or("").to_string();
    let owner = owner_id(&r.ctx.account_id);
    let input = ListInput {
        bucket: r.bucket(),
        prefix: prefix.clone(),
        delimiter: delimiter.clone().unwrap_or_default(),
        after: (!marker.is_empty()).then(|| marker.clone()),
        max,
        ..Default::default()
    };
    let page = op::list(svc, input).await?;
    let mut w = XmlWriter::new("ListBucketResult");
    w.elem("Name", &r.bucket()).elem("Prefix", &enc(&prefix, url)).elem("Marker", &enc(&marker, url));
    if page.truncated && delimiter.is_some() {
        if let Some(last) = last_name(&page.entries) {
            w.elem("NextMarker", &enc(&last, url));
        }
    }
    w.elem("MaxKeys", &max_text);
    if let Some(d) = &delimiter {
        w.elem("Delimiter", &enc(d, url));
    }
    if url {
        w.elem("EncodingType", "url");
    }
    w.elem("IsTruncated", if page.truncated { "true" } else { "false" });
    for e in &page.entries {
        if let Entry::Object(row) = e {
            contents(&mut w, row, url, Some(&owner));
        }
    }
    prefixes(&mut w, &page.entries, url);
    Ok(xml_ok(w.finish("ListBucketResult")))
}

async fn versions(svc: &S3Service, r: Req) -> S3Result<Response> {
    let url = encoding(&r)?;
    let (max_text, max) = max_keys(&r, "max-keys")?;
    let prefix = r.q.get("prefix").unwrap_or("").to_string();
    let delimiter = r.q.get("delimiter").map(str::to_string);
    let key_marker = r.q.get("key-marker").unwrap_or("").to_string();
    let version_marker = r.q.get("version-id-marker").unwrap_or("").to_string();
    let owner = owner_id(&r.ctx.account_id);
    let input = ListInput {
        bucket: r.bucket(),
        prefix: prefix.clone(),
        delimiter: delimiter.clone().unwrap_or_default(),
        after: (!key_marker.is_empty()).then(|| key_marker.clone()),
        version_marker: (!version_marker.is_empty()).then(|| version_marker.clone()),
        max,
        versions: true,
    };
    let page = op::list(svc, input).await?;
    let mut w = XmlWriter::new("ListVersionsResult");
    w.elem("Name", &r.bucket()).elem("Prefix", &enc(&prefix, url)).elem("KeyMarker", &enc(&key_marker, url)).elem("VersionIdMarker", &version_marker);
    if page.truncated {
        match page.entries.last() {
            Some(Entry::Object(o)) => {
                w.elem("NextKeyMarker", &enc(&o.key, url)).elem("NextVersionIdMarker", &o.version_id);
            }
            Some(Entry::Prefix(p)) => {
                w.elem("NextKeyMarker", &enc(p, url));
            }
            None => {}
        }
    }
    w.elem("MaxKeys", &max_text);
    if let Some(d) = &delimiter {
        w.elem("Delimiter", &enc(d, url));
    }
    if url {
        w.elem("EncodingType", "url");
    }
    w.elem("IsTruncated", if page.truncated { "true" } else { "false" });
    for e in &page.entries {
        if let Entry::Object(o) = e {
            let tag = if o.delete_marker { "DeleteMarker" } else { "Version" };
            w.open(tag).elem("Key", &enc(&o.key, url)).elem("VersionId", &o.version_id).elem("IsLatest", if o.latest { "true" } else { "false" });
            w.elem("LastModified", &iso8601(o.mtime_ms));
            if !o.delete_marker {
                w.elem("ETag", &o.etag).elem("Size", &o.size.to_string()).elem("StorageClass", o.meta.storage_class.as_deref().unwrap_or("STANDARD"));
                if let Some(c) = &o.checksum {
                    w.elem("ChecksumAlgorithm", c.alg.name()).elem("ChecksumType", &c.kind);
                }
            }
            w.open("Owner").elem("ID", &owner).elem("DisplayName", "amplocal").close("Owner");
            w.close(tag);
        }
    }
    prefixes(&mut w, &page.entries, url);
    Ok(xml_ok(w.finish("ListVersionsResult")))
}

async fn uploads(svc: &S3Service, r: Req) -> S3Result<Response> {
    let url = encoding(&r)?;
    let (max_text, max) = max_keys(&r, "max-uploads")?;
    let prefix = r.q.get("prefix").unwrap_or("").to_string();
    let key_marker = r.q.get("key-marker").unwrap_or("").to_string();
    // upload-id-marker counts only together with a key-marker (AWS ignores it otherwise)
    let id_marker = r.q.get("upload-id-marker").filter(|m| !m.is_empty() && !key_marker.is_empty()).map(str::to_string);
    let (rows, truncated) = multipart::list_uploads(svc, r.bucket(), prefix.clone(), key_marker.clone(), id_marker, max).await?;
    let owner = owner_id(&r.ctx.account_id);
    let mut w = XmlWriter::new("ListMultipartUploadsResult");
    w.elem("Bucket", &r.bucket()).elem("KeyMarker", &enc(&key_marker, url)).elem("UploadIdMarker", r.q.get("upload-id-marker").unwrap_or(""));
    if truncated {
        if let Some(last) = rows.last() {
            w.elem("NextKeyMarker", &enc(&last.key, url)).elem("NextUploadIdMarker", &last.upload_id);
        }
    }
    w.elem("Prefix", &enc(&prefix, url)).elem("MaxUploads", &max_text);
    if url {
        w.elem("EncodingType", "url");
    }
    w.elem("IsTruncated", if truncated { "true" } else { "false" });
    for u in &rows {
        w.open("Upload").elem("Key", &enc(&u.key, url)).elem("UploadId", &u.upload_id);
        w.open("Initiator").elem("ID", &owner).elem("DisplayName", "amplocal").close("Initiator");
        w.open("Owner").elem("ID", &owner).elem("DisplayName", "amplocal").close("Owner");
        w.elem("StorageClass", "STANDARD").elem("Initiated", &iso8601(u.initiated_ms));
        w.opt("ChecksumAlgorithm", u.checksum_alg.as_deref()).opt("ChecksumType", u.checksum_type.as_deref());
        w.close("Upload");
    }
    Ok(xml_ok(w.finish("ListMultipartUploadsResult")))
}
