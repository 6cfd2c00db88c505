"""S3 with real Python clients: boto3 (path-style, default checksums, s3transfer multipart,
presigned URLs in SigV2 and SigV4, aws-chunked over HTTPS) and the AWS CLI (s3 mb/cp/ls/sync/presign)."""
import hashlib
import os
import uuid

import boto3
import pytest
import requests
import urllib3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError
from s3_fixtures import aws_cli, bucket, code, s3  # noqa: F401  (pytest fixtures and helper shared by the S3 tests)

urllib3.disable_warnings()


def test_object_round_trip_and_errors(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello world", ContentType="text/plain", Metadata={"k": "v"})
    assert put["ETag"] == '"5eb63bbbe01eeed093cb22bb8f5acdc3"'
    assert put["ChecksumCRC32"]  # botocore sends CRC32 by default, we echo it
    got = s3.get_object(Bucket=bucket, Key="a/b.txt")  # botocore validates the returned checksum
    assert got["Body"].read() == b"hello world"
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"k": "v"}
    head = s3.head_object(Bucket=bucket, Key="a/b.txt")
    assert head["ContentLength"] == 11
    part = s3.get_object(Bucket=bucket, Key="a/b.txt", Range="bytes=6-")
    assert part["Body"].read() == b"world" and part["ContentRange"] == "bytes 6-10/11"

    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="missing")
    assert code(e) == (404, "NoSuchKey")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="no-such-bucket-here", Key="k")
    assert code(e) == (404, "NoSuchBucket")
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket="Bad_Name")
    assert code(e) == (400, "InvalidBucketName")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert code(e) == (409, "BucketNotEmpty")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="a/b.txt", Range="bytes=50-60")
    assert code(e) == (416, "InvalidRange")
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"x", IfNoneMatch="*")
    assert code(e) == (412, "PreconditionFailed")


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"])
def test_flexible_checksums(s3, bucket, algorithm):
    # CRC32C and CRC64NVME need awscrt, which tests/python/requirements.txt installs.
    resp = s3.put_object(Bucket=bucket, Key=f"c-{algorithm}", Body=b"checksummed body", ChecksumAlgorithm=algorithm)
    assert resp[f"Checksum{algorithm}"]
    got = s3.get_object(Bucket=bucket, Key=f"c-{algorithm}", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == resp[f"Checksum{algorithm}"]
    assert got["Body"].read() == b"checksummed body"


def test_listing_with_url_encoding_and_pagination(s3, bucket):
    keys = ["pct%2F", "sp ace+plus", "ünïcödé/😀", "../escape", "a//b", "dir/", "0"] + [f"many/{i:03d}" for i in range(25)]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    listed = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 7}):
        assert page["KeyCount"] == len(page.get("Contents", [])) + len(page.get("CommonPrefixes", []))
        listed += [o["Key"] for o in page.get("Contents", [])]
    assert listed == sorted(keys, key=lambda k: k.encode())
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["../", "a/", "dir/", "many/", "ünïcödé/"]
    v1 = [o["Key"] for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 5}) for o in page.get("Contents", [])]
    assert v1 == listed
    for k in keys:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode()
    versions = s3.list_object_versions(Bucket=bucket, Prefix="many/")
    assert len(versions["Versions"]) == 25 and all(v["VersionId"] == "null" for v in versions["Versions"])
    # botocore adds encoding-type=url to ListObjectVersions too and decodes what comes back
    pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4})
    assert [v["Key"] for page in pages for v in page.get("Versions", [])] == listed
    top = s3.list_object_versions(Bucket=bucket, Delimiter="/", Prefix="")
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["../", "a/", "dir/", "many/", "ünïcödé/"]


def test_delete_objects_and_copy(s3, bucket):
    for k in ["x1", "x2", "x3"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"d")
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "x1"}, {"Key": "x2"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["x1", "x2"]
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "x3"})
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"d"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="x3", CopySource={"Bucket": bucket, "Key": "x3"})
    assert code(e) == (400, "InvalidRequest")


