import { html, nothing } from 'lit';
import type { PeerState } from '../../call/call-engine.js';
import { icons } from './icons.js';
import { displayName } from './text.js';
import { parts, t } from '../../i18n/i18n.js';

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
  const who = html`<bdi>${displayName(p?.name ?? '') || t('someone')}</bdi>`;
  let content;
  if (!p) content = html`<p>${t('waitingForSomeone')}</p>`;
  else if (p.ring === 'ready' || p.ring === 'declined')
    content = html`<p>${m.declinedBy !== null ? parts('declined', { name: html`<bdi>${displayName(m.declinedBy) || t('they')}</bdi>` }) : parts('isHere', { name: who })}</p>
        <button class="primary" type="button" @click=${m.onCall}>${icons.phone} ${t('startCall')}</button>`;
  else if (p.ring === 'calling') content = html`<p>${parts('calling', { name: who })}</p>`;
  else if (p.ring === 'waiting') content = html`<p>${parts('waitingForTheirCall', { name: who })}</p>`;
  else if (p.ring === 'incoming')
    content = html`<p>${parts('incoming', { name: html`<strong>${who}</strong>` })}</p>
        <div class="ring-actions">
          <button class="primary accept" type="button" @click=${m.onAccept}>${icons.phone} ${t('accept')}</button>
          <button class="danger" type="button" @click=${m.onDecline}>${t('decline')}</button>
        </div>`;
  else return nothing;
  return html`<div class="ring" role="status">${content}</div>`;
}
