import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthServer, type RunningOAuthServer } from '../../../local/oauth-server';
import { createFakeGitlab, type FakeGitlab } from '../../../local/providers/gitlab';
import { FaultInjector, fakeListener, type RunningFake, serveOnLoopback } from '../../../local/providers/http-fake';
import { createGitlabAdapter } from '../../../lambdas/providers/gitlab';
import { createOAuth2Adapter } from '../../../lambdas/providers/oauth2-client-credentials';
import type { ProviderAdapter } from '../../../lambdas/providers/types';
import { type RotationDeps, rotate, tokenContext } from '../../../lambdas/rotation/engine';
import { revokeDue } from '../../../lambdas/rotation/revoke';
import { TAG } from '../../../lambdas/shared/names';
import { serializeSecretValue } from '../../../lambdas/shared/secret-value';
import { depsFor, HOUR, inventoryWith, recordingLog, seedSecret } from '../../support/rotation-fixtures';
import { SecretsManagerFake } from '../../support/secrets-manager-fake';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const http = { timeoutMs: 2000, retries: 1, baseDelayMs: 1 };

async function rotateAll(sm: SecretsManagerFake, secret: string, deps: RotationDeps): Promise<string> {
  const token = sm.startRotation(secret);
  for (const Step of STEPS) await rotate({ Step, SecretId: secret, ClientRequestToken: token }, deps);
  return token;
}

const tokenOf = (sm: SecretsManagerFake, secret: string, stage: string) =>
  JSON.parse(sm.valueOf(secret, stage) ?? '{}') as { v: 1; token: string; issuedAt: string };

describe('end-to-end rotation: oauth2-client-credentials with oidc-provider', () => {
  const CLIENT_SECRET = 'canary-e2e-client-secret';
  let server: RunningOAuthServer;
  beforeAll(async () => {
    server = await startOAuthServer({ port: 0, clients: [{ clientId: 'qa-client', clientSecret: CLIENT_SECRET }] });
  });
  afterAll(() => server.close());

  it('rotates, keeps the old token through the grace period, then the sweep revokes it', async () => {
    let now = Date.now();
    const sm = new SecretsManagerFake();
    sm.now = () => now;
    const inventory = inventoryWith({
      name: 'orders-api',
      provider: 'oauth2-client-credentials',
      scopes: ['orders:read'],
      adminSecret: 'tokenwarden/qa/orders-client',
      rotation: { every: 24 * HOUR, gracePeriod: HOUR },
      settings: {
        clientId: 'qa-client',
        tokenUrl: server.tokenUrl,
        introspectionUrl: server.introspectionUrl,
        revocationUrl: server.revocationUrl,
      },
    });
    const adapter: ProviderAdapter = createOAuth2Adapter({ http, readClientSecret: async () => CLIENT_SECRET });
    const ctx = tokenContext(inventory.tokens[0]!, inventory);
    const seed = await adapter.issue!({ ctx, admin: CLIENT_SECRET, idempotencyKey: 'seed' });
    const log = recordingLog();
    const secret = seedSecret(sm, inventory, seed.token);
    const deps = depsFor({ sm, inventory, adapter, clock: () => now, logger: log, adminSecret: CLIENT_SECRET });

    await rotateAll(sm, secret, deps);
    const current = tokenOf(sm, secret, 'AWSCURRENT');
    expect(current.token).not.toBe(seed.token);
    expect((await adapter.verify(current, ctx)).verdict).toBe('valid');
    expect((await adapter.verify(seed, ctx)).verdict).toBe('valid');

    now += HOUR + 1000;
    const swept = await revokeDue({ ...deps, provider: 'oauth2-client-credentials' });
    expect(swept).toMatchObject({ revoked: 1, failed: [] });
    expect((await adapter.verify(seed, ctx)).verdict).toBe('invalid');
    expect((await adapter.verify(current, ctx)).verdict).toBe('valid');
    expect(sm.tag(secret, TAG.pendingRevocation)).toBeUndefined();
    expect(log.lines.join('\n')).not.toContain(seed.token);
    expect(log.lines.join('\n')).not.toContain(current.token);
    expect(log.lines.join('\n')).not.toContain(CLIENT_SECRET);
  });
});

describe('end-to-end rotation: gitlab with the fake GitLab', () => {
  let server: RunningFake;
  let fake: FakeGitlab;
  beforeAll(async () => {
    fake = createFakeGitlab();
    server = await serveOnLoopback(fakeListener(fake.route, new FaultInjector()));
  });
  afterAll(() => server.close());

  it('self-rotates: the old token is revoked by GitLab at once, nothing is left for the sweep', async () => {
    let now = Date.now();
    const sm = new SecretsManagerFake();
    const inventory = inventoryWith({
      name: 'gitlab-ci',
      provider: 'gitlab',
      scopes: ['api', 'self_rotate'],
      settings: { baseUrl: server.url, tokenType: 'personal', rotateWith: 'self' },
    });
    const adapter = createGitlabAdapter({ http });
    const seeded = fake.seed();
    const secret = seedSecret(sm, inventory, seeded);
    const deps = depsFor({ sm, inventory, adapter, clock: () => now });

    await rotateAll(sm, secret, deps);
    const current = tokenOf(sm, secret, 'AWSCURRENT');
    expect(fake.isActive(current.token)).toBe(true);
    expect(fake.isActive(seeded)).toBe(false);
    expect(sm.tag(secret, TAG.pendingRevocation)).toBeUndefined();
    now += 2 * HOUR;
    expect(await revokeDue({ ...deps, provider: 'gitlab' })).toMatchObject({ secrets: 0, revoked: 0 });
    expect(fake.stats.rotationsWithRevokedToken).toBe(0);
  });

  it('with an admin token: creates a project token, the sweep revokes the old one after the grace period', async () => {
    let now = Date.now();
    const sm = new SecretsManagerFake();
    sm.now = () => now;
    const inventory = inventoryWith({
      name: 'gitlab-project',
      provider: 'gitlab',
      scopes: ['read_api'],
      adminSecret: 'tokenwarden/qa/gitlab-admin',
      rotation: { every: 24 * HOUR, gracePeriod: 2 * HOUR },
      settings: { baseUrl: server.url, tokenType: 'project', projectId: 9, rotateWith: 'admin' },
    });
    const adapter = createGitlabAdapter({ http });
    const admin = fake.seed({ admin: true });
    const seeded = fake.seed({ owner: 'projects/9', scopes: ['read_api'] });
    const secret = seedSecret(sm, inventory, seeded);
    const deps = depsFor({ sm, inventory, adapter, clock: () => now, adminSecret: admin });

    await rotateAll(sm, secret, deps);
    const current = tokenOf(sm, secret, 'AWSCURRENT');
    expect(fake.isActive(current.token)).toBe(true);
    expect(fake.isActive(seeded)).toBe(true);

    now += HOUR;
    await revokeDue({ ...deps, provider: 'gitlab' });
    expect(fake.isActive(seeded)).toBe(true);
    now += HOUR + 1000;
    expect(await revokeDue({ ...deps, provider: 'gitlab' })).toMatchObject({ revoked: 1, failed: [] });
    expect(fake.isActive(seeded)).toBe(false);
    expect(fake.isActive(current.token)).toBe(true);
    expect(serializeSecretValue(current)).not.toContain(admin);
  });
});
