import { css } from 'lit';

/** Raised hands, floating reactions, the row of reactions and the participants panel. */
export const socialStyles = css`
  .tile[data-hand] {
    outline: 3px solid #f5b301;
    outline-offset: -3px;
  }
  .tile .hand {
    position: absolute;
    top: 8px;
    inset-inline-start: 8px;
    padding: 5px;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.6);
  }
  /* A raised hand is the control bar's hand icon (an SVG: no emoji font needed), in the outline's amber. */
  .hand {
    display: inline-grid;
    color: #f5b301;
  }
  .hand svg {
    width: 18px;
    height: 18px;
  }
  /* The pin button, top corner of a remote tile: always there, solid when pinned. */
  .tile .pin {
    position: absolute;
    z-index: 1;
    top: 8px;
    inset-inline-end: 8px;
    display: grid;
    place-items: center;
    width: 32px;
    height: 32px;
    padding: 0;
    border: 0;
    border-radius: 999px;
    color: #fff;
    background: rgb(0 0 0 / 0.6);
    cursor: pointer;
  }
  .tile .pin:hover {
    background: rgb(0 0 0 / 0.8);
  }
  .tile .pin[aria-pressed='true'] {
    color: var(--_accent-fg);
    background: var(--_accent);
  }
  .reactions {
    position: absolute;
    inset: 0;
    overflow: hidden;
    pointer-events: none;
  }
  .reactions span {
    position: absolute;
    bottom: 20%;
    inset-inline-start: 10%;
    font-size: clamp(28px, 12cqi, 56px);
    opacity: 0;
    animation: vc-float 3s ease-out forwards;
  }
  .reactions span:nth-child(3n + 2) {
    inset-inline-start: 40%;
  }
  .reactions span:nth-child(3n) {
    inset-inline-start: 70%;
  }
  @keyframes vc-float {
    10% {
      opacity: 1;
    }
    80% {
      opacity: 1;
    }
    to {
      opacity: 0;
      transform: translateY(-150%);
    }
  }
  @keyframes vc-fade {
    10%,
    80% {
      opacity: 1;
    }
  }
  /* No motion for those who asked for less: the reaction shows in place, then fades. */
  @media (prefers-reduced-motion: reduce) {
    .reactions span {
      animation-name: vc-fade;
    }
  }
  /* After the Reactions button for the keyboard and screen readers, above the buttons on screen. */
  .reaction-bar {
    order: -1;
    flex-basis: 100%;
    display: flex;
    justify-content: center;
    gap: 4px;
  }
  .reaction-bar button {
    font-size: 22px;
    width: 44px;
    height: 44px;
  }
  .people {
    margin: 0;
    padding: 0 8px 8px;
    list-style: none;
    overflow-y: auto;
  }
  .people li {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 8px;
  }
  .people .who {
    flex: 1;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .people .badge.on {
    color: var(--_muted);
  }
`;
