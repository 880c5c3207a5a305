import { describe, expect, it } from 'vitest';
import { createDatadogAdapter } from '../../../lambdas/providers/datadog';
import { SecretValueError, TokenInvalidError } from '../../../lambdas/shared/errors';
import { canary, expectNoSecret, itFollowsTransportRules, secretValue, thrown, useFakeProviders } from './harness';

const h = useFakeProviders();
const apiCtx = () => h.ctx('datadog', { baseUrl: h.base('datadog'), keyType: 'api' });
const appCtx = (scopes: string[] = []) =>
  h.ctx('datadog', { baseUrl: h.base('datadog'), keyType: 'application' }, scopes);
const adapter = () => createDatadogAdapter({ http: h.http() });
const dd = () => h.providers.fakes.datadog;
/** Admin pair: an API key and an application key allowed to write keys. */
const adminSecret = () => {
  const api = dd().seedApiKey();
  const app = dd().seedAppKey(['api_keys_write']);
  return JSON.stringify({ apiKey: api.key, appKey: app.key });
};

describe('datadog adapter', () => {
  describe('verify (API key)', () => {
    it('is valid when /api/v1/validate answers valid: true', async () => {
      const { key } = dd().seedApiKey(canary());
      const result = await adapter().verify(secretValue(key), apiCtx());
      expect(result).toMatchObject({ verdict: 'valid', status: 200 });
      expect(dd().calls['GET /api/v1/validate']).toBeGreaterThan(0);
    });

    it('is invalid on 403, which is how Datadog says a key is not valid', async () => {
      const token = canary();
      const result = await adapter().verify(secretValue(token), apiCtx());
      expect(result).toMatchObject({ verdict: 'invalid', status: 403 });
      expectNoSecret(token, result);
    });

    it('honours X-RateLimit-Reset on a 429 that has no Retry-After', async () => {
      const { key } = dd().seedApiKey();
      h.providers.faults.datadog.failNext({
        kind: 'status',
        status: 429,
        headers: { 'X-RateLimit-Reset': '4', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Name': 'validate' },
        body: { errors: ['Rate limit exceeded'] },
      });
      const result = await adapter().verify(secretValue(key), apiCtx());
      expect(h.waits).toEqual([4000]);
      expect(result.verdict).toBe('valid');
    });
  });

  describe('verify (application key)', () => {
    it('is valid when /api/v2/validate_keys accepts the pair', async () => {
      const api = dd().seedApiKey();
      const app = dd().seedAppKey(['dashboards_read']);
      const result = await adapter().verify(secretValue(app.key, { provider: { apiKey: api.key } }), appCtx());
      expect(result.verdict).toBe('valid');
      expect(dd().calls['GET /api/v2/validate_keys']).toBeGreaterThan(0);
    });

    it('is invalid when the application key is unknown', async () => {
      const api = dd().seedApiKey();
      const token = canary();
      const result = await adapter().verify(secretValue(token, { provider: { apiKey: api.key } }), appCtx());
      expect(result.verdict).toBe('invalid');
      expectNoSecret(token, result);
    });

    it('is indeterminate, not invalid, when the stored value lacks the companion API key', async () => {
      const app = dd().seedAppKey();
      const result = await adapter().verify(secretValue(app.key), appCtx());
      expect(result.verdict).toBe('indeterminate');
      expect(result.reason).toContain('provider.apiKey');
    });
  });

  describe('issue and revoke', () => {
    it('issues an API key that verifies, and after revoke verifies invalid', async () => {
      const admin = adminSecret();
      const issued = await adapter().issue!({ ctx: apiCtx(), admin, idempotencyKey: 'a1b2c3d4-rotation' });
      expect(issued.providerTokenId).toBeDefined();
      expect((await adapter().verify(issued, apiCtx())).verdict).toBe('valid');
      await adapter().revoke!(issued, apiCtx(), admin);
      expect((await adapter().verify(issued, apiCtx())).verdict).toBe('invalid');
      // Revoking again is success: the key is already gone.
      await adapter().revoke!(issued, apiCtx(), admin);
    });

    it('does not retry a create that answered 5xx (the key may exist; a retry would orphan a second one)', async () => {
      const admin = adminSecret();
      h.providers.faults.datadog.requests = 0;
      h.providers.faults.datadog.failNext({ kind: 'status', status: 503 });
      await expect(adapter().issue!({ ctx: apiCtx(), admin, idempotencyKey: 'a1b2c3d4-rotation' })).rejects.toThrow(
        /could not be reached/,
      );
      expect(h.providers.faults.datadog.requests).toBe(1);
    });

    it('issues an application key with the inventory scopes and keeps the companion API key', async () => {
      const admin = adminSecret();
      const api = dd().seedApiKey();
      const current = secretValue(dd().seedAppKey().key, { provider: { apiKey: api.key } });
      const issued = await adapter().issue!({
        ctx: appCtx(['dashboards_read']),
        current,
        admin,
        idempotencyKey: 'rot-0002',
      });
      expect(issued.scopes).toEqual(['dashboards_read']);
      expect(issued.provider?.['apiKey']).toBe(api.key);
      expect((await adapter().verify(issued, appCtx())).verdict).toBe('valid');
      await adapter().revoke!(issued, appCtx(), admin);
      expect((await adapter().verify(issued, appCtx())).verdict).toBe('invalid');
    });

    it('refuses an admin pair without api_keys_write, naming the credential but not its value', async () => {
      const api = dd().seedApiKey();
      const app = dd().seedAppKey(['dashboards_read'], canary());
      const admin = JSON.stringify({ apiKey: api.key, appKey: app.key });
      const error = await thrown(() => adapter().issue!({ ctx: apiCtx(), admin, idempotencyKey: 'rot-0003' }));
      expect(error).toBeInstanceOf(TokenInvalidError);
      expectNoSecret(app.key, error);
      expectNoSecret(api.key, error);
    });

    it('explains the admin secret format when it is not the documented JSON', async () => {
      const secret = canary();
      const error = await thrown(() => adapter().issue!({ ctx: apiCtx(), admin: secret, idempotencyKey: 'rot-0004' }));
      expect(error).toBeInstanceOf(SecretValueError);
      expect((error as Error).message).toContain('"apiKey"');
      expectNoSecret(secret, error);
    });
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createDatadogAdapter,
      faults: () => h.providers.faults.datadog,
      valid: () => ({ value: secretValue(dd().seedApiKey(canary()).key), ctx: apiCtx() }),
    });
  });
});
