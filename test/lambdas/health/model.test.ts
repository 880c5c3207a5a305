import { describe, expect, it } from 'vitest';
import { assessHealth, type HealthInput, type PreviousHealth } from '../../../lambdas/health/model';
import type { TokenSpec } from '../../../lib/inventory/schema';

const NOW = new Date('2026-11-23T08:00:00Z');
const DAY = 86_400_000;
const inDays = (d: number): string => new Date(NOW.getTime() + d * DAY).toISOString();

const gitlab: TokenSpec = {
  name: 'gitlab-ci',
  provider: 'gitlab',
  owner: '@qa-platform',
  scopes: ['read_api'],
  rotation: { every: 30 * DAY, gracePeriod: 3_600_000 },
  settings: {},
};
const stripe: TokenSpec = {
  name: 'stripe-test',
  provider: 'stripe',
  owner: '@payments-qa',
  scopes: [],
  rotation: 'manual',
  settings: {},
};

const okValue = (extra: Record<string, string> = {}): HealthInput['value'] => ({
  kind: 'ok',
  value: { v: 1, token: 'CANARY-not-a-real-token', issuedAt: '2026-11-01T00:00:00Z', ...extra },
});

function input(overrides: Partial<HealthInput> = {}): HealthInput {
  return {
    token: gitlab,
    settings: { warnBefore: 14 * DAY, criticalBefore: 3 * DAY, indeterminateAlertAfter: 3 },
    secret: { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tokenwarden/qa/gitlab-ci-AbCdEf' },
    value: okValue(),
    verify: { verdict: 'valid' },
    previous: { state: 'ok', severity: 'ok', since: '2026-11-01T00:00:00Z', indeterminateRuns: 0 },
    now: NOW,
    ...overrides,
  };
}

describe('assessHealth', () => {
  describe('states and severities', () => {
    const cases: { name: string; in: Partial<HealthInput>; state: string; severity: string; reason?: RegExp }[] = [
      { name: 'a valid token with no expiry is ok', in: {}, state: 'ok', severity: 'ok' },
      {
        name: 'a token expiring in 10 days is expiring (warning)',
        in: { verify: { verdict: 'valid', expiresAt: inDays(10) } },
        state: 'expiring',
        severity: 'warning',
        reason: /10 days left/,
      },
      {
        name: 'a token expiring in 2 days is expiring (critical)',
        in: { verify: { verdict: 'valid', expiresAt: inDays(2) } },
        state: 'expiring',
        severity: 'critical',
      },
      {
        name: 'a token past its expiry is expired',
        in: { verify: { verdict: 'invalid', expiresAt: inDays(-1), reason: '401' } },
        state: 'expired',
        severity: 'critical',
      },
      {
        name: 'a rejected token is invalid with the adapter reason',
        in: { verify: { verdict: 'invalid', reason: 'the provider answered 401' } },
        state: 'invalid',
        severity: 'critical',
        reason: /401/,
      },
      {
        name: 'a placeholder value is missing',
        in: { value: { kind: 'missing' }, verify: undefined },
        state: 'missing',
        severity: 'critical',
      },
      {
        name: 'a malformed value is invalid and names what is wrong',
        in: { value: { kind: 'malformed', reason: 'field "token" is missing or empty' }, verify: undefined },
        state: 'invalid',
        severity: 'critical',
        reason: /field "token"/,
      },
      {
        name: 'more scopes than the inventory allows is overscoped (warning)',
        in: { verify: { verdict: 'valid', scopes: ['read_api', 'api'] } },
        state: 'overscoped',
        severity: 'warning',
        reason: /api/,
      },
      {
        name: 'a valid verdict with an adapter finding (Stripe live key in QA) is a warning',
        in: {
          token: stripe,
          verify: {
            verdict: 'valid',
            reason: 'Stripe accepted the key',
            warnings: ['a live-mode key in a QA environment'],
          },
        },
        state: 'overscoped',
        severity: 'warning',
        reason: /live-mode/,
      },
      {
        name: 'an informational reason on a valid verdict is not a finding',
        in: { verify: { verdict: 'valid', reason: 'Datadog validated the API key' } },
        state: 'ok',
        severity: 'ok',
        reason: /^$/,
      },
      {
        name: 'the same fingerprint as another token is duplicate (warning)',
        in: { duplicateOf: 'gitlab-other' },
        state: 'duplicate',
        severity: 'warning',
        reason: /gitlab-other/,
      },
      {
        name: 'AWSPENDING alone for hours is rotation-failed',
        in: {
          secret: {
            arn: 'a',
            lastChangedDate: new Date(NOW.getTime() - 5 * 3_600_000),
            versionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
          },
        },
        state: 'rotation-failed',
        severity: 'critical',
      },
      {
        name: 'AWSPENDING on the same version as AWSCURRENT is legal and ok',
        in: {
          secret: {
            arn: 'a',
            lastChangedDate: new Date(NOW.getTime() - 50 * DAY),
            versionIdsToStages: { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT', 'AWSPENDING'] },
          },
        },
        state: 'ok',
        severity: 'ok',
      },
      {
        name: 'a rotation two days late is rotation-overdue (warning)',
        in: { secret: { arn: 'a', rotationEnabled: true, nextRotationDate: new Date(NOW.getTime() - 2 * DAY) } },
        state: 'rotation-overdue',
        severity: 'warning',
      },
      {
        name: 'a rotation a few hours late is within the slack',
        in: { secret: { arn: 'a', rotationEnabled: true, nextRotationDate: new Date(NOW.getTime() - 3_600_000) } },
        state: 'ok',
        severity: 'ok',
      },
      {
        name: 'an unreadable secret is indeterminate, not invalid',
        in: { value: { kind: 'unreadable', reason: 'cannot read the secret: DecryptionFailure' }, verify: undefined },
        state: 'indeterminate',
        severity: 'ok',
        reason: /DecryptionFailure/,
      },
      {
        name: 'a 503 is indeterminate and not alerted on the first run',
        in: { verify: { verdict: 'indeterminate', reason: 'HTTP 503', status: 503 } },
        state: 'indeterminate',
        severity: 'ok',
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const record = assessHealth(input(c.in));
        expect(record.state).toBe(c.state);
        expect(record.severity).toBe(c.severity);
        if (c.reason) expect(record.reasons.join('\n')).toMatch(c.reason);
      });
    }
  });

  describe('expiry precedence', () => {
    it('prefers the provider over the stored metadata and the inventory', () => {
      const record = assessHealth(
        input({
          token: { ...gitlab, expiresAt: inDays(2) },
          value: okValue({ expiresAt: inDays(5) }),
          verify: { verdict: 'valid', expiresAt: inDays(40) },
        }),
      );
      expect(record.expiresAt).toBe(inDays(40));
      expect(record.state).toBe('ok');
    });

    it('uses the stored metadata when the provider does not say', () => {
      const record = assessHealth(
        input({ token: { ...gitlab, expiresAt: inDays(2) }, value: okValue({ expiresAt: inDays(10) }) }),
      );
      expect(record.expiresAt).toBe(inDays(10));
      expect(record.daysLeft).toBe(10);
      expect(record.severity).toBe('warning');
    });

    it('falls back to the inventory', () => {
      const record = assessHealth(input({ token: { ...gitlab, expiresAt: '2026-11-25' } }));
      expect(record.expiresAt).toBe('2026-11-25T00:00:00.000Z');
      expect(record.severity).toBe('critical');
    });
  });

  describe('expiry covered by rotation', () => {
    const oauth: TokenSpec = {
      name: 'orders-api',
      provider: 'oauth2-client-credentials',
      owner: '@orders-team',
      scopes: [],
      rotation: { every: 12 * 3_600_000, gracePeriod: 1_800_000 },
      settings: {},
    };
    const shortLived = (nextRotationInHours: number): Partial<HealthInput> => ({
      token: oauth,
      secret: {
        arn: 'a',
        rotationEnabled: true,
        nextRotationDate: new Date(NOW.getTime() + nextRotationInHours * 3_600_000),
      },
      verify: { verdict: 'valid', expiresAt: inDays(1) },
    });

    it('is ok when the scheduled rotation replaces a short-lived token before it expires', () => {
      const record = assessHealth(input(shortLived(6)));
      expect(record).toMatchObject({ state: 'ok', severity: 'ok', shouldHeal: false });
    });

    it('is expiring when the rotation window ends after the expiry', () => {
      const record = assessHealth(input(shortLived(23.5)));
      expect(record).toMatchObject({ state: 'expiring', severity: 'critical', shouldHeal: true });
    });

    it('does not count on a rotation Secrets Manager has not scheduled', () => {
      const record = assessHealth(input({ ...shortLived(6), secret: { arn: 'a', rotationEnabled: true } }));
      expect(record.state).toBe('expiring');
    });

    it('never applies to manual tokens', () => {
      const record = assessHealth(
        input({ ...shortLived(6), token: { ...stripe }, verify: { verdict: 'valid', expiresAt: inDays(1) } }),
      );
      expect(record.state).toBe('expiring');
    });
  });

  describe('indeterminate counting', () => {
    const unreachable: Partial<HealthInput> = { verify: { verdict: 'indeterminate', reason: 'timeout' } };

    it('counts consecutive runs and becomes a warning at N, never invalid', () => {
      let previous: PreviousHealth | undefined = input().previous;
      const seen: string[] = [];
      for (let run = 0; run < 4; run++) {
        const record = assessHealth(input({ ...unreachable, previous }));
        expect(record.state).toBe('indeterminate');
        seen.push(`${record.indeterminateRuns}:${record.severity}:${record.shouldAlert}`);
        previous = {
          state: record.state,
          severity: record.severity,
          since: record.since,
          indeterminateRuns: record.indeterminateRuns,
        };
      }
      expect(seen).toEqual(['1:ok:false', '2:ok:false', '3:warning:true', '3:warning:false']);
    });

    it('resets the count when the provider answers again', () => {
      const record = assessHealth(
        input({ previous: { state: 'indeterminate', severity: 'ok', since: NOW.toISOString(), indeterminateRuns: 2 } }),
      );
      expect(record.indeterminateRuns).toBe(0);
      expect(record.state).toBe('ok');
      expect(record.shouldAlert).toBe(false);
    });
  });

  describe('change, alert and reminder', () => {
    it('alerts once when a token becomes critical, then not while it stays so', () => {
      const first = assessHealth(input({ verify: { verdict: 'invalid' } }));
      expect(first).toMatchObject({ changed: true, shouldAlert: true, since: NOW.toISOString() });
      const second = assessHealth(
        input({
          verify: { verdict: 'invalid' },
          previous: { state: 'invalid', severity: 'critical', since: NOW.toISOString(), indeterminateRuns: 0 },
          now: new Date(NOW.getTime() + 3_600_000),
        }),
      );
      expect(second).toMatchObject({
        changed: false,
        shouldAlert: false,
        shouldRemind: false,
        since: NOW.toISOString(),
      });
    });

    it('reminds a day after the last notice while still critical', () => {
      const record = assessHealth(
        input({
          verify: { verdict: 'invalid' },
          previous: {
            state: 'invalid',
            severity: 'critical',
            since: '2026-11-20T00:00:00Z',
            indeterminateRuns: 0,
            remindedAt: inDays(-1),
          },
        }),
      );
      expect(record.shouldRemind).toBe(true);
    });

    it('alerts the recovery back to ok', () => {
      const record = assessHealth(
        input({ previous: { state: 'invalid', severity: 'critical', since: NOW.toISOString(), indeterminateRuns: 0 } }),
      );
      expect(record).toMatchObject({ state: 'ok', changed: true, shouldAlert: true });
    });

    it('escalates an expiring token from warning to critical as a change', () => {
      const record = assessHealth(
        input({
          verify: { verdict: 'valid', expiresAt: inDays(2) },
          previous: { state: 'expiring', severity: 'warning', since: inDays(-5), indeterminateRuns: 0 },
        }),
      );
      expect(record).toMatchObject({ changed: true, shouldAlert: true, since: inDays(-5) });
    });

    it('does not alert the first sighting of a healthy token', () => {
      expect(assessHealth(input({ previous: undefined })).shouldAlert).toBe(false);
    });
  });

  describe('self-healing', () => {
    it('heals an invalid rotatable token', () => {
      expect(assessHealth(input({ verify: { verdict: 'invalid' } })).shouldHeal).toBe(true);
    });

    it('heals a rotatable token inside its heal window (half of warnBefore by default)', () => {
      expect(assessHealth(input({ verify: { verdict: 'valid', expiresAt: inDays(6) } })).shouldHeal).toBe(true);
      expect(assessHealth(input({ verify: { verdict: 'valid', expiresAt: inDays(8) } })).shouldHeal).toBe(false);
    });

    it('never heals a manual token', () => {
      expect(assessHealth(input({ token: stripe, verify: { verdict: 'invalid' } })).shouldHeal).toBe(false);
    });

    it('does not heal while a rotation is in progress', () => {
      const record = assessHealth(
        input({
          verify: { verdict: 'invalid' },
          secret: { arn: 'a', lastChangedDate: NOW, versionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } },
        }),
      );
      expect(record).toMatchObject({ shouldHeal: false, rotationInProgress: true });
    });

    it('does not heal an indeterminate token', () => {
      expect(assessHealth(input({ verify: { verdict: 'indeterminate' } })).shouldHeal).toBe(false);
    });
  });

  it('never puts the value in reasons', () => {
    const record = assessHealth(input({ verify: { verdict: 'invalid' }, duplicateOf: 'x' }));
    expect(JSON.stringify(record)).not.toContain('CANARY');
  });
});
