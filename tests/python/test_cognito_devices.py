"""Remembered devices with boto3 against a real amplocal binary: the error paths of
ConfirmDevice / GetDevice / ListDevices / UpdateDeviceStatus / ForgetDevice and their Admin*
twins, a device sign-in with a forged and then a correct DEVICE_PASSWORD_VERIFIER (device SRP
computed here from the protocol description), and a forgotten device refused at sign-in."""
import base64
import hashlib
import hmac
import os

import pytest
from botocore.exceptions import ClientError

from srp_math import G, H, K_MULT, N, pad, timestamp

PW = "Passw0rd!"
NO_DEVICE = ("ResourceNotFoundException", "Device does not exist.")


def x_of(group, key, secret, salt):
    return H(pad(salt), hashlib.sha256(("%s%s:%s" % (group, key, secret)).encode()).digest())


def code_of(fn, **kw):
    with pytest.raises(ClientError) as e:
        fn(**kw)
    err = e.value.response["Error"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err["Code"], err["Message"]


@pytest.fixture(scope="module")
def app(client):
    idp = client("cognito-idp")
    pool = idp.create_user_pool(
        PoolName="devices", DeviceConfiguration={"ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False}
    )["UserPool"]["Id"]
    cid = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="dev", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="dev", Password=PW, Permanent=True)
    return idp, pool, cid


def sign_in(idp, cid, device_key=None):
    params = {"USERNAME": "dev", "PASSWORD": PW}
    if device_key:
        params["DEVICE_KEY"] = device_key
    return idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)


def new_device(idp, cid):
    """Sign in, confirm the new device with a fresh verifier; (access token, key, group, secret)."""
    res = sign_in(idp, cid)["AuthenticationResult"]
    meta = res["NewDeviceMetadata"]
    key, group = meta["DeviceKey"], meta["DeviceGroupKey"]
    secret = base64.b64encode(os.urandom(40)).decode()
    salt = int.from_bytes(os.urandom(16), "big")
    verifier = pow(G, x_of(group, key, secret, salt), N)
    out = idp.confirm_device(
        AccessToken=res["AccessToken"],
        DeviceKey=key,
        DeviceName="pytest",
        DeviceSecretVerifierConfig={"Salt": base64.b64encode(pad(salt)).decode(), "PasswordVerifier": base64.b64encode(pad(verifier)).decode()},
    )
    assert out["UserConfirmationNecessary"] is False
    return res["AccessToken"], key, group, secret


def device_verifier_answer(key, group, secret, a, params):
    A = pow(G, a, N)
    B, salt = int(params["SRP_B"], 16), int(params["SALT"], 16)
    u = H(pad(A), pad(B))
    x = x_of(group, key, secret, salt)
    S = pow((B - K_MULT * pow(G, x, N)) % N, a + u * x, N)
    prk = hmac.new(pad(u), pad(S), hashlib.sha256).digest()
    k = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    ts = timestamp()
    msg = group.encode() + key.encode() + base64.b64decode(params["SECRET_BLOCK"]) + ts.encode()
    return {
        "USERNAME": params["USERNAME"],
        "DEVICE_KEY": key,
        "PASSWORD_CLAIM_SECRET_BLOCK": params["SECRET_BLOCK"],
        "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(hmac.new(k, msg, hashlib.sha256).digest()).decode(),
        "TIMESTAMP": ts,
    }


def test_device_calls_on_unknown_devices(app):
    idp, pool, cid = app
    access = sign_in(idp, cid)["AuthenticationResult"]["AccessToken"]
    ghost = "us-east-1_00000000-0000-4000-8000-000000000000"
    assert code_of(idp.get_device, AccessToken=access, DeviceKey=ghost) == NO_DEVICE
    assert code_of(idp.forget_device, AccessToken=access, DeviceKey=ghost) == NO_DEVICE
    assert code_of(idp.update_device_status, AccessToken=access, DeviceKey=ghost, DeviceRememberedStatus="remembered") == NO_DEVICE
    cfg = {"Salt": "AA==", "PasswordVerifier": "AQ=="}
    assert code_of(idp.confirm_device, AccessToken=access, DeviceKey=ghost, DeviceSecretVerifierConfig=cfg) == NO_DEVICE
    assert code_of(idp.admin_get_device, UserPoolId=pool, Username="dev", DeviceKey=ghost) == NO_DEVICE
    assert code_of(idp.admin_forget_device, UserPoolId=pool, Username="dev", DeviceKey=ghost) == NO_DEVICE
    assert code_of(idp.admin_get_device, UserPoolId=pool, Username="ghost", DeviceKey=ghost)[0] == "UserNotFoundException"
    assert code_of(idp.list_devices, AccessToken="garbage")[0] == "NotAuthorizedException"
    assert code_of(idp.list_devices, AccessToken=access, Limit=61)[0] == "InvalidParameterException"


