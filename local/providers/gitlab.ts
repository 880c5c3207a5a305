import { randomBytes } from 'node:crypto';
import type { FakeRequest, FakeResponse, FakeRoute } from './http-fake';

/**
 * A fake GitLab access-token API, following https://docs.gitlab.com/api/personal_access_tokens/ and the
 * project/group access token pages:
 * - `GET /api/v4/personal_access_tokens/self`: the token's details; 401 for unknown, revoked or expired tokens;
 * - `POST /api/v4/{personal_access_tokens|projects/:id/access_tokens|groups/:id/access_tokens}/self/rotate`:
 *   revokes the token and returns a new one with the same scopes; rotating an already revoked token
 *   revokes the whole token family and answers 401 (gitlab-org/gitlab#524639);
 * - `POST /api/v4/{projects|groups}/:id/access_tokens` with an admin token: creates a token (201);
 * - `DELETE /api/v4/personal_access_tokens/self`: revokes the token (204).
 * Authentication: `PRIVATE-TOKEN` header or `Authorization: Bearer`.
 */
export interface FakeGitlabToken {
  readonly id: number;
  readonly value: string;
  readonly name: string;
  scopes: string[];
  expiresAt: string;
  revoked: boolean;
  /** Tokens created by rotation share the family of the token they replaced. */
  readonly family: number;
  readonly admin: boolean;
  readonly owner: string;
}

export interface FakeGitlab {
  readonly route: FakeRoute;
  readonly tokens: Map<string, FakeGitlabToken>;
  /** Adds a token and returns its value. */
  seed(options?: { scopes?: string[]; expiresAt?: string; admin?: boolean; owner?: string; name?: string }): string;
  revoke(value: string): void;
  isActive(value: string): boolean;
  /** Rotate calls made with an already revoked token (each revoked a family). */
  readonly stats: { rotations: number; rotationsWithRevokedToken: number; creations: number };
}

const json = (status: number, body: unknown, headers?: Record<string, string>): FakeResponse => ({
  status,
  body,
  headers,
});
const unauthorized = (): FakeResponse => json(401, { message: '401 Unauthorized' });

/** Creates a fake with its own state; mount `route` with fakeListener + serveOnLoopback. */
export function createFakeGitlab(options: { today?: () => string } = {}): FakeGitlab {
  const today = options.today ?? (() => new Date().toISOString().slice(0, 10));
  const tokens = new Map<string, FakeGitlabToken>();
  const stats = { rotations: 0, rotationsWithRevokedToken: 0, creations: 0 };
  let nextId = 100;

  const mint = (fields: Omit<FakeGitlabToken, 'id' | 'value' | 'family' | 'revoked'> & { family?: number }) => {
    const id = nextId++;
    const value = `glpat-${randomBytes(15).toString('base64url')}`;
    const token: FakeGitlabToken = { ...fields, id, value, family: fields.family ?? id, revoked: false };
    tokens.set(value, token);
    return token;
  };
  const expired = (t: FakeGitlabToken) => t.expiresAt < today();
  const authenticate = (req: FakeRequest): FakeGitlabToken | undefined => {
    const header = req.headers['private-token'];
    const value =
      (typeof header === 'string' ? header : undefined) ??
      (req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : undefined);
    return value ? tokens.get(value) : undefined;
  };
  const view = (t: FakeGitlabToken) => ({
    id: t.id,
    name: t.name,
    revoked: t.revoked,
    active: !t.revoked && !expired(t),
    scopes: t.scopes,
    expires_at: t.expiresAt,
    user_id: 1,
    created_at: new Date().toISOString(),
  });
  const expiryFrom = (req: FakeRequest): string | undefined => {
    if (!req.body) return undefined;
    try {
      const body = JSON.parse(req.body) as { expires_at?: unknown };
      return typeof body.expires_at === 'string' ? body.expires_at : undefined;
    } catch {
      return undefined;
    }
  };
  const weekFromNow = () => new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);

  const route: FakeRoute = (req) => {
    const path = req.path.replace(/^\/api\/v4/, '');
    const caller = authenticate(req);
    if (req.method === 'GET' && path === '/personal_access_tokens/self') {
      if (!caller || caller.revoked || expired(caller)) return unauthorized();
      if (!caller.scopes.some((s) => ['api', 'read_api', 'read_user', 'self_rotate'].includes(s))) {
        return json(403, { error: 'insufficient_scope', error_description: 'The request requires higher privileges' });
      }
      return json(200, view(caller));
    }
    if (req.method === 'DELETE' && path === '/personal_access_tokens/self') {
      if (!caller || caller.revoked || expired(caller)) return unauthorized();
      caller.revoked = true;
      return { status: 204 };
    }
    const rotate = /^(\/personal_access_tokens|\/(projects|groups)\/([^/]+)\/access_tokens)\/self\/rotate$/.exec(path);
    if (req.method === 'POST' && rotate) {
      stats.rotations++;
      if (!caller) return unauthorized();
      if (caller.revoked) {
        // GitLab's reuse detection: a revoked token used to rotate revokes every token of its family.
        stats.rotationsWithRevokedToken++;
        for (const t of tokens.values()) if (t.family === caller.family) t.revoked = true;
        return unauthorized();
      }
      if (expired(caller)) return unauthorized();
      const owner = rotate[3] ? `${rotate[2]}/${rotate[3]}` : 'user';
      if (caller.owner !== owner) return json(404, { message: '404 Not Found' });
      caller.revoked = true;
      const fresh = mint({
        name: caller.name,
        scopes: [...caller.scopes],
        expiresAt: expiryFrom(req) ?? weekFromNow(),
        admin: caller.admin,
        owner: caller.owner,
        family: caller.family,
      });
      return json(200, { ...view(fresh), token: fresh.value });
    }
    const create = /^\/(projects|groups)\/([^/]+)\/access_tokens$/.exec(path);
    if (req.method === 'POST' && create) {
      if (!caller || caller.revoked || expired(caller)) return unauthorized();
      if (!caller.admin) return json(403, { message: '403 Forbidden' });
      let body: { name?: unknown; scopes?: unknown; expires_at?: unknown };
      try {
        body = JSON.parse(req.body) as typeof body;
      } catch {
        return json(400, { error: 'body is not JSON' });
      }
      if (typeof body.name !== 'string' || !Array.isArray(body.scopes))
        return json(400, { error: 'name, scopes are missing' });
      stats.creations++;
      const fresh = mint({
        name: body.name,
        scopes: body.scopes.map(String),
        expiresAt: typeof body.expires_at === 'string' ? body.expires_at : weekFromNow(),
        admin: false,
        owner: `${create[1]}/${create[2]}`,
      });
      return json(201, { ...view(fresh), token: fresh.value });
    }
    return json(404, { message: '404 Not Found' });
  };

  return {
    route,
    tokens,
    stats,
    seed(opts = {}) {
      return mint({
        name: opts.name ?? 'seeded',
        scopes: opts.scopes ?? ['api', 'self_rotate'],
        expiresAt: opts.expiresAt ?? weekFromNow(),
        admin: opts.admin ?? false,
        owner: opts.owner ?? 'user',
      }).value;
    },
    revoke(value) {
      const t = tokens.get(value);
      if (t) t.revoked = true;
    },
    isActive(value) {
      const t = tokens.get(value);
      return t !== undefined && !t.revoked && !expired(t);
    },
  };
}
