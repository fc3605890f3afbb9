/**
 * The SFU topology (issue 13, CONTRACT section 10): media through a Janus VideoRoom instead of a
 * connection to every peer. We publish once (one RTCPeerConnection up: the mic, and the camera
 * or screen with simulcast) and subscribe once (one multistream RTCPeerConnection down carrying
 * every other participant's streams). Each remote peer still gets a {@link PeerLink} (an
 * {@link SfuLink}), so the room, the engine and the element work as on the mesh: the link's
 * stream holds that peer's tracks from the subscription, and its "data channel" (chat, media
 * state, names, pings, bye) goes through the signaling transport, addressed to that peer.
 *
 * Janus knows participants by `display`, which is each one's transport id. Each viewer asks
 * Janus (`configure` … `substream`) for the simulcast layer that fits how many tiles it shows:
 * the top layer for one other, the middle one for a grid of two or three others (tiles about
 * half the call's width), the lowest beyond (a third or less).
 *
 * A screen share is its own stream of the publication (described `screen` to Janus): one layer
 * at the screen's own size, so every viewer gets it whole, whatever the grid; our camera's
 * layers pause while we share. A viewer's tile of someone sharing plays their screen stream
 * (large: the element's layout), and their camera again when they stop.
 *
 * A connection to Janus that is lost restarts ICE through Janus (see {@link LOST_MS}); one that
 * does not come up, or whose restart Janus does not take, is made again (see
 * {@link CONNECT_TIMEOUT_MS}); a Janus that goes away is joined again with fresh access.
 */
import { Emitter } from '../../emitter.js';
import { parseChannelMessage, type ChannelMessage } from '../channel-protocol.js';
import { ICE_RETRY_MS, rtcConfiguration } from '../ice-watch.js';
import type { IceSettings } from '../mesh.js';
import { collectStats, ofTracks, type PeerStats } from '../stats.js';
import type { LinkEvents, LinkOptions, PeerLink, Topology } from '../topology.js';
import type { SfuAccess } from '../../transports/relay-protocol.js';
import { JanusRefusal, JanusWs, type JanusHandle, type JanusMsg } from './janus-ws.js';

/** The signal that carries a data-channel message over the transport on the SFU. */
export const DATA_SIGNAL = 'sfu-data';
/** VideoRoom: no such room (426), no such feed (428). */
const NO_SUCH_ROOM = 426;
const ROOM_EXISTS = 427;
/** Janus refuses the session (403: a core token missing or wrong), or VideoRoom the room (433: its token or pin). */
const UNAUTHORIZED = 403;
const ROOM_UNAUTHORIZED = 433;
/**
 * Simulcast layers we send, highest first: Janus takes the first rid for its top substream (2)
 * and the last for substream 0 (as janus.js sends them). Listed low to high, a viewer asking for
 * the lowest layer got the top one, which a busy sender may not send at all (no picture).
 */
