"""SigV4/SigV2 authentication with boto3 against the real binary: right and wrong secrets for
DynamoDB, S3 and Cognito, presigned URLs (boto3's default SigV2 query auth and SigV4), and
strict mode with unknown keys."""
import uuid

import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import start_amplocal

SIG_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
NO_RETRY = {"max_attempts": 1}


def err(exc_info):
    e = exc_info.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"]


def test_dynamodb_right_secret_passes_wrong_secret_fails(client):
    client("dynamodb").list_tables()
    with pytest.raises(ClientError) as ei:
        client("dynamodb", aws_secret_access_key="wrong").list_tables()
    status, code, e = err(ei)
    assert (status, code) == (400, "InvalidSignatureException")
    assert e["Message"].startswith(SIG_MESSAGE)


def test_cognito_admin_call_with_wrong_secret_fails(client):
    client("cognito-idp").list_user_pools(MaxResults=1)
    with pytest.raises(ClientError) as ei:
        client("cognito-idp", aws_secret_access_key="wrong").list_user_pools(MaxResults=1)
    assert err(ei)[:2] == (400, "InvalidSignatureException")


def test_s3_wrong_secret_gets_signature_does_not_match_with_debug_fields(client):
    client("s3").list_buckets()
    with pytest.raises(ClientError) as ei:
        client("s3", aws_secret_access_key="wrong").list_buckets()
    status, code, e = err(ei)
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert e["StringToSign"].startswith("AWS4-HMAC-SHA256\n")
    assert e["CanonicalRequest"].startswith("GET\n/\n")
    assert e["AWSAccessKeyId"] == "test"


@pytest.fixture
def bucket(client):
    name = f"auth-{uuid.uuid4().hex[:12]}"
    client("s3").create_bucket(Bucket=name)
    client("s3").put_object(Bucket=name, Key="dir/file one.txt", Body=b"hello presigned")
    return name


def test_sigv2_presigned_get_and_put(client, bucket):
    v2 = client("s3", config=Config(signature_version="s3", retries=NO_RETRY, s3={"addressing_style": "path"}))
    url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/file one.txt"}, ExpiresIn=300)
    assert "AWSAccessKeyId=test" in url and "Signature=" in url and "Expires=" in url
    r = requests.get(url)
    assert r.status_code == 200, r.text
    assert r.content == b"hello presigned"
    put = v2.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up.txt"}, ExpiresIn=300)
    r = requests.put(put, data=b"uploaded via SigV2")
    assert r.status_code == 200, r.text
    assert client("s3").get_object(Bucket=bucket, Key="up.txt")["Body"].read() == b"uploaded via SigV2"
    r = requests.get(url.replace("file%20one", "file%20two"))
    assert r.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in r.text


def test_sigv4_presigned_get(client, bucket):
    v4 = client("s3", config=Config(signature_version="s3v4", retries=NO_RETRY, s3={"addressing_style": "path"}))
    url = v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/file one.txt"}, ExpiresIn=60)
    assert "X-Amz-Signature=" in url
    r = requests.get(url)
    assert r.status_code == 200, r.text
    assert r.content == b"hello presigned"
    r = requests.get(url.replace("X-Amz-Expires=60", "X-Amz-Expires=61"))
    assert r.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in r.text


@pytest.fixture(scope="module")
def strict_endpoint():
    proc, url = start_amplocal("--credential-mode", "strict", "--credentials", "AKIDLOCAL:local-secret")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_strict_mode_rejects_unknown_keys(client, strict_endpoint):
    unknown = dict(endpoint_url=strict_endpoint, aws_access_key_id="AKIDUNKNOWN", aws_secret_access_key="x")
    with pytest.raises(ClientError) as ei:
        client("dynamodb", **unknown).list_tables()
    status, code, e = err(ei)
    assert (status, code, e["Message"]) == (400, "UnrecognizedClientException", "The security token included in the request is invalid.")
    with pytest.raises(ClientError) as ei:
        client("s3", **unknown).list_buckets()
    assert err(ei)[:2] == (403, "InvalidAccessKeyId")
    known = dict(endpoint_url=strict_endpoint, aws_access_key_id="AKIDLOCAL", aws_secret_access_key="local-secret")
    client("dynamodb", **known).list_tables()
    client("s3", **known).list_buckets()
    # --credentials replaces the default pair.
    with pytest.raises(ClientError) as ei:
        client("dynamodb", endpoint_url=strict_endpoint).list_tables()
    assert err(ei)[1] == "UnrecognizedClientException"


def test_lenient_mode_accepts_any_unknown_key(client):
    client("dynamodb", aws_access_key_id="AKIDWHATEVER", aws_secret_access_key="anything").list_tables()


@pytest.fixture
def temp_creds(client):
    """Temporary credentials issued by amplocal's STS (registered in its credential store)."""
    c = client("sts").assume_role(RoleArn="arn:aws:iam::000000000000:role/auth-test", RoleSessionName="auth-test")["Credentials"]
    return dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])


def test_temporary_credentials_need_their_session_token(client, temp_creds, bucket):
    client("dynamodb", **temp_creds).list_tables()
    client("s3", **temp_creds).head_bucket(Bucket=bucket)
    wrong = {**temp_creds, "aws_session_token": "not-the-token"}
    with pytest.raises(ClientError) as ei:
        client("dynamodb", **wrong).list_tables()
    assert err(ei)[:2] == (400, "UnrecognizedClientException")
    with pytest.raises(ClientError) as ei:
        client("s3", **wrong).list_buckets()
    assert err(ei)[:2] == (400, "InvalidToken")
    bad_secret = {**temp_creds, "aws_secret_access_key": "wrong"}
    with pytest.raises(ClientError) as ei:
        client("s3", **bad_secret).list_buckets()
    assert err(ei)[:2] == (403, "SignatureDoesNotMatch")


def test_sigv2_presigned_url_with_temporary_credentials(client, temp_creds, bucket):
    # botocore moves x-amz-security-token into the query string; it is part of the SigV2 signature.
    v2 = client("s3", config=Config(signature_version="s3", retries=NO_RETRY, s3={"addressing_style": "path"}), **temp_creds)
    url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/file one.txt"}, ExpiresIn=300)
    assert "x-amz-security-token=" in url
    r = requests.get(url)
    assert r.status_code == 200, r.text
    assert r.content == b"hello presigned"
    v4 = client("s3", config=Config(signature_version="s3v4", retries=NO_RETRY, s3={"addressing_style": "path"}), **temp_creds)
    r = requests.get(v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/file one.txt"}, ExpiresIn=300))
    assert r.status_code == 200, r.text


def test_aws_cli_presign(endpoint, bucket):
    import os
    import shutil
    import subprocess
    import sys

    aws = shutil.which("aws") or os.path.join(os.path.dirname(sys.executable), "aws")
    assert os.path.exists(aws), "the AWS CLI comes from tests/python/requirements.txt"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}
    out = subprocess.run(
        [aws, "s3", "presign", f"s3://{bucket}/dir/file one.txt", "--endpoint-url", endpoint, "--expires-in", "120"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.strip()
    r = requests.get(out)
    assert r.status_code == 200, (out, r.text)
    assert r.content == b"hello presigned"


def test_sts_errors_are_aws_query_xml(client):
    client("sts").get_caller_identity()
    with pytest.raises(ClientError) as ei:
        client("sts", aws_secret_access_key="wrong").get_caller_identity()
    status, code, e = err(ei)
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert e["Message"].startswith(SIG_MESSAGE)
    r = requests.post(client("sts").meta.endpoint_url, data={"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    assert r.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in r.text and r.headers["content-type"] == "text/xml"
