// The offline demo (examples/todo-angular: Angular + Amplify JS v6) walked through in headless
// Chromium (Debian's, via playwright-core; $CHROME_PATH, default /usr/bin/chromium) against a
// real amplocal started with the demo's backend manifest:
//   two users sign up and confirm (code from amplocal's inbox, shown by the page in dev mode),
//   each signs in by SRP in its own browser context, creates todos and sees only their own;
//   a second window of the same user sees the first one's changes live, the other user never
//   does; both see each other's posts on the shared board live and cannot delete them;
//   a 6 MiB file goes up by multipart and comes back byte-exact; its presigned URL works and
//   then expires; protected files list and remove; both sign out.
// TLS: the app talks https/wss to amplocal. Chromium trusts only amplocal's leaf key
// (--ignore-certificate-errors-spki-list); Node checks the presigned URL against amplocal's CA.
// Screenshots of every step: target/test-screens/demo/ (git-ignored).
// Run: AMPLOCAL_BIN=target/debug/amplocal node --test tests/js/demo.browser.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureDemoBuild } from './demo/build.mjs';
import { serveDemo } from './demo/server.mjs';
import { startDemoBackend } from './demo/backend.mjs';
import {
  id, until, screenshotter, errors, signUpAndConfirm, signIn, signInRefused, waitSynced, todos, messages, addTodo, postMessage, fileRows, fileRow,
} from './demo/pages.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENS = path.join(process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target'), 'test-screens', 'demo');
const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const PASSWORD = 'Passw0rd!';
const BIG = 6 * 1024 * 1024;
/** No single step may hang the suite. */
const STEP_MS = 45000;

let backend;
let site;
let browser;
let tmp;
let walkStart;
const run = randomBytes(3).toString('hex');
const alice = { email: `alice-${run}@example.com` };
const bob = { email: `bob-${run}@example.com` };
rmSync(SCREENS, { recursive: true, force: true });
const shot = screenshotter(SCREENS);

