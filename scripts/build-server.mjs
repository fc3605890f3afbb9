// Bundles the relay for Node: dist/server/app.js (the createRelay library) and
// dist/server/cli.js (the `video-call-relay` bin, which imports ./app.js).
// Dependencies stay external (they are the package's dependencies).
import { chmod } from 'node:fs/promises';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['server/app.ts'], outfile: 'dist/server/app.js' });
await build({
  ...common,
  entryPoints: ['server/cli.ts'],
  outfile: 'dist/server/cli.js',
  external: ['./app.js'],
  banner: { js: '#!/usr/bin/env node' },
});
await chmod('dist/server/cli.js', 0o755);
console.log('built dist/server/app.js and dist/server/cli.js');
