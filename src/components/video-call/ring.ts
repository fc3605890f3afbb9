import { html, nothing } from 'lit';
import type { PeerState } from '../../call/call-engine.js';
import { icons } from './icons.js';
import { displayName } from './text.js';

export interface RingModel {
  /** The room's peers (the ring flow is 1:1: the first is the other side). */
  peers: PeerState[];
  /** Who declined our call, if they did. */
  declinedBy: string | null;
  onCall: () => void;
  onAccept: () => void;
  onDecline: () => void;
}

/** The ring flow's card: waiting, "Start call", calling, or an incoming call to accept or decline. */
export function renderRing(m: RingModel) {
  const p = m.peers[0];
  const who = html`<bdi>${displayName(p?.name ?? '') || 'Someone'}</bdi>`;
  let content;
  if (!p) content = html`<p>Waiting for someone to join…</p>`;
  else if (p.ring === 'ready' || p.ring === 'declined')
    content = html`<p>${m.declinedBy !== null ? html`<bdi>${displayName(m.declinedBy)}</bdi> declined the call.` : html`${who} is here.`}</p>
        <button class="primary" type="button" @click=${m.onCall}>${icons.phone} Start call</button>`;
  else if (p.ring === 'calling') content = html`<p>Calling ${who}…</p>`;
  else if (p.ring === 'waiting') content = html`<p>${who} is here. Waiting for their call…</p>`;
  else if (p.ring === 'incoming')
    content = html`<p><strong>${who}</strong> is calling you.</p>
        <div class="ring-actions">
          <button class="primary accept" type="button" @click=${m.onAccept}>${icons.phone} Accept</button>
          <button class="danger" type="button" @click=${m.onDecline}>Decline</button>
        </div>`;
  else return nothing;
  return html`<div class="ring" role="status">${content}</div>`;
}
