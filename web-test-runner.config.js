// @web/test-runner: the browser suites, in Debian's Chromium with fake media devices.
// A real relay (server/app.ts) is started for the run on a random port; tests read its
// URL from the virtual module `/__test-env.js`.
import { playwrightLauncher } from '@web/test-runner-playwright';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { firebaseServerPlugin } from './test/firebase-server/wtr-plugin.js';
import { coturnPlugin } from './test/browser/coturn-plugin.js';

export const chromiumArgs = [
  '--no-sandbox',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream=device-count=3',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

let relay;
let relayUrl = '';

function relayPlugin() {
  return {
    name: 'test-relay',
    async serverStart() {
      // Imported here so the config loads even when only non-relay suites run.
      const { createRelay } = await import('./server/app.ts').catch(() => ({ createRelay: null }));
      if (!createRelay) return;
      relay = createRelay({ logger: () => {} });
      const port = await relay.listen(0, '127.0.0.1');
      relayUrl = `http://127.0.0.1:${port}`;
    },
    async serverStop() {
      await relay?.close();
    },
    serve(context) {
      if (context.path === '/__test-env.js') {
        return { body: `export const RELAY_URL = ${JSON.stringify(relayUrl)};`, type: 'js' };
      }
    },
  };
}

/** engine.io-client's "browser" field maps its Node transports to browser ones; node-resolve ignores it. */
function engineIoBrowser() {
  return {
    name: 'engine-io-browser',
    resolveImport({ source, context }) {
      if (context.path.includes('engine.io-client') && source.endsWith('.node.js')) return source.replace(/\.node\.js$/, '.js');
    },
  };
}

/**
 * /__background-no-model/: the built background effect (dist/video-call-background/) without its
 * model file, for test/browser/background.test.ts (a model that fails to load).
 */
function backgroundNoModel() {
  return {
    name: 'background-no-model',
    async serve(context) {
      const m = /^\/__background-no-model\/video-call-background\/([\w.]+)$/.exec(context.path);
      if (!m || m[1].endsWith('.tflite')) return;
      const { readFile } = await import('node:fs/promises');
      const body = await readFile(new URL(`./dist/video-call-background/${m[1]}`, import.meta.url)).catch(() => null);
      if (!body) return;
      return { body, type: m[1].endsWith('.wasm') ? 'application/wasm' : m[1].endsWith('.js') ? 'js' : 'application/octet-stream' };
    },
  };
}

/**
 * /__noise-no-wasm/: noise-suppression="strong"'s built worklet (dist/video-call-noise/worklet.js)
 * without its wasm, for test/browser/noise.test.ts (a wasm that 404s).
 */
function noiseNoWasm() {
  return {
    name: 'noise-no-wasm',
    async serve(context) {
      if (context.path !== '/__noise-no-wasm/video-call-noise/worklet.js') return;
      const { readFile } = await import('node:fs/promises');
      const body = await readFile(new URL('./dist/video-call-noise/worklet.js', import.meta.url)).catch(() => null);
      return body ? { body, type: 'js' } : undefined;
    },
  };
}

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { browser: true, exportConditions: ['production', 'browser'] },
  concurrency: 1,
  testFramework: { config: { timeout: 20000 } },
  testsFinishTimeout: 10 * 60 * 1000,
  browserStartTimeout: 60000,
  plugins: [
    engineIoBrowser(),
    esbuildPlugin({ ts: true, tsconfig: './tsconfig.json', target: 'es2022' }),
    relayPlugin(),
    firebaseServerPlugin(),
    coturnPlugin(),
    backgroundNoModel(),
    noiseNoWasm(),
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
        headless: true,
        args: chromiumArgs,
      },
    }),
  ],
};
