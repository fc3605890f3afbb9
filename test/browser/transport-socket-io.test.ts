// The transport conformance suite, unchanged, against the socket.io transport and the
// real relay the test run started (web-test-runner.config.js).
import { RELAY_URL } from './test-env.js';
import { createSocketIoTransport } from '../../src/transports/socket-io.js';
import { runTransportConformance } from './transport-conformance.js';

runTransportConformance('socket.io', () => createSocketIoTransport({ server: RELAY_URL }));
