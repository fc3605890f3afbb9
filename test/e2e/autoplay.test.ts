// Browsers refuse unmuted autoplay on a page nobody has clicked, unless the page is capturing
// camera or mic. An `autojoin` embed whose visitor refused the camera is such a page: the
// element must still show the others (muted) and offer their sound.
//
// Ann's browser runs with desktop Chrome's policy, `document-user-activation-required`
// (headless Chromium applies none unless told), and without the fake permission prompt, so
// her context's refusal (grantPermissions([])) stands. Ann's page is only observed through
// console lines from a probe in the page: Playwright's page.evaluate runs with a user
// gesture, which would give the page the very activation this test is about.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import {
  CHROMIUM_ARGS,
  callPage,
  closeAll,
  launchBrowser,
  newPerson,
  room,
  selfId,
  startRelay,
  startStaticServer,
  type Person,
} from './harness.js';

let web: Awaited<ReturnType<typeof startStaticServer>>;
let relay: Awaited<ReturnType<typeof startRelay>>;
let strict: Browser;
let usual: Browser;

before(async () => {
  web = await startStaticServer();
  relay = await startRelay({ allowedOrigins: [web.origin] });
  strict = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS.filter((a) => !a.startsWith('--autoplay-policy')), '--autoplay-policy=document-user-activation-required'],
  });
  usual = await launchBrowser();
});
after(() =>
  closeAll(
    () => strict?.close(),
    () => usual?.close(),
    () => relay?.close(),
    () => web?.close(),
  ),
);

interface Probe {
  muted: boolean;
  paused: boolean;
  frames: number;
  banner: string;
  active: boolean;
}

/** Logs the remote video's state every 300 ms as `probe {json}`. */
const probeScript = `<script>
setInterval(() => {
  const root = document.querySelector('video-call')?.shadowRoot;
  const v = root?.querySelector('video[part="remote-video"]');
  if (!v) return;
  console.log('probe ' + JSON.stringify({ muted: v.muted, paused: v.paused, frames: v.getVideoPlaybackQuality().totalVideoFrames,
    banner: root.querySelector('.banner')?.textContent.trim() ?? '', active: navigator.userActivation.hasBeenActive }));
}, 300);
</script>`;

test(
  'an autojoin page nobody clicked (camera refused) shows the others muted; "Turn on sound" brings their sound',
  { timeout: 60_000 },
  async () => {
    const people: Person[] = [];
    try {
      const r = room('autoplay');
      const bob = await newPerson(usual, 'Bob');
      people.push(bob);
      await bob.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Bob' })));
      await selfId(bob.page);
      const ann = await newPerson(strict, 'Ann', (ctx) => ctx.grantPermissions([]));
      people.push(ann);
      const probes: Probe[] = [];
      ann.page.on('console', (m) => m.text().startsWith('probe ') && probes.push(JSON.parse(m.text().slice(6))));
      const until = async (what: string, ok: (p: Probe, before: Probe | undefined) => boolean, ms = 20_000) => {
        const deadline = Date.now() + ms;
        while (Date.now() < deadline) {
          const [before, last] = [probes.at(-4), probes.at(-1)];
          if (last && ok(last, before)) return last;
          await new Promise((res) => setTimeout(res, 200));
        }
        throw new Error(`${what}: last probes ${JSON.stringify(probes.slice(-3))}`);
      };
      await ann.page.goto(web.addPage(callPage({ relayUrl: relay.url, room: r, name: 'Ann', extraHead: probeScript })));

      // No click yet: Bob's video plays, muted, and the element says why and offers the sound.
      const muted = await until(
        'plays muted with a banner',
        (p, b) => p.muted && !p.paused && !!b && p.frames > b.frames && /sound/i.test(p.banner),
      );
      assert.equal(muted.active, false, 'nobody clicked the page');

      await ann.page.locator('video-call >> .banner button').click();
      await until(
        'plays with sound, banner gone',
        (p, b) => !p.muted && !p.paused && !!b && !b.muted && p.frames > b.frames && p.banner === '',
      );
      assert.deepEqual(ann.errors, []);
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }
  },
);
