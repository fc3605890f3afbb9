/**
 * The part of the Firebase Auth emulator's REST protocol that the real `firebase/auth` SDK (v12)
 * uses for anonymous sign-in, served by the test server next to its Realtime Database websocket
 * (the SDK reaches it through `connectAuthEmulator(auth, server.authEmulatorUrl)`):
 *
 * - `POST /identitytoolkit.googleapis.com/v1/accounts:signUp?key=…` with no email: a new
 *   anonymous user (`idToken`, `refreshToken`, `expiresIn`, `localId`);
 * - `POST /identitytoolkit.googleapis.com/v1/accounts:lookup?key=…` (`{idToken}`), which the SDK
 *   calls right after signing up: that user's record;
 * - `POST /securetoken.googleapis.com/v1/token?key=…` (form `grant_type=refresh_token`): a new
 *   ID token for a refresh token;
 * - CORS preflights, so that pages on another origin (the browser tests) can call it.
 *
 * ID tokens are JWTs signed with HMAC-SHA256 and a secret of this server (the real emulator's are
 * unsigned `alg: none` tokens; Google's are RS256), so the database side can tell a token this
 * server issued, unexpired, from a forged one ({@link AuthEmulator.verify}). Everything else of
 * the emulator (email, phone, custom tokens, account deletion, its `/emulator/…` API) is not here.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The claims of an ID token this server issued. */
export interface IdTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  user_id: string;
  auth_time: number;
  iat: number;
  exp: number;
  provider_id: 'anonymous';
  firebase: { identities: Record<string, never>; sign_in_provider: 'anonymous' };
}

/** What the rules see as `auth` for a verified token, as the real service builds it. */
export interface RulesAuth {
  uid: string;
  provider: 'anonymous';
  token: IdTokenClaims;
}

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
const UID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class AuthEmulator {
  /** Users signed up so far: uid → creation time. */
  readonly users = new Map<string, number>();
  /** Requests served, as `METHOD /path` (query left out), for tests that check what the SDK asked. */
  readonly requests: string[] = [];
  readonly #secret = randomBytes(32);
  readonly #refreshTokens = new Map<string, string>();

  constructor(
    readonly projectId = 'test',
    /** Lifetime of an ID token (s); the SDK refreshes a token 30 s before it expires. */
    public tokenTtlSeconds = 3600,
  ) {}

  /** An ID token for `uid`, signed by this server. */
  issue(uid: string): string {
    const iat = Math.floor(Date.now() / 1000);
    const claims: IdTokenClaims = {
      iss: `https://securetoken.google.com/${this.projectId}`,
      aud: this.projectId,
      sub: uid,
      user_id: uid,
      auth_time: Math.floor((this.users.get(uid) ?? Date.now()) / 1000),
      iat,
      exp: iat + this.tokenTtlSeconds,
      provider_id: 'anonymous',
      firebase: { identities: {}, sign_in_provider: 'anonymous' },
    };
    const body = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
    return `${body}.${this.#sign(body)}`;
  }

  /** The claims of `token` if this server issued it and it has not expired; null otherwise. */
  verify(token: string): IdTokenClaims | null {
    const [header, payload, signature, extra] = token.split('.');
    if (!header || !payload || signature === undefined || extra !== undefined) return null;
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let claims: IdTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now() || !this.users.has(claims.user_id)) return null;
    return claims;
  }

  /** `auth` for the rules, from a verified token's claims. */
  static rulesAuth(claims: IdTokenClaims): RulesAuth {
    return { uid: claims.user_id, provider: 'anonymous', token: claims };
  }

  /** Serves an Auth emulator request; false when `req` is not one (the caller answers 404). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const route = url.pathname;
    if (!route.startsWith('/identitytoolkit.googleapis.com/') && !route.startsWith('/securetoken.googleapis.com/')) return false;
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
    res.setHeader('vary', 'origin');
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'POST, GET, OPTIONS');
      res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? 'content-type');
      res.setHeader('access-control-max-age', '600');
      res.writeHead(204).end();
      return true;
    }
    this.requests.push(`${req.method} ${route}`);
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const send = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      const fail = (status: number, message: string) =>
        send(status, { error: { code: status, message, errors: [{ message, reason: 'invalid' }] } });
      if (req.method !== 'POST') return fail(405, 'METHOD_NOT_ALLOWED');
      if (!url.searchParams.get('key')) return fail(400, 'API_KEY_INVALID');
      if (route === '/identitytoolkit.googleapis.com/v1/accounts:signUp') {
        const body = parseJson(raw);
        if (body.email || body.password || body.idToken) return fail(400, 'OPERATION_NOT_ALLOWED : only anonymous sign-up is emulated');
        const uid = this.#newUid();
        this.users.set(uid, Date.now());
        return send(200, {
          kind: 'identitytoolkit#SignupNewUserResponse',
          idToken: this.issue(uid),
          refreshToken: this.#newRefreshToken(uid),
          expiresIn: String(this.tokenTtlSeconds),
          localId: uid,
        });
      }
      if (route === '/identitytoolkit.googleapis.com/v1/accounts:lookup') {
        const claims = this.verify(String(parseJson(raw).idToken ?? ''));
        if (!claims) return fail(400, 'INVALID_ID_TOKEN');
        const created = this.users.get(claims.user_id)!;
        return send(200, {
          kind: 'identitytoolkit#GetAccountInfoResponse',
          users: [
            {
              localId: claims.user_id,
              providerUserInfo: [],
              createdAt: String(created),
              lastLoginAt: String(created),
              lastRefreshAt: new Date().toISOString(),
            },
          ],
        });
      }
      if (route === '/securetoken.googleapis.com/v1/token') {
        const form = new URLSearchParams(raw);
        const uid = this.#refreshTokens.get(form.get('refresh_token') ?? '');
        if (form.get('grant_type') !== 'refresh_token' || !uid) return fail(400, 'INVALID_REFRESH_TOKEN');
        const idToken = this.issue(uid);
        return send(200, {
          access_token: idToken,
          id_token: idToken,
          expires_in: String(this.tokenTtlSeconds),
          refresh_token: form.get('refresh_token'),
          token_type: 'Bearer',
          user_id: uid,
          project_id: this.projectId,
        });
      }
      return fail(404, 'NOT_FOUND');
    });
    return true;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }

  #newUid(): string {
    const bytes = randomBytes(28);
    return Array.from(bytes, (b) => UID_CHARS[b % UID_CHARS.length]).join('');
  }

  #newRefreshToken(uid: string): string {
    const token = randomBytes(24).toString('base64url');
    this.#refreshTokens.set(token, uid);
    return token;
  }
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    const v = JSON.parse(raw || '{}');
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}
