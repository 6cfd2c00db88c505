// One demo user in its own Node process (Amplify JS keeps one signed-in user per module
// instance, so tests/js/demo.test.mjs forks one of these per user). Driven over the fork IPC
// channel: the parent sends {id, cmd, args}, this replies {id, ok, result | error}.
//
// Runs Amplify JS v6 as an app would: Amplify.configure(amplify_outputs.json) plus the lines
// amplocal prints for what the outputs cannot carry (Cognito endpoints, the Storage endpoint).
// Node needs, as the browser would not:
//   - TLS trust of amplocal's CA: NODE_EXTRA_CA_CERTS, set by the parent (the real trust path);
//   - a global WebSocket for realtime: `node --experimental-websocket` (Node 20; built in from 22);
//   - a FileReader for multipart uploads (> 5 MiB): the small polyfill below;
//   - `<bucket>.s3.localhost` resolving to loopback, as browsers do: the dns.lookup shim below.
import dns from 'node:dns';
import { readFileSync } from 'node:fs';

// ---- polyfills (browser behaviour Node lacks) ----
if (typeof globalThis.FileReader === 'undefined') {
  globalThis.FileReader = class FileReader {
    static EMPTY = 0; static LOADING = 1; static DONE = 2;
    constructor() { this.readyState = 0; this.result = null; this.error = null; }
    readAsArrayBuffer(blob) {
      this.readyState = 1;
      blob.arrayBuffer().then(
        (buf) => { this.readyState = 2; this.result = buf; this.onload?.({ target: this }); this.onloadend?.({ target: this }); },
        (err) => { this.readyState = 2; this.error = err; this.onerror?.({ target: this }); this.onloadend?.({ target: this }); },
      );
    }
    abort() { this.readyState = 2; this.onabort?.({ target: this }); }
  };
}
// The test binds amplocal to 127.0.0.1: send `localhost` and every `*.localhost` there (a
// browser resolves them all to loopback; glibc may know none but `localhost`, or list ::1 first).
const realLookup = dns.lookup;
dns.lookup = function lookup(host, opts, cb) {
  if (typeof opts === 'function') { cb = opts; opts = {}; }
  if (typeof host === 'string' && (host === 'localhost' || host.endsWith('.localhost'))) {
    const all = typeof opts === 'object' && opts?.all;
    process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    return {};
  }
  return realLookup.call(this, host, opts, cb);
};
if (typeof globalThis.WebSocket === 'undefined') {
  throw new Error('no global WebSocket: run with node --experimental-websocket (Node 20)');
}

const { Amplify } = await import('aws-amplify');
const auth = await import('aws-amplify/auth');
const { generateClient } = await import('aws-amplify/data');
const storage = await import('aws-amplify/storage');
const { Hub, ConsoleLogger } = await import('aws-amplify/utils');
// Amplify warns about the custom Cognito endpoints on every configure: expected here.
ConsoleLogger.LOG_LEVEL = 'ERROR';

