import { SecretValueError } from '../shared/errors';
import { request } from '../shared/http';
import type { TokenSecretValue } from '../shared/secret-value';
import type { AdapterOptions } from './adapter-kit';
import {
  endpoint,
  expectStatus,
  parseAdminSecret,
  unexpectedAnswer,
  verifying,
  withRateLimitRetryAfter,
} from './adapter-kit';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { IssueInput, ProviderAdapter, TokenContext, VerifyResult } from './types';

/**
 * Datadog API and application keys (settings.keyType).
 *
 * Stored value:
 * - API key: `token` = the API key, `providerTokenId` = its key id.
 * - Application key: `token` = the application key, `providerTokenId` = its id, and
 *   `provider.apiKey` = the API key it is used with, because every application-key call needs both
 *   (https://docs.datadoghq.com/api/latest/authentication/).
 *
 * Admin secret (settings `adminSecret` of the inventory), JSON:
 * `{ "apiKey": "<API key>", "appKey": "<application key with api_keys_write>" }`.
 * Application keys are created for the admin key's own user (current_user endpoints), so the admin
 * application key's user owns the issued keys.
 *
 * Keys are bound to a site: `settings.baseUrl` is the site's API host (PROVIDERS.md rule 4).
 */
const NAME = 'datadog';

/** Datadog's 429 carries X-RateLimit-Reset (seconds until the window resets), not Retry-After.
 * https://docs.datadoghq.com/api/latest/rate-limits/ */
function datadogRetryAfter(headers: Headers): number | undefined {
  const reset = headers.get('x-ratelimit-reset');
  return reset !== null && /^\d+$/.test(reset) ? Number(reset) : undefined;
}