/** base64(SHA-256(SubjectPublicKeyInfo)) of the leaf amplocal serves, for Chromium's trust list. */
function spkiHash(certPem) {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/**
 * GET an https URL from Node, trusting amplocal's CA; `*.localhost` resolves to loopback.
 * The chain is verified against the CA. Node's own name check refuses a wildcard directly
 * under a single-label name (`*.localhost` for `<bucket>.localhost`), which Chromium accepts,
 * so the SAN is checked here instead.
 */
function fetchWithCa(url, ca) {
  return new Promise((resolve, reject) => {
    const lookup = (host, opts, cb) => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
    const checkServerIdentity = (host, cert) => {
      const sans = (cert.subjectaltname ?? '').split(', ');
      const parent = host.slice(host.indexOf('.') + 1);
      const ok = sans.includes(`DNS:${host}`) || (host.includes('.') && sans.includes(`DNS:*.${parent}`));
      return ok ? undefined : new Error(`${host} is not in the certificate's names (${cert.subjectaltname})`);
    };
    httpsGet(url, { ca, lookup, checkServerIdentity }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

// Cold, the demo build (npm ci + ng build) takes about a minute; scripts/test runs it first.
before(async () => {
  const build = ensureDemoBuild();
  console.log(`# demo build: ${build.built ? `built in ${(build.ms / 1000).toFixed(1)} s` : 'reused (inputs unchanged)'}`);
  backend = await startDemoBackend();
  console.log(`# amplocal --backend: Ready. after ${backend.readyMs} ms`);
  site = await serveDemo(build.dist, backend.outputsFile);
  tmp = mkdtempSync(path.join(tmpdir(), 'amplocal-demo-files-'));
  browser = await chromium.launch({
    executablePath: CHROME,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spkiHash(readFileSync(backend.certPath, 'utf8'))}`,
    ],
  });
}, { timeout: 300000 });

after(async () => {
  if (walkStart) console.log(`# walk-through: ${((Date.now() - walkStart) / 1000).toFixed(1)} s`);
  await browser?.close();
  await site?.close();
  await backend?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, { timeout: 30000 });

/** A new browser context (its own storage = its own session) with one page on the app. */
async function openApp(who) {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`# [${who}] page error: ${e.message}`));
  await page.goto(site.url);
  await page.waitForSelector(`${id('signin-email')}, ${id('fatal')}`, { timeout: 15000 });
  const fatal = await page.locator(id('fatal')).textContent({ timeout: 100 }).catch(() => null);
  assert.equal(fatal, null, 'the app started');
  return { context, page };
}

test('the outputs point Amplify at amplocal', { timeout: STEP_MS }, () => {
  const o = backend.outputs;
  assert.equal(o.version, '1.4');
  assert.equal(o.auth.user_pool_id, 'us-east-1_TodoLocal1');
  assert.equal(o.auth.user_pool_client_id, 'todolocalwebclient00000001');
  assert.equal(o.storage.bucket_name, 'todo-files-local');
  assert.ok(o.data.model_introspection.models.Todo, 'model_introspection has Todo');
  assert.equal(o.custom.amplocal.endpoint, backend.endpoint);
});

test('two users sign up and confirm with the code from the inbox', { timeout: STEP_MS }, async () => {
  walkStart = Date.now();
  for (const u of [alice, bob]) {
    Object.assign(u, await openApp(u.email));
    await shot(u.page, `${u === alice ? 'alice' : 'bob'}-start`);
    const r = await signUpAndConfirm(u.page, u.email, PASSWORD, { wrongCodeFirst: u === alice });
    u.code = r.code;
    if (r.wrongCodeError) alice.wrongCodeError = r.wrongCodeError;
    await shot(u.page, `${u === alice ? 'alice' : 'bob'}-confirmed`);
  }
  assert.match(alice.code, /^\d{6}$/);
  assert.match(bob.code, /^\d{6}$/);
  assert.match(alice.wrongCodeError, /CodeMismatchException/);
});

test('each signs in by SRP in its own browser context', { timeout: STEP_MS }, async () => {
  // A wrong password is refused first (the SRP proof does not verify).
  assert.match(await signInRefused(alice.page, alice.email, 'Wr0ngPassword'), /NotAuthorizedException: Incorrect username or password/);
  await shot(alice.page, 'alice-wrong-password');
  await Promise.all([alice, bob].map((u) => signIn(u.page, u.email, PASSWORD)));
  // SRP: InitiateAuth (USER_SRP_AUTH; the web client allows no password flow) answered by a
  // PASSWORD_VERIFIER RespondToAuthChallenge, for the failed attempt and both sign-ins.
  assert.ok(backend.served('InitiateAuth') >= 3 && backend.served('RespondToAuthChallenge') >= 3);
  await shot(alice.page, 'alice-signed-in');
  await shot(bob.page, 'bob-signed-in');
  // The seeded board is visible to both.
  assert.equal((await messages(alice.page)).length, 2);
  assert.deepEqual(await messages(bob.page), await messages(alice.page));
});

test('each creates todos and sees only their own', { timeout: STEP_MS }, async () => {
  await addTodo(alice.page, 'alice: buy milk');
  await addTodo(alice.page, 'alice: water plants');
  await addTodo(bob.page, 'bob: fix bike');
  assert.deepEqual(await todos(alice.page), ['alice: buy milk', 'alice: water plants']);
  assert.deepEqual(await todos(bob.page), ['bob: fix bike']);
  // A reload lists from the server, not from the page's memory.
  await bob.page.reload();
  await waitSynced(bob.page);
  assert.deepEqual(await todos(bob.page), ['bob: fix bike']);
  await shot(alice.page, 'alice-todos');
  await shot(bob.page, 'bob-todos');
});

test('a second window sees live changes where the rules allow, the other user never', { timeout: STEP_MS }, async () => {
  // Alice's second window: the same session (her context's storage, where Amplify keeps the
  // tokens) in a window of its own. (A second tab of the same context would be a background
  // tab, whose timers and frames Chromium throttles.)
  const secondContext = await browser.newContext({ storageState: await alice.context.storageState(), viewport: { width: 1100, height: 900 } });
  const second = await secondContext.newPage();
  await second.goto(site.url);
  await waitSynced(second);
  assert.deepEqual(await todos(second), ['alice: buy milk', 'alice: water plants']);
  // Created in window 1 -> appears in window 2 without a reload.
  await addTodo(alice.page, 'alice: call mum');
  await until('the new todo in the second window', async () => (await todos(second)).includes('alice: call mum'), 5000);
  // Toggled in window 2 -> done in window 1.
  await second.locator(`${id('todo-item')}[data-content="alice: call mum"] ${id('todo-toggle')}`).click();
  await until('done in the first window', async () =>
    (await alice.page.locator(`${id('todo-item')}[data-content="alice: call mum"]`).getAttribute('data-done')) === 'true', 5000);
  // Deleted in window 1 -> gone from window 2.
  await alice.page.locator(`${id('todo-item')}[data-content="alice: water plants"] ${id('todo-delete')}`).click();
  await until('the deletion in the second window', async () => !(await todos(second)).includes('alice: water plants'), 5000);
  await shot(second, 'alice-second-window');
  // The shared board: a post by alice shows up live for bob and the other way round.
  await postMessage(alice.page, `hello from alice ${run}`);
  await until('alice\'s post at bob', async () => (await messages(bob.page)).includes(`hello from alice ${run}`), 5000);
  await postMessage(bob.page, `hi alice, bob here ${run}`);
  await until('bob\'s post at alice', async () => (await messages(alice.page)).includes(`hi alice, bob here ${run}`), 5000);
  await until('bob\'s post in alice\'s second window', async () => (await messages(second)).includes(`hi alice, bob here ${run}`), 5000);
  // Server-set owners: alice's own post is hers, bob's is not, the seeds have none.
  const author = (text) => alice.page.locator(`${id('message-item')}[data-text="${text}"] ${id('message-author')}`).textContent();
  assert.equal(await author(`hello from alice ${run}`), 'you');
  assert.equal(await author(`hi alice, bob here ${run}`), 'another user');
  // Alice's todo events (sent before her board post, which bob has seen) never reached bob.
  assert.deepEqual(await todos(bob.page), ['bob: fix bike']);
  // Bob may read alice's post but not delete it (owner rule).
  await bob.page.locator(`${id('message-item')}[data-text="hello from alice ${run}"] ${id('message-delete')}`).click();
  const refusal = await until('the refusal', async () => (await errors(bob.page))[0], 5000);
  assert.match(refusal, /Not Authorized|Unauthorized/i);
  assert.ok((await messages(alice.page)).includes(`hello from alice ${run}`));
  await shot(bob.page, 'bob-board-delete-refused');
  await shot(alice.page, 'alice-board');
  await secondContext.close();
});

test('a 6 MiB file goes up by multipart and comes back byte-exact; its presigned URL works, then expires', { timeout: STEP_MS }, async () => {
  const { page } = alice;
  const bytes = randomBytes(BIG);
  const file = path.join(tmp, 'big-6MiB.bin');
  writeFileSync(file, bytes);
  assert.deepEqual(await fileRows(page), []);
  await page.setInputFiles(id('file-input'), file);
  await page.click(id('file-upload'));
  await until('the upload', async () => {
    const errs = await errors(page);
    if (errs.length) throw new Error(errs.join('; '));
    return (await page.locator(id('file-status')).textContent({ timeout: 200 }).catch(() => ''))?.startsWith('Uploaded');
  }, 20000);
  // It went up in parts: 6 MiB = a 5 MiB part + a 1 MiB part.
  assert.equal(backend.served('CreateMultipartUpload'), 1);
  assert.equal(backend.served('UploadPart'), 2);
  assert.equal(backend.served('CompleteMultipartUpload'), 1);
  const rows = await fileRows(page);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].name, 'big-6MiB.bin');
  assert.equal(rows[0].size, BIG);
  assert.match(rows[0].path, /^private\/us-east-1:[0-9a-f-]+\/big-6MiB\.bin$/);
  await shot(page, 'alice-uploaded');

  const [download] = await Promise.all([page.waitForEvent('download'), fileRow(page, 'big-6MiB.bin').locator(id('file-download')).click()]);
  const got = readFileSync(await download.path());
  assert.equal(got.length, BIG);
  assert.ok(got.equals(bytes), 'downloaded bytes equal the uploaded ones');
  const sha = createHash('sha256').update(bytes).digest('hex');
  assert.equal(await page.locator(id('file-downloaded')).getAttribute('data-sha256'), sha);
  await shot(page, 'alice-downloaded');

  // Presigned GET with a 2 s lifetime: works now, refused once expired.
  await page.fill(id('url-expires'), '2');
  await fileRow(page, 'big-6MiB.bin').locator(id('file-geturl')).click();
  const href = await until('the presigned URL', () => page.locator(id('file-url')).getAttribute('href', { timeout: 200 }));
  assert.match(href, /X-Amz-Expires=2(&|$)/);
  const ca = readFileSync(backend.caPath);
  const ok = await fetchWithCa(href, ca);
  assert.equal(ok.status, 200);
  assert.ok(ok.body.equals(bytes), 'presigned GET returns the object');
  await shot(page, 'alice-presigned-url');
  await new Promise((r) => setTimeout(r, 3000));
  const expired = await fetchWithCa(href, ca);
  assert.equal(expired.status, 403, `expired URL answered ${expired.status}: ${expired.body.toString().slice(0, 300)}`);
  assert.match(expired.body.toString(), /AccessDenied|expired/i);

  // Bob cannot see alice's private file in his own private folder.
  assert.deepEqual(await fileRows(bob.page), []);

  await fileRow(page, 'big-6MiB.bin').locator(id('file-remove')).click();
  await until('the removal', async () => (await fileRows(page)).length === 0);
});

test('protected files: upload, list, remove', { timeout: STEP_MS }, async () => {
  const { page } = alice;
  const file = path.join(tmp, 'notes.txt');
  writeFileSync(file, `shared notes ${run}\n`);
  await page.selectOption(id('file-level'), 'protected');
  assert.deepEqual(await fileRows(page), []);
  await page.setInputFiles(id('file-input'), file);
  await page.click(id('file-upload'));
  await until('the protected upload', async () => (await fileRows(page)).some((r) => r.name === 'notes.txt'), 10000);
  const [row] = await fileRows(page);
  assert.match(row.path, /^protected\/us-east-1:[0-9a-f-]+\/notes\.txt$/);
  await shot(page, 'alice-protected');
  await fileRow(page, 'notes.txt').locator(id('file-remove')).click();
  await until('the protected removal', async () => (await fileRows(page)).length === 0);
});

test('both sign out', { timeout: STEP_MS }, async () => {
  for (const u of [alice, bob]) {
    await u.page.click(id('signout'));
    await u.page.waitForSelector(id('signin-email'));
    await u.page.reload();
    await u.page.waitForSelector(id('signin-email'));
    await shot(u.page, `${u === alice ? 'alice' : 'bob'}-signed-out`);
    await u.context.close();
  }
  const ms = Date.now() - walkStart;
  console.log(`# walk-through (sign-up to sign-out): ${(ms / 1000).toFixed(1)} s`);
  assert.ok(ms <= 60000, `walk-through took ${ms} ms (target <= 60 s)`);
});
