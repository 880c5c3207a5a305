import { describe, expect, it } from 'vitest';
import { createHttpAdapter } from '../../../lambdas/providers/http';
import { canary, expectNoSecret, itFollowsTransportRules, secretValue, useFakeProviders } from './harness';

const h = useFakeProviders();
const ctx = (extra: Record<string, unknown> = {}) =>
  h.ctx('http', { url: `${h.base('http')}/check`, expiryJsonPath: 'token.expires_at', ...extra });
const adapter = () => createHttpAdapter({ http: h.http() });
const svc = () => h.providers.fakes.http;

describe('http adapter', () => {
  it('is valid on a validStatus and reads an epoch-seconds expiry from expiryJsonPath', async () => {
    const token = svc().seedToken({ expiresAt: 1_800_000_000, token: canary() });
    const result = await adapter().verify(secretValue(token), ctx());
    expect(result).toMatchObject({ verdict: 'valid', expiresAt: '2027-01-15T08:00:00.000Z' });
  });

  it('reads an ISO date expiry', async () => {
    const token = svc().seedToken();
    h.providers.faults.http.failNext({ kind: 'status', status: 200, body: { token: { expires_at: '2027-02-01' } } });
    const result = await adapter().verify(secretValue(token), ctx());
    expect(result).toMatchObject({ verdict: 'valid', expiresAt: '2027-02-01T00:00:00.000Z' });
  });

  it('is indeterminate when the expiry is neither a date nor epoch seconds', async () => {
    const token = svc().seedToken();
    h.providers.faults.http.failNext({ kind: 'status', status: 200, body: { token: { expires_at: 'soon' } } });
    expect((await adapter().verify(secretValue(token), ctx())).verdict).toBe('indeterminate');
  });

  it('is invalid on an invalidStatus', async () => {
    const token = canary();
    const result = await adapter().verify(secretValue(token), ctx());
    expect(result).toMatchObject({ verdict: 'invalid', status: 401 });
    expectNoSecret(token, result);
  });

  it('puts the token only where the header template says', async () => {
    const token = svc().seedToken();
    const result = await adapter().verify(
      secretValue(token),
      ctx({ headers: { Authorization: 'Bearer {{token}}', 'X-Client': 'tokenwarden' } }),
    );
    expect(result.verdict).toBe('valid');
    const wrongHeader = await adapter().verify(secretValue(token), ctx({ headers: { 'X-Api-Key': '{{token}}' } }));
    expect(wrongHeader.verdict).toBe('invalid');
  });

  it('is indeterminate for a status in neither list', async () => {
    const token = svc().seedToken();
    h.providers.faults.http.failNext({ kind: 'status', status: 418 });
    expect(await adapter().verify(secretValue(token), ctx())).toMatchObject({ verdict: 'indeterminate', status: 418 });
  });

  it('honours custom status lists', async () => {
    const token = svc().seedToken();
    const result = await adapter().verify(secretValue(token), ctx({ validStatus: [204], invalidStatus: [200] }));
    expect(result.verdict).toBe('invalid');
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createHttpAdapter,
      faults: () => h.providers.faults.http,
      valid: () => ({ value: secretValue(svc().seedToken({ expiresAt: 1_800_000_000, token: canary() })), ctx: ctx() }),
    });
  });
});
