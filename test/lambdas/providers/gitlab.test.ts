import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FaultInjector, fakeListener, type RunningFake, serveOnLoopback } from '../../../local/providers/http-fake';
import { createFakeGitlab, type FakeGitlab } from '../../../local/providers/gitlab';
import { createGitlabAdapter, expiryDate } from '../../../lambdas/providers/gitlab';
import type { TokenContext } from '../../../lambdas/providers/types';
import { ProviderUnavailableError, TokenInvalidError } from '../../../lambdas/shared/errors';
import type { TokenSecretValue } from '../../../lambdas/shared/secret-value';

const value = (token: string): TokenSecretValue => ({ v: 1, token, issuedAt: '2026-11-23T08:00:00Z' });

describe('gitlab adapter (against the fake GitLab on 127.0.0.1)', () => {
  let server: RunningFake;
  let fake: FakeGitlab;
  const faults = new FaultInjector();
  const slept: number[] = [];
  const http = { timeoutMs: 300, retries: 1, baseDelayMs: 1, sleep: async (ms: number) => void slept.push(ms) };
  const adapter = createGitlabAdapter({ http, clock: () => new Date('2026-11-23T08:00:00Z') });
  const ctx = (settings: Record<string, unknown> = {}): TokenContext => ({
    env: 'qa',
    name: 'gitlab-ci',
    provider: 'gitlab',
    scopes: ['api', 'self_rotate'],
    settings: { baseUrl: server.url, ...settings },
    lifetimeMs: 30 * 86_400_000,
  });

  beforeAll(async () => {
    fake = createFakeGitlab();
    server = await serveOnLoopback(fakeListener(fake.route, faults));
  });
  afterAll(() => server.close());
  afterEach(() => {
    faults.clear();
    slept.length = 0;
  });

  describe('verify', () => {
    it('says valid with scopes and the end of the expiry day as expiresAt', async () => {
      const token = fake.seed({ scopes: ['read_api'], expiresAt: '2027-01-31', name: 'qa-bot' });
      const result = await adapter.verify(value(token), ctx());
      expect(result).toEqual({
        verdict: 'valid',
        status: 200,
        scopes: ['read_api'],
        expiresAt: '2027-01-31T23:59:59Z',
        identity: 'qa-bot',
      });
    });

    it('says invalid for a revoked token (401) and never echoes it', async () => {
      const token = fake.seed();
      fake.revoke(token);
      const result = await adapter.verify(value(token), ctx());
      expect(result).toMatchObject({ verdict: 'invalid', status: 401 });
      expect(JSON.stringify(result)).not.toContain(token);
    });

    it('says invalid for an expired token', async () => {
      const token = fake.seed({ expiresAt: '2020-01-01' });
      expect((await adapter.verify(value(token), ctx())).verdict).toBe('invalid');
    });

    it('says valid, with a reason, for a token lacking a read scope (403 insufficient_scope)', async () => {
      const token = fake.seed({ scopes: ['write_repository'] });
      const result = await adapter.verify(value(token), ctx());
      expect(result).toMatchObject({ verdict: 'valid', status: 403 });
      expect(result.reason).toMatch(/lacks a scope/);
    });

    it('says indeterminate for any other 403 (GitLab.com IP block)', async () => {
      const token = fake.seed();
      faults.failNext({ kind: 'status', status: 403, body: { message: '403 Forbidden' } });
      expect((await adapter.verify(value(token), ctx())).verdict).toBe('indeterminate');
    });

    it('retries after a 429 as Retry-After says', async () => {
      const token = fake.seed();
      faults.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '3', 'ratelimit-remaining': '0' } });
      expect((await adapter.verify(value(token), ctx())).verdict).toBe('valid');
      expect(slept).toEqual([3000]);
    });

    it('says indeterminate on 5xx, timeouts and malformed JSON', async () => {
      const token = fake.seed();
      faults.failNext({ kind: 'status', status: 502 }, 2);
      expect((await adapter.verify(value(token), ctx())).verdict).toBe('indeterminate');
      faults.failNext({ kind: 'hang' }, 2);
      expect((await adapter.verify(value(token), ctx())).verdict).toBe('indeterminate');
      faults.failNext({ kind: 'malformed' });
      expect((await adapter.verify(value(token), ctx())).verdict).toBe('indeterminate');
    });
  });

  describe('issue with rotateWith self', () => {
    it('rotates a personal token: the new one works, the old one is revoked at once', async () => {
      const old = fake.seed();
      const issued = await adapter.issue!({ ctx: ctx(), current: value(old), idempotencyKey: 'k' });
      expect(fake.isActive(issued.token)).toBe(true);
      expect(fake.isActive(old)).toBe(false);
      expect(issued.expiresAt).toBe(`${expiryDate(new Date('2026-11-23T08:00:00Z'), 30 * 86_400_000)}T23:59:59Z`);
      expect(issued.providerTokenId).toMatch(/^\d+$/);
    });

    it('rotates a project token through the project endpoint', async () => {
      const old = fake.seed({ owner: 'projects/42' });
      const issued = await adapter.issue!({
        ctx: ctx({ tokenType: 'project', projectId: 42 }),
        current: value(old),
        idempotencyKey: 'k',
      });
      expect(fake.isActive(issued.token)).toBe(true);
    });

    it('never retries a rotate call, even after a 5xx', async () => {
      const old = fake.seed();
      faults.failNext({ kind: 'status', status: 502 });
      const before = faults.requests;
      await expect(adapter.issue!({ ctx: ctx(), current: value(old), idempotencyKey: 'k' })).rejects.toBeInstanceOf(
        ProviderUnavailableError,
      );
      expect(faults.requests - before).toBe(1);
    });

    it('throws TokenInvalidError, without the token, when rotating a revoked token', async () => {
      const old = fake.seed();
      fake.revoke(old);
      const error = await adapter.issue!({ ctx: ctx(), current: value(old), idempotencyKey: 'k' }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TokenInvalidError);
      expect((error as Error).message).not.toContain(old);
    });
  });

  describe('issue with rotateWith admin', () => {
    it('creates a project token with the admin token and leaves the old one alive', async () => {
      const admin = fake.seed({ admin: true });
      const old = fake.seed({ owner: 'projects/7' });
      const issued = await adapter.issue!({
        ctx: ctx({ tokenType: 'project', projectId: 7, rotateWith: 'admin' }),
        current: value(old),
        admin,
        idempotencyKey: 'k',
      });
      expect(fake.isActive(issued.token)).toBe(true);
      expect(fake.isActive(old)).toBe(true);
      expect(fake.tokens.get(issued.token)?.scopes).toEqual(['api', 'self_rotate']);
    });
  });

  describe('revoke', () => {
    it('revokes a token, and a token already revoked is success', async () => {
      const token = fake.seed();
      await adapter.revoke!(value(token), ctx());
      expect(fake.isActive(token)).toBe(false);
      await adapter.revoke!(value(token), ctx());
    });
  });

  describe('the fake GitLab', () => {
    it('revokes the whole token family when a revoked token is used to rotate', async () => {
      const old = fake.seed();
      const reuses = fake.stats.rotationsWithRevokedToken;
      const issued = await adapter.issue!({ ctx: ctx(), current: value(old), idempotencyKey: 'k' });
      await expect(adapter.issue!({ ctx: ctx(), current: value(old), idempotencyKey: 'k' })).rejects.toBeInstanceOf(
        TokenInvalidError,
      );
      expect(fake.isActive(issued.token)).toBe(false);
      expect(fake.stats.rotationsWithRevokedToken).toBe(reuses + 1);
    });
  });
});

describe('expiryDate', () => {
  const now = new Date('2026-11-23T08:00:00Z');
  it('gives twice the rotation interval as a date', () => {
    expect(expiryDate(now, 7 * 86_400_000)).toBe('2026-12-07');
  });
  it('caps the lifetime at GitLab maximum of 365 days', () => {
    expect(expiryDate(now, 400 * 86_400_000)).toBe('2027-11-23');
  });
});
