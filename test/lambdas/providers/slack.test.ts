import { describe, expect, it } from 'vitest';
import { createSlackAdapter } from '../../../lambdas/providers/slack';
import { canary, expectNoSecret, itFollowsTransportRules, secretValue, useFakeProviders } from './harness';

const h = useFakeProviders();
const ctx = (scopes: string[] = []) => h.ctx('slack', { baseUrl: `${h.base('slack')}/api` }, scopes);
const adapter = () => createSlackAdapter({ http: h.http() });
const slack = () => h.providers.fakes.slack;

describe('slack adapter', () => {
  describe('verify', () => {
    it('is valid when auth.test says ok, with scopes from x-oauth-scopes and the team/user identity', async () => {
      const token = slack().seedToken(['chat:write', 'channels:read'], canary('xoxb-'));
      const result = await adapter().verify(secretValue(token), ctx(['chat:write']));
      expect(result).toMatchObject({
        verdict: 'valid',
        scopes: ['chat:write', 'channels:read'],
        identity: 'QA/qa-bot',
      });
      expect(slack().calls['POST /auth.test']).toBeGreaterThan(0);
    });

    it('reads the verdict from the body: HTTP 200 with ok:false invalid_auth is invalid', async () => {
      const token = canary('xoxb-');
      const result = await adapter().verify(secretValue(token), ctx());
      expect(result).toMatchObject({ verdict: 'invalid', status: 200, reason: 'Slack auth.test: invalid_auth' });
      expectNoSecret(token, result);
    });

    it.each(['invalid_auth', 'token_revoked', 'account_inactive', 'not_authed', 'token_expired'])(
      'maps ok:false %s to invalid',
      async (error) => {
        const token = slack().seedToken(['chat:write']);
        h.providers.faults.slack.failNext({ kind: 'status', status: 200, body: { ok: false, error } });
        expect((await adapter().verify(secretValue(token), ctx())).verdict).toBe('invalid');
      },
    );

    it.each(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable'])(
      'maps ok:false %s to indeterminate',
      async (error) => {
        const token = slack().seedToken(['chat:write']);
        h.providers.faults.slack.failNext({ kind: 'status', status: 200, body: { ok: false, error } });
        expect((await adapter().verify(secretValue(token), ctx())).verdict).toBe('indeterminate');
      },
    );

    it('does not echo an error field that is not an error code', async () => {
      const token = slack().seedToken(['chat:write']);
      h.providers.faults.slack.failNext({ kind: 'status', status: 200, body: { ok: false, error: `bad ${token}` } });
      const result = await adapter().verify(secretValue(token), ctx());
      expect(result).toMatchObject({ verdict: 'indeterminate', reason: 'Slack auth.test: unknown_error' });
    });
  });

  describe('revoke', () => {
    it('revokes with auth.revoke; the token then verifies invalid (token_revoked)', async () => {
      const token = slack().seedToken(['chat:write'], canary('xoxp-'));
      await adapter().revoke!(secretValue(token), ctx());
      const result = await adapter().verify(secretValue(token), ctx());
      expect(result).toMatchObject({ verdict: 'invalid', reason: 'Slack auth.test: token_revoked' });
      await adapter().revoke!(secretValue(token), ctx()); // idempotent
    });
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createSlackAdapter,
      faults: () => h.providers.faults.slack,
      valid: () => ({ value: secretValue(slack().seedToken(['chat:write'], canary('xoxb-'))), ctx: ctx() }),
    });
  });
});