def test_upload_file_multipart_and_download(s3, bucket, tmp_path):
    src = tmp_path / "big.bin"
    data = os.urandom(12 * 1024 * 1024 + 123)
    src.write_bytes(data)
    cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
    s3.upload_file(str(src), bucket, "big.bin", Config=cfg)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    dst = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(dst), Config=cfg)
    assert hashlib.sha256(dst.read_bytes()).digest() == hashlib.sha256(data).digest()
    # multipart errors
    up = s3.create_multipart_upload(Bucket=bucket, Key="small")
    p1 = s3.upload_part(Bucket=bucket, Key="small", UploadId=up["UploadId"], PartNumber=1, Body=b"a" * 100)
    p2 = s3.upload_part(Bucket=bucket, Key="small", UploadId=up["UploadId"], PartNumber=2, Body=b"b")
    parts = [{"PartNumber": 1, "ETag": p1["ETag"]}, {"PartNumber": 2, "ETag": p2["ETag"]}]
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="small", UploadId=up["UploadId"], MultipartUpload={"Parts": parts})
    assert code(e) == (400, "EntityTooSmall")
    assert [p["PartNumber"] for p in s3.list_parts(Bucket=bucket, Key="small", UploadId=up["UploadId"])["Parts"]] == [1, 2]
    s3.abort_multipart_upload(Bucket=bucket, Key="small", UploadId=up["UploadId"])
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="small", UploadId=up["UploadId"])
    assert code(e) == (404, "NoSuchUpload")


def test_presigned_urls_sigv2_and_sigv4(client, s3, bucket):
    s3.put_object(Bucket=bucket, Key="p.txt", Body=b"presigned")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=300)
    assert "AWSAccessKeyId=" in url or "X-Amz-Signature=" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content == b"presigned"
    v4 = client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    url = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p.txt"}, ExpiresIn=300)
    assert "X-Amz-Signature=" in url
    assert requests.get(url, timeout=10).content == b"presigned"
    put_url = v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=300)
    assert requests.put(put_url, data=b"uploaded", timeout=10).status_code == 200
    assert s3.get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded"


def test_https_streaming_upload_is_aws_chunked(client, endpoint, bucket, tmp_path):
    """Over HTTPS botocore sends file bodies as aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER."""
    s3s = client("s3", endpoint_url=endpoint.replace("http://", "https://"), verify=False)
    src = tmp_path / "f.bin"
    data = os.urandom(3 * 1024 * 1024 + 5)
    src.write_bytes(data)
    with open(src, "rb") as f:
        out = s3s.put_object(Bucket=bucket, Key="chunked.bin", Body=f)
    assert out["ChecksumCRC32"]
    got = s3s.get_object(Bucket=bucket, Key="chunked.bin")
    assert got["Body"].read() == data
    assert "ContentEncoding" not in got or got["ContentEncoding"] != "aws-chunked"


def test_aws_cli_mb_cp_ls_sync_presign(endpoint, s3, tmp_path):
    name = f"cli-{uuid.uuid4().hex[:10]}"
    aws_cli(endpoint, "s3", "mb", f"s3://{name}")
    src = tmp_path / "src"
    (src / "nested").mkdir(parents=True)
    (src / "one.txt").write_text("one")
    (src / "nested" / "two.txt").write_text("two")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))
    aws_cli(endpoint, "s3", "cp", str(big), f"s3://{name}/big.bin")
    aws_cli(endpoint, "s3", "sync", str(src), f"s3://{name}/synced")
    out = aws_cli(endpoint, "s3", "ls", f"s3://{name}/synced/", "--recursive")
    assert "synced/one.txt" in out and "synced/nested/two.txt" in out
    # a second sync uploads nothing
    assert "upload:" not in aws_cli(endpoint, "s3", "sync", str(src), f"s3://{name}/synced")
    # a changed file is uploaded again; --delete removes what is gone locally
    (src / "one.txt").write_text("one, changed")
    (src / "nested" / "two.txt").unlink()
    out = aws_cli(endpoint, "s3", "sync", str(src), f"s3://{name}/synced", "--delete")
    assert "upload:" in out and "delete:" in out, out
    assert s3.get_object(Bucket=name, Key="synced/one.txt")["Body"].read() == b"one, changed"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=name, Prefix="synced/")["Contents"]] == ["synced/one.txt"]
    # and back down: s3 -> local
    down = tmp_path / "down"
    aws_cli(endpoint, "s3", "sync", f"s3://{name}/synced", str(down))
    assert (down / "one.txt").read_text() == "one, changed" and not (down / "nested").exists()
    back = tmp_path / "back.bin"
    aws_cli(endpoint, "s3", "cp", f"s3://{name}/big.bin", str(back))
    assert back.read_bytes() == big.read_bytes()
    url = aws_cli(endpoint, "s3", "presign", f"s3://{name}/synced/one.txt").strip()
    assert requests.get(url, timeout=10).text == "one, changed"
    aws_cli(endpoint, "s3", "rb", f"s3://{name}", "--force")
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert code(e)[0] == 404


