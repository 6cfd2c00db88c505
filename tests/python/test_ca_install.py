"""`amplocal ca --install` with the real binary, HOME pointed at a temporary directory.

Install-free: when NSS's certutil is on PATH the CA must end up listed by `certutil -L` in the
Chromium database ($HOME/.pki/nssdb, created from nothing) and in a Firefox profile's cert9.db,
idempotently; without certutil the documented error and a non-zero exit are asserted. The
missing-certutil path is also forced (PATH without certutil) so it runs everywhere. Where a
Chromium is installed, a headless Chromium proves the trust: the same page fails with
ERR_CERT_AUTHORITY_INVALID before `ca --install` and loads after it.
"""
import os
import shutil
import subprocess

import pytest

from conftest import amplocal_bin, start_amplocal

CERTUTIL = shutil.which("certutil")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def run_install(home, data_dir, path=None):
    env = {**os.environ, "HOME": str(home), "AMPLOCAL_DATA_DIR": str(data_dir)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run([amplocal_bin(), "ca", "--install"], env=env, capture_output=True, text=True, timeout=60)


def listed(db_dir):
    out = subprocess.run([CERTUTIL, "-L", "-d", f"sql:{db_dir}"], capture_output=True, text=True, check=True).stdout
    return {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in out.splitlines()[4:] if line.strip()}


def ca_pem_der(path):
    out = subprocess.run(["openssl", "x509", "-in", str(path), "-outform", "DER"], capture_output=True, check=True)
    return out.stdout


def assert_missing_certutil(proc, data_dir):
    assert proc.returncode != 0
    assert "certutil (from NSS) was not found on PATH" in proc.stderr
    assert "libnss3-tools" in proc.stderr
    # The manual steps are still printed, and the CA path stays the last stdout line.
    assert "NODE_EXTRA_CA_CERTS=" in proc.stderr
    assert "update-ca-certificates" in proc.stderr
    assert "security add-trusted-cert" in proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last == str((data_dir / "tls" / "ca.pem").resolve())
    assert os.path.isfile(last)


def test_without_certutil_on_path_it_says_how_to_get_it(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    proc = run_install(tmp_path / "home", tmp_path / "data", path=str(empty_bin))
    assert_missing_certutil(proc, tmp_path / "data")
    assert not (tmp_path / "home" / ".pki").exists(), "nothing may be created without certutil"


def test_install_adds_the_ca_to_chromium_and_firefox_idempotently(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    home.mkdir()
    if CERTUTIL is None:
        assert_missing_certutil(run_install(home, data), data)
        return
    # A Firefox profile with an existing (empty) NSS database, and one without cert9.db.
    profile = home / ".mozilla" / "firefox" / "abcd1234.default-release"
    profile.mkdir(parents=True)
    subprocess.run([CERTUTIL, "-N", "-d", f"sql:{profile}", "--empty-password"], check=True)
    legacy = home / ".mozilla" / "firefox" / "old.default"
    legacy.mkdir()

    first = run_install(home, data)
    assert first.returncode == 0, first.stderr
    ca = str((data / "tls" / "ca.pem").resolve())
    assert first.stdout.strip().splitlines()[-1] == ca
    nssdb = home / ".pki" / "nssdb"
    assert (nssdb / "cert9.db").is_file()
    assert "created the NSS database and added the CA" in first.stderr
    assert "Firefox profile abcd1234.default-release" in first.stderr
    assert "NODE_EXTRA_CA_CERTS=" + ca in first.stderr

    for db in (nssdb, profile):
        certs = listed(db)
        names = [n for n in certs if n.startswith("amplocal local CA ")]
        assert len(names) == 1, certs
        assert certs[names[0]].startswith("C,"), certs
        # The database holds exactly our CA's bytes.
        pem = subprocess.run([CERTUTIL, "-L", "-d", f"sql:{db}", "-n", names[0], "-r"], capture_output=True, check=True).stdout
        if shutil.which("openssl"):
            assert pem == ca_pem_der(ca)
    assert not (legacy / "cert9.db").exists()

    # Second run: nothing to do, same result.
    second = run_install(home, data)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count("already trusted, nothing to do") == 2, second.stderr
    assert second.stdout.strip().splitlines()[-1] == ca
    assert len([n for n in listed(nssdb) if n.startswith("amplocal local CA ")]) == 1

    # Trust removed by the user: restored, not duplicated.
    name = next(n for n in listed(nssdb) if n.startswith("amplocal local CA "))
    subprocess.run([CERTUTIL, "-M", "-d", f"sql:{nssdb}", "-n", name, "-t", ",,"], check=True)
    third = run_install(home, data)
    assert third.returncode == 0, third.stderr
    assert "set trust C,," in third.stderr
    assert listed(nssdb)[name].startswith("C,")

    # A second data dir (another CA) sits next to the first one.
    other = run_install(home, tmp_path / "data2")
    assert other.returncode == 0, other.stderr
    assert len([n for n in listed(nssdb) if n.startswith("amplocal local CA ")]) == 2


def test_a_ca_copied_out_of_a_container_is_installed_as_is(tmp_path):
    # `docker compose cp amplocal:/var/lib/amplocal/tls/ca.pem copied/tls/ca.pem`: no ca.key.
    source = tmp_path / "source"
    subprocess.run([amplocal_bin(), "ca", "--data-dir", str(source)], check=True, capture_output=True)
    copied = tmp_path / "copied"
    (copied / "tls").mkdir(parents=True)
    pem = (source / "tls" / "ca.pem").read_bytes()
    (copied / "tls" / "ca.pem").write_bytes(pem)
    home = tmp_path / "home"
    home.mkdir()
    proc = run_install(home, copied)
    assert (copied / "tls" / "ca.pem").read_bytes() == pem, "the copied CA must not be replaced"
    assert not (copied / "tls" / "ca.key").exists()
    if CERTUTIL is None:
        assert_missing_certutil(proc, copied)
        return
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == str((copied / "tls" / "ca.pem").resolve())
    names = [n for n in listed(home / ".pki" / "nssdb") if n.startswith("amplocal local CA ")]
    assert len(names) == 1
    der = subprocess.run([CERTUTIL, "-L", "-d", f"sql:{home / '.pki' / 'nssdb'}", "-n", names[0], "-r"], capture_output=True, check=True).stdout
    if shutil.which("openssl"):
        assert der == ca_pem_der(source / "tls" / "ca.pem")


@pytest.mark.skipif(CERTUTIL is None, reason="needs certutil (Debian: libnss3-tools)")
def test_a_ca_added_by_hand_under_another_nickname_is_found_not_duplicated(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run([amplocal_bin(), "ca", "--data-dir", str(data)], check=True, capture_output=True)
    subprocess.run([CERTUTIL, "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    # The old manual recipe's nickname, and no trust at all.
    subprocess.run([CERTUTIL, "-A", "-d", f"sql:{nssdb}", "-t", ",,", "-n", "amplocal", "-i", str(data / "tls" / "ca.pem")], check=True)
    first = run_install(home, data)
    assert first.returncode == 0, first.stderr
    assert "set trust C,," in first.stderr
    assert listed(nssdb) == {"amplocal": "C,,"}
    second = run_install(home, data)
    assert "already trusted, nothing to do" in second.stderr
    assert listed(nssdb) == {"amplocal": "C,,"}


@pytest.mark.skipif(CERTUTIL is None, reason="needs certutil (Debian: libnss3-tools)")
def test_a_broken_database_fails_the_run_but_still_prints_the_ca(tmp_path):
    home, data = tmp_path / "home", tmp_path / "data"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    (nssdb / "cert9.db").write_bytes(b"this is not an sqlite database")
    proc = run_install(home, data)
    assert proc.returncode != 0
    assert "FAILED" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == str((data / "tls" / "ca.pem").resolve())


def chromium_page(home, url):
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--dump-dom", url],
        env={**os.environ, "HOME": str(home)}, capture_output=True, text=True, timeout=60,
    )
    return proc.stdout


@pytest.mark.skipif(CERTUTIL is None or CHROMIUM is None, reason="needs certutil and chromium")
def test_headless_chromium_trusts_amplocal_after_install(tmp_path):
    data = tmp_path / "data"
    proc, endpoint = start_amplocal("--data-dir", str(data), ephemeral=False)
    try:
        port = endpoint.rsplit(":", 1)[1]
        health = f"https://localhost:{port}/_amplocal/health"
        before = tmp_path / "before"
        before.mkdir()
        assert "ERR_CERT_AUTHORITY_INVALID" in chromium_page(before, health)
        home = tmp_path / "home"
        home.mkdir()
        assert run_install(home, data).returncode == 0
        assert '"status":"ok"' in chromium_page(home, health)
        # The virtual-hosted bucket name Amplify Storage builds from customEndpoint "s3.localhost:PORT".
        assert '"status":"ok"' in chromium_page(home, f"https://my-bucket.s3.localhost:{port}/_amplocal/health")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
