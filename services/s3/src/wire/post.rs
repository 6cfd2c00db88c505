//! POST Object on the wire: a `multipart/form-data` upload whose file part streams into a
//! blob; policy checks in `ops::post_object`; `success_action_redirect` / `_status` answers.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html>.

use super::form::{boundary, FormReader};
use super::headers::checksum_headers;
use super::object::parse_tagging;
use super::xml::XmlWriter;
use super::{empty, set, xml_ok, Req};
use crate::checksum::{ChecksumAlg, Digests};
use crate::error::{S3Error, S3Result};
use crate::ops::integrity::Declared;
use crate::ops::object::{self as op, PutObjectInput, WriteConditions};
use crate::ops::post_object::{authorize, PostForm};
use crate::ops::{bucket as bucket_ops, check_key};
use crate::store::objects::ObjectMeta;
use crate::S3Service;
use axum::response::Response;

const MAX_FIELD: usize = 64 * 1024;
const MAX_FIELDS: usize = 100;

fn meta_from(form: &PostForm, file_type: Option<&str>) -> ObjectMeta {
    let get = |n: &str| form.get(n).map(str::to_string);
    ObjectMeta {
        content_type: Some(get("content-type").or(file_type.map(str::to_string)).unwrap_or_else(|| "binary/octet-stream".into())),
        cache_control: get("cache-control"),
        content_disposition: get("content-disposition"),
        content_encoding: get("content-encoding"),
        content_language: None,
        expires: get("expires"),
        website_redirect: get("x-amz-website-redirect-location"),
        storage_class: get("x-amz-storage-class").filter(|s| s != "STANDARD"),
        user: form.fields.iter().filter_map(|(k, v)| k.to_ascii_lowercase().strip_prefix("x-amz-meta-").map(|m| (m.to_string(), v.clone()))).collect(),
    }
}

/// POST Object.
pub async fn post_object(svc: &S3Service, mut r: Req) -> S3Result<Response> {
    let Some(b) = r.header("content-type").and_then(boundary) else {
        return Err(S3Error::PreconditionFailed { condition: "Bucket POST must be of the enclosure-type multipart/form-data" });
    };
    let bucket = r.bucket();
    bucket_ops::head_bucket(svc, bucket.clone()).await?;
    let mut reader = FormReader::new(r.take_body(), &b);
    let mut form = PostForm::default();
    let file = loop {
        let Some(part) = reader.next_part().await? else {
            return Err(S3Error::InvalidArgument("POST requires exactly one file upload per request.".into()));
        };
        if part.name.eq_ignore_ascii_case("file") {
            break part;
        }
        if form.fields.len() >= MAX_FIELDS {
            return Err(S3Error::MalformedPOSTRequest);
        }
        let v = reader.value(MAX_FIELD).await?;
        form.fields.push((part.name, v));
    };
    let range = authorize(svc, r.ctx.now, &bucket, &form)?;
    let filename = file.filename.clone().unwrap_or_default();
    let key = form.get("key").ok_or_else(|| S3Error::InvalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.".into()))?.replace("${filename}", &filename);
    check_key(&key)?;
    let mut declared = Declared { content_md5: form.get("content-md5").map(str::to_string), ..Default::default() };
    for alg in ChecksumAlg::ALL {
        if let Some(v) = form.get(alg.header()) {
            declared.checksums.push((alg, v.trim().to_string()));
        }
    }
    let mut algs = declared.algorithms();
    if algs.is_empty() {
        algs.push(ChecksumAlg::Crc64Nvme);
    }
    let mut w = svc.blobs().writer(Digests::new(false, &algs), None).await?;
    while let Some(chunk) = reader.chunk().await? {
        w.write(&chunk).await?;
        if let Some((_, max)) = range {
            if w.size() > max {
                return Err(S3Error::EntityTooLarge);
            }
        }
    }
    if let Some((min, _)) = range {
        if w.size() < min {
            return Err(S3Error::EntityTooSmall);
        }
    }
    let blob = w.finish().await?;
    let tags = match form.get("tagging") {
        Some(xml) => parse_tagging(xml.as_bytes())?,
        None => Vec::new(),
    };
    crate::ops::tagging::check_tags(&tags)?;
    let meta = meta_from(&form, file.content_type.as_deref());
    let input = PutObjectInput { bucket: bucket.clone(), key: key.clone(), meta, tags, body: blob, declared, cond: WriteConditions::default() };
    let out = op::put_object(svc, &r.ctx, input).await?;
    let location = format!("/{bucket}/{}", percent_encoding::utf8_percent_encode(&key, percent_encoding::NON_ALPHANUMERIC));
    let redirect = form.get("success_action_redirect").or(form.get("redirect")).filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let mut resp = if let Some(url) = redirect {
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        let sep = if url.contains('?') { '&' } else { '?' };
        let mut resp = empty(303);
        set(&mut resp, "location", &format!("{url}{sep}bucket={}&key={}&etag={}", enc(&bucket), enc(&key), enc(&out.etag)));
        resp
    } else {
        match form.get("success_action_status") {
            Some("200") => empty(200),
            Some("201") => {
                let mut x = XmlWriter::new("PostResponse");
                x.elem("Location", &location).elem("Bucket", &bucket).elem("Key", &key).elem("ETag", &out.etag);
                let mut resp = xml_ok(x.finish("PostResponse"));
                *resp.status_mut() = http::StatusCode::CREATED;
                resp
            }
            _ => empty(204),
        }
    };
    set(&mut resp, "etag", &out.etag);
    if !resp.headers().contains_key("location") {
        set(&mut resp, "location", &location);
    }
    if let Some(v) = &out.version_id {
        set(&mut resp, "x-amz-version-id", v);
    }
    if let Some(c) = &out.checksum {
        checksum_headers(&mut resp, c);
    }
    Ok(resp)
}
