/**
 * Issue 4 end to end, with the built bundle and the built relay in Debian's Chromium:
 * a call between two pages whose relays are two different relay instances joined
 * only through a real redis-server; the `token` attribute against a relay that
 * requires room grants; `room-full` shown by the element.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import {
  callPage,
  closeAll,
  launchBrowser,
  newPerson,
  room,
  selfId,
  startRelay,
  startStaticServer,
  waitForEvent,
  waitForLiveVideos,
  type Person,
  events,
} from './harness.js';
import { freePort } from '../support/net.js';

let browser: Browser;
let web: Awaited<ReturnType<typeof startStaticServer>>;
let redis: ChildProcess | undefined;
let redisUrl = '';

before(async () => {
  const port = await freePort();
  redis = spawn('/usr/bin/redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis!.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis!.on('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
  });
  redisUrl = `redis://127.0.0.1:${port}`;
  web = await startStaticServer();
  browser = await launchBrowser();
});

after(() =>
  closeAll(
    () => browser?.close(),
    () => web?.close(),
    async () => void redis?.kill('SIGKILL'),
  ),
);

async function open(name: string, url: string, people: Person[]): Promise<Person> {
  const person = await newPerson(browser, name);
  people.push(person);
  await person.page.goto(url);
  return person;
}

test('two pages on two relay instances, joined only through Redis, call each other with live video', { timeout: 60_000 }, async () => {
  const one = await startRelay({ redisUrl, allowedOrigins: [web.origin] });
  const two = await startRelay({ redisUrl, allowedOrigins: [web.origin] });
  const people: Person[] = [];
  try {
    assert.notEqual(one.url, two.url);
    const r = room('redis');
    const ann = await open('Ann', web.addPage(callPage({ relayUrl: one.url, room: r, name: 'Ann' })), people);
    const annId = await selfId(ann.page);
    const bob = await open('Bob', web.addPage(callPage({ relayUrl: two.url, room: r, name: 'Bob' })), people);
    const bobId = await selfId(bob.page);
    await waitForEvent(ann.page, 'vc-peer-joined', { peerId: bobId, name: 'Bob' });
    await waitForLiveVideos(ann.page, [bobId]);
    await waitForLiveVideos(bob.page, [annId]);
    // Bob's relay goes away for good. Ann's relay hears of it through Redis, but the call
    // itself is peer to peer and still alive: it goes on, and Bob stays in Ann's call.
    await two.close();
    await new Promise((r) => setTimeout(r, 4000));
    await waitForLiveVideos(ann.page, [bobId]);
    assert.deepEqual((await events(ann.page, 'vc-peer-left')).length, 0, 'Ann was not told Bob left');
    // When Bob really goes (closes his tab), Ann is told at once, relay or not.
    await bob.page.close();
    await waitForEvent(ann.page, 'vc-peer-left', { peerId: bobId }, { timeout: 5000 });
    for (const p of people) assert.deepEqual(p.errors, [], `${p.name}: no page errors`);
  } finally {
    await closeAll(
      ...people.map((p) => () => p.context.close()),
      () => one.close(),
      () => two.close(),
    );
  }
});

test('the token attribute: a grant for the room joins; a forged one shows unauthorized', { timeout: 60_000 }, async () => {
  const secret = 'e2e-secret';
  const relay = await startRelay({ secret });
  const people: Person[] = [];
  const mint = (roomName: string, key = secret) =>
    new SignJWT({ room: roomName }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(key));
  try {
    const r = room('vip');
    const good = await open(
      'Gus',
      web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Gus', attrs: `token="${await mint(r)}"` })),
      people,
    );
    await selfId(good.page);
    const bad = await open(
      'Fay',
      web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Fay', attrs: `token="${await mint(r, 'forged')}"` })),
      people,
    );
    const err = await waitForEvent<{ code: string; message: string }>(bad.page, 'vc-error', { code: 'unauthorized' });
    const shown = await bad.page.locator('video-call >> [part~="error"]').textContent();
    assert.ok(shown?.includes(err.detail.message), `the element shows "${err.detail.message}" (shows "${shown}")`);
  } finally {
    await closeAll(...people.map((p) => () => p.context.close()), () => relay.close());
  }
});

test('MAX_PEERS_PER_ROOM: the next joiner sees room-full in the element', { timeout: 60_000 }, async () => {
  const relay = await startRelay({ maxPeersPerRoom: 1 });
  const people: Person[] = [];
  try {
    const r = room('full');
    const first = await open('Ida', web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Ida' })), people);
    await selfId(first.page);
    const second = await open('Jo', web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Jo' })), people);
    await waitForEvent(second.page, 'vc-error', { code: 'room-full' });
    const code = await second.page.locator('video-call >> [part~="error"]').getAttribute('data-code');
    assert.equal(code, 'room-full');
  } finally {
    await closeAll(...people.map((p) => () => p.context.close()), () => relay.close());
  }
});
