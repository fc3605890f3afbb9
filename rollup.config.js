// Rollup builds:
// 1. dist/video-call.js — the script-tag bundle: one self-contained IIFE (no top-level import/export),
//    usable as a classic or a module script. Lit in production mode, minified.
// 2. dist/video-call-firebase.js — the Firebase transport, an ES module fetched on demand by (1);
//    dist/video-call-extras.js — what only a call needs (speaker, line quality, tile layout, hands, reactions,
//    participants…), fetched by (1) on the first join; it renders with (1)'s Lit and strings (scripts/rollup-extras.mjs).
// 3. dist/video-call-background.js — the background effect (page side), an ES module fetched on first use by (1),
//    and dist/video-call-background/ — its worker, with MediaPipe's selfie segmenter (runtime and model) copied beside it.
//    dist/video-call-devices.js — the device settings (src/device-chunk.ts), the same way, with the first capture.
//    dist/video-call-recorder.js — the recorder (compositor, mixer, MediaRecorder), the same way, on the first recording;
//    dist/video-call-noise/ — noise-suppression="strong": its AudioWorklet, with RNNoise's wasm copied beside it.
// 3b. dist/video-call-sfu.js — the SFU topology (Janus), an ES module fetched by (1) when a room is offered an SFU.
// 4. dist/esm/ — the npm build: ES modules, one per source file, dependencies external.
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import { extrasKit } from './scripts/rollup-extras.mjs';
import { withLanguages } from './scripts/rollup-lang.mjs';

import { copyFile, mkdir } from 'node:fs/promises';

const scriptLoader = fileURLToPath(new URL('./src/transports/firebase-loader.script.ts', import.meta.url));
const scriptExtrasLoader = fileURLToPath(new URL('./src/call/extras-loader.script.ts', import.meta.url));
const scriptSfuLoader = fileURLToPath(new URL('./src/call/sfu-loader.script.ts', import.meta.url));

/** In the script build, the Firebase and call-extras loaders fetch a sibling file instead of importing the module. */
const scriptFirebaseLoader = {
  name: 'script-firebase-loader',
  resolveId(source, importer) {
    if (source === './firebase-loader.js' && importer?.includes('/src/transports/')) return scriptLoader;
    if (/(^|\/)call\/extras-loader\.js$|^\.\/extras-loader\.js$/.test(source) && importer?.includes('/src/')) return scriptExtrasLoader;
    if (source === './sfu-loader.js' && importer?.includes('/src/call/')) return scriptSfuLoader;
    return null;
  },
};

/** In the script build, the recorder's loader fetches a sibling file instead of importing the module. */
const scriptRecorderLoader = {
  name: 'script-recorder-loader',
  resolveId(source, importer) {
    if (source === './recorder-loader.js' && importer?.includes('/src/call/')) {
      return fileURLToPath(new URL('./src/call/recorder-loader.script.ts', import.meta.url));
    }
    return null;
  },
};

/** In the script build, the device settings' loader fetches a sibling file instead of importing the module. */
const scriptDeviceLoader = {
  name: 'script-device-loader',
  resolveId(source, importer) {
    if (/^(\.\.?\/)+device-chunk-loader\.js$/.test(source) && importer?.includes('/src/')) {
      return fileURLToPath(new URL('./src/device-chunk-loader.script.ts', import.meta.url));
    }
    return null;
  },
};

/** In the script build, the background loader fetches a sibling file instead of importing the module. */
const scriptBackgroundLoader = {
  name: 'script-background-loader',
  resolveId(source, importer) {
    if (source === './background-loader.js' && importer?.includes('/src/call/')) {
      return fileURLToPath(new URL('./src/call/background-loader.script.ts', import.meta.url));
    }
    return null;
  },
};

/**
 * MediaPipe's selfie segmentation (Apache-2.0): the runtime and the landscape model, copied beside
 * the worker. Only the SIMD build of the runtime: every browser that can run the effect (it needs
 * MediaStreamTrackProcessor, Chromium 94+) has WebAssembly SIMD (Chromium 91+); the package's
 * other build (5.6 MB) would never be fetched.
 */
