// The call engine when media arrives late (a permission prompt or screen picker left open
// while the user does something else), after a refusal, and the ring flow's peer ids after
// a peer's transport reconnects. Real Chromium, real fake camera/mic/screen: where a prompt
// is modelled, only its timing is, and the tracks come from the real getUserMedia.
import { expect } from '@open-wc/testing';
import { CallEngine, type CallEngineEvents } from '../../src/call/call-engine.js';
import type { VideoCall } from '../../src/video-call.js';
import { addCall, eventWithin, removeAllCalls, shadow, sleep, uniqueRoom, waitUntil } from './helpers.js';
import { Hub, HubTransport } from './hub-transport.js';

type Method = 'getUserMedia' | 'getDisplayMedia';
interface Prompt {
  constraints: MediaStreamConstraints | DisplayMediaStreamOptions | undefined;
  /** The user clicks "Allow": the REAL method runs now and its stream is handed over. */
  allow(): Promise<MediaStream>;
  /** The user clicks "Block" (or cancels the picker). */
  refuse(): void;
}

const restores: (() => void)[] = [];

/**
 * Models a permission prompt (or screen picker) left open: the real
 * navigator.mediaDevices[method] is wrapped in a deferred, so each call waits until the
 * test answers it; allowed, it calls through to the real method (the fake devices).
 */
function holdPrompts(method: Method) {
  const md = navigator.mediaDevices;
  const real = md[method] as (c?: unknown) => Promise<MediaStream>;
  const asked: Prompt[] = [];
  const tracks: MediaStreamTrack[] = [];
  (md as unknown as Record<Method, unknown>)[method] = (constraints?: MediaStreamConstraints) =>
    new Promise<MediaStream>((resolve, reject) => {
      asked.push({
        constraints,
        allow: async () => {
          const stream = await real.call(md, constraints);
          tracks.push(...stream.getTracks());
          resolve(stream);
          return stream;
        },
        refuse: () => reject(new DOMException('Permission denied', 'NotAllowedError')),
      });
    });
  restores.push(() => ((md as unknown as Record<Method, unknown>)[method] = real));
  return { asked, tracks };
}

/**
 * The user refuses every request. Chromium's prompt cannot be answered "Block" from inside
 * a page (and this run's --use-fake-ui-for-media-stream allows everything), so the method
 * rejects the way a refusal does; the real refusal is tested in test/e2e/permission*.test.ts.
 */
function refuseAll(method: Method) {
  const md = navigator.mediaDevices;
  const real = md[method];
  let count = 0;
  (md as unknown as Record<Method, unknown>)[method] = () => {
    count++;
    return Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  };
  const restore = () => ((md as unknown as Record<Method, unknown>)[method] = real);
  restores.push(restore);
  return { restore, asked: () => count };
}

/** Everything an engine emits, from now on. */
function record(engine: CallEngine) {
  const seen: { type: keyof CallEngineEvents; payload: unknown }[] = [];
  const types: (keyof CallEngineEvents)[] = [
    'state',
    'joined',
    'left',
    'peer-joined',
    'peer-connected',
    'peer-left',
    'incoming-call',
    'call-declined',
    'peer-media',
    'chat-message',
    'screen-share',
    'error',
    'change',
  ];
  for (const type of types) engine.on(type, (payload) => seen.push({ type, payload }));
  return seen;
}

const engines: CallEngine[] = [];
function newEngine(options: ConstructorParameters<typeof CallEngine>[0] = {}): CallEngine {
  const e = new CallEngine({ iceServers: [], ...options });
  engines.push(e);
  return e;
}

const live = (t: MediaStreamTrack) => t.readyState === 'live';

async function cleanUp() {
  for (const restore of restores.splice(0).reverse()) restore();
  const tracks = engines.flatMap((e) => e.localStream.getTracks());
  await Promise.all(engines.splice(0).map((e) => e.destroy()));
  await waitUntil(() => tracks.every((t) => t.readyState === 'ended'), 'engine tracks still live');
  await sleep(50);
}