def test_aws_cli_cp_100_mib_round_trip_is_multipart_and_byte_exact(endpoint, s3, tmp_path):
    """`aws s3 cp` of 100 MiB: the CLI's default 8 MiB parts (13 of them) up, its ranged
    parallel download back, byte for byte; the object is one multipart object."""
    name = f"cli-big-{uuid.uuid4().hex[:8]}"
    aws_cli(endpoint, "s3", "mb", f"s3://{name}")
    big = tmp_path / "100mib.bin"
    chunk = os.urandom(1024 * 1024)
    with open(big, "wb") as f:
        for i in range(100):
            f.write(bytes([i]) + chunk[1:])  # every MiB differs: misplaced parts cannot compare equal
    aws_cli(endpoint, "s3", "cp", str(big), f"s3://{name}/big.bin")
    head = s3.head_object(Bucket=name, Key="big.bin")
    assert head["ContentLength"] == 100 * 1024 * 1024
    assert head["ETag"].endswith('-13"'), head["ETag"]
    back = tmp_path / "back.bin"
    aws_cli(endpoint, "s3", "cp", f"s3://{name}/big.bin", str(back))
    with open(big, "rb") as a, open(back, "rb") as b:
        while True:
            x, y = a.read(8 << 20), b.read(8 << 20)
            assert x == y
            if not x:
                break
    aws_cli(endpoint, "s3", "rb", f"s3://{name}", "--force")


def test_cors_preflight_default(endpoint, bucket):
    r = requests.options(
        f"{endpoint}/{bucket}/k",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"},
        timeout=5,
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "ETag" in r.headers["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("sigv", ["s3", "s3v4"])
def test_post_object_with_policy(client, bucket, sigv):
    """Browser form uploads: boto3 presigned POST (SigV2 by default, SigV4 on request)."""
    s3c = client("s3", config=Config(signature_version=sigv, s3={"addressing_style": "path"}))
    post = s3c.generate_presigned_post(
        bucket,
        "uploads/${filename}",
        Fields={"success_action_status": "201", "Content-Type": "text/plain"},
        Conditions=[{"success_action_status": "201"}, {"Content-Type": "text/plain"}, ["starts-with", "$key", "uploads/"], ["content-length-range", 1, 100]],
        ExpiresIn=300,
    )
    r = requests.post(post["url"], data=post["fields"], files={"file": ("hello.txt", b"form upload")}, timeout=10)
    assert r.status_code == 201, r.text
    assert "<Key>uploads/hello.txt</Key>" in r.text and "<ETag>" in r.text
    got = s3c.get_object(Bucket=bucket, Key="uploads/hello.txt")
    assert got["Body"].read() == b"form upload" and got["ContentType"] == "text/plain"

    too_big = requests.post(post["url"], data=post["fields"], files={"file": ("big.txt", b"x" * 101)}, timeout=10)
    assert too_big.status_code == 400 and "<Code>EntityTooLarge</Code>" in too_big.text
    extra = dict(post["fields"], **{"x-amz-meta-sneaky": "1"})
    r = requests.post(post["url"], data=extra, files={"file": ("a.txt", b"x")}, timeout=10)
    assert r.status_code == 403 and "<Code>AccessDenied</Code>" in r.text
    sig_field = "x-amz-signature" if sigv == "s3v4" else "signature"
    forged = dict(post["fields"], **{sig_field: post["fields"][sig_field][:-4] + ("AAAA" if sigv == "s3" else "0000")})
    r = requests.post(post["url"], data=forged, files={"file": ("a.txt", b"x")}, timeout=10)
    assert r.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in r.text
    r = requests.post(post["url"], data=post["fields"], timeout=10)  # not multipart/form-data
    assert r.status_code == 412
    r = requests.post(post["url"], data=post["fields"], files={"x-ignore-me": (None, "1")}, timeout=10)  # no file part
    assert r.status_code == 400 and "<Code>InvalidArgument</Code>" in r.text
