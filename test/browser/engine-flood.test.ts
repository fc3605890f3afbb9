// A peer that floods its data channel: the engine takes at most its limits (per peer, a token
// bucket for chat and a generous one for every message), drops the rest, tells the user once per
// burst, stays responsive and keeps the call. The flooding peer is a raw RTCPeerConnection in the
// page, with the negotiated data channel (id 0) a PeerSession makes, so it can send anything.
import { expect } from '@open-wc/testing';
import { CallEngine, type CallEngineEvents } from '../../src/call/call-engine.js';
import { CHAT_BURST, CHAT_PER_SECOND, MESSAGES_BURST, MESSAGES_PER_SECOND } from '../../src/call/rate-limit.js';
import { Emitter } from '../../src/emitter.js';
import type { JoinResult, Transport, TransportEvents, TransportState } from '../../src/transports/transport.js';
import { sleep, waitUntil } from './helpers.js';

/**
 * A transport whose only other member, `ada`, is a bare RTCPeerConnection run by the test: it
 * answers the engine's offers and trades candidates, and otherwise does what the test says.
 */
class RawPeer extends Emitter<TransportEvents> implements Transport {
  state: TransportState = 'connected';
  readonly pc = new RTCPeerConnection({ iceServers: [] });
  readonly channel = this.pc.createDataChannel('video-call', { negotiated: true, id: 0 });
  #queue: Promise<void> = Promise.resolve();

  constructor() {
    super();
    this.pc.onicecandidate = ({ candidate }) => this.#from({ t: 'ice', candidate: candidate ? candidate.toJSON() : null });
  }
  #from(data: unknown) {
    setTimeout(() => this.emit('signal', { from: 'ada', data }));
  }
  async join(): Promise<JoinResult> {
    return { selfId: 'me', peers: [{ id: 'ada', name: 'Ada' }] };
  }
  send(to: string, data: unknown): void {
    const m = JSON.parse(JSON.stringify(data)) as {
      t: string;
      description?: RTCSessionDescriptionInit;
      candidate?: RTCIceCandidateInit | null;
    };
    this.#queue = this.#queue
      .then(async () => {
        if (to !== 'ada') return;
        if (m.t === 'sdp' && m.description) {
          await this.pc.setRemoteDescription(m.description);
          if (m.description.type === 'offer') {
            await this.pc.setLocalDescription();
            this.#from({ t: 'sdp', description: this.pc.localDescription!.toJSON() });
          }
        } else if (m.t === 'ice' && m.candidate) {
          await this.pc.addIceCandidate(m.candidate);
        }
      })
      .catch((err) => console.warn('raw peer:', err));
  }
  async leave(): Promise<void> {}
  close(): void {
    this.pc.close();
  }
  /**
   * Sends every message as fast as the channel takes them. It shares the page with the engine, so
   * it yields every 50 messages and waits while more than 1 MB is buffered: the sending itself must
   * not be what stalls the page.
   */
  async flood(messages: Iterable<string>): Promise<void> {
    this.channel.bufferedAmountLowThreshold = 256 << 10;
    let n = 0;
    for (const m of messages) {
      if (this.channel.bufferedAmount > 1 << 20) {
        await new Promise((r) => this.channel.addEventListener('bufferedamountlow', r, { once: true }));
      } else if (++n % 50 === 0) {
        await new Promise((r) => setTimeout(r, 0));
      }
      this.channel.send(m);
    }
  }
  /** Resolves once everything sent has left (and so, on loopback, arrived a moment later). */
  async drained(): Promise<void> {
    await waitUntil(() => this.channel.bufferedAmount === 0, 'flood not sent', { timeout: 30000 });
    await sleep(300);
  }
}

const cleanups: (() => Promise<void> | void)[] = [];

async function connectedToRawPeer() {
  const engine = new CallEngine({ iceServers: [], audio: false, video: false });
  const ada = new RawPeer();
  cleanups.push(
    () => engine.destroy(),
    () => ada.close(),
  );
  await engine.join('flood', ada, { name: 'Bob' });
  await waitUntil(() => engine.peers[0]?.connectionState === 'connected' && ada.channel.readyState === 'open', 'raw peer not connected', {
    timeout: 10000,
  });
  await sleep(200);
  const seen = { chat: 0, media: 0, errors: [] as CallEngineEvents['error'][], left: 0 };
  engine.on('chat-message', () => {
    seen.chat++;
    // What a UI does per message (render a line): small, but a thousand of them add up.
    const until = performance.now() + 2;
    while (performance.now() < until);
  });
  engine.on('peer-media', () => seen.media++);
  engine.on('error', (e) => seen.errors.push(e));
  engine.on('peer-left', () => seen.left++);
  return { engine, ada, seen };
}

