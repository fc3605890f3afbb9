/**
 * Room grants (`RELAY_SECRET`): HS256 JWTs whose `room` claim names the room and
 * whose `exp` has not passed. Minted by embedders (and `video-call-relay --mint`),
 * verified by `join`.
 */
import { jwtVerify, SignJWT } from 'jose';
import { RequestError } from './context.js';

/**
 * Mints a room grant for a relay run with `RELAY_SECRET=secret`: a HS256 JWT
 * whose `room` claim is `room`, valid for `ttlSeconds` (default one hour).
 * Give it to the element as its `token` attribute.
 */
export function mintRoomToken(secret: string, room: string, ttlSeconds = 3600): Promise<string> {
  return new SignJWT({ room })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

/** Checks a join's token against the secret and the room; throws `unauthorized` otherwise. */
export async function verifyToken(secret: Uint8Array, token: unknown, room: string): Promise<void> {
  if (typeof token !== 'string' || token === '') throw new RequestError('unauthorized', 'This room requires a token');
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(token, secret, { algorithms: ['HS256'], requiredClaims: ['exp'] }));
  } catch (e) {
    const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
    throw new RequestError('unauthorized', expired ? 'Token expired' : 'Invalid token');
  }
  if (claims.room !== room) throw new RequestError('unauthorized', 'Token is for another room');
}
