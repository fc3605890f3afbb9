import { loadFirebaseTransport } from './firebase-loader.js';
import { createLocalTransport } from './local.js';
import { registerTransport, transportNames } from './registry.js';
import { createSocketIoTransport } from './socket-io.js';

// Registered once per page even if two copies of the bundle load (the registry is shared).
if (!transportNames().includes('socket.io')) {
  registerTransport('socket.io', (o) => createSocketIoTransport({ server: o.server }));
  registerTransport('local', () => createLocalTransport());
  registerTransport('firebase', async (o) => (await loadFirebaseTransport()).createFirebaseTransport({ firebaseConfig: o.firebaseConfig }));
}
