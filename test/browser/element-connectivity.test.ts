// <video-call> connectivity (issue 12) in real Chromium: the ice-transport-policy attribute,
// a tile whose connection cannot be made, an ice-failed banner that goes once a real coturn
// (turn-env.ts) lets the call up, and failures in plain words with a Retry that leave nothing
// reconnecting in the background.
import { expect } from '@open-wc/testing';
import type { VideoCall } from '../../src/video-call.js';
import type { Transport } from '../../src/transports/transport.js';

// Every connection attempt the page makes (WebSocket or long-polling request), by URL. Patched
// before socket.io's client loads: engine.io-client takes the WebSocket constructor at load time.
const attempts: string[] = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols);
    attempts.push(String(url));
  }
} as typeof WebSocket;
const nativeOpen = XMLHttpRequest.prototype.open;
XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
  attempts.push(String(url));
  return (nativeOpen as (...a: unknown[]) => void).call(this, method, url, ...rest);
} as typeof XMLHttpRequest.prototype.open;

const { RELAY_URL } = await import('./test-env.js');
const { addCall, eventWithin, removeAllCalls, shadow, sleep, uniqueRoom, waitUntil } = await import('./helpers.js');
const { sendKeys } = await import('@web/test-runner-commands');
const { registerTransport } = await import('../../src/transports/registry.js');
const { createSocketIoTransport } = await import('../../src/transports/socket-io.js');
const { VideoCallError } = await import('../../src/errors.js');
const { GOOD, WRONG, ServerIceTransport, requireCoturn } = await import('./turn-env.js');

/** A port nothing listens on (and that Chromium does not block as unsafe). */
const DEAD = 'http://127.0.0.1:2';
const deadAttempts = () => attempts.filter((u) => u.includes('127.0.0.1:2/')).length;

const base = { server: RELAY_URL, 'ice-servers': '[]' };
const banner = (el: VideoCall) => shadow(el).querySelector<HTMLElement>('[part="error"]');
const retryButton = (el: VideoCall) => shadow(el).querySelector<HTMLButtonElement>('[part="error"] button.retry');

/** The transports the `spy` transport name made, as the element asked for them (socket.io to the test relay). */
const made: { transport: Transport; closed: boolean }[] = [];
registerTransport('spy', (o) => {
  const transport = createSocketIoTransport({ server: o.server });
  const entry = { transport, closed: false };
  const close = transport.close.bind(transport);
  transport.close = () => {
    entry.closed = true;
    close();
  };
  made.push(entry);
  return transport;
});

