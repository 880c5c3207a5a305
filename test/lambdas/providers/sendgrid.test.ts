import { describe, expect, it } from 'vitest';
import { createSendgridAdapter } from '../../../lambdas/providers/sendgrid';
import { ProviderUnavailableError, SecretValueError, TokenInvalidError } from '../../../lambdas/shared/errors';
import { canary, expectNoSecret, itFollowsTransportRules, secretValue, thrown, useFakeProviders } from './harness';

const h = useFakeProviders();
const ctx = (scopes: string[] = []) => h.ctx('sendgrid', { baseUrl: h.base('sendgrid') }, scopes);
const adapter = () => createSendgridAdapter({ http: h.http() });
const sg = () => h.providers.fakes.sendgrid;
const adminSecret = () => JSON.stringify({ apiKey: sg().seedKey(['api_keys.create', 'api_keys.delete']).key });

describe('sendgrid adapter', () => {
  describe('verify', () => {
    it('is valid and reports the scopes from GET /v3/scopes', async () => {
      const { key } = sg().seedKey(['mail.send', 'stats.read'], canary('SG.'));
      const result = await adapter().verify(secretValue(key), ctx(['mail.send']));
      expect(result).toMatchObject({ verdict: 'valid', scopes: ['mail.send', 'stats.read'] });
      expect(sg().calls['GET /v3/scopes']).toBeGreaterThan(0);
    });

    it('notes inventory scopes the key lacks', async () => {
      const { key } = sg().seedKey(['mail.send']);
      const result = await adapter().verify(secretValue(key), ctx(['mail.send', 'templates.read']));
      expect(result.verdict).toBe('valid');
      expect(result.reason).toContain('templates.read');
    });

    it('is invalid on 401 with the SendGrid errors body', async () => {
      const token = canary('SG.');
      const result = await adapter().verify(secretValue(token), ctx());
      expect(result).toMatchObject({ verdict: 'invalid', status: 401 });
      expectNoSecret(token, result);
    });

    it('treats 403 as a valid key lacking a scope', async () => {
      const { key } = sg().seedKey(['mail.send']);
      h.providers.faults.sendgrid.failNext({
        kind: 'status',
        status: 403,
        body: { errors: [{ field: null, message: 'access forbidden' }] },
      });
      const result = await adapter().verify(secretValue(key), ctx());
      expect(result).toMatchObject({ verdict: 'valid', status: 403 });
    });

    it('waits until X-RateLimit-Reset (epoch seconds) on a 429 without Retry-After', async () => {
      const { key } = sg().seedKey(['mail.send']);
      const reset = Math.floor(Date.now() / 1000) + 6;
      h.providers.faults.sendgrid.failNext({
        kind: 'status',
        status: 429,
        headers: { 'X-RateLimit-Reset': String(reset), 'X-RateLimit-Remaining': '0' },
        body: { errors: [{ field: null, message: 'too many requests' }] },
      });
      const result = await adapter().verify(secretValue(key), ctx());
      expect(result.verdict).toBe('valid');
      expect(h.waits).toHaveLength(1);
      expect(h.waits[0]).toBeGreaterThanOrEqual(4_000);
      expect(h.waits[0]).toBeLessThanOrEqual(7_000);
    });

    it('gives up as indeterminate, without waiting, when the reset is beyond the longest wait allowed', async () => {
      const { key } = sg().seedKey(['mail.send']);
      h.providers.faults.sendgrid.failNext({
        kind: 'status',
        status: 429,
        headers: { 'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 3600) },
      });
      const result = await adapter().verify(secretValue(key), ctx());
      expect(result).toMatchObject({ verdict: 'indeterminate', status: 429 });
      expect(h.waits).toEqual([]);
    });
  });

  describe('issue and revoke', () => {
    it('issues a key with the inventory scopes; after revoke it verifies invalid', async () => {
      const admin = adminSecret();
      const issued = await adapter().issue!({ ctx: ctx(['mail.send']), admin, idempotencyKey: 'rot-1111' });
      expect(issued).toMatchObject({ scopes: ['mail.send'] });
      expect(issued.providerTokenId).toBeDefined();
      expect(await adapter().verify(issued, ctx())).toMatchObject({ verdict: 'valid', scopes: ['mail.send'] });
      await adapter().revoke!(issued, ctx(), admin);
      expect((await adapter().verify(issued, ctx())).verdict).toBe('invalid');
      await adapter().revoke!(issued, ctx(), admin); // already gone: 404 is success
    });

    it('rejects an admin key without api_keys.create as an invalid credential', async () => {
      const weak = sg().seedKey(['mail.send'], canary('SG.')).key;
      const error = await thrown(() =>
        adapter().issue!({ ctx: ctx(), admin: JSON.stringify({ apiKey: weak }), idempotencyKey: 'rot-2222' }),
      );
      expect(error).toBeInstanceOf(TokenInvalidError);
      expect((error as TokenInvalidError).status).toBe(403);
      expectNoSecret(weak, error);
    });
  });

  describe('issue and revoke failures', () => {
    it('throws ProviderUnavailableError on 5xx without the admin key in the message', async () => {
      const admin = adminSecret();
      h.providers.faults.sendgrid.failNext({ kind: 'status', status: 502 }, 3);
      const error = await thrown(() => adapter().issue!({ ctx: ctx(), admin, idempotencyKey: 'rot-6666' }));
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expectNoSecret(JSON.parse(admin).apiKey, error);
    });

    it('needs the admin secret to revoke', async () => {
      const { id, key } = sg().seedKey(['mail.send']);
      const error = await thrown(() => adapter().revoke!(secretValue(key, { providerTokenId: id }), ctx()));
      expect(error).toBeInstanceOf(SecretValueError);
      expect(sg().keys.has(id)).toBe(true);
    });
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createSendgridAdapter,
      faults: () => h.providers.faults.sendgrid,
      valid: () => ({ value: secretValue(sg().seedKey(['mail.send'], canary('SG.')).key), ctx: ctx() }),
    });
  });
});