const ENCODINGS: RTCRtpEncodingParameters[] = [
  { rid: 'h', maxBitrate: 1_500_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
];
/**
 * A screen share's one encoding: no simulcast (every viewer gets it whole; text must stay
 * readable), up to this bitrate. Chromium keeps its resolution and lowers its frame rate.
 */
const SCREEN_ENCODING: RTCRtpEncodingParameters = { maxBitrate: 2_500_000 };
/** The `description` of our screen-share stream on Janus (`feed_description` for viewers). */
const SCREEN = 'screen';
/** Wait before trying Janus again after it went away (doubling up to the max). */
const RETRY_MS = 1000;
const RETRY_MAX_MS = 8000;
/**
 * A connection to Janus not up this long after its description is applied is made again: the
 * subscription on a new handle, the publication with a new session. Rare, but seen: a
 * subscription answered and started on which the browser never made a single ICE check (the
 * cause found was Chromium's ICE candidate pool, no longer used: see `rtcConfiguration`; this
 * stays as the guard for any other).
 * Generous: on a machine too busy to answer ICE checks in time, making a connection again
 * costs more than waiting (all its streams start over, from keyframes).
 */
export const CONNECT_TIMEOUT_MS = 20_000;
/**
 * A connection that was up and is `disconnected` this long gets an ICE restart through Janus
 * (`failed`: at once), and another every {@link ICE_RETRY_MS} while it stays down: the same
 * connection on a new path, its streams going on (nobody sees our tile go). Later than the
 * mesh's 2.5 s: Chromium gets most `disconnected` connections back by itself within seconds
 * (a busy machine misses consent checks). A restart Janus does not take (its session or
 * handle gone) makes the connection again instead.
 */
export const LOST_MS = 5000;

export interface SfuTopologyHost {
  /** Our id on the transport (our `display` on Janus). */
  selfId(): string;
  /** The remote peer whose transport id is `tid`: its public id. */
  peerIdOf(tid: string): string | undefined;
  /** Whether the peer with this public id shares a screen (its tile is large). */
  sharing(peerId: string): boolean;
  /** The tracks we send now: the mic, the camera (null while a screen is shared) and the screen. */
  tracks(): { audio: MediaStreamTrack | null; video: MediaStreamTrack | null; screen: MediaStreamTrack | null };
  ice(): IceSettings;
  /** The access to use now (tokens may have been refreshed). */
  access(): SfuAccess;
  /** Fresh access (new tokens, the room made again): the relay's `sfu-refresh`; null without a relay. */
  refresh(): Promise<SfuAccess> | null;
  /** Create the room ourselves (`sfu-url`: a Janus without the relay's orchestration). */
  create: boolean;
  /** Something went wrong that the user should hear of (not fatal: media may come back); `transport` unless said. */
  problem(message: string, code?: 'unauthorized'): void;
  /** All is well again: our connections to Janus are up (what `problem` said is over). */
  fine(): void;
}

/** Resolves once `pc` has gathered its ICE candidates (we send complete descriptions, no trickle). */
function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const done = () => pc.iceGatheringState === 'complete' && (pc.removeEventListener('icegatheringstatechange', done), resolve());
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, 3000); // whatever was gathered by then
  });
}

/** One remote peer on the SFU. */
export class SfuLink extends Emitter<LinkEvents> implements PeerLink {
  connectionState: RTCPeerConnectionState = 'new';
  readonly stream = new MediaStream();
  closed = false;

  constructor(
    readonly options: LinkOptions,
    private readonly topology: SfuTopology,
  ) {
    super();
    // Nothing to open: the transport carries our messages. Tell the engine it may send.
    queueMicrotask(() => !this.closed && this.emit('open', undefined));
  }

  /** Tells the engine again that it may send (our media state and key go out again). */
  reopen(): void {
    if (!this.closed) this.emit('open', undefined);
  }

  /** Mesh signals (a peer still on the mesh for a moment): not ours. */
  async handleSignal(): Promise<void> {}
  offer(): void {}
  /** Our tracks go up once, on the publisher connection (see SfuTopology.setTrack). */
  async setTrack(): Promise<void> {}

  send(message: ChannelMessage): boolean {
    if (this.closed) return false;
    this.options.signal({ t: DATA_SIGNAL, m: JSON.stringify(message) } as never);
    return true;
  }

  /** A message from the peer, through the transport. */
  receive(raw: unknown): void {
    if (this.closed || (this.options.admit && !this.options.admit())) return;
    const m = parseChannelMessage(raw);
    if (m) this.emit('message', m);
  }

  /** The peer's tracks from the subscription now. */
  setTracks(tracks: MediaStreamTrack[]): void {
    const had = this.stream.getTracks();
    if (had.length === tracks.length && had.every((t) => tracks.includes(t))) return;
    for (const t of had) if (!tracks.includes(t)) this.stream.removeTrack(t);
    for (const t of tracks) if (!had.includes(t)) this.stream.addTrack(t);
    this.emit('track', this.stream);
  }

  setState(state: RTCPeerConnectionState): void {
    if (this.closed || state === this.connectionState) return;
    this.connectionState = state;
    this.emit('connection', state);
  }

  getStats(): Promise<PeerStats> {
    return this.topology.stats(this.options.peerId);
  }

  /** The subscription's statistics, of this peer's streams only (the connection carries everyone's). */
  async report(): Promise<RTCStatsReport> {
    return ofTracks(await this.topology.report(), new Set(this.stream.getTracks().map((t) => t.id)));
  }

  /** This peer's audio as received (from the subscription), and ours as sent (the publication). */
  audio(): [RTCRtpReceiver | undefined, RTCRtpSender | undefined] {
    return this.topology.audio(this.stream.getAudioTracks()[0]);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.topology.unlink(this);
    this.removeAllListeners();
  }
}

