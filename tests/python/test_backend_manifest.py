"""The real `amplocal` binary with a backend manifest: AMPLOCAL_BACKEND provisions before `Ready.`,
--amplify-outputs writes the same bytes at every start, and a bad manifest makes amplocal exit
non-zero without serving, naming file, line and key."""
import json
import os
import subprocess

import boto3

from conftest import KEY, REGION, ROOT, SECRET, amplocal_bin, start_amplocal

FIXTURES = os.path.join(ROOT, "tests", "fixtures", "backend")


def _stop(proc):
    proc.terminate()
    proc.wait(timeout=10)


def test_env_manifest_provisions_before_ready_and_outputs_are_stable(tmp_path):
    data, outputs = tmp_path / "data", tmp_path / "out" / "amplify_outputs.json"
    env = {"AMPLOCAL_BACKEND": os.path.join(FIXTURES, "full", "amplocal.toml")}
    args = ("--data-dir", str(data), "--amplify-outputs", str(outputs))
    proc, url = start_amplocal(*args, env=env, ephemeral=False)
    try:
        idp = boto3.client("cognito-idp", endpoint_url=url, region_name=REGION, aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        pool = idp.describe_user_pool(UserPoolId="us-east-1_FullTest01")["UserPool"]
        assert pool["Name"] == "app"
        first = outputs.read_bytes()
        assert json.loads(first)["version"] == "1.4"
        assert first.endswith(b"\n")
    finally:
        _stop(proc)
    proc, _ = start_amplocal(*args, env=env, ephemeral=False)
    try:
        assert outputs.read_bytes() == first
    finally:
        _stop(proc)


def test_bad_manifest_exits_non_zero_without_serving():
    manifest = os.path.join(FIXTURES, "bad", "unknown-key.toml")
    done = subprocess.run([amplocal_bin(), "--ephemeral", "--listen", "127.0.0.1:0", "--backend", manifest], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "Ready." not in done.stdout
    assert done.stderr.strip().splitlines()[-1] == f"amplocal: {manifest}:5: user_pool[0].client[0].secrett: unknown key (expected one of: auth_flows, id, name, secret)"


def test_outputs_without_a_manifest_is_refused(tmp_path):
    done = subprocess.run([amplocal_bin(), "--ephemeral", "--listen", "127.0.0.1:0", "--amplify-outputs", str(tmp_path / "o.json")], capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "Ready." not in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "amplocal: --amplify-outputs describes a backend manifest: give --backend FILE (or AMPLOCAL_BACKEND) too"
    assert not (tmp_path / "o.json").exists()
