// Renames: a peer whose transport reconnected under a new id tells the others, over its data
// channel and over the transport. Only the real peer may move its identity: a room member who
// forges `{t: 'renamed', previous: <someone else's id>}` through the transport must get nothing
// meant for that someone. Real Chromium, real RTCPeerConnections, the real `local` transport.
import { expect } from '@open-wc/testing';
import { CallEngine } from '../../src/call/call-engine.js';
import { Emitter } from '../../src/emitter.js';
import { LocalTransport } from '../../src/transports/local.js';
import type { Transport, TransportEvents } from '../../src/transports/transport.js';
import { sleep, uniqueRoom, waitUntil } from './helpers.js';
import { Hub, HubTransport } from './hub-transport.js';

const engines: CallEngine[] = [];
const transports: Transport[] = [];
function newEngine(options: ConstructorParameters<typeof CallEngine>[0] = {}): CallEngine {
  const e = new CallEngine({ iceServers: [], audio: false, video: false, ...options });
  engines.push(e);
  return e;
}

async function cleanUp() {
  const tracks = engines.flatMap((e) => e.localStream.getTracks());
  await Promise.all(engines.splice(0).map((e) => e.destroy()));
  for (const t of transports.splice(0)) t.close();
  await waitUntil(() => tracks.every((t) => t.readyState === 'ended'), 'engine tracks still live');
  await sleep(50);
}

/** Whether `engine` shows `peerId` connected, with a live video track from it. */
const seesVideoOf = (engine: CallEngine) => {
  const peer = engine.peers[0];
  return !!peer?.stream?.getVideoTracks().some((t) => t.readyState === 'live' && !t.muted);
};

describe('CallEngine: renames must be proven', function () {
  this.timeout(30000);
  afterEach(cleanUp);

  it('a forged transport-level rename from another room member is ignored: offers meant for Victor still go to Victor', async () => {
    const room = uniqueRoom('forged-rename');
    // One slot each, so neither engine ever connects to the attacker: every offer or candidate the
    // attacker receives from Bob would be one meant for Victor.
    const bob = newEngine({ maxPeers: 1 });
    const victor = newEngine({ maxPeers: 1 });
    const tBob = new LocalTransport();
    const tVictor = new LocalTransport();
    transports.push(tBob, tVictor);
    await bob.join(room, tBob, { name: 'Bob' });
    await victor.join(room, tVictor, { name: 'Victor' });
    await waitUntil(
      () => bob.peers[0]?.connectionState === 'connected' && victor.peers[0]?.connectionState === 'connected',
      'Bob and Victor not connected',
      { timeout: 10000 },
    );
    await sleep(300); // data channels open, media states and keys exchanged

    // The attacker: a plain member of the room on the same transport.
    const attacker = new LocalTransport();
    transports.push(attacker);
    const got: { from: string; data: unknown }[] = [];
    attacker.on('signal', (s) => got.push(s));
    await attacker.join(room, { name: 'Mallory' });
    await sleep(200); // Bob has heard of the attacker (and told it his call is full)
    for (const forged of [
      { t: 'renamed', previous: victor.selfId },
      { t: 'renamed', previous: victor.selfId, key: 'guessed' },
      { t: 'renamed', previous: victor.selfId, key: '' },
    ])
      attacker.send(bob.selfId, forged);
    await sleep(300);

    // Bob turns his camera on: a renegotiation, whose offer and candidates go to Victor.
    bob.toggleCamera(true);
    await waitUntil(() => seesVideoOf(victor), "Victor never got Bob's camera: the renegotiation went elsewhere", { timeout: 10000 });
    await sleep(300);
    const fromBob = got.filter((s) => s.from === bob.selfId).map((s) => (s.data as { t: string }).t);
    expect(
      fromBob.filter((t) => t === 'sdp' || t === 'ice'),
      'signals meant for Victor reached the attacker',
    ).to.deep.equal([]);
    expect(bob.peers.map((p) => [p.id, p.name, p.connectionState])).to.deep.equal([[victor.selfId, 'Victor', 'connected']]);
  });

  it('a data-channel rename cannot take over the id of another connected peer', async () => {
    // Carol's claim comes over her own (authentic) data channel, but the id it names is
    // Victor's, who is connected: Bob keeps both as they were.
    const room = uniqueRoom('dc-rename');
    const bob = newEngine();
    const victor = newEngine();
    const carol = newEngine();
    const [tBob, tVictor, tCarol] = [new LocalTransport(), new LocalTransport(), new LocalTransport()];
    transports.push(tBob, tVictor, tCarol);
    await bob.join(room, tBob, { name: 'Bob' });
    await victor.join(room, tVictor, { name: 'Victor' });
    await carol.join(room, tCarol, { name: 'Carol' });
    const allConnected = () =>
      [bob, victor, carol].every((e) => e.peers.length === 2 && e.peers.every((p) => p.connectionState === 'connected'));
    await waitUntil(allConnected, 'mesh of three not connected', { timeout: 15000 });
    await sleep(300);
    // Carol's engine believes its transport reconnected as Victor's id: it tells everyone so over
    // its data channels (and over the transport). Bob must not let Carol replace Victor.
    (tCarol as unknown as Emitter<TransportEvents>)['emit']('rejoined', {
      selfId: victor.selfId,
      peers: [{ id: bob.selfId, name: 'Bob' }],
    });
    await sleep(500);
    bob.toggleCamera(true);
    await waitUntil(
      () =>
        victor.peers
          .find((p) => p.id === bob.selfId)
          ?.stream?.getVideoTracks()
          .some((t) => t.readyState === 'live') ?? false,
      "Victor never got Bob's camera",
      { timeout: 10000 },
    );
    expect(bob.peers.map((p) => p.name).sort()).to.deep.equal(['Carol', 'Victor']);
  });
});

// ----------------------------------------------------------------------------- real renames

describe('CallEngine: real renames keep working', function () {
  this.timeout(30000);
  afterEach(cleanUp);

  it('a peer that comes back under a new id while its data channel carries nothing is found again through the transport (with its proof)', async () => {
    const hub = new Hub();
    const bob = newEngine();
    const victor = newEngine();
    const tBob = new HubTransport(hub);
    const tVictor = new HubTransport(hub);
    await bob.join('r', tBob, { name: 'Bob' });
    await victor.join('r', tVictor, { name: 'Victor' });
    await waitUntil(
      () => bob.peers[0]?.connectionState === 'connected' && victor.peers[0]?.connectionState === 'connected',
      'not connected',
      { timeout: 10000 },
    );
    await sleep(300);
    const victorId = bob.peers[0].id;
    // Model a peer connection that carries nothing while the transport reconnects: the data-channel
    // rename is lost; only the transport-level rename (with its proof) can arrive.
    const send = RTCDataChannel.prototype.send;
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: string) {
      void data; // carries nothing
    } as typeof send;
    try {
      tVictor.reconnect();
      await sleep(500);
    } finally {
      RTCDataChannel.prototype.send = send;
    }
    expect(
      bob.peers.map((p) => p.id),
      'Bob still shows Victor under his public id',
    ).to.deep.equal([victorId]);
    // Bob's renegotiation must reach Victor's new transport id.
    bob.toggleCamera(true);
    await waitUntil(() => seesVideoOf(victor), "Victor never got Bob's camera after his rename", { timeout: 10000 });
    expect(bob.peers.map((p) => p.id)).to.deep.equal([victorId]);
  });
});
