import { SecretValueError } from '../shared/errors';
import { request } from '../shared/http';
import type { TokenSecretValue } from '../shared/secret-value';
import type { AdapterOptions } from './adapter-kit';
import { basicAuth, endpoint, expectStatus, parseAdminSecret, unexpectedAnswer, verifying } from './adapter-kit';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { IssueInput, ProviderAdapter, TokenContext } from './types';

/**
 * Twilio API keys (Standard keys). Keys never expire (PROVIDERS.md rule 5).
 *
 * Stored value: `token` = the key secret, `providerTokenId` = the key SID (SK…), used as the Basic
 * auth user name. Admin secret, JSON: `{ "sid": "<Main key SID or Account SID>", "secret": "<its secret
 * or the Auth Token>" }`: only Main keys and the Auth Token may use the Keys resource
 * (https://www.twilio.com/docs/iam/api-keys/keys-in-console).
 */
const NAME = 'twilio';

/** The adapter for Twilio API keys; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createTwilioAdapter(options: AdapterOptions = {}): ProviderAdapter {
  const http = options.http;
  const adminAuth = (admin: string | undefined) => {
    const { sid, secret } = parseAdminSecret(NAME, admin, ['sid', 'secret']);
    return basicAuth(sid, secret);
  };

  return {
    name: NAME,
    capabilities: PROVIDERS.twilio.capabilities,

    verify(value, ctx) {
      return verifying(NAME, async () => {
        const { baseUrl, accountSid } = parseProviderSettings('twilio', ctx.settings);
        if (!value.providerTokenId) throw new SecretValueError('twilio key stored without its SID (providerTokenId)');
        // Standard keys may not read /Accounts or /Keys (https://www.twilio.com/docs/iam/api-keys/keys-in-console),
        // so verify with a cheap authenticated list every key type can read.
        // https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
        const url = endpoint(baseUrl, `/2010-04-01/Accounts/${accountSid}/Messages.json?PageSize=1`);
        const res = await request(
          NAME,
          url,
          { headers: { Authorization: basicAuth(value.providerTokenId, value.token) } },
          http,
        );
        // 401 with code 20003 "Authenticate": https://www.twilio.com/docs/api/errors/20003
        if (res.status === 401) return { verdict: 'invalid', reason: 'Twilio rejected the API key (401)', status: 401 };
        // 403: authenticated, but a restricted key lacks this permission.
        if (res.status === 403) {
          return {
            verdict: 'valid',
            reason: 'Twilio accepted the key but it may not list messages (403)',
            status: 403,
          };
        }
        if (res.status === 200) {
          res.json();
          return {
            verdict: 'valid',
            reason: 'Twilio accepted the API key',
            status: 200,
            identity: value.providerTokenId,
          };
        }
        return unexpectedAnswer(NAME, url, res);
      });
    },

    async issue({ ctx, admin, idempotencyKey }: IssueInput): Promise<TokenSecretValue> {
      const { baseUrl, accountSid } = parseProviderSettings('twilio', ctx.settings);
      // https://www.twilio.com/docs/iam/api-keys/key-resource-v2010#create-a-new-key-resource
      const url = endpoint(baseUrl, `/2010-04-01/Accounts/${accountSid}/Keys.json`);
      const form = new URLSearchParams({
        FriendlyName: `tokenwarden-${ctx.env}-${ctx.name}-${idempotencyKey.slice(0, 8)}`,
      });
      const res = await request(
        NAME,
        url,
        {
          method: 'POST',
          headers: { Authorization: adminAuth(admin), 'Content-Type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        },
        { ...http, createsResource: true },
      );
      expectStatus(NAME, url, res, [200, 201], 'create an API key');
      const created = res.json<{ sid?: string; secret?: string }>();
      if (!created.sid || !created.secret) throw new SecretValueError('twilio create key answer lacks sid/secret');
      return { v: 1, token: created.secret, issuedAt: new Date().toISOString(), providerTokenId: created.sid };
    },

    async revoke(value: TokenSecretValue, ctx: TokenContext, admin?: string): Promise<void> {
      const { baseUrl, accountSid } = parseProviderSettings('twilio', ctx.settings);
      if (!value.providerTokenId) throw new SecretValueError('twilio key has no SID (providerTokenId) to revoke');
      // https://www.twilio.com/docs/iam/api-keys/key-resource-v2010#delete-a-key-resource
      const url = endpoint(
        baseUrl,
        `/2010-04-01/Accounts/${accountSid}/Keys/${encodeURIComponent(value.providerTokenId)}.json`,
      );
      const res = await request(NAME, url, { method: 'DELETE', headers: { Authorization: adminAuth(admin) } }, http);
      expectStatus(NAME, url, res, [200, 204, 404], 'delete an API key');
    },
  };
}
