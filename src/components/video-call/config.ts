import type { PropertyValues, ReactiveControllerHost } from 'lit';
import { DEFAULT_ICE_SERVERS } from '../../call/call-engine.js';
import { VideoCallError, toVideoCallError } from '../../errors.js';
import { getTransportFactory } from '../../transports/registry.js';
import type { Transport } from '../../transports/transport.js';
import { emit } from './events.js';

/** The attributes that say how to connect, parsed and checked. */
export interface Config {
  transport: Transport | string;
  iceServers: RTCIceServer[];
  iceTransportPolicy: RTCIceTransportPolicy;
  firebaseConfig?: Record<string, unknown>;
}

/** `audio` / `video`: `off` (or `false`) is off, anything else on. */
export const onOff = {
  fromAttribute: (v: string | null) => (v === 'off' || v === 'false' ? 'off' : 'on'),
  toAttribute: (v: string) => v,
};

/** `noise-suppression`: `strong`, else like {@link onOff}. */
export const noiseConverter = { ...onOff, fromAttribute: (v: string | null) => (v === 'strong' ? v : onOff.fromAttribute(v)) };

/** JSON attributes: kept as the string until validated; an object set as the property reflects as JSON. */
export const jsonish = {
  fromAttribute: (v: string | null) => v ?? undefined,
  toAttribute: (v: unknown) => (v == null ? null : typeof v === 'string' ? v : JSON.stringify(v)),
};

/** A transport name reflects; a transport object does not (its JSON would be junk as an attribute). */
export const transportConverter = {
  ...jsonish,
  toAttribute: (v: unknown) => (typeof v === 'string' ? v : null),
};

/** What `validateConfig` reads: the element's connection attributes, as properties. */
export interface ConfigSource {
  transport: string | Transport;
  iceServers?: string | RTCIceServer[];
  iceTransportPolicy?: string | null;
  firebaseConfig?: string | Record<string, unknown>;
}

/** Parses and checks the connection attributes; throws a `VideoCallError` `bad-config` saying what is wrong. */
export function validateConfig(el: ConfigSource): Config {
  const iceServers = parseJson<RTCIceServer[]>(el.iceServers, 'ice-servers') ?? DEFAULT_ICE_SERVERS;
  if (!Array.isArray(iceServers) || !iceServers.every((s) => s && (typeof s.urls === 'string' || Array.isArray(s.urls)))) {
    throw new VideoCallError('bad-config', 'ice-servers must be a JSON array of RTCIceServer objects, each with "urls".');
  }
  const policy = el.iceTransportPolicy || 'all';
  if (policy !== 'all' && policy !== 'relay') {
    throw new VideoCallError('bad-config', `The ice-transport-policy attribute must be "all" or "relay", not "${policy}".`);
  }
  const firebaseConfig = parseJson<Record<string, unknown>>(el.firebaseConfig, 'firebase-config');
  if (firebaseConfig !== undefined && (typeof firebaseConfig !== 'object' || Array.isArray(firebaseConfig) || !firebaseConfig)) {
    throw new VideoCallError('bad-config', 'firebase-config must be a JSON object (the Firebase web config).');
  }
  const transport = el.transport || 'socket.io';
  if (typeof transport === 'string') {
    getTransportFactory(transport); // throws bad-config for an unknown name
    if (transport === 'firebase' && !firebaseConfig?.databaseURL) {
      throw new VideoCallError('bad-config', 'transport="firebase" needs a firebase-config attribute with a databaseURL.');
    }
  } else if (typeof transport !== 'object' || typeof transport.join !== 'function' || typeof transport.send !== 'function') {
    throw new VideoCallError(
      'bad-config',
      'The transport property must be a transport name or an object implementing the Transport interface.',
    );
  }
  return { transport, iceServers, iceTransportPolicy: policy, firebaseConfig };
}

function parseJson<T>(value: unknown, attr: string): T | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    throw new VideoCallError(
      'bad-config',
      `The ${attr} attribute is not valid JSON: ${value.length > 80 ? value.slice(0, 80) + '…' : value}`,
    );
  }
}

/** The element as its configuration check sees it. */
export interface ConfigHost extends ReactiveControllerHost, ConfigSource, EventTarget {
  room: string;
  maxPeers: number;
  getAttribute(name: string): string | null;
}

/**
 * The element's attributes, checked as they change: a bad value is reported (`vc-error`
 * `bad-config`) and shown, never thrown from an attribute change. A bad connection attribute
 * (`error`) blocks joining; a bad `max-peers` (`warning`) falls back to 5.
 */
export class ConfigCheck {
  /** The parsed connection attributes (null: they are bad; `error` says why). */
  config: Config | null = null;
  /** A bad configuration: shown, and nothing joins until it is fixed. */
  error: VideoCallError | null = null;
  /** A bad value that has a safe fallback (max-peers): shown, but it blocks nothing. */
  warning: VideoCallError | null = null;
  // TypeScript `private`, not `#`: the bundle targets ES2021, where each `#` member costs a WeakMap.
  private _host: ConfigHost;

  constructor(host: ConfigHost) {
    this._host = host;
  }

  /** Before each update (the host's `willUpdate`): re-checks what changed. */
  check(changed: PropertyValues): void {
    const host = this._host;
    if (
      changed.has('transport') ||
      changed.has('iceServers') ||
      changed.has('iceTransportPolicy') ||
      changed.has('firebaseConfig') ||
      changed.has('room')
    ) {
      this.config = this.validate();
    }
    if (changed.has('maxPeers')) {
      if (Number.isInteger(host.maxPeers) && host.maxPeers >= 1) this.warning = null;
      else {
        const err = new VideoCallError(
          'bad-config',
          `max-peers must be a whole number of at least 1 (got "${host.getAttribute('max-peers')}"); using 5.`,
        );
        this.warning = err;
        this._emit(err);
        host.maxPeers = 5;
      }
    }
  }

  /** Parses the connection attributes; reports `bad-config` (never throws). */
  validate(): Config | null {
    try {
      const config = validateConfig(this._host);
      if (this.error) this._set(null);
      return config;
    } catch (err) {
      this.report(toVideoCallError(err, 'bad-config'));
      return null;
    }
  }

  /** Shows and fires a configuration error. */
  report(err: VideoCallError): void {
    this._set(err);
    this._emit(err);
  }

  /** The configuration for a join; reports and throws `bad-config` when it is bad or no room is set. */
  forJoin(): Config {
    const config = this.config ?? this.validate();
    if (!config || this.error) throw this.error;
    if (!this._host.room) {
      const err = new VideoCallError('bad-config', 'Set the room attribute to the room you want to join.');
      this.report(err);
      throw err;
    }
    return config;
  }

  /** The warning was dismissed. */
  dismissWarning(): void {
    this.warning = null;
    this._host.requestUpdate();
  }

  private _set(error: VideoCallError | null): void {
    this.error = error;
    this._host.requestUpdate();
  }

  private _emit(err: VideoCallError): void {
    emit(this._host, 'vc-error', { code: err.code, message: err.message });
  }
}
