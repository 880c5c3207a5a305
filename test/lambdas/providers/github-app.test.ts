import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGithubAppAdapter, signAppJwt } from '../../../lambdas/providers/github-app';
import { TokenInvalidError } from '../../../lambdas/shared/errors';
import { expectNoSecret, itFollowsTransportRules, secretValue, thrown, useFakeProviders } from './harness';

const h = useFakeProviders();
const gh = () => h.providers.fakes['github-app'];
const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const { privateKey, publicKey } = pair();
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** A well-formed key that is not the app's. */
const OTHER_PEM = pair().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const APP_ID = '4242';
const INSTALLATION = '777';
const ctx = (scopes: string[] = [], installationId = INSTALLATION) =>
  h.ctx('github-app', { baseUrl: h.base('github-app'), appId: APP_ID, installationId }, scopes);
const adapter = () => createGithubAppAdapter({ http: h.http() });
const seedApp = () => {
  gh().seedApp(APP_ID, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  gh().seedInstallation(INSTALLATION, APP_ID, { contents: 'write', metadata: 'read' });
};

describe('github-app adapter', () => {
  it('declares verify and mintOnRead', () => {
    expect(adapter().capabilities).toEqual(['verify', 'mintOnRead']);
  });

  describe('signAppJwt', () => {
    it('signs RS256 with iat 60 s in the past, exp at most 10 minutes ahead and iss = app id', () => {
      const now = Date.UTC(2026, 10, 23, 8, 0, 0);
      const [header, payload] = signAppJwt(PEM, 4242, now).split('.');
      expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
      const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
      expect(claims['iat']).toBe(now / 1000 - 60);
      expect(Number(claims['exp']) - now / 1000).toBeLessThanOrEqual(600);
      expect(claims['iss']).toBe('4242');
    });

    it('rejects a value that is not a private key without quoting it', () => {
      const junk = '-----BEGIN PRIVATE KEY-----\nCANARYnotakey\n-----END PRIVATE KEY-----';
      let error: unknown;
      try {
        signAppJwt(junk, 1);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TokenInvalidError);
      expectNoSecret('CANARYnotakey', error);
    });
  });

  describe('mint', () => {
    it('mints an installation token with its expiry', async () => {
      seedApp();
      const minted = await adapter().mint!(secretValue(PEM), ctx());
      expect(minted.token).toMatch(/^ghs_/);
      expect(Date.parse(minted.expiresAt)).toBeGreaterThan(Date.now());
      expect(gh().installationTokens.get(minted.token)?.revoked).toBe(false);
    });

    it('throws TokenInvalidError when GitHub rejects the JWT (another key)', async () => {
      seedApp();
      const other = OTHER_PEM;
      const error = await thrown(() => adapter().mint!(secretValue(other), ctx()));
      expect(error).toMatchObject({ name: 'TokenInvalidError', status: 401 });
      expectNoSecret(other, error);
    });
  });

  describe('verify', () => {
    it('is valid, reports permissions as scopes and revokes the token it minted', async () => {
      seedApp();
      const result = await adapter().verify(secretValue(PEM), ctx(['contents:read']));
      expect(result).toMatchObject({ verdict: 'valid', scopes: ['contents:write', 'metadata:read'] });
      expect(result.reason).not.toContain('lacks');
      const minted = [...gh().installationTokens.values()];
      expect(minted.at(-1)?.revoked).toBe(true);
      expectNoSecret(PEM, result);
    });

    it('notes inventory permissions the installation lacks', async () => {
      seedApp();
      const result = await adapter().verify(secretValue(PEM), ctx(['issues:write', 'metadata:read']));
      expect(result.verdict).toBe('valid');
      expect(result.reason).toContain('issues:write');
      expect(result.reason).not.toContain('metadata:read');
    });

    it('is invalid when the private key is not the app key (401)', async () => {
      seedApp();
      const other = OTHER_PEM;
      const result = await adapter().verify(secretValue(other), ctx());
      expect(result).toMatchObject({ verdict: 'invalid', status: 401 });
      expectNoSecret(other, result);
    });

    it('is invalid when the stored value is not a key at all', async () => {
      const result = await adapter().verify(secretValue('not a pem'), ctx());
      expect(result.verdict).toBe('invalid');
    });

    it('is indeterminate when GitHub rate-limits the mint (403, x-ratelimit-remaining 0)', async () => {
      seedApp();
      h.providers.faults['github-app'].failNext({
        kind: 'status',
        status: 403,
        headers: { 'x-ratelimit-remaining': '0' },
        body: { message: 'API rate limit exceeded' },
      });
      const result = await adapter().verify(secretValue(PEM), ctx());
      expect(result.verdict).toBe('indeterminate');
      expect(result.reason).toContain('rate limit');
    });

    it('is invalid when the installation is gone (404)', async () => {
      seedApp();
      const result = await adapter().verify(secretValue(PEM), ctx([], '999'));
      expect(result).toMatchObject({ verdict: 'invalid', status: 404 });
    });
  });

  describe('transport failures', () => {
    itFollowsTransportRules({
      harness: h,
      factory: createGithubAppAdapter,
      faults: () => h.providers.faults['github-app'],
      valid: () => {
        seedApp();
        return { value: secretValue(PEM), ctx: ctx() };
      },
    });
  });
});
