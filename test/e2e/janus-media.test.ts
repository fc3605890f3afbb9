/**
 * Issue 13: media really flows through Janus. Three network namespaces of the lab: Janus in
 * the first (test/e2e/janus.ts), Chromium in the other two. The relay module
 * (server/janus-rooms.ts) creates the room and hands each browser what an admitted peer gets;
 * the first page publishes its fake camera to Janus (VideoRoom, as a publisher), the second
 * subscribes to that feed and decodes frames, and both pages' ICE pairs end at Janus's address
 * (the browsers never talk to each other). The pages speak Janus's WebSocket API directly (no
 * element yet: the element's SFU mode is planned). Needs root (namespaces) and janus.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { JanusRooms, type SfuAccess } from '../../server/janus-rooms.js';
import { closeAll, launchBrowserIn, startStaticServer } from './harness.js';
import { startJanus, type JanusLabServer } from './janus.js';
import { createLab, type Lab } from './netns.js';

let lab: Lab | undefined;
let janus: JanusLabServer | undefined;
let web: Awaited<ReturnType<typeof startStaticServer>> | undefined;
const browsers: Browser[] = [];

/** A page with a minimal Janus VideoRoom client (window.vr.publish / window.vr.subscribe). */
const PAGE = `<!doctype html><meta charset="utf-8"><title>janus media</title><video id="v" autoplay muted playsinline></video>
<script>
window.vr = (() => {
  const log = (window.vrLog = []);
  function connect(access) {
    const ws = new WebSocket(access.url, 'janus-protocol');
    const pending = new Map();
    let n = 0;
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      log.push(m.janus + ' ' + JSON.stringify(m.plugindata?.data ?? m.error ?? ''));
      const p = pending.get(m.transaction);
      if (!p || (m.janus === 'ack' && p.async)) return;
      pending.delete(m.transaction);
      if (m.janus === 'error') p.reject(new Error('janus ' + m.error.code + ' ' + m.error.reason));
      else if (m.plugindata?.data?.error_code) p.reject(new Error('videoroom ' + m.plugindata.data.error_code + ' ' + m.plugindata.data.error));
      else p.resolve(m);
    };
    const opened = new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error('ws error')); });
    const ctx = { session: 0, handle: 0 };
    const send = async (body, async = false) => {
      await opened;
      const transaction = 't' + ++n;
      const full = { ...body, transaction, token: access.token };
      if (ctx.session) full.session_id = ctx.session;
      return new Promise((resolve, reject) => { pending.set(transaction, { resolve, reject, async }); ws.send(JSON.stringify(full)); });
    };
    const setup = async () => {
      ctx.session = (await send({ janus: 'create' })).data.id;
      ctx.handle = (await send({ janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id;
      setInterval(() => send({ janus: 'keepalive' }).catch(() => {}), 15000);
    };
    const message = (body, jsep) => send({ janus: 'message', handle_id: ctx.handle, body, ...(jsep ? { jsep } : {}) }, true);
    const trickleDone = () => send({ janus: 'trickle', handle_id: ctx.handle, candidate: { completed: true } });
    return { setup, message, trickleDone };
  }
  const gathered = (pc) => new Promise((res) => {
    if (pc.iceGatheringState === 'complete') return res();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && res());
  });
  const pcs = (window.vrPcs = []);
  async function publish(access, display) {
    const j = connect(access);
    await j.setup();
    const joined = await j.message({ request: 'join', ptype: 'publisher', room: access.room, pin: access.pin, token: access.roomToken, display });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
    const pc = new RTCPeerConnection();
    pcs.push(pc);
    for (const t of stream.getTracks()) pc.addTransceiver(t, { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await j.message({ request: 'configure', audio: false, video: true }, pc.localDescription.toJSON());
    await j.trickleDone();
    await pc.setRemoteDescription(answer.jsep);
    // Janus lists the feed for subscribers only once its media is up: wait for the connection.
    await new Promise((res) => {
      if (pc.connectionState === 'connected') return res();
      pc.addEventListener('connectionstatechange', () => pc.connectionState === 'connected' && res());
    });
    return joined.plugindata.data.id;
  }
  async function subscribe(access, feed) {
    const j = connect(access);
    await j.setup();
    // Even connected, the publisher's feed can take a moment to be offered (428 No such feed): retry briefly.
    let attached;
    for (let i = 0; ; i++) {
      try {
        attached = await j.message({ request: 'join', ptype: 'subscriber', room: access.room, pin: access.pin, token: access.roomToken, streams: [{ feed }] });
        break;
      } catch (e) {
        if (i >= 20 || !String(e.message).startsWith('videoroom 428')) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    const pc = new RTCPeerConnection();
    pcs.push(pc);
    pc.ontrack = (e) => { document.getElementById('v').srcObject = new MediaStream([e.track]); };
    await pc.setRemoteDescription(attached.jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    await j.message({ request: 'start' }, pc.localDescription.toJSON());
    await j.trickleDone();
  }
  /** What the page's peer connections do: frames, bytes, the remote address of the pair in use. */
  async function stats() {
    const out = [];
    for (const pc of pcs) {
      const s = await pc.getStats();
      const o = { state: pc.connectionState, framesDecoded: 0, bytesSent: 0, remote: '', local: '' };
      s.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') o.framesDecoded += r.framesDecoded ?? 0;
        if (r.type === 'outbound-rtp' && r.kind === 'video') o.bytesSent += r.bytesSent ?? 0;
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') {
          o.remote = s.get(r.remoteCandidateId)?.address ?? '';
          o.local = s.get(r.localCandidateId)?.address ?? '';
        }
      });
      out.push(o);
    }
    return out;
  }
  return { publish, subscribe, stats };
})();
</script>`;

