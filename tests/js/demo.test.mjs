// The offline demo's flows under Node, no browser (issue 7): amplocal started with the demo's
// backend manifest (`--backend`) writes amplify_outputs.json (`--amplify-outputs`); two users,
// each in its own Node process running Amplify JS v6 (tests/js/fixtures-demo/demo-user.mjs),
// sign up, confirm with the code from amplocal's inbox, sign in by SRP, create todos through
// generateClient(), see only their own, see each other's changes live over wss where the rules
// allow, upload a 6 MiB file (multipart) and download it byte-exactly, get a presigned URL that
// works and then expires, and sign out. TLS to amplocal is trusted the real way:
// NODE_EXTRA_CA_CERTS=<data-dir>/tls/ca.pem.
//
// Manifest: examples/todo-angular/amplocal.toml (DEMO_MANIFEST overrides it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, fork } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './amplocal.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const MANIFEST = process.env.DEMO_MANIFEST || path.join(ROOT, 'examples', 'todo-angular', 'amplocal.toml');
const PASSWORD = 'Demo-Passw0rd1';
const BIG = 6 * 1024 * 1024 + 12345; // > 5 MiB: Amplify switches to multipart

let tmp, proc, httpBase, outputs, ca, readyStdout;
const users = {};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startAmplocal() {
  const port = await freePort();
  const out = path.join(tmp, 'amplify_outputs.json');
  proc = spawn(BIN, ['--data-dir', path.join(tmp, 'data'), '--listen', `127.0.0.1:${port}`, '--backend', MANIFEST, '--amplify-outputs', out],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const reap = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); };
  process.once('exit', reap);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-6000); });
  const stdout = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amplocal did not print Ready. within 30 s\n${stderr}`)), 30000);
    proc.on('exit', (c) => { clearTimeout(timer); reject(new Error(`amplocal exited with ${c}\n${stderr}`)); });
    createInterface({ input: proc.stdout }).on('line', (l) => {
      stdout.push(l);
      if (l.trim() === 'Ready.') { clearTimeout(timer); resolve(); }
    });
  });
  httpBase = `http://127.0.0.1:${port}`;
  ca = path.join(tmp, 'data', 'tls', 'ca.pem');
  outputs = JSON.parse(readFileSync(out, 'utf8'));
  return { stdout, port };
}

/** Forks one Amplify "app instance"; resolves to `call(cmd, args)`. */
async function startUser(name) {
  const child = fork(path.join(HERE, 'fixtures-demo', 'demo-user.mjs'), [], {
    execArgv: typeof WebSocket === 'undefined' ? ['--experimental-websocket', '--no-warnings'] : ['--no-warnings'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca, DEMO_OUTPUTS: path.join(tmp, 'amplify_outputs.json'), NODE_TLS_REJECT_UNAUTHORIZED: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map();
  let next = 0;
  await new Promise((resolve, reject) => {
    child.once('message', (m) => (m.ready ? resolve() : reject(new Error(`unexpected ${JSON.stringify(m)}`))));
    child.once('exit', (c) => reject(new Error(`${name}'s worker exited with ${c}`)));
  });
  child.on('message', ({ id, ok, result, error }) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    if (ok) p.resolve(result);
    else p.reject(Object.assign(new Error(`${name}: ${error.name}: ${error.message}`), { name: error.name, remoteStack: error.stack }));
  });
  child.on('exit', () => { for (const p of pending.values()) p.reject(new Error(`${name}'s worker exited`)); });
  const call = (cmd, args) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    child.send({ id, cmd, args });
  });
  return { call, child, email: `${name}@example.com` };
}

async function inboxCode(email) {
  const pool = outputs.auth.user_pool_id;
  const res = await fetch(`${httpBase}/_amplocal/cognito/codes?pool=${encodeURIComponent(pool)}&username=${encodeURIComponent(email)}`);
  assert.equal(res.status, 200);
  const { codes } = await res.json();
  const code = codes.find((c) => c.purpose === 'signup');
  assert.ok(code, `no signup code for ${email}: ${JSON.stringify(codes)}`);
  return code.code;
}

