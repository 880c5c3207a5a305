import { describe, expect, it } from 'vitest';
import { createStripeAdapter, isStripeLiveKey } from '../../../lambdas/providers/stripe';
import { canary, expectNoSecret, itFollowsTransportRules, secretValue, useFakeProviders } from './harness';

const h = useFakeProviders();
const ctx = () => h.ctx('stripe', { baseUrl: h.base('stripe') });
const adapter = () => createStripeAdapter({ http: h.http() });
const seed = (key: string, canReadBalance = true) => {
  h.providers.fakes.stripe.seedKey(key, { canReadBalance });
  return key;
};

describe('stripe adapter', () => {
  it('has no issue or revoke: Stripe keys are rolled in the Dashboard', () => {
    expect(adapter().capabilities).toEqual(['verify']);
    expect(adapter().issue).toBeUndefined();
  });

  it('is valid for a test-mode key that reads the balance, without a live-key warning', async () => {
    const key = seed(canary('sk_test_'));
    const result = await adapter().verify(secretValue(key), ctx());
    expect(result).toMatchObject({ verdict: 'valid', status: 200 });
    expect(result.reason).not.toMatch(/live/i);
    expect(h.providers.fakes.stripe.calls['GET /v1/balance']).toBeGreaterThan(0);
  });

  it('is invalid on 401 and does not pass on the error body, which quotes part of the key', async () => {
    const key = canary('sk_test_');
    const result = await adapter().verify(secretValue(key), ctx());
    expect(result).toMatchObject({ verdict: 'invalid', status: 401 });
    expect(result.reason).not.toContain(key.slice(0, 8));
    expectNoSecret(key, result);
  });

  it('treats 403 as a valid restricted key lacking permission', async () => {
    const key = seed(canary('rk_test_'), false);
    const result = await adapter().verify(secretValue(key), ctx());
    expect(result).toMatchObject({ verdict: 'valid', status: 403 });
  });

  it.each(['sk_live_', 'rk_live_'])('flags a %s key as a live key in a QA environment', async (prefix) => {
    const key = seed(canary(prefix));
    const result = await adapter().verify(secretValue(key), ctx());
    expect(result.verdict).toBe('valid');
    expect(result.reason).toContain('LIVE-mode key');
    expect(result.warnings).toEqual([expect.stringContaining('LIVE-mode key')]);
    expectNoSecret(key, result);
  });

  it('flags a live key even when the provider cannot be reached', async () => {
    const key = seed(canary('sk_live_'));
    h.providers.faults.stripe.failNext({ kind: 'status', status: 500 }, 3);
    const result = await adapter().verify(secretValue(key), ctx());
    expect(result.verdict).toBe('indeterminate');
    expect(result.reason).toContain('LIVE-mode key');
  });

  it('recognises live keys by prefix only', () => {
    expect(isStripeLiveKey('sk_live_x')).toBe(true);
    expect(isStripeLiveKey('rk_live_x')).toBe(true);
    expect(isStripeLiveKey('sk_test_live_x')).toBe(false);
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createStripeAdapter,
      faults: () => h.providers.faults.stripe,
      valid: () => ({ value: secretValue(seed(canary('sk_test_'))), ctx: ctx() }),
    });
  });
});
