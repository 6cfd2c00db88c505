// Starts amplocal for the demo: `--backend examples/todo-angular/amplocal.toml
// --amplify-outputs <tmp>/amplify_outputs.json` over a fresh data dir on a free loopback port,
// waits for `Ready.`, and hands back the outputs, the CA path (`amplocal ca --data-dir`) and
// the leaf certificate (for Chromium's SPKI trust list).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { BIN } from '../amplocal.mjs';
import { DEMO_DIR } from './build.mjs';

/** The demo's backend manifest. */
export const MANIFEST = path.join(DEMO_DIR, 'amplocal.toml');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Resolves to `{ port, endpoint, outputsFile, outputs, caPath, certPath, readyMs, served, stop }`.
 * `readyMs` is spawn → `Ready.` (provisioning included).
 */
export async function startDemoBackend() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'amplocal-demo-'));
  const outputsFile = path.join(dataDir, 'amplify_outputs.json');
  const port = await freePort();
  const started = Date.now();
  const proc = spawn(BIN, ['--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--backend', MANIFEST, '--amplify-outputs', outputsFile],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const reap = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); };
  process.once('exit', reap);
  let stderr = '';
  /** How often each operation was served, from amplocal's request log (`operation=Name`). */
  const ops = new Map();
  createInterface({ input: proc.stderr }).on('line', (line) => {
    stderr = (stderr + line + '\n').slice(-6000);
    // eslint-disable-next-line no-control-regex
    const m = /operation=(\w+)/.exec(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (m) ops.set(m[1], (ops.get(m[1]) ?? 0) + 1);
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amplocal did not print Ready. within 30 s\n${stderr}`)), 30000);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (c) => { clearTimeout(timer); reject(new Error(`amplocal exited with ${c}\n${stderr}`)); });
    createInterface({ input: proc.stdout }).on('line', (l) => { if (l.trim() === 'Ready.') { clearTimeout(timer); resolve(); } });
  });
  const readyMs = Date.now() - started;
  const ca = spawnSync(BIN, ['ca', '--data-dir', dataDir], { encoding: 'utf8' });
  if (ca.status !== 0) throw new Error(`amplocal ca failed: ${ca.stderr}`);
  const caPath = ca.stdout.trim().split('\n').pop();
  return {
    port,
    endpoint: `https://localhost:${port}`,
    outputsFile,
    outputs: JSON.parse(readFileSync(outputsFile, 'utf8')),
    caPath,
    certPath: path.join(path.dirname(caPath), 'cert.pem'),
    readyMs,
    stderr: () => stderr,
    /** Times `name` was served so far. */
    served: (name) => ops.get(name) ?? 0,
    stop: () => new Promise((resolve) => {
      process.removeListener('exit', reap);
      const done = () => { rmSync(dataDir, { recursive: true, force: true }); resolve(); };
      if (proc.exitCode !== null || proc.signalCode !== null) { done(); return; }
      proc.removeAllListeners('exit');
      proc.once('exit', done);
      proc.kill('SIGTERM');
    }),
  };
}
