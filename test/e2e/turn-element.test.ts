/**
 * `<video-call ice-transport-policy="relay">` end to end: the built bundle by a script tag,
 * the built relay minting TURN credentials into the join ack (createRelay({turn})), and a real
 * coturn (Debian's) checking them. Relay-only means the only way two pages can connect is
 * through coturn; without any TURN server the element says at once that nobody can connect.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startCoturn, type Coturn } from './coturn.js';
import {
  callPage,
  closeAll,
  events,
  launchBrowser,
  newPerson,
  room,
  selfId,
  startRelay,
  startStaticServer,
  waitForEvent,
  waitForLiveVideos,
  type Person,
} from './harness.js';

let turn: Coturn;
let browser: Browser;
let web: Awaited<ReturnType<typeof startStaticServer>>;
/** Hands out TURN credentials for `turn` (TURN_URLS / TURN_SECRET). */
let relay: Awaited<ReturnType<typeof startRelay>>;
/** No TURN configured. */
let bare: Awaited<ReturnType<typeof startRelay>>;

before(async () => {
  [turn, browser, web] = await Promise.all([startCoturn(), launchBrowser(), startStaticServer()]);
  relay = await startRelay({ allowedOrigins: [web.origin], turn: { urls: turn.urls, secret: turn.secret } });
  bare = await startRelay({ allowedOrigins: [web.origin] });
});
after(() =>
  closeAll(
    () => browser?.close(),
    () => relay?.close(),
    () => bare?.close(),
    () => web?.close(),
    () => turn?.close(),
  ),
);

async function open(people: Person[], name: string, relayUrl: string, r: string): Promise<{ person: Person; id: string }> {
  const person = await newPerson(browser, name);
  people.push(person);
  await person.page.goto(web.addPage(callPage({ relayUrl, room: r, name, attrs: 'ice-transport-policy="relay"' })));
  return { person, id: await selfId(person.page) };
}

test(
  "relay-only: two pages call each other through coturn with the relay's minted credentials; live video both ways, getStats() relayed",
  { timeout: 60_000 },
  async () => {
    const people: Person[] = [];
    try {
      const r = room('turn-el');
      const a = await open(people, 'Ann', relay.url, r);
      const b = await open(people, 'Bob', relay.url, r);
      await waitForEvent(a.person.page, 'vc-peer-connected', { peerId: b.id });
      await waitForEvent(b.person.page, 'vc-peer-connected', { peerId: a.id });
      await waitForLiveVideos(a.person.page, [b.id]);
      await waitForLiveVideos(b.person.page, [a.id]);
      // The pages' own ice-servers are [] and the policy is relay: the only way is the TURN server
      // whose credentials the relay minted (coturn checks them against its static-auth-secret).
      for (const p of [a, b]) {
        const info = await p.person.page.evaluate(async () => {
          const el = document.querySelector('video-call')!;
          return { policy: el.getAttribute('ice-transport-policy'), stats: await el.getStats() };
        });
        assert.equal(info.policy, 'relay');
        assert.equal(info.stats.length, 1, `${p.person.name}: one peer`);
        assert.equal(info.stats[0].relayed, true, `${p.person.name}: the route goes through TURN: ${JSON.stringify(info.stats)}`);
        assert.deepEqual(await events(p.person.page, 'vc-error'), [], `${p.person.name}: no errors`);
        assert.deepEqual(p.person.errors, [], `${p.person.name}: no page errors`);
      }
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }
  },
);

test(
  'relay-only without any TURN server: vc-error ice-failed at once ("no TURN server"), shown on the page, and the tile says so',
  { timeout: 40_000 },
  async () => {
    const people: Person[] = [];
    try {
      const r = room('noturn-el');
      const a = await open(people, 'Ann', bare.url, r);
      const joined = (await events(a.person.page, 'vc-joined'))[0];
      const failed = await waitForEvent<{ code: string; message: string }>(a.person.page, 'vc-error', { code: 'ice-failed' }, 3000);
      assert.ok(failed.at - joined.at < 1000, `at once: ${Math.round(failed.at - joined.at)} ms after joining`);
      assert.match(failed.detail.message, /No TURN server is configured/);
      assert.match(failed.detail.message, /TURN_URLS/);
      const shown = await a.person.page.locator('video-call >> [part="error"]').textContent();
      assert.match(shown ?? '', /No TURN server is configured/);
      const b = await open(people, 'Bob', bare.url, r);
      const tile = a.person.page.locator(`video-call >> figure[data-peer-id="${b.id}"] .status`);
      await tile.waitFor({ timeout: 5000 });
      assert.equal(
        (await tile.textContent())?.trim(),
        "Can't connect to this person. Their network or yours may be blocking calls. Still trying…",
      );
      const peers = await a.person.page.evaluate(() => document.querySelector('video-call')!.peers);
      assert.equal(peers[0].problem, 'ice-failed');
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }
  },
);
