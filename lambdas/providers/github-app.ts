import { createPrivateKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ProviderResponseError, TokenInvalidError } from '../shared/errors';
import { request } from '../shared/http';
import type { HttpOptions } from '../shared/http';
import type { TokenSecretValue } from '../shared/secret-value';
import type { AdapterOptions } from './adapter-kit';
import { endpoint, expectStatus, toIsoDate, verifying, withScopeNote } from './adapter-kit';
import { PROVIDERS } from './catalog';
import { GITHUB_HEADERS, githubForbidden } from './github-pat';
import { parseProviderSettings } from './settings';
import type { ProviderAdapter, TokenContext, VerifyResult } from './types';

/**
 * GitHub App installations. The stored secret is the app's private key (PEM) in `token`; what CI
 * gets is a one-hour installation token minted on read. Verifying mints one, compares its
 * permissions with the inventory scopes (`contents:read` form) and revokes it at once.
 */
const NAME = 'github-app';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * Signs the app JWT: RS256, iat 60 s in the past against clock drift, exp at most 10 minutes ahead.
 * https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 * @throws TokenInvalidError when the stored value is not a usable RSA private key (no key material in the message)
 */
export function signAppJwt(privateKeyPem: string, appId: string | number, nowMs = Date.now()): string {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new TokenInvalidError(NAME, 'the stored GitHub App private key cannot be read as a PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new TokenInvalidError(NAME, 'the stored GitHub App private key is not an RSA key');
  }
  const now = Math.floor(nowMs / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: now - 60, exp: now + 9 * 60, iss: String(appId) }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key);
  return `${header}.${payload}.${b64url(signature)}`;
}

interface Minted {
  readonly token: string;
  readonly expiresAt: string;
  readonly permissions: string[];
}

async function mintInstallationToken(value: TokenSecretValue, ctx: TokenContext, http?: HttpOptions): Promise<Minted> {
  const { baseUrl, appId, installationId } = parseProviderSettings('github-app', ctx.settings);
  const jwt = signAppJwt(value.token, appId);
  // https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app
  const url = endpoint(baseUrl, `/app/installations/${encodeURIComponent(String(installationId))}/access_tokens`);
  const res = await request(
    NAME,
    url,
    { method: 'POST', headers: { ...GITHUB_HEADERS, Authorization: `Bearer ${jwt}` } },
    http,
  );
  if (res.status === 401) {
    throw new TokenInvalidError(NAME, 'GitHub rejected the app JWT (401): wrong private key or app id', {
      status: 401,
    });
  }
  if (res.status === 404) {
    throw new TokenInvalidError(NAME, `GitHub App installation ${installationId} not found (404)`, { status: 404 });
  }
  if (res.status === 403) {
    const forbidden = githubForbidden(res);
    throw new ProviderResponseError(NAME, forbidden.reason ?? 'GitHub answered 403');
  }
  expectStatus(NAME, url, res, [200, 201], 'create an installation access token');
  const body = res.json<{ token?: unknown; expires_at?: unknown; permissions?: unknown }>();
  const expiresAt = toIsoDate(body.expires_at);
  if (typeof body.token !== 'string' || body.token === '' || expiresAt === undefined) {
    throw new ProviderResponseError(NAME, 'GitHub installation token answer lacks token or expires_at');
  }
  const permissions =
    typeof body.permissions === 'object' && body.permissions !== null
      ? Object.entries(body.permissions as Record<string, unknown>).map(([name, level]) => `${name}:${String(level)}`)
      : [];
  return { token: body.token, expiresAt, permissions };
}

/** `contents:write` also covers `contents:read`; `admin` covers both. */
function grants(permissions: readonly string[], wanted: string): boolean {
  const [name, level] = wanted.split(':');
  const order = ['read', 'write', 'admin'];
  return permissions.some((p) => {
    const [pName, pLevel] = p.split(':');
    return pName === name && order.indexOf(pLevel ?? '') >= order.indexOf(level ?? '');
  });
}

/** The adapter for GitHub App installations (the stored App key mints installation tokens); every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createGithubAppAdapter(options: AdapterOptions = {}): ProviderAdapter {
  const http = options.http;

  async function revokeInstallationToken(token: string, ctx: TokenContext): Promise<void> {
    const { baseUrl } = parseProviderSettings('github-app', ctx.settings);
    // https://docs.github.com/en/rest/apps/installations#revoke-an-installation-access-token
    const url = endpoint(baseUrl, '/installation/token');
    const res = await request(
      NAME,
      url,
      { method: 'DELETE', headers: { ...GITHUB_HEADERS, Authorization: `Bearer ${token}` } },
      http,
    );
    // 401: already expired or revoked, which is what revoke wants.
    expectStatus(NAME, url, res, [204, 401], 'revoke an installation token');
  }

  return {
    name: NAME,
    capabilities: PROVIDERS['github-app'].capabilities,

    verify(value, ctx) {
      return verifying(NAME, async (): Promise<VerifyResult> => {
        const minted = await mintInstallationToken(value, ctx, http);
        try {
          await revokeInstallationToken(minted.token, ctx);
        } catch {
          // The probe's token expires within the hour anyway; failing to revoke it does not change the verdict.
        }
        const missing = ctx.scopes.filter((scope) => !grants(minted.permissions, scope));
        return {
          verdict: 'valid',
          reason: withScopeNote('GitHub minted an installation token', missing),
          scopes: minted.permissions,
          identity: `app ${String(parseProviderSettings('github-app', ctx.settings).appId)}`,
          status: 201,
        };
      });
    },

    async mint(value, ctx) {
      const { token, expiresAt } = await mintInstallationToken(value, ctx, http);
      return { token, expiresAt };
    },
  };
}
