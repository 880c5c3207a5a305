import { SecretValueError } from '../shared/errors';
import { request } from '../shared/http';
import type { TokenSecretValue } from '../shared/secret-value';
import type { AdapterOptions } from './adapter-kit';
import {
  endpoint,
  expectStatus,
  missingScopes,
  parseAdminSecret,
  unexpectedAnswer,
  verifying,
  withRateLimitRetryAfter,
  withScopeNote,
} from './adapter-kit';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { IssueInput, ProviderAdapter, TokenContext } from './types';

/**
 * SendGrid API keys. Keys never expire. EU subusers live on https://api.eu.sendgrid.com and a key
 * sent to the wrong region looks invalid (PROVIDERS.md rule 4): `settings.baseUrl` holds the region.
 *
 * Admin secret, JSON: `{ "apiKey": "<SendGrid key with api_keys.create/delete>" }`.
 * Stored value: `token` = the key, `providerTokenId` = its api_key_id.
 */
const NAME = 'sendgrid';

/** SendGrid's 429 carries X-RateLimit-Reset as epoch seconds.
 * https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits */
function sendgridRetryAfter(headers: Headers, nowMs: number): number | undefined {
  const reset = headers.get('x-ratelimit-reset');
  return reset !== null && /^\d+$/.test(reset) ? Number(reset) - nowMs / 1000 : undefined;
}

/** The adapter for SendGrid API keys; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createSendgridAdapter(options: AdapterOptions = {}): ProviderAdapter {
  const http = withRateLimitRetryAfter(options.http, sendgridRetryAfter);
  const adminHeaders = (admin: string | undefined) => ({
    Authorization: `Bearer ${parseAdminSecret(NAME, admin, ['apiKey']).apiKey}`,
    'Content-Type': 'application/json',
  });

  return {
    name: NAME,
    capabilities: PROVIDERS.sendgrid.capabilities,

    verify(value, ctx) {
      return verifying(NAME, async () => {
        const { baseUrl } = parseProviderSettings('sendgrid', ctx.settings);
        // https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions/retrieve-a-list-of-scopes-for-which-this-user-has-access
        const url = endpoint(baseUrl, '/v3/scopes');
        const res = await request(NAME, url, { headers: { Authorization: `Bearer ${value.token}` } }, http);
        if (res.status === 401)
          return { verdict: 'invalid', reason: 'SendGrid rejected the API key (401)', status: 401 };
        // 403 = authenticated, but the key may not read this resource (PROVIDERS.md rule 3).
        if (res.status === 403) {
          return {
            verdict: 'valid',
            reason: 'SendGrid accepted the key but it may not list its scopes (403)',
            status: 403,
          };
        }
        if (res.status !== 200) return unexpectedAnswer(NAME, url, res);
        const scopes = res.json<{ scopes?: unknown }>().scopes;
        if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string'))
          return unexpectedAnswer(NAME, url, res);
        const reason = withScopeNote('SendGrid accepted the API key', missingScopes(ctx.scopes, scopes));
        return { verdict: 'valid', reason, scopes, status: 200 };
      });
    },

    async issue({ ctx, admin, idempotencyKey }: IssueInput): Promise<TokenSecretValue> {
      const { baseUrl } = parseProviderSettings('sendgrid', ctx.settings);
      // https://www.twilio.com/docs/sendgrid/api-reference/api-keys/create-api-keys
      const url = endpoint(baseUrl, '/v3/api_keys');
      const body = { name: `tokenwarden-${ctx.env}-${ctx.name}-${idempotencyKey.slice(0, 8)}`, scopes: ctx.scopes };
      const res = await request(
        NAME,
        url,
        { method: 'POST', headers: adminHeaders(admin), body: JSON.stringify(body) },
        { ...http, createsResource: true },
      );
      expectStatus(NAME, url, res, [200, 201], 'create an API key');
      const created = res.json<{ api_key?: string; api_key_id?: string; scopes?: string[] }>();
      if (!created.api_key || !created.api_key_id)
        throw new SecretValueError('sendgrid create answer lacks api_key/id');
      return {
        v: 1,
        token: created.api_key,
        issuedAt: new Date().toISOString(),
        providerTokenId: created.api_key_id,
        scopes: created.scopes ?? ctx.scopes,
      };
    },

    async revoke(value: TokenSecretValue, ctx: TokenContext, admin?: string): Promise<void> {
      const { baseUrl } = parseProviderSettings('sendgrid', ctx.settings);
      if (!value.providerTokenId) throw new SecretValueError('sendgrid key has no providerTokenId to revoke');
      // https://www.twilio.com/docs/sendgrid/api-reference/api-keys/delete-api-keys
      const url = endpoint(baseUrl, `/v3/api_keys/${encodeURIComponent(value.providerTokenId)}`);
      const res = await request(NAME, url, { method: 'DELETE', headers: adminHeaders(admin) }, http);
      expectStatus(NAME, url, res, [200, 204, 404], 'delete an API key');
    },
  };
}
