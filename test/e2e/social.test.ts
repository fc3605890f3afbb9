/**
 * The call's extras as a script-tag page gets them: `dist/video-call.js` fetches
 * `dist/video-call-extras.js` beside it when the call starts, and its buttons, panel, hands and
 * reactions work with the bundle's Lit and strings (German here, to see the strings are the
 * element's). Two pages, the built relay, one Chromium context per person.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callPage, closeAll, newPerson, room, selfId, useStage, waitForEvent, type Person } from './harness.js';

const stage = useStage();

for (const script of ['classic', 'module'] as const) {
  test(
    `${script} script: the extras chunk loads on joining; a raised hand and a reaction reach the other page`,
    { timeout: 60_000 },
    async () => {
      const people: Person[] = [];
      try {
        const r = room(`social-${script}`);
        const open = async (name: string) => {
          const person = await newPerson(stage.browser, name);
          people.push(person);
          await person.page.goto(stage.web.addPage(callPage({ script, relayUrl: stage.relay.url, room: r, name, attrs: 'lang="de"' })));
          return { person, page: person.page, id: await selfId(person.page) };
        };
        const a = await open('Ann');
        const b = await open('Bob');
        assert.ok(stage.web.requests.includes('/dist/video-call-extras.js'), 'the extras chunk came from beside the bundle');
        await waitForEvent(a.page, 'vc-peer-connected', { peerId: b.id });
        await waitForEvent(b.page, 'vc-peer-connected', { peerId: a.id });
        // Ann raises her hand with the button (labelled in German).
        const hand = a.page.locator('video-call [data-control="hand"]');
        await hand.waitFor();
        assert.equal(await hand.getAttribute('aria-label'), 'Hand heben');
        await hand.click();
        await b.page.locator(`video-call [part~="remote-tile"][data-peer-id="${a.id}"][data-hand] .hand`).waitFor();
        // Bob's participants panel shows it.
        await b.page.locator('video-call [data-control="participants"]').click();
        const row = b.page.locator(`video-call [part="participants"] li[data-peer-id="${a.id}"]`);
        await row.locator('.hand').waitFor();
        assert.match(await b.page.locator('video-call [part="participants"] h2').innerText(), /^Teilnehmer \(2\)$/);
        // A reaction floats over Ann's tile on Bob's page, animated by the chunk's styles.
        await a.page.locator('video-call [data-control="reactions"]').click();
        await a.page.locator('video-call .reaction-bar button', { hasText: '👏' }).click();
        const float = b.page.locator(`video-call [data-peer-id="${a.id}"] .reactions span`);
        await float.waitFor();
        assert.equal(await float.evaluate((el) => getComputedStyle(el).animationName), 'vc-float');
        await float.waitFor({ state: 'detached', timeout: 6000 });
      } finally {
        await closeAll(...people.map((p) => () => p.context.close()));
      }
    },
  );
}
