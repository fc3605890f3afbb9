// Two <video-call> elements calling each other over the firebase transport in Chromium: the
// real firebase SDK against the local Realtime Database test server (test/firebase-server/,
// enforcing database.rules.json), fake camera and microphone.
import { expect } from '@open-wc/testing';
import type { VideoCall } from '../../src/video-call.js';
import { initializeApp } from 'firebase/app';
import { getDatabase, goOffline, goOnline } from 'firebase/database';
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
  it('reconnects a call after one side loses its connection to the database and gets it back', async () => {
    const room = uniqueRoom('fb-drop');
    // Each element on an app and websocket of its own, as in two tabs.
    const make = (name: string) => {
      const db = getDatabase(initializeApp(firebaseConfig, `${name}-${room}`));
      const el = document.createElement('video-call') as VideoCall;
      el.transport = createFirebaseTransport({ database: db });
      Object.assign(el, { room, name, autojoin: true, iceServers: '[]' });
      return { el, db };
    };
    const a = make('Ada');
    const b = make('Bob');
    document.body.append(a.el);
    await eventWithin(a.el, 'vc-joined');
    document.body.append(b.el);
    const first = await eventWithin<{ peerId: string }>(a.el, 'vc-peer-connected');
    const left = eventWithin<{ peerId: string }>(a.el, 'vc-peer-left');
    goOffline(b.db); // Bob's socket closes: the server runs his onDisconnect.
    expect((await left).detail.peerId).to.equal(first.detail.peerId);
    const back = eventWithin<{ peerId: string }>(a.el, 'vc-peer-connected', 30000);
    goOnline(b.db);
    const again = await back;
    expect(again.detail.peerId).to.not.equal(first.detail.peerId);
    expect(a.el.peers.map((p) => p.name)).to.deep.equal(['Bob']);
    a.el.remove();
    b.el.remove();
  });
});
