import { describe, expect, it } from 'vitest';
import { createGithubPatAdapter, parseGithubExpiry } from '../../../lambdas/providers/github-pat';
import { canary, expectNoSecret, itFollowsTransportRules, secretValue, useFakeProviders } from './harness';

const h = useFakeProviders();
const ctx = (scopes: string[] = []) => h.ctx('github-pat', { baseUrl: h.base('github-pat') }, scopes);
const adapter = () => createGithubPatAdapter({ http: h.http() });
const gh = () => h.providers.fakes['github-pat'];

describe('github-pat adapter', () => {
  it('is valid for a classic token, with scopes from X-OAuth-Scopes and the expiry header', async () => {
    const token = gh().seedPat(
      { login: 'qa-bot', scopes: ['repo', 'read:org'], expiration: '2026-12-24 10:00:00 UTC' },
      canary('ghp_'),
    );
    const result = await adapter().verify(secretValue(token), ctx(['repo']));
    expect(result).toMatchObject({
      verdict: 'valid',
      identity: 'qa-bot',
      scopes: ['repo', 'read:org'],
      expiresAt: '2026-12-24T10:00:00.000Z',
    });
  });

  it('leaves scopes unknown for a fine-grained token (no scope header)', async () => {
    const token = gh().seedPat({ login: 'qa-bot' }, canary('github_pat_'));
    const result = await adapter().verify(secretValue(token), ctx(['repo']));
    expect(result.verdict).toBe('valid');
    expect(result.scopes).toBeUndefined();
    expect(result.expiresAt).toBeUndefined();
  });

  it('accepts tokens of any length or shape', async () => {
    const token = gh().seedPat({ login: 'qa-bot' }, `x${canary()}${'y'.repeat(200)}`);
    expect((await adapter().verify(secretValue(token), ctx())).verdict).toBe('valid');
  });

  it('is invalid on 401 Bad credentials', async () => {
    const token = canary('ghp_');
    const result = await adapter().verify(secretValue(token), ctx());
    expect(result).toMatchObject({ verdict: 'invalid', status: 401 });
    expectNoSecret(token, result);
  });

  it('is indeterminate on 403 with x-ratelimit-remaining 0: a rate limit, not a bad token', async () => {
    const token = gh().seedPat({ login: 'qa-bot' });
    gh().rateLimitRemaining = 0;
    try {
      const result = await adapter().verify(secretValue(token), ctx());
      expect(result).toMatchObject({ verdict: 'indeterminate', status: 403 });
      expect(result.reason).toContain('rate limit');
    } finally {
      gh().rateLimitRemaining = 5000;
    }
  });

  it('reads the body of any other 403: a secondary rate limit is indeterminate', async () => {
    const token = gh().seedPat({ login: 'qa-bot' });
    h.providers.faults['github-pat'].failNext({
      kind: 'status',
      status: 403,
      headers: { 'x-ratelimit-remaining': '4000' },
      body: { message: 'You have exceeded a secondary rate limit.' },
    });
    expect((await adapter().verify(secretValue(token), ctx())).verdict).toBe('indeterminate');
  });

  it('reads the body of any other 403: lacking permission means the token works', async () => {
    const token = gh().seedPat({ login: 'qa-bot' });
    h.providers.faults['github-pat'].failNext({
      kind: 'status',
      status: 403,
      body: { message: 'Resource not accessible by personal access token' },
    });
    expect((await adapter().verify(secretValue(token), ctx())).verdict).toBe('valid');
  });

  it('is indeterminate, not invalid, for a valid token once repeated bad credentials locked the caller out', async () => {
    const token = gh().seedPat({ login: 'qa-bot' });
    gh().badCredentialLimit = 2;
    try {
      await adapter().verify(secretValue(canary()), ctx());
      await adapter().verify(secretValue(canary()), ctx());
      const result = await adapter().verify(secretValue(token), ctx());
      expect(result).toMatchObject({ verdict: 'indeterminate', status: 403 });
      expect(result.reason).toContain('lockout');
    } finally {
      gh().badCredentialLimit = undefined;
      gh().badCredentialAttempts = 0;
    }
  });

  it('keeps a token that is not a legal header value out of the result', async () => {
    const token = `${canary('ghp_')}\nX-Injected: 1`;
    const result = await adapter().verify(secretValue(token), ctx());
    expect(result.verdict).toBe('indeterminate');
    expectNoSecret(token.split('\n')[0] ?? token, result);
  });

  it('parses the expiry header forms GitHub sends', () => {
    expect(parseGithubExpiry('2026-12-24 10:00:00 UTC')).toBe('2026-12-24T10:00:00.000Z');
    expect(parseGithubExpiry('2026-12-24 10:00:00 +0100')).toBe('2026-12-24T09:00:00.000Z');
    expect(parseGithubExpiry(null)).toBeUndefined();
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createGithubPatAdapter,
      faults: () => h.providers.faults['github-pat'],
      valid: () => ({ value: secretValue(gh().seedPat({ login: 'qa-bot' }, canary('ghp_'))), ctx: ctx() }),
    });
  });
});
