"""Cognito with boto3 against a real amplocal binary: the admin API, every AWS error the issue
lists, a full USER_SRP_AUTH sign-in computed client-side from scratch (Python ints are big
integers), and RS256 verification of the tokens against the served JWKS (pure-Python RSA)."""
import base64
import datetime
import hashlib
import hmac
import json
import os

import pytest
import requests
from botocore.exceptions import ClientError

from srp_math import G, H, K_MULT, N, pad, timestamp

PW = "Passw0rd!"


class SrpClient:
    """The client half of Cognito's SRP, written from the protocol description."""

    def __init__(self, pool_id):
        self.pool_name = pool_id.split("_", 1)[1]
        self.a = int.from_bytes(os.urandom(128), "big")
        self.A = pow(G, self.a, N)

    def srp_a(self):
        return "%x" % self.A

    def signature(self, params, password, ts, secret_block=None):
        user_id = params["USER_ID_FOR_SRP"]
        B = int(params["SRP_B"], 16)
        salt = int(params["SALT"], 16)
        u = H(pad(self.A), pad(B))
        inner = hashlib.sha256((self.pool_name + user_id + ":" + password).encode()).digest()
        x = H(pad(salt), inner)
        S = pow((B - K_MULT * pow(G, x, N)) % N, self.a + u * x, N)
        prk = hmac.new(pad(u), pad(S), hashlib.sha256).digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
        block = base64.b64decode(secret_block or params["SECRET_BLOCK"])
        msg = self.pool_name.encode() + user_id.encode() + block + ts.encode()
        return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def rs256_verify(token, jwks):
    """True when `token` is a valid RS256 JWT under one of `jwks`' keys (PKCS#1 v1.5)."""
    head, payload, sig = token.split(".")
    header = json.loads(b64url(head))
    keys = [k for k in jwks["keys"] if k["kid"] == header.get("kid")]
    if header.get("alg") != "RS256" or not keys:
        return False
    n = int.from_bytes(b64url(keys[0]["n"]), "big")
    e = int.from_bytes(b64url(keys[0]["e"]), "big")
    k = (n.bit_length() + 7) // 8
    em = pow(int.from_bytes(b64url(sig), "big"), e, n).to_bytes(k, "big")
    digest = hashlib.sha256((head + "." + payload).encode()).digest()
    t = bytes.fromhex("3031300d060960864801650304020105000420") + digest
    return em == b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t


def claims(token):
    return json.loads(b64url(token.split(".")[1]))


def code_of(exc):
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


@pytest.fixture()
def idp(client):
    return client("cognito-idp")


@pytest.fixture()
def pool(idp):
    pid = idp.create_user_pool(PoolName="py")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(
        UserPoolId=pid, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]["ClientId"]
    yield pid, cid
    idp.delete_user_pool(UserPoolId=pid)


def make_user(idp, pid, name="alice", pw=PW, email=None):
    attrs = [{"Name": "email", "Value": email}] if email else []
    idp.admin_create_user(UserPoolId=pid, Username=name, TemporaryPassword="Temp0rary!", MessageAction="SUPPRESS", UserAttributes=attrs)
    idp.admin_set_user_password(UserPoolId=pid, Username=name, Password=pw, Permanent=True)


def srp_start(idp, cid, pid, name="alice"):
    c = SrpClient(pid)
    r = idp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": name, "SRP_A": c.srp_a()})
    assert r["ChallengeName"] == "PASSWORD_VERIFIER"
    return c, r["ChallengeParameters"]


def srp_answer(idp, cid, params, ts, sig, block=None):
    return idp.respond_to_auth_challenge(
        ClientId=cid,
        ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses={
            "USERNAME": params["USER_ID_FOR_SRP"],
            "PASSWORD_CLAIM_SECRET_BLOCK": block or params["SECRET_BLOCK"],
            "PASSWORD_CLAIM_SIGNATURE": sig,
            "TIMESTAMP": ts,
        },
    )