describe('CallEngine: media that arrives after the user changed their mind', function () {
  this.timeout(30000);
  afterEach(cleanUp);

  it('camera turned off while the prompt is open: the camera that arrives is stopped, not shown or sent; the mic comes on', async () => {
    const engine = newEngine();
    const prompts = holdPrompts('getUserMedia');
    const started = engine.startMedia();
    await waitUntil(() => prompts.asked.length === 1, 'getUserMedia not asked');
    engine.toggleCamera(false);
    await prompts.asked[0].allow();
    await started;
    const video = prompts.tracks.find((t) => t.kind === 'video')!;
    expect(video, 'the prompt asked for the camera').to.exist;
    expect(video.readyState, 'the camera that arrived was stopped (its light off)').to.equal('ended');
    expect(engine.localStream.getVideoTracks()).to.have.length(0);
    expect(engine.cameraOn).to.equal(false);
    const mic = engine.localStream.getAudioTracks()[0];
    expect(mic && live(mic) && mic.enabled, 'mic on').to.equal(true);
    expect(engine.micOn).to.equal(true);
  });

  it('mic muted while the prompt is open: the mic is kept, disabled, and unmuting needs no new prompt', async () => {
    const engine = newEngine();
    const prompts = holdPrompts('getUserMedia');
    const started = engine.startMedia();
    await waitUntil(() => prompts.asked.length === 1, 'getUserMedia not asked');
    engine.toggleMic(false);
    await prompts.asked[0].allow();
    await started;
    const mic = engine.localStream.getAudioTracks()[0];
    expect(mic && live(mic), 'mic installed').to.equal(true);
    expect(mic.enabled).to.equal(false);
    expect(engine.micOn).to.equal(false);
    expect(engine.toggleMic()).to.equal(true);
    expect(mic.enabled).to.equal(true);
    expect(prompts.asked).to.have.length(1);
  });

  it('camera turned off and on again while the prompt is open: still one prompt, and the camera comes on', async () => {
    const engine = newEngine();
    const prompts = holdPrompts('getUserMedia');
    const started = engine.startMedia();
    await waitUntil(() => prompts.asked.length === 1, 'getUserMedia not asked');
    engine.toggleCamera(false);
    engine.toggleCamera(true);
    await sleep(50);
    expect(prompts.asked, 'no second prompt').to.have.length(1);
    await prompts.asked[0].allow();
    await started;
    expect(engine.cameraOn).to.equal(true);
    expect(engine.localStream.getVideoTracks().filter(live)).to.have.length(1);
  });

  it('starting with the mic off still opens it, muted, so unmuting is instant', async () => {
    const engine = newEngine({ audio: false });
    const prompts = holdPrompts('getUserMedia');
    const started = engine.startMedia();
    await waitUntil(() => prompts.asked.length === 1, 'getUserMedia not asked');
    expect(prompts.asked[0].constraints).to.have.property('audio').that.is.not.false;
    await prompts.asked[0].allow();
    await started;
    expect(engine.micOn).to.equal(false);
    expect(engine.localStream.getAudioTracks()[0].enabled).to.equal(false);
    engine.toggleMic();
    expect(engine.micOn).to.equal(true);
    expect(prompts.asked).to.have.length(1);
  });
});

