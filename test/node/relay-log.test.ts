/**
 * Log injection: client strings (room names, origins) in the relay's log lines
 * can neither break a line (newlines, U+2028, U+2029, U+0085) nor disguise it
 * (bidi controls such as U+202E, zero-width characters, C0/C1 controls): every
 * line is escaped, with those characters written as `\uXXXX`.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, afterEach, before, describe, it } from 'node:test';
import { escapeLogLine, quote } from '../../server/log.js';
import { connect, disconnectAll, join, request, sleep, startRelay, type TestRelay } from './relay-helpers.js';

let r: TestRelay;
let guarded: TestRelay;

before(async () => {
  r = await startRelay();
  guarded = await startRelay({ allowedOrigins: ['https://ok.example'] });
});

after(async () => {
  disconnectAll();
  await r.close();
  await guarded.close();
});

afterEach(() => disconnectAll());

/** Characters that must never reach a log line raw. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]/;

function assertClean(lines: string[]): void {
  for (const line of lines) assert.doesNotMatch(line, UNSAFE, JSON.stringify(line));
}

describe('log lines', () => {
  it('escape U+2028, U+2029, bidi and zero-width characters of room names (relay and seed protocols)', async () => {
    const room = 'a\u2028b\u2029c\u202ed\u2066e\u200ff\u061cg\ufeffh\u200bi';
    const a = await connect(r.url);
    const ack = await join(a, room, 'A\u202e');
    assert.equal(ack.ok, true, 'such a room is allowed');
    await request(a, 'leave', { room });
    await request(a, 'join-room', room);
    a.disconnect();
    await sleep(100);
    const lines = r.logs.filter((l) => l.includes('room="a'));
    assert.equal(lines.length, 4, r.logs.join('\n'));
    assertClean(lines);
    assert.equal(lines[0], `join room="a\\u2028b\\u2029c\\u202ed\\u2066e\\u200ff\\u061cg\\ufeffh\\u200bi" id=${ack.selfId} peers=0`);
    for (const line of lines) assert.ok(line.includes('\\u2028b\\u2029c\\u202ed'), line);
  });

  it('escape C1 controls and line breaks of a refused Origin header', async () => {
    // Header bytes are read as latin1: 0x85 is U+0085 (NEL), and UTF-8 U+2028 (e2 80 a8) gives U+0080 among others.
    const origin = Buffer.concat([
      Buffer.from('https://evil.example/'),
      Buffer.from([0x85, 0x9b]),
      Buffer.from('\u2028\u202e', 'utf8'),
      Buffer.from('x'),
    ]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${guarded.url}/socket.io/?EIO=4&transport=polling`,
        { headers: { Origin: origin.toString('latin1') } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
    const lines = guarded.logs.filter((l) => l.includes('evil.example'));
    assert.equal(lines.length, 1, guarded.logs.join('\n'));
    assertClean(lines);
    assert.match(lines[0]!, /origin "https:\/\/evil\.example\/\\u0085\\u009b.*x" not allowed/);
  });

  it('escapeLogLine: every unsafe character as \\uXXXX, lone surrogates too; the rest untouched', () => {
    assert.equal(escapeLogLine('ok é 日本 😀 "q" \\'), 'ok é 日本 😀 "q" \\');
    assert.equal(escapeLogLine('a\nb\rc\u0000d\u001be\u007ff\u0085g\u009fh'), 'a\\u000ab\\u000dc\\u0000d\\u001be\\u007ff\\u0085g\\u009fh');
    assert.equal(
      escapeLogLine('\u2028\u2029\u202a\u202e\u2066\u2069\u200e\u200f\u061c\u200b\ufeff'),
      '\\u2028\\u2029\\u202a\\u202e\\u2066\\u2069\\u200e\\u200f\\u061c\\u200b\\ufeff',
    );
    assert.equal(escapeLogLine('x\ud800y\udc00z'), 'x\\ud800y\\udc00z');
    assert.equal(quote('r\u202eoom'), '"r\\u202eoom"');
  });
});
