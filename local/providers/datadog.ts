import { randomBytes, randomUUID } from 'node:crypto';
import type { FakeRequest, FakeResponse, FakeRoute } from './http-fake';

/**
 * Fake Datadog key API, as documented at https://docs.datadoghq.com/api/latest/key-management/ :
 * 403 `{"errors":["Forbidden"]}` for a bad key on /api/v1/validate, X-RateLimit-* headers on every
 * answer, keys created and deleted by id.
 */
export interface DatadogFakeState {
  readonly apiKeys: Map<string, { key: string; name: string }>;
  readonly appKeys: Map<string, { key: string; name: string; scopes: string[] | null }>;
  /** Requests per `METHOD path`. */
  readonly calls: Record<string, number>;
  seedApiKey(key?: string): { id: string; key: string };
  /** scopes null = unscoped (the owner's permissions, which can manage keys). */
  seedAppKey(scopes?: string[] | null, key?: string): { id: string; key: string };
  revoke(id: string): boolean;
}

export interface DatadogFake {
  readonly route: FakeRoute;
  readonly state: DatadogFakeState;
}

const RATE = {
  'X-RateLimit-Limit': '60',
  'X-RateLimit-Period': '60',
  'X-RateLimit-Remaining': '59',
  'X-RateLimit-Reset': '30',
  'X-RateLimit-Name': 'api_keys',
};
const forbidden: FakeResponse = { status: 403, headers: RATE, body: { errors: ['Forbidden'] } };

export function createDatadogFake(): DatadogFake {
  const apiKeys = new Map<string, { key: string; name: string }>();
  const appKeys = new Map<string, { key: string; name: string; scopes: string[] | null }>();
  const calls: Record<string, number> = {};
  const state: DatadogFakeState = {
    apiKeys,
    appKeys,
    calls,
    seedApiKey(key = randomBytes(16).toString('hex')) {
      const id = randomUUID();
      apiKeys.set(id, { key, name: `seeded-${id}` });
      return { id, key };
    },
    seedAppKey(scopes = null, key = randomBytes(20).toString('hex')) {
      const id = randomUUID();
      appKeys.set(id, { key, name: `seeded-${id}`, scopes });
      return { id, key };
    },
    revoke: (id) => apiKeys.delete(id) || appKeys.delete(id),
  };
  const header = (req: FakeRequest, name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const apiKeyOk = (req: FakeRequest) => [...apiKeys.values()].some((k) => k.key === header(req, 'dd-api-key'));
  const appKey = (req: FakeRequest) => [...appKeys.values()].find((k) => k.key === header(req, 'dd-application-key'));
  const canManage = (req: FakeRequest) => {
    const app = appKey(req);
    return apiKeyOk(req) && app !== undefined && (app.scopes === null || app.scopes.includes('api_keys_write'));
  };

  const route: FakeRoute = (req) => {
    const key = `${req.method} ${req.path.replace(/[0-9a-f-]{36}/, ':id')}`;
    calls[key] = (calls[key] ?? 0) + 1;
    if (req.method === 'GET' && req.path === '/api/v1/validate') {
      return apiKeyOk(req) ? { status: 200, headers: RATE, body: { valid: true } } : forbidden;
    }
    if (req.method === 'GET' && req.path === '/api/v2/validate_keys') {
      return apiKeyOk(req) && appKey(req) ? { status: 200, headers: RATE, body: { status: 'ok' } } : forbidden;
    }
    if (
      req.method === 'POST' &&
      (req.path === '/api/v2/api_keys' || req.path === '/api/v2/current_user/application_keys')
    ) {
      if (!canManage(req)) return forbidden;
      const body = JSON.parse(req.body || '{}') as { data?: { attributes?: { name?: string; scopes?: string[] } } };
      const name = body.data?.attributes?.name ?? 'unnamed';
      const id = randomUUID();
      if (req.path === '/api/v2/api_keys') {
        const created = { key: randomBytes(16).toString('hex'), name };
        apiKeys.set(id, created);
        return {
          status: 201,
          headers: RATE,
          body: { data: { type: 'api_keys', id, attributes: { ...created, created_at: new Date().toISOString() } } },
        };
      }
      const created = { key: randomBytes(20).toString('hex'), name, scopes: body.data?.attributes?.scopes ?? null };
      appKeys.set(id, created);
      return { status: 201, headers: RATE, body: { data: { type: 'application_keys', id, attributes: created } } };
    }
    const del = /^\/api\/v2\/(api_keys|current_user\/application_keys)\/([^/]+)$/.exec(req.path);
    if (req.method === 'DELETE' && del) {
      if (!canManage(req)) return forbidden;
      const map = del[1] === 'api_keys' ? apiKeys : appKeys;
      return map.delete(del[2] ?? '')
        ? { status: 204, headers: RATE }
        : { status: 404, headers: RATE, body: { errors: ['Not found'] } };
    }
    return { status: 404, body: { errors: ['Not found'] } };
  };
  return { route, state };
}
