import { existsSync } from 'node:fs';
import type { StorybookConfig } from '@storybook/web-components-vite';

/** The built background effect (worker, runtime, model), served beside the preview for the background story. */
const backgroundDir = new URL('../dist/video-call-background/', import.meta.url).pathname;

// `npm run storybook` (dev server on :6006) and `npm run build-storybook` (storybook-static/).
// No network is needed: telemetry is off and every story runs on the `local` transport with
// synthetic media (stories/support/).
const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.ts'],
  addons: ['@storybook/addon-docs'],
  staticDirs: existsSync(backgroundDir) ? [{ from: '../dist/video-call-background', to: '/video-call-background' }] : [],
  framework: { name: '@storybook/web-components-vite', options: {} },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  // Vite's esbuild reads tsconfig.json, so the element's Lit decorators compile as they do in
  // the Rollup build (experimentalDecorators, useDefineForClassFields: false). engine.io-client's
  // "browser" field (Node transports → browser ones) is honoured by Vite's resolver; the
  // Storybook test checks the built preview never references the Node-only modules.
  //
  // One Lit, in production mode: Storybook's renderer, the stories and the element must share one
  // copy of lit / lit-html / @lit/reactive-element (dedupe), and Lit's "development" export
  // condition (its dev build warns "Lit is in dev mode", and a second copy warns "Multiple
  // versions of Lit loaded") is never picked, in `storybook dev` as in the build. The Storybook
  // test fails on either warning.
  async viteFinal(config) {
    const production = ['module', 'browser', 'production', 'import', 'default'];
    // Storybook's own Vite plugin adds Vite's default client conditions ('development|production',
    // which is 'development' under `storybook dev`), and Vite's merge appends them to these: a
    // last plugin sets the conditions for every environment, dev server and dependency optimizer
    // alike (checked: `storybook dev` then loads no Lit development build, and one Lit).
    const oneLit = {
      name: 'vc-production-lit',
      enforce: 'post' as const,
      config(c: { resolve?: { conditions?: string[] } }) {
        c.resolve = { ...c.resolve, conditions: production };
      },
      configEnvironment(_name: string, c: { resolve?: { conditions?: string[] } }) {
        c.resolve = { ...c.resolve, conditions: production };
      },
    };
    return {
      ...config,
      logLevel: 'warn',
      build: { ...config.build, chunkSizeWarningLimit: 4096 },
      plugins: [...(config.plugins ?? []), oneLit],
      resolve: {
        ...config.resolve,
        dedupe: [...(config.resolve?.dedupe ?? []), 'lit', 'lit-html', '@lit/reactive-element'],
        conditions: production,
      },
      optimizeDeps: { ...config.optimizeDeps, esbuildOptions: { ...config.optimizeDeps?.esbuildOptions, conditions: production } },
    };
  },
};

export default config;
