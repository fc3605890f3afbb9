declare module '/__test-env.js' {
  /** URL of the relay the test run started. */
  export const RELAY_URL: string;
}
