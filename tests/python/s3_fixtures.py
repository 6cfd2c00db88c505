"""The boto3 S3 client, a fresh bucket per test and the error-code reader that the S3 test files
share, and the AWS CLI runner (import the names into a test module and pytest uses them as that module's fixtures)."""

import os
import subprocess
import sys
import uuid

import pytest


def code(exc_info):
    """(HTTP status, S3 error code) of a `pytest.raises(ClientError)` result."""
    err = exc_info.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"]


@pytest.fixture
def s3(client):
    return client("s3")


@pytest.fixture
def bucket(s3):
    name = f"py-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def aws_cli(endpoint, *args, cwd=None):
    """Run the AWS CLI from the test venv against `endpoint` with the test credentials and no
    user configuration; asserts success and returns its standard output."""
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    aws = os.path.join(os.path.dirname(sys.executable), "aws")
    res = subprocess.run([aws, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd)
    assert res.returncode == 0, (args, res.stdout, res.stderr)
    return res.stdout
