/**
 * The chat's bearer tokens: JWTs signed with HS256 (jose), the key from WARREN_JWT_SECRET. The
 * token names its user (`sub`) and roles (`roles`, e.g. `["admin"]`); the principal a handler
 * sees is `{ id: <user>, roles }`.
 *
 * Without WARREN_JWT_SECRET a fixed development key is used, and the process says so on
 * stderr: anyone who reads this file can sign tokens with it. Demo sign-in (chat.signIn mints
 * a token for any name) is on with that key, and off with a real one unless
 * WARREN_CHAT_DEMO_SIGNIN=1.
 *
 * Browsers cannot set headers on a WebSocket, so the page sends its token as `?token=` on the
 * URL; other clients may send `Authorization: Bearer <token>` instead. A token in a URL can land
 * in proxies' access logs: tokens are short-lived for that reason (TOKEN_LIFETIME).
 */
import type { IncomingMessage } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';
import type { Principal } from 'warren';

const ISSUER = 'warren-chat';
/** How long a token lasts: a working day, so a tab left open keeps working, and no longer. */
export const TOKEN_LIFETIME_S = 12 * 60 * 60;
export const DEV_SECRET = 'warren-chat-development-key-do-not-use-in-production';

export interface TokensOptions {
  /** @default process.env.WARREN_JWT_SECRET, else DEV_SECRET */
  secret?: string;
  /** @default on with the development key; with a real one only when WARREN_CHAT_DEMO_SIGNIN=1 */
  demoSignIn?: boolean;
}

export class Tokens {
  readonly #key: Uint8Array;
  /** True when tokens are signed with the development key. */
  readonly development: boolean;
  /** True when chat.signIn may mint a token for any name. */
  readonly demoSignIn: boolean;

  constructor(options: TokensOptions = {}) {
    const secret = options.secret ?? process.env.WARREN_JWT_SECRET ?? '';
    this.development = secret === '' || secret === DEV_SECRET;
    if (!this.development && Buffer.byteLength(secret) < 32) {
      throw new TypeError('WARREN_JWT_SECRET must be at least 32 bytes (HS256 wants a key as long as its hash)');
    }
    this.#key = new TextEncoder().encode(this.development ? DEV_SECRET : secret);
    this.demoSignIn = options.demoSignIn ?? (this.development || process.env.WARREN_CHAT_DEMO_SIGNIN === '1');
  }

  /** A signed token for `user`, valid for TOKEN_LIFETIME_S. */
  async sign(user: string, roles: readonly string[] = []): Promise<{ token: string; expiresAt: string }> {
    const expires = Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S;
    const token = await new SignJWT({ roles: [...roles] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setSubject(user)
      .setIssuedAt()
      .setExpirationTime(expires)
      .sign(this.#key);
    return { token, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** The principal of a valid token; throws for a bad signature, an expired token or a wrong issuer. */
  async verify(token: string): Promise<Principal> {
    const { payload } = await jwtVerify(token, this.#key, { issuer: ISSUER, algorithms: ['HS256'] });
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new TypeError('token names no user');
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    return { id: payload.sub, roles };
  }

  /**
   * The gateway's `authenticate`: the token from `Authorization: Bearer …` or `?token=…`.
   * No token is an anonymous caller (who may only sign in); a bad one is refused (HTTP 401).
   */
  async authenticate(request: IncomingMessage): Promise<Principal | null> {
    const header = request.headers.authorization;
    const token = header === undefined ? new URL(request.url ?? '/', 'http://localhost').searchParams.get('token') : /^Bearer (.+)$/i.exec(header)?.[1];
    if (token === null || token === undefined) {
      if (header !== undefined) throw new TypeError('Authorization must be "Bearer <token>"');
      return null;
    }
    return this.verify(token);
  }
}
