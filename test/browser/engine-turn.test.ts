// TURN and ICE failure (issue 12, CONTRACT section 9), for real: two CallEngines in Chromium with
// real RTCPeerConnections on the `local` transport, and a REAL coturn (test/browser/coturn-plugin.js)
// whose credentials are minted the relay's way (server/turn.ts). Nothing is mocked.
import { expect } from '@open-wc/testing';
import { CallEngine, ICE_CONNECT_TIMEOUT_MS, type CallEngineOptions } from '../../src/call/call-engine.js';
import { LocalTransport } from '../../src/transports/local.js';
import type { Transport } from '../../src/transports/transport.js';
import { sleep, uniqueRoom, waitUntil } from './helpers.js';
import { EXPIRED, GOOD, ServerIceTransport, WRONG, requireCoturn, spareCoturn } from './turn-env.js';

interface Errors {
  list: { code: string; message: string; at: number }[];
}

const engines: CallEngine[] = [];
const transports: Transport[] = [];

function newEngine(options: CallEngineOptions = {}): CallEngine & Errors {
  const e = Object.assign(new CallEngine({ iceServers: [], audio: false, video: false, ...options }), { list: [] as Errors['list'] });
  e.on('error', ({ code, message }) => e.list.push({ code, message, at: performance.now() }));
  engines.push(e);
  return e;
}

async function cleanUp() {
  await Promise.all(engines.splice(0).map((e) => e.destroy()));
  for (const t of transports.splice(0)) t.close();
  await sleep(50);
}

/** Alice and Bob in one room: each through its own transport. */
async function pair(options: CallEngineOptions, transport: () => Transport = () => new LocalTransport()) {
  const room = uniqueRoom('turn');
  const alice = newEngine(options);
  const bob = newEngine(options);
  const [tA, tB] = [transport(), transport()];
  transports.push(tA, tB);
  await alice.join(room, tA, { name: 'Alice' });
  await bob.join(room, tB, { name: 'Bob' });
  return { alice, bob, tA, tB };
}

const connected = (...es: CallEngine[]) => es.every((e) => e.peers[0]?.connectionState === 'connected');

