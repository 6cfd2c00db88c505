"""Shared fixtures for the Python suites: one amplocal binary per test session, real boto3 clients.

The binary is $AMPLOCAL_BIN (scripts/test builds it once and exports the path), started with
--ephemeral on a free loopback port; the fixture waits for its `Ready.` line.
"""
import os
import socket
import subprocess
import time

import boto3
import pytest
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEY, SECRET, REGION = "test", "test", "us-east-1"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def amplocal_bin():
    """Path of the amplocal binary under test."""
    return os.environ.get("AMPLOCAL_BIN", os.path.join(ROOT, "target", "debug", "amplocal"))


def start_amplocal(*extra_args, env=None, ephemeral=True, stderr=subprocess.DEVNULL):
    """Start a fresh amplocal; returns (process, endpoint). The caller must terminate it.

    ephemeral=False leaves the data dir to extra_args (e.g. "--data-dir", path)."""
    binary = amplocal_bin()
    port = _free_port()
    proc = subprocess.Popen(
        [binary, *(["--ephemeral"] if ephemeral else []), "--listen", f"127.0.0.1:{port}", *extra_args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        env={**os.environ, **(env or {})},
        text=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.strip() == "Ready.":
            return proc, f"http://127.0.0.1:{port}"
        if not line and proc.poll() is not None:
            raise RuntimeError(f"amplocal exited with {proc.returncode} before Ready.")
    proc.kill()
    raise RuntimeError("amplocal did not print Ready. within 30 s")


@pytest.fixture(scope="session")
def endpoint():
    proc, url = start_amplocal()
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def client(endpoint):
    """client("s3") / client("dynamodb") / … signed with test/test against the session's amplocal."""

    def make(service, **kw):
        cfg = kw.pop("config", None) or Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
        return boto3.client(
            service,
            endpoint_url=kw.pop("endpoint_url", endpoint),
            region_name=kw.pop("region_name", REGION),
            aws_access_key_id=kw.pop("aws_access_key_id", KEY),
            aws_secret_access_key=kw.pop("aws_secret_access_key", SECRET),
            config=cfg,
            **kw,
        )

    return make
