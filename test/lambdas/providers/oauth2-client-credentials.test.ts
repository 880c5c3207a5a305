import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthServer, type RunningOAuthServer } from '../../../local/oauth-server';
import { FaultInjector, fakeListener, type RunningFake, serveOnLoopback } from '../../../local/providers/http-fake';
import { createOAuth2Adapter } from '../../../lambdas/providers/oauth2-client-credentials';
import type { TokenContext } from '../../../lambdas/providers/types';
import { ProviderUnavailableError, TokenInvalidError } from '../../../lambdas/shared/errors';
import { proxyRoute } from '../../support/proxy-route';

const CLIENT_ID = 'qa-client';
const CLIENT_SECRET = 'canary-client-secret-9f3a';

describe('oauth2-client-credentials adapter (against oidc-provider on 127.0.0.1)', () => {
  let server: RunningOAuthServer;
  let proxy: RunningFake;
  const faults = new FaultInjector();
  const slept: number[] = [];
  const http = { timeoutMs: 300, retries: 1, baseDelayMs: 1, sleep: async (ms: number) => void slept.push(ms) };
  const adapter = createOAuth2Adapter({ http, readClientSecret: async () => CLIENT_SECRET });
  let ctx: TokenContext;

  beforeAll(async () => {
    server = await startOAuthServer({
      port: 0,
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['orders:read', 'orders:write'] }],
    });
    proxy = await serveOnLoopback(fakeListener(proxyRoute(server.url), faults));
    ctx = {
      env: 'qa',
      name: 'orders-api',
      provider: 'oauth2-client-credentials',
      scopes: ['orders:read'],
      settings: {
        clientId: CLIENT_ID,
        tokenUrl: `${proxy.url}/token`,
        introspectionUrl: `${proxy.url}/token/introspection`,
        revocationUrl: `${proxy.url}/token/revocation`,
      },
    };
  });
  afterAll(async () => {
    await proxy.close();
    await server.close();
  });
  afterEach(() => {
    faults.clear();
    slept.length = 0;
  });

  const issue = () => adapter.issue!({ ctx, admin: CLIENT_SECRET, idempotencyKey: 'k' });

  describe('issue', () => {
    it('gets a token with exactly the inventory scopes and its expiry', async () => {
      const value = await issue();
      expect(value.token.length).toBeGreaterThan(10);
      expect(value.scopes).toEqual(['orders:read']);
      expect(Date.parse(value.expiresAt ?? '')).toBeGreaterThan(Date.now());
    });

    it('throws TokenInvalidError naming the error code, never the secret, when the client secret is wrong', async () => {
      const error = await adapter.issue!({ ctx, admin: 'wrong-secret', idempotencyKey: 'k' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TokenInvalidError);
      expect((error as Error).message).toContain('invalid_client');
      expect((error as Error).message).not.toContain('wrong-secret');
    });
  });

  describe('issue under faults', () => {
    it('does not retry the token request after a 5xx, so no unrecorded second token is minted', async () => {
      faults.failNext({ kind: 'status', status: 503 });
      const before = faults.requests;
      await expect(issue()).rejects.toBeInstanceOf(ProviderUnavailableError);
      expect(faults.requests - before).toBe(1);
    });
  });

  describe('verify', () => {
    it('says valid with scopes, client and expiry from introspection', async () => {
      const value = await issue();
      const result = await adapter.verify(value, ctx);
      expect(result).toMatchObject({ verdict: 'valid', scopes: ['orders:read'], identity: CLIENT_ID });
      expect(result.expiresAt).toBeDefined();
    });

    it('says invalid for a revoked token (active:false)', async () => {
      const value = await issue();
      await adapter.revoke!(value, ctx, CLIENT_SECRET);
      const result = await adapter.verify(value, ctx);
      expect(result.verdict).toBe('invalid');
      expect(JSON.stringify(result)).not.toContain(value.token);
    });

    it('says invalid for a token the server never issued', async () => {
      const result = await adapter.verify({ v: 1, token: 'canary-never-issued', issuedAt: 'x' }, ctx);
      expect(result.verdict).toBe('invalid');
    });

    it('retries after a 429, waiting as long as Retry-After says', async () => {
      const value = await issue();
      faults.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
      const result = await adapter.verify(value, ctx);
      expect(result.verdict).toBe('valid');
      expect(slept).toEqual([2000]);
    });

    it('says indeterminate when 429s outlast the retries', async () => {
      const value = await issue();
      faults.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }, 2);
      expect((await adapter.verify(value, ctx)).verdict).toBe('indeterminate');
    });

    it('says indeterminate on 5xx', async () => {
      const value = await issue();
      faults.failNext({ kind: 'status', status: 503 }, 2);
      const result = await adapter.verify(value, ctx);
      expect(result).toMatchObject({ verdict: 'indeterminate', status: 503 });
    });

    it('says indeterminate when the server does not answer in time', async () => {
      const value = await issue();
      faults.failNext({ kind: 'hang' }, 2);
      expect((await adapter.verify(value, ctx)).verdict).toBe('indeterminate');
    });

    it('says indeterminate on a malformed JSON body', async () => {
      const value = await issue();
      faults.failNext({ kind: 'malformed' });
      expect((await adapter.verify(value, ctx)).verdict).toBe('indeterminate');
    });

    it('says indeterminate, not invalid, when the client secret is refused', async () => {
      const value = await issue();
      const wrong = createOAuth2Adapter({ http, readClientSecret: async () => 'wrong' });
      expect((await wrong.verify(value, ctx)).verdict).toBe('indeterminate');
    });
  });

  describe('revoke', () => {
    it('succeeds for a token that is unknown or already revoked (RFC 7009)', async () => {
      const value = await issue();
      await adapter.revoke!(value, ctx, CLIENT_SECRET);
      await adapter.revoke!(value, ctx, CLIENT_SECRET);
      await adapter.revoke!({ v: 1, token: 'canary-unknown', issuedAt: 'x' }, ctx, CLIENT_SECRET);
    });
  });
});