const MEDIAPIPE_FILES = [
  'selfie_segmentation.js',
  'selfie_segmentation.binarypb',
  'selfie_segmentation_landscape.tflite',
  'selfie_segmentation_solution_simd_wasm_bin.js',
  'selfie_segmentation_solution_simd_wasm_bin.wasm',
];
const copyMediapipe = {
  name: 'copy-mediapipe',
  async writeBundle() {
    const from = new URL('./node_modules/@mediapipe/selfie_segmentation/', import.meta.url);
    const to = new URL('./dist/video-call-background/', import.meta.url);
    await mkdir(to, { recursive: true });
    await Promise.all(MEDIAPIPE_FILES.map((f) => copyFile(new URL(f, from), new URL(f, to))));
    await copyFile(new URL('./src/call/background-notice.txt', import.meta.url), new URL('NOTICE.txt', to));
  },
};

/** RNNoise (@jitsi/rnnoise-wasm, Apache-2.0): its wasm, beside the worklet that runs it (src/call/noise-worklet.ts). */
const copyRnnoise = {
  name: 'copy-rnnoise',
  async writeBundle() {
    const from = new URL('./node_modules/@jitsi/rnnoise-wasm/', import.meta.url);
    const to = new URL('./dist/video-call-noise/', import.meta.url);
    await mkdir(to, { recursive: true });
    await copyFile(new URL('dist/rnnoise.wasm', from), new URL('rnnoise.wasm', to));
    await copyFile(new URL('LICENSE', from), new URL('LICENSE.txt', to));
    await copyFile(new URL('./src/call/noise-notice.txt', import.meta.url), new URL('NOTICE.txt', to));
  },
};

const resolve = () => nodeResolve({ browser: true, exportConditions: ['production', 'browser', 'default'], extensions: ['.ts', '.js'] });
// The script-tag bundle targets ES2022 (what the browser tests run): native `#private` members and
// class fields, which ES2021 output turns into WeakMaps and helper calls (about 2.7 KB gzipped).
// Class static blocks are still lowered (Safari 16.4+), so Safari 15+, Chrome and Firefox 90+ run it.
// The npm build stays ES2021: the app's bundler decides its own target.
const ts = (minify, target = 'es2021') =>
  esbuild({ target, supported: { 'class-static-blocks': false }, minify, tsconfig: 'tsconfig.json', legalComments: 'none' });

/** Lets `.js` import specifiers inside src/ resolve to their `.ts` sources. */
const tsJs = {
  name: 'ts-js',
  async resolveId(source, importer, options) {
    if (!importer?.includes('/src/') || importer.includes('node_modules') || !source.startsWith('.') || !source.endsWith('.js'))
      return null;
    return this.resolve(source.replace(/\.js$/, '.ts'), importer, { ...options, skipSelf: true });
  },
};

/**
 * engine.io-client maps its Node transports to browser ones through package.json's
 * "browser" field, which node-resolve ignores for packages with "exports": apply it here.
 */
const engineIoBrowser = {
  name: 'engine-io-browser',
  async resolveId(source, importer, options) {
    if (!importer?.includes('engine.io-client') || !source.endsWith('.node.js')) return null;
    return this.resolve(source.replace(/\.node\.js$/, '.js'), importer, { ...options, skipSelf: true });
  },
};

/**
 * Minifies the CSS inside our own css`` templates (esbuild leaves template text alone):
 * comments go, whitespace collapses, and the spaces around { } ; , > and after : are dropped.
 * The styles use no strings or url() where that could matter (checked by the e2e screenshots).
 */
const minifyCss = {
  name: 'minify-css',
  transform(code, id) {
    if (!id.includes('/src/') || !id.endsWith('.styles.ts')) return null;
    const min = (text) =>
      text
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\s+/g, ' ')
        .replace(/\s*([{};,>])\s*/g, '$1')
        .replace(/:\s+/g, ':')
        .replace(/;}/g, '}')
        .trim();
    return { code: code.replace(/css`([^`]*)`/g, (_, text) => `css\`${min(text)}\``), map: null };
  },
};

/**
 * ESM build: imports from the optional peer dependency `firebase` become namespace imports
 * (`import * as ns from 'firebase/auth'; const { signInAnonymously } = ns;`, on the same line).
 * An app without firebase installed still bundles: Vite stands in an empty module for a missing
 * optional peer dependency, which a namespace import accepts where a named import fails the
 * build; the Firebase chunk then fails only when loaded, i.e. when a page picks that transport.
 */
