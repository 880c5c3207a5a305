import { request } from '../shared/http';
import type { HttpResponse } from '../shared/http';
import type { AdapterOptions } from './adapter-kit';
import {
  endpoint,
  missingScopes,
  scopesFromHeader,
  toIsoDate,
  unexpectedAnswer,
  verifying,
  withScopeNote,
} from './adapter-kit';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { ProviderAdapter, VerifyResult } from './types';

/**
 * GitHub personal access tokens, classic and fine-grained: verify only (no creation API).
 * Token length and pattern are never checked: GitHub changes token formats (PROVIDERS.md).
 */
const NAME = 'github-pat';

/** Headers GitHub asks for on every REST call. https://docs.github.com/en/rest/about-the-rest-api/api-versions */
export const GITHUB_HEADERS = { Accept: 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' };

/**
 * GitHub's expiry header reads like `2026-12-01 12:00:00 UTC` (or with a numeric offset).
 * https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api
 */
export function parseGithubExpiry(header: string | null): string | undefined {
  if (header === null) return undefined;
  const normalized = header
    .trim()
    .replace(' UTC', 'Z')
    .replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  return toIsoDate(normalized.replace(/ ([+-]\d{2})(\d{2})$/, '$1:$2')) ?? toIsoDate(header);
}

/**
 * A 403 from GitHub is either a rate limit (primary: x-ratelimit-remaining 0; secondary: the body
 * says so) or a permission problem of a working token.
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
 */
export function githubForbidden(res: HttpResponse): VerifyResult {
  if (res.headers.get('x-ratelimit-remaining') === '0') {
    const reset = toIsoDate(res.headers.get('x-ratelimit-reset') ?? undefined);
    return {
      verdict: 'indeterminate',
      reason: `GitHub rate limit exhausted${reset ? ` until ${reset}` : ''} (403)`,
      status: 403,
    };
  }
  let message = '';
  try {
    const body = res.json<{ message?: unknown }>();
    message = typeof body.message === 'string' ? body.message : '';
  } catch {
    message = '';
  }
  if (/rate limit|login attempts/i.test(message)) {
    return { verdict: 'indeterminate', reason: 'GitHub secondary rate limit or login lockout (403)', status: 403 };
  }
  if (/not accessible|permission/i.test(message)) {
    return {
      verdict: 'valid',
      reason: 'GitHub accepted the token; it lacks permission for this call (403)',
      status: 403,
    };
  }
  return { verdict: 'indeterminate', reason: 'GitHub answered 403 without a recognised reason', status: 403 };
}

/** The adapter for GitHub personal access tokens; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createGithubPatAdapter(options: AdapterOptions = {}): ProviderAdapter {
  return {
    name: NAME,
    capabilities: PROVIDERS['github-pat'].capabilities,

    verify(value, ctx) {
      return verifying(NAME, async (): Promise<VerifyResult> => {
        const { baseUrl } = parseProviderSettings('github-pat', ctx.settings);
        // https://docs.github.com/en/rest/users/users#get-the-authenticated-user
        const url = endpoint(baseUrl, '/user');
        const res = await request(
          NAME,
          url,
          { headers: { ...GITHUB_HEADERS, Authorization: `Bearer ${value.token}` } },
          options.http,
        );
        if (res.status === 401) return { verdict: 'invalid', reason: 'GitHub: Bad credentials (401)', status: 401 };
        if (res.status === 403) return githubForbidden(res);
        if (res.status !== 200) return unexpectedAnswer(NAME, url, res);
        const user = res.json<{ login?: unknown }>();
        // Classic tokens list their scopes in X-OAuth-Scopes; fine-grained tokens send no such header.
        // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
        const scopes = scopesFromHeader(res.headers);
        const expiresAt = parseGithubExpiry(res.headers.get('github-authentication-token-expiration'));
        return {
          verdict: 'valid',
          reason: withScopeNote('GitHub accepted the token', missingScopes(ctx.scopes, scopes)),
          scopes,
          expiresAt,
          identity: typeof user.login === 'string' ? user.login : undefined,
          status: 200,
        };
      });
    },
  };
}
