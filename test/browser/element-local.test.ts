import { expect } from '@open-wc/testing';
import { addCall, eventWithin, remoteVideo, removeAllCalls, uniqueRoom, videoIsLive } from './helpers.js';

describe('<video-call> over the local transport', () => {
  afterEach(removeAllCalls);
  it('two elements on one page connect with no server at all', async () => {
    const room = uniqueRoom();
    const a = addCall({ room, transport: 'local', autojoin: true, name: 'Ada', 'ice-servers': '[]' });
    await eventWithin(a, 'vc-joined');
    const b = addCall({ room, transport: 'local', autojoin: true, name: 'Bob', 'ice-servers': '[]' });
    await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    await a.updateComplete;
    await videoIsLive(remoteVideo(a)!);
    expect(a.peers[0].name).to.equal('Bob');
  });
});
