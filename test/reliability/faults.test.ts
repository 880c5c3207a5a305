import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor, inventoryOf, RequestCounter, seedStandIn } from '../../bench/fixtures';
import type { Inventory } from '../../lib/inventory/schema';
import { type AwsStandIn, type DeliveredEvent, type InjectedFault, startAwsStandIn } from '../../local/aws';
import { type FakeProviders, startFakeProviders } from '../../local/providers/server';
import { Notifier } from '../../lambdas/notify/notify';
import { type ProbeDeps, runProbe } from '../../lambdas/probe/probe';
import { createHttpAdapter } from '../../lambdas/providers/http';
import { silentLog } from '../../lambdas/shared/logger';
import { busNameFor } from '../../lambdas/shared/names';
import { MemoryProvider } from '../support/memory-provider';
import { HOUR, inventoryWith, recordingLog } from '../support/rotation-fixtures';
import { accountedTokens, describeSecret, rotateOnce, startRotationRig, stripStuckPending, tokenAt } from './harness';

const THROTTLE: InjectedFault = { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' };
const SERVER_ERROR: InjectedFault = { code: 'InternalServiceError', status: 500 };
const EVENTS_ERROR: InjectedFault = { code: 'InternalException', status: 500 };

/** Fails the next `times` calls of one operation, then lets them through. */
class Faults {
  private plan: { operation: string; fault: InjectedFault; times: number } | undefined;
  public injected = 0;

  public set(operation: string, fault: InjectedFault, times: number): void {
    this.plan = { operation, fault, times };
    this.injected = 0;
  }

  public clear(): void {
    this.plan = undefined;
  }

  public readonly hook = ({ operation }: { operation: string }): InjectedFault | undefined => {
    const plan = this.plan;
    if (!plan || plan.operation !== operation || plan.times <= 0) return undefined;
    plan.times--;
    this.injected++;
    return plan.fault;
  };
}

describe('faults: Secrets Manager, EventBridge and SNS errors at the stand-in', () => {
  const faults = new Faults();
  let aws: AwsStandIn;
  let inventory: Inventory;
  const events: DeliveredEvent[] = [];
  let deps: ProbeDeps;

  beforeAll(async () => {
    aws = await startAwsStandIn({ port: 0, faults: faults.hook });
    inventory = inventoryOf(30, { env: 'faults' });
    seedStandIn(aws, inventory);
    aws.events.addRule({
      bus: busNameFor('faults'),
      name: 'all',
      pattern: { source: ['tokenwarden'] },
      target: async (e) => {
        events.push(e);
      },
    });
    const { secrets, events: eb } = clientsFor(aws);
    deps = {
      secrets,
      events: eb,
      adapterFor: () => ({ name: 'datadog', capabilities: ['verify'], verify: async () => ({ verdict: 'valid' }) }),
      inventory,
      clock: () => new Date(),
      logger: silentLog,
    };
    await runProbe(deps); // first sight: state tags written
  });
  afterEach(() => faults.clear());
  afterAll(() => aws.close());

  // Every call type the probe makes, and the first attempt failing twice (the SDK makes three attempts).
  it.each([
    ['ListSecrets', THROTTLE],
    ['ListSecrets', SERVER_ERROR],
    ['BatchGetSecretValue', THROTTLE],
    ['BatchGetSecretValue', SERVER_ERROR],
    ['GetSecretValue', THROTTLE],
    ['GetSecretValue', SERVER_ERROR],
  ] as const)('probe: %s answering %j twice is retried by the SDK and the run is unaffected', async (op, fault) => {
    faults.set(op, fault, 2);
    const report = await runProbe(deps);
    expect(faults.injected).toBe(2);
    expect(report.tokens.map((t) => t.state)).toEqual(inventory.tokens.map(() => 'ok'));
    expect(report.fingerprinted).toBe(true);
  });

  it('probe: BatchGetSecretValue failing for good makes those tokens indeterminate, never invalid', async () => {
    faults.set('BatchGetSecretValue', SERVER_ERROR, 1000);
    const report = await runProbe(deps);
    expect(new Set(report.tokens.map((t) => t.state))).toEqual(new Set(['indeterminate']));
    expect(report.tokens[0]?.reasons.join(' ')).toContain('InternalServiceError');
  });

  it('probe: ListSecrets failing for good fails the run with the SDK error (the Lambda error alarm)', async () => {
    faults.set('ListSecrets', THROTTLE, 1000);
    await expect(runProbe(deps)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });

  it('probe: TagResource and PutEvents throttled are retried; state is written once they pass', async () => {
    // A token changes state (a verify answer turns indeterminate), so the run emits and tags.
    const flaky: ProbeDeps = {
      ...deps,
      adapterFor: () => ({
        name: 'datadog',
        capabilities: ['verify'],
        verify: async () => ({ verdict: 'indeterminate', reason: 'injected' }),
      }),
      inventory: { ...inventory, probe: { ...inventory.probe, indeterminateAlertAfter: 1 } },
    };
    faults.set('PutEvents', EVENTS_ERROR, 2);
    const before = events.length;
    const report = await runProbe(flaky);
    await aws.events.idle();
    expect(report.eventsFailed).toBe(0);
    expect(events.length - before).toBe(inventory.tokens.length);
    faults.set('TagResource', THROTTLE, 2);
    const again = await runProbe(deps);
    expect(again.tokens.every((t) => t.state === 'ok')).toBe(true);
    expect(faults.injected).toBe(2);
  });

  it('probe: PutEvents failing for good keeps the old tags, so the next run sends the event again', async () => {
    const flaky: ProbeDeps = {
      ...deps,
      adapterFor: () => ({
        name: 'datadog',
        capabilities: ['verify'],
        verify: async () => ({ verdict: 'indeterminate', reason: 'injected' }),
      }),
      inventory: { ...inventory, probe: { ...inventory.probe, indeterminateAlertAfter: 1 } },
    };
    faults.set('PutEvents', EVENTS_ERROR, 1000);
    const first = await runProbe(flaky);
    expect(first.eventsFailed).toBe(inventory.tokens.length);
    faults.clear();
    const before = events.length;
    const second = await runProbe(flaky);
    await aws.events.idle();
    expect(second.eventsSent).toBe(inventory.tokens.length);
    expect(events.length - before).toBe(inventory.tokens.length);
    await runProbe(deps); // back to ok for the other tests
  });

  it('notify: SNS Publish 5xx is retried by the SDK; failing for good, notify throws (Lambda retries, then the DLQ)', async () => {
    const sns = new SNSClient({
      region: 'eu-west-1',
      endpoint: aws.url,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      maxAttempts: 3,
    });
    const topicArn = aws.sns.createTopic('alerts');
    const published: string[] = [];
    aws.sns.subscribe(topicArn, (m) => {
      published.push(m.message ?? '');
    });
    const notifier = new Notifier({ sns, secrets: deps.secrets as never, topicArn, inventory, logger: silentLog });
    const event = events.find((e) => e['detail-type'] === 'Token Health Changed');
    expect(event).toBeDefined();
    faults.set('Publish', { code: 'InternalError', status: 500 }, 2);
    await expect(notifier.notify(event as never)).resolves.toMatchObject({ outcome: 'sent' });
    expect(published).toHaveLength(1);
    faults.set('Publish', { code: 'InternalError', status: 500 }, 1000);
    await expect(notifier.notify({ ...(event as object), id: 'another-id' } as never)).rejects.toMatchObject({
      name: expect.stringMatching(/^InternalError/),
    });
    sns.destroy();
  });
});

describe('faults: Secrets Manager errors during rotation', () => {
  const faults = new Faults();
  const provider = new MemoryProvider('idempotent');
  const inventory = inventoryWith({
    name: 'orders-api',
    provider: 'oauth2-client-credentials',
    adminSecret: 'tokenwarden/qa/orders-client',
    rotation: { every: 24 * HOUR, gracePeriod: HOUR },
    settings: { clientId: 'c', tokenUrl: 'http://127.0.0.1:9/token' },
  });
  const ops = ['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'TagResource', 'UpdateSecretVersionStage'];
  const tokens = ops.flatMap((op) => [`${op}-transient`, `${op}-persistent`]);
  const inv: Inventory = { ...inventory, tokens: tokens.map((name) => ({ ...inventory.tokens[0]!, name })) };
  const counter = new RequestCounter();
  const failed: DeliveredEvent[] = [];
  let rig: Awaited<ReturnType<typeof startRotationRig>>;
  let arns: Map<string, string>;

  beforeAll(async () => {
    rig = await startRotationRig({
      inventory: inv,
      adapter: provider.adapter(),
      standIn: { faults: faults.hook, onRequest: counter.record },
    });
    arns = seedStandIn(rig.aws, inv, () => provider.mint());
    rig.aws.events.addRule({
      name: 'rotation-failed',
      pattern: { source: ['aws.secretsmanager'], 'detail-type': ['AWS Service Event via CloudTrail'] },
      target: async (e) => {
        if (e.detail['eventName'] === 'RotationFailed') failed.push(e);
      },
    });
  });
  afterEach(() => faults.clear());
  afterAll(() => rig.close());
  /** Tokens of the other secrets of this suite (they share the provider). */
  const mine = new Set<string>();
  const otherSecrets = (token: string): boolean => !mine.has(token);

  it.each(ops)('%s throttled twice: the SDK retries and the rotation completes', async (op) => {
    const secretId = arns.get(`${op}-transient`)!;
    const seed = await tokenAt(rig.secrets, secretId);
    faults.set(op, THROTTLE, 2);
    await rotateOnce(rig, secretId);
    expect(faults.injected).toBe(2);
    const current = await tokenAt(rig.secrets, secretId);
    expect(current).not.toBe(seed);
    expect(provider.isLive(current)).toBe(true);
  });

  it.each(ops)(
    '%s failing with 5xx for good: RotationFailed is emitted, AWSCURRENT is unchanged and works',
    async (op) => {
      const secretId = arns.get(`${op}-persistent`)!;
      const seed = await tokenAt(rig.secrets, secretId);
      const existing = new Set(provider.tokens.keys());
      const before = failed.length;
      faults.set(op, SERVER_ERROR, 10_000);
      await rotateOnce(rig, secretId);
      faults.clear();
      mine.clear();
      for (const t of provider.tokens.keys()) if (!existing.has(t) || t === seed) mine.add(t);
      expect(failed.length - before).toBe(1);
      expect(await tokenAt(rig.secrets, secretId)).toBe(seed);
      expect(provider.isLive(seed)).toBe(true);
      // A token issued before the failure is still accounted for (AWSPENDING or the intent entry), except
      // the window engine.ts documents: PutSecretValue never succeeded, so the issued token was never
      // stored; a retry with the same ClientRequestToken would get it back (idempotency key), a new
      // rotation leaves it unrecorded at the provider until it expires.
      const accounted = await accountedTokens(rig.secrets, secretId);
      const unrecorded = provider.live().filter((t) => !accounted.has(t) && !otherSecrets(t));
      expect(unrecorded.length).toBe(op === 'PutSecretValue' ? 1 : 0);
      // Once Secrets Manager is back, the operator strips the stuck AWSPENDING and the next rotation converges.
      await stripStuckPending(rig.secrets, secretId);
      await rotateOnce(rig, secretId);
      const { stages } = await describeSecret(rig.secrets, secretId);
      expect(Object.values(stages).some((s) => s.includes('AWSPENDING'))).toBe(false);
      expect(provider.isLive(await tokenAt(rig.secrets, secretId))).toBe(true);
    },
  );
});

describe('faults: provider errors, through the real http adapter and the fake provider', () => {
  let fakes: FakeProviders;
  let aws: AwsStandIn;
  let deps: ProbeDeps;
  let inventory: Inventory;
  const log = recordingLog();
  const TOKEN = 'svc_CANARY_provider_faults_0123456789';

  beforeAll(async () => {
    fakes = await startFakeProviders({ port: 0 });
    fakes.fakes.http.seedToken({ token: TOKEN, expiresAt: Math.floor(Date.now() / 1000) + 90 * 86_400 });
    aws = await startAwsStandIn({ port: 0 });
    inventory = inventoryOf(1, {
      env: 'pfaults',
      provider: 'http',
      token: { settings: { url: `${fakes.url}/http/check`, expiryJsonPath: 'token.expires_at' } },
    });
    seedStandIn(aws, inventory, () => TOKEN);
    const { secrets, events } = clientsFor(aws);
    const adapter = createHttpAdapter({ http: { timeoutMs: 300, retries: 2, baseDelayMs: 1, maxRetryAfterMs: 2000 } });
    deps = { secrets, events, adapterFor: () => adapter, inventory, clock: () => new Date(), logger: log };
    expect((await runProbe(deps)).tokens[0]?.state).toBe('ok');
  });
  afterEach(() => fakes.faults.http.clear());
  afterAll(async () => {
    await fakes.close();
    await aws.close();
  });

  const retried = [
    ['429 with Retry-After: 1', { kind: 'status', status: 429, headers: { 'retry-after': '1' } }],
    ['503', { kind: 'status', status: 503 }],
    ['a connection reset', { kind: 'reset' }],
    ['a timeout (no answer)', { kind: 'hang' }],
  ] as const;

  it.each(retried)('%s once: retried, then valid', async (_name, fault) => {
    fakes.faults.http.failNext(fault);
    const report = await runProbe(deps);
    expect(report.tokens[0]?.state).toBe('ok');
  });

  it.each([...retried, ['malformed JSON', { kind: 'malformed' }]] as const)(
    '%s on every attempt: indeterminate with a reason, never invalid, and no value in the logs',
    async (_name, fault) => {
      fakes.faults.http.failNext(fault, 3);
      const report = await runProbe(deps);
      expect(report.tokens[0]?.state).toBe('indeterminate');
      expect(report.tokens[0]?.reasons.join(' ')).toMatch(/could not verify/);
      expect(log.lines.join('\n')).not.toContain('CANARY');
      expect(await tokenAt(deps.secrets as never, inventory.tokens[0]!.name.replace(/^/, 'tokenwarden/pfaults/'))).toBe(
        TOKEN,
      );
    },
  );

  it('an indeterminate streak alerts after indeterminateAlertAfter runs (warning), still not invalid', async () => {
    const streak: ProbeDeps = {
      ...deps,
      inventory: { ...inventory, probe: { ...inventory.probe, indeterminateAlertAfter: 2 } },
    };
    await runProbe(deps); // back to ok
    fakes.faults.http.failNext({ kind: 'status', status: 500 }, 6);
    const first = await runProbe(streak);
    const second = await runProbe(streak);
    expect(first.tokens[0]).toMatchObject({ state: 'indeterminate', severity: 'ok' });
    expect(second.tokens[0]).toMatchObject({ state: 'indeterminate', severity: 'warning', event: 'changed' });
  });
});
