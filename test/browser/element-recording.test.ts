import { expect } from '@open-wc/testing';
import type { VideoCall } from '../../src/video-call.js';
import { VIDEO_CALL_EVENTS } from '../../src/components/video-call/events.js';
import { addCall, eventWithin, removeAllCalls, shadow, sleep, uniqueRoom, waitUntil } from './helpers.js';

/** Two (or more) real elements in one call over the local transport (real RTCPeerConnections, no server). */
async function call(n: number, attrs: Record<string, string | boolean>[] = []): Promise<VideoCall[]> {
  const room = uniqueRoom('rec');
  const els: VideoCall[] = [];
  for (let i = 0; i < n; i++) {
    const el = addCall({ room, transport: 'local', autojoin: true, name: ['Ada', 'Bob', 'Cy'][i], 'ice-servers': '[]', ...attrs[i] });
    await eventWithin(el, 'vc-joined');
    els.push(el);
  }
  await waitUntil(
    () => els.every((el) => el.peers.length === n - 1 && el.peers.every((p) => p.connectionState === 'connected')),
    'not all connected',
    {
      timeout: 15000,
    },
  );
  return els;
}

const badge = (el: VideoCall) => shadow(el).querySelector<HTMLElement>('[part="recording-badge"]');
const recordButton = (el: VideoCall) => shadow(el).querySelector<HTMLButtonElement>('[part="controls"] button[title="Record the call"]');

/** What a <video> makes of the recording: its frame size and (once sought to the end) its duration. */
async function probe(blob: Blob): Promise<{ width: number; height: number; duration: number }> {
  const video = document.createElement('video');
  video.muted = true;
  video.src = URL.createObjectURL(blob);
  await new Promise((resolve, reject) => {
    video.onloadedmetadata = resolve;
    video.onerror = () => reject(new Error(`the recording does not load: ${video.error?.message}`));
  });
  // MediaRecorder's WebM has no duration in its header: seeking past the end makes the browser find it.
  if (!Number.isFinite(video.duration)) {
    video.currentTime = 1e9;
    await waitUntil(() => Number.isFinite(video.duration), 'no duration', { timeout: 5000 });
  }
  const r = { width: video.videoWidth, height: video.videoHeight, duration: video.duration };
  URL.revokeObjectURL(video.src);
  return r;
}

/** The recording's sound, decoded: its length and how loud it is (RMS over every sample). */
async function sound(blob: Blob): Promise<{ duration: number; rms: number }> {
  const ctx = new AudioContext();
  const buffer = await ctx.decodeAudioData(await blob.arrayBuffer());
  await ctx.close();
  const data = buffer.getChannelData(0);
  let sum = 0;
  for (const x of data) sum += x * x;
  return { duration: buffer.duration, rms: Math.sqrt(sum / data.length) };
}