describe('<video-call> connectivity', function () {
  this.timeout(40000);
  afterEach(removeAllCalls);

  it('ice-transport-policy: all by default, reflects; relay accepted; anything else is bad-config with the exact message', async () => {
    const el = addCall({ ...base, room: uniqueRoom() });
    await el.updateComplete;
    expect(el.iceTransportPolicy).to.equal('all');
    expect(el.getAttribute('ice-transport-policy')).to.equal('all');
    el.iceTransportPolicy = 'relay';
    await el.updateComplete;
    expect(el.getAttribute('ice-transport-policy')).to.equal('relay');
    expect(banner(el)).to.equal(null);

    const err = eventWithin<{ code: string; message: string }>(el, 'vc-error');
    el.setAttribute('ice-transport-policy', 'never');
    const { detail } = await err;
    expect(detail.code).to.equal('bad-config');
    expect(detail.message).to.equal('The ice-transport-policy attribute must be "all" or "relay", not "never".');
    await el.updateComplete;
    expect(banner(el)!.textContent).to.contain('not "never"');
    expect(el.state).to.equal('error');

    // Empty or absent is `all`: the error goes.
    el.setAttribute('ice-transport-policy', '');
    await el.updateComplete;
    expect(banner(el)).to.equal(null);
    el.removeAttribute('ice-transport-policy');
    await el.updateComplete;
    expect(banner(el)).to.equal(null);
    expect(el.state).to.equal('idle');
  });

  it('relay-only without TURN: ice-failed at once, the peer carries problem, and its tile says so in plain words', async () => {
    const room = uniqueRoom();
    const a = addCall({ ...base, room, name: 'Ada', autojoin: true, 'ice-transport-policy': 'relay' });
    const failed = await eventWithin<{ code: string; message: string }>(a, 'vc-error');
    expect(failed.detail.code).to.equal('ice-failed');
    expect(failed.detail.message).to.contain('No TURN server is configured');
    const b = addCall({ ...base, room, name: 'Bob', autojoin: true, 'ice-transport-policy': 'relay' });
    await eventWithin(b, 'vc-joined');
    await waitUntil(
      () => a.peers.length === 1 && a.peers[0].problem === 'ice-failed',
      `Ada's peer has no problem: ${JSON.stringify(a.peers)}`,
    );
    await a.updateComplete;
    const status = shadow(a).querySelector<HTMLElement>(`figure[data-peer-id="${a.peers[0].id}"] .status`)!;
    expect(status.getAttribute('role')).to.equal('status');
    expect(status.classList.contains('problem')).to.equal(true);
    expect(status.textContent).to.equal("Can't connect to this person. Their network or yours may be blocking calls. Still trying…");
    // The banner keeps the embedder's fix (what to configure).
    expect(banner(a)!.dataset.code).to.equal('ice-failed');
  });

  it('an ice-failed banner goes by itself once everyone is connected again (a re-join with TURN credentials that work)', async function () {
    this.timeout(60000);
    requireCoturn();
    // Relay-only through a real coturn, with credentials it refuses: nothing connects in 15 s.
    const room = uniqueRoom();
    const [tA, tB] = [new ServerIceTransport(WRONG), new ServerIceTransport(WRONG)];
    try {
      const a = addCall({ ...base, name: 'Ada', 'ice-transport-policy': 'relay' });
      const b = addCall({ ...base, name: 'Bob', 'ice-transport-policy': 'relay' });
      Object.assign(a, { room, transport: tA });
      Object.assign(b, { room, transport: tB });
      const joined = [a, b].map((el) => eventWithin<{ selfId: string }>(el, 'vc-joined'));
      await a.join();
      await b.join();
      const [idA, idB] = (await Promise.all(joined)).map((e) => e.detail.selfId);
      const failed = await eventWithin<{ code: string }>(a, 'vc-error', 25_000);
      expect(failed.detail.code).to.equal('ice-failed');
      await a.updateComplete;
      expect(banner(a)!.dataset.code).to.equal('ice-failed');
      // The relay restarted: its re-join hands out credentials coturn accepts; the call comes up.
      tA.rejoin(GOOD, [{ id: idB, name: 'Bob' }]);
      tB.rejoin(GOOD, [{ id: idA, name: 'Ada' }]);
      await waitUntil(() => a.peers[0]?.connectionState === 'connected' && !a.peers[0].problem, 'never connected again', {
        timeout: 25_000,
      });
      await a.updateComplete;
      expect(banner(a)?.textContent?.trim() ?? null, 'the ice-failed banner is still shown with everyone connected').to.equal(null);
    } finally {
      tA.close();
      tB.close();
    }
  });

  it('an unreachable relay: the banner names it in plain words with a Retry button; nothing tries again until Retry, which does', async () => {
    const el = addCall({ server: DEAD, room: uniqueRoom(), autojoin: true });
    const { detail } = await eventWithin<{ code: string; message: string }>(el, 'vc-error');
    expect(detail.code).to.equal('transport');
    expect(detail.message).to.equal('Cannot reach the call server 127.0.0.1:2. Check the internet connection, or try again later.');
    await el.updateComplete;
    expect(el.state).to.equal('error');
    expect(banner(el)!.textContent).to.contain('Cannot reach the call server 127.0.0.1:2');
    const retry = retryButton(el)!;
    expect(retry, 'a Retry button').to.exist;
    expect(retry.tagName).to.equal('BUTTON');
    expect(retry.textContent!.trim()).to.equal('Retry');
    expect(retry.disabled).to.equal(false);

    // Nothing reconnects in the background (socket.io would try again after 1 s, 2 s …).
    const after = deadAttempts();
    expect(after, 'the join tried to connect').to.be.greaterThan(0);
    await sleep(4000);
    expect(deadAttempts(), 'connection attempts after the failed join').to.equal(after);

    // Keyboard: Tab reaches Retry (with a visible focus ring), Enter retries.
    retry.blur();
    shadow(el).querySelector<HTMLElement>('[part="error"] span')!.tabIndex = -1;
    shadow(el).querySelector<HTMLElement>('[part="error"] span')!.focus();
    await sendKeys({ press: 'Tab' });
    expect(shadow(el).activeElement).to.equal(retry);
    expect(retry.matches(':focus-visible')).to.equal(true);
    expect(getComputedStyle(retry).outlineStyle).to.equal('solid');
    const again = eventWithin<{ code: string }>(el, 'vc-error');
    await sendKeys({ press: 'Enter' });
    expect((await again).detail.code).to.equal('transport');
    expect(deadAttempts(), 'Retry tries again').to.be.greaterThan(after);
    const afterRetry = deadAttempts();
    await el.updateComplete;
    await waitUntil(() => retryButton(el), 'Retry is offered again');
    await waitUntil(() => shadow(el).activeElement === retryButton(el), 'focus is back on Retry');
    await sleep(3000);
    expect(deadAttempts(), 'connection attempts after the failed retry').to.equal(afterRetry);
  });

  it('a failed join closes the transport the element made (nothing left to reconnect)', async () => {
    made.length = 0;
    const el = addCall({ transport: 'spy', server: DEAD, room: uniqueRoom(), autojoin: true });
    expect((await eventWithin<{ code: string }>(el, 'vc-error')).detail.code).to.equal('transport');
    expect(made.length).to.equal(1);
    expect(made[0].closed, 'the failed join closed its transport').to.equal(true);
    expect(made[0].transport.state).to.equal('closed');
  });

  it('removed during a failed join, or after one: nothing goes on reconnecting', async () => {
    const el = addCall({ server: DEAD, room: uniqueRoom(), autojoin: true });
    await waitUntil(() => deadAttempts() > 0 || el.state === 'joining', 'the join did not start');
    el.remove();
    await sleep(500);
    const settled = deadAttempts();
    await sleep(3500);
    expect(deadAttempts(), 'attempts after removal during the join').to.equal(settled);

    const el2 = addCall({ server: DEAD, room: uniqueRoom(), autojoin: true });
    await eventWithin(el2, 'vc-error');
    el2.remove();
    await sleep(500);
    const settled2 = deadAttempts();
    await sleep(3500);
    expect(deadAttempts(), 'attempts after removal after the failed join').to.equal(settled2);
  });

  it('signaling ended during a call: the banner offers Retry, which leaves and joins again with a new transport', async () => {
    made.length = 0;
    const room = uniqueRoom();
    const el = addCall({ ...base, transport: 'spy', room, autojoin: true });
    await eventWithin(el, 'vc-joined');
    expect(made.length).to.equal(1);
    const ended = eventWithin<{ code: string; message: string }>(el, 'vc-error');
    // What the socket.io transport does when the relay is gone for good: error, then closed.
    const t = made[0].transport as Transport & { emit(type: string, e: unknown): void };
    t.emit('error', new VideoCallError('transport', 'Lost the connection to the call server 127.0.0.1 and could not get it back.'));
    t.close();
    expect((await ended).detail.code).to.equal('transport');
    await el.updateComplete;
    expect(el.state).to.equal('joined');
    expect(banner(el)!.textContent).to.contain('Lost the connection to the call server');
    const left = eventWithin(el, 'vc-left');
    const joined = eventWithin<{ room: string }>(el, 'vc-joined');
    retryButton(el)!.click();
    await left;
    expect((await joined).detail.room).to.equal(room);
    expect(made.length, 'a new transport').to.equal(2);
    await el.updateComplete;
    expect(banner(el)).to.equal(null);
    expect(made[1].transport.state).to.equal('connected');
  });

  it('other errors offer no Retry (a refused camera, a bad configuration)', async () => {
    const el = addCall({ ...base, room: uniqueRoom(), 'ice-servers': 'nope' });
    await el.updateComplete;
    expect(banner(el)!.dataset.code).to.equal('bad-config');
    expect(retryButton(el)).to.equal(null);
  });
});
