import { describe, expect, it } from 'vitest';
import { healthEventDetail } from '../../../lambdas/health/events';
import { assessHealth, type HealthInput, type PreviousHealth } from '../../../lambdas/health/model';
import { type EventPattern, healthAlertPattern, recoveryPattern } from '../../../lambdas/shared/event-patterns';
import { DETAIL_TYPE, EVENT_SOURCE } from '../../../lambdas/shared/names';
import { gitlabToken } from '../probe/fakes';

/**
 * The subset of EventBridge pattern matching these patterns use: lists of literal values, `prefix`,
 * `anything-but`, nested objects (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 */
function matches(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((p) => {
      if (p !== null && typeof p === 'object') {
        const op = p as Record<string, unknown>;
        if ('prefix' in op) return typeof value === 'string' && value.startsWith(String(op['prefix']));
        if ('anything-but' in op) return value !== undefined && !(op['anything-but'] as unknown[]).includes(value);
        return false;
      }
      return p === value;
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object') return false;
    return Object.entries(pattern).every(([k, p]) => matches(p, (value as Record<string, unknown>)[k]));
  }
  return false;
}

const scope = { env: 'qa', account: '111122223333', region: 'eu-west-1' };
const NOW = new Date('2026-11-23T08:00:00Z');

function eventFor(type: string, input: Partial<HealthInput>): Record<string, unknown> {
  const token = gitlabToken('gitlab-ci');
  const full: HealthInput = {
    token,
    settings: { warnBefore: 14 * 86_400_000, criticalBefore: 3 * 86_400_000 },
    secret: { arn: 'arn' },
    value: { kind: 'ok', value: { v: 1, token: 'CANARY', issuedAt: '2026-11-01T00:00:00Z' } },
    verify: { verdict: 'valid' },
    previous: undefined,
    now: NOW,
    ...input,
  };
  const record = assessHealth(full);
  const detail = healthEventDetail({
    env: 'qa',
    token,
    record,
    previous: full.previous,
    secretArn: 'arn',
    healing: false,
    manual: false,
    checkedAt: NOW,
  });
  return { source: EVENT_SOURCE, 'detail-type': type, detail: JSON.parse(JSON.stringify(detail)) };
}

const was = (state: PreviousHealth['state'], severity: PreviousHealth['severity']): PreviousHealth => ({
  state,
  severity,
  since: '2026-11-20T00:00:00Z',
  indeterminateRuns: state === 'indeterminate' ? 3 : 0,
});

describe('health events against the shared rule patterns', () => {
  const alert = (e: Record<string, unknown>): boolean => matches(healthAlertPattern(scope), e);
  const recovery = (e: Record<string, unknown>): boolean => matches(recoveryPattern(scope), e);

  it('routes a token turning critical to the alert rule only', () => {
    const e = eventFor(DETAIL_TYPE.healthChanged, { verify: { verdict: 'invalid' }, previous: was('ok', 'ok') });
    expect([alert(e), recovery(e)]).toEqual([true, false]);
  });

  it('routes a reminder to the alert rule', () => {
    const e = eventFor(DETAIL_TYPE.reminder, { verify: { verdict: 'invalid' }, previous: was('invalid', 'critical') });
    expect(alert(e)).toBe(true);
  });

  it('routes a warning to the alert rule', () => {
    const e = eventFor(DETAIL_TYPE.healthChanged, { duplicateOf: 'other', previous: was('ok', 'ok') });
    expect(alert(e)).toBe(true);
  });

  it('routes a recovery from an alerted state to the recovery rule only', () => {
    const e = eventFor(DETAIL_TYPE.healthChanged, { previous: was('invalid', 'critical') });
    expect([alert(e), recovery(e)]).toEqual([false, true]);
  });

  it('routes neither an unalerted indeterminate run nor its recovery', () => {
    const start = eventFor(DETAIL_TYPE.healthChanged, {
      verify: { verdict: 'indeterminate' },
      previous: was('ok', 'ok'),
    });
    const back = eventFor(DETAIL_TYPE.healthChanged, {
      previous: { ...was('indeterminate', 'ok'), indeterminateRuns: 1 },
    });
    expect([alert(start), recovery(start), alert(back), recovery(back)]).toEqual([false, false, false, false]);
  });

  it('does not route another environment', () => {
    const e = eventFor(DETAIL_TYPE.healthChanged, { verify: { verdict: 'invalid' }, previous: was('ok', 'ok') });
    expect(matches(healthAlertPattern({ ...scope, env: 'staging' }), e)).toBe(false);
  });

  it('uses only pattern operators this test understands', () => {
    const patterns: EventPattern[] = [healthAlertPattern(scope), recoveryPattern(scope)];
    expect(JSON.stringify(patterns)).not.toMatch(/"(exists|numeric|suffix|wildcard|equals-ignore-case|\$or)"/);
  });
});
