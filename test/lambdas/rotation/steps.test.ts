import { randomUUID } from 'node:crypto';
import { PutSecretValueCommand, TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../../../lambdas/providers/types';
import { ReseedRequiredError, type RotationDeps, type RotationEvent, rotate } from '../../../lambdas/rotation/engine';
import { formatEntries, parseEntries } from '../../../lambdas/rotation/pending-revocation';
import { revokeDue } from '../../../lambdas/rotation/revoke';
import { ProviderUnavailableError, SecretValueError, TokenInvalidError } from '../../../lambdas/shared/errors';
import { TAG } from '../../../lambdas/shared/names';
import { MemoryProvider } from '../../support/memory-provider';
import { depsFor, HOUR, inventoryWith, recordingLog, seedSecret } from '../../support/rotation-fixtures';
import { SecretsManagerFake } from '../../support/secrets-manager-fake';

const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

describe('rotation steps (in-memory Secrets Manager)', () => {
  let now: number;
  let sm: SecretsManagerFake;
  let provider: MemoryProvider;
  let log: ReturnType<typeof recordingLog>;
  let deps: RotationDeps;
  let secret: string;
  let seeded: string;
  const inventory = inventoryWith({
    provider: 'oauth2-client-credentials',
    adminSecret: 'tokenwarden/qa/admin',
    rotation: { every: 24 * HOUR, gracePeriod: HOUR },
  });
  const event = (Step: string, token: string): RotationEvent => ({
    Step: Step as RotationEvent['Step'],
    SecretId: secret,
    ClientRequestToken: token,
  });
  const currentToken = () => JSON.parse(sm.valueOf(secret) ?? '{}').token as string;

  beforeEach(() => {
    now = Date.parse('2026-11-23T08:00:00Z');
    sm = new SecretsManagerFake();
    sm.now = () => now;
    provider = new MemoryProvider('idempotent', () => now);
    log = recordingLog();
    deps = depsFor({ sm, inventory, adapter: provider.adapter(), clock: () => now, logger: log });
    seeded = provider.mint();
    secret = seedSecret(sm, inventory, seeded);
  });

  async function fullRotation(): Promise<string> {
    const token = sm.startRotation(secret);
    for (const step of STEPS) await rotate(event(step, token), deps);
    return token;
  }

  describe('a full rotation', () => {
    it('moves AWSCURRENT to a new valid token and leaves AWSPREVIOUS on the old version', async () => {
      const oldVersion = sm.versionIdOf(secret, 'AWSCURRENT');
      const token = await fullRotation();
      expect(sm.versionIdOf(secret, 'AWSCURRENT')).toBe(token);
      expect(sm.versionIdOf(secret, 'AWSPREVIOUS')).toBe(oldVersion);
      expect(provider.isLive(currentToken())).toBe(true);
      expect(currentToken()).not.toBe(seeded);
    });

    it('records the old version for revocation one grace period after finishSecret', async () => {
      const oldVersion = sm.versionIdOf(secret, 'AWSCURRENT');
      await fullRotation();
      const entries = parseEntries(sm.tag(secret, TAG.pendingRevocation));
      expect(entries).toEqual([{ versionId: oldVersion, revokeAfter: new Date(now + HOUR) }]);
    });

    it('never logs a token value', async () => {
      await fullRotation();
      now += 2 * HOUR;
      await revokeDue({ ...deps, provider: 'oauth2-client-credentials' });
      const text = log.lines.join('\n');
      expect(text).not.toMatch(/canary-token/);
      expect(text).toContain('finishSecret: AWSCURRENT moved');
    });
  });

  describe('createSecret', () => {
    it('issues once when run twice with the same token', async () => {
      const token = sm.startRotation(secret);
      await rotate(event('createSecret', token), deps);
      const pending = sm.valueOf(secret, 'AWSPENDING');
      await rotate(event('createSecret', token), deps);
      expect(sm.valueOf(secret, 'AWSPENDING')).toBe(pending);
      expect(provider.tokens.size).toBe(2);
      expect(sm.rejectedOverwrites).toBe(0);
    });

    it('records an intent entry so an abandoned rotation token is revoked later', async () => {
      const token = sm.startRotation(secret);
      await rotate(event('createSecret', token), deps);
      const orphan = JSON.parse(sm.valueOf(secret, 'AWSPENDING') ?? '{}').token as string;
      sm.cancelRotation(secret);
      now += 2 * HOUR;
      await revokeDue({ ...deps, provider: 'oauth2-client-credentials' });
      expect(provider.isLive(orphan)).toBe(false);
      expect(provider.isLive(seeded)).toBe(true);
      expect(sm.tag(secret, TAG.pendingRevocation)).toBeUndefined();
    });
  });

  describe('setSecret', () => {
    it('passes on a parsable pending value and can run again', async () => {
      const token = sm.startRotation(secret);
      await rotate(event('createSecret', token), deps);
      await rotate(event('setSecret', token), deps);
      await rotate(event('setSecret', token), deps);
    });

    it('throws when createSecret has not stored a pending value', async () => {
      const token = sm.startRotation(secret);
      await expect(rotate(event('setSecret', token), deps)).rejects.toThrow(/can't find the specified secret value/);
    });

    it('throws SecretValueError, without the value, when the pending value is malformed', async () => {
      const token = sm.startRotation(secret);
      await sm.client.send(
        new PutSecretValueCommand({
          SecretId: secret,
          ClientRequestToken: token,
          SecretString: '{"v":1,"token":"canary-token-x"}',
          VersionStages: ['AWSPENDING'],
        }),
      );
      const error = await rotate(event('setSecret', token), deps).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretValueError);
      expect(String((error as Error).message)).not.toContain('canary');
    });
  });

  describe('testSecret', () => {
    const withVerify = (verdicts: ('valid' | 'invalid' | 'indeterminate')[]): ProviderAdapter => {
      const base = provider.adapter();
      let i = 0;
      return { ...base, verify: async () => ({ verdict: verdicts[Math.min(i++, verdicts.length - 1)] ?? 'valid' }) };
    };

    it('retries until the new token works', async () => {
      const token = sm.startRotation(secret);
      await rotate(event('createSecret', token), deps);
      const slept: number[] = [];
      const d = {
        ...deps,
        adapterFor: () => withVerify(['invalid', 'indeterminate', 'valid']),
        sleep: async (ms: number) => void slept.push(ms),
      };
      await rotate(event('testSecret', token), d);
      expect(slept).toEqual([1, 2]);
    });

    it('throws TokenInvalidError when the token stays invalid', async () => {
      const token = sm.startRotation(secret);
      await rotate(event('createSecret', token), deps);
      const d = { ...deps, adapterFor: () => withVerify(['invalid']) };
      await expect(rotate(event('testSecret', token), d)).rejects.toBeInstanceOf(TokenInvalidError);
    });

    it('throws ProviderUnavailableError when the answer stays indeterminate', async () => {
      const token = sm.startRotation(secret);
      await rotate(event('createSecret', token), deps);
      const d = { ...deps, adapterFor: () => withVerify(['indeterminate']) };
      await expect(rotate(event('testSecret', token), d)).rejects.toBeInstanceOf(ProviderUnavailableError);
    });

    it('passes when run alone on a pending version holding the current value (RotateImmediately=false)', async () => {
      const token = sm.startRotation(secret);
      await sm.client.send(
        new PutSecretValueCommand({
          SecretId: secret,
          ClientRequestToken: token,
          SecretString: sm.valueOf(secret),
          VersionStages: ['AWSPENDING'],
        }),
      );
      await rotate(event('testSecret', token), deps);
    });
  });

  describe('finishSecret', () => {
    it('is a no-op when run again after completing', async () => {
      const token = await fullRotation();
      const tag = sm.tag(secret, TAG.pendingRevocation);
      await rotate(event('finishSecret', token), deps);
      expect(sm.tag(secret, TAG.pendingRevocation)).toBe(tag);
      expect(sm.versionIdOf(secret, 'AWSCURRENT')).toBe(token);
    });
  });

  describe('revokeDue', () => {
    it('revokes the old token only once the grace period is over, then removes the tag', async () => {
      await fullRotation();
      now += HOUR - 1000;
      await revokeDue({ ...deps, provider: 'oauth2-client-credentials' });
      expect(provider.isLive(seeded)).toBe(true);
      now += 2000;
      const result = await revokeDue({ ...deps, provider: 'oauth2-client-credentials' });
      expect(result).toMatchObject({ secrets: 1, revoked: 1, failed: [] });
      expect(provider.isLive(seeded)).toBe(false);
      expect(provider.isLive(currentToken())).toBe(true);
      expect(sm.tag(secret, TAG.pendingRevocation)).toBeUndefined();
    });

    it('ignores secrets of other providers', async () => {
      await fullRotation();
      now += 2 * HOUR;
      const result = await revokeDue({ ...deps, provider: 'gitlab' });
      expect(result.secrets).toBe(0);
      expect(provider.isLive(seeded)).toBe(true);
    });

    it('keeps an entry a rotation added while the sweep was revoking (it writes only its own removals)', async () => {
      await fullRotation();
      now += 2 * HOUR;
      // GIVEN a rotation of the same secret recording its intent entry while the provider answers the revoke
      const base = provider.adapter();
      const concurrent = { versionId: randomUUID(), revokeAfter: new Date(now + HOUR) };
      const racing: ProviderAdapter = {
        ...base,
        revoke: async (value, ctx, admin) => {
          const entries = [...parseEntries(sm.tag(secret, TAG.pendingRevocation)), concurrent];
          await sm.client.send(
            new TagResourceCommand({
              SecretId: secret,
              Tags: [{ Key: TAG.pendingRevocation, Value: formatEntries(entries) }],
            }),
          );
          await base.revoke!(value, ctx, admin);
        },
      };
      // WHEN the sweep revokes the due entry and saves the tag
      const result = await revokeDue({ ...deps, adapterFor: () => racing, provider: 'oauth2-client-credentials' });
      // THEN the old token is revoked and the rotation's entry survived
      expect(result).toMatchObject({ revoked: 1, failed: [] });
      expect(provider.isLive(seeded)).toBe(false);
      expect(parseEntries(sm.tag(secret, TAG.pendingRevocation))).toEqual([concurrent]);
    });

    it('keeps the entry and reports the secret when the provider fails, then succeeds on the next sweep', async () => {
      await fullRotation();
      now += 2 * HOUR;
      provider.hooks.before = (call) => {
        if (call === 'revoke') throw new ProviderUnavailableError('oauth2-client-credentials', 'down');
      };
      const failed = await revokeDue({ ...deps, provider: 'oauth2-client-credentials' });
      expect(failed.failed).toHaveLength(1);
      expect(sm.tag(secret, TAG.pendingRevocation)).toBeDefined();
      provider.hooks = {};
      await revokeDue({ ...deps, provider: 'oauth2-client-credentials' });
      expect(provider.isLive(seeded)).toBe(false);
    });
  });
});

describe('rotation of a provider whose rotate revokes the old token (GitLab-like)', () => {
  let now: number;
  let sm: SecretsManagerFake;
  let provider: MemoryProvider;
  let deps: RotationDeps;
  let secret: string;
  const inventory = inventoryWith({ provider: 'gitlab', settings: { rotateWith: 'self' } });
  const event = (Step: string, token: string): RotationEvent => ({
    Step: Step as RotationEvent['Step'],
    SecretId: secret,
    ClientRequestToken: token,
  });

  beforeEach(() => {
    now = Date.parse('2026-11-23T08:00:00Z');
    sm = new SecretsManagerFake();
    provider = new MemoryProvider('revokes-old', () => now);
    deps = depsFor({ sm, inventory, adapter: provider.adapter('gitlab'), clock: () => now });
    secret = seedSecret(sm, inventory, provider.mint());
  });

  it('writes no pending-revocation entry (the old token is already revoked)', async () => {
    const token = sm.startRotation(secret);
    for (const step of STEPS) await rotate(event(step, token), deps);
    expect(sm.tag(secret, TAG.pendingRevocation)).toBeUndefined();
    expect(provider.live()).toHaveLength(1);
  });

  it('after a crash between rotate and PutSecretValue, fails with a re-seed message and never rotates again', async () => {
    const token = sm.startRotation(secret);
    sm.hooks.before = (command) => {
      if (command === 'PutSecretValue') throw new Error('Lambda timed out');
    };
    await expect(rotate(event('createSecret', token), deps)).rejects.toThrow('Lambda timed out');
    sm.hooks = {};
    const retry = rotate(event('createSecret', token), deps);
    await expect(retry).rejects.toBeInstanceOf(ReseedRequiredError);
    await expect(rotate(event('createSecret', token), deps)).rejects.toThrow('tokenwarden put qa/api-token');
    expect(provider.rotationsOfRevokedToken).toBe(0);
  });

  it('a retry after the new token was stored finds it and does not rotate again', async () => {
    const token = sm.startRotation(secret);
    await rotate(event('createSecret', token), deps);
    const issued = provider.tokens.size;
    await rotate(event('createSecret', token), deps);
    expect(provider.tokens.size).toBe(issued);
  });
});