/**
 * The longest wait of a setTimeout(0) while `during` runs: how long the page could not respond.
 * Probes run back to back, so any long task shows up.
 */
async function longestStall(during: () => Promise<void>): Promise<number> {
  let worst = 0;
  let running = true;
  const probe = async () => {
    while (running) {
      const at = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      worst = Math.max(worst, performance.now() - at);
    }
  };
  const probing = probe();
  await during();
  running = false;
  await probing;
  return worst;
}

const chat = (text: string) => JSON.stringify({ t: 'chat', text, at: Date.now(), name: 'Ada' });
const limited = { code: 'rate-limited', message: 'Ada is sending too many messages; some were not shown.' };

describe('CallEngine: a peer flooding its data channel', function () {
  this.timeout(60000);
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await sleep(50);
  });

  it('1,000 chat messages of 100 characters: at most the burst is shown, the user is told once, the page stays responsive and the call stays up', async () => {
    const { engine, ada, seen } = await connectedToRawPeer();
    const started = performance.now();
    const stall = await longestStall(async () => {
      await ada.flood(Array.from({ length: 1000 }, (_, i) => chat(`${i} `.padEnd(100, 'x'))));
      await ada.drained();
    });
    // The burst, plus what the bucket refilled while the flood crossed (well under a second).
    const seconds = (performance.now() - started) / 1000;
    expect(seen.chat, `chat events in ${seconds.toFixed(1)} s`).to.be.at.most(Math.ceil(CHAT_BURST + CHAT_PER_SECOND * seconds));
    expect(seen.chat, 'chat events').to.be.at.least(CHAT_BURST);
    expect(seen.errors).to.deep.equal([limited]);
    expect(stall, 'longest stall of a setTimeout(0), ms').to.be.below(150);
    expect(engine.peers.map((p) => [p.name, p.connectionState])).to.deep.equal([['Ada', 'connected']]);
    expect(seen.left).to.equal(0);

    // The bucket refills: a message a little later is shown, without another warning.
    await sleep(1000);
    ada.channel.send(chat('still here'));
    await waitUntil(() => seen.chat === CHAT_BURST + 1 || seen.chat > CHAT_BURST, 'a message after the flood was not shown');
    expect(seen.errors).to.have.length(1);

    // Quiet long enough for the buckets to fill up: the next flood is a new burst, told again.
    await sleep(4500);
    await ada.flood(Array.from({ length: 100 }, () => chat('again')));
    await ada.drained();
    expect(seen.errors).to.deep.equal([limited, limited]);
  });

  it('5,000 chat messages of 4 KB: same bound, and the call stays up', async () => {
    const { engine, ada, seen } = await connectedToRawPeer();
    const big = chat('y'.repeat(4000));
    const started = performance.now();
    const stall = await longestStall(async () => {
      await ada.flood(Array.from({ length: 5000 }, () => big));
      await ada.drained();
    });
    // 20 MB take a few seconds to cross: the bucket refills at its rate meanwhile, and no more.
    const seconds = (performance.now() - started) / 1000;
    expect(seen.chat, `chat events in ${seconds.toFixed(1)} s`).to.be.at.most(Math.ceil(CHAT_BURST + CHAT_PER_SECOND * seconds));
    expect(seen.errors).to.deep.equal([limited]);
    // Chromium's own data-channel path, with no engine at all (two bare RTCPeerConnections, a no-op
    // onmessage), stalls a 2-core machine for up to ~160 ms while 20 MB cross: allow for that.
    expect(stall, 'longest stall of a setTimeout(0), ms').to.be.below(400);
    expect(engine.peers.map((p) => p.connectionState)).to.deep.equal(['connected']);
  });

  it('media-state and ping spam is bounded by the limit on all messages', async () => {
    const { engine, ada, seen } = await connectedToRawPeer();
    const started = performance.now();
    await ada.flood(
      (function* () {
        for (let i = 0; i < 3000; i++) {
          yield JSON.stringify({ t: 'media', audio: i % 2 === 0, video: false, screen: false });
          yield JSON.stringify({ t: 'ping' });
        }
      })(),
    );
    await ada.drained();
    // Half the messages let through are media states, each a change.
    const seconds = (performance.now() - started) / 1000;
    expect(seen.media, `peer-media events in ${seconds.toFixed(1)} s`).to.be.at.most(
      Math.ceil((MESSAGES_BURST + MESSAGES_PER_SECOND * seconds) / 2) + 1,
    );
    expect(seen.errors).to.deep.equal([limited]);
    expect(engine.peers.map((p) => p.connectionState)).to.deep.equal(['connected']);
  });
});