def test_confirm_device_validates_its_input(app):
    idp, _, cid = app
    res = sign_in(idp, cid)["AuthenticationResult"]
    key = res["NewDeviceMetadata"]["DeviceKey"]
    bad = {"Salt": "not base64!", "PasswordVerifier": "AQ=="}
    assert code_of(idp.confirm_device, AccessToken=res["AccessToken"], DeviceKey=key, DeviceSecretVerifierConfig=bad)[0] == "InvalidParameterException"
    # Not confirmed yet: invisible to Get and UpdateDeviceStatus.
    assert code_of(idp.get_device, AccessToken=res["AccessToken"], DeviceKey=key) == NO_DEVICE
    assert code_of(idp.update_device_status, AccessToken=res["AccessToken"], DeviceKey=key, DeviceRememberedStatus="remembered") == NO_DEVICE


def test_device_sign_in_rejects_a_forged_verifier_then_accepts_the_real_one(app):
    idp, _, cid = app
    access, key, group, secret = new_device(idp, cid)
    listed = {d["DeviceKey"]: d for d in idp.list_devices(AccessToken=access)["Devices"]}
    attrs = {a["Name"]: a["Value"] for a in listed[key]["DeviceAttributes"]}
    assert attrs["device_name"] == "pytest" and attrs["dev:device_remembered_status"] == "remembered"
    code, msg = code_of(idp.update_device_status, AccessToken=access, DeviceKey=key, DeviceRememberedStatus="sometimes")
    assert code == "InvalidParameterException" and "deviceRememberedStatus" in msg

    for device_secret, ok in [("forged-secret", False), (secret, True)]:
        first = sign_in(idp, cid, key)
        assert first["ChallengeName"] == "DEVICE_SRP_AUTH"
        a = int.from_bytes(os.urandom(32), "big")
        srp = idp.respond_to_auth_challenge(
            ClientId=cid,
            ChallengeName="DEVICE_SRP_AUTH",
            Session=first["Session"],
            ChallengeResponses={"USERNAME": "dev", "DEVICE_KEY": key, "SRP_A": "%x" % pow(G, a, N)},
        )
        assert srp["ChallengeName"] == "DEVICE_PASSWORD_VERIFIER"
        answer = device_verifier_answer(key, group, device_secret, a, srp["ChallengeParameters"])
        call = dict(ClientId=cid, ChallengeName="DEVICE_PASSWORD_VERIFIER", Session=srp["Session"], ChallengeResponses=answer)
        if ok:
            res = idp.respond_to_auth_challenge(**call)["AuthenticationResult"]
            assert "NewDeviceMetadata" not in res
        else:
            assert code_of(idp.respond_to_auth_challenge, **call) == ("NotAuthorizedException", "Incorrect username or password.")

    # Replaying the used SECRET_BLOCK fails; a zero SRP_A is refused.
    assert code_of(idp.respond_to_auth_challenge, **call)[0] == "NotAuthorizedException"
    first = sign_in(idp, cid, key)
    code, _ = code_of(
        idp.respond_to_auth_challenge,
        ClientId=cid,
        ChallengeName="DEVICE_SRP_AUTH",
        Session=first["Session"],
        ChallengeResponses={"USERNAME": "dev", "DEVICE_KEY": key, "SRP_A": "%x" % N},
    )
    assert code == "InvalidParameterException"

    idp.forget_device(AccessToken=access, DeviceKey=key)
    assert code_of(sign_in, idp=idp, cid=cid, device_key=key) == NO_DEVICE