/** Publishes once and subscribes once on a Janus VideoRoom; one {@link SfuLink} per remote peer. */
export class SfuTopology implements Topology {
  readonly links = new Map<string, SfuLink>();
  #janus: JanusWs | null = null;
  #pub: RTCPeerConnection | null = null;
  #pubHandle: JanusHandle | null = null;
  #sub: RTCPeerConnection | null = null;
  #subHandle: JanusHandle | null = null;
  /** Feeds (Janus publisher ids) by display (transport id), and what we subscribed to. */
  #feeds = new Map<string, string>();
  /** Feed ids as Janus gave them (strings with `string_ids`, else numbers), by their string form. */
  #feedIds = new Map<string, unknown>();
  #subscribed = new Set<string>();
  /** Which subscription is current: work for an older one (made again since) is dropped. */
  #subGen = 0;
  /** Connections made again in a row without one coming up (the user hears of it at the second). */
  #redone = 0;
  /** Subscription stream by mid: whose (display), of which of its feeds, what kind, and whether it is their screen. */
  #mids = new Map<string, { display: string; feed: string; type: string; screen: boolean }>();
  #substreams = new Map<string, number>();
  /** Subscription changes one at a time (Janus renegotiates each). */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #retryMs = RETRY_MS;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  constructor(private readonly host: SfuTopologyHost) {
    void this.#run();
    this.#scheduleRefresh();
  }

  link(options: LinkOptions): PeerLink {
    this.links.get(options.peerId)?.close();
    const link = new SfuLink(options, this);
    this.links.set(options.peerId, link);
    queueMicrotask(() => this.#assign());
    return link;
  }

  /** @internal */
  unlink(link: SfuLink): void {
    if (this.links.get(link.options.peerId) === link) this.links.delete(link.options.peerId);
    this.#layers();
  }

  /** Our mic, camera or screen changed: each of our three streams sends what it should now (see `tracks()`). */
  setTrack(): void {
    const [audio, camera, screen] = this.#pub?.getTransceivers() ?? [];
    const now = this.host.tracks();
    for (const [t, track] of [
      [audio, now.audio],
      [camera, now.video],
      [screen, now.screen],
    ] as const) {
      if (t && t.sender.track !== track) t.sender.replaceTrack(track).catch((err) => console.warn('[video-call]', err));
    }
  }

  broadcast(message: ChannelMessage): void {
    for (const l of this.links.values()) l.send(message);
  }

  /** A data message from the peer with transport id `tid`. */
  receive(tid: string, raw: unknown): void {
    const id = this.host.peerIdOf(tid);
    if (id !== undefined) this.links.get(id)?.receive(raw);
  }

  /** The peer `tid` just came to the SFU: our media state again, for it. */
  hello(tid: string): void {
    const id = this.host.peerIdOf(tid);
    const link = id !== undefined ? this.links.get(id) : undefined;
    link?.reopen();
  }

  /** Stats of what we get from `peerId` (its streams of the subscription), and what we send (the publication). */
  async stats(peerId: string): Promise<PeerStats> {
    const pc = this.#sub;
    const tracks = this.links.get(peerId)?.stream.getTracks() ?? [];
    if (pc) return collectStats(peerId, pc, { inbound: new Set(tracks.map((t) => t.id)), outbound: this.#pub });
    const none = { roundTripTime: null, frameWidth: null, frameHeight: null, framesPerSecond: null };
    return { peerId, packetsLost: 0, packetLoss: 0, bitrateIn: 0, bitrateOut: 0, relayed: false, ...none };
  }

  /** @internal */
  report(): Promise<RTCStatsReport> {
    return (this.#sub ?? this.#pub)?.getStats() ?? Promise.resolve(new Map() as unknown as RTCStatsReport);
  }

  /** @internal The receiver of `track` (on the subscription) and our audio sender (on the publication). */
  audio(track: MediaStreamTrack | undefined): [RTCRtpReceiver | undefined, RTCRtpSender | undefined] {
    const receiver = this.#sub?.getReceivers().find((r) => r.track === track);
    const sender = this.#pub?.getSenders().find((x) => x.track?.kind === 'audio');
    return [receiver, sender];
  }

  /** A peer's screen share started or stopped (its tile switches stream), or the grid changed (the layers follow). */
  layout(): void {
    this.#assign();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retry);
    clearTimeout(this.#refreshTimer);
    this.#teardown();
    for (const l of [...this.links.values()]) l.close();
  }

  // ------------------------------------------------------------ Janus

  async #start(): Promise<void> {
    let access = this.host.access();
    const janus = await JanusWs.open(access.url, () => this.host.access().token);
    if (this.#closed) return janus.close();
    this.#janus = janus;
    janus.onclose = () => {
      if (this.#janus !== janus) return;
      this.#teardown();
      for (const l of this.links.values()) l.setState('disconnected');
      this.#again();
    };
    const pub = await janus.attach((m) => this.#onPublisherEvent(m));
    if (this.host.create) {
      await pub
        .message({ request: 'create', room: access.room, permanent: false, is_private: true, publishers: 64, videocodec: 'vp8,h264' })
        .catch((e) => {
          if (!(e instanceof JanusRefusal && e.code === ROOM_EXISTS)) throw e;
        });
    }
    const join = () =>
      pub.message({
        request: 'join',
        ptype: 'publisher',
        room: access.room,
        pin: access.pin,
        token: access.roomToken,
        display: this.host.selfId(),
      });
    let joined: JanusMsg;
    try {
      joined = await join();
    } catch (e) {
      // The room went (destroyed while empty, Janus restarted): the relay makes it again.
      const fresh = e instanceof JanusRefusal && e.code === NO_SUCH_ROOM ? this.host.refresh() : null;
      if (!fresh) throw e;
      access = await fresh;
      joined = await join();
    }
    this.#retryMs = RETRY_MS;
    this.#addFeeds(joined.plugindata?.data.publishers);
    await this.#publish(pub);
  }

  /**
   * Joins Janus and publishes. On failure the user hears why (once: `problem`), and we try again
   * later; except a refusal with nothing to change it (no relay to ask for fresh access).
   */
  #run(): Promise<void> {
    const started = this.#start();
    started.catch((e: Error) => {
      if (this.#closed) return;
      const refused = e instanceof JanusRefusal && (e.code === UNAUTHORIZED || e.code === ROOM_UNAUTHORIZED);
      if (refused) this.host.problem(`The media server refused to let this call in (${e.message}).`, 'unauthorized');
      else this.host.problem(`The media server is unreachable: ${e.message}`);
      if (!refused || !this.host.create) this.#again(); // with a relay, the next try has fresh access
    });
    return started;
  }

  /** Janus went away or refused: try again later (a Janus restart: the room re-forms). */
  #again(): void {
    if (this.#closed) return;
    clearTimeout(this.#retry);
    const ms = this.#retryMs;
    this.#retryMs = Math.min(ms * 2, RETRY_MAX_MS);
    this.#retry = setTimeout(async () => {
      if (this.#closed) return;
      this.#teardown();
      try {
        await this.host.refresh();
      } catch {
        /* the relay may be away too: the next attempt asks again */
      }
      this.#run().catch(() => {});
    }, ms);
  }

  /** Fresh tokens a while before these expire (Janus checks them on every request, keepalives too). */
  #scheduleRefresh(): void {
    const ms = Math.max(30_000, this.host.access().expires * 1000 - Date.now() - 300_000);
    if (!Number.isFinite(ms) || !this.host.access().expires) return;
    this.#refreshTimer = setTimeout(async () => {
      try {
        await this.host.refresh();
      } catch {
        /* tried again at the next schedule */
      }
      if (!this.#closed) this.#scheduleRefresh();
    }, ms);
  }

  #teardown(): void {
    const janus = this.#janus;
    this.#janus = null;
    janus?.close();
    this.#pub?.close();
    this.#sub?.close();
    this.#pub = this.#sub = null;
    this.#pubHandle = null;
    this.#subHandle = null;
    this.#subGen++;
    this.#subscribed.clear();
    this.#mids.clear();
    this.#substreams.clear();
    this.#feeds.clear();
    this.#feedIds.clear();
    this.#queue = Promise.resolve();
  }

  #config(): RTCConfiguration {
    const { iceServers, iceTransportPolicy } = this.host.ice();
    return rtcConfiguration(iceServers, iceTransportPolicy);
  }

  /**
   * Our mic, camera (simulcast) and screen up to Janus: three streams of one publication, each
   * sending its track or nothing (the screen's only while we share, the camera's only while we do not).
   */
  async #publish(handle: JanusHandle): Promise<void> {
    const pc = (this.#pub = new RTCPeerConnection(this.#config()));
    this.#pubHandle = handle;
    const { audio, video, screen } = this.host.tracks();
    pc.addTransceiver(audio ?? 'audio', { direction: 'sendonly' });
    pc.addTransceiver(video ?? 'video', { direction: 'sendonly', sendEncodings: ENCODINGS });
    const share = pc.addTransceiver(screen ?? 'video', { direction: 'sendonly', sendEncodings: [SCREEN_ENCODING] });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const answer = await handle.message(
      { request: 'configure', audio: true, video: true, descriptions: [{ mid: share.mid, description: SCREEN }] },
      pc.localDescription!.toJSON(),
    );
    if (this.#pub !== pc) return;
    await pc.setRemoteDescription(answer.jsep!);
    // Lost: an ICE restart (a new offer). Not up in time, or the restart refused: publish again on a new session.
    this.#watch(
      pc,
      () => this.#again(),
      () => this.#restartPublication(pc),
    )();
    this.setTrack(); // the tracks may have changed while we negotiated
    this.#layers();
  }

  #onPublisherEvent(m: JanusMsg): void {
    const data = m.plugindata?.data;
    if (!data) return;
    this.#addFeeds(data.publishers);
    const gone = data.unpublished ?? data.leaving;
    if (gone !== undefined) {
      for (const [display, feed] of this.#feeds) {
        if (feed === String(gone)) {
          this.#feeds.delete(display);
          this.#subscribed.delete(feed);
        }
      }
    }
  }

  #addFeeds(list: unknown): void {
    if (!Array.isArray(list)) return;
    const fresh: string[] = [];
    for (const p of list as { id?: unknown; display?: unknown }[]) {
      if (p.id === undefined || typeof p.display !== 'string' || p.display === this.host.selfId()) continue;
      const feed = String(p.id);
      this.#feeds.set(p.display, feed);
      this.#feedIds.set(feed, p.id);
      if (!this.#subscribed.has(feed)) fresh.push(feed);
    }
    if (fresh.length) this.#subscribe(fresh);
  }

  /** Adds `feeds` to our one subscription (joins as a subscriber the first time). */
  #subscribe(feeds: string[]): void {
    for (const f of feeds) this.#subscribed.add(f);
    const janus = this.#janus;
    const gen = this.#subGen;
    this.#queue = this.#queue
      .then(async () => {
        if (!janus || janus !== this.#janus || gen !== this.#subGen) return;
        const streams = feeds.map((feed) => ({ feed: this.#feedIds.get(feed) ?? feed }));
        if (!this.#subHandle) {
          const handle = await janus.attach((m) => gen === this.#subGen && this.#onSubscriberEvent(m));
          if (gen !== this.#subGen) return handle.detach();
          const access = this.host.access();
          this.#subHandle = handle;
          const m = await this.#retry428(() =>
            handle.message({ request: 'join', ptype: 'subscriber', room: access.room, pin: access.pin, token: access.roomToken, streams }),
          );
          await this.#answer(m, gen);
        } else {
          const m = await this.#retry428(() => this.#subHandle!.message({ request: 'subscribe', streams }));
          if (m.jsep) await this.#answer(m, gen);
        }
      })
      .catch((e: Error) => {
        if (gen !== this.#subGen) return;
        for (const f of feeds) this.#subscribed.delete(f);
        if (this.#janus !== janus || this.#closed) return;
        console.warn('[video-call] SFU subscription failed, trying again:', e.message);
        // Janus announces a publisher once: try again while it is still there.
        setTimeout(() => {
          if (this.#janus !== janus) return;
          const again = feeds.filter((f) => !this.#subscribed.has(f) && [...this.#feeds.values()].includes(f));
          if (again.length) this.#subscribe(again);
        }, 1000);
      });
  }

  /** A feed just published may not be offered yet (VideoRoom 428): try again briefly. */
  async #retry428(fn: () => Promise<JanusMsg>): Promise<JanusMsg> {
    for (let i = 0; ; i++) {
      try {
        return await fn();
      } catch (e) {
        if (i >= 12 || !(e instanceof JanusRefusal && e.code === 428)) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  /** Janus changed the subscription on its own (a publisher left): answer its new offer. */
  #onSubscriberEvent(m: JanusMsg): void {
    if (!m.jsep) return;
    const gen = this.#subGen;
    this.#queue = this.#queue.then(() => this.#answer(m, gen)).catch((e: Error) => console.warn('[video-call]', e.message));
  }

  /** Our subscription did not come up, or was lost: a new one (a new handle), of every feed we know. */
  #resubscribe(): void {
    this.#subGen++;
    this.#subHandle?.detach();
    this.#sub?.close();
    this.#sub = null;
    this.#subHandle = null;
    this.#subscribed.clear();
    this.#mids.clear();
    this.#substreams.clear();
    this.#queue = Promise.resolve();
    const feeds = [...new Set(this.#feeds.values())];
    if (feeds.length) this.#subscribe(feeds);
  }

  /**
   * Watches a connection to Janus. Not up {@link CONNECT_TIMEOUT_MS} after the returned function
   * is first called (its description applied), or `failed` before it was ever up: `redo` makes
   * it again. Up, then lost ({@link LOST_MS} `disconnected`; `failed` at once): `restart` (an ICE
   * restart), again every {@link ICE_RETRY_MS} until it is back; one Janus does not take makes it
   * again. Returns the check, to call once the description is applied.
   */
  #watch(pc: RTCPeerConnection, redo: () => void, restart: () => Promise<void>): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let up = false;
    let restarts = 0;
    let restarting = false;
    const current = () => !this.#closed && (pc === this.#pub || pc === this.#sub);
    const which = () => (pc === this.#pub ? 'publication' : 'subscription');
    const fire = () => {
      clearTimeout(timer);
      timer = undefined;
      if (!current() || pc.connectionState === 'connected') return;
      console.warn(`[video-call] SFU ${which()} ${up ? 'lost' : 'not up'} (${pc.connectionState}): making it again`);
      if (++this.#redone === 2) this.host.problem('The media server does not answer on its media connection; trying again.');
      redo();
    };
    const iceRestart = () => {
      timer = undefined;
      if (!current() || pc.connectionState === 'connected') return;
      if (++restarts === 1) console.warn(`[video-call] SFU ${which()} lost (${pc.connectionState}): restarting ICE`);
      restarting = true;
      restart().then(
        () => {
          restarting = false;
          // Still down a while after the new path was offered: another restart.
          if (current() && pc.connectionState !== 'connected') timer ??= setTimeout(iceRestart, ICE_RETRY_MS);
        },
        (e: Error) => {
          restarting = false;
          console.warn(`[video-call] SFU ${which()}: ICE restart not taken (${e.message})`);
          fire();
        },
      );
    };
    const check = () => {
      if (!current()) return clearTimeout(timer);
      if (pc.connectionState === 'connected') {
        clearTimeout(timer);
        timer = undefined;
        up = true;
        restarts = 0;
        this.#redone = 0;
        const on = (c: RTCPeerConnection | null) => c?.connectionState === 'connected';
        if (on(this.#pub) && (!this.#sub || on(this.#sub))) this.host.fine();
      } else if (!up) {
        if (pc.connectionState === 'failed') fire();
        else timer ??= setTimeout(fire, CONNECT_TIMEOUT_MS);
      } else if (!restarting && (pc.connectionState === 'failed' || pc.connectionState === 'disconnected')) {
        timer ??= setTimeout(iceRestart, pc.connectionState === 'failed' ? 0 : LOST_MS);
      }
    };
    pc.addEventListener('connectionstatechange', check);
    return check;
  }

  /** An ICE restart of our publication: a new offer with new ICE credentials, through `configure`. */
  async #restartPublication(pc: RTCPeerConnection): Promise<void> {
    const handle = this.#pubHandle;
    if (!handle || this.#pub !== pc) return;
    await pc.setLocalDescription(await pc.createOffer({ iceRestart: true }));
    await gathered(pc);
    if (this.#pub !== pc) return;
    const answer = await handle.message({ request: 'configure', audio: true, video: true }, pc.localDescription!.toJSON());
    if (this.#pub === pc && answer.jsep) await pc.setRemoteDescription(answer.jsep);
  }

  /** An ICE restart of our subscription: Janus offers new ICE credentials (`configure` with `restart`); we answer. */
  async #restartSubscription(pc: RTCPeerConnection): Promise<void> {
    const gen = this.#subGen;
    const run = this.#queue.then(async () => {
      const handle = this.#subHandle;
      if (!handle || this.#sub !== pc || gen !== this.#subGen) return;
      const m = await handle.message({ request: 'configure', restart: true });
      if (m.jsep) await this.#answer(m, gen);
    });
    this.#queue = run.catch(() => {});
    await run;
  }

  /** Answers Janus's offer for our subscription, then maps its streams to the peers. */
  async #answer(m: JanusMsg, gen: number): Promise<void> {
    if (gen !== this.#subGen) return;
    const streams = m.plugindata?.data.streams;
    if (Array.isArray(streams)) {
      this.#mids.clear();
      type Stream = { mid?: string; feed_id?: unknown; feed_display?: string; feed_description?: string; type?: string; active?: boolean };
      for (const s of streams as Stream[]) {
        if (s.mid !== undefined && typeof s.feed_display === 'string' && s.active !== false)
          this.#mids.set(s.mid, {
            display: s.feed_display,
            feed: String(s.feed_id),
            type: s.type ?? '',
            screen: s.feed_description === SCREEN,
          });
      }
    }
    if (!m.jsep) return;
    let pc = this.#sub;
    let watch: (() => void) | undefined;
    if (!pc) {
      const fresh = (pc = this.#sub = new RTCPeerConnection(this.#config()));
      pc.addEventListener('connectionstatechange', () => {
        if (this.#sub !== fresh) return;
        this.#assign();
      });
      watch = this.#watch(
        fresh,
        () => this.#resubscribe(),
        () => this.#restartSubscription(fresh),
      );
    }
    await pc.setRemoteDescription(m.jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    if (this.#sub !== pc || !this.#subHandle || gen !== this.#subGen) return;
    await this.#subHandle.message({ request: 'start' }, pc.localDescription!.toJSON());
    watch?.();
    this.#substreams.clear();
    this.#assign();
  }

  /** Hands each link its peer's tracks from the subscription, and its state. */
  #assign(): void {
    const pc = this.#sub;
    const byDisplay = new Map<string, { audio?: MediaStreamTrack; camera?: MediaStreamTrack; screen?: MediaStreamTrack }>();
    for (const t of pc?.getTransceivers() ?? []) {
      const s = t.mid !== null ? this.#mids.get(t.mid) : undefined;
      if (!s || t.currentDirection === 'inactive' || t.receiver.track.readyState === 'ended') continue;
      // Someone who came back (a new session) is a new feed; their old one lingers until Janus times it out.
      if (this.#feeds.get(s.display) !== s.feed) continue;
      const of = byDisplay.get(s.display) ?? {};
      of[s.type === 'audio' ? 'audio' : s.screen ? 'screen' : 'camera'] = t.receiver.track;
      byDisplay.set(s.display, of);
    }
    for (const [display, { audio, camera, screen }] of byDisplay) {
      const id = this.host.peerIdOf(display);
      const link = id !== undefined ? this.links.get(id) : undefined;
      if (!link) continue;
      // Their tile shows their screen while they share it (large: the element's layout), else their camera.
      const video = (this.host.sharing(id!) && screen) || camera;
      link.setTracks([audio, video].filter((t) => t !== undefined));
      link.setState(pc!.connectionState);
    }
    this.#layers();
  }

  /** The simulcast layer each remote camera is received at: what fits the tiles shown. */
  #layers(): void {
    const count = this.links.size;
    // Past four others nobody's tile of us needs the top layer (a pinned one gets the middle):
    // not encoding it halves what each page's camera costs in a big room.
    const sender = this.#pub?.getTransceivers()[1]?.sender;
    const params = sender?.getParameters();
    const top = count < 4;
    if (sender && params?.encodings?.length === 3 && params.encodings[0].active !== top) {
      params.encodings[0].active = top;
      sender.setParameters(params).catch(() => {});
    }
    const handle = this.#subHandle;
    if (!handle || !this.#sub) return;
    const changes: { mid: string; substream: number }[] = [];
    for (const [mid, s] of this.#mids) {
      if (s.type !== 'video' || s.screen) continue; // a screen has one layer
      const substream = count <= 1 ? 2 : count <= 3 ? 1 : 0;
      if (this.#substreams.get(mid) === substream) continue;
      this.#substreams.set(mid, substream);
      changes.push({ mid, substream });
    }
    if (changes.length) handle.message({ request: 'configure', streams: changes }).catch(() => {});
  }
}
