// The `ring` attribute: the seed tutorial's 1:1 flow. The peer already waiting gets
// "Start call"; the other gets "Accept" / "Decline"; nothing connects before accept.
import { expect } from '@open-wc/testing';
import { RELAY_URL } from './test-env.js';
import type { VideoCall } from '../../src/video-call.js';
import { addCall, eventWithin, remoteVideo, removeAllCalls, shadow, sleep, uniqueRoom, videoIsLive, waitUntil } from './helpers.js';

const base = { server: RELAY_URL, 'ice-servers': '[]', ring: true, autojoin: true };
const button = (el: VideoCall, label: string) =>
  [...shadow(el).querySelectorAll('button')].find((b) => b.textContent!.trim() === label) ?? null;

describe('<video-call ring>', function () {
  this.timeout(40000);
  afterEach(removeAllCalls);

  async function twoInRoom() {
    const room = uniqueRoom('ring');
    const caller = addCall({ ...base, room, name: 'Carol' });
    await eventWithin(caller, 'vc-joined');
    const callee = addCall({ ...base, room, name: 'Dave' });
    await Promise.all([eventWithin(callee, 'vc-joined'), eventWithin(caller, 'vc-peer-joined')]);
    await Promise.all([caller.updateComplete, callee.updateComplete]);
    return { caller, callee };
  }

  it('the one waiting gets "Start call", the other waits; nothing connects before a call', async () => {
    const { caller, callee } = await twoInRoom();
    expect(button(caller, 'Start call')).to.exist;
    expect(button(callee, 'Start call')).to.equal(null);
    expect(shadow(callee).querySelector('.ring')!.textContent).to.contain('Waiting for their call');
    await sleep(1000);
    expect(caller.peers[0].connectionState).to.equal('new');
    expect(callee.peers[0].connectionState).to.equal('new');
    expect(remoteVideo(caller)).to.equal(null);
  });

  it('Start call rings the other side, which sees Accept / Decline; still nothing connects until accept', async () => {
    const { caller, callee } = await twoInRoom();
    const incoming = eventWithin<{ peerId: string; name: string }>(callee, 'vc-incoming-call');
    button(caller, 'Start call')!.click();
    const { detail } = await incoming;
    expect(detail).to.deep.equal({ peerId: caller.peers.length ? callee.peers[0].id : '', name: 'Carol' });
    await Promise.all([caller.updateComplete, callee.updateComplete]);
    expect(shadow(caller).querySelector('.ring')!.textContent).to.contain('Calling Dave');
    expect(button(callee, 'Accept')).to.exist;
    expect(button(callee, 'Decline')).to.exist;
    await sleep(800);
    expect(callee.peers[0].connectionState).to.equal('new');

    const connected = Promise.all([eventWithin(caller, 'vc-peer-connected'), eventWithin(callee, 'vc-peer-connected')]);
    button(callee, 'Accept')!.click();
    await connected;
    await Promise.all([caller.updateComplete, callee.updateComplete]);
    await videoIsLive(remoteVideo(caller)!);
    await videoIsLive(remoteVideo(callee)!);
    expect(shadow(callee).querySelector('.ring')).to.equal(null);
  });

  it('Decline tells the caller, who may call again; accept() from the API connects', async () => {
    const { caller, callee } = await twoInRoom();
    let incoming = eventWithin(callee, 'vc-incoming-call');
    await caller.call();
    await incoming;
    callee.decline();
    await waitUntil(() => !!shadow(caller).querySelector('.ring')?.textContent?.includes('declined'), 'caller not told of the decline');
    await caller.updateComplete;
    expect(button(caller, 'Start call')).to.exist;
    expect(caller.peers[0].connectionState).to.equal('new');

    incoming = eventWithin(callee, 'vc-incoming-call');
    button(caller, 'Start call')!.click();
    await incoming;
    await callee.accept();
    await Promise.all([eventWithin(caller, 'vc-peer-connected'), eventWithin(callee, 'vc-peer-connected')]);
  });

  it('call(), accept() and decline() at the wrong moment reject or throw invalid-state, and change nothing', async () => {
    const { caller, callee } = await twoInRoom();
    const acceptErr = await callee.accept().then(
      () => null,
      (e) => e,
    );
    expect(acceptErr.code).to.equal('invalid-state');
    expect(() => callee.decline())
      .to.throw()
      .with.property('code', 'invalid-state');
    const callErr = await callee.call().then(
      () => null,
      (e) => e,
    );
    expect(callErr.code).to.equal('invalid-state');
    expect(button(caller, 'Start call')).to.exist;
  });

  it("a call made the instant the callee appears is not lost (it can beat the callee's own join)", async () => {
    // Over `local`, the one waiting hears of the newcomer before the newcomer's join resolves.
    const room = uniqueRoom('ring-race');
    const caller = addCall({ ...base, transport: 'local', room, name: 'Carol' });
    await eventWithin(caller, 'vc-joined');
    const callee = addCall({ ...base, transport: 'local', room, name: 'Dave' });
    const incoming = eventWithin<{ name: string }>(callee, 'vc-incoming-call');
    await eventWithin(caller, 'vc-peer-joined');
    expect(callee.state).to.equal('joining');
    await caller.call();
    expect((await incoming).detail.name).to.equal('Carol');
    await callee.accept();
    await Promise.all([eventWithin(caller, 'vc-peer-connected'), eventWithin(callee, 'vc-peer-connected')]);
  });
  it('stays a mesh with an SFU offered (topology="sfu", sfu-url): the call connects peer to peer and the SFU code is never fetched', async () => {
    const room = uniqueRoom('ring-sfu');
    // Nothing listens there: had the ring flow gone to the SFU, this call could not connect.
    const sfu = { topology: 'sfu', 'sfu-url': 'ws://127.0.0.1:9/' };
    const caller = addCall({ ...base, ...sfu, room, name: 'Carol' });
    await eventWithin(caller, 'vc-joined');
    const callee = addCall({ ...base, ...sfu, room, name: 'Dave' });
    await Promise.all([eventWithin(callee, 'vc-joined'), eventWithin(caller, 'vc-peer-joined')]);
    await caller.updateComplete;
    const incoming = eventWithin(callee, 'vc-incoming-call');
    button(caller, 'Start call')!.click();
    await incoming;
    await callee.updateComplete;
    const connected = Promise.all([eventWithin(caller, 'vc-peer-connected'), eventWithin(callee, 'vc-peer-connected')]);
    button(callee, 'Accept')!.click();
    await connected;
    await videoIsLive(remoteVideo(callee)!);
    await videoIsLive(remoteVideo(caller)!);
    expect([caller.topology, callee.topology]).to.deep.equal(['mesh', 'mesh']);
    const fetched = performance.getEntriesByType('resource').map((e) => e.name);
    expect(fetched.filter((n) => /\/sfu\/|video-call-sfu/.test(n))).to.deep.equal([]);
  });
});