def test_srp_sign_in_and_tokens_verify_against_jwks(idp, pool, endpoint):
    pid, cid = pool
    make_user(idp, pid, email="alice@example.com")
    c, params = srp_start(idp, cid, pid)
    ts = timestamp(datetime.datetime.now(datetime.timezone.utc))
    out = srp_answer(idp, cid, params, ts, c.signature(params, PW, ts))
    res = out["AuthenticationResult"]
    jwks = requests.get(f"{endpoint}/{pid}/.well-known/jwks.json").json()
    assert rs256_verify(res["IdToken"], jwks)
    assert rs256_verify(res["AccessToken"], jwks)
    idc = claims(res["IdToken"])
    assert idc["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pid}"
    assert idc["aud"] == cid and idc["token_use"] == "id" and idc["cognito:username"] == "alice"
    for k in ["sub", "auth_time", "iat", "exp", "jti", "origin_jti", "event_id"]:
        assert k in idc, k
    # tampering with the payload breaks the signature
    h, p, s = res["IdToken"].split(".")
    forged = json.loads(b64url(p))
    forged["cognito:username"] = "mallory"
    forged_p = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    assert not rs256_verify(f"{h}.{forged_p}.{s}", jwks)
    # a token from another pool does not verify with this pool's keys
    other = idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    ocid = idp.create_user_pool_client(UserPoolId=other, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    make_user(idp, other, "zed")
    ot = idp.initiate_auth(ClientId=ocid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "zed", "PASSWORD": PW})["AuthenticationResult"]
    assert not rs256_verify(ot["IdToken"], jwks)
    assert rs256_verify(ot["IdToken"], requests.get(f"{endpoint}/{other}/.well-known/jwks.json").json())
    disc = requests.get(f"{endpoint}/{pid}/.well-known/openid-configuration").json()
    assert disc["issuer"] == idc["iss"] and disc["jwks_uri"].endswith(f"{pid}/.well-known/jwks.json")
    assert idp.get_user(AccessToken=res["AccessToken"])["Username"] == "alice"


@pytest.mark.parametrize(
    "case",
    ["wrong_password", "wrong_weekday", "stale", "tampered_block", "replay"],
)
def test_srp_rejections(idp, pool, case):
    pid, cid = pool
    make_user(idp, pid)
    c, params = srp_start(idp, cid, pid)
    ts = timestamp(datetime.datetime.now(datetime.timezone.utc))
    block = None
    if case == "wrong_password":
        sig = c.signature(params, "Wrong-Passw0rd", ts)
    elif case == "wrong_weekday":
        ts = timestamp(datetime.datetime.now(datetime.timezone.utc), weekday_shift=1)
        sig = c.signature(params, PW, ts)
    elif case == "stale":
        ts = timestamp(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1))
        sig = c.signature(params, PW, ts)
    elif case == "tampered_block":
        raw = bytearray(base64.b64decode(params["SECRET_BLOCK"]))
        raw[5] ^= 0xFF
        block = base64.b64encode(bytes(raw)).decode()
        sig = c.signature(params, PW, ts, secret_block=block)
    else:  # replay: a correct answer works once
        sig = c.signature(params, PW, ts)
        srp_answer(idp, cid, params, ts, sig)
    with pytest.raises(ClientError) as e:
        srp_answer(idp, cid, params, ts, sig, block)
    assert code_of(e) == ("NotAuthorizedException", "Incorrect username or password.")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_srp_malformed_timestamp_and_zero_a(idp, pool):
    pid, cid = pool
    make_user(idp, pid)
    c, params = srp_start(idp, cid, pid)
    with pytest.raises(ClientError) as e:
        srp_answer(idp, cid, params, "2024-01-03T07:05:09Z", "AAAA")
    assert code_of(e) == ("InvalidParameterException", "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
    for bad in ["0", "%x" % N, "%x" % (2 * N)]:
        with pytest.raises(ClientError) as e:
            idp.initiate_auth(ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "alice", "SRP_A": bad})
        assert code_of(e)[0] == "InvalidParameterException"