async function eventually(what, fn, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

before(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'amplocal-demo-'));
  ({ stdout: readyStdout } = await startAmplocal());
  [users.ann, users.bob] = await Promise.all([startUser('ann'), startUser('bob')]);
});

after(async () => {
  for (const u of Object.values(users)) u.child.kill();
  if (proc && proc.exitCode === null) {
    await new Promise((resolve) => { proc.removeAllListeners('exit'); proc.once('exit', resolve); proc.kill('SIGTERM'); });
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('amplify_outputs.json points Amplify at amplocal over https', () => {
  assert.equal(outputs.version, '1.4');
  for (const k of ['auth', 'data', 'storage']) assert.ok(outputs[k], `outputs.${k}`);
  assert.match(outputs.data.url, /^https:\/\/localhost:\d+\/graphql/);
  assert.ok(outputs.data.model_introspection?.models, 'model_introspection.models');
  assert.ok(outputs.custom?.amplocal?.userPoolEndpoint, 'custom.amplocal.userPoolEndpoint');
  assert.ok(existsSync(ca));
  // The lines an app adds after Amplify.configure(outputs) are printed on stdout before Ready.
  const text = readyStdout.join('\n');
  for (const want of ['Amplify.configure', 'userPoolEndpoint', 'identityPoolEndpoint', 'customEndpoint']) {
    assert.ok(text.includes(want), `no ${want} in the stdout before Ready.:\n${text}`);
  }
});

test('two users: sign up, confirm with the inbox code, sign in by SRP', async () => {
  const { ann, bob } = users;
  for (const u of [ann, bob]) {
    const up = await u.call('signUp', { email: u.email, password: PASSWORD });
    assert.deepEqual([up.complete, up.step], [false, 'CONFIRM_SIGN_UP']);
    await assert.rejects(u.call('confirmSignUp', { email: u.email, code: '000000' }), { name: 'CodeMismatchException' });
    assert.equal(await u.call('confirmSignUp', { email: u.email, code: await inboxCode(u.email) }), true);
  }
  await assert.rejects(ann.call('signIn', { email: ann.email, password: 'Wrong-Passw0rd1' }), { name: 'NotAuthorizedException' });
  const [a, b] = await Promise.all([ann.call('signIn', { email: ann.email, password: PASSWORD }), bob.call('signIn', { email: bob.email, password: PASSWORD })]);
  for (const s of [a, b]) {
    assert.equal(s.signedIn, true);
    assert.equal(s.step, 'DONE');
    assert.match(s.identityId, /^us-east-1:/);
  }
  assert.notEqual(a.userId, b.userId);
  assert.notEqual(a.identityId, b.identityId);
  ann.identityId = a.identityId;
  bob.identityId = b.identityId;
});

test('todos: each user sees only their own; live updates over wss only where the rules allow', async () => {
  const { ann, bob } = users;
  // Ann watches Todo creations (owner rule: she must get hers, never Bob's) and the shared board.
  await ann.call('subscribe', { key: 'todos', model: 'Todo', kind: 'onCreate' });
  const shared = sharedModel();
  if (shared) await ann.call('subscribe', { key: 'board', model: shared.name, kind: 'observeQuery' });

  const bobTodo = await bob.call('create', { model: 'Todo', fields: { content: 'bob: buy milk' } });
  const annTodo = await ann.call('create', { model: 'Todo', fields: { content: 'ann: write tests' } });
  assert.ok(annTodo.id && bobTodo.id);

  const annList = (await ann.call('list', { model: 'Todo' })).map((t) => t.id);
  const bobList = (await bob.call('list', { model: 'Todo' })).map((t) => t.id);
  assert.ok(annList.includes(annTodo.id) && !annList.includes(bobTodo.id), `ann sees ${annList}`);
  assert.ok(bobList.includes(bobTodo.id) && !bobList.includes(annTodo.id), `bob sees ${bobList}`);
  assert.equal(await bob.call('get', { model: 'Todo', id: annTodo.id }).catch(() => null), null, 'bob cannot read ann\'s todo');

  // Ann's own creation arrives live; Bob's (created before it) never does.
  const got = await eventually('ann\'s onCreate event', async () => {
    const ev = await ann.call('events', { key: 'todos' });
    return ev.some((e) => e.id === annTodo.id) && ev;
  });
  assert.ok(!got.some((e) => e.error), JSON.stringify(got));
  assert.ok(!got.some((e) => e.id === bobTodo.id), 'owner rule: bob\'s todo must not reach ann');

  if (shared) {
    const note = await bob.call('create', { model: shared.name, fields: shared.fields('bob says hi') });
    await eventually('bob\'s shared item in ann\'s observeQuery', async () => {
      const ev = await ann.call('events', { key: 'board' });
      assert.ok(!ev.some((e) => e.error), JSON.stringify(ev));
      return ev.some((e) => e.items.includes(note.id));
    });
  }
});

test('storage: 6 MiB multipart upload, byte-exact download, private prefix, presigned URL works then expires', async () => {
  const { ann, bob } = users;
  const key = 'private/{identityId}/big.bin';
  const up = await ann.call('upload', { path: key, size: BIG, seed: 7 });
  const stored = `private/${ann.identityId}/big.bin`;
  assert.equal(up.path, stored);
  assert.match(up.eTag ?? '', /-\d+"?$/, `a multipart ETag (parts count suffix), got ${up.eTag}`);

  const down = await ann.call('download', { path: stored, size: BIG, seed: 7 });
  assert.deepEqual(down, { length: BIG, byteExact: true, firstDiff: -1 });
  const files = await ann.call('list_files', { prefix: 'private/{identityId}/' });
  assert.deepEqual(files, [{ path: stored, size: BIG }]);

  // protected/: written under Ann's identity, readable by Bob through Ann's identity id.
  const shared = await ann.call('upload', { path: 'protected/{identityId}/note.bin', size: 1000, seed: 3 });
  assert.equal(shared.path, `protected/${ann.identityId}/note.bin`);
  assert.deepEqual(await bob.call('download', { path: shared.path, size: 1000, seed: 3 }), { length: 1000, byteExact: true, firstDiff: -1 });
  assert.deepEqual(await bob.call('list_files', { prefix: 'private/{identityId}/' }), [], 'bob\'s private prefix is his own');

  const { url, expiresAt } = await ann.call('getUrl', { path: stored, expiresIn: 2 });
  assert.match(url, /^https:\/\//);
  assert.match(url, /X-Amz-Expires=2\b/);
  const ok = await ann.call('fetchStatus', { url });
  assert.deepEqual([ok.status, ok.length], [200, BIG]);
  const wait = new Date(expiresAt).getTime() - Date.now() + 1200;
  await new Promise((r) => setTimeout(r, Math.max(wait, 0)));
  const expired = await ann.call('fetchStatus', { url });
  assert.equal(expired.status, 403, `expired URL: ${expired.text}`);
  assert.match(expired.text, /AccessDenied|expired/i);

  assert.equal(await ann.call('remove', { path: stored }), true);
  assert.deepEqual(await ann.call('list_files', { prefix: 'private/{identityId}/' }), []);
});

test('sign out', async () => {
  for (const u of Object.values(users)) assert.equal(await u.call('signOut'), true);
  // Signed out, the user-pool API has no token to send.
  await assert.rejects(users.ann.call('list', { model: 'Todo' }), { name: 'NoValidAuthTokens' });
});

/** A model every signed-in user may read and create (for the cross-user live update), found
 *  from model_introspection: none of its auth rules is `owner`-only. */
function sharedModel() {
  const models = outputs.data.model_introspection.models;
  for (const [name, m] of Object.entries(models)) {
    if (name === 'Todo') continue;
    const rules = (m.attributes ?? []).find((a) => a.type === 'auth')?.properties?.rules ?? [];
    const open = rules.some((r) => r.allow === 'private');
    const text = Object.values(m.fields).find((f) => f.type === 'String' && f.isRequired && f.name !== 'id' && !f.isArray);
    if (open && text) return { name, fields: (s) => ({ [text.name]: s }) };
  }
  return null;
}
