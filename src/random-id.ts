/**
 * A random URL-safe id ([A-Za-z0-9_-]) with `bytes` bytes of entropy. Uses
 * crypto.getRandomValues, which (unlike crypto.randomUUID) also exists on pages
 * that are not a secure context.
 */
export function randomId(bytes = 16): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let s = '';
  for (const b of buf) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
