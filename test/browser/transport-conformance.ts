/**
 * The transport conformance suite: one set of behaviours every signaling
 * transport must show, run unchanged against each adapter (socket.io, local,
 * firebase). Each adapter's test file calls `runTransportConformance` with a
 * factory that makes a fresh, unjoined transport.
 */
import { expect } from '@open-wc/testing';
import type { Transport, TransportEvents } from '../../src/transports/transport.js';

export type MakeTransport = () => Transport | Promise<Transport>;

/** Resolves with the first `type` event whose payload passes `filter`, or rejects after `ms`. */
export function nextEvent<K extends keyof TransportEvents>(
  t: Transport,
  type: K,
  filter: (p: TransportEvents[K]) => boolean = () => true,
  ms = 5000,
): Promise<TransportEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${String(type)}" event within ${ms} ms`));
    }, ms);
    const off = t.on(type, (p) => {
      if (!filter(p)) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
  });
}

/** Collects every `type` event into an array (for asserting that something did NOT arrive). */
function collect<K extends keyof TransportEvents>(t: Transport, type: K): TransportEvents[K][] {
  const seen: TransportEvents[K][] = [];
  t.on(type, (p) => seen.push(p));
  return seen;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function runTransportConformance(name: string, make: MakeTransport, opts: { quietMs?: number } = {}) {
  const quietMs = opts.quietMs ?? 400;

  describe(`transport conformance: ${name}`, function () {
    this.timeout(20000);
    let open: Transport[] = [];
    const room = () => `conf-${Math.random().toString(36).slice(2)}`;
    const fresh = async () => {
      const t = await make();
      open.push(t);
      return t;
    };
    afterEach(() => {
      for (const t of open) t.close();
      open = [];
    });

    it('joins an empty room: an id of its own, nobody else, connected', async () => {
      const a = await fresh();
      const res = await a.join(room(), { name: 'Ada' });
      expect(res.selfId).to.be.a('string').and.not.equal('');
      expect(res.peers).to.deep.equal([]);
      expect(a.state).to.equal('connected');
    });

    it('tells the joiner who is there, and those there who joined, with names', async () => {
      const r = room();
      const a = await fresh();
      const b = await fresh();
      const ra = await a.join(r, { name: 'Ada' });
      const joined = nextEvent(a, 'peer-joined');
      const rb = await b.join(r, { name: 'Bob' });
      expect(rb.selfId).to.not.equal(ra.selfId);
      expect(rb.peers).to.deep.equal([{ id: ra.selfId, name: 'Ada' }]);
      expect(await joined).to.deep.equal({ id: rb.selfId, name: 'Bob' });
    });

    it('delivers a message to the addressed peer only, with its sender and content intact', async () => {
      const r = room();
      const [a, b, c] = [await fresh(), await fresh(), await fresh()];
      const ra = await a.join(r, { name: 'a' });
      const rb = await b.join(r, { name: 'b' });
      await c.join(r, { name: 'c' });
      const cSaw = collect(c, 'signal');
      const data = {
        kind: 'description',
        sdp: 'v=0\r\n' + 'x'.repeat(16000),
        nested: { list: [1, 'two', null, true], unicode: 'héllo 👋 <b>' },
      };
      const got = nextEvent(b, 'signal');
      a.send(rb.selfId, data);
      expect(await got).to.deep.equal({ from: ra.selfId, data });
      await sleep(quietMs);
      expect(cSaw).to.deep.equal([]);
    });

    it('keeps messages between two peers in order', async () => {
      const r = room();
      const [a, b] = [await fresh(), await fresh()];
      await a.join(r);
      const rb = await b.join(r);
      const received: unknown[] = [];
      const all = new Promise<void>((resolve) =>
        b.on('signal', ({ data }) => {
          received.push(data);
          if (received.length === 50) resolve();
        }),
      );
      for (let i = 0; i < 50; i++) a.send(rb.selfId, { i });
      await Promise.race([all, sleep(8000)]);
      expect(received).to.deep.equal(Array.from({ length: 50 }, (_, i) => ({ i })));
    });

    it('keeps rooms apart: no presence and no messages cross', async () => {
      const [a, b, outsider] = [await fresh(), await fresh(), await fresh()];
      const r = room();
      await outsider.join(room());
      const outsiderJoins = collect(outsider, 'peer-joined');
      const outsiderSignals = collect(outsider, 'signal');
      await a.join(r);
      const rb = await b.join(r);
      a.send(rb.selfId, { hello: 1 });
      await sleep(quietMs);
      expect(outsiderJoins).to.deep.equal([]);
      expect(outsiderSignals).to.deep.equal([]);
    });

    it('reports a peer that leaves, and the leaver can join again', async () => {
      const r = room();
      const [a, b] = [await fresh(), await fresh()];
      await a.join(r);
      const rb = await b.join(r, { name: 'Bob' });
      const left = nextEvent(a, 'peer-left');
      await b.leave();
      expect(await left).to.deep.equal({ id: rb.selfId });
      const back = nextEvent(a, 'peer-joined');
      const rb2 = await b.join(r, { name: 'Bob' });
      expect((await back).id).to.equal(rb2.selfId);
      expect(rb2.peers.map((p) => p.name)).to.deep.equal(['']);
    });

    it('reports a peer that closes its transport as gone', async () => {
      const r = room();
      const [a, b] = [await fresh(), await fresh()];
      await a.join(r);
      const rb = await b.join(r);
      const left = nextEvent(a, 'peer-left');
      b.close();
      expect(await left).to.deep.equal({ id: rb.selfId });
      expect(b.state).to.equal('closed');
    });

    it('switches rooms: joining another room leaves the first', async () => {
      const [r1, r2] = [room(), room()];
      const [a, b] = [await fresh(), await fresh()];
      await a.join(r1);
      const rb = await b.join(r1);
      const left = nextEvent(a, 'peer-left');
      await b.leave();
      const rb2 = await b.join(r2);
      expect(await left).to.deep.equal({ id: rb.selfId });
      expect(rb2.peers).to.deep.equal([]);
    });
  });
}
