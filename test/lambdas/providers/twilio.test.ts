import { describe, expect, it } from 'vitest';
import { createTwilioAdapter } from '../../../lambdas/providers/twilio';
import { TokenInvalidError } from '../../../lambdas/shared/errors';
import { canary, expectNoSecret, itFollowsTransportRules, secretValue, thrown, useFakeProviders } from './harness';

const h = useFakeProviders();
const tw = () => h.providers.fakes.twilio;
const ctx = () => h.ctx('twilio', { baseUrl: h.base('twilio'), accountSid: tw().accountSid });
const adapter = () => createTwilioAdapter({ http: h.http() });
const keyValue = (sid: string, secret: string) => secretValue(secret, { providerTokenId: sid });

describe('twilio adapter', () => {
  describe('verify', () => {
    it('is valid when the key SID and secret authenticate (Basic auth)', async () => {
      const { sid, secret } = tw().seedKey({ secret: canary() });
      const result = await adapter().verify(keyValue(sid, secret), ctx());
      expect(result).toMatchObject({ verdict: 'valid', status: 200, identity: sid });
      expect(result.expiresAt).toBeUndefined(); // Twilio keys never expire
    });

    it('is invalid on 401 (code 20003 Authenticate)', async () => {
      const { sid } = tw().seedKey();
      const wrong = canary();
      const result = await adapter().verify(keyValue(sid, wrong), ctx());
      expect(result).toMatchObject({ verdict: 'invalid', status: 401 });
      expectNoSecret(wrong, result);
    });

    it('is indeterminate when the stored value lacks the key SID', async () => {
      const result = await adapter().verify(secretValue(canary()), ctx());
      expect(result.verdict).toBe('indeterminate');
      expect(result.reason).toContain('providerTokenId');
    });
  });

  describe('issue and revoke', () => {
    it('creates a key with the Auth Token; after revoke the key verifies invalid', async () => {
      const admin = JSON.stringify({ sid: tw().accountSid, secret: tw().authToken });
      const issued = await adapter().issue!({ ctx: ctx(), admin, idempotencyKey: 'rot-3333' });
      expect(issued.providerTokenId).toMatch(/^SK/);
      expect((await adapter().verify(issued, ctx())).verdict).toBe('valid');
      await adapter().revoke!(issued, ctx(), admin);
      expect((await adapter().verify(issued, ctx())).verdict).toBe('invalid');
      await adapter().revoke!(issued, ctx(), admin); // 404 afterwards is success
    });

    it('creates a key with a Main key', async () => {
      const main = tw().seedKey({ main: true });
      const admin = JSON.stringify({ sid: main.sid, secret: main.secret });
      const issued = await adapter().issue!({ ctx: ctx(), admin, idempotencyKey: 'rot-4444' });
      expect((await adapter().verify(issued, ctx())).verdict).toBe('valid');
    });

    it('refuses a Standard key as admin: only Main keys may manage keys', async () => {
      const standard = tw().seedKey({ secret: canary() });
      const admin = JSON.stringify({ sid: standard.sid, secret: standard.secret });
      const error = await thrown(() => adapter().issue!({ ctx: ctx(), admin, idempotencyKey: 'rot-5555' }));
      expect(error).toBeInstanceOf(TokenInvalidError);
      expectNoSecret(standard.secret, error);
    });
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createTwilioAdapter,
      faults: () => h.providers.faults.twilio,
      valid: () => {
        const { sid, secret } = tw().seedKey({ secret: canary() });
        return { value: keyValue(sid, secret), ctx: ctx() };
      },
    });
  });
});
