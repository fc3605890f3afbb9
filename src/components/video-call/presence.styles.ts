/** A plain template tag: the build minifies this file's css`…` text like the element's own styles. */
const css = String.raw;

/**
 * The speaking ring and the line's signal bars (`--vc-speaking` is read here). In the call's extras
 * (call-extras.ts): adopted into the element's shadow root when they arrive, as only a call shows them.
 */
export const presenceStyles = css`
  /* Speaking: a ring drawn over the picture. */
  .tile[data-speaking]::after {
    content: '';
    position: absolute;
    inset: 0;
    border: 3px solid var(--vc-speaking, #3ddc84);
    border-radius: inherit;
    pointer-events: none;
  }
  /* The line's signal bars (drawn here: the tile's badge is an empty image with a name), as many
     lit as the line is good, in green, amber or red (the badge's colour). */
  .line {
    --off: color-mix(in srgb, currentColor 35%, transparent);
    --b2: var(--off);
    --b3: var(--off);
    width: 13px;
    height: 12px;
    background:
      linear-gradient(currentColor, currentColor) 0 100% / 3px 40% no-repeat,
      linear-gradient(var(--b2), var(--b2)) 5px 100% / 3px 70% no-repeat,
      linear-gradient(var(--b3), var(--b3)) 10px 100% / 3px 100% no-repeat;
  }
  [data-quality='good'] .line {
    color: #3ddc84;
    --b2: currentColor;
    --b3: currentColor;
  }
  [data-quality='fair'] .line {
    color: #ffc53d;
    --b2: currentColor;
  }
`;

/** Adds the styles above to `root` (an element's open shadow root). */
export function adoptStyles(root: Node): void {
  if (!(root instanceof ShadowRoot) || !root.adoptedStyleSheets) return;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(presenceStyles);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
