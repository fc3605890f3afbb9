// Bundles the relay for Node: dist/server/app.js (the createRelay library) and
// dist/server/cli.js (the `video-call-relay` bin, which imports ./app.js).
// Dependencies stay external (they are the package's dependencies).
// Usage: node scripts/build-server.mjs [OUTDIR]   (default dist/server)
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist/server'));

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

await build({ ...common, entryPoints: ['server/app.ts'], outfile: path.join(out, 'app.js') });
await build({
  ...common,
  entryPoints: ['server/cli.ts'],
  outfile: path.join(out, 'cli.js'),
  external: ['./app.js'],
  banner: { js: '#!/usr/bin/env node' },
});
await chmod(path.join(out, 'cli.js'), 0o755);
console.log(`built ${path.join(out, 'app.js')} and ${path.join(out, 'cli.js')}`);
