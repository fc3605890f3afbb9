import { html, nothing, type TemplateResult } from 'lit';
import type { LineReport, PeerState } from '../../call/call-engine.js';
import { renderTile, type TileModel } from './tile.js';
import { parts, t } from '../../i18n/i18n.js';

export interface StageModel {
  /** Our own tile. */
  local: TileModel;
  peers: PeerState[];
  /** The ring flow is on: only the peer in the call gets a tile, and `ringCard` replaces the hint. */
  ring: boolean;
  ringCard: TemplateResult | typeof nothing;
  room: string;
  /** Remote videos play without sound (the browser refused unmuted autoplay). */
  soundBlocked: boolean;
  /** Our own id (for `speaking` and `main`). */
  selfId: string;
  /** Who speaks now (ids, ours included). */
  speaking: ReadonlySet<string>;
  /** Whose tile is shown large (an id, ours included), or null for the plain grid. */
  main: string | null;
  /** A line's figures in words (from the call's extras; until they arrive, no signal bars). */
  lineText?: (line: LineReport) => string;
  /** Over a participant's tile: their raised hand and reactions (social.ts). */
  over: (peerId: string, hand: boolean) => unknown;
}

/** The grid of tiles (ours first), and under it the waiting hint or the ring flow's card. */
export function renderStage(m: StageModel) {
  const visible = m.ring ? m.peers.filter((p) => p.ring === 'active') : m.peers;
  const tiles = visible.map((p) =>
    renderTile({
      peerId: p.id,
      label: p.name || t('guest'),
      stream: p.stream,
      audio: p.audio,
      video: p.video,
      screen: p.screen,
      status: p.problem === 'ice-failed' ? t('cantConnect') : p.connectionState === 'connected' ? undefined : statusText(p.connectionState),
      problem: p.problem === 'ice-failed',
      muted: m.soundBlocked,
      speaking: m.speaking.has(p.id),
      main: m.main === p.id,
      line: p.connectionState === 'connected' ? p.line : undefined,
      lineText: p.line && m.lineText?.(p.line),
      hand: p.hand,
      over: m.over(p.id, p.hand),
    }),
  );
  const local = { ...m.local, speaking: m.speaking.has(m.selfId), main: m.main === m.selfId };
  return html`<section class=${m.main ? 'grid featured' : 'grid'} aria-label=${t('participants', { count: visible.length + 1 })}>${renderTile(local)}${tiles}</section>
        ${m.ring ? m.ringCard : m.peers.length === 0 ? html`<p class="hint" role="status">${m.room ? parts('waitingForOthersRoom', { room: html`<strong><bdi>${m.room}</bdi></strong>` }) : t('waitingForOthers')}</p>` : nothing}`;
}

// A connection to a peer cannot be made (`problem: 'ice-failed'`): the tile says `cantConnect`; the embedder's fix is in vc-error's message.

function statusText(state: RTCPeerConnectionState): string {
  // A dropped connection is restarted on its own (ICE restart), so it reads as in progress.
  return state === 'failed' || state === 'disconnected' ? t('reconnecting') : state === 'closed' ? t('disconnected') : t('connecting');
}
