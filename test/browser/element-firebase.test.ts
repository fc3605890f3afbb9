// Two <video-call> elements calling each other over the firebase transport in Chromium: the
// real firebase SDK against the local Realtime Database test server (test/firebase-server/,
// enforcing database.rules.json, each element signed in as a user of its own at the server's
// Auth emulator), fake camera and microphone.
import { expect } from '@open-wc/testing';
import type { VideoCall } from '../../src/video-call.js';
import { initializeApp } from 'firebase/app';
import { getDatabase, goOffline, goOnline } from 'firebase/database';
import { createFirebaseTransport } from '../../src/transports/firebase.js';
import { addCall, eventWithin, remoteVideo, removeAllCalls, sleep, uniqueRoom, videoIsLive, waitUntil } from './helpers.js';

const envModule = '/__firebase-env.js';
const { FIREBASE_DATABASE_URL, FIREBASE_AUTH_EMULATOR_URL } = (await import(envModule)) as {
  FIREBASE_DATABASE_URL: string;
  FIREBASE_AUTH_EMULATOR_URL: string;
};
const firebaseConfig = { databaseURL: FIREBASE_DATABASE_URL, projectId: 'test', authEmulatorUrl: FIREBASE_AUTH_EMULATOR_URL };

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
    const [joined] = await Promise.all([
      eventWithin<{ name: string }>(a, 'vc-peer-joined'),
      eventWithin(a, 'vc-peer-connected'),
      eventWithin(b, 'vc-peer-connected'),
    ]);
    expect(joined.detail.name).to.equal('Bob');
    await a.updateComplete;
    await videoIsLive(remoteVideo(a)!);
  });
  it('a call survives one side losing the database: no one leaves, and signaling works again after', async () => {
    const room = uniqueRoom('fb-drop');
    // Each element on an app and websocket of its own, as in two tabs.
    const make = (name: string, video: 'on' | 'off') => {
      // (The transport finds authEmulatorUrl in the app's options and signs in there.)
      const db = getDatabase(initializeApp({ ...firebaseConfig, apiKey: 'test-key' }, `${name}-${room}`));
      const el = document.createElement('video-call') as VideoCall;
      el.transport = createFirebaseTransport({ database: db });
      el.setAttribute('video', video);
      Object.assign(el, { room, name, autojoin: true, iceServers: '[]' });
      el.style.cssText = 'display:inline-flex; width:390px; height:290px; --vc-min-height:0';
      return { el, db };
    };
    const a = make('Ada', 'off');
    const b = make('Bob', 'on');
    document.body.append(a.el);
    await eventWithin(a.el, 'vc-joined');
    document.body.append(b.el);
    const [first] = await Promise.all([eventWithin<{ peerId: string }>(a.el, 'vc-peer-connected'), eventWithin(b.el, 'vc-peer-connected')]);
    const seen: string[] = [];
    for (const type of ['vc-peer-left', 'vc-peer-joined', 'vc-peer-connected']) {
      a.el.addEventListener(type, () => seen.push(`a:${type}`));
      b.el.addEventListener(type, () => seen.push(`b:${type}`));
    }
    await a.el.updateComplete;
    const video = remoteVideo(a.el)!;
    await videoIsLive(video);

    goOffline(b.db); // Bob's socket closes: the server runs his onDisconnect (his presence goes).
    await sleep(3000);
    await videoIsLive(video); // media goes on peer to peer
    goOnline(b.db); // Bob comes back under the same id: his presence is written again
    await sleep(3000);
    expect(seen).to.deep.equal([]);
    expect(a.el.peers.map((p) => [p.id, p.name])).to.deep.equal([[first.detail.peerId, 'Bob']]);
    expect(b.el.peers.map((p) => p.name)).to.deep.equal(['Ada']);

    // Signaling to Bob works after his reconnection: Ada's camera needs a renegotiation to reach him.
    a.el.toggleCamera(true);
    await waitUntil(() => b.el.peers[0]?.video === true, 'Bob not told of the camera');
    await b.el.updateComplete;
    await videoIsLive(remoteVideo(b.el)!);
    a.el.remove();
    b.el.remove();
  });
});
