// Shared helper for the JS suites: starts a real amplocal binary ($AMPLOCAL_BIN, default
// target/debug/amplocal) with --ephemeral on a free loopback port, waits for its `Ready.` line,
// and stops it again. Not a test file itself (node --test only picks up *.test.mjs).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The binary under test. */
export const BIN = process.env.AMPLOCAL_BIN || path.join(ROOT, 'target', 'debug', 'amplocal');

/** Client config for the SDK v3 clients: static test/test credentials, us-east-1. */
export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const REGION = 'us-east-1';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/**
 * Starts amplocal; resolves to `{ endpoint, stop }` once it printed `Ready.`.
 * `extraArgs` are appended to the command line.
 */
export async function startAmplocal(extraArgs = []) {
  const port = await freePort();
  const proc = spawn(BIN, ['--ephemeral', '--listen', `127.0.0.1:${port}`, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  // amplocal does not exit when its stdout closes: never leave it running if this process dies
  // before `stop()` (a crash in `before`, an uncaught exception).
  const reap = () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); };
  process.once('exit', reap);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`amplocal did not print Ready. within 30 s\n${stderr}`)), 30000);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (c) => { clearTimeout(timer); reject(new Error(`amplocal exited with ${c}\n${stderr}`)); });
    createInterface({ input: proc.stdout }).on('line', (l) => { if (l.trim() === 'Ready.') { clearTimeout(timer); resolve(); } });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => {
      process.removeListener('exit', reap);
      if (proc.exitCode !== null || proc.signalCode !== null) { resolve(); return; }
      proc.removeAllListeners('exit');
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    }),
  };
}
