// The transport conformance suite, unchanged, against the firebase transport: the real
// firebase SDK in Chromium, talking to the local Realtime Database test server
// (test/firebase-server/server.ts, enforcing database.rules.json, and signing in at its Auth
// emulator; what it does differently from the real service is listed at the top of that file).
// The transports are built from a web config, as `transport="firebase"` + `firebase-config`
// does: each has an app, an Auth user and a websocket of its own, as the elements of one page do.
import { expect } from '@open-wc/testing';
import { createFirebaseTransport } from '../../src/transports/firebase.js';
import { runTransportConformance } from './transport-conformance.js';

// Served by test/firebase-server/wtr-plugin.js. (Imported through a variable: TypeScript
// cannot declare the types of a module named by an absolute path.)
const envModule = '/__firebase-env.js';
const { FIREBASE_DATABASE_URL, FIREBASE_AUTH_EMULATOR_URL } = (await import(envModule)) as {
  FIREBASE_DATABASE_URL: string;
  FIREBASE_AUTH_EMULATOR_URL: string;
};

const firebaseConfig = { databaseURL: FIREBASE_DATABASE_URL, projectId: 'test', authEmulatorUrl: FIREBASE_AUTH_EMULATOR_URL };

runTransportConformance('firebase', () => createFirebaseTransport({ firebaseConfig }));

describe('firebase transport in the browser', () => {
  it('refuses a config without databaseURL with bad-config', () => {
    expect(() => createFirebaseTransport({ firebaseConfig: { apiKey: 'k' } }))
      .to.throw('databaseURL')
      .with.property('code', 'bad-config');
  });

  it('two transports on one page are two users: two peer ids, each an Auth uid', async () => {
    const room = `users-${Math.random()}`;
    const a = createFirebaseTransport({ firebaseConfig });
    const b = createFirebaseTransport({ firebaseConfig });
    try {
      const ra = await a.join(room, { name: 'Ada' });
      const rb = await b.join(room, { name: 'Bob' });
      expect(ra.selfId).to.match(/^[A-Za-z0-9]{28}$/);
      expect(rb.selfId).to.match(/^[A-Za-z0-9]{28}$/);
      expect(rb.selfId).to.not.equal(ra.selfId);
      expect(rb.peers).to.deep.equal([{ id: ra.selfId, name: 'Ada' }]);
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses a config without apiKey (signing in needs it) unless it names an Auth emulator', () => {
    expect(() => createFirebaseTransport({ firebaseConfig: { databaseURL: FIREBASE_DATABASE_URL } }))
      .to.throw('apiKey')
      .with.property('code', 'bad-config');
  });

  it('is connected once joined, and closed after close()', async () => {
    const t = createFirebaseTransport({ firebaseConfig });
    const states: string[] = [];
    t.on('state', (s) => states.push(s));
    await t.join(`state-${Math.random()}`);
    expect(t.state).to.equal('connected');
    t.close();
    expect(t.state).to.equal('closed');
    expect(states.at(-1)).to.equal('closed');
  });
});