/** The adapter for Datadog API and application keys; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createDatadogAdapter(options: AdapterOptions = {}): ProviderAdapter {
  const http = withRateLimitRetryAfter(options.http, datadogRetryAfter);
  const adminHeaders = (admin: string | undefined) => {
    const { apiKey, appKey } = parseAdminSecret(NAME, admin, ['apiKey', 'appKey']);
    return { 'DD-API-KEY': apiKey, 'DD-APPLICATION-KEY': appKey, 'Content-Type': 'application/json' };
  };

  async function verifyApiKey(value: TokenSecretValue, baseUrl: string): Promise<VerifyResult> {
    // https://docs.datadoghq.com/api/latest/authentication/validate-api-key/ : "If invalid, a 403 is returned."
    const url = endpoint(baseUrl, '/api/v1/validate');
    const res = await request(NAME, url, { headers: { 'DD-API-KEY': value.token, Accept: 'application/json' } }, http);
    if (res.status === 403) return { verdict: 'invalid', reason: 'Datadog rejected the API key (403)', status: 403 };
    if (res.status === 200 && res.json<{ valid?: unknown }>().valid === true) {
      return { verdict: 'valid', reason: 'Datadog validated the API key', status: 200 };
    }
    return unexpectedAnswer(NAME, url, res);
  }

  async function verifyApplicationKey(value: TokenSecretValue, baseUrl: string): Promise<VerifyResult> {
    const apiKey = value.provider?.['apiKey'];
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new SecretValueError('datadog application key stored without its API key (field provider.apiKey)');
    }
    // https://docs.datadoghq.com/api/latest/key-management/validate-api-and-application-keys/
    // "Returns {"status": "ok"} on success, 401 or 403 otherwise."
    const url = endpoint(baseUrl, '/api/v2/validate_keys');
    const res = await request(
      NAME,
      url,
      { headers: { 'DD-API-KEY': apiKey, 'DD-APPLICATION-KEY': value.token, Accept: 'application/json' } },
      http,
    );
    if (res.status === 401 || res.status === 403) {
      return {
        verdict: 'invalid',
        reason: `Datadog rejected the application key or its API key (${res.status})`,
        status: res.status,
      };
    }
    if (res.status === 200 && res.json<{ status?: unknown }>().status === 'ok') {
      return { verdict: 'valid', reason: 'Datadog validated the application key', status: 200 };
    }
    return unexpectedAnswer(NAME, url, res);
  }

  return {
    name: NAME,
    capabilities: PROVIDERS.datadog.capabilities,

    verify(value, ctx) {
      return verifying(NAME, async () => {
        const settings = parseProviderSettings('datadog', ctx.settings);
        return settings.keyType === 'api'
          ? verifyApiKey(value, settings.baseUrl)
          : verifyApplicationKey(value, settings.baseUrl);
      });
    },

    async issue({ ctx, current, admin, idempotencyKey }: IssueInput): Promise<TokenSecretValue> {
      const settings = parseProviderSettings('datadog', ctx.settings);
      const headers = adminHeaders(admin);
      // Key names must be unique in the org; the rotation's idempotency key keeps them apart.
      const keyName = `tokenwarden-${ctx.env}-${ctx.name}-${idempotencyKey.slice(0, 8)}`;
      const issuedAt = new Date().toISOString();
      if (settings.keyType === 'api') {
        // https://docs.datadoghq.com/api/latest/key-management/#create-an-api-key (needs api_keys_write)
        const url = endpoint(settings.baseUrl, '/api/v2/api_keys');
        const res = await request(
          NAME,
          url,
          {
            method: 'POST',
            headers,
            body: JSON.stringify({ data: { type: 'api_keys', attributes: { name: keyName } } }),
          },
          { ...http, createsResource: true },
        );
        expectStatus(NAME, url, res, [200, 201], 'create an API key');
        const data = res.json<{ data?: { id?: string; attributes?: { key?: string } } }>().data;
        if (!data?.id || !data.attributes?.key)
          throw new SecretValueError('datadog create API key answer lacks id/key');
        return { v: 1, token: data.attributes.key, issuedAt, providerTokenId: data.id, provider: { keyType: 'api' } };
      }
      const apiKey = current?.provider?.['apiKey'];
      if (typeof apiKey !== 'string' || apiKey === '') {
        throw new SecretValueError('datadog application key rotation needs the current value with provider.apiKey');
      }
      // https://docs.datadoghq.com/api/latest/key-management/#create-an-application-key-for-current-user
      const url = endpoint(settings.baseUrl, '/api/v2/current_user/application_keys');
      const attributes = ctx.scopes.length > 0 ? { name: keyName, scopes: ctx.scopes } : { name: keyName };
      const res = await request(
        NAME,
        url,
        { method: 'POST', headers, body: JSON.stringify({ data: { type: 'application_keys', attributes } }) },
        { ...http, createsResource: true },
      );
      expectStatus(NAME, url, res, [200, 201], 'create an application key');
      const data = res.json<{ data?: { id?: string; attributes?: { key?: string; scopes?: string[] | null } } }>().data;
      if (!data?.id || !data.attributes?.key) throw new SecretValueError('datadog create app key answer lacks id/key');
      return {
        v: 1,
        token: data.attributes.key,
        issuedAt,
        providerTokenId: data.id,
        scopes: data.attributes.scopes ?? ctx.scopes,
        provider: { keyType: 'application', apiKey },
      };
    },

    async revoke(value: TokenSecretValue, ctx: TokenContext, admin?: string): Promise<void> {
      const settings = parseProviderSettings('datadog', ctx.settings);
      if (!value.providerTokenId) throw new SecretValueError('datadog key has no providerTokenId to revoke');
      const id = encodeURIComponent(value.providerTokenId);
      // https://docs.datadoghq.com/api/latest/key-management/#delete-an-api-key
      // https://docs.datadoghq.com/api/latest/key-management/#delete-an-application-key-owned-by-current-user
      const path =
        settings.keyType === 'api' ? `/api/v2/api_keys/${id}` : `/api/v2/current_user/application_keys/${id}`;
      const url = endpoint(settings.baseUrl, path);
      const res = await request(NAME, url, { method: 'DELETE', headers: adminHeaders(admin) }, http);
      // 404: already gone, which is what revoke wants (idempotent).
      expectStatus(NAME, url, res, [200, 204, 404], 'delete a key');
    },
  };
}
