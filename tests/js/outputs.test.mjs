// `amplocal --backend M --amplify-outputs F` end to end with the real Amplify JS v6: the file is
// the same bytes at every start (fixed ids, fresh or reused data dir), its model_introspection is
// what @aws-amplify/graphql-generator makes for the same schema, and an app that does
// `Amplify.configure(outputs)` plus the lines amplocal prints (evaluated verbatim from its
// stdout) signs in by SRP with the seeded user, gets identity-pool credentials, uses
// generateClient() models (list the seeded item, create, lazy-load both relation directions,
// the secondary-index query) and round-trips a file through Amplify Storage.
//
// TLS: the CA amplocal prints is handed to an undici Agent installed as the global dispatcher
// (Node's fetch uses it); that Agent also resolves `<bucket>.localhost` to loopback, as browsers
// do, since Amplify Storage addresses buckets virtual-host style. Nothing disables verification.
// Fixtures: fixtures/outputs/ (manifest, schema, and the generator's model-introspection.json).
// Run: AMPLOCAL_BIN=target/debug/amplocal node --test tests/js/outputs.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import dns from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, setGlobalDispatcher } from 'undici';
import { Amplify } from 'aws-amplify';
import { signIn, signOut, getCurrentUser, fetchAuthSession } from 'aws-amplify/auth';
import { generateClient } from 'aws-amplify/data';
import { uploadData, downloadData } from 'aws-amplify/storage';
import { ConsoleLogger } from 'aws-amplify/utils';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN = process.env.AMPLOCAL_BIN || path.join(ROOT, 'target', 'debug', 'amplocal');
const FIXTURES = path.join(HERE, 'fixtures', 'outputs');
const MANIFEST = path.join(FIXTURES, 'amplocal.toml');

// Amplify warns about the custom Cognito endpoints at every configure: expected here.
ConsoleLogger.LOG_LEVEL = 'ERROR';

const dirs = [];
let server;
let port;
let outputsText;
let outputs;
let printed;
/** `storageOptions` as the printed lines define it. */
let storageOptions;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port: p } = s.address(); s.close(() => resolve(p)); });
  });
}

