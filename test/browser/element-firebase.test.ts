// Two <video-call> elements calling each other over the firebase transport in Chromium: the
// real firebase SDK against the local Realtime Database test server (test/firebase-server/,
// enforcing database.rules.json), fake camera and microphone.
import { expect } from '@open-wc/testing';
import type { VideoCall } from '../../src/video-call.js';
import { createFirebaseTransport } from '../../src/transports/firebase.js';
import { addCall, eventWithin, remoteVideo, removeAllCalls, uniqueRoom, videoIsLive } from './helpers.js';

const envModule = '/__firebase-env.js';
const { FIREBASE_DATABASE_URL } = (await import(envModule)) as { FIREBASE_DATABASE_URL: string };
const firebaseConfig = { databaseURL: FIREBASE_DATABASE_URL, projectId: 'test' };

describe('<video-call> over firebase', function () {
  this.timeout(40000);
  afterEach(removeAllCalls);

  it('connects two elements whose transport property is a firebase transport object', async () => {
    const room = uniqueRoom('fb-obj');
    const make = (name: string) => {
      const el = document.createElement('video-call') as VideoCall;
      el.transport = createFirebaseTransport({ firebaseConfig });
      Object.assign(el, { room, name, autojoin: true, iceServers: '[]' });
      return el;
    };
    const a = make('Ada');
    const b = make('Bob');
    document.body.append(a);
    await eventWithin(a, 'vc-joined');
    document.body.append(b);
    await Promise.all([eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    await a.updateComplete;
    await videoIsLive(remoteVideo(a)!);
    expect(a.peers.map((p) => p.name)).to.deep.equal(['Bob']);
    expect(b.peers.map((p) => p.name)).to.deep.equal(['Ada']);
    const left = eventWithin(a, 'vc-peer-left');
    b.remove();
    await left;
    a.remove();
  });

  it('connects two elements set up with the two attributes transport and firebase-config', async () => {
    const room = uniqueRoom('fb-attr');
    const attrs = { room, transport: 'firebase', 'firebase-config': JSON.stringify(firebaseConfig), autojoin: true, 'ice-servers': '[]' };
    const a = addCall({ ...attrs, name: 'Ada' });
    await eventWithin(a, 'vc-joined');
    const b = addCall({ ...attrs, name: 'Bob' });
    const [joined] = await Promise.all([eventWithin<{ name: string }>(a, 'vc-peer-joined'), eventWithin(a, 'vc-peer-connected'), eventWithin(b, 'vc-peer-connected')]);
    expect(joined.detail.name).to.equal('Bob');
    await a.updateComplete;
    await videoIsLive(remoteVideo(a)!);
  });
});
