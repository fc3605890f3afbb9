/**
 * The script-tag bundle stays within its budget: dist/video-call.js at most 48 KiB min+gzip
 * (gzip level 9, as `gzip -9c dist/video-call.js | wc -c` counts it). Reads the built file
 * (`npm test` builds before test:node); the on-demand files (languages, Firebase) do not count.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 48 * 1024;
const file = fileURLToPath(new URL('../../dist/video-call.js', import.meta.url));

/** gzip -9's count (the team's measure); Node's zlib at level 9 where there is no gzip (it counts a little more). */
function gzipBytes(buf: Buffer): number {
  try {
    return execFileSync('gzip', ['-9c'], { input: buf, maxBuffer: 16 << 20 }).length;
  } catch {
    return gzipSync(buf, { level: 9 }).length;
  }
}

test('dist/video-call.js is within 48 KiB min+gzip', () => {
  assert.ok(existsSync(file), 'dist/video-call.js is missing: run npm run build first');
  const bytes = gzipBytes(readFileSync(file));
  assert.ok(
    bytes <= BUDGET,
    `dist/video-call.js is ${bytes} bytes min+gzip, over the ${BUDGET}-byte (48 KiB) budget by ${bytes - BUDGET}: ` +
      'move what only some pages use into a chunk fetched on first use (see docs/i18n.md, the Firebase loader)',
  );
  console.log(`dist/video-call.js: ${bytes} bytes min+gzip (${BUDGET - bytes} left of 48 KiB)`);
});
