// Cognito against a real amplocal binary with real JS clients: Amplify JS v6 (SRP sign-in by
// default, USER_PASSWORD_AUTH, sign-up with the code, attributes, password reset, identity-pool
// credentials, forced refresh, global sign-out) and aws-jwt-verify accepting our tokens.
// Run: AMPLOCAL_BIN=target/debug/amplocal node --test tests/js/cognito.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createHmac } from 'node:crypto';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CognitoIdentityProviderClient, CreateUserPoolCommand, CreateUserPoolClientCommand, AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { CognitoIdentityClient, CreateIdentityPoolCommand, SetIdentityPoolRolesCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { Amplify } from 'aws-amplify';
import {
  signUp, confirmSignUp, signIn, signOut, fetchAuthSession, getCurrentUser, fetchUserAttributes,
  updateUserAttributes, resetPassword, confirmResetPassword, setUpTOTP, verifyTOTPSetup, updateMFAPreference,
  fetchMFAPreference, confirmSignIn,
} from 'aws-amplify/auth';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = process.env.AMPLOCAL_BIN || path.join(ROOT, 'target', 'debug', 'amplocal');
const CODE = '246810';
const PW = 'Passw0rd!';
let proc;
let endpoint;
let poolId;
let clientId;
let identityPoolId;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

before(async () => {
  const port = await freePort();
  proc = spawn(BIN, ['--ephemeral', '--listen', `127.0.0.1:${port}`, '--cognito-fixed-code', CODE], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('amplocal did not print Ready. within 30 s')), 30000);
    proc.on('exit', (c) => reject(new Error(`amplocal exited with ${c}`)));
    createInterface({ input: proc.stdout }).on('line', (l) => { if (l.trim() === 'Ready.') { clearTimeout(timer); resolve(); } });
  });
  endpoint = `http://127.0.0.1:${port}`;
  const cfg = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const idp = new CognitoIdentityProviderClient(cfg);
  poolId = (await idp.send(new CreateUserPoolCommand({ PoolName: 'amplify', AutoVerifiedAttributes: ['email'], MfaConfiguration: 'OPTIONAL' }))).UserPool.Id;
  clientId = (await idp.send(new CreateUserPoolClientCommand({
    UserPoolId: poolId, ClientName: 'web',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }))).UserPoolClient.ClientId;
  const ci = new CognitoIdentityClient(cfg);
  identityPoolId = (await ci.send(new CreateIdentityPoolCommand({
    IdentityPoolName: 'ip', AllowUnauthenticatedIdentities: true,
    CognitoIdentityProviders: [{ ProviderName: `cognito-idp.us-east-1.amazonaws.com/${poolId}`, ClientId: clientId }],
  }))).IdentityPoolId;
  await ci.send(new SetIdentityPoolRolesCommand({
    IdentityPoolId: identityPoolId,
    Roles: { authenticated: 'arn:aws:iam::000000000000:role/auth', unauthenticated: 'arn:aws:iam::000000000000:role/guest' },
  }));
  for (const u of ['pat', 'tess']) {
    await idp.send(new AdminCreateUserCommand({ UserPoolId: poolId, Username: u, TemporaryPassword: 'Temp0rary!', MessageAction: 'SUPPRESS' }));
    await idp.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: u, Password: PW, Permanent: true }));
  }
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: poolId, userPoolClientId: clientId, userPoolEndpoint: endpoint,
        identityPoolId, identityPoolEndpoint: endpoint, allowGuestAccess: true,
      },
    },
  });
});

after(() => { if (proc) proc.kill('SIGTERM'); });

async function jwks(pool = poolId) {
  return (await fetch(`${endpoint}/${pool}/.well-known/jwks.json`)).json();
}