describe('<video-call> recording', function () {
  this.timeout(60000);
  afterEach(removeAllCalls);

  it('records the call: the other side is told and sees the badge; the WebM has 1280x720 video and the remote voice', async () => {
    const [a, b] = await call(2, [{ recording: true }, {}]);
    await a.updateComplete;
    expect(recordButton(a), 'Record button where recording is offered').to.exist;
    expect(recordButton(b), 'no Record button where it is not').to.not.exist;
    expect(badge(a)).to.not.exist;
    // Our own mic off: whatever sound the recording has is the other side's voice, mixed in.
    a.toggleMic(false);
    const told = eventWithin<{ peerId: string; active: boolean }>(b, 'vc-recording');
    const ours = eventWithin<{ peerId: string; active: boolean }>(a, 'vc-recording');
    recordButton(a)!.click();
    const [theirs, mine] = await Promise.all([told, ours]);
    expect(theirs.detail.active).to.equal(true);
    expect(theirs.detail.peerId).to.equal(mine.detail.peerId);
    expect(b.peers[0].id).to.equal(theirs.detail.peerId);
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(badge(b)?.textContent).to.contain('Recording');
    expect(badge(b)!.closest('[role="status"]'), 'announced (live region)').to.exist;
    expect(badge(a)).to.exist;
    expect(recordButton(a)!.getAttribute('aria-pressed')).to.equal('true');

    await sleep(4000);
    const stopped = eventWithin<{ peerId: string; active: boolean }>(b, 'vc-recording');
    const blob = await a.stopRecording();
    expect((await stopped).detail).to.deep.equal({ peerId: theirs.detail.peerId, active: false });
    await Promise.all([a.updateComplete, b.updateComplete]);
    expect(badge(a)).to.not.exist;
    expect(badge(b)).to.not.exist;

    expect(blob.type).to.equal('video/webm');
    expect(blob.size).to.be.greaterThan(10_000);
    const video = await probe(blob);
    expect(video.width).to.equal(1280);
    expect(video.height).to.equal(720);
    expect(video.duration).to.be.within(3, 8);
    const audio = await sound(blob);
    expect(audio.duration).to.be.within(3, 8);
    expect(audio.rms, 'the remote voice is in the recording').to.be.greaterThan(0.001);
  });

  it('a recorder who leaves ends its badge; a newcomer joining mid-recording sees it', async () => {
    const [a, b] = await call(2, [{ recording: true }, {}]);
    await a.startRecording();
    await waitUntil(() => badge(b), 'badge on the other side');
    // A newcomer is told as its link opens.
    const c = addCall({ room: a.room, transport: 'local', autojoin: true, name: 'Cy', 'ice-servers': '[]' });
    const cTold = await eventWithin<{ peerId: string; active: boolean }>(c, 'vc-recording');
    expect(cTold.detail.active).to.equal(true);
    await c.updateComplete;
    expect(badge(c)).to.exist;
    // The recorder leaves: everyone's badge goes.
    const bTold = eventWithin<{ peerId: string; active: boolean }>(b, 'vc-recording');
    await a.leave();
    expect((await bTold).detail.active).to.equal(false);
    await waitUntil(() => !badge(b) && !badge(c), 'badges gone after the recorder left');
  });

  it('fires each event once for each thing that happens, on each side (none twice)', async () => {
    // Every vc-* event either element fires, as "<name>:<event>" (they bubble to the document).
    let seen: string[] = [];
    const log = (e: Event) => seen.push(`${(e.target as Element).getAttribute('name')}:${e.type}`);
    for (const type of VIDEO_CALL_EVENTS) document.addEventListener(type, log);
    /** How often each event was seen since the last check (who is speaking comes and goes with the fake audio: not counted). */
    const since = () => {
      const counts: Record<string, number> = {};
      for (const k of seen) if (!k.endsWith(':vc-active-speaker')) counts[k] = (counts[k] ?? 0) + 1;
      seen = [];
      return counts;
    };
    try {
      const [a, b] = await call(2, [{ recording: true }, {}]);
      const joined = since();
      for (const k of [
        'Ada:vc-joined',
        'Bob:vc-joined',
        'Ada:vc-peer-connected',
        'Bob:vc-peer-connected',
        'Ada:vc-peer-joined',
        'Bob:vc-peer-joined',
      ])
        expect(joined[k], k).to.equal(1);

      b.sendChat('hello');
      await eventWithin(a, 'vc-chat-message');
      await sleep(300);
      expect(since()).to.deep.equal({ 'Ada:vc-chat-message': 1, 'Bob:vc-chat-message': 1 });

      const told = eventWithin(b, 'vc-recording');
      await a.startRecording();
      await told;
      await sleep(300);
      expect(since()).to.deep.equal({ 'Ada:vc-recording': 1, 'Bob:vc-recording': 1 });

      const stopped = eventWithin(b, 'vc-recording');
      await a.stopRecording();
      await stopped;
      await sleep(300);
      expect(since()).to.deep.equal({ 'Ada:vc-recording': 1, 'Bob:vc-recording': 1 });

      const gone = eventWithin(a, 'vc-peer-left');
      await b.leave();
      await gone;
      await sleep(300);
      // Leaving turns Bob's camera off first, which Ada may hear about before he goes.
      const left = since();
      expect(left['Ada:vc-peer-media'] ?? 0).to.be.at.most(1);
      delete left['Ada:vc-peer-media'];
      expect(left).to.deep.equal({ 'Ada:vc-peer-left': 1, 'Bob:vc-left': 1 });

      b.sendChat('too late');
      await sleep(300);
      expect(since()).to.deep.equal({ 'Bob:vc-error': 1 });
    } finally {
      for (const type of VIDEO_CALL_EVENTS) document.removeEventListener(type, log);
    }
  });

  it('says clearly what is wrong: not in a call, not recording, already recording', async () => {
    const idle = addCall({ room: uniqueRoom(), transport: 'local', recording: true });
    const notJoined = await idle.startRecording().catch((e) => e);
    expect(notJoined.code).to.equal('not-joined');
    const notRecording = await idle.stopRecording().catch((e) => e);
    expect(notRecording.code).to.equal('invalid-state');
    const [a] = await call(2);
    await a.startRecording();
    const again = await a.startRecording().catch((e) => e);
    expect(again.code).to.equal('invalid-state');
    await sleep(1500);
    expect((await a.stopRecording()).size).to.be.greaterThan(0);
    const twice = await a.stopRecording().catch((e) => e);
    expect(twice.code).to.equal('invalid-state');
  });
});
