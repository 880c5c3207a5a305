import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedStandIn } from '../../bench/fixtures';
import type { Inventory } from '../../lib/inventory/schema';
import type { ProviderAdapter } from '../../lambdas/providers/types';
import type { SecretsSend } from '../../lambdas/rotation/pending-revocation';
import { MemoryProvider } from '../support/memory-provider';
import { HOUR, inventoryWith } from '../support/rotation-fixtures';
import {
  accountedTokens,
  describeSecret,
  type RotationRig,
  rotateOnce,
  startRotationRig,
  stripStuckPending,
  tokenAt,
} from './harness';

/** Thrown by the crash plan: the Lambda "died" at this point. */
class InjectedCrashError extends Error {
  public constructor(point: number) {
    super(`injected crash at call ${point}`);
    this.name = 'InjectedCrashError';
  }
}

/**
 * Counts every Secrets Manager call and provider call the engine makes and throws once at the k-th:
 * `before` (the call never happened) or `after` (it took effect, but the answer was lost).
 */
class CrashPlan {
  public calls = 0;
  public crashAt = Number.POSITIVE_INFINITY;
  public mode: 'before' | 'after' = 'before';
  public crashed = false;

  public reset(crashAt: number, mode: 'before' | 'after'): void {
    this.calls = 0;
    this.crashAt = crashAt;
    this.mode = mode;
    this.crashed = false;
  }

  public async around<T>(call: () => Promise<T>): Promise<T> {
    const n = ++this.calls;
    const hit = n === this.crashAt && !this.crashed;
    if (hit && this.mode === 'before') {
      this.crashed = true;
      throw new InjectedCrashError(n);
    }
    if (!hit) return call();
    // The call takes effect (or fails on its own); either way the Lambda dies before it sees the answer.
    this.crashed = true;
    await call().catch(() => undefined);
    throw new InjectedCrashError(n);
  }
}

function crashingAdapter(base: ProviderAdapter, plan: CrashPlan): ProviderAdapter {
  return {
    ...base,
    verify: (...args) => plan.around(() => base.verify(...args)),
    issue: (...args) => plan.around(() => base.issue!(...args)),
    revoke: (...args) => plan.around(() => base.revoke!(...args)),
  };
}

const MODES = ['before', 'after'] as const;
/** Upper bound on calls in one rotation (checked by the calibration below). */
const MAX_POINTS = 40;

describe('crash at every point of every rotation step, replayed through the stand-in', () => {
  const provider = new MemoryProvider('idempotent');
  const plan = new CrashPlan();
  const one = inventoryWith({
    name: 'orders-api',
    provider: 'oauth2-client-credentials',
    adminSecret: 'tokenwarden/qa/orders-client',
    rotation: { every: 24 * HOUR, gracePeriod: HOUR },
    settings: { clientId: 'c', tokenUrl: 'http://127.0.0.1:9/token' },
  });
  const names = ['calibrate', ...MODES.flatMap((m) => Array.from({ length: MAX_POINTS }, (_, k) => `${m}-${k + 1}`))];
  const inventory: Inventory = { ...one, tokens: names.map((name) => ({ ...one.tokens[0]!, name })) };
  let rig: RotationRig;
  let arns: Map<string, string>;
  let points = 0;

  beforeAll(async () => {
    rig = await startRotationRig({
      inventory,
      adapter: crashingAdapter(provider.adapter(), plan),
      wrapSecrets: (client: SecretsSend): SecretsSend => ({
        send: ((command: Parameters<SecretsSend['send']>[0]) =>
          plan.around(() => client.send(command))) as SecretsSend['send'],
      }),
    });
    arns = seedStandIn(rig.aws, inventory, () => provider.mint());
    // Calibration: a clean rotation, counting its calls.
    plan.reset(Number.POSITIVE_INFINITY, 'before');
    await rotateOnce(rig, arns.get('calibrate')!);
    points = plan.calls;
  });
  afterAll(() => rig.close());

  it('calibrates: a clean rotation makes a known number of calls, fewer than the cases seeded', () => {
    expect(points).toBeGreaterThan(8);
    expect(points).toBeLessThanOrEqual(MAX_POINTS);
  });

  it.each(MODES)('converges after a crash %s each call: AWSCURRENT works and no token is lost', async (mode) => {
    const problems: string[] = [];
    for (let k = 1; k <= points; k++) {
      const secretId = arns.get(`${mode}-${k}`)!;
      const seed = await tokenAt(rig.secrets, secretId);
      const before = new Set(provider.tokens.keys());
      plan.reset(k, mode);
      await rotateOnce(rig, secretId);
      // Run until the rotation converges (the stand-in already retried the whole rotation twice).
      for (let attempt = 0; attempt < 3; attempt++) {
        const { stages } = await describeSecret(rig.secrets, secretId);
        const pending = Object.values(stages).some((s) => s.includes('AWSPENDING'));
        if (!pending && (await tokenAt(rig.secrets, secretId)) !== seed) break;
        await stripStuckPending(rig.secrets, secretId);
        await rotateOnce(rig, secretId);
      }
      const current = await tokenAt(rig.secrets, secretId);
      const { stages } = await describeSecret(rig.secrets, secretId);
      const accounted = await accountedTokens(rig.secrets, secretId);
      // This secret's tokens: its seed and every token the provider issued during this case.
      const ours = [seed, ...[...provider.tokens.keys()].filter((t) => !before.has(t))];
      const lost = ours.filter((t) => provider.isLive(t) && !accounted.has(t));
      if (!plan.crashed) problems.push(`k=${k}: the crash point was never reached (${plan.calls} calls)`);
      if (current === seed) problems.push(`k=${k}: did not converge (AWSCURRENT still the seed)`);
      if (!provider.isLive(current)) problems.push(`k=${k}: AWSCURRENT token is not live`);
      if (Object.values(stages).some((s) => s.includes('AWSPENDING'))) problems.push(`k=${k}: AWSPENDING left`);
      if (lost.length > 0) problems.push(`k=${k}: ${lost.length} live token(s) lost`);
    }
    expect(problems).toEqual([]);
  });
});
