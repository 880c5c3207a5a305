import { randomBytes } from 'node:crypto';
import type { FakeRoute } from './http-fake';
import { bearer } from './http-fake';

/**
 * A small in-house style service for the `http` provider: `GET /check` with a bearer token answers
 * 200 `{ "token": { "expires_at": <epoch seconds> } }` or 401.
 */
export interface GenericHttpFakeState {
  readonly tokens: Map<string, { expiresAt?: number }>;
  readonly calls: Record<string, number>;
  seedToken(options?: { expiresAt?: number; token?: string }): string;
  revoke(token: string): boolean;
}

export interface GenericHttpFake {
  readonly route: FakeRoute;
  readonly state: GenericHttpFakeState;
}

export function createGenericHttpFake(): GenericHttpFake {
  const tokens = new Map<string, { expiresAt?: number }>();
  const calls: Record<string, number> = {};
  const state: GenericHttpFakeState = {
    tokens,
    calls,
    seedToken({ expiresAt, token = `svc_${randomBytes(16).toString('hex')}` } = {}) {
      tokens.set(token, { expiresAt });
      return token;
    },
    revoke: (token) => tokens.delete(token),
  };
  const route: FakeRoute = (req) => {
    const name = `${req.method} ${req.path}`;
    calls[name] = (calls[name] ?? 0) + 1;
    if (req.path !== '/check') return { status: 404, body: { error: 'not found' } };
    const entry = tokens.get(bearer(req.headers) ?? '');
    if (!entry) return { status: 401, body: { error: 'unauthorized' } };
    return { status: 200, body: { token: { expires_at: entry.expiresAt ?? null } } };
  };
  return { route, state };
}
