/**
 * TURN, for real: Debian's coturn on loopback with `use-auth-secret`, credentials minted
 * by the relay's `mintIceServers` (the TURN REST API way), and real RTCPeerConnections in
 * Debian's Chromium with `iceTransportPolicy: 'relay'`, so the only way they can connect
 * is through coturn. Wrong or expired credentials are refused by coturn itself.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { mintIceServers, type RTCIceServerJson } from '../../server/turn.js';
import { startCoturn, type Coturn } from './coturn.js';
import { launchBrowser, startStaticServer } from './harness.js';

let turn: Coturn;
let browser: Browser;
let web: Awaited<ReturnType<typeof startStaticServer>>;
let page: Page;

before(async () => {
  [turn, browser, web] = await Promise.all([startCoturn(), launchBrowser(), startStaticServer()]);
  page = await browser.newPage();
  await page.goto(web.addPage('<!doctype html><title>turn</title>'));
});
after(async () => {
  await browser?.close();
  await Promise.all([turn?.close(), web?.close()]);
});

interface Gathered {
  types: string[];
  errors: number[];
}

/** The candidate types one relay-only RTCPeerConnection gathers with `iceServers`, and the TURN errors it saw. */
function gather(p: Page, iceServers: RTCIceServerJson[]): Promise<Gathered> {
  return p.evaluate(async (iceServers) => {
    const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: 'relay' });
    const types: string[] = [];
    const errors: number[] = [];
    pc.onicecandidateerror = (e) => errors.push((e as RTCPeerConnectionIceErrorEvent).errorCode);
    const done = new Promise<void>((resolve) => {
      pc.onicecandidate = ({ candidate }) => (candidate ? types.push(candidate.type ?? '') : resolve());
      setTimeout(resolve, 8000);
    });
    pc.createDataChannel('x');
    await pc.setLocalDescription();
    await done;
    pc.close();
    return { types, errors };
  }, iceServers);
}

test('credentials minted for a peer are accepted by coturn: a relay-only connection gathers relay candidates', async () => {
  const got = await gather(page, mintIceServers({ urls: turn.urls, secret: turn.secret }, 'peer-a'));
  assert.ok(got.types.length > 0 && got.types.every((t) => t === 'relay'), `relay candidates only, got ${JSON.stringify(got)}`);
});

test('two relay-only peer connections talk through coturn, and the selected route is relayed', { timeout: 30_000 }, async () => {
  const [a, b] = [
    mintIceServers({ urls: turn.urls, secret: turn.secret }, 'a'),
    mintIceServers({ urls: turn.urls, secret: turn.secret }, 'b'),
  ];
  const result = await page.evaluate(
    async ({ a, b }) => {
      const pa = new RTCPeerConnection({ iceServers: a, iceTransportPolicy: 'relay' });
      const pb = new RTCPeerConnection({ iceServers: b, iceTransportPolicy: 'relay' });
      pa.onicecandidate = ({ candidate }) => void pb.addIceCandidate(candidate ?? undefined);
      pb.onicecandidate = ({ candidate }) => void pa.addIceCandidate(candidate ?? undefined);
      const ca = pa.createDataChannel('chat', { negotiated: true, id: 0 });
      const cb = pb.createDataChannel('chat', { negotiated: true, id: 0 });
      const heard = new Promise<string>((resolve) => (cb.onmessage = (e) => resolve(String(e.data))));
      await pa.setLocalDescription();
      await pb.setRemoteDescription(pa.localDescription!);
      await pb.setLocalDescription();
      await pa.setRemoteDescription(pb.localDescription!);
      await new Promise<void>((resolve, reject) => {
        ca.onopen = () => resolve();
        setTimeout(() => reject(new Error(`not connected: ${pa.connectionState}/${pb.connectionState}`)), 20_000);
      });
      ca.send('hello through TURN');
      const text = await heard;
      const stats = await pa.getStats();
      let localType = '';
      stats.forEach((s) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = stats.get(s.selectedCandidatePairId);
          localType = stats.get(pair.localCandidateId)?.candidateType ?? '';
        }
      });
      pa.close();
      pb.close();
      return { text, localType };
    },
    { a, b },
  );
  assert.equal(result.text, 'hello through TURN');
  assert.equal(result.localType, 'relay');
});

test('credentials minted with the wrong secret are refused by coturn (401): no relay candidate', async () => {
  const got = await gather(page, mintIceServers({ urls: turn.urls, secret: 'not-the-secret' }, 'mallory'));
  assert.deepEqual(got.types, []);
  assert.ok(got.errors.includes(401), `a 401 from coturn, got ${JSON.stringify(got)}`);
});

test('expired credentials are refused by coturn: no relay candidate', async () => {
  const longAgo = Date.now() - 3 * 86_400_000;
  const got = await gather(page, mintIceServers({ urls: turn.urls, secret: turn.secret, ttlSeconds: 3600 }, 'late', longAgo));
  assert.deepEqual(got.types, []);
  assert.ok(got.errors.includes(401), `a 401 from coturn, got ${JSON.stringify(got)}`);
});