def test_admin_api_and_errors(idp, pool, endpoint):
    pid, cid = pool
    with pytest.raises(ClientError) as e:
        idp.admin_create_user(UserPoolId=pid, Username="bob", TemporaryPassword="abc")
    assert code_of(e)[0] == "InvalidPasswordException"
    u = idp.admin_create_user(UserPoolId=pid, Username="bob", TemporaryPassword="Temp0rary!", UserAttributes=[{"Name": "email", "Value": "bob@x.org"}])["User"]
    assert u["UserStatus"] == "FORCE_CHANGE_PASSWORD" and u["Enabled"] is True
    with pytest.raises(ClientError) as e:
        idp.admin_create_user(UserPoolId=pid, Username="bob", TemporaryPassword="Temp0rary!")
    assert code_of(e)[0] == "UsernameExistsException"
    with pytest.raises(ClientError) as e:
        idp.admin_get_user(UserPoolId=pid, Username="nobody")
    assert code_of(e) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(ClientError) as e:
        idp.admin_get_user(UserPoolId="us-east-1_missing00", Username="bob")
    assert code_of(e)[0] == "ResourceNotFoundException"
    ch = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp0rary!"})
    assert ch["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and ch["Session"]
    assert json.loads(ch["ChallengeParameters"]["requiredAttributes"]) == []
    out = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=ch["Session"], ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": PW})
    assert "AccessToken" in out["AuthenticationResult"]
    assert idp.admin_get_user(UserPoolId=pid, Username="bob")["UserStatus"] == "CONFIRMED"
    # UNCONFIRMED users
    idp.sign_up(ClientId=cid, Username="carl", Password=PW)
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "carl", "PASSWORD": PW})
    assert code_of(e) == ("UserNotConfirmedException", "User is not confirmed.")
    with pytest.raises(ClientError) as e:
        idp.confirm_sign_up(ClientId=cid, Username="carl", ConfirmationCode="000000x")
    assert code_of(e) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    inbox = requests.get(f"{endpoint}/_amplocal/cognito/codes", params={"pool": pid, "username": "carl"})
    assert inbox.status_code == 200
    code = inbox.json()["codes"][0]["code"]
    idp.confirm_sign_up(ClientId=cid, Username="carl", ConfirmationCode=code)
    with pytest.raises(ClientError) as e:
        idp.admin_confirm_sign_up(UserPoolId=pid, Username="carl")
    assert code_of(e)[0] == "NotAuthorizedException"
    idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "carl", "PASSWORD": PW})
    # ConfirmForgotPassword without a prior ForgotPassword
    with pytest.raises(ClientError) as e:
        idp.confirm_forgot_password(ClientId=cid, Username="bob", ConfirmationCode="123456", Password="N3w-Passw0rd")
    assert code_of(e) == ("ExpiredCodeException", "Invalid code provided, please request a code again.")
    idp.admin_reset_user_password(UserPoolId=pid, Username="bob")
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": PW})
    assert code_of(e)[0] == "PasswordResetRequiredException"
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": "bad"})
    assert code_of(e)[0] in ("NotAuthorizedException", "PasswordResetRequiredException")
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="NOT_A_FLOW", AuthParameters={"USERNAME": "bob"})
    assert code_of(e)[0] == "InvalidParameterException"
    users = idp.list_users(UserPoolId=pid, Filter='username = "bob"')["Users"]
    assert [x["Username"] for x in users] == ["bob"]
    idp.admin_delete_user(UserPoolId=pid, Username="bob")
    with pytest.raises(ClientError) as e:
        idp.admin_delete_user(UserPoolId=pid, Username="bob")
    assert code_of(e)[0] == "UserNotFoundException"


def test_alias_exists(idp):
    pid = idp.create_user_pool(PoolName="alias", AliasAttributes=["email"])["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    make_user(idp, pid, "dora", email="dora@x.org")
    idp.admin_update_user_attributes(UserPoolId=pid, Username="dora", UserAttributes=[{"Name": "email_verified", "Value": "true"}])
    # the verified email alias signs in
    idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "dora@x.org", "PASSWORD": PW})
    make_user(idp, pid, "dan")
    with pytest.raises(ClientError) as e:
        idp.admin_update_user_attributes(UserPoolId=pid, Username="dan", UserAttributes=[{"Name": "email", "Value": "dora@x.org"}])
    assert code_of(e)[0] == "AliasExistsException"
    with pytest.raises(ClientError) as e:
        idp.create_user_pool(PoolName="both", AliasAttributes=["email"], UsernameAttributes=["email"])
    assert code_of(e)[0] == "InvalidParameterException"
    idp.delete_user_pool(UserPoolId=pid)