const firebaseNamespaceImports = {
  name: 'firebase-namespace-imports',
  renderChunk(code) {
    let n = 0;
    const out = code.replace(/^import \{([^}]*)\} from '(firebase\/[\w-]+)';$/gm, (_, names, mod) => {
      const ns = `__${mod.replace(/\W/g, '_')}${n++}`;
      const fields = names
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => s.replace(/\s+as\s+/, ': '))
        .join(', ');
      return `import * as ${ns} from '${mod}'; const { ${fields} } = ${ns};`;
    });
    // Lines stay where they were: the existing source map still holds.
    return out === code ? null : { code: out, map: null };
  },
};

const onwarn = (warning, warn) => {
  if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return;
  warn(warning);
};

// Languages: each a sibling file fetched on demand (scripts/rollup-lang.mjs).
export default withLanguages([
  {
    input: 'src/video-call.ts',
    output: { file: 'dist/video-call.js', format: 'iife', name: 'VideoCallElement', sourcemap: true },
    plugins: [
      scriptFirebaseLoader,
      scriptBackgroundLoader,
      scriptDeviceLoader,
      scriptRecorderLoader,
      tsJs,
      engineIoBrowser,
      resolve(),
      minifyCss,
      ts(true, 'es2022'),
    ],
    onwarn,
  },
  {
    input: 'src/call-extras.ts',
    output: { file: 'dist/video-call-extras.js', format: 'es', sourcemap: true },
    plugins: [extrasKit, tsJs, resolve(), minifyCss, ts(true)],
    onwarn,
  },
  {
    input: 'src/transports/firebase.ts',
    output: { file: 'dist/video-call-firebase.js', format: 'es', sourcemap: true },
    plugins: [tsJs, resolve(), ts(true)],
    onwarn,
  },
  {
    input: 'src/call/recorder.ts',
    output: { file: 'dist/video-call-recorder.js', format: 'es', sourcemap: true },
    plugins: [tsJs, resolve(), ts(true)],
    onwarn,
  },
  {
    input: 'src/device-chunk.ts',
    output: { file: 'dist/video-call-devices.js', format: 'es', sourcemap: true },
    plugins: [tsJs, ts(true)],
    onwarn,
  },
  {
    input: 'src/call/background.ts',
    output: { file: 'dist/video-call-background.js', format: 'es', sourcemap: true },
    plugins: [tsJs, resolve(), ts(true)],
    onwarn,
  },
  {
    input: 'src/call/sfu/index.ts',
    output: { file: 'dist/video-call-sfu.js', format: 'es', sourcemap: true },
    plugins: [tsJs, resolve(), ts(true)],
    onwarn,
  },
  {
    input: 'src/call/background-worker.ts',
    output: { file: 'dist/video-call-background/worker.js', format: 'iife', sourcemap: true },
    plugins: [tsJs, ts(true), copyMediapipe],
    onwarn,
  },
  {
    input: 'src/call/noise-worklet.ts',
    output: { file: 'dist/video-call-noise/worklet.js', format: 'es', sourcemap: true },
    plugins: [tsJs, ts(true), copyRnnoise],
    onwarn,
  },
  {
    input: {
      'video-call': 'src/video-call.ts',
      index: 'src/index.ts',
      'components/video-call/video-call.component': 'src/components/video-call/video-call.component.ts',
      'call/call-engine': 'src/call/call-engine.ts',
      'transports/registry': 'src/transports/registry.ts',
      'transports/socket-io': 'src/transports/socket-io.ts',
      'transports/local': 'src/transports/local.ts',
      'transports/firebase': 'src/transports/firebase.ts',
      'call/background': 'src/call/background.ts',
      react: 'src/react.ts',
    },
    output: { dir: 'dist/esm', format: 'es', preserveModules: true, preserveModulesRoot: 'src', sourcemap: true },
    external: [/^lit/, /^@lit/, /^socket\.io-client/, /^firebase/, /^react($|\/)/],
    plugins: [tsJs, resolve(), ts(false), firebaseNamespaceImports],
    onwarn,
  },
]);
