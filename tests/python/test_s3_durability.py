"""S3 durability with a real amplocal process: an acknowledged PUT survives `kill -9`, and a
PUT killed mid-body leaves no object and no file behind (bodies in files and bodies stored in
their metadata row alike)."""
import os
import signal
import socket
import subprocess
import time

import boto3
from botocore.config import Config

from conftest import KEY, REGION, SECRET, _free_port, amplocal_bin


def _start(data_dir):
    port = _free_port()
    proc = subprocess.Popen(
        [amplocal_bin(), "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.stdout.readline().strip() == "Ready.":
            return proc, f"http://127.0.0.1:{port}", port
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("amplocal did not start")


def _s3(url):
    cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
    return boto3.client("s3", endpoint_url=url, region_name=REGION, aws_access_key_id=KEY, aws_secret_access_key=SECRET, config=cfg)


def _files(root):
    out = []
    for d, _, files in os.walk(root):
        out += [os.path.join(d, f) for f in files]
    return out


def test_acknowledged_put_survives_kill_9_and_cut_body_leaves_nothing(tmp_path):
    data = tmp_path / "data"
    proc, url, port = _start(data)
    try:
        s3 = _s3(url)
        s3.create_bucket(Bucket="durable")
        s3.put_object(Bucket="durable", Key="kept", Body=b"k" * 100_000)
        s3.put_object(Bucket="durable", Key="small", Body=b"s" * 4096)  # stored in its metadata row
        # start an anonymous PUT that promises 10 MB and sends 3 MB (past the 1 MiB write buffer)
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"PUT /durable/cut HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 10000000\r\n\r\n".encode())
        sock.sendall(b"c" * 3_000_000)
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        sock.close()
        assert len(_files(data / "s3" / "blobs" / "tmp")) == 1  # the cut body's temp file
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    proc, url, _ = _start(data)
    try:
        s3 = _s3(url)
        assert s3.get_object(Bucket="durable", Key="kept")["Body"].read() == b"k" * 100_000
        assert s3.get_object(Bucket="durable", Key="small")["Body"].read() == b"s" * 4096
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="durable").get("Contents", [])]
        assert keys == ["kept", "small"]
        blobs = [f for f in _files(data / "s3" / "blobs")]
        assert len(blobs) == 1, blobs  # the kept body only: the cut upload's temp file is gone
    finally:
        proc.terminate()
        proc.wait(timeout=10)
