import { html, nothing } from 'lit';
import type { LineReport } from '../../call/quality.js';
import { classMap } from 'lit/directives/class-map.js';
import { stream } from './stream-directive.js';
import { icons } from './icons.js';
import { displayName } from './text.js';
import { parts, t as tr } from '../../i18n/i18n.js';

export interface TileModel {
  /** Remote peer id, or undefined for the local tile. */
  peerId?: string;
  /** The participant's name (as they typed it: it is cleaned and isolated here). */
  label: string;
  /** Our own tile with a name: "(you)" follows it. */
  you?: boolean;
  stream: MediaStream | null;
  audio: boolean;
  video: boolean;
  screen: boolean;
  /** Shown over the tile while not connected, e.g. "Connecting…". */
  status?: string;
  /** The connection cannot be made (ice-failed): the status reads as a problem, not as progress. */
  problem?: boolean;
  /** Play without sound (the browser refused unmuted autoplay before any click). */
  muted?: boolean;
  /** They are speaking now: `data-speaking`, and a ring round the tile. */
  speaking?: boolean;
  /** Shown large (the speaker layout, a pin, a screen share). */
  main?: boolean;
  /** How their line is (remote tiles, once rated): `data-quality`, and signal bars named `lineText`, its figures in words. */
  line?: LineReport;
  lineText?: string;
  /** Their hand is raised (`data-hand` on the tile). */
  hand?: boolean;
  /** Over the tile: the raised hand and the reactions floating (social.ts), once loaded. */
  over?: unknown;
}

function initials(label: string): string {
  // Letters only: a bidi control or zero-width character is not an initial.
  const words = label
    .replace(/\p{Cf}/gu, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? '?').slice(0, 2)).toUpperCase();
}

/**
 * One participant: video (or initials when the camera is off), name, mute and camera-off badges.
 * A stream with no tracks yet is not attached: Chromium holds back the page's `load` event
 * while a <video> plays an empty MediaStream (seen with a refused camera). The stream is set
 * only when it or its tracks change ({@link stream}).
 */
export function renderTile(t: TileModel) {
  const local = t.peerId === undefined;
  const showVideo = t.video && !!t.stream;
  const name = displayName(t.label);
  return html`<figure
    class=${classMap({ tile: true, local, 'no-video': !showVideo, screen: t.screen, main: !!t.main })}
    part="tile ${local ? 'local-tile' : 'remote-tile'}"
    data-peer-id=${t.peerId ?? nothing}
    ?data-speaking=${t.speaking}
    data-quality=${t.line?.quality ?? nothing}
    data-hand=${t.hand ? '' : nothing}
  >
    <video
      part=${local ? 'local-video' : 'remote-video'}
      data-peer-id=${t.peerId ?? nothing}
      .srcObject=${stream(t.stream?.getTracks().length ? t.stream : null)}
      .muted=${local || !!t.muted}
      autoplay
      playsinline
      aria-label=${local ? tr('yourVideo') : tr('videoOf', { name })}
    ></video>
    ${showVideo ? nothing : html`<div class="avatar" aria-hidden="true">${initials(name)}</div>`}
    ${t.status ? html`<div class=${t.problem ? 'status problem' : 'status'} role="status">${t.status}</div>` : nothing}
    ${t.over}
    <figcaption>
      <span class="name">${t.you ? parts('youSuffix', { name: html`<bdi>${name}</bdi>` }) : html`<bdi>${name}</bdi>`}</span>
      ${t.audio ? nothing : html`<span class="badge" role="img" aria-label=${tr('micOffBadge')} title=${tr('micOffBadge')}>${icons.micOff}</span>`}
      ${t.video ? nothing : html`<span class="badge" role="img" aria-label=${tr('cameraOffBadge')} title=${tr('cameraOffBadge')}>${icons.camOff}</span>`}
      ${t.lineText ? html`<span class="badge line" role="img" aria-label=${t.lineText} title=${t.lineText}></span>` : nothing}
      ${t.screen ? html`<span class="badge screen-badge" role="img" aria-label=${tr('sharingScreen')} title=${tr('sharingScreen')}>${icons.screen}</span>` : nothing}
    </figcaption>
  </figure>`;
}