before(async () => {
  lab = createLab(3);
  janus = await startJanus({ side: lab.sides[0] });
  web = await startStaticServer('0.0.0.0');
  for (const side of lab.sides.slice(1)) {
    browsers.push(await launchBrowserIn(side, web.port));
  }
});

after(async () => {
  await closeAll(...browsers.map((b) => () => b.close()), () => web?.close() ?? Promise.resolve());
  await janus?.close();
  await lab?.teardown();
});

async function open(i: number): Promise<Page> {
  const side = lab!.sides[i + 1];
  const page = await (await browsers[i].newContext()).newPage();
  await page.goto(`http://${side.hostAddr}:${web!.port}${web!.addPath(PAGE)}`);
  return page;
}

type Stats = { state: string; framesDecoded: number; bytesSent: number; remote: string; local: string }[];

test(
  "a publisher's fake camera reaches a subscriber through Janus (frames decoded; both ICE pairs end at Janus, not at the other browser)",
  { timeout: 90_000 },
  async (t) => {
    const rooms = new JanusRooms({ urls: [janus!.url], adminKey: janus!.adminKey, tokenSecret: janus!.tokenSecret });
    const name = `media-${Date.now().toString(36)}`;
    const ann: SfuAccess = await rooms.admit(name, { maxPeers: 4 });
    const bob: SfuAccess = await rooms.admit(name, { maxPeers: 4 });
    const [pa, pb] = [await open(0), await open(1)];
    try {
      const feed = await pa.evaluate(
        ([a]) => (window as unknown as { vr: { publish(a: unknown, d: string): Promise<unknown> } }).vr.publish(a, 'Ann'),
        [ann] as const,
      );
      await pb.evaluate(
        ([b, f]) => (window as unknown as { vr: { subscribe(a: unknown, f: unknown): Promise<void> } }).vr.subscribe(b, f),
        [bob, feed] as const,
      );
      const stats = (p: Page) => p.evaluate(() => (window as unknown as { vr: { stats(): Promise<Stats> } }).vr.stats());
      let sub: Stats = [];
      for (let i = 0; i < 60; i++) {
        sub = await stats(pb);
        if (sub[0]?.framesDecoded > 30) break;
        await pb.waitForTimeout(500);
      }
      const pub = await stats(pa);
      const logs = async () =>
        JSON.stringify({
          pub,
          sub,
          annLog: await pa.evaluate(() => (window as unknown as { vrLog: string[] }).vrLog),
          janus: janus!.log.slice(-30),
        });
      t.diagnostic(`publisher ${JSON.stringify(pub)}; subscriber ${JSON.stringify(sub)}`);
      assert.ok(sub[0]?.framesDecoded > 30, `the subscriber decodes the publisher's video: ${await logs()}`);
      assert.ok(pub[0].bytesSent > 10_000, `the publisher sends: ${await logs()}`);
      assert.deepEqual(
        [pub[0].remote, sub[0].remote],
        [janus!.host, janus!.host],
        `both connect to Janus at ${janus!.host}: ${await logs()}`,
      );
      assert.deepEqual([pub[0].local, sub[0].local], [lab!.sides[1].addr, lab!.sides[2].addr], 'from their own namespaces');
    } finally {
      await closeAll(
        () => pa.context().close(),
        () => pb.context().close(),
      );
      await rooms.release(name).catch(() => {});
    }
  },
);
