// PeerSession, the engine's per-peer connection, driven directly with real
// RTCPeerConnections in one page; the "transport" is a queue the test controls,
// so it can deliver signals in the worst orders a network can produce.
import { expect } from '@open-wc/testing';
import { PeerSession, type SessionSignal } from '../../src/call/peer-session.js';
import { waitUntil } from './helpers.js';

type Wire = { to: 'a' | 'b'; message: SessionSignal };

function pair(opts: { aInitiator: boolean; bInitiator: boolean; stream?: MediaStream }) {
  const wire: Wire[] = [];
  const stream = opts.stream ?? new MediaStream();
  const tracks = () => ({ audio: stream.getAudioTracks()[0] ?? null, video: stream.getVideoTracks()[0] ?? null });
  const a = new PeerSession({
    peerId: 'b',
    polite: true,
    initiator: opts.aInitiator,
    iceServers: [],
    signal: (m) => wire.push({ to: 'b', message: m }),
    tracks,
    stream,
  });
  const b = new PeerSession({
    peerId: 'a',
    polite: false,
    initiator: opts.bInitiator,
    iceServers: [],
    signal: (m) => wire.push({ to: 'a', message: m }),
    tracks,
    stream,
  });
  const deliver = (filter: (w: Wire) => boolean = () => true) => {
    const batch = wire.filter(filter);
    for (const w of batch) wire.splice(wire.indexOf(w), 1);
    return Promise.all(batch.map((w) => (w.to === 'a' ? a : b).handleSignal(w.message)));
  };
  /** Delivers everything, now and as it comes, until closed or paused. */
  let pumping = false;
  const pump = async () => {
    pumping = true;
    while (pumping) {
      await deliver();
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** Stops delivering: from now on the test decides what reaches whom. */
  const pause = async () => {
    pumping = false;
    await new Promise((r) => setTimeout(r, 50));
  };
  const close = () => {
    pumping = false;
    a.close();
    b.close();
  };
  /** Connects the two, then pauses delivery. */
  const connectThenPause = async () => {
    void pump();
    await bothConnected(a, b);
    await pause();
  };
  return { a, b, wire, deliver, pump, close, connectThenPause };
}

const bothConnected = (a: PeerSession, b: PeerSession) =>
  waitUntil(
    () => a.connectionState === 'connected' && b.connectionState === 'connected' && a.channelOpen && b.channelOpen,
    'not connected',
    { timeout: 10000 },
  );

describe('PeerSession (perfect negotiation)', function () {
  this.timeout(20000);

  it('queues ICE candidates that arrive before the remote description', async () => {
    const { a, b, wire, deliver, pump, close } = pair({ aInitiator: true, bInitiator: false });
    await waitUntil(() => wire.some((w) => w.message.t === 'ice' && w.message.candidate), 'no candidates', { timeout: 5000 });
    // Candidates first, the offer after them: an unqueued addIceCandidate would fail.
    await deliver((w) => w.message.t === 'ice');
    expect(b.pc.remoteDescription).to.equal(null);
    void pump();
    await bothConnected(a, b);
    close();
  });

  it('resolves glare: both sides offer at once and still connect, with both data channels working', async () => {
    const { a, b, wire, pump, close } = pair({ aInitiator: true, bInitiator: true });
    await waitUntil(() => wire.filter((w) => w.message.t === 'sdp').length === 2, 'both did not offer', { timeout: 5000 });
    expect(
      wire.filter((w) => w.message.t === 'sdp').map((w) => (w.message as { description: RTCSessionDescriptionInit }).description.type),
    ).to.deep.equal(['offer', 'offer']);
    void pump();
    await bothConnected(a, b);
    const got = new Promise((r) => b.on('message', r));
    a.send({ t: 'chat', text: 'after glare', at: 1, name: 'A' });
    expect(await got).to.deep.equal({ t: 'chat', text: 'after glare', at: 1, name: 'A' });
    close();
  });

  it('holds messages sent before the data channel opens and delivers them in order once it does', async () => {
    const { a, b, pump, close } = pair({ aInitiator: true, bInitiator: false });
    const got: string[] = [];
    b.on('message', (m) => m.t === 'chat' && got.push(m.text));
    // Sent at once: the channel is still "connecting" (no offer has even been delivered yet).
    expect(a.channelOpen).to.equal(false);
    for (let i = 1; i <= 5; i++) expect(a.send({ t: 'chat', text: `early ${i}`, at: i, name: 'A' })).to.equal(true);
    void pump();
    await bothConnected(a, b);
    await waitUntil(() => got.length === 5, 'early messages lost', { timeout: 5000 });
    expect(got).to.deep.equal(['early 1', 'early 2', 'early 3', 'early 4', 'early 5']);
    close();
  });

  for (const lost of ['offer', 'answer'] as const) {
    it(`an ${lost} lost by signaling is recovered: the offer is sent again and the renegotiation completes`, async () => {
      const { a, b, wire, deliver, pump, close, connectThenPause } = pair({ aInitiator: true, bInitiator: false });
      await connectThenPause();
      // A renegotiation (a camera turned on) while signaling drops one message.
      const cam = await navigator.mediaDevices.getUserMedia({ video: true });
      const arrived = new Promise((r) => b.on('track', r));
      await a.setTrack('video', cam.getVideoTracks()[0]);
      const isLost = (w: Wire) => w.message.t === 'sdp' && w.message.description.type === lost;
      await waitUntil(() => wire.some(isLost) || (lost === 'answer' && wire.some((w) => w.message.t === 'sdp')), 'no offer', {
        timeout: 5000,
      });
      if (lost === 'answer') {
        await deliver((w) => w.message.t === 'sdp'); // the offer reaches b …
        await waitUntil(() => wire.some(isLost), 'no answer', { timeout: 5000 });
      }
      wire.splice(wire.findIndex(isLost), 1); // … and this is dropped
      expect(a.pc.signalingState).to.equal('have-local-offer');
      void pump();
      await arrived;
      await waitUntil(() => a.pc.signalingState === 'stable' && b.pc.signalingState === 'stable', 'negotiation stuck', { timeout: 10000 });
      expect(b.remoteStream.getVideoTracks()).to.have.length(1);
      cam.getTracks().forEach((t) => t.stop());
      close();
    });
  }

  it('a duplicated offer (answered twice) does no harm: the extra answer is ignored and a later glare still resolves', async () => {
    const { a, b, wire, deliver, pump, close, connectThenPause } = pair({ aInitiator: true, bInitiator: false });
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args);
    try {
      await connectThenPause();
      const cam = await navigator.mediaDevices.getUserMedia({ video: true });
      await a.setTrack('video', cam.getVideoTracks()[0]);
      await waitUntil(() => wire.some((w) => w.message.t === 'sdp'), 'no offer');
      const offer = wire.find((w) => w.message.t === 'sdp')!;
      wire.push({ ...offer }); // delivered twice: b answers both copies
      await deliver();
      await deliver();
      await deliver();
      await waitUntil(() => a.pc.signalingState === 'stable' && b.pc.signalingState === 'stable', 'did not settle');
      expect(warnings, 'no signal failed').to.deep.equal([]);
      // Glare afterwards: both renegotiate at the same instant, and still settle.
      void pump();
      const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      await Promise.all([a.setTrack('audio', mic.getAudioTracks()[0]), b.setTrack('audio', mic.getAudioTracks()[0].clone())]);
      await waitUntil(
        () => a.remoteStream.getAudioTracks().length === 1 && b.remoteStream.getAudioTracks().length === 1,
        'glare after a duplicate did not resolve',
        { timeout: 10000 },
      );
      await waitUntil(() => a.pc.signalingState === 'stable' && b.pc.signalingState === 'stable', 'did not settle after glare');
      [...cam.getTracks(), ...mic.getTracks()].forEach((t) => t.stop());
    } finally {
      console.warn = warn;
      close();
    }
  });

  it('renegotiates when a track is added mid-call (both sides adding at once)', async () => {
    const { a, b, pump, close } = pair({ aInitiator: true, bInitiator: false });
    void pump();
    await bothConnected(a, b);
    const cam = await navigator.mediaDevices.getUserMedia({ video: true });
    const [track] = cam.getVideoTracks();
    const arrivedA = new Promise((r) => a.on('track', r));
    const arrivedB = new Promise((r) => b.on('track', r));
    // Simultaneous renegotiation from both ends.
    await Promise.all([a.setTrack('video', track), b.setTrack('video', track.clone())]);
    await Promise.all([arrivedA, arrivedB]);
    await waitUntil(() => a.pc.signalingState === 'stable' && b.pc.signalingState === 'stable', 'negotiation did not settle');
    expect(a.remoteStream.getVideoTracks()).to.have.length(1);
    expect(b.remoteStream.getVideoTracks()).to.have.length(1);
    close();
    cam.getTracks().forEach((t) => t.stop());
  });

  it('a connection made as the offer arrives (the callee in the ring flow) gathers its candidates and connects, every time', async function () {
    // Chromium, given a candidate pool (iceCandidatePoolSize > 0), sometimes never gathers for
    // an answer set right after the connection is made: `gathering` for good, no candidate, the
    // call stuck in `new` on both sides, ICE restarts no help (src/call/ice-watch.ts). So the race
    // is run 120 times, in batches as a busy page would: with a pool of 1 this test failed 2 runs
    // of 2 here (one call stuck in each); without, it passed 3 of 3.
    this.timeout(60000);
    const stuck: string[] = [];
    async function oneCall(n: number) {
      const stream = new MediaStream();
      const tracks = () => ({ audio: null, video: null });
      let b: PeerSession | undefined;
      const toB: SessionSignal[] = [];
      const a = new PeerSession({
        peerId: 'b',
        polite: false,
        initiator: true,
        iceServers: [],
        tracks,
        stream,
        signal: (m) => {
          if (!b) {
            // The callee learns of the caller from the offer, and makes its connection then.
            toB.push(m);
            if (m.t !== 'sdp') return;
            b = new PeerSession({
              peerId: 'a',
              polite: true,
              initiator: false,
              iceServers: [],
              tracks,
              stream,
              signal: (r) => void a.handleSignal(r),
            });
            for (const q of toB.splice(0)) void b.handleSignal(q);
          } else void b.handleSignal(m);
        },
      });
      try {
        await waitUntil(() => a.connectionState === 'connected' && b?.connectionState === 'connected', 'not connected', { timeout: 8000 });
      } catch {
        stuck.push(`call ${n}: caller ${a.connectionState}, callee ${b?.connectionState} (gathering ${b?.pc.iceGatheringState})`);
      } finally {
        a.close();
        b?.close();
      }
    }
    for (let batch = 0; batch < 6; batch++) await Promise.all(Array.from({ length: 20 }, (_, i) => oneCall(batch * 20 + i)));
    expect(stuck, stuck.join('\n')).to.deep.equal([]);
  });

  it('ignores junk on the data channel', async () => {
    const { parseChannelMessage } = await import('../../src/call/peer-session.js');
    for (const junk of [
      undefined,
      42,
      '',
      'not json',
      '[]',
      'null',
      '{"t":"chat"}',
      '{"t":"chat","text":"   "}',
      '{"t":"evil"}',
      'x'.repeat(70000),
    ]) {
      expect(parseChannelMessage(junk), String(junk).slice(0, 20)).to.equal(null);
    }
    expect(parseChannelMessage('{"t":"chat","text":"hi","at":"soon","name":7}')).to.deep.include({ t: 'chat', text: 'hi', name: '' });
  });
});
