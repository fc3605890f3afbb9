import { createLocalTransport } from '../../src/transports/local.js';
import { runTransportConformance } from './transport-conformance.js';

runTransportConformance('local', () => createLocalTransport());
