"""S3 with boto3, the AWS CLI and curl, for what test_s3.py leaves out: every standard object
header persisted and the GET/HEAD `response-*` overrides; SigV2 query presigning (boto3's
default) expiring and refusing a tampered URL; `aws s3 presign` then curl (and an expired one);
POST Object's success_action_redirect / _status answers and each policy violation (expired
policy, failed condition, too small a file) refused without storing anything."""
import datetime
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from s3_fixtures import aws_cli, bucket, code, s3  # noqa: F401  (pytest fixtures and helper shared by the S3 tests)


def test_standard_headers_persist_and_response_overrides(s3, bucket):
    expires = datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    s3.put_object(
        Bucket=bucket,
        Key="doc.gz",
        Body=b"\x1f\x8b not really gzip",
        ContentType="text/html; charset=utf-8",
        ContentEncoding="gzip",
        ContentLanguage="de-CH",
        ContentDisposition='attachment; filename="doc.html"',
        CacheControl="public, max-age=600",
        Expires=expires,
        WebsiteRedirectLocation="/other.html",
        StorageClass="STANDARD_IA",
        Metadata={"Owner-Name": "Ann", "empty": ""},
    )
    for got in (s3.head_object(Bucket=bucket, Key="doc.gz"), s3.get_object(Bucket=bucket, Key="doc.gz")):
        assert got["ContentType"] == "text/html; charset=utf-8"
        assert got["ContentEncoding"] == "gzip"
        assert got["ContentLanguage"] == "de-CH"
        assert got["ContentDisposition"] == 'attachment; filename="doc.html"'
        assert got["CacheControl"] == "public, max-age=600"
        assert got["Expires"] == expires
        assert got["WebsiteRedirectLocation"] == "/other.html"
        assert got["StorageClass"] == "STANDARD_IA"
        assert got["Metadata"] == {"owner-name": "Ann", "empty": ""}
        assert got["ContentLength"] == len(b"\x1f\x8b not really gzip") and got["AcceptRanges"] == "bytes"
    # the body is stored as sent: Content-Encoding is metadata, never applied
    assert s3.get_object(Bucket=bucket, Key="doc.gz")["Body"].read() == b"\x1f\x8b not really gzip"
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["StorageClass"] == "STANDARD_IA"

    over = s3.get_object(
        Bucket=bucket,
        Key="doc.gz",
        ResponseContentType="application/json",
        ResponseContentLanguage="fr",
        ResponseContentDisposition="inline",
        ResponseCacheControl="no-store",
        ResponseContentEncoding="identity",
        ResponseExpires=datetime.datetime(2030, 5, 6, tzinfo=datetime.timezone.utc),
    )
    assert over["ContentType"] == "application/json"
    assert over["ContentLanguage"] == "fr"
    assert over["ContentDisposition"] == "inline"
    assert over["CacheControl"] == "no-store"
    assert over["ContentEncoding"] == "identity"
    assert over["Expires"] == datetime.datetime(2030, 5, 6, tzinfo=datetime.timezone.utc)
    # Amplify's getProperties: HEAD with ?response-cache-control=no-store
    head = s3.head_object(Bucket=bucket, Key="doc.gz", ResponseCacheControl="no-store")
    assert head["CacheControl"] == "no-store"
    # the stored values are untouched by the overrides
    assert s3.head_object(Bucket=bucket, Key="doc.gz")["CacheControl"] == "public, max-age=600"

    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="bad-class", Body=b"x", StorageClass="NOT_A_CLASS")
    assert code(e) == (400, "InvalidStorageClass")


def test_sigv2_presigned_urls_expire_and_refuse_tampering(s3, bucket):
    """boto3's default presigner (SigV2 query auth: AWSAccessKeyId, Signature, Expires)."""
    s3.put_object(Bucket=bucket, Key="v2.txt", Body=b"sigv2")
    s3.put_object(Bucket=bucket, Key="v3.txt", Body=b"other")
    short = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v2.txt"}, ExpiresIn=1)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v2.txt"}, ExpiresIn=300)
    q = parse_qs(urlsplit(url).query)
    assert set(q) == {"AWSAccessKeyId", "Signature", "Expires"}, url
    assert requests.get(url, timeout=10).content == b"sigv2"
    # the signature covers the key, the expiry and the method
    r = requests.get(url.replace("/v2.txt?", "/v3.txt?"), timeout=10)
    assert r.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in r.text
    expires = q["Expires"][0]
    r = requests.get(url.replace(f"Expires={expires}", f"Expires={int(expires) + 100}"), timeout=10)
    assert r.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in r.text
    r = requests.delete(url, timeout=10)
    assert r.status_code == 403
    assert s3.get_object(Bucket=bucket, Key="v2.txt")["Body"].read() == b"sigv2"
    # a SigV2 presigned PUT uploads
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "v2-up.txt"}, ExpiresIn=300)
    assert "Signature=" in put_url and requests.put(put_url, data=b"up", timeout=10).status_code == 200
    assert s3.get_object(Bucket=bucket, Key="v2-up.txt")["Body"].read() == b"up"
    time.sleep(2.1)
    r = requests.get(short, timeout=10)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text and "expired" in r.text, r.text


