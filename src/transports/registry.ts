import { VideoCallError } from '../errors.js';
import type { TransportFactory } from './transport.js';

// Kept on globalThis so two copies of the bundle on one page share one registry.
const KEY = Symbol.for('video-call.transports');
type Registry = Map<string, TransportFactory>;
const registry: Registry =
  ((globalThis as Record<symbol, unknown>)[KEY] as Registry) ?? ((globalThis as Record<symbol, unknown>)[KEY] = new Map());

/** Makes a transport selectable by the element's `transport` attribute. */
export function registerTransport(name: string, factory: TransportFactory): void {
  if (!name || typeof factory !== 'function') {
    throw new TypeError('registerTransport(name, factory): a name and a factory function are required');
  }
  registry.set(name, factory);
}

/** The factory registered as `name`; throws `bad-config` when there is none. */
export function getTransportFactory(name: string): TransportFactory {
  const factory = registry.get(name);
  if (!factory) {
    throw new VideoCallError('bad-config', `Unknown transport "${name}". Known transports: ${[...registry.keys()].join(', ')}.`);
  }
  return factory;
}

/** Names of the registered transports. */
export function transportNames(): string[] {
  return [...registry.keys()];
}
