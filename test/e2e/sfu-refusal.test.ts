/**
 * Issue 13, "refusals of unadmitted clients", through the element: a `<video-call
 * topology="sfu" transport="local" sfu-url=…>` page pointed at a Janus that wants signed tokens
 * (the relay's Janus, token_auth on), which the page does not have. Janus refuses it (403 on its
 * session): the user sees the refusal in the element's error message (`vc-error` `unauthorized`,
 * Janus's reason in it), once, the page stays in its call without crashing or flooding Janus
 * (with no relay to give fresh access, a refusal is not retried), no room is made on Janus and
 * no media flows to it, and leaving works.
 * Real Janus in the netns lab, real Chromium in the lab's other namespace. Needs root and janus.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser } from 'playwright-core';
import { JanusConnection } from '../../server/janus-client.js';
import { mintJanusToken, VIDEOROOM_PLUGIN } from '../../server/janus-tokens.js';
import { callPage, closeAll, events, launchBrowserIn, newPerson, room, selfId, startStaticServer, type Person } from './harness.js';
import { startJanus, type JanusLabServer } from './janus.js';
import { createLab, type Lab } from './netns.js';

let lab: Lab | undefined;
let janus: JanusLabServer | undefined;
let web: Awaited<ReturnType<typeof startStaticServer>> | undefined;
let browser: Browser | undefined;

before(async () => {
  lab = createLab(2);
  janus = await startJanus({ side: lab.sides[0] });
  web = await startStaticServer('0.0.0.0');
  browser = await launchBrowserIn(lab.sides[1], web.port);
});

after(async () => {
  await closeAll(
    () => browser?.close() ?? Promise.resolve(),
    () => web?.close() ?? Promise.resolve(),
  );
  await janus?.close();
  await lab?.teardown();
});

/** Whether VideoRoom room `id` exists on the Janus (through a session of our own, with a valid token). */
async function roomExists(id: string): Promise<boolean> {
  const c = await JanusConnection.open(janus!.url);
  try {
    const s = await c.createSession(mintJanusToken(janus!.tokenSecret, { ttlSeconds: 60 }));
    const h = await s.attach(VIDEOROOM_PLUGIN);
    return (await h.request({ request: 'exists', room: id })).exists === true;
  } finally {
    c.close();
  }
}

interface Shown {
  state?: string;
  topology?: string;
  error: { code: string | null; text: string; role: string | null; dismiss: string | null } | null;
  connected: number;
}

test(
  'sfu-url on a Janus that wants tokens, without any: the user is told it was refused, and the page neither crashes nor hangs',
  { timeout: 120_000 },
  async () => {
    const people: Person[] = [];
    const r = room('refusal');
    try {
      const ann = await newPerson(browser!, 'Ann');
      people.push(ann);
      const origin = `http://${lab!.sides[1].hostAddr}`;
      const attrs = `transport="local" sfu-url="${janus!.url}" topology="sfu"`;
      const logStart = janus!.log.length;
      await ann.page.goto(`${origin}:${web!.port}${web!.addPath(callPage({ relayUrl: '', room: r, name: 'Ann', attrs }))}`);
      await selfId(ann.page);
      const shown = () =>
        ann.page.evaluate((): Shown => {
          const el = document.querySelector('video-call') as HTMLElement & { state?: string; topology?: string };
          const err = el.shadowRoot!.querySelector('[part="error"]');
          const pcs = (window as unknown as { __vc: { pcs: RTCPeerConnection[] } }).__vc.pcs;
          return {
            state: el.state,
            topology: el.topology,
            error: err
              ? {
                  code: err.getAttribute('data-code'),
                  text: err.textContent!.replace(/\s+/g, ' ').trim(),
                  role: err.getAttribute('role'),
                  dismiss: err.querySelector('button[aria-label]')?.getAttribute('aria-label') ?? null,
                }
              : null,
            connected: pcs.filter((pc) => pc.connectionState === 'connected').length,
          };
        });
      let now = await shown();
      for (const end = Date.now() + 20_000; !now.error && Date.now() < end; now = await shown())
        await new Promise((res) => setTimeout(res, 200));
      const errors = await events(ann.page, 'vc-error');
      assert.equal(errors.length, 1, `one vc-error: ${JSON.stringify(errors)}`);
      const { code, message } = errors[0].detail as { code: string; message: string };
      assert.equal(code, 'unauthorized');
      assert.match(message, /^The media server refused to let this call in/, 'says it was refused (not "unreachable")');
      assert.match(message, /Janus error 403: Unauthorized request/, "and Janus's reason");
      assert.ok(now.error, 'the element shows it');
      assert.equal(now.error.text, message);
      assert.equal(now.error.role, 'alert', 'announced to screen readers');
      assert.ok(now.error.dismiss, 'and can be dismissed');

      // Twenty seconds on: still in the call, said once, no media to Janus, and no retry (nothing would change it).
      await new Promise((res) => setTimeout(res, 20_000));
      now = await shown();
      assert.equal(now.state, 'joined', 'the page is still in its call');
      assert.equal(now.topology, 'sfu');
      assert.equal(now.connected, 0, 'no media flows to or from Janus');
      assert.equal((await events(ann.page, 'vc-error')).length, 1, 'said once, not on every retry');
      const attempts = janus!.log.slice(logStart).filter((l) => /Destroying WebSocket client/.test(l)).length;
      assert.equal(attempts, 1, `a refusal is not retried without a relay to give fresh access (${attempts} connections in ~25 s)`);
      assert.equal(await roomExists(`vc-${r}`), false, 'no room was made on Janus');
      assert.deepEqual(ann.errors, [], 'no page errors');

      // Leaving works.
      const left = await ann.page.evaluate(async () => {
        const el = document.querySelector('video-call') as HTMLElement & { leave(): Promise<void>; state: string };
        const started = performance.now();
        await el.leave();
        return { state: el.state, ms: performance.now() - started };
      });
      assert.equal(left.state, 'idle');
      assert.ok(left.ms < 5000, `left in ${left.ms} ms`);
    } finally {
      await closeAll(...people.map((p) => () => p.context.close()));
    }
  },
);