def _curl(url, *args):
    return subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args, url], capture_output=True, timeout=30)


def test_aws_cli_presign_then_curl(endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="dir/c url.txt", Body=b"via curl")
    url = aws_cli(endpoint, "s3", "presign", f"s3://{bucket}/dir/c url.txt", "--expires-in", "120").strip()
    short = aws_cli(endpoint, "s3", "presign", f"s3://{bucket}/dir/c url.txt", "--expires-in", "1").strip()
    out = _curl(url).stdout
    body, status = out.rsplit(b"\n", 1)
    assert (status, body) == (b"200", b"via curl"), out
    # the signature covers the key
    out = _curl(url.replace("c%20url", "other")).stdout
    assert out.endswith(b"403") and b"SignatureDoesNotMatch" in out, out
    time.sleep(2.1)
    out = _curl(short).stdout
    assert out.endswith(b"403") and b"expired" in out, out


def test_post_object_redirect_status_and_policy_violations(client, bucket):
    s3c = client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    redirect = "http://app.test/done?from=form"
    post = s3c.generate_presigned_post(
        bucket,
        "r/${filename}",
        Fields={"success_action_redirect": redirect},
        Conditions=[{"success_action_redirect": redirect}, ["starts-with", "$key", "r/"], ["content-length-range", 2, 50]],
        ExpiresIn=300,
    )
    r = requests.post(post["url"], data=post["fields"], files={"file": ("a b.txt", b"redirected")}, allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    loc = urlsplit(r.headers["Location"])
    assert f"{loc.scheme}://{loc.netloc}{loc.path}" == "http://app.test/done"
    q = parse_qs(loc.query)
    etag = s3c.head_object(Bucket=bucket, Key="r/a b.txt")["ETag"]
    assert q == {"from": ["form"], "bucket": [bucket], "key": ["r/a b.txt"], "etag": [etag]}, q

    # success_action_status 200 and the default (204) have empty bodies
    for status, want in (("200", 200), (None, 204)):
        fields = {} if status is None else {"success_action_status": status}
        conds = [["starts-with", "$key", "s/"]] + ([{"success_action_status": status}] if status else [])
        p = s3c.generate_presigned_post(bucket, f"s/{want}.txt", Fields=fields, Conditions=conds, ExpiresIn=300)
        r = requests.post(p["url"], data=p["fields"], files={"file": ("x", b"status")}, timeout=10)
        assert r.status_code == want and r.content == b"" and r.headers["ETag"], (status, r.status_code, r.text)
        assert s3c.get_object(Bucket=bucket, Key=f"s/{want}.txt")["Body"].read() == b"status"

    # each violation: refused with the AWS error, nothing stored
    wrong_key = dict(post["fields"], key="elsewhere/${filename}")
    r = requests.post(post["url"], data=wrong_key, files={"file": ("w.txt", b"data")}, allow_redirects=False, timeout=10)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text and "Policy Condition failed" in r.text, r.text
    r = requests.post(post["url"], data=post["fields"], files={"file": ("tiny.txt", b"x")}, allow_redirects=False, timeout=10)
    assert r.status_code == 400 and "<Code>EntityTooSmall</Code>" in r.text, r.text
    other_redirect = dict(post["fields"], success_action_redirect="http://evil.test/")
    r = requests.post(post["url"], data=other_redirect, files={"file": ("e.txt", b"data")}, allow_redirects=False, timeout=10)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text, r.text
    expired = s3c.generate_presigned_post(bucket, "late.txt", ExpiresIn=1)
    time.sleep(2.1)
    r = requests.post(expired["url"], data=expired["fields"], files={"file": ("late.txt", b"late")}, timeout=10)
    assert r.status_code == 403 and "Policy expired" in r.text, r.text
    keys = sorted(o["Key"] for o in s3c.list_objects_v2(Bucket=bucket).get("Contents", []))
    assert keys == ["r/a b.txt", "s/200.txt", "s/204.txt"], keys