def test_identity_pool_credentials_are_usable(client, idp, pool):
    pid, cid = pool
    make_user(idp, pid, "eve")
    tokens = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "eve", "PASSWORD": PW})["AuthenticationResult"]
    ci = client("cognito-identity")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pid}"
    ipid = ci.create_identity_pool(IdentityPoolName="ip", AllowUnauthenticatedIdentities=False, CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": cid}])["IdentityPoolId"]
    ci.set_identity_pool_roles(IdentityPoolId=ipid, Roles={"authenticated": "arn:aws:iam::000000000000:role/a"})
    with pytest.raises(ClientError) as e:
        ci.get_id(IdentityPoolId=ipid)
    assert code_of(e) == ("NotAuthorizedException", "Unauthenticated access is not supported for this identity pool.")
    iid = ci.get_id(IdentityPoolId=ipid, Logins={provider: tokens["IdToken"]})["IdentityId"]
    creds = ci.get_credentials_for_identity(IdentityId=iid, Logins={provider: tokens["IdToken"]})["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert isinstance(creds["Expiration"], datetime.datetime)
    sts = client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"], aws_session_token=creds["SessionToken"])
    who = sts.get_caller_identity()
    assert who["Arn"].startswith("arn:aws:sts::000000000000:assumed-role/a/")
    ci.delete_identity_pool(IdentityPoolId=ipid)


def totp(secret, t=None, step_shift=0):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    step = int((t or datetime.datetime.now(datetime.timezone.utc).timestamp()) // 30) + step_shift
    h = hmac.new(key, step.to_bytes(8, "big"), hashlib.sha1).digest()
    o = h[-1] & 0x0F
    return "%06d" % ((int.from_bytes(h[o:o + 4], "big") & 0x7FFFFFFF) % 1000000)


def test_totp_mfa_optional(idp):
    pid = idp.create_user_pool(PoolName="mfa", MfaConfiguration="OPTIONAL")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
    make_user(idp, pid, "mo")
    login = lambda: idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "mo", "PASSWORD": PW})
    access = login()["AuthenticationResult"]["AccessToken"]
    with pytest.raises(ClientError) as e:
        idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    assert code_of(e)[0] == "InvalidParameterException"
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    assert len(secret) == 32
    with pytest.raises(ClientError) as e:
        idp.verify_software_token(AccessToken=access, UserCode="000000" if totp(secret) != "000000" else "111111")
    assert code_of(e)[0] == "EnableSoftwareTokenMFAException"
    assert idp.verify_software_token(AccessToken=access, UserCode=totp(secret), FriendlyDeviceName="phone")["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    me = idp.get_user(AccessToken=access)
    assert me["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and me["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    ch = login()
    assert ch["ChallengeName"] == "SOFTWARE_TOKEN_MFA" and ch["Session"]
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"], ChallengeResponses={"USERNAME": "mo", "SOFTWARE_TOKEN_MFA_CODE": totp(secret, step_shift=5)})
    assert code_of(e) == ("CodeMismatchException", "Invalid code or auth state for the user.")
    # SRP first, then the TOTP step
    c, params = srp_start(idp, cid, pid, "mo")
    ts = timestamp(datetime.datetime.now(datetime.timezone.utc))
    ch = srp_answer(idp, cid, params, ts, c.signature(params, PW, ts))
    assert ch["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    out = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=ch["Session"], ChallengeResponses={"USERNAME": "mo", "SOFTWARE_TOKEN_MFA_CODE": totp(secret)})
    assert "IdToken" in out["AuthenticationResult"]
    idp.delete_user_pool(UserPoolId=pid)


def test_totp_mfa_required_setup_with_session(idp):
    pid = idp.create_user_pool(PoolName="mfa-on", MfaConfiguration="ON")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    make_user(idp, pid, "ned")
    ch = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ned", "PASSWORD": PW})
    assert ch["ChallengeName"] == "MFA_SETUP"
    assert json.loads(ch["ChallengeParameters"]["MFAS_CAN_SETUP"]) == ["SOFTWARE_TOKEN_MFA"]
    a = idp.associate_software_token(Session=ch["Session"])
    v = idp.verify_software_token(Session=a["Session"], UserCode=totp(a["SecretCode"]))
    assert v["Status"] == "SUCCESS"
    out = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="MFA_SETUP", Session=v["Session"], ChallengeResponses={"USERNAME": "ned"})
    assert "AccessToken" in out["AuthenticationResult"]
    ch = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ned", "PASSWORD": PW})
    assert ch["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    idp.delete_user_pool(UserPoolId=pid)


def test_user_auth_choice_flow(idp, endpoint):
    pid = idp.create_user_pool(PoolName="choice")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_AUTH"])["UserPoolClient"]["ClientId"]
    make_user(idp, pid, "olga", email="olga@x.org")
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "olga", "PASSWORD": PW})
    assert code_of(e) == ("InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client")
    sel = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "olga"})
    assert sel["ChallengeName"] == "SELECT_CHALLENGE"
    assert set(sel["AvailableChallenges"]) >= {"PASSWORD", "PASSWORD_SRP", "EMAIL_OTP"}
    out = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SELECT_CHALLENGE", Session=sel["Session"], ChallengeResponses={"USERNAME": "olga", "ANSWER": "PASSWORD", "PASSWORD": PW})
    assert "IdToken" in out["AuthenticationResult"]
    # preferred PASSWORD returns tokens directly
    out = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "olga", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PW})
    assert "AccessToken" in out["AuthenticationResult"]
    # PASSWORD_SRP via SELECT_CHALLENGE then PASSWORD_VERIFIER
    sel = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "olga"})
    c = SrpClient(pid)
    ch = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SELECT_CHALLENGE", Session=sel["Session"], ChallengeResponses={"USERNAME": "olga", "ANSWER": "PASSWORD_SRP", "SRP_A": c.srp_a()})
    assert ch["ChallengeName"] == "PASSWORD_VERIFIER"
    ts = timestamp(datetime.datetime.now(datetime.timezone.utc))
    out = srp_answer(idp, cid, ch["ChallengeParameters"], ts, c.signature(ch["ChallengeParameters"], PW, ts))
    assert "IdToken" in out["AuthenticationResult"]
    # EMAIL_OTP through the inbox
    ch = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "olga", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    assert ch["ChallengeName"] == "EMAIL_OTP" and ch["ChallengeParameters"]["CODE_DELIVERY_DELIVERY_MEDIUM"] == "EMAIL"
    otp = requests.get(f"{endpoint}/_amplocal/cognito/codes", params={"pool": pid, "username": "olga"}).json()["codes"][0]
    assert otp["purpose"] == "email_otp"
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="EMAIL_OTP", Session=ch["Session"], ChallengeResponses={"USERNAME": "olga", "EMAIL_OTP_CODE": "x" + otp["code"]})
    assert code_of(e)[0] == "CodeMismatchException"
    ch = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "olga", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
    otp = requests.get(f"{endpoint}/_amplocal/cognito/codes", params={"pool": pid, "username": "olga"}).json()["codes"][0]["code"]
    out = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="EMAIL_OTP", Session=ch["Session"], ChallengeResponses={"USERNAME": "olga", "EMAIL_OTP_CODE": otp})
    assert "AccessToken" in out["AuthenticationResult"]
    # ConfirmSignUp's Session signs the new user in once (Amplify autoSignIn with USER_AUTH)
    idp.sign_up(ClientId=cid, Username="pia", Password=PW, UserAttributes=[{"Name": "email", "Value": "pia@x.org"}])
    code = requests.get(f"{endpoint}/_amplocal/cognito/codes", params={"pool": pid, "username": "pia"}).json()["codes"][0]["code"]
    sess = idp.confirm_sign_up(ClientId=cid, Username="pia", ConfirmationCode=code)["Session"]
    auto = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "pia"}, Session=sess)
    assert claims(auto["AuthenticationResult"]["IdToken"])["cognito:username"] == "pia"
    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "pia"}, Session=sess)
    assert code_of(e)[0] == "NotAuthorizedException"
    factors = idp.get_user_auth_factors(AccessToken=out["AuthenticationResult"]["AccessToken"])
    assert factors["Username"] == "olga" and set(factors["ConfiguredUserAuthFactors"]) == {"PASSWORD", "EMAIL_OTP"}
    with pytest.raises(ClientError) as e:
        idp.list_devices(AccessToken=out["AuthenticationResult"]["AccessToken"], Limit=10) and idp.forget_device(AccessToken=out["AuthenticationResult"]["AccessToken"], DeviceKey="us-east-1_x")
    assert code_of(e) == ("ResourceNotFoundException", "Device does not exist.")
    idp.delete_user_pool(UserPoolId=pid)


