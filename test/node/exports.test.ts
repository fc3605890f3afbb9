/**
 * package.json `exports` (after `npm run build`): every subpath resolves, by the package's own
 * name as an installed copy would, to a file that exists, and its `types` too; the Node ones
 * load and give what the README says; and TypeScript, resolving through `exports` alone,
 * finds the types of every subpath (a consumer's `import ... from 'video-call-element/...'`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  types?: string;
  main?: string;
  exports: Record<string, string | Record<string, string>>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

const SUBPATHS = [
  '.',
  './element',
  './react',
  './transports',
  './transports/socket-io',
  './transports/local',
  './transports/firebase',
  './call',
  './relay',
  './custom-elements.json',
  './package.json',
];

test('package.json exports every documented subpath, each file present with its types', () => {
  assert.deepEqual(Object.keys(pkg.exports).sort(), [...SUBPATHS].sort());
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const files = typeof target === 'string' ? { default: target } : target;
    for (const [condition, file] of Object.entries(files)) {
      assert.ok(existsSync(path.join(root, file)), `${subpath} (${condition}): ${file} does not exist (run npm run build)`);
    }
    if (!subpath.endsWith('.json')) {
      assert.ok(typeof target === 'object' && target.types?.endsWith('.d.ts'), `${subpath} has types`);
      const keys = Object.keys(target as object);
      assert.equal(keys[0], 'types', `${subpath}: "types" comes first, as TypeScript requires`);
    }
  }
  assert.ok(pkg.types && existsSync(path.join(root, pkg.types)), 'top-level types');
  assert.ok(pkg.main && existsSync(path.join(root, pkg.main)), 'main');
});

test('a browser app installs only what the element needs: lit, socket.io-client and @lit/react (tiny); firebase and react are optional peers', () => {
  assert.deepEqual(Object.keys(pkg.dependencies).sort(), ['@lit/react', 'lit', 'socket.io-client']);
  for (const peer of ['firebase', 'react']) {
    assert.ok(pkg.peerDependencies?.[peer], `${peer} is a peer dependency`);
    assert.equal(pkg.peerDependenciesMeta?.[peer]?.optional, true, `${peer}: an optional one`);
  }
  // Our own build and tests still have them.
  for (const dev of ['firebase', 'socket.io', 'redis', '@socket.io/redis-adapter', 'jose'])
    assert.ok(pkg.devDependencies[dev], `${dev} in devDependencies`);
  assert.match(pkg.scripts.prepack ?? '', /npm run build/, 'npm pack / npm publish build dist/ first');
});

test('the built relay is self-contained: it imports only Node built-ins and optional add-ons', () => {
  const allowed = new Set([
    ...builtinModules,
    ...builtinModules.map((m) => `node:${m}`),
    'bufferutil',
    'utf-8-validate',
    'supports-color',
    '@opentelemetry/api',
    '@node-rs/xxhash',
    './app.js',
  ]);
  for (const file of ['dist/server/app.js', 'dist/server/cli.js']) {
    const code = readFileSync(path.join(root, file), 'utf8');
    const specifiers = new Set<string>();
    for (const m of code.matchAll(/^import\s[^;]*?\sfrom\s*["']([^"']+)["']/gm)) specifiers.add(m[1]!);
    for (const m of code.matchAll(/\b(?:require|import)\(\s*["']([^"']+)["']\s*\)/g)) specifiers.add(m[1]!);
    const foreign = [...specifiers].filter((s) => !allowed.has(s));
    assert.deepEqual(foreign, [], `${file} imports packages that an installed copy does not have`);
  }
});

test('every subpath resolves by the package name (self-reference through exports)', () => {
  for (const subpath of SUBPATHS) {
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    const resolved = fileURLToPath(import.meta.resolve(specifier));
    assert.ok(existsSync(resolved), `${specifier} → ${resolved}`);
  }
  assert.equal(fileURLToPath(import.meta.resolve(`${pkg.name}/relay`)), path.join(root, 'dist/server/app.js'));
  assert.equal(
    fileURLToPath(import.meta.resolve(`${pkg.name}/element`)),
    path.join(root, 'dist/esm/components/video-call/video-call.component.js'),
  );
});

test('the Node-side exports load: the relay factory, the transport registry, the manifest', async () => {
  const relay = (await import(pathToFileURL(fileURLToPath(import.meta.resolve(`${pkg.name}/relay`))).href)) as Record<string, unknown>;
  assert.equal(typeof relay.createRelay, 'function');
  const transports = (await import(import.meta.resolve(`${pkg.name}/transports`))) as Record<string, unknown>;
  assert.equal(typeof transports.registerTransport, 'function');
  assert.equal(typeof transports.getTransportFactory, 'function');
  const manifest = JSON.parse(readFileSync(fileURLToPath(import.meta.resolve(`${pkg.name}/custom-elements.json`)), 'utf8')) as {
    schemaVersion?: string;
  };
  assert.ok(manifest.schemaVersion);
});

test('TypeScript finds the types of every subpath through exports', () => {
  const dir = path.join(root, 'test-results', 'exports-types');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(
      path.join(dir, 'consumer.ts'),
      `import { VideoCall, registerTransport, type VideoCallEventMap } from '${pkg.name}';
import { VideoCall as Element } from '${pkg.name}/element';
import { getTransportFactory, type Transport, type TransportFactory } from '${pkg.name}/transports';
import { createSocketIoTransport } from '${pkg.name}/transports/socket-io';
import { createLocalTransport } from '${pkg.name}/transports/local';
import { createFirebaseTransport } from '${pkg.name}/transports/firebase';
import { CallEngine } from '${pkg.name}/call';
import { createRelay } from '${pkg.name}/relay';

const el: VideoCall = new Element();
const on: boolean = el.toggleMic(false);
const detail: VideoCallEventMap['vc-joined'] = { room: 'r', selfId: 's', topology: 'mesh' };
const factory: TransportFactory = () => createLocalTransport();
registerTransport('mine', factory);
const t: Transport | Promise<Transport> = getTransportFactory('mine')({});
export { on, detail, t, createSocketIoTransport, createFirebaseTransport, CallEngine, createRelay };
`,
    );
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          lib: ['ES2022', 'DOM'],
          types: ['node'],
          typeRoots: [path.join(root, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    try {
      execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8' });
    } catch (err) {
      assert.fail(`a consumer's imports do not type-check:\n${(err as { stdout?: string }).stdout}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
