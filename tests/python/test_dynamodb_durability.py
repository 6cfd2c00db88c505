"""An acknowledged DynamoDB write survives `kill -9` of the server (same data dir, new process)."""
import os
import signal
import socket
import subprocess
import time

import boto3
from botocore.config import Config

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _start(data_dir):
    binary = os.environ.get("AMPLOCAL_BIN", os.path.join(ROOT, "target", "debug", "amplocal"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([binary, "--data-dir", str(data_dir), "--listen", f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.strip() == "Ready.":
            return proc, f"http://127.0.0.1:{port}"
        if not line and proc.poll() is not None:
            raise RuntimeError("amplocal exited early")
    proc.kill()
    raise RuntimeError("amplocal not ready")


def _client(url):
    return boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test", config=Config(retries={"max_attempts": 1}))


def test_acknowledged_writes_survive_kill_9(tmp_path):
    proc, url = _start(tmp_path)
    try:
        c = _client(url)
        c.create_table(TableName="durable", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        for i in range(50):
            c.put_item(TableName="durable", Item={"id": {"S": f"k{i}"}, "n": {"N": str(i)}})
        c.update_item(TableName="durable", Key={"id": {"S": "k0"}}, UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    proc, url = _start(tmp_path)
    try:
        c = _client(url)
        assert c.scan(TableName="durable", Select="COUNT")["Count"] == 50
        assert c.get_item(TableName="durable", Key={"id": {"S": "k0"}})["Item"]["n"] == {"N": "1"}
        assert c.describe_table(TableName="durable")["Table"]["ItemCount"] == 50
    finally:
        proc.kill()
        proc.wait(timeout=10)
