// Settings of the test run, served by the relay plugin of web-test-runner.config.js as the
// virtual module /__test-env.js. (Imported through a variable: TypeScript cannot declare
// the types of a module named by an absolute path.)
const envModule = '/__test-env.js';
const env = (await import(/* @vite-ignore */ envModule)) as { RELAY_URL: string };

/** URL of the relay the test run started. */
export const RELAY_URL = env.RELAY_URL;
