// A tiny static server for the built demo: files from `dist`, `/amplify_outputs.json` from the
// file amplocal wrote, and index.html for every other path (the SPA fallback nginx does too).
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.txt': 'text/plain', '.ico': 'image/x-icon', '.svg': 'image/svg+xml' };

/** Serves `dist` on 127.0.0.1:<free port>; resolves to `{ url, close }`. */
export function serveDemo(dist, outputsFile) {
  const root = path.resolve(dist);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let file;
    if (url.pathname === '/amplify_outputs.json') {
      file = outputsFile;
    } else {
      const p = path.resolve(root, '.' + decodeURIComponent(url.pathname));
      file = p.startsWith(root + path.sep) && existsSync(p) && statSync(p).isFile() ? p : path.join(root, 'index.html');
    }
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
