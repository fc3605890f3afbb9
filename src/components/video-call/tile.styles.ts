import { css } from 'lit';

/** A participant's tile: video or initials, name, badges. */
export const tileStyles = css`
  .tile {
    position: relative;
    margin: 0;
    min-width: 0;
    min-height: 0;
    aspect-ratio: 16 / 9;
    border-radius: var(--_radius);
    overflow: hidden;
    background: var(--_surface);
  }
  /* Out of flow: a video's intrinsic size must never grow its tile (or the element). */
  .tile video {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    object-fit: cover;
    display: block;
    background: #000;
  }
  .tile.local:not(.screen) video {
    transform: scaleX(-1);
  }
  .tile.screen video {
    object-fit: contain;
  }
  .tile.no-video video {
    visibility: hidden;
  }
  .avatar {
    position: absolute;
    inset: 0;
    margin: auto;
    width: min(96px, 40%);
    aspect-ratio: 1;
    display: grid;
    place-items: center;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_accent) 45%, var(--_surface));
    font-size: clamp(16px, 5cqi, 34px);
    font-weight: 700;
  }
  .status {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    background: rgb(0 0 0 / 0.45);
    font-weight: 600;
  }
  .status.problem {
    padding: 12px 16px;
    text-align: center;
    background: color-mix(in srgb, var(--_danger) 35%, rgb(0 0 0 / 0.6));
  }
  figcaption {
    position: absolute;
    inset-inline-start: 8px;
    bottom: 8px;
    max-width: calc(100% - 16px);
    display: flex;
    align-items: center;
    gap: 6px;
    padding: 3px 10px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
    color: #fff;
    font-size: 13px;
  }
  figcaption .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .badge {
    display: inline-grid;
    color: #ff8a8d;
  }
  .badge svg {
    width: 16px;
    height: 16px;
  }
  .screen-badge {
    color: #9ab8ff;
  }
`;
