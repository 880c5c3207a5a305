import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedStandIn } from '../../bench/fixtures';
import type { ProviderAdapter } from '../../lambdas/providers/types';
import { parseSecretValue } from '../../lambdas/shared/secret-value';
import { MemoryProvider } from '../support/memory-provider';
import { HOUR, inventoryWith } from '../support/rotation-fixtures';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { clientsFor } from '../../bench/fixtures';
import { accountedTokens, type RotationRig, rotateOnce, startRotationRig, tokenAt } from './harness';

const READERS = 20;
const ROTATIONS = 50;
const GRACE = HOUR;
/**
 * Clock step per rotation: 21 min, so an old token outlives two more rotations before its grace ends.
 * Not 16 min: during finishSecret the pending-revocation tag holds the old versions still in their grace
 * period, the new version's intent entry and the version being replaced. Four entries fitted in a tag
 * value then, so a fourth rotation within one grace period failed with RevocationListFullError (found by
 * this test; the engine reports it, nothing is lost); the compact encoding now fits eight
 * (lambdas/rotation/pending-revocation.ts).
 */
const STEP = 21 * 60_000;

describe('rotation under load', () => {
  // Whole seconds: the pending-revocation tag stores times to the second.
  let now = Math.floor(Date.now() / 1000) * 1000;
  const provider = new MemoryProvider('idempotent', () => now);
  const inventory = inventoryWith({
    name: 'orders-api',
    provider: 'oauth2-client-credentials',
    adminSecret: 'tokenwarden/qa/orders-client',
    rotation: { every: 24 * HOUR, gracePeriod: GRACE },
    settings: { clientId: 'c', tokenUrl: 'http://127.0.0.1:9/token' },
  });
  /** When each token stopped being AWSCURRENT, and when it was revoked (fake clock). */
  const replacedAt = new Map<string, number>();
  const revokedAt = new Map<string, number>();
  const base = provider.adapter();
  const adapter: ProviderAdapter = {
    ...base,
    revoke: async (value, ctx, admin) => {
      revokedAt.set(value.token, now);
      await base.revoke!(value, ctx, admin);
    },
  };
  let rig: RotationRig;
  let secretId: string;

  beforeAll(async () => {
    rig = await startRotationRig({ inventory, adapter, clock: () => new Date(now) });
    secretId = seedStandIn(rig.aws, inventory, () => provider.mint()).get('orders-api')!;
  });
  afterAll(() => rig.close());

  it('20 readers see zero auth failures while the secret rotates 50 times, and no token is lost', async () => {
    // GIVEN 20 readers that fetch AWSCURRENT through the SDK and use it with the provider, in a loop
    const readerClient = clientsFor(rig.aws).secrets;
    let stop = false;
    let reads = 0;
    const failures: string[] = [];
    const reader = async (): Promise<void> => {
      while (!stop) {
        const out = await readerClient.send(new GetSecretValueCommand({ SecretId: secretId }));
        const parsed = parseSecretValue(out.SecretString);
        if (parsed.kind !== 'ok') {
          failures.push(`unreadable AWSCURRENT: ${parsed.kind}`);
          continue;
        }
        const verdict = await adapter.verify(parsed.value, {} as never);
        reads++;
        if (verdict.verdict !== 'valid') failures.push(`auth failure on version ${out.VersionId}`);
      }
    };
    const readers = Array.from({ length: READERS }, reader);

    // WHEN the secret rotates 50 times through RotateSecret → the stand-in's invoker → the engine
    const seen = [await tokenAt(rig.secrets, secretId)];
    for (let i = 0; i < ROTATIONS; i++) {
      now += STEP;
      const before = seen[seen.length - 1]!;
      await rotateOnce(rig, secretId);
      const after = await tokenAt(rig.secrets, secretId);
      expect(after, `rotation ${i + 1} moved AWSCURRENT`).not.toBe(before);
      replacedAt.set(before, now);
      seen.push(after);
    }
    stop = true;
    await Promise.all(readers);
    readerClient.destroy();

    // THEN no reader failed, and readers really ran during the rotations
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(ROTATIONS);
    // every revocation came after its grace period
    expect(revokedAt.size).toBeGreaterThanOrEqual(ROTATIONS - 3);
    for (const [token, at] of revokedAt) {
      expect(at - replacedAt.get(token)!, 'revoked after the grace period').toBeGreaterThanOrEqual(GRACE);
    }
    // AWSCURRENT works, and every live token is one the secret still accounts for
    const current = await tokenAt(rig.secrets, secretId);
    expect(provider.isLive(current)).toBe(true);
    const accounted = await accountedTokens(rig.secrets, secretId);
    expect(provider.live().filter((t) => !accounted.has(t))).toEqual([]);
    expect(provider.tokens.size).toBe(ROTATIONS + 1);
  });
});

describe('rotation faster than the grace period allows', () => {
  it('an eighth rotation within one grace period fails with RotationFailed; AWSCURRENT and every token are kept', async () => {
    // GIVEN a secret rotated seven times in one grace period (the tag holds seven old versions' entries;
    // the eighth rotation's finishSecret would need nine: those, its intent entry and the version it replaces)
    let now = Math.floor(Date.now() / 1000) * 1000;
    const provider = new MemoryProvider('idempotent', () => now);
    const inventory = inventoryWith({
      name: 'orders-api',
      provider: 'oauth2-client-credentials',
      adminSecret: 'tokenwarden/qa/orders-client',
      rotation: { every: 24 * HOUR, gracePeriod: GRACE },
      settings: { clientId: 'c', tokenUrl: 'http://127.0.0.1:9/token' },
    });
    const failed: string[] = [];
    const rig = await startRotationRig({ inventory, adapter: provider.adapter(), clock: () => new Date(now) });
    try {
      rig.aws.events.addRule({
        name: 'failures',
        pattern: { source: ['aws.secretsmanager'] },
        target: async (e) => {
          if (e.detail['eventName'] === 'RotationFailed') failed.push(String(e.detail['eventName']));
        },
      });
      const secretId = seedStandIn(rig.aws, inventory, () => provider.mint()).get('orders-api')!;
      for (let i = 0; i < 7; i++) {
        now += 60_000;
        await rotateOnce(rig, secretId);
      }
      const current = await tokenAt(rig.secrets, secretId);
      expect(failed).toEqual([]);
      // WHEN an eighth rotation starts before any grace period ended
      now += 60_000;
      await rotateOnce(rig, secretId);
      // THEN it fails loudly (the rotation-failure alert), and nothing is lost
      expect(failed).toEqual(['RotationFailed']);
      expect(await tokenAt(rig.secrets, secretId)).toBe(current);
      expect(provider.isLive(current)).toBe(true);
      const accounted = await accountedTokens(rig.secrets, secretId);
      expect(provider.live().filter((t) => !accounted.has(t))).toEqual([]);
    } finally {
      await rig.close();
    }
  });
});