describe('CallEngine: TURN (real coturn)', function () {
  this.timeout(40000);
  before(requireCoturn);
  afterEach(cleanUp);

  it("iceTransportPolicy 'relay' with coturn's credentials connects through coturn: relayed", async () => {
    const { alice, bob } = await pair({ iceTransportPolicy: 'relay', iceServers: GOOD });
    await waitUntil(() => connected(alice, bob), 'not connected through coturn', { timeout: 15000 });
    const [a] = await alice.getStats();
    const [b] = await bob.getStats();
    expect(a.relayed, 'Alice: selected route through TURN').to.equal(true);
    expect(b.relayed, 'Bob: selected route through TURN').to.equal(true);
    expect([...alice.list, ...bob.list]).to.deep.equal([]);
    expect(alice.peers[0].problem).to.equal(undefined);
  });

  it("iceTransportPolicy 'all' without TURN connects directly: not relayed", async () => {
    const { alice, bob } = await pair({ iceServers: [] });
    await waitUntil(() => connected(alice, bob), 'not connected directly', { timeout: 15000 });
    const [a] = await alice.getStats();
    expect(a.relayed).to.equal(false);
    expect(typeof a.relayed).to.equal('boolean');
  });

  it("TURN servers from the transport's join result are used: relay-only connects through them", async () => {
    // No TURN server of the engines' own: only the signaling server's (the relay's minted credentials).
    const { alice, bob } = await pair({ iceTransportPolicy: 'relay', iceServers: [] }, () => new ServerIceTransport(GOOD));
    await waitUntil(() => connected(alice, bob), "not connected with the transport's TURN servers", { timeout: 15000 });
    const [a] = await alice.getStats();
    expect(a.relayed).to.equal(true);
    expect([...alice.list, ...bob.list]).to.deep.equal([]);
  });

  it("wrong TURN credentials, relay-only: ice-failed within the stated time, naming the peer, and the peer's problem is set", async () => {
    const connectMs = 3000;
    const t0 = performance.now();
    const { alice, bob } = await pair({ iceTransportPolicy: 'relay', iceServers: WRONG, iceTimeouts: { connectMs } });
    let changes = 0;
    alice.on('change', () => alice.peers[0]?.problem === 'ice-failed' && changes++);
    await waitUntil(() => alice.list.length > 0 && bob.list.length > 0, 'no ice-failed error', { timeout: connectMs + 4000 });
    for (const [e, other] of [
      [alice, 'Bob'],
      [bob, 'Alice'],
    ] as const) {
      const [err] = e.list;
      expect(err.code).to.equal('ice-failed');
      expect(err.at - t0, 'not before the connect timeout').to.be.greaterThan(connectMs - 100);
      expect(err.message).to.contain(other);
      expect(err.message).to.contain('A TURN server is configured');
      expect(err.message).to.match(/reachable/);
      expect(err.message).to.match(/443/);
      expect(e.peers[0].problem).to.equal('ice-failed');
      expect(e.peers[0].connectionState).to.not.equal('connected');
    }
    expect(changes, 'a change event shows the problem').to.be.greaterThan(0);
    // Once per peer per episode, though ICE restarts go on.
    await sleep(6000);
    expect(alice.list.length).to.equal(1);
    expect(bob.list.length).to.equal(1);
  });

  it('expired TURN credentials (the right secret, an expiry in the past), relay-only: ice-failed too', async () => {
    expect(EXPIRED[0].username, 'minted a day ago').to.match(/^\d+:/);
    expect(Number(String(EXPIRED[0].username).split(':')[0]) * 1000).to.be.lessThan(Date.now());
    const connectMs = 3000;
    const { alice, bob } = await pair({ iceTransportPolicy: 'relay', iceServers: EXPIRED, iceTimeouts: { connectMs } });
    await waitUntil(() => alice.list.length > 0 && bob.list.length > 0, 'no ice-failed error', { timeout: connectMs + 4000 });
    expect(alice.list[0].code).to.equal('ice-failed');
    expect(bob.list[0].code).to.equal('ice-failed');
    expect(alice.peers[0].problem).to.equal('ice-failed');
    expect(alice.peers[0].connectionState).to.not.equal('connected');
  });

  it('after ice-failed, restarts go on: fresh TURN credentials from a re-join bring the connection back and clear the problem', async () => {
    const { alice, bob, tA, tB } = await pair(
      { iceTransportPolicy: 'relay', iceServers: [], iceTimeouts: { connectMs: 2500 } },
      () => new ServerIceTransport(WRONG),
    );
    await waitUntil(() => alice.peers[0]?.problem === 'ice-failed' && bob.peers[0]?.problem === 'ice-failed', 'no ice-failed', {
      timeout: 8000,
    });
    // The relay restarted: its re-join hands out credentials coturn accepts.
    (tA as ServerIceTransport).rejoin(GOOD, [{ id: bob.selfId, name: 'Bob' }]);
    (tB as ServerIceTransport).rejoin(GOOD, [{ id: alice.selfId, name: 'Alice' }]);
    await waitUntil(() => connected(alice, bob), 'never connected with the fresh credentials', { timeout: 20000 });
    await waitUntil(() => !alice.peers[0].problem && !bob.peers[0].problem, 'problem not cleared');
    const [a] = await alice.getStats();
    expect(a.relayed).to.equal(true);
  });

  it("a relayed connection lost (its TURN server gone) and not restored in the stated time: ice-failed; a re-join's fresh TURN servers restore it", async function () {
    this.timeout(70000);
    const spare = await spareCoturn();
    const restoreMs = 3000;
    const { alice, bob, tA, tB } = await pair(
      { iceTransportPolicy: 'relay', iceServers: [], iceTimeouts: { restoreMs } },
      () => new ServerIceTransport(spare.iceServers),
    );
    await waitUntil(() => connected(alice, bob), 'not connected through the spare coturn', { timeout: 15000 });
    let lostAt = 0;
    alice.on(
      'change',
      () =>
        (lostAt ||=
          alice.peers[0]?.connectionState === 'disconnected' || alice.peers[0]?.connectionState === 'failed' ? performance.now() : 0),
    );
    await spare.stop();
    await waitUntil(() => alice.list.length > 0 && bob.list.length > 0, 'no ice-failed after the TURN server went away', {
      timeout: 30000,
    });
    expect(lostAt, 'Alice saw the connection drop').to.be.greaterThan(0);
    expect(alice.list[0].at - lostAt, 'not before the restore timeout').to.be.greaterThan(restoreMs - 100);
    for (const [e, other] of [
      [alice, 'Bob'],
      [bob, 'Alice'],
    ] as const) {
      expect(e.list.map((x) => x.code)).to.deep.equal(['ice-failed']);
      expect(e.list[0].message).to.contain(`The connection to ${other} was lost`);
      expect(e.list[0].message).to.contain('A TURN server is configured');
      expect(e.peers[0].problem).to.equal('ice-failed');
    }
    // The relay hands out another TURN server on re-join: the ICE restarts that went on take it.
    (tA as ServerIceTransport).rejoin(GOOD, [{ id: bob.selfId, name: 'Bob' }]);
    (tB as ServerIceTransport).rejoin(GOOD, [{ id: alice.selfId, name: 'Alice' }]);
    await waitUntil(
      () => connected(alice, bob) && !alice.peers[0].problem && !bob.peers[0].problem,
      'not restored through the fresh TURN server',
      { timeout: 25000 },
    );
    expect((await alice.getStats())[0].relayed).to.equal(true);
    expect(alice.list.length, 'still one error for the episode').to.equal(1);
  });

  it('relay-only with no TURN server at all: ice-failed at once, saying so and what to do; nothing pretends to connect', async () => {
    const t0 = performance.now();
    const { alice, bob } = await pair({ iceTransportPolicy: 'relay', iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
    for (const e of [alice, bob]) {
      expect(e.list.length, 'one error per join').to.equal(1);
      expect(e.list[0].code).to.equal('ice-failed');
      expect(e.list[0].at - t0).to.be.lessThan(2000);
      expect(e.list[0].message).to.contain('No TURN server is configured');
      expect(e.list[0].message).to.contain('TURN_URLS');
      expect(e.list[0].message).to.contain('TURN_SECRET');
      expect(e.list[0].message).to.contain('ice-servers');
    }
    await waitUntil(() => alice.peers.length === 1 && bob.peers.length === 1, 'peers not listed');
    await sleep(2500); // past the newcomer's wait: whoever would connect has tried
    for (const e of [alice, bob]) {
      expect(e.peers[0].problem).to.equal('ice-failed');
      expect(e.peers[0].connectionState, 'no connection pretends to be under way').to.equal('new');
      expect(e.list.length, 'still one error per join').to.equal(1);
      expect(await e.getStats()).to.deep.equal([]);
    }
  });

  it('the stated times are exported', () => {
    expect(ICE_CONNECT_TIMEOUT_MS).to.equal(15000);
  });
});
