// Bundles the relay for Node: dist/server/app.js (the createRelay library) and
// dist/server/cli.js (the `video-call-relay` bin, which imports ./app.js).
// Self-contained: socket.io, redis, @socket.io/redis-adapter and jose are inlined into app.js, so
// the installed package runs the relay with no server dependency of its own (they are
// devDependencies). Only ws's optional native add-ons (bufferutil, utf-8-validate) stay external:
// ws loads them in a try/catch and does without them when they are absent.
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
  sourcemap: true,
  // Maps name the original files and lines without carrying their text (the inlined dependencies'
  // sources would quadruple the package).
  sourcesContent: false,
  logLevel: 'warning',
  absWorkingDir: root,
  legalComments: 'none',
};

/** Optional modules the dependencies require inside try/catch (ws, debug, @redis/client); never bundled. */
const OPTIONAL = ['bufferutil', 'utf-8-validate', 'supports-color', '@opentelemetry/api', '@node-rs/xxhash'];

await build({
  ...common,
  entryPoints: ['server/app.ts'],
  outfile: path.join(out, 'app.js'),
  external: OPTIONAL,
  // The CommonJS dependencies (socket.io, engine.io, ws, …) call require() for Node built-ins,
  // which an ES module bundle has to provide.
  banner: { js: "import { createRequire as __vcCreateRequire } from 'node:module';\nconst require = __vcCreateRequire(import.meta.url);" },
});
await build({
  ...common,
  entryPoints: ['server/cli.ts'],
  outfile: path.join(out, 'cli.js'),
  external: ['./app.js'],
  banner: { js: '#!/usr/bin/env node' },
});
await chmod(path.join(out, 'cli.js'), 0o755);
console.log(`built ${path.join(out, 'app.js')} and ${path.join(out, 'cli.js')}`);
