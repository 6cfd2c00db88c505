"""HTTPS names on the shared port, verified against the generated CA (no check turned off).

One amplocal binary per module, started with `--s3-hostname files.dev.test`. `*.localhost`
and `files.dev.test` names are resolved to 127.0.0.1 inside this process (getaddrinfo is
patched), so boto3/requests/ssl connect with the real host name as SNI and verify the
certificate against `<data>/tls/ca.pem`: virtual-hosted buckets under `localhost`,
`s3.localhost` and a configured host, the AppSync API and realtime hosts, and a ClientHello
whose SNI bytes were replaced by hostile ones (the server answers or fails cleanly, and keeps
serving).
"""
import socket
import ssl
import time

import boto3
import pytest
import requests
from botocore.config import Config

from conftest import KEY, REGION, SECRET, start_amplocal

CONFIGURED = "files.dev.test"


def _ours(host):
    host = host.decode() if isinstance(host, bytes) else host
    h = (host or "").lower().rstrip(".")
    return h == "localhost" or h.endswith(".localhost") or h == CONFIGURED or h.endswith("." + CONFIGURED)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("tlsnames")
    proc, url = start_amplocal("--data-dir", str(data), "--s3-hostname", CONFIGURED, ephemeral=False)
    real = socket.getaddrinfo

    def fake(host, *args, **kw):
        return real("127.0.0.1" if _ours(host) else host, *args, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(socket, "getaddrinfo", fake)
    try:
        yield {"port": int(url.rsplit(":", 1)[1]), "ca": str(data / "tls" / "ca.pem")}
    finally:
        mp.undo()
        proc.terminate()
        proc.wait(timeout=10)


def s3(server, base):
    client = boto3.client(
        "s3",
        endpoint_url=f"https://{base}:{server['port']}",
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        verify=server["ca"],
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "virtual"}),
    )
    hosts = []
    client.meta.events.register("before-send.s3.*", lambda request, **_: hosts.append(request.url.split("/")[2]))
    return client, hosts


@pytest.mark.parametrize("base", ["localhost", "s3.localhost"])
def test_virtual_hosted_bucket_over_https(server, base):
    bucket = "tls-" + base.replace(".", "-")
    client, hosts = s3(server, base)
    client.create_bucket(Bucket=bucket)
    client.put_object(Bucket=bucket, Key="k.txt", Body=b"hello over tls")
    assert client.get_object(Bucket=bucket, Key="k.txt")["Body"].read() == b"hello over tls"
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == ["k.txt"]
    assert f"{bucket}.{base}:{server['port']}" in hosts, hosts


def test_configured_s3_hostname_over_https(server):
    client, hosts = s3(server, CONFIGURED)
    client.create_bucket(Bucket="tls-configured")
    client.put_object(Bucket="tls-configured", Key="a", Body=b"x")
    assert client.get_object(Bucket="tls-configured", Key="a")["Body"].read() == b"x"
    assert f"tls-configured.{CONFIGURED}:{server['port']}" in hosts, hosts


def test_bucket_dot_localhost_fails_without_the_ca(server):
    # The check is real: with the default trust store the same request fails verification.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"https://tls-untrusted.localhost:{server['port']}/", timeout=5)


@pytest.mark.parametrize("kind", ["appsync-api", "appsync-realtime-api"])
def test_appsync_hosts_over_https(server, kind):
    url = f"https://abc123.{kind}.localhost:{server['port']}/graphql"
    r = requests.post(url, json={"query": "{ __typename }"}, verify=server["ca"], timeout=10)
    # AppSync answered (no API is loaded in this process): a JSON error, not a TLS failure.
    body = r.json()
    assert r.status_code in (400, 401, 404), (r.status_code, body)
    assert body["errors"][0]["errorType"], body


def test_realtime_host_gets_a_leaf_for_exactly_its_name(server):
    ctx = ssl.create_default_context(cafile=server["ca"])
    name = "abc123.appsync-realtime-api.localhost"
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as tls:
            names = [v for k, v in tls.getpeercert()["subjectAltName"] if k == "DNS"]
            assert names == [name]


def _client_hello(name):
    ctx = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=name)
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    return outgoing.read()


def _exchange(port, hello):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(hello)
        try:
            return s.recv(5)
        except (ConnectionResetError, socket.timeout):
            return b""


@pytest.mark.parametrize(
    "replacement",
    [b"." * 253, b"\x00" * 253, b"\xff" * 253, (b"*." * 127)[:253], (b"A-/\\%..\x7f " * 32)[:253], "\u00e9".encode() * 121 + b"x.localhost"],
    ids=["dots", "nul", "high", "stars", "mixed", "utf8"],
)
def test_hostile_sni_is_answered_or_refused_cleanly(server, replacement):
    placeholder = ".".join(["a" * 63, "a" * 63, "a" * 63, "a" * 51]) + ".localhost"
    assert len(placeholder) == len(replacement) == 253
    hello = _client_hello(placeholder)
    assert hello.count(placeholder.encode()) == 1
    started = time.time()
    head = _exchange(server["port"], hello.replace(placeholder.encode(), replacement))
    assert time.time() - started < 4
    # A ServerHello (0x16), an alert (0x15) or a closed connection: never a hang.
    assert head == b"" or head[0] in (0x15, 0x16), head
    # Still serving, including a freshly minted name.
    r = requests.get(f"https://after-hostile.localhost:{server['port']}/_amplocal/health", verify=server["ca"], timeout=5)
    assert r.status_code == 200


def test_longest_valid_name_gets_a_verifying_certificate(server):
    name = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 51]) + ".localhost"
    ctx = ssl.create_default_context(cafile=server["ca"])
    with socket.create_connection(("127.0.0.1", server["port"]), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=name) as tls:
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
