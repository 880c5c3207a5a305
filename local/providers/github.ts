import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { FakeRequest, FakeResponse, FakeRoute } from './http-fake';
import { bearer } from './http-fake';

/**
 * Fake GitHub REST API for personal access tokens and GitHub App installations: 401 "Bad credentials",
 * x-ratelimit-* headers and a 403 once the limit is spent
 * (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api), X-OAuth-Scopes for
 * classic tokens, github-authentication-token-expiration where the token expires, app JWTs checked
 * against the app's public key (RS256, exp at most 10 minutes after iat).
 */
export interface GithubPat {
  login: string;
  /** undefined = fine-grained token (no X-OAuth-Scopes header). */
  scopes?: string[];
  /** As GitHub writes it, e.g. `2026-12-01 00:00:00 UTC`. */
  expiration?: string;
}

export interface GithubFakeState {
  readonly pats: Map<string, GithubPat>;
  /** appId → public key PEM. */
  readonly apps: Map<string, string>;
  readonly installations: Map<string, { appId: string; permissions: Record<string, string> }>;
  readonly installationTokens: Map<string, { installationId: string; expiresAt: string; revoked: boolean }>;
  /** Requests left in the rate-limit window; at 0 every call answers 403. */
  rateLimitRemaining: number;
  /**
   * Bad-credential requests after which GitHub locks the caller out with 403 "Maximum number of login
   * attempts exceeded" for every request, valid tokens included (PROVIDERS.md rule 1). @default off
   */
  badCredentialLimit?: number;
  badCredentialAttempts: number;
  readonly calls: Record<string, number>;
  seedPat(pat: GithubPat, token?: string): string;
  seedApp(appId: string, publicKeyPem: string): void;
  seedInstallation(installationId: string, appId: string, permissions: Record<string, string>): void;
  revoke(token: string): boolean;
}

export interface GithubFake {
  readonly route: FakeRoute;
  readonly state: GithubFakeState;
}

const DOCS = 'https://docs.github.com/rest';

export function createGithubFake(): GithubFake {
  const state: GithubFakeState = {
    pats: new Map(),
    apps: new Map(),
    installations: new Map(),
    installationTokens: new Map(),
    rateLimitRemaining: 5000,
    badCredentialAttempts: 0,
    calls: {},
    seedPat(pat, token = `ghp_${randomBytes(18).toString('hex')}`) {
      state.pats.set(token, pat);
      return token;
    },
    seedApp: (appId, pem) => void state.apps.set(appId, pem),
    seedInstallation: (id, appId, permissions) => void state.installations.set(id, { appId, permissions }),
    revoke(token) {
      const minted = state.installationTokens.get(token);
      if (minted) minted.revoked = true;
      return state.pats.delete(token) || minted !== undefined;
    },
  };
  const rateHeaders = () => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(Math.max(0, state.rateLimitRemaining)),
    'x-ratelimit-used': String(5000 - Math.max(0, state.rateLimitRemaining)),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
  });
  const badCredentials = (): FakeResponse => {
    state.badCredentialAttempts++;
    return {
      status: 401,
      headers: rateHeaders(),
      body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' },
    };
  };

  /** The app id of a well-formed, correctly signed, unexpired app JWT, or undefined. */
  const appFromJwt = (jwt: string): string | undefined => {
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return undefined;
    let claims: { iat?: number; exp?: number; iss?: string };
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return undefined;
    }
    const pem = claims.iss === undefined ? undefined : state.apps.get(claims.iss);
    if (!pem || claims.iat === undefined || claims.exp === undefined) return undefined;
    const now = Math.floor(Date.now() / 1000);
    if (claims.exp - claims.iat > 600 || claims.exp < now || claims.iat > now + 60) return undefined;
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      createPublicKey(pem),
      Buffer.from(signature, 'base64url'),
    );
    return ok ? claims.iss : undefined;
  };

  const route: FakeRoute = (req: FakeRequest) => {
    const name = `${req.method} ${req.path.replace(/\/app\/installations\/[^/]+/, '/app/installations/:id')}`;
    state.calls[name] = (state.calls[name] ?? 0) + 1;
    if (state.rateLimitRemaining <= 0) {
      return {
        status: 403,
        headers: rateHeaders(),
        body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: DOCS },
      };
    }
    state.rateLimitRemaining--;
    if (state.badCredentialLimit !== undefined && state.badCredentialAttempts >= state.badCredentialLimit) {
      return {
        status: 403,
        headers: rateHeaders(),
        body: {
          message: 'Maximum number of login attempts exceeded. Please try again later.',
          documentation_url: DOCS,
        },
      };
    }
    const token = bearer(req.headers) ?? '';
    if (req.method === 'GET' && req.path === '/user') {
      const pat = state.pats.get(token);
      if (!pat) return badCredentials();
      const headers: Record<string, string> = { ...rateHeaders() };
      if (pat.scopes) headers['x-oauth-scopes'] = pat.scopes.join(', ');
      if (pat.expiration) headers['github-authentication-token-expiration'] = pat.expiration;
      return { status: 200, headers, body: { login: pat.login, id: 1, type: 'User' } };
    }
    const mint = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(req.path);
    if (req.method === 'POST' && mint) {
      const appId = appFromJwt(token);
      if (!appId) {
        return {
          status: 401,
          headers: rateHeaders(),
          body: { message: 'A JSON web token could not be decoded', documentation_url: DOCS },
        };
      }
      const installationId = mint[1] ?? '';
      const installation = state.installations.get(installationId);
      if (!installation || installation.appId !== appId) {
        return { status: 404, headers: rateHeaders(), body: { message: 'Not Found', documentation_url: DOCS } };
      }
      const minted = `ghs_${randomBytes(18).toString('hex')}`;
      const expiresAt = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      state.installationTokens.set(minted, { installationId, expiresAt, revoked: false });
      return {
        status: 201,
        headers: rateHeaders(),
        body: {
          token: minted,
          expires_at: expiresAt,
          permissions: installation.permissions,
          repository_selection: 'all',
        },
      };
    }
    const installationToken = state.installationTokens.get(token);
    const live =
      installationToken && !installationToken.revoked && Date.parse(installationToken.expiresAt) > Date.now();
    if (req.method === 'DELETE' && req.path === '/installation/token') {
      if (!live) return badCredentials();
      installationToken.revoked = true;
      return { status: 204, headers: rateHeaders() };
    }
    if (req.method === 'GET' && req.path === '/installation/repositories') {
      if (!live) return badCredentials();
      return { status: 200, headers: rateHeaders(), body: { total_count: 0, repositories: [] } };
    }
    return { status: 404, headers: rateHeaders(), body: { message: 'Not Found', documentation_url: DOCS } };
  };
  return { route, state };
}