def test_admin_srp_and_client_updates(idp):
    pid = idp.create_user_pool(PoolName="adm")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pid, ClientName="c")["UserPoolClient"]["ClientId"]
    make_user(idp, pid, "uma")
    c = SrpClient(pid)
    r = idp.admin_initiate_auth(UserPoolId=pid, ClientId=cid, AuthFlow="USER_SRP_AUTH", AuthParameters={"USERNAME": "uma", "SRP_A": c.srp_a()})
    assert r["ChallengeName"] == "PASSWORD_VERIFIER"
    p = r["ChallengeParameters"]
    ts = timestamp(datetime.datetime.now(datetime.timezone.utc))
    out = idp.admin_respond_to_auth_challenge(
        UserPoolId=pid, ClientId=cid, ChallengeName="PASSWORD_VERIFIER",
        ChallengeResponses={"USERNAME": "uma", "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"], "PASSWORD_CLAIM_SIGNATURE": c.signature(p, PW, ts), "TIMESTAMP": ts},
    )
    assert out["AuthenticationResult"]["ExpiresIn"] == 3600
    with pytest.raises(ClientError) as e:
        idp.admin_initiate_auth(UserPoolId=pid, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "uma", "PASSWORD": PW})
    assert code_of(e) == ("InvalidParameterException", "ADMIN_USER_PASSWORD_AUTH flow not enabled for this client")
    idp.update_user_pool_client(
        UserPoolId=pid, ClientId=cid, ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"], IdTokenValidity=10, AccessTokenValidity=15,
        TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes"},
    )
    res = idp.admin_initiate_auth(UserPoolId=pid, ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "uma", "PASSWORD": PW})["AuthenticationResult"]
    assert res["ExpiresIn"] == 900
    idc = claims(res["IdToken"])
    assert idc["exp"] - idc["iat"] == 600
    with pytest.raises(ClientError) as e:
        idp.admin_initiate_auth(UserPoolId="us-east-1_wrongpool", ClientId=cid, AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "uma", "PASSWORD": PW})
    assert code_of(e)[0] == "ResourceNotFoundException"
    idp.admin_user_global_sign_out(UserPoolId=pid, Username="uma")
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=res["AccessToken"])
    assert code_of(e) == ("NotAuthorizedException", "Access Token has been revoked")
    idp.delete_user_pool(UserPoolId=pid)


