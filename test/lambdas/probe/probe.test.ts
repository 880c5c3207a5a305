import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  BatchGetSecretValueCommand,
  SecretsManagerClient,
  ListSecretsCommand,
  RotateSecretCommand,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ProbeDeps, runProbe } from '../../../lambdas/probe/probe';
import type { ProviderName } from '../../../lambdas/providers/catalog';
import { DETAIL_TYPE, TAG } from '../../../lambdas/shared/names';
import type { TokenSpec } from '../../../lib/inventory/schema';
import {
  canary,
  captureLog,
  DAY,
  FakeAdapter,
  FakeAws,
  gitlabToken,
  inventoryOf,
  stripeToken,
  tokenValue,
} from './fakes';

const T0 = new Date('2026-11-23T08:00:00Z');

describe('runProbe', () => {
  let aws: FakeAws;
  let adapters: Map<ProviderName, FakeAdapter>;
  let log: ReturnType<typeof captureLog>;
  let now: Date;
  let metrics: { name: string; value: number; dims?: Record<string, string> }[];

  const adapter = (p: ProviderName): FakeAdapter => {
    let a = adapters.get(p);
    if (!a) {
      a = new FakeAdapter(p);
      adapters.set(p, a);
    }
    return a;
  };
  const deps = (tokens: TokenSpec[], extra: Partial<ProbeDeps> = {}): ProbeDeps => ({
    // mockClient stubs the classes, so these fresh clients reach the fakes.
    secrets: new SecretsManagerClient({}),
    events: new EventBridgeClient({}),
    adapterFor: adapter,
    inventory: inventoryOf(tokens),
    clock: () => now,
    logger: log,
    metrics: { addMetric: (name, _unit, value, dims) => metrics.push({ name, value, ...(dims ? { dims } : {}) }) },
    ...extra,
  });
  const later = (ms: number): void => {
    now = new Date(now.getTime() + ms);
  };

  beforeEach(() => {
    aws = new FakeAws();
    adapters = new Map();
    log = captureLog();
    now = T0;
    metrics = [];
  });
  afterEach(() => {
    aws.restore();
  });

  describe('state changes and events', () => {
    it('emits one critical event when a token starts being rejected, none while it stays so, a reminder after a day, and a recovery', async () => {
      const token = gitlabToken('gitlab-ci');
      aws.addToken(token, tokenValue(canary('gitlab')));
      const d = deps([token]);

      await runProbe(d); // first sight, healthy: tags only
      expect(aws.events).toHaveLength(0);

      adapter('gitlab').answers.set(canary('gitlab'), { verdict: 'invalid', reason: 'the provider answered 401' });
      later(15 * 60_000);
      await runProbe(d);
      expect(aws.details()).toEqual([
        expect.objectContaining({
          detailType: DETAIL_TYPE.healthChanged,
          token: 'gitlab-ci',
          env: 'qa',
          provider: 'gitlab',
          owner: '@qa-platform',
          previous: 'ok',
          previousSeverity: 'ok',
          current: 'invalid',
          severity: 'critical',
          reasons: ['the provider answered 401'],
          runbook: 'https://wiki.example.com/runbooks/gitlab',
          healing: true,
        }),
      ]);

      later(15 * 60_000);
      await runProbe(d);
      expect(aws.events).toHaveLength(1);

      later(DAY);
      await runProbe(d);
      expect(aws.details()[1]).toMatchObject({ detailType: DETAIL_TYPE.reminder, current: 'invalid' });
      later(15 * 60_000);
      await runProbe(d);
      expect(aws.events).toHaveLength(2);

      adapter('gitlab').answers.delete(canary('gitlab'));
      later(2 * 3_600_000); // past the invalid backoff
      await runProbe(d);
      expect(aws.details()[2]).toMatchObject({
        detailType: DETAIL_TYPE.healthChanged,
        previous: 'invalid',
        previousSeverity: 'critical',
        current: 'ok',
        severity: 'ok',
      });
      expect(aws.events).toHaveLength(3);
    });

    it('warns at 10 days to expiry', async () => {
      const token = gitlabToken('gitlab-ci');
      aws.addToken(token, tokenValue(canary('g'), { expiresAt: new Date(T0.getTime() + 10 * DAY).toISOString() }));
      const report = await runProbe(deps([token]));
      expect(report.tokens[0]).toMatchObject({ state: 'expiring', severity: 'warning', daysLeft: 10 });
      expect(aws.details()).toEqual([
        expect.objectContaining({ current: 'expiring', severity: 'warning', daysLeft: 10 }),
      ]);
      expect(metrics).toContainEqual({ name: 'DaysToExpiry', value: 10, dims: { Token: 'gitlab-ci' } });
    });

    it('turns three 503s in a row into one indeterminate alert, never invalid', async () => {
      const token = gitlabToken('gitlab-ci');
      aws.addToken(token, tokenValue(canary('g')));
      adapter('gitlab').answers.set(canary('g'), { verdict: 'indeterminate', reason: 'HTTP 503', status: 503 });
      const d = deps([token]);
      const states: string[] = [];
      for (let run = 0; run < 5; run++) {
        const report = await runProbe(d);
        states.push(`${report.tokens[0]?.state}/${report.tokens[0]?.severity}`);
        later(15 * 60_000);
      }
      expect(states).toEqual([
        'indeterminate/ok',
        'indeterminate/ok',
        'indeterminate/warning',
        'indeterminate/warning',
        'indeterminate/warning',
      ]);
      const alerts = aws.details().filter((e) => e['severity'] === 'critical' || e['severity'] === 'warning');
      expect(alerts).toHaveLength(1);
      expect(aws.details().some((e) => e['current'] === 'invalid')).toBe(false);
      expect(aws.rotated).toHaveLength(0);
      expect(metrics.filter((m) => m.name === 'ProviderErrors')).toHaveLength(5);
    });

    it('writes state tags only when they change', async () => {
      const token = gitlabToken('gitlab-ci');
      aws.addToken(token, tokenValue(canary('g')));
      const d = deps([token]);
      await runProbe(d);
      expect(aws.calls(TagResourceCommand)).toBe(1);
      later(15 * 60_000);
      await runProbe(d);
      later(15 * 60_000);
      await runProbe(d);
      expect(aws.calls(TagResourceCommand)).toBe(1);
      const secret = [...aws.secrets.values()][0];
      expect(secret?.tags.get(TAG.status)).toBe('ok');
      expect(secret?.tags.get(TAG.checkedAt)).toBe(T0.toISOString());
    });
  });

  describe('scale', () => {
    it('reads 1,000 tokens with at most 10 ListSecrets and 50 BatchGetSecretValue calls', async () => {
      const tokens = Array.from({ length: 1000 }, (_, i) => gitlabToken(`t-${i}`));
      for (const t of tokens) aws.addToken(t, tokenValue(canary(t.name)));
      const report = await runProbe(deps(tokens));
      expect(report.tokens).toHaveLength(1000);
      expect(report.tokens.every((t) => t.state === 'ok')).toBe(true);
      expect(aws.calls(ListSecretsCommand)).toBeLessThanOrEqual(10);
      expect(aws.calls(BatchGetSecretValueCommand)).toBeLessThanOrEqual(50);
      expect(adapter('gitlab').calls).toBe(1000);
    });

    it('respects the global and per-provider concurrency bounds', async () => {
      const tokens = [
        ...Array.from({ length: 30 }, (_, i) => gitlabToken(`g-${i}`)),
        ...Array.from({ length: 30 }, (_, i) => stripeToken(`s-${i}`)),
      ];
      for (const t of tokens) aws.addToken(t, tokenValue(canary(t.name)));
      let inFlight = 0;
      let maxInFlight = 0;
      const counting = (p: ProviderName): FakeAdapter => {
        const a = adapter(p);
        const verify = FakeAdapter.prototype.verify.bind(a);
        a.verify = async (v) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            return await verify(v);
          } finally {
            inFlight--;
          }
        };
        return a;
      };
      counting('gitlab');
      counting('stripe');
      await runProbe(deps(tokens, { concurrency: 3, perProviderLimit: 2 }));
      expect(adapter('gitlab').maxInFlight).toBeLessThanOrEqual(2);
      expect(adapter('stripe').maxInFlight).toBeLessThanOrEqual(2);
      expect(maxInFlight).toBeLessThanOrEqual(3);
      expect(maxInFlight).toBeGreaterThan(1);
    });

    it('keeps the old tags of a token whose event PutEvents rejected, so the next run sends it again', async () => {
      const token = gitlabToken('gitlab-ci');
      aws.addToken(token, tokenValue(canary('gitlab')));
      const d = deps([token]);
      await runProbe(d);
      adapter('gitlab').answers.set(canary('gitlab'), { verdict: 'invalid', reason: 'the provider answered 401' });
      // GIVEN EventBridge rejects the one entry of the next run (per-entry ErrorCode)
      aws.nextPutEventsAnswer = {
        $metadata: {},
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      };
      later(15 * 60_000);
      const failedRun = await runProbe(d);
      expect(failedRun).toMatchObject({ eventsSent: 0, eventsFailed: 1 });
      // THEN the next run emits the change again
      later(15 * 60_000);
      const retryRun = await runProbe(d);
      expect(retryRun).toMatchObject({ eventsSent: 1, eventsFailed: 0 });
      expect(aws.details()).toEqual([expect.objectContaining({ current: 'invalid', previous: 'ok' })]);
    });

    it('counts entries as failed when PutEvents reports failures without per-entry results', async () => {
      const token = gitlabToken('gitlab-ci');
      aws.addToken(token, tokenValue(canary('gitlab')));
      const d = deps([token]);
      await runProbe(d);
      adapter('gitlab').answers.set(canary('gitlab'), { verdict: 'invalid', reason: 'the provider answered 401' });
      aws.nextPutEventsAnswer = { $metadata: {}, FailedEntryCount: 1 };
      later(15 * 60_000);
      expect(await runProbe(d)).toMatchObject({ eventsSent: 0, eventsFailed: 1 });
    });

    it('reports the tokens it had no time to verify as indeterminate, and still finishes the run', async () => {
      // GIVEN a provider so slow that the clock passes the verify deadline during the first call
      const tokens = [gitlabToken('a'), gitlabToken('b'), gitlabToken('c')];
      for (const t of tokens) aws.addToken(t, tokenValue(canary(t.name)));
      const slow = adapter('gitlab');
      const verify = slow.verify.bind(slow);
      slow.verify = async (value) => {
        const result = await verify(value);
        later(10 * 60_000);
        return result;
      };
      // WHEN the run may start verifies for 5 minutes, one at a time
      const report = await runProbe(
        deps(tokens, { concurrency: 1, verifyDeadline: new Date(now.getTime() + 5 * 60_000) }),
      );
      // THEN one token was verified, the other two are indeterminate and unverified, and tags were written
      expect(report.tokens.filter((t) => t.verified)).toHaveLength(1);
      const skipped = report.tokens.filter((t) => !t.verified);
      expect(skipped).toHaveLength(2);
      for (const t of skipped) {
        expect(t.state).toBe('indeterminate');
        expect(t.reasons.join(' ')).toContain('ran out of time');
      }
      expect(slow.calls).toBe(1);
      expect(aws.calls(TagResourceCommand)).toBe(3);
    });

    it('sends events in PutEvents batches of at most 10', async () => {
      const tokens = Array.from({ length: 25 }, (_, i) => gitlabToken(`t-${i}`));
      for (const t of tokens) aws.addToken(t, undefined); // placeholders: all missing
      await runProbe(deps(tokens));
      expect(aws.putEventsBatchSizes).toEqual([10, 10, 5]);
    });
  });

  describe('a targeted run (options.only, the "AWSCURRENT moved" rule)', () => {
    it('reads and verifies only the named secret, in one BatchGetSecretValue of one id', async () => {
      // GIVEN three managed tokens
      const [a, b, c] = [gitlabToken('a'), gitlabToken('b'), gitlabToken('c')];
      aws.addToken(a, tokenValue(canary('a')));
      const target = aws.addToken(b, tokenValue(canary('b')));
      aws.addToken(c, tokenValue(canary('c')));

      // WHEN the probe runs for b only
      const report = await runProbe(deps([a, b, c]), { only: [target.name] });

      // THEN only b is read, verified and reported
      expect(report.tokens.map((t) => t.token)).toEqual(['b']);
      expect(adapter('gitlab').calls).toBe(1);
      const batches = aws.sm.commandCalls(BatchGetSecretValueCommand).map((call) => call.args[0].input.SecretIdList);
      expect(batches).toEqual([[target.arn]]);
      expect(aws.calls(ListSecretsCommand)).toBe(1);
    });

    it('still finds a duplicate through the other tokens’ stored fingerprint tags', async () => {
      // GIVEN a and b share a value, and a full run has stored their fingerprints
      const [a, b] = [gitlabToken('a'), gitlabToken('b')];
      aws.addToken(a, tokenValue(canary('shared')));
      const target = aws.addToken(b, tokenValue(canary('shared')));
      await runProbe(deps([a, b]));
      const batchesBefore = aws.calls(BatchGetSecretValueCommand);

      // WHEN b alone is probed again
      const report = await runProbe(deps([a, b]), { only: [target.name] });

      // THEN b is still a duplicate of a, without reading a's value
      expect(report.tokens.map((t) => `${t.token}:${t.state}`)).toEqual(['b:duplicate']);
      expect(aws.calls(BatchGetSecretValueCommand)).toBe(batchesBefore + 1);
    });

    it('reports neither other undeployed tokens nor run-level metrics', async () => {
      // GIVEN b is declared but has no secret
      const [a, b] = [gitlabToken('a'), gitlabToken('b')];
      const target = aws.addToken(a, tokenValue(canary('a')));

      // WHEN a alone is probed
      const report = await runProbe(deps([a, b]), { only: [target.name] });

      // THEN b is not reported missing, and no Tokens/ProbeDuration metric is written from one token
      expect(report.tokens.map((t) => t.token)).toEqual(['a']);
      expect(metrics.filter((m) => m.name === 'Tokens' || m.name === 'ProbeDuration')).toEqual([]);
    });
  });

  describe('duplicates, missing values and read errors', () => {
    it('flags two tokens holding the same value, by keyed fingerprint', async () => {
      const a = gitlabToken('a');
      const b = gitlabToken('b');
      const c = gitlabToken('c');
      aws.addToken(a, tokenValue(canary('shared')));
      aws.addToken(b, tokenValue(canary('shared')));
      aws.addToken(c, tokenValue(canary('own')));
      const report = await runProbe(deps([a, b, c]));
      expect(report.tokens.map((t) => `${t.token}:${t.state}`)).toEqual(['a:duplicate', 'b:duplicate', 'c:ok']);
      expect(report.tokens[0]?.reasons.join()).toContain('"b"');
      const fps = [...aws.secrets.values()].map((s) => s.tags.get(TAG.fingerprint));
      expect(fps[0]).toBe(fps[1]);
      expect(fps[0]).not.toBe(fps[2]);
      expect(fps[0]).not.toContain('shared');
    });

    it('skips duplicate detection when the fingerprint key cannot be read', async () => {
      aws.fingerprintKey = undefined;
      const a = gitlabToken('a');
      const b = gitlabToken('b');
      aws.addToken(a, tokenValue(canary('shared')));
      aws.addToken(b, tokenValue(canary('shared')));
      const report = await runProbe(deps([a, b]));
      expect(report.fingerprinted).toBe(false);
      expect(report.tokens.map((t) => t.state)).toEqual(['ok', 'ok']);
    });

    it('reports a placeholder as missing and a declared token without a secret as missing, without tags', async () => {
      const seeded = gitlabToken('seeded');
      const placeholder = stripeToken('placeholder');
      const undeployed = stripeToken('undeployed');
      aws.addToken(seeded, tokenValue(canary('s')));
      aws.addToken(placeholder, undefined);
      const report = await runProbe(deps([seeded, placeholder, undeployed]));
      expect(report.tokens.map((t) => `${t.token}:${t.state}`)).toEqual([
        'seeded:ok',
        'placeholder:missing',
        'undeployed:missing',
      ]);
      expect(report.tokens[2]?.secretArn).toBeUndefined();
      expect(aws.details().map((e) => e['token'])).toEqual(['placeholder']);
    });

    it('reports a malformed value as invalid, naming what is wrong', async () => {
      const t = stripeToken('broken');
      aws.addToken(t, JSON.stringify({ v: 1, issuedAt: 'x', tokn: canary('broken') }));
      const report = await runProbe(deps([t]));
      expect(report.tokens[0]).toMatchObject({ state: 'invalid', reasons: [expect.stringContaining('"token"')] });
    });

    it('maps BatchGetSecretValue per-secret errors to indeterminate with the error code', async () => {
      const t = gitlabToken('denied');
      aws.addToken(t, tokenValue(canary('d'))).error = 'DecryptionFailure';
      const report = await runProbe(deps([t]));
      expect(report.tokens[0]).toMatchObject({ state: 'indeterminate', verified: false });
      expect(report.tokens[0]?.reasons.join()).toContain('DecryptionFailure');
    });

    it('lists orphans: managed secrets of the environment that the inventory does not declare', async () => {
      aws.addToken(gitlabToken('gone'), tokenValue(canary('gone')));
      const kept = gitlabToken('kept');
      aws.addToken(kept, tokenValue(canary('kept')));
      const report = await runProbe(deps([kept]));
      expect(report.orphans).toEqual(['tokenwarden/qa/gone']);
      expect(report.tokens.map((t) => t.token)).toEqual(['kept']);
    });
  });

  describe('self-healing', () => {
    it('rotates an invalid rotatable token once, and backs off re-probing it', async () => {
      const token = gitlabToken('gitlab-ci');
      const secret = aws.addToken(token, tokenValue(canary('g')));
      adapter('gitlab').answers.set(canary('g'), { verdict: 'invalid' });
      const d = deps([token]);
      await runProbe(d);
      expect(aws.calls(RotateSecretCommand)).toBe(1);
      expect(aws.rotated).toEqual([secret.arn]);
      later(15 * 60_000);
      await runProbe(d);
      expect(aws.calls(RotateSecretCommand)).toBe(1);
      expect(adapter('gitlab').calls).toBe(1);
    });

    it('ends the invalid backoff as soon as the value changes (a healing rotation or a put)', async () => {
      const token = gitlabToken('gitlab-ci');
      const secret = aws.addToken(token, tokenValue(canary('old')));
      adapter('gitlab').answers.set(canary('old'), { verdict: 'invalid' });
      const d = deps([token]);
      await runProbe(d);
      secret.value = tokenValue(canary('new'));
      adapter('gitlab').answers.set(canary('new'), { verdict: 'valid' });
      later(60_000);
      const report = await runProbe(d);
      expect(adapter('gitlab').calls).toBe(2);
      expect(report.tokens[0]).toMatchObject({ state: 'ok', changed: true });
    });

    it('does not rotate while a rotation is in progress', async () => {
      const token = gitlabToken('gitlab-ci');
      const secret = aws.addToken(token, tokenValue(canary('g')));
      secret.stages = { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] };
      secret.lastChangedDate = T0;
      adapter('gitlab').answers.set(canary('g'), { verdict: 'invalid' });
      await runProbe(deps([token]));
      expect(aws.calls(RotateSecretCommand)).toBe(0);
    });

    it('never rotates a manual token', async () => {
      const token = stripeToken('stripe-test');
      aws.addToken(token, tokenValue(canary('s')));
      adapter('stripe').answers.set(canary('s'), { verdict: 'invalid' });
      const report = await runProbe(deps([token]));
      expect(report.tokens[0]).toMatchObject({ state: 'invalid', healing: false });
      expect(aws.calls(RotateSecretCommand)).toBe(0);
      expect(aws.details()[0]).toMatchObject({ healing: false, manual: true });
    });
  });

  it('never lets a token value reach events, tags, logs or the report', async () => {
    const tokens = [gitlabToken('a'), gitlabToken('b'), stripeToken('c'), stripeToken('d')];
    aws.addToken(tokens[0] as TokenSpec, tokenValue(canary('a')));
    aws.addToken(tokens[1] as TokenSpec, tokenValue(canary('a')));
    aws.addToken(tokens[2] as TokenSpec, JSON.stringify({ v: 2, token: canary('c') }));
    aws.addToken(tokens[3] as TokenSpec, tokenValue(canary('d'))).error = 'AccessDeniedException';
    adapter('gitlab').answers.set(canary('a'), { verdict: 'invalid', reason: 'rejected' });
    const report = await runProbe(deps(tokens));
    const everything = JSON.stringify({
      report,
      events: aws.events,
      logs: log.lines,
      tags: [...aws.secrets.values()].map((s) => [...s.tags]),
      metrics,
    });
    expect(aws.events.length).toBeGreaterThan(0);
    expect(log.lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain('CANARY');
  });
});
