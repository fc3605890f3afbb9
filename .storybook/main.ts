import type { StorybookConfig } from '@storybook/web-components-vite';

// `npm run storybook` (dev server on :6006) and `npm run build-storybook` (storybook-static/).
// No network is needed: telemetry is off and every story runs on the `local` transport with
// synthetic media (stories/support/).
const config: StorybookConfig = {
  stories: ['../stories/**/*.stories.ts'],
  addons: ['@storybook/addon-docs'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  core: { disableTelemetry: true, disableWhatsNewNotifications: true },
  // Vite's esbuild reads tsconfig.json, so the element's Lit decorators compile as they do in
  // the Rollup build (experimentalDecorators, useDefineForClassFields: false). engine.io-client's
  // "browser" field (Node transports → browser ones) is honoured by Vite's resolver; the
  // Storybook test checks the built preview never references the Node-only modules.
  async viteFinal(config) {
    return { ...config, logLevel: 'warn', build: { ...config.build, chunkSizeWarningLimit: 4096 } };
  },
};

export default config;