const outputs = JSON.parse(readFileSync(process.env.DEMO_OUTPUTS, 'utf8'));
const local = outputs.custom?.amplocal ?? {};
Amplify.configure(outputs);
// The lines amplocal prints after writing amplify_outputs.json: endpoints the format lacks.
const config = Amplify.getConfig();
Amplify.configure({
  ...config,
  Auth: { ...config.Auth, Cognito: { ...config.Auth.Cognito, userPoolEndpoint: local.userPoolEndpoint, identityPoolEndpoint: local.identityPoolEndpoint } },
});
// Storage: a bare host[:port] (Amplify adds https:// and the bucket as a sub-domain).
const storageEndpoint = String(local.storageEndpoint ?? '').replace(/^https?:\/\//, '').replace(/\/$/, '');

const client = generateClient();
let acks = 0;
Hub.listen('api', ({ payload }) => { if (payload.event === 'Subscription ack') acks += 1; });
const events = {};
const subs = {};

function model(name) {
  const m = client.models[name];
  if (!m) throw new Error(`model ${name} not in model_introspection (have ${Object.keys(client.models)})`);
  return m;
}

function unwrap({ data, errors }) {
  if (errors?.length) throw new Error(errors.map((e) => e.errorType ? `${e.errorType}: ${e.message}` : e.message).join('; '));
  return data;
}

const commands = {
  async signUp({ email, password }) {
    const r = await auth.signUp({ username: email, password, options: { userAttributes: { email } } });
    return { complete: r.isSignUpComplete, step: r.nextStep.signUpStep, userId: r.userId };
  },
  async confirmSignUp({ email, code }) {
    return (await auth.confirmSignUp({ username: email, confirmationCode: code })).isSignUpComplete;
  },
  async signIn({ email, password }) {
    const r = await auth.signIn({ username: email, password });
    const { username, userId } = await auth.getCurrentUser();
    const session = await auth.fetchAuthSession();
    return { signedIn: r.isSignedIn, step: r.nextStep.signInStep, username, userId, identityId: session.identityId };
  },
  async signOut() {
    for (const s of Object.values(subs)) s.unsubscribe();
    await auth.signOut();
    try { await auth.getCurrentUser(); return false; } catch { return true; }
  },
  async create({ model: name, fields }) { return unwrap(await model(name).create(fields)); },
  async list({ model: name }) { return unwrap(await model(name).list()); },
  async get({ model: name, id }) { return unwrap(await model(name).get({ id })); },
  async subscribe({ key, model: name, kind }) {
    events[key] = [];
    const before = acks;
    if (kind === 'observeQuery') {
      subs[key] = model(name).observeQuery().subscribe({
        next: ({ items, isSynced }) => events[key].push({ isSynced, items: items.map((i) => i.id) }),
        error: (e) => events[key].push({ error: String(e?.errors?.[0]?.message ?? e) }),
      });
    } else {
      subs[key] = model(name).onCreate().subscribe({
        next: (item) => events[key].push(item),
        error: (e) => events[key].push({ error: String(e?.errors?.[0]?.message ?? e) }),
      });
    }
    // Ready once the server acknowledged the start (observeQuery starts three subscriptions).
    const want = before + (kind === 'observeQuery' ? 3 : 1);
    const deadline = Date.now() + 10000;
    while (acks < want) {
      if (Date.now() > deadline) throw new Error(`no start_ack for ${key} within 10 s (${acks - before} of ${want - before})`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  },
  events({ key }) { return events[key] ?? []; },
  async upload({ path, size, seed }) {
    const data = pattern(size, seed);
    const r = await storage.uploadData({
      path: ({ identityId }) => path.replace('{identityId}', identityId),
      data: new Blob([data]),
      options: { customEndpoint: storageEndpoint, contentType: 'application/octet-stream' },
    }).result;
    return { path: r.path, size: r.size, eTag: r.eTag };
  },
  async download({ path, size, seed }) {
    const r = await storage.downloadData({ path, options: { customEndpoint: storageEndpoint } }).result;
    const got = new Uint8Array(await r.body.blob().then((b) => b.arrayBuffer()));
    const want = pattern(size, seed);
    let firstDiff = -1;
    if (got.length === want.length) firstDiff = got.findIndex((b, i) => b !== want[i]);
    return { length: got.length, byteExact: got.length === want.length && firstDiff === -1, firstDiff };
  },
  async list_files({ prefix }) {
    const r = await storage.list({ path: ({ identityId }) => prefix.replace('{identityId}', identityId), options: { customEndpoint: storageEndpoint, listAll: true } });
    return r.items.map((i) => ({ path: i.path, size: i.size }));
  },
  async getUrl({ path, expiresIn }) {
    const r = await storage.getUrl({ path, options: { customEndpoint: storageEndpoint, expiresIn, validateObjectExistence: true } });
    return { url: r.url.toString(), expiresAt: r.expiresAt.toISOString() };
  },
  async fetchStatus({ url }) {
    const res = await fetch(url);
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, length: body.length, text: res.ok ? '' : new TextDecoder().decode(body).slice(0, 300) };
  },
  async remove({ path }) {
    await storage.remove({ path, options: { customEndpoint: storageEndpoint } });
    return true;
  },
};

/** Deterministic bytes (a 32-bit LCG) so parent and child agree without shipping 6 MiB. */
function pattern(size, seed) {
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) { x = (Math.imul(x, 1664525) + 1013904223) >>> 0; out[i] = x >>> 24; }
  return out;
}

process.on('message', async ({ id, cmd, args }) => {
  try {
    const fn = commands[cmd];
    if (!fn) throw new Error(`unknown command ${cmd}`);
    process.send({ id, ok: true, result: await fn(args ?? {}) });
  } catch (e) {
    process.send({ id, ok: false, error: { name: e?.name, message: (e?.message ?? String(e)) + describeCause(e.underlyingError ?? e.cause), stack: e?.stack } });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });

/** " (cause: …: …)" for an error's cause chain (fetch hides the real reason in `cause`). */
function describeCause(c) {
  const parts = [];
  for (let i = 0; c && i < 4; i++, c = c.cause) parts.push(c.code ? `${c.code} ${c.message}` : (c.message ?? String(c)));
  return parts.length ? ` (cause: ${parts.join(': ')})` : '';
}