test('Amplify signUp → confirmSignUp (code) → signIn (SRP default) → session → refresh → global signOut', async () => {
  const up = await signUp({ username: 'quinn', password: PW, options: { userAttributes: { email: 'quinn@example.com' } } });
  assert.equal(up.isSignUpComplete, false);
  assert.equal(up.nextStep.signUpStep, 'CONFIRM_SIGN_UP');
  await assert.rejects(confirmSignUp({ username: 'quinn', confirmationCode: '000000' }), { name: 'CodeMismatchException' });
  const conf = await confirmSignUp({ username: 'quinn', confirmationCode: CODE });
  assert.equal(conf.isSignUpComplete, true);
  await assert.rejects(signIn({ username: 'quinn', password: 'Wrong-Passw0rd' }), { name: 'NotAuthorizedException', message: 'Incorrect username or password.' });
  const res = await signIn({ username: 'quinn', password: PW });
  assert.equal(res.isSignedIn, true);
  assert.equal(res.nextStep.signInStep, 'DONE');
  const me = await getCurrentUser();
  assert.equal(me.username, 'quinn');
  const attrs = await fetchUserAttributes();
  assert.equal(attrs.email, 'quinn@example.com');
  assert.equal(attrs.email_verified, 'true');

  const session = await fetchAuthSession();
  assert.ok(session.tokens.idToken);
  assert.ok(session.identityId.startsWith('us-east-1:'));
  assert.ok(session.credentials.accessKeyId.startsWith('ASIA'));
  assert.ok(session.credentials.expiration instanceof Date);

  const verifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'id', clientId });
  verifier.cacheJwks(await jwks());
  const idPayload = await verifier.verify(session.tokens.idToken.toString());
  assert.equal(idPayload['cognito:username'], 'quinn');
  const accessVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'access', clientId });
  accessVerifier.cacheJwks(await jwks());
  await accessVerifier.verify(session.tokens.accessToken.toString());
  await assert.rejects(verifier.verify(session.tokens.accessToken.toString()));
  const [h, p, s] = session.tokens.idToken.toString().split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), 'cognito:username': 'mallory' })).toString('base64url');
  await assert.rejects(verifier.verify(`${h}.${forged}.${s}`));

  const refreshed = await fetchAuthSession({ forceRefresh: true });
  assert.notEqual(refreshed.tokens.accessToken.toString(), session.tokens.accessToken.toString());
  await accessVerifier.verify(refreshed.tokens.accessToken.toString());

  const upd = await updateUserAttributes({ userAttributes: { given_name: 'Quinn' } });
  assert.equal(upd.given_name.isUpdated, true);
  assert.equal((await fetchUserAttributes()).given_name, 'Quinn');

  await signOut({ global: true });
  await assert.rejects(getCurrentUser());
});

test('Amplify USER_PASSWORD_AUTH, guest credentials, resetPassword', async () => {
  const guest = await fetchAuthSession();
  assert.equal(guest.tokens, undefined);
  assert.ok(guest.credentials.accessKeyId.startsWith('ASIA'));
  const res = await signIn({ username: 'pat', password: PW, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
  assert.equal(res.isSignedIn, true);
  const s = await fetchAuthSession();
  assert.equal(s.tokens.idToken.payload['cognito:username'], 'pat');
  await signOut();
  await assert.rejects(signIn({ username: 'nobody', password: PW }), { name: 'UserNotFoundException' });

  await signUp({ username: 'rita', password: PW, options: { userAttributes: { email: 'rita@example.com' } } });
  await confirmSignUp({ username: 'rita', confirmationCode: CODE });
  const r = await resetPassword({ username: 'rita' });
  assert.equal(r.nextStep.resetPasswordStep, 'CONFIRM_RESET_PASSWORD_WITH_CODE');
  await confirmResetPassword({ username: 'rita', confirmationCode: CODE, newPassword: 'N3w-Passw0rd' });
  await assert.rejects(signIn({ username: 'rita', password: PW }), { name: 'NotAuthorizedException' });
  assert.equal((await signIn({ username: 'rita', password: 'N3w-Passw0rd' })).isSignedIn, true);
  await signOut();
});

test('aws-jwt-verify rejects a token of another pool', async () => {
  const verifier = CognitoJwtVerifier.create({ userPoolId: poolId, tokenUse: 'id', clientId });
  verifier.cacheJwks(await jwks());
  const res = await signIn({ username: 'pat', password: PW });
  assert.equal(res.isSignedIn, true);
  const tok = (await fetchAuthSession()).tokens.idToken.toString();
  await verifier.verify(tok);
  const otherPool = 'us-east-1_AbCdEfGhI';
  const other = CognitoJwtVerifier.create({ userPoolId: otherPool, tokenUse: 'id', clientId });
  other.cacheJwks(await jwks());
  await assert.rejects(other.verify(tok));
  await signOut();
});

function totp(secret, shift = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + shift));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[19] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

test('Amplify TOTP setup, MFA preference and sign-in with the TOTP code', async () => {
  assert.equal((await signIn({ username: 'tess', password: PW })).isSignedIn, true);
  const setup = await setUpTOTP();
  assert.equal(setup.sharedSecret.length, 32);
  assert.ok(setup.getSetupUri('amplocal').href.startsWith('otpauth://totp/'));
  await assert.rejects(verifyTOTPSetup({ code: totp(setup.sharedSecret, 10) }), { name: 'EnableSoftwareTokenMFAException' });
  await verifyTOTPSetup({ code: totp(setup.sharedSecret) });
  await updateMFAPreference({ totp: 'PREFERRED' });
  const pref = await fetchMFAPreference();
  assert.deepEqual(pref.enabled, ['TOTP']);
  assert.equal(pref.preferred, 'TOTP');
  await signOut();
  const step = await signIn({ username: 'tess', password: PW });
  assert.equal(step.isSignedIn, false);
  assert.equal(step.nextStep.signInStep, 'CONFIRM_SIGN_IN_WITH_TOTP_CODE');
  const done = await confirmSignIn({ challengeResponse: totp(setup.sharedSecret) });
  assert.equal(done.isSignedIn, true);
  assert.equal((await getCurrentUser()).username, 'tess');
  await signOut();
});