describe('CallEngine: destroyed while a prompt or picker is open', function () {
  this.timeout(30000);
  afterEach(cleanUp);

  it('startMedia: the camera and mic that arrive after destroy() are stopped at once, and nothing is emitted', async () => {
    const engine = newEngine();
    const prompts = holdPrompts('getUserMedia');
    const started = engine.startMedia();
    await waitUntil(() => prompts.asked.length === 1, 'getUserMedia not asked');
    await engine.destroy();
    const after = record(engine);
    await prompts.asked[0].allow();
    await started;
    await sleep(100);
    expect(prompts.tracks.map((t) => `${t.kind}:${t.readyState}`).sort()).to.deep.equal(['audio:ended', 'video:ended']);
    expect(engine.localStream.getTracks()).to.have.length(0);
    expect(after.map((e) => e.type)).to.deep.equal([]);
  });

  it('toggleCamera: the camera that arrives after destroy() is stopped, and nothing is emitted', async () => {
    const engine = newEngine({ video: false });
    const prompts = holdPrompts('getUserMedia');
    const started = engine.startMedia();
    await waitUntil(() => prompts.asked.length === 1, 'getUserMedia not asked');
    await prompts.asked[0].allow();
    await started;
    engine.toggleCamera();
    await waitUntil(() => prompts.asked.length === 2, 'camera not asked');
    await engine.destroy();
    const after = record(engine);
    const stream = await prompts.asked[1].allow();
    await sleep(100);
    expect(stream.getVideoTracks()[0].readyState).to.equal('ended');
    expect(engine.localStream.getTracks()).to.have.length(0);
    expect(after.map((e) => e.type)).to.deep.equal([]);
  });

  it('startScreenShare: the screen that arrives after destroy() is stopped, and nothing is emitted', async () => {
    const engine = newEngine({ audio: false, video: false });
    const picker = holdPrompts('getDisplayMedia');
    const sharing = engine.startScreenShare();
    await waitUntil(() => picker.asked.length === 1, 'getDisplayMedia not asked');
    await engine.destroy();
    const after = record(engine);
    const stream = await picker.asked[0].allow();
    await sharing;
    await sleep(100);
    expect(stream.getVideoTracks()[0].readyState).to.equal('ended');
    expect(engine.screenSharing).to.equal(false);
    expect(engine.localStream.getTracks()).to.have.length(0);
    expect(after.map((e) => e.type)).to.deep.equal([]);
  });
});

describe('CallEngine: left while the screen picker is open', function () {
  this.timeout(20000);
  afterEach(cleanUp);

  it('the screen chosen after leave() is stopped, not shared into the pre-join screen', async () => {
    const { createLocalTransport } = await import('../../src/transports/local.js');
    const engine = newEngine({ audio: false, video: false });
    const transport = createLocalTransport();
    await engine.join(uniqueRoom('picker'), transport);
    const picker = holdPrompts('getDisplayMedia');
    const sharing = engine.startScreenShare();
    await waitUntil(() => picker.asked.length === 1, 'getDisplayMedia not asked');
    await engine.leave();
    const stream = await picker.asked[0].allow();
    await sharing;
    await sleep(100);
    expect(stream.getVideoTracks()[0].readyState).to.equal('ended');
    expect(engine.screenSharing).to.equal(false);
    transport.close();
  });
});

describe('After a refusal, one click on a button showing "off" asks again', function () {
  this.timeout(30000);
  afterEach(async () => {
    await cleanUp();
    await removeAllCalls();
  });

  it('engine: toggleMic() and toggleCamera() once each turn the refused devices on', async () => {
    const engine = newEngine();
    const refusal = refuseAll('getUserMedia');
    await engine.startMedia();
    expect(engine.mediaError?.code).to.equal('permission-denied');
    expect([engine.micOn, engine.cameraOn], 'shown off').to.deep.equal([false, false]);
    refusal.restore(); // the user allows access in the site settings
    engine.toggleMic();
    await waitUntil(() => engine.micOn, 'one toggleMic() did not turn the mic on');
    engine.toggleCamera();
    await waitUntil(() => engine.cameraOn, 'one toggleCamera() did not turn the camera on');
    expect(
      engine.localStream
        .getTracks()
        .filter(live)
        .map((t) => t.kind)
        .sort(),
    ).to.deep.equal(['audio', 'video']);
    expect(engine.mediaError).to.equal(null);
  });

  it('element: one click on the mic button and one on the camera button, both shown off after a refusal', async () => {
    const refusal = refuseAll('getUserMedia');
    const el: VideoCall = addCall({ room: uniqueRoom('refused'), 'ice-servers': '[]' });
    await eventWithin(el, 'vc-error');
    await el.updateComplete;
    const micButton = () => shadow(el).querySelector<HTMLButtonElement>('button[aria-label="Mute microphone"]')!;
    const cameraButton = () => shadow(el).querySelector<HTMLButtonElement>('button[aria-label="Turn camera off"]')!;
    expect(micButton().getAttribute('aria-pressed'), 'mic shown off').to.equal('true');
    expect(cameraButton().getAttribute('aria-pressed'), 'camera shown off').to.equal('true');
    refusal.restore();
    micButton().click();
    await waitUntil(() => el.localStream.getAudioTracks().some(live), 'one click did not turn the mic on');
    await el.updateComplete;
    expect(micButton().getAttribute('aria-pressed'), 'mic shown on').to.equal('false');
    cameraButton().click();
    await waitUntil(() => el.localStream.getVideoTracks().some(live), 'one click did not turn the camera on');
    await el.updateComplete;
    expect(cameraButton().getAttribute('aria-pressed'), 'camera shown on').to.equal('false');
  });
});

