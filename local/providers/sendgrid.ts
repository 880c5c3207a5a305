import { randomBytes } from 'node:crypto';
import type { FakeResponse, FakeRoute } from './http-fake';
import { bearer } from './http-fake';

/**
 * Fake SendGrid v3 API key endpoints (https://www.twilio.com/docs/sendgrid/api-reference/api-keys):
 * 401 `{"errors":[{"field":null,"message":"authorization required"}]}`, 403 "access forbidden" for a key
 * lacking a scope, X-RateLimit-* headers with Reset in epoch seconds.
 */
export interface SendgridFakeState {
  readonly keys: Map<string, { key: string; name: string; scopes: string[] }>;
  readonly calls: Record<string, number>;
  seedKey(scopes: string[], key?: string): { id: string; key: string };
  revoke(id: string): boolean;
}

export interface SendgridFake {
  readonly route: FakeRoute;
  readonly state: SendgridFakeState;
}

const rate = () => ({
  'X-RateLimit-Limit': '600',
  'X-RateLimit-Remaining': '599',
  'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 60),
});
const unauthorized = (): FakeResponse => ({
  status: 401,
  headers: rate(),
  body: { errors: [{ field: null, message: 'authorization required' }] },
});
const accessForbidden = (): FakeResponse => ({
  status: 403,
  headers: rate(),
  body: { errors: [{ field: null, message: 'access forbidden' }] },
});

export function createSendgridFake(): SendgridFake {
  const keys = new Map<string, { key: string; name: string; scopes: string[] }>();
  const calls: Record<string, number> = {};
  const newId = () => randomBytes(11).toString('base64url');
  const newKey = (id: string) => `SG.${id}.${randomBytes(32).toString('base64url')}`;
  const state: SendgridFakeState = {
    keys,
    calls,
    seedKey(scopes, key) {
      const id = newId();
      const value = key ?? newKey(id);
      keys.set(id, { key: value, name: `seeded-${id}`, scopes });
      return { id, key: value };
    },
    revoke: (id) => keys.delete(id),
  };
  const route: FakeRoute = (req) => {
    const name = `${req.method} ${req.path.replace(/^\/v3\/api_keys\/.+$/, '/v3/api_keys/:id')}`;
    calls[name] = (calls[name] ?? 0) + 1;
    const token = bearer(req.headers);
    const caller = [...keys.values()].find((k) => k.key === token);
    if (!caller) return unauthorized();
    if (req.method === 'GET' && req.path === '/v3/scopes')
      return { status: 200, headers: rate(), body: { scopes: caller.scopes } };
    if (req.method === 'POST' && req.path === '/v3/api_keys') {
      if (!caller.scopes.includes('api_keys.create')) return accessForbidden();
      const body = JSON.parse(req.body || '{}') as { name?: string; scopes?: string[] };
      const id = newId();
      const created = { key: newKey(id), name: body.name ?? 'unnamed', scopes: body.scopes ?? ['mail.send'] };
      keys.set(id, created);
      return {
        status: 201,
        headers: rate(),
        body: { api_key: created.key, api_key_id: id, name: created.name, scopes: created.scopes },
      };
    }
    const del = /^\/v3\/api_keys\/([^/]+)$/.exec(req.path);
    if (req.method === 'DELETE' && del) {
      if (!caller.scopes.includes('api_keys.delete')) return accessForbidden();
      return keys.delete(del[1] ?? '')
        ? { status: 204, headers: rate() }
        : { status: 404, headers: rate(), body: { errors: [{ field: null, message: 'unable to find API Key' }] } };
    }
    return { status: 404, body: { errors: [{ field: null, message: 'not found' }] } };
  };
  return { route, state };
}
