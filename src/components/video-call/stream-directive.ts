import { noChange } from 'lit';
import { Directive, directive, PartType, type PartInfo, type PropertyPart } from 'lit/directive.js';

/** The tracks a <video> was last given, by element (to tell a new track from a re-render). */
const given = new WeakMap<Element, string>();

class StreamDirective extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.PROPERTY) throw new Error('stream() goes on .srcObject');
  }

  render(stream: MediaStream | null) {
    return stream;
  }

  override update(part: PropertyPart, [stream]: [MediaStream | null]) {
    const tracks =
      stream
        ?.getTracks()
        .map((t) => t.id)
        .join() ?? '';
    const el = part.element as HTMLVideoElement;
    if (el.srcObject === stream && given.get(el) === tracks) return noChange;
    given.set(el, tracks);
    return stream;
  }
}

/**
 * `.srcObject=${stream(s)}`: sets a <video>'s stream only when it or its tracks changed. Lit sets
 * an object-valued property on every render, and setting `srcObject`, even to the same stream,
 * restarts the video's load (a blank tile until its next frame; one that never shows at a low
 * frame rate when the call re-renders often, as a big room on the SFU does). Set again when a
 * track was added or removed: Chromium does not always start showing a video track added to a
 * stream it already plays (a remote audio track arriving before the video one).
 */
export const stream = directive(StreamDirective);
