// AppSync against a real amplocal binary with the real Amplify JS v6 data client
// (`generateClient()` from aws-amplify/data), over HTTPS and WSS verified against amplocal's own
// CA: models create/get/list/update/delete, custom filters and pagination, `observeQuery`,
// `onCreate` subscriptions with the API key and with a signed-in user (Cognito SRP through
// Amplify Auth with userPoolEndpoint), and owner rules across two users.
//
// TLS: NODE_EXTRA_CA_CERTS is read only when node starts, so instead the CA that
// `amplocal ca --data-dir D` prints is handed to an undici Agent installed as the global
// dispatcher (Node's own fetch reads the same global) and undici's WebSocket (which dials
// through that dispatcher) is the global WebSocket Amplify opens. Nothing disables
// verification: a wrong CA fails every request.
//
// Backend: a manifest (--backend) with one user pool, two seed users and schemas/todo.graphql
// (the README quick start) with a fixed API key; the client is configured from the
// amplify_outputs.json amplocal writes (--amplify-outputs), model_introspection included, plus
// the userPoolEndpoint override amplocal prints.
// Run: AMPLOCAL_BIN=target/debug/amplocal node --test tests/js/appsync.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, setGlobalDispatcher, WebSocket as UndiciWebSocket } from 'undici';
import { Amplify } from 'aws-amplify';
import { signIn, signOut, getCurrentUser } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN = process.env.AMPLOCAL_BIN || path.join(ROOT, 'target', 'debug', 'amplocal');
const API_KEY = 'da2-amplocaljstestkey000000000';
const PW = 'Passw0rd!';
const WAIT_MS = 5000;

let proc;
let dataDir;
let port;
/** Every URL Amplify opened a WebSocket to, and the subprotocol the server chose. */
const sockets = [];
/** The API-key client (the API's default mode) and the user-pool client. */
let client;
let userClient;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port: p } = s.address(); s.close(() => resolve(p)); });
  });
}

/** Unique names per run so assertions never see another test's items. */
const tag = (p) => `${p}-${Math.random().toString(36).slice(2, 8)}`;

/** The backend manifest: one pool with two seed users, the Todo API (API key default). */
const MANIFEST = `
[[user_pool]]
name = "todo"
[[user_pool.client]]
name = "web"
auth_flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
[[user_pool.user]]
username = "alice"
password = "${PW}"
[[user_pool.user]]
username = "bob"
password = "${PW}"

[[graphql_api]]
name = "todo"
schema = "todo.graphql"
default_auth = "API_KEY"
additional_auth = ["AMAZON_COGNITO_USER_POOLS"]
api_key = "${API_KEY}"
user_pool = "todo"
`;

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'amplocal-appsync-js-'));
  const app = path.join(dataDir, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'amplocal.toml'), MANIFEST);
  copyFileSync(path.join(ROOT, 'schemas', 'todo.graphql'), path.join(app, 'todo.graphql'));
  const data = path.join(dataDir, 'data');
  const ca = spawnSync(BIN, ['ca', '--data-dir', data], { encoding: 'utf8' });
  assert.equal(ca.status, 0, ca.stderr);
  const caPath = ca.stdout.trim().split('\n').pop();
  port = await freePort();
  const outputsPath = path.join(app, 'amplify_outputs.json');
  proc = spawn(BIN, [
    '--data-dir', data, '--listen', `127.0.0.1:${port}`,
    '--backend', path.join(app, 'amplocal.toml'), '--amplify-outputs', outputsPath,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  process.once('exit', () => { if (proc.exitCode === null) proc.kill('SIGTERM'); });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amplocal did not print Ready. within 30 s\n${stderr}`)), 30000);
    proc.on('exit', (c) => { clearTimeout(timer); reject(new Error(`amplocal exited with ${c}\n${stderr}`)); });
    createInterface({ input: proc.stdout }).on('line', (l) => { if (l.trim() === 'Ready.') { clearTimeout(timer); resolve(); } });
  });
  // TLS verified against amplocal's CA, for fetch and for WebSocket.
  setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(caPath) } }));
  globalThis.WebSocket = class extends UndiciWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      const entry = { url: String(url), protocol: null, closed: false };
      sockets.push(entry);
      this.addEventListener('open', () => { entry.protocol = this.protocol; });
      this.addEventListener('close', () => { entry.closed = true; });
    }
  };
  // Amplify arms a 15 s connection_ack timer per socket and never clears it; unref such long
  // timers so they do not hold this process open for 15 s after the last test.
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (fn, ms, ...args) => {
    const t = realSetTimeout(fn, ms, ...args);
    if (ms >= 15000) t.unref();
    return t;
  };

  // amplify_outputs.json exactly as amplocal wrote it, then the override it prints for Auth.
  const outputs = JSON.parse(readFileSync(outputsPath, 'utf8'));
  assert.equal(outputs.data.url, `https://localhost:${port}/graphql`);
  assert.equal(outputs.data.model_introspection.models.Todo.fields.priority.type, 'Int');
  Amplify.configure(outputs);
  const config = Amplify.getConfig();
  Amplify.configure({ ...config, Auth: { ...config.Auth, Cognito: { ...config.Auth.Cognito, userPoolEndpoint: outputs.custom.amplocal.userPoolEndpoint } } });
  client = generateClient();
  userClient = generateClient({ authMode: 'userPool' });
});