function tempDir(prefix) {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** Starts amplocal with the manifest; resolves once it printed `Ready.`, with its stdout lines. */
async function start(dataDir, outFile) {
  const proc = spawn(BIN, ['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--backend', MANIFEST, '--amplify-outputs', outFile],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const reap = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); };
  process.once('exit', reap);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const lines = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amplocal did not print Ready. within 30 s\n${stderr}`)), 30000);
    proc.on('exit', (c) => { clearTimeout(timer); reject(new Error(`amplocal exited with ${c}\n${stderr}`)); });
    createInterface({ input: proc.stdout }).on('line', (l) => {
      if (l.trim() === 'Ready.') { clearTimeout(timer); resolve(); } else lines.push(l);
    });
  });
  const stop = () => new Promise((resolve) => {
    process.removeListener('exit', reap);
    if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
    proc.removeAllListeners('exit');
    proc.once('exit', () => resolve());
    proc.kill('SIGTERM');
  });
  return { lines, stop };
}

/** The JavaScript block amplocal printed before `Ready.` (from its first `// amplocal:` line). */
function snippetOf(lines) {
  const first = lines.findIndex((l) => l.startsWith('// amplocal:'));
  if (first < 0) return null;
  const block = [];
  for (const l of lines.slice(first)) {
    if (l.trim() === '' || /^\s*\x1b|^\S+Z\s/.test(l)) break;
    block.push(l);
  }
  return block.join('\n');
}

before(async () => {
  port = await freePort();
  const dataDir = tempDir('amplocal-outputs-js-');
  const outFile = path.join(tempDir('amplocal-outputs-app-'), 'src', 'amplify_outputs.json');
  const ca = spawnSync(BIN, ['ca', '--data-dir', dataDir], { encoding: 'utf8' });
  assert.equal(ca.status, 0, ca.stderr);
  const caPath = ca.stdout.trim().split('\n').pop();
  server = await start(dataDir, outFile);
  outputsText = readFileSync(outFile, 'utf8');
  outputs = JSON.parse(outputsText);
  printed = snippetOf(server.lines);

  setGlobalDispatcher(new Agent({
    connect: {
      ca: readFileSync(caPath),
      lookup: (host, opts, cb) => dns.lookup(host.endsWith('.localhost') ? 'localhost' : host, opts, cb),
    },
  }));
  // What an app does: configure from the file, then the lines amplocal printed, verbatim.
  Amplify.configure(outputs);
  if (printed) {
    storageOptions = new Function('Amplify', 'outputs', `${printed}\nreturn typeof storageOptions === 'undefined' ? undefined : storageOptions;`)(Amplify, outputs);
  }
});

after(async () => {
  try { await signOut(); } catch { /* not signed in */ }
  if (server) await server.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('amplify_outputs.json: schema 1.4 sections pointing at amplocal', () => {
  const https = `https://localhost:${port}`;
  assert.ok(outputsText.endsWith('}\n'), 'pretty JSON with a trailing newline');
  assert.equal(outputs.version, '1.4');
  assert.deepEqual(Object.keys(outputs), ['$schema', 'version', 'auth', 'data', 'storage', 'custom']);
  assert.equal(outputs.auth.user_pool_id, 'us-east-1_OutputsTest1');
  assert.equal(outputs.auth.user_pool_client_id, 'outputstestwebclient000001');
  assert.equal(outputs.auth.identity_pool_id, 'us-east-1:0b1c2d3e-0000-4000-8000-00000000000a');
  assert.deepEqual(outputs.auth.groups, [{ admins: { precedence: 1 } }]);
  assert.equal(outputs.auth.mfa_configuration, 'NONE');
  assert.equal(outputs.data.url, `${https}/graphql`);
  assert.equal(outputs.data.default_authorization_type, 'API_KEY');
  assert.deepEqual(outputs.data.authorization_types, ['AMAZON_COGNITO_USER_POOLS']);
  assert.equal(outputs.data.api_key, 'da2-outputstestkey00000000001');
  assert.equal(outputs.storage.bucket_name, 'outputs-test-files');
  assert.deepEqual(outputs.custom.amplocal, {
    endpoint: https, userPoolEndpoint: https, identityPoolEndpoint: https, storageEndpoint: `s3.localhost:${port}`,
  });
});

test('model_introspection equals what @aws-amplify/graphql-generator makes for the schema', () => {
  const golden = JSON.parse(readFileSync(path.join(FIXTURES, 'model-introspection.json'), 'utf8'));
  assert.deepEqual(outputs.data.model_introspection, golden);
});

test('amplocal prints the configure lines before Ready., and they set the Cognito endpoints', () => {
  assert.ok(printed, `no "// amplocal:" block on stdout before Ready.:\n${server.lines.join('\n')}`);
  assert.match(printed, /userPoolEndpoint: amplocal\.userPoolEndpoint/);
  assert.match(printed, /identityPoolEndpoint: amplocal\.identityPoolEndpoint/);
  assert.match(printed, /customEndpoint: amplocal\.storageEndpoint/);
  assert.deepEqual(storageOptions, { customEndpoint: `s3.localhost:${port}`, useAccelerateEndpoint: false });
  const cognito = Amplify.getConfig().Auth.Cognito;
  assert.equal(cognito.userPoolEndpoint, `https://localhost:${port}`);
  assert.equal(cognito.identityPoolEndpoint, `https://localhost:${port}`);
  assert.equal(cognito.userPoolId, outputs.auth.user_pool_id, 'the outputs stay configured');
});

test('the file is the same bytes after a restart and over a fresh data dir', async () => {
  // The first server must not hold the port: stop it, compare two more starts, then restart it
  // for the remaining tests (same data dir, so provisioning is the idempotent path).
  await server.stop();
  const again = path.join(tempDir('amplocal-outputs-again-'), 'amplify_outputs.json');
  const fresh = path.join(tempDir('amplocal-outputs-fresh-'), 'amplify_outputs.json');
  const dataDir = dirs[0];
  let s = await start(dataDir, again);
  await s.stop();
  s = await start(tempDir('amplocal-outputs-js2-'), fresh);
  await s.stop();
  assert.equal(readFileSync(again, 'utf8'), outputsText, 'restart over the same data dir');
  assert.equal(readFileSync(fresh, 'utf8'), outputsText, 'fresh data dir');
  server = await start(dataDir, again);
});

test('signIn (SRP) with the seeded user, then identity-pool credentials through identityPoolEndpoint', async () => {
  const r = await signIn({ username: 'ada@example.com', password: 'Passw0rd!' });
  assert.equal(r.isSignedIn, true);
  assert.equal(r.nextStep.signInStep, 'DONE');
  const me = await getCurrentUser();
  assert.equal(me.signInDetails.loginId, 'ada@example.com');
  const session = await fetchAuthSession();
  assert.deepEqual(session.tokens.accessToken.payload['cognito:groups'], ['admins']);
  assert.match(session.identityId, /^us-east-1:/);
  assert.ok(session.credentials.accessKeyId && session.credentials.sessionToken);
});

test('generateClient() through model_introspection: seeded item, create, relations both ways, index query', async () => {
  const client = generateClient();
  const seeded = await client.models.Board.get({ id: 'board-seeded' });
  assert.equal(seeded.errors, undefined);
  assert.equal(seeded.data.name, 'Seeded board');
  assert.equal(seeded.data.priority, 'HIGH');

  const board = await client.models.Board.create({ name: 'Roadmap', priority: 'LOW', size: { width: 3, height: 2 } });
  assert.equal(board.errors, undefined, JSON.stringify(board.errors));
  assert.deepEqual(board.data.size, { width: 3, height: 2 });
  assert.ok(board.data.createdAt && board.data.updatedAt);
  const card = await client.models.Card.create({ boardId: board.data.id, text: 'ship outputs' });
  assert.equal(card.errors, undefined, JSON.stringify(card.errors));

  const listed = await client.models.Board.list({ filter: { name: { eq: 'Roadmap' } } });
  assert.deepEqual(listed.data.map((b) => b.id), [board.data.id]);
  const cards = await board.data.cards();
  assert.deepEqual(cards.data.map((c) => c.text), ['ship outputs']);
  const parent = await card.data.board();
  assert.equal(parent.data.id, board.data.id);
  const byIndex = await client.models.Card.cardsByBoard({ boardId: board.data.id });
  assert.deepEqual(byIndex.data.map((c) => c.id), [card.data.id]);
});

test('Amplify Storage with the printed storageOptions: upload, download, protected path', async () => {
  assert.ok(storageOptions, 'the printed lines define storageOptions');
  const body = `hello from outputs.test ${Date.now()}`;
  await uploadData({ path: 'public/outputs-test.txt', data: body, options: storageOptions }).result;
  const got = await downloadData({ path: 'public/outputs-test.txt', options: storageOptions }).result;
  assert.equal(await got.body.text(), body);
  const mine = await uploadData({
    path: ({ identityId }) => `protected/${identityId}/note.txt`, data: 'mine', options: storageOptions,
  }).result;
  assert.match(mine.path, /^protected\/us-east-1:[^/]+\/note\.txt$/);
  // Without the endpoint Amplify would go to AWS: prove the option is what makes it local.
  await assert.rejects(
    downloadData({ path: 'public/outputs-test.txt', options: { customEndpoint: 'http://localhost' } }).result,
    /customEndpoint|InvalidCustomEndpoint|Invalid S3 custom endpoint/i,
  );
});
