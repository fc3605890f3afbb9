/** The tracks a <video> was last given, by element (to tell a new track from a re-render). */
const given = new WeakMap<Element, string>();

/**
 * Whether `el` must be given `stream` (set its `srcObject`): it plays another stream, or this one
 * had tracks added or removed since. Remembers that it now gets it. Used by the `stream()` directive, and
 * for a <video> outside a Lit template (the picture-in-picture window's). No Lit here: the
 * extras chunk imports it too.
 */
export function needsStream(el: HTMLVideoElement, stream: MediaStream | null): boolean {
  const tracks =
    stream
      ?.getTracks()
      .map((t) => t.id)
      .join() ?? '';
  if (el.srcObject === stream && given.get(el) === tracks) return false;
  given.set(el, tracks);
  return true;
}