after(async () => {
  for (const c of collectors) c.unsubscribe();
  // Amplify closes an idle socket about 1 s after the last unsubscribe; stopping amplocal
  // before that would leave it retrying (and this process alive) for a while.
  for (let i = 0; i < 50 && sockets.some((s) => !s.closed); i++) await new Promise((r) => setTimeout(r, 100));
  if (proc && proc.exitCode === null) {
    await new Promise((resolve) => { proc.removeAllListeners('exit'); proc.once('exit', resolve); proc.kill('SIGTERM'); });
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Every subscription opened, so `after` can end them even when a test failed midway. */
const collectors = [];

/** Subscribe and keep every event; `waitFor(pred)` resolves with the first matching one. */
function collect(observable) {
  const events = [];
  const waiters = new Set();
  const wake = () => { for (const w of [...waiters]) w(); };
  const sub = observable.subscribe({
    next: (v) => { events.push(v); wake(); },
    error: (e) => { events.push({ error: e }); wake(); },
  });
  const waitFor = (pred, ms = WAIT_MS) => new Promise((resolve, reject) => {
    const done = (f, v) => { clearTimeout(timer); waiters.delete(check); f(v); };
    const check = () => {
      const err = events.find((e) => e.error);
      if (err) { done(reject, new Error(`subscription error: ${JSON.stringify(err.error)}`)); return; }
      const hit = events.find((e) => pred(e));
      if (hit) done(resolve, hit);
    };
    const timer = setTimeout(() => done(reject, new Error(`no matching event within ${ms} ms; got ${JSON.stringify(events).slice(0, 2000)}`)), ms);
    waiters.add(check);
    check();
  });
  const c = { events, waitFor, unsubscribe: () => sub.unsubscribe() };
  collectors.push(c);
  return c;
}

/**
 * Amplify exposes no start_ack: repeat `probe()` (a mutation the subscription must see; it
 * returns the created id) until one arrives, so later assertions start from a live subscription.
 */
async function live(col, probe, idOf = (e) => e.id) {
  for (let i = 0; i < 60; i++) {
    const id = await probe();
    try {
      await col.waitFor((e) => idOf(e) === id, 100);
      return;
    } catch { /* not started yet */ }
  }
  throw new Error(`subscription never became live; events ${JSON.stringify(col.events)}`);
}

const ok = (r) => { assert.deepEqual(r.errors, undefined, JSON.stringify(r.errors)); return r.data; };

test('models: create, get, list, update, delete over HTTPS with the API key', async () => {
  const name = tag('crud');
  const created = ok(await client.models.Todo.create({ name, description: 'first', priority: 3 }));
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  assert.equal(created.name, name);
  assert.equal(created.done, null);
  assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(created.updatedAt, created.createdAt);

  const got = ok(await client.models.Todo.get({ id: created.id }));
  assert.deepEqual({ ...got }, { ...created });

  const listed = ok(await client.models.Todo.list({ filter: { name: { eq: name } } }));
  assert.deepEqual(listed.map((t) => t.id), [created.id]);

  await new Promise((r) => setTimeout(r, 5));
  const updated = ok(await client.models.Todo.update({ id: created.id, done: true, description: null }));
  assert.equal(updated.done, true);
  assert.equal(updated.description, null);
  assert.equal(updated.priority, 3);
  assert.equal(updated.createdAt, created.createdAt);
  assert.ok(updated.updatedAt > created.updatedAt, `${updated.updatedAt} > ${created.updatedAt}`);
  assert.equal(ok(await client.models.Todo.get({ id: created.id })).done, true);

  const deleted = ok(await client.models.Todo.delete({ id: created.id }));
  assert.equal(deleted.id, created.id);
  assert.equal(deleted.done, true);
  assert.equal(ok(await client.models.Todo.get({ id: created.id })), null);

  // The data source's errors reach the models API as {data, errors}.
  const again = await client.models.Todo.update({ id: created.id, done: false });
  assert.equal(again.data, null);
  assert.equal(again.errors?.[0]?.errorType, 'DynamoDB:ConditionalCheckFailedException');
  const dup = ok(await client.models.Todo.create({ name }));
  const clash = await client.models.Todo.create({ id: dup.id, name: 'other' });
  assert.equal(clash.errors?.[0]?.errorType, 'DynamoDB:ConditionalCheckFailedException');
  assert.equal(ok(await client.models.Todo.get({ id: dup.id })).name, name);
});

test('models: custom filters and nextToken pages', async () => {
  const p = tag('flt');
  const specs = [
    { name: `${p}-a`, priority: 1, done: false, description: 'milk and bread' },
    { name: `${p}-b`, priority: 5, done: true, description: 'eggs' },
    { name: `${p}-c`, priority: 9, done: false },
    { name: `${p}-d`, priority: 7, done: true, description: 'more milk' },
  ];
  for (const s of specs) ok(await client.models.Todo.create(s));
  const names = async (filter) => ok(await client.models.Todo.list({ filter: { and: [{ name: { beginsWith: p } }, filter] } })).map((t) => t.name.slice(p.length + 1)).sort().join('');
  assert.equal(await names({ priority: { gt: 2 } }), 'bcd');
  assert.equal(await names({ priority: { between: [5, 7] } }), 'bd');
  assert.equal(await names({ or: [{ priority: { eq: 1 } }, { done: { eq: true } }] }), 'abd');
  assert.equal(await names({ not: { done: { eq: true } } }), 'ac');
  assert.equal(await names({ description: { contains: 'milk' } }), 'ad');
  assert.equal(await names({ description: { attributeExists: false } }), 'c');
  assert.equal(await names({ done: { ne: true }, priority: { le: 1 } }), 'a');

  // limit counts evaluated items before the filter: walk every page until nextToken is null.
  const seen = [];
  let nextToken;
  let pages = 0;
  do {
    const r = await client.models.Todo.list({ filter: { name: { beginsWith: p } }, limit: 2, nextToken });
    ok(r);
    seen.push(...r.data.map((t) => t.name));
    nextToken = r.nextToken;
    pages++;
  } while (nextToken && pages < 100);
  assert.equal(nextToken, null);
  assert.ok(pages >= 2, `pages ${pages}`);
  assert.deepEqual(seen.sort(), specs.map((s) => s.name).sort());
});

test('onCreate subscription with the API key over WSS, with a subscription filter', async () => {
  const p = tag('sub');
  const all = collect(client.models.Todo.onCreate());
  const high = collect(client.models.Todo.onCreate({ filter: { priority: { gt: 5 } } }));
  let n = 0;
  await live(all, async () => ok(await client.models.Todo.create({ name: `${p}-probe${n++}`, priority: 1 })).id);
  await live(high, async () => ok(await client.models.Todo.create({ name: `${p}-probe${n++}`, priority: 100 })).id);
  const low = ok(await client.models.Todo.create({ name: `${p}-low`, priority: 2, description: 'd' }));
  const hi = ok(await client.models.Todo.create({ name: `${p}-high`, priority: 8 }));
  const ev = await high.waitFor((e) => e.id === hi.id);
  assert.equal(ev.name, `${p}-high`);
  assert.equal(ev.priority, 8);
  assert.equal(ev.createdAt, hi.createdAt);
  assert.equal(high.events.some((e) => e.id === low.id), false, 'the filter let priority 2 through');
  const lowEv = await all.waitFor((e) => e.id === low.id);
  assert.equal(lowEv.description, 'd');
  await all.waitFor((e) => e.id === hi.id);
  all.unsubscribe();
  high.unsubscribe();

  assert.ok(sockets.length >= 1);
  for (const s of sockets) {
    assert.equal(s.url.split('?')[0], `wss://localhost:${port}/graphql/realtime`);
    assert.equal(s.protocol, 'graphql-ws');
  }
});

test('observeQuery: synced snapshot, then creates, updates and deletes', async () => {
  const p = tag('oq');
  const first = ok(await client.models.Todo.create({ name: `${p}-0`, priority: 1 }));
  const col = collect(client.models.Todo.observeQuery({ filter: { name: { beginsWith: p } } }));
  const synced = await col.waitFor((s) => s.isSynced);
  assert.deepEqual(synced.items.map((t) => t.id), [first.id]);
  let n = 0;
  await live(col, async () => ok(await client.models.Todo.create({ name: `${p}-probe${n++}` })).id, (s) => s.items.at(-1)?.id);

  const second = ok(await client.models.Todo.create({ name: `${p}-1`, priority: 2 }));
  const withSecond = await col.waitFor((s) => s.items.some((t) => t.id === second.id));
  assert.ok(withSecond.items.some((t) => t.id === first.id));
  ok(await client.models.Todo.update({ id: first.id, done: true }));
  await col.waitFor((s) => s.items.find((t) => t.id === first.id)?.done === true);
  ok(await client.models.Todo.delete({ id: second.id }));
  const last = await col.waitFor((s) => !s.items.some((t) => t.id === second.id) && s.items.some((t) => t.id === first.id && t.done));
  assert.equal(last.items.length, 1 + n);
  // A Todo outside the filter never enters the snapshot.
  const outside = ok(await client.models.Todo.create({ name: tag('elsewhere') }));
  const marker = ok(await client.models.Todo.create({ name: `${p}-marker` }));
  const after = await col.waitFor((s) => s.items.some((t) => t.id === marker.id));
  assert.equal(after.items.some((t) => t.id === outside.id), false);
  col.unsubscribe();
});

test('signed-in users: SRP sign-in, onCreate as a user, owner rules across two users', async () => {
  await signIn({ username: 'alice', password: PW });
  assert.equal((await getCurrentUser()).username, 'alice');
  const mine = collect(userClient.models.Post.onCreate());
  let n = 0;
  await live(mine, async () => ok(await userClient.models.Post.create({ title: `alice probe ${n++}` })).id);
  const a1 = ok(await userClient.models.Post.create({ title: 'alice 1' }));
  assert.equal(a1.owner, 'alice'); // Post.owner strips the stored 'sub::' prefix
  const ev = await mine.waitFor((e) => e.id === a1.id);
  assert.equal(ev.title, 'alice 1');
  assert.equal(ev.owner, a1.owner);
  // The API key reads posts (public read) but cannot write them.
  assert.equal(ok(await client.models.Post.get({ id: a1.id })).title, 'alice 1');
  const keyWrite = await client.models.Post.create({ title: 'by key' });
  assert.equal(keyWrite.errors?.[0]?.errorType, 'Unauthorized');
  await signOut();

  await signIn({ username: 'bob', password: PW });
  assert.equal((await getCurrentUser()).username, 'bob');
  const upd = await userClient.models.Post.update({ id: a1.id, title: 'hijacked' });
  assert.equal(upd.errors?.[0]?.errorType, 'Unauthorized', JSON.stringify(upd));
  const del = await userClient.models.Post.delete({ id: a1.id });
  assert.equal(del.errors?.[0]?.errorType, 'Unauthorized', JSON.stringify(del));
  const peek = await userClient.models.Post.get({ id: a1.id });
  assert.equal(peek.data, null);
  assert.equal(peek.errors?.[0]?.errorType, 'Unauthorized', JSON.stringify(peek));
  const b1 = ok(await userClient.models.Post.create({ title: 'bob 1' }));
  assert.equal(b1.owner, 'bob');
  // A user's list is filtered to the posts they own; the API key sees everyone's.
  assert.deepEqual(ok(await userClient.models.Post.list()).map((p) => p.id), [b1.id]);
  const everyone = ok(await client.models.Post.list()).map((p) => p.id);
  assert.ok(everyone.includes(a1.id) && everyone.includes(b1.id));
  await signOut();

  await signIn({ username: 'alice', password: PW });
  const a2 = ok(await userClient.models.Post.create({ title: 'alice 2' }));
  await mine.waitFor((e) => e.id === a2.id);
  // Delivery is in commit order: bob's post came before alice 2, and alice never got it.
  assert.equal(mine.events.some((e) => e.id === b1.id), false, "alice's subscription received bob's post");
  assert.equal(ok(await client.models.Post.get({ id: a1.id })).title, 'alice 1');
  assert.equal(ok(await userClient.models.Post.update({ id: a1.id, title: 'alice 1b' })).title, 'alice 1b');
  assert.equal(ok(await userClient.models.Post.delete({ id: a2.id })).id, a2.id);
  mine.unsubscribe();
  await signOut();
});
