import { noChange } from 'lit';
import { Directive, directive, PartType, type PartInfo, type PropertyPart } from 'lit/directive.js';
import { needsStream } from './needs-stream.js';

class StreamDirective extends Directive {
  constructor(part: PartInfo) {
    super(part);
    if (part.type !== PartType.PROPERTY) throw new Error('stream() goes on .srcObject');
  }

  render(stream: MediaStream | null) {
    return stream;
  }

  override update(part: PropertyPart, [stream]: [MediaStream | null]) {
    return needsStream(part.element as HTMLVideoElement, stream) ? stream : noChange;
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
