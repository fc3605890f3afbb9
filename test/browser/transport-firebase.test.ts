// The transport conformance suite, unchanged, against the firebase transport: the real
// firebase SDK in Chromium, talking to the local Realtime Database test server
// (test/firebase-server/server.ts, enforcing database.rules.json; what it does differently
// from the real service is listed at the top of that file). The transports are built from a
// web config, as `transport="firebase"` + `firebase-config` does, so they share one app and
// one websocket, as the elements of one page do.
import { expect } from '@open-wc/testing';
import { createFirebaseTransport } from '../../src/transports/firebase.js';
import { runTransportConformance } from './transport-conformance.js';

// Served by test/firebase-server/wtr-plugin.js. (Imported through a variable: TypeScript
// cannot declare the types of a module named by an absolute path.)
const envModule = '/__firebase-env.js';
const { FIREBASE_DATABASE_URL } = (await import(envModule)) as { FIREBASE_DATABASE_URL: string };

const firebaseConfig = { databaseURL: FIREBASE_DATABASE_URL, projectId: 'test' };

runTransportConformance('firebase', () => createFirebaseTransport({ firebaseConfig }));

describe('firebase transport in the browser', () => {
  it('refuses a config without databaseURL with bad-config', () => {
    expect(() => createFirebaseTransport({ firebaseConfig: { apiKey: 'k' } }))
      .to.throw('databaseURL')
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
