"""The amplocal binary as users and CI drive it: subcommands, TLS with the generated CA through
OpenSSL (Python's ssl, curl), lifecycle (Ready., SIGTERM → exit 0, --ephemeral cleanup), health."""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests

from conftest import _free_port, amplocal_bin, start_amplocal


def run_bin(*args, **kw):
    return subprocess.run([amplocal_bin(), *args], capture_output=True, text=True, timeout=30, **kw)


def stop(proc, timeout=15):
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)


def test_health_shapes(endpoint):
    h = requests.get(f"{endpoint}/_amplocal/health", timeout=5).json()
    assert set(h) >= {"version", "services", "dataDir", "uptimeSeconds"}
    assert set(h["services"]) >= {"s3", "dynamodb", "cognito-idp", "cognito-identity", "appsync"}
    ls = requests.get(f"{endpoint}/_localstack/health", timeout=5)
    assert ls.status_code == 200 and ls.json()["edition"] == "community"
    assert requests.head(f"{endpoint}/_localstack/health", timeout=5).status_code == 200


def test_healthcheck_exit_codes(endpoint):
    ok = run_bin("healthcheck", "--url", endpoint)
    assert ok.returncode == 0, ok.stderr
    closed = run_bin("healthcheck", "--url", f"http://127.0.0.1:{_free_port()}")
    assert closed.returncode == 1
    assert "healthcheck" in closed.stderr
    # The default URL follows AMPLOCAL_LISTEN (as in the Docker image), wildcard → loopback.
    port = endpoint.rsplit(":", 1)[1]
    env = {**os.environ, "AMPLOCAL_LISTEN": f"0.0.0.0:{port}"}
    assert run_bin("healthcheck", env=env).returncode == 0


def test_ca_subcommand_creates_once_and_serve_reuses_it(tmp_path):
    data = tmp_path / "data"
    first = run_bin("ca", "--data-dir", str(data))
    assert first.returncode == 0, first.stderr
    ca_path = first.stdout.strip().splitlines()[-1]
    assert os.path.isabs(ca_path) and ca_path.endswith("ca.pem")
    pem = open(ca_path).read()
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    again = run_bin("ca", "--data-dir", str(data))
    assert again.stdout.strip().splitlines()[-1] == ca_path and open(ca_path).read() == pem
    # Two serve runs over the same data dir keep the CA (and the trust users gave it).
    for _ in range(2):
        proc, url = start_amplocal("--data-dir", str(data), ephemeral=False)
        try:
            r = requests.get(url.replace("http://127.0.0.1", "https://localhost") + "/_amplocal/health", verify=ca_path, timeout=5)
            assert r.status_code == 200
        finally:
            assert stop(proc) == 0
        assert open(ca_path).read() == pem


def test_https_verifies_with_openssl_for_localhost_ip_and_bucket_names(tmp_path):
    data = tmp_path / "d"
    proc, url = start_amplocal("--data-dir", str(data), ephemeral=False)
    try:
        port = int(url.rsplit(":", 1)[1])
        ca = run_bin("ca", "--data-dir", str(data)).stdout.strip().splitlines()[-1]
        ctx = ssl.create_default_context(cafile=ca)
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        for name in ["localhost", "s3.localhost", "mybucket.s3.localhost", "127.0.0.1"]:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
                with ctx.wrap_socket(raw, server_hostname=name) as tls:
                    assert tls.selected_alpn_protocol() == "h2"
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with pytest.raises(ssl.SSLCertVerificationError):
                ctx.wrap_socket(raw, server_hostname="example.com")
        if shutil.which("curl"):
            out = subprocess.run(
                ["curl", "-sS", "--fail", "--cacert", ca, "--resolve", f"mybucket.s3.localhost:{port}:127.0.0.1",
                 "-o", "/dev/null", "-w", "%{http_version} %{ssl_verify_result}", f"https://mybucket.s3.localhost:{port}/_amplocal/health"],
                capture_output=True, text=True, timeout=20)
            assert out.returncode == 0, out.stderr
            assert out.stdout.split()[1] == "0"
    finally:
        assert stop(proc) == 0


def test_ready_log_sigterm_and_ephemeral_cleanup():
    proc, url = start_amplocal(stderr=subprocess.PIPE)
    data_dir = requests.get(f"{url}/_amplocal/health", timeout=5).json()["dataDir"]
    assert os.path.isdir(data_dir) and os.path.isfile(os.path.join(data_dir, "tls", "ca.pem"))
    # A keep-alive connection left idle must not hold shutdown up.
    idle = socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])))
    idle.sendall(b"GET /_amplocal/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
    assert idle.recv(64).startswith(b"HTTP/1.1 200")
    t0 = time.time()
    assert stop(proc) == 0
    assert time.time() - t0 < 12
    log = proc.stderr.read()
    assert url.rsplit("//", 1)[1] in log, log
    assert data_dir in log and "ca.pem" in log
    assert not os.path.exists(data_dir), "ephemeral data dir left behind"
    idle.close()


def test_sigint_exits_zero():
    proc, url = start_amplocal()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=15) == 0


def test_cors_origins_from_environment():
    proc, url = start_amplocal(env={"AMPLOCAL_CORS_ORIGINS": "http://localhost:3000"})
    try:
        def preflight(origin):
            return requests.options(f"{url}/graphql", headers={
                "Origin": origin, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-api-key"}, timeout=5)
        ok = preflight("http://localhost:3000")
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "http://localhost:3000"
        assert preflight("http://elsewhere.example").status_code == 403
    finally:
        stop(proc)


def test_port_in_use_fails_cleanly(endpoint):
    port = endpoint.rsplit(":", 1)[1]
    out = subprocess.run([amplocal_bin(), "--ephemeral", "--listen", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "Ready." not in out.stdout
    assert "address" in out.stderr.lower() or "in use" in out.stderr.lower(), out.stderr
