"""The boto3 S3 client, a fresh bucket per test and the error-code reader that the S3 test files
share (import the names into a test module and pytest uses them as that module's fixtures)."""

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
