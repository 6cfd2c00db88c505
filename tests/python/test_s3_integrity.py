"""S3 integrity with boto3 and raw requests, every value computed here independently (hashlib,
zlib, awscrt): the five x-amz-checksum-* algorithms stored and returned exactly, each refused as
BadDigest when wrong (nothing stored), Content-MD5, and the multipart ETag as the MD5 of the
parts' MD5s plus `-N` (UploadPartCopy's part ETag the MD5 of the copied range)."""
import base64
import hashlib
import zlib

import pytest
import requests
from awscrt import checksums
from botocore.exceptions import ClientError
from s3_fixtures import bucket, s3  # noqa: F401  (pytest fixtures and helper shared by the S3 tests)

BODY = b"integrity checked body \x00\xff" * 37


def b64(raw):
    return base64.b64encode(raw).decode()


EXPECTED = {
    "CRC32": b64(zlib.crc32(BODY).to_bytes(4, "big")),
    "CRC32C": b64(checksums.crc32c(BODY).to_bytes(4, "big")),
    "CRC64NVME": b64(checksums.crc64nvme(BODY).to_bytes(8, "big")),
    "SHA1": b64(hashlib.sha1(BODY).digest()),
    "SHA256": b64(hashlib.sha256(BODY).digest()),
}
# well-formed values for some other body
WRONG = {
    "CRC32": b64(zlib.crc32(b"x").to_bytes(4, "big")),
    "CRC32C": b64(checksums.crc32c(b"x").to_bytes(4, "big")),
    "CRC64NVME": b64(checksums.crc64nvme(b"x").to_bytes(8, "big")),
    "SHA1": b64(hashlib.sha1(b"x").digest()),
    "SHA256": b64(hashlib.sha256(b"x").digest()),
}


@pytest.mark.parametrize("alg", sorted(EXPECTED))
def test_checksum_values_are_exact_and_wrong_ones_are_bad_digest(endpoint, s3, bucket, alg):
    put = s3.put_object(Bucket=bucket, Key="ok", Body=BODY, ChecksumAlgorithm=alg)
    assert put[f"Checksum{alg}"] == EXPECTED[alg]
    got = s3.get_object(Bucket=bucket, Key="ok", ChecksumMode="ENABLED")
    assert got[f"Checksum{alg}"] == EXPECTED[alg] and got["Body"].read() == BODY
    head = s3.head_object(Bucket=bucket, Key="ok", ChecksumMode="ENABLED")
    assert head[f"Checksum{alg}"] == EXPECTED[alg]
    # the header named by the algorithm, as a client sends it, with a value for other bytes
    header = f"x-amz-checksum-{alg.lower()}"
    r = requests.put(f"{endpoint}/{bucket}/bad", data=BODY, headers={header: WRONG[alg], "x-amz-sdk-checksum-algorithm": alg}, timeout=10)
    assert r.status_code == 400 and "<Code>BadDigest</Code>" in r.text, r.text
    r = requests.put(f"{endpoint}/{bucket}/bad", data=BODY, headers={header: "bm90LWEtZGlnZXN0"}, timeout=10)
    assert r.status_code == 400, r.text
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="bad")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # the raw header path stores the same value
    r = requests.put(f"{endpoint}/{bucket}/raw", data=BODY, headers={header: EXPECTED[alg]}, timeout=10)
    assert r.status_code == 200 and r.headers[header] == EXPECTED[alg]


def test_content_md5_and_multipart_etags(endpoint, s3, bucket):
    md5 = hashlib.md5(BODY)
    out = s3.put_object(Bucket=bucket, Key="md5", Body=BODY, ContentMD5=b64(md5.digest()))
    assert out["ETag"] == f'"{md5.hexdigest()}"'
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="md5-bad", Body=BODY, ContentMD5=b64(hashlib.md5(b"x").digest()))
    assert e.value.response["Error"]["Code"] == "BadDigest"

    p1 = bytes(range(256)) * (5 * 1024 * 4 + 1)  # a little over 5 MiB
    p2 = b"tail part"
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=1, Body=p1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=up, PartNumber=2, Body=p2)["ETag"]
    assert (e1, e2) == (f'"{hashlib.md5(p1).hexdigest()}"', f'"{hashlib.md5(p2).hexdigest()}"')
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=up, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    want = hashlib.md5(hashlib.md5(p1).digest() + hashlib.md5(p2).digest()).hexdigest() + "-2"
    assert done["ETag"] == f'"{want}"'
    assert s3.head_object(Bucket=bucket, Key="mp")["ETag"] == f'"{want}"'
    assert s3.get_object(Bucket=bucket, Key="mp", PartNumber=1)["ETag"] == f'"{want}"'

    # UploadPartCopy: the part's ETag is the MD5 of the copied range
    up = s3.create_multipart_upload(Bucket=bucket, Key="mpc")["UploadId"]
    cp = s3.upload_part_copy(Bucket=bucket, Key="mpc", UploadId=up, PartNumber=1, CopySource={"Bucket": bucket, "Key": "mp"}, CopySourceRange="bytes=10-5242889")
    assert cp["CopyPartResult"]["ETag"] == f'"{hashlib.md5(p1[10:5242890]).hexdigest()}"'
    cp2 = s3.upload_part_copy(Bucket=bucket, Key="mpc", UploadId=up, PartNumber=2, CopySource={"Bucket": bucket, "Key": "md5"})
    assert cp2["CopyPartResult"]["ETag"] == f'"{md5.hexdigest()}"'
    parts = [{"PartNumber": 1, "ETag": cp["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": cp2["CopyPartResult"]["ETag"]}]
    s3.complete_multipart_upload(Bucket=bucket, Key="mpc", UploadId=up, MultipartUpload={"Parts": parts})
    assert s3.get_object(Bucket=bucket, Key="mpc")["Body"].read() == p1[10:5242890] + BODY
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="mpc", UploadId=up, PartNumber=3, CopySource={"Bucket": bucket, "Key": "md5"})
    assert e.value.response["Error"]["Code"] == "NoSuchUpload"


def test_upload_part_digests_are_verified(endpoint, s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="parts", ChecksumAlgorithm="SHA256")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="parts", UploadId=up, PartNumber=1, Body=BODY, ContentMD5=b64(hashlib.md5(b"x").digest()))
    assert e.value.response["Error"]["Code"] == "BadDigest"
    url = f"{endpoint}/{bucket}/parts?partNumber=2&uploadId={up}"
    r = requests.put(url, data=BODY, headers={"x-amz-checksum-sha256": WRONG["SHA256"]}, timeout=10)
    assert r.status_code == 400 and "<Code>BadDigest</Code>" in r.text, r.text
    assert s3.list_parts(Bucket=bucket, Key="parts", UploadId=up).get("Parts", []) == []
    ok = s3.upload_part(Bucket=bucket, Key="parts", UploadId=up, PartNumber=1, Body=BODY, ChecksumAlgorithm="SHA256")
    assert ok["ChecksumSHA256"] == EXPECTED["SHA256"]
    parts = s3.list_parts(Bucket=bucket, Key="parts", UploadId=up)["Parts"]
    assert [(p["PartNumber"], p["Size"], p.get("ChecksumSHA256")) for p in parts] == [(1, len(BODY), EXPECTED["SHA256"])]
    s3.abort_multipart_upload(Bucket=bucket, Key="parts", UploadId=up)
