/**
 * `npm pack` of the package once per build: the consumer tests (install.test.ts,
 * frameworks.test.ts) share one tarball, kept in the temp dir under a key made of package.json
 * and every file of dist/ (size and mtime), so a fresh `npm run build` packs anew.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const root = fileURLToPath(new URL('../..', import.meta.url));
export const NPM_ENV = {
  ...process.env,
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
};

export async function npm(args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, env: NPM_ENV, maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: err });
  }
}

async function fingerprint(): Promise<string> {
  const hash = createHash('sha256');
  const files = ['package.json', 'README.md', 'custom-elements.json'];
  for (const entry of await readdir(path.join(root, 'dist'), { recursive: true })) files.push(path.join('dist', entry));
  for (const f of files.sort()) {
    const s = await stat(path.join(root, f));
    if (s.isFile()) hash.update(`${f}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** The absolute path of the packed tarball of the current build. */
export async function packOnce(): Promise<string> {
  const dir = path.join(os.tmpdir(), 'vc-consumer-pack', await fingerprint());
  if (existsSync(dir)) {
    const tgz = (await readdir(dir)).find((f) => f.endsWith('.tgz'));
    if (tgz) return path.join(dir, tgz);
  }
  // Older packs are stale (dist/ has changed since): drop them.
  await rm(path.dirname(dir), { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  const tmp = await mkdtemp(path.join(path.dirname(dir), 'packing-'));
  // dist/ is fresh (npm test builds just before): pack without running prepack's build again.
  const packed = JSON.parse(await npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], root)) as { filename: string }[];
  await rename(tmp, dir);
  return path.join(dir, packed[0]!.filename);
}

/** Serves a built app's `dist` folder on 127.0.0.1 (index.html at `/`). */
export function serveDir(out: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const p = new URL(req.url ?? '/', 'http://x').pathname;
    const file = path.join(out, p === '/' ? 'index.html' : path.normalize(p));
    readFile(file).then(
      (body) =>
        res
          .writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'text/html' })
          .end(body),
      () => res.writeHead(404).end(),
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() }),
    ),
  );
}
