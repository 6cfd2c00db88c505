//! Multipart uploads on the wire: CreateMultipartUpload, UploadPart, UploadPartCopy,
//! CompleteMultipartUpload, AbortMultipartUpload, ListParts.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html>.

use super::body::{read_small, receive};
use super::headers::{self, checksum_headers, iso8601};
use super::object::owner_id;
use super::route::Op;
use super::xml::{parse, XmlWriter};
use super::{empty, set, xml_ok, Req};
use crate::checksum::{ChecksumAlg, Digests};
use crate::error::{S3Error, S3Result};
use crate::ops::multipart::{self as op, CompleteInput, CompletedPart, CreateInput, PartCopyInput, UploadPartInput};
use crate::ops::{bucket as bucket_ops, check_key};
use crate::S3Service;
use axum::response::Response;

fn upload_id(r: &Req) -> String {
    r.q.get("uploadId").unwrap_or("").to_string()
}

fn part_number(r: &Req) -> S3Result<u32> {
    r.q.get("partNumber")
        .and_then(|p| p.trim().parse::<u32>().ok())
        .ok_or_else(|| S3Error::InvalidArgument("Part number must be an integer between 1 and 10000, inclusive".into()))
}

pub(super) async fn handle(svc: &S3Service, o: Op, mut r: Req) -> S3Result<Response> {
    match o {
        Op::CreateMultipartUpload => {
            check_key(&r.key())?;
            let checksum_alg = match r.header("x-amz-checksum-algorithm") {
                Some(a) => Some(ChecksumAlg::parse(a).ok_or_else(|| S3Error::InvalidRequest("Checksum algorithm provided is unsupported.".into()))?),
                None => None,
            };
            let tags = headers::tagging_header(&r);
            crate::ops::tagging::check_tags(&tags)?;
            let input = CreateInput {
                bucket: r.bucket(),
                key: r.key(),
                meta: headers::object_meta(&r)?,
                tags,
                checksum_alg,
                checksum_type: r.header("x-amz-checksum-type").map(|t| t.trim().to_ascii_uppercase()),
            };
            let u = op::create(svc, &r.ctx, input).await?;
            let mut w = XmlWriter::new("InitiateMultipartUploadResult");
            w.elem("Bucket", &u.bucket).elem("Key", &u.key).elem("UploadId", &u.upload_id);
            let mut resp = xml_ok(w.finish("InitiateMultipartUploadResult"));
            if let Some(a) = &u.checksum_alg {
                set(&mut resp, "x-amz-checksum-algorithm", a);
            }
            if let Some(t) = &u.checksum_type {
                set(&mut resp, "x-amz-checksum-type", t);
            }
            Ok(resp)
        }
        Op::UploadPart => {
            let number = part_number(&r)?;
            bucket_ops::head_bucket(svc, r.bucket()).await?;
            let framing = headers::framing(&r)?;
            let (mut declared, algs) = headers::declared(&r)?;
            let received = receive(svc, r.take_body(), framing, Digests::new(declared.sha256_hex.is_some(), &algs)).await?;
            declared.checksums.extend(received.trailer_checksums);
            let input = UploadPartInput { bucket: r.bucket(), key: r.key(), upload_id: upload_id(&r), number, body: received.blob, declared };
            let out = op::upload_part(svc, &r.ctx, input).await?;
            let mut resp = empty(200);
            set(&mut resp, "etag", &out.etag);
            if let Some(c) = &out.checksum {
                set(&mut resp, c.alg.header(), &c.value);
            }
            Ok(resp)
        }
        Op::UploadPartCopy => {
            let (src_bucket, src_key, src_version) = headers::copy_source(r.header("x-amz-copy-source").unwrap_or(""))?;
            let range = match r.header("x-amz-copy-source-range") {
                None => None,
                Some(v) => match headers::parse_range(v) {
                    Some(crate::ops::object::RangeSpec::FromTo(a, Some(b))) => Some((a, b)),
                    _ => return Err(S3Error::InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy".into())),
                },
            };
            let input = PartCopyInput {
                bucket: r.bucket(),
                key: r.key(),
                upload_id: upload_id(&r),
                number: part_number(&r)?,
                src_bucket,
                src_key,
                src_version,
                range,
                source_cond: headers::read_conditions(&r, "x-amz-copy-source-"),
            };
            let out = op::upload_part_copy(svc, &r.ctx, input).await?;
            let mut w = XmlWriter::new("CopyPartResult");
            w.elem("ETag", &out.etag).elem("LastModified", &iso8601(out.mtime_ms));
            if let Some(c) = &out.checksum {
                w.elem(c.alg.xml_name(), &c.value);
            }
            Ok(xml_ok(w.finish("CopyPartResult")))
        }
        Op::CompleteMultipartUpload => {
            let body = read_small(r.take_body(), 16 << 20).await?;
            let root = parse(&body)?;
            if root.name != "CompleteMultipartUpload" {
                return Err(S3Error::MalformedXML);
            }
            let mut parts = Vec::new();
            for p in root.all("Part") {
                let number = p.text_of("PartNumber").and_then(|n| n.trim().parse().ok()).ok_or(S3Error::MalformedXML)?;
                let etag = p.text_of("ETag").ok_or(S3Error::MalformedXML)?.to_string();
                let checksums = ChecksumAlg::ALL.into_iter().filter_map(|a| p.text_of(a.xml_name()).map(|v| (a, v.trim().to_string()))).collect();
                parts.push(CompletedPart { number, etag, checksums });
            }
            let checksums = ChecksumAlg::ALL.into_iter().filter_map(|a| r.header(a.header()).map(|v| (a, v.trim().to_string()))).collect();
            let input = CompleteInput { bucket: r.bucket(), key: r.key(), upload_id: upload_id(&r), parts, cond: headers::write_conditions(&r)?, checksums };
            let out = op::complete(svc, &r.ctx, input).await?;
            let mut w = XmlWriter::new("CompleteMultipartUploadResult");
            w.elem("Location", &format!("/{}/{}", r.bucket(), r.key())).elem("Bucket", &r.bucket()).elem("Key", &r.key()).elem("ETag", &out.etag);
            if let Some(c) = &out.checksum {
                w.elem(c.alg.xml_name(), &c.value).elem("ChecksumType", &c.kind);
            }
            let mut resp = xml_ok(w.finish("CompleteMultipartUploadResult"));
            if let Some(v) = &out.version_id {
                set(&mut resp, "x-amz-version-id", v);
            }
            if let Some(c) = &out.checksum {
                checksum_headers(&mut resp, c);
            }
            Ok(resp)
        }
        Op::AbortMultipartUpload => {
            op::abort(svc, r.bucket(), r.key(), upload_id(&r)).await?;
            Ok(empty(204))
        }
        Op::ListParts => {
            let max = match r.q.get("max-parts") {
                Some(m) => m.trim().parse::<usize>().map_err(|_| S3Error::InvalidArgument("Provided max-parts not an integer or within integer range".into()))?.min(1000),
                None => 1000,
            };
            let marker: u32 = r.q.get("part-number-marker").and_then(|m| m.trim().parse().ok()).unwrap_or(0);
            let (u, parts, truncated) = op::list_parts(svc, r.bucket(), r.key(), upload_id(&r), marker, max).await?;
            let owner = owner_id(&r.ctx.account_id);
            let mut w = XmlWriter::new("ListPartsResult");
            w.elem("Bucket", &u.bucket).elem("Key", &u.key).elem("UploadId", &u.upload_id);
            w.elem("PartNumberMarker", &marker.to_string());
            if let Some(last) = parts.last() {
                w.elem("NextPartNumberMarker", &last.part_number.to_string());
            }
            w.elem("MaxParts", &max.to_string()).elem("IsTruncated", if truncated { "true" } else { "false" });
            w.open("Initiator").elem("ID", &owner).elem("DisplayName", "amplocal").close("Initiator");
            w.open("Owner").elem("ID", &owner).elem("DisplayName", "amplocal").close("Owner");
            w.elem("StorageClass", "STANDARD");
            w.opt("ChecksumAlgorithm", u.checksum_alg.as_deref()).opt("ChecksumType", u.checksum_type.as_deref());
            for p in &parts {
                w.open("Part").elem("PartNumber", &p.part_number.to_string()).elem("LastModified", &iso8601(p.mtime_ms)).elem("ETag", &p.etag).elem("Size", &p.size.to_string());
                if let Some(c) = &p.checksum {
                    w.elem(c.alg.xml_name(), &c.value);
                }
                w.close("Part");
            }
            Ok(xml_ok(w.finish("ListPartsResult")))
        }
        _ => Err(S3Error::NotImplemented(String::new())),
    }
}