describe('Screen sharing cancelled', function () {
  this.timeout(30000);
  afterEach(cleanUp);

  it('says it was cancelled or not allowed (code permission-denied), and leaves the camera/mic message alone', async () => {
    const engine = newEngine();
    refuseAll('getUserMedia');
    await engine.startMedia();
    const cameraError = engine.mediaError!;
    expect(cameraError.code).to.equal('permission-denied');
    // Chromium rejects getDisplayMedia with NotAllowedError when the user cancels the picker
    // (as when it is blocked); a page cannot press Cancel, so the picker is answered here.
    const picker = holdPrompts('getDisplayMedia');
    const seen = record(engine);
    const errors = () => seen.filter((e) => e.type === 'error');
    const sharing = engine.startScreenShare();
    await waitUntil(() => picker.asked.length === 1, 'getDisplayMedia not asked');
    picker.asked[0].refuse();
    const err = await sharing.then(
      () => null,
      (e) => e,
    );
    expect(err?.code).to.equal('permission-denied');
    const [event] = errors();
    expect(event?.payload).to.deep.equal({ code: 'permission-denied', message: 'Screen sharing was cancelled or is not allowed.' });
    expect(engine.mediaError, 'camera/mic message kept').to.equal(cameraError);
    expect(engine.screenSharing).to.equal(false);
  });
});

// ------------------------------------------------------------------ ring flow ids

function once<K extends keyof CallEngineEvents>(engine: CallEngine, type: K, ms = 10000): Promise<CallEngineEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(type)} within ${ms} ms`)), ms);
    const off = engine.on(type, (payload) => {
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

describe('Ring flow after a peer reconnected under a new transport id', function () {
  this.timeout(30000);
  afterEach(cleanUp);

  async function twoInRoom() {
    const hub = new Hub();
    const carol = newEngine({ ring: true, audio: false, video: false });
    const dave = newEngine({ ring: true, audio: false, video: false });
    const tCarol = new HubTransport(hub);
    const tDave = new HubTransport(hub);
    await carol.join('r', tCarol, { name: 'Carol' });
    const daveSeen = once(carol, 'peer-joined');
    await dave.join('r', tDave, { name: 'Dave' });
    await daveSeen;
    expect(carol.peers[0].ring).to.equal('ready');
    return { carol, dave, tCarol, tDave };
  }

  it('vc-incoming-call names the caller by the id in peers[], and accept(thatId) connects', async () => {
    const { carol, dave, tCarol } = await twoInRoom();
    const carolId = dave.peers[0].id;
    tCarol.reconnect();
    await sleep(100);
    expect(carol.selfId, 'Carol has a new transport id').to.not.equal(carolId);
    expect(
      dave.peers.map((p) => p.id),
      'Dave still lists Carol under her public id',
    ).to.deep.equal([carolId]);
    const incoming = once(dave, 'incoming-call');
    await carol.call();
    const detail = await incoming;
    expect(detail).to.deep.equal({ peerId: carolId, name: 'Carol' });
    const connected = Promise.all([once(carol, 'peer-connected'), once(dave, 'peer-connected')]);
    await dave.accept(detail.peerId);
    await connected;
  });

  it('call-declined names the callee by the id in peers[]; decline(thatId) takes the incoming-call id', async () => {
    const { carol, dave, tDave } = await twoInRoom();
    const daveId = carol.peers[0].id;
    tDave.reconnect();
    await sleep(100);
    expect(carol.peers.map((p) => p.id)).to.deep.equal([daveId]);
    const incoming = once(dave, 'incoming-call');
    await carol.call();
    const { peerId } = await incoming;
    expect(peerId).to.equal(dave.peers[0].id);
    const declined = once(carol, 'call-declined');
    dave.decline(peerId);
    expect(await declined).to.deep.equal({ peerId: daveId });
    expect(carol.peers[0].ring).to.equal('declined');
  });
});
