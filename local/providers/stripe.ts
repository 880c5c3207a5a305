import type { FakeRoute } from './http-fake';
import { bearer } from './http-fake';

/**
 * Fake Stripe balance endpoint (https://docs.stripe.com/api/balance/balance_retrieve). Like Stripe, its
 * 401 body quotes a masked part of the key (https://docs.stripe.com/api/errors), so tests can check
 * that adapters never pass error bodies on.
 */
export interface StripeFakeState {
  /** key → may it read the balance (restricted keys may not). */
  readonly keys: Map<string, { canReadBalance: boolean }>;
  readonly calls: Record<string, number>;
  seedKey(key: string, options?: { canReadBalance?: boolean }): void;
  revoke(key: string): boolean;
}

export interface StripeFake {
  readonly route: FakeRoute;
  readonly state: StripeFakeState;
}

const mask = (key: string) => `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;

export function createStripeFake(): StripeFake {
  const keys = new Map<string, { canReadBalance: boolean }>();
  const calls: Record<string, number> = {};
  const state: StripeFakeState = {
    keys,
    calls,
    seedKey: (key, { canReadBalance = true } = {}) => void keys.set(key, { canReadBalance }),
    revoke: (key) => keys.delete(key),
  };
  const route: FakeRoute = (req) => {
    const name = `${req.method} ${req.path}`;
    calls[name] = (calls[name] ?? 0) + 1;
    const key = bearer(req.headers) ?? '';
    const known = keys.get(key);
    if (!known) {
      return {
        status: 401,
        body: { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${mask(key)}` } },
      };
    }
    if (req.method === 'GET' && req.path === '/v1/balance') {
      if (!known.canReadBalance) {
        return {
          status: 403,
          body: {
            error: {
              type: 'invalid_request_error',
              message: `The provided key '${mask(key)}' does not have the required permissions for this endpoint`,
            },
          },
        };
      }
      const livemode = key.includes('_live_');
      return {
        status: 200,
        body: { object: 'balance', available: [{ amount: 0, currency: 'usd' }], livemode, pending: [] },
      };
    }
    return { status: 404, body: { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } } };
  };
  return { route, state };
}
