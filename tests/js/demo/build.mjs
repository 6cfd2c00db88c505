// Builds the offline demo (examples/todo-angular) unless a build of the same inputs exists.
// The inputs are hashed (package.json, package-lock.json, angular.json, tsconfig*.json, src/**,
// public/** but amplify_outputs.json); the hash is kept in dist/.amplocal-build-hash. `npm ci` runs when
// node_modules does not match the lock file. Usable as a module (`ensureDemoBuild()`) and as
// a script (`node tests/js/demo/build.mjs`, which scripts/test runs before the JS suite).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The demo's project directory. */
export const DEMO_DIR = path.resolve(HERE, '..', '..', '..', 'examples', 'todo-angular');
/** Where `ng build` puts the browser files. */
export const DIST_DIR = path.join(DEMO_DIR, 'dist');

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

function hashOf(paths) {
  const h = createHash('sha256');
  for (const p of paths) {
    if (!existsSync(p)) continue;
    h.update(path.relative(DEMO_DIR, p)).update('\0').update(readFileSync(p)).update('\0');
  }
  return h.digest('hex').slice(0, 32);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: DEMO_DIR, stdio: 'inherit', env: { ...process.env, NG_CLI_ANALYTICS: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${DEMO_DIR} (exit ${r.status})`);
}

/**
 * Makes sure `dist/` holds a build of the current sources. Resolves to
 * `{ dist, built, ms }` (`built` false when an up-to-date build was reused).
 */
export function ensureDemoBuild() {
  const started = Date.now();
  const lockHash = hashOf([path.join(DEMO_DIR, 'package-lock.json')]);
  const stamp = path.join(DEMO_DIR, 'node_modules', '.amplocal-lock-hash');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== lockHash) {
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
    writeFileSync(stamp, lockHash);
  }
  const inputs = [
    ...['package.json', 'package-lock.json', 'angular.json', 'tsconfig.json', 'tsconfig.app.json'].map((f) => path.join(DEMO_DIR, f)),
    ...files(path.join(DEMO_DIR, 'src')),
    // public/amplify_outputs.json is a developer's local outputs file (git-ignored), not an input.
    ...files(path.join(DEMO_DIR, 'public')).filter((f) => path.basename(f) !== 'amplify_outputs.json'),
  ];
  const want = hashOf(inputs);
  const have = path.join(DIST_DIR, '.amplocal-build-hash');
  if (existsSync(have) && readFileSync(have, 'utf8') === want && existsSync(path.join(DIST_DIR, 'index.html'))) {
    return { dist: DIST_DIR, built: false, ms: Date.now() - started };
  }
  run('npx', ['--no-install', 'ng', 'build', '--configuration', 'production']);
  writeFileSync(have, want);
  return { dist: DIST_DIR, built: true, ms: Date.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = ensureDemoBuild();
  console.log(r.built ? `demo built in ${(r.ms / 1000).toFixed(1)} s` : `demo build is up to date (${r.dist})`);
}