def test_group_roles_and_token_role_mapping(client, idp, pool):
    pid, cid = pool
    make_user(idp, pid, "vic")
    idp.create_group(UserPoolId=pid, GroupName="editors", RoleArn="arn:aws:iam::000000000000:role/editor", Precedence=5)
    idp.create_group(UserPoolId=pid, GroupName="admins", RoleArn="arn:aws:iam::000000000000:role/admin", Precedence=1)
    idp.admin_add_user_to_group(UserPoolId=pid, Username="vic", GroupName="editors")
    idp.admin_add_user_to_group(UserPoolId=pid, Username="vic", GroupName="admins")
    tok = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "vic", "PASSWORD": PW})["AuthenticationResult"]["IdToken"]
    c = claims(tok)
    assert sorted(c["cognito:groups"]) == ["admins", "editors"]
    assert sorted(c["cognito:roles"]) == ["arn:aws:iam::000000000000:role/admin", "arn:aws:iam::000000000000:role/editor"]
    assert c["cognito:preferred_role"] == "arn:aws:iam::000000000000:role/admin"
    ci = client("cognito-identity")
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pid}"
    ipid = ci.create_identity_pool(IdentityPoolName="rm", AllowUnauthenticatedIdentities=False, CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": cid}])["IdentityPoolId"]
    ci.set_identity_pool_roles(
        IdentityPoolId=ipid,
        Roles={"authenticated": "arn:aws:iam::000000000000:role/default"},
        RoleMappings={provider: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"}},
    )
    assert ci.get_identity_pool_roles(IdentityPoolId=ipid)["RoleMappings"][provider]["Type"] == "Token"
    iid = ci.get_id(IdentityPoolId=ipid, Logins={provider: tok})["IdentityId"]
    creds = ci.get_credentials_for_identity(IdentityId=iid, Logins={provider: tok})["Credentials"]
    sts = client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"], aws_session_token=creds["SessionToken"])
    assert sts.get_caller_identity()["Arn"].startswith("arn:aws:sts::000000000000:assumed-role/admin/")
    ci.delete_identity_pool(IdentityPoolId=ipid)
