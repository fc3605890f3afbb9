import { expect } from '@open-wc/testing';
import { addCall, eventWithin, remoteVideo, removeAllCalls, shadow, uniqueRoom, videoIsLive } from './helpers.js';

/** Ada and Bob in one room over the local transport, connected; returns Ada's element. */
async function adaAndBob() {
  const room = uniqueRoom();
  const a = addCall({ room, transport: 'local', autojoin: true, name: 'Ada', 'ice-servers': '[]' });
  await eventWithin(a, 'vc-joined');
  const b = addCall({ room, transport: 'local', autojoin: true, name: 'Bob', 'ice-servers': '[]' });
  await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
  await a.updateComplete;
  return a;
}

describe('<video-call> over the local transport', () => {
  afterEach(removeAllCalls);
  it('two elements on one page connect with no server at all', async () => {
    const a = await adaAndBob();
    await videoIsLive(remoteVideo(a)!);
    expect(a.peers[0].name).to.equal('Bob');
  });
  it("re-rendering the call (a new name, any update) does not restart the tiles' videos: no blank flash, no lost frames", async () => {
    const a = await adaAndBob();
    const remote = remoteVideo(a)!;
    const local = shadow(a).querySelector<HTMLVideoElement>('video[part="local-video"]')!;
    await videoIsLive(remote);
    // Each load restart empties the <video> (a blank tile until its next frame) and restarts its frame count.
    let loads = 0;
    for (const v of [remote, local]) v.addEventListener('loadstart', () => loads++);
    const frames = remote.getVideoPlaybackQuality().totalVideoFrames;
    for (let i = 0; i < 10; i++) {
      a.requestUpdate();
      await a.updateComplete;
    }
    a.setAttribute('name', 'Ada Lovelace'); // what Ada sees of herself changes: the whole call re-renders
    await a.updateComplete;
    expect(remote.readyState, 'the remote video still has its picture').to.be.at.least(2);
    await new Promise((r) => setTimeout(r, 300)); // loadstart is dispatched from a task
    expect(loads, 'no <video> restarted its load').to.equal(0);
    expect(remote.getVideoPlaybackQuality().totalVideoFrames, 'its frame count went on').to.be.at.least(frames);
  });
});
