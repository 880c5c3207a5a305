import { describe, expect, it } from 'vitest';
import { EventPatternError, matchesPattern } from '../../../local/aws/event-pattern';
import {
  currentLabelMovedPattern,
  recoveryPattern,
  rotationFailurePattern,
} from '../../../lambdas/shared/event-patterns';

const event = {
  version: '0',
  id: 'id-1',
  'detail-type': 'Token Health Changed',
  source: 'tokenwarden',
  account: '000000000000',
  time: '2026-11-23T08:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:secretsmanager:eu-west-1:000000000000:secret:tokenwarden/qa/gitlab-AbCdEf', 'other'],
  detail: {
    env: 'qa',
    severity: 'critical',
    current: 'invalid',
    previous: 'ok',
    runs: 3,
    owner: { team: 'payments', handle: '@ana' },
    scopes: ['api', 'read_user'],
  },
};

describe('matchesPattern', () => {
  it('matches exact values, and any of several values in a field', () => {
    expect(matchesPattern({ source: ['tokenwarden'] }, event)).toBe(true);
    expect(matchesPattern({ source: ['aws.secretsmanager', 'tokenwarden'] }, event)).toBe(true);
    expect(matchesPattern({ source: ['aws.secretsmanager'] }, event)).toBe(false);
  });

  it('requires every field of the pattern (AND across fields)', () => {
    expect(matchesPattern({ source: ['tokenwarden'], detail: { env: ['qa'], severity: ['warning'] } }, event)).toBe(
      false,
    );
    expect(matchesPattern({ source: ['tokenwarden'], detail: { env: ['qa'], severity: ['critical'] } }, event)).toBe(
      true,
    );
  });

  it('matches nested detail objects', () => {
    expect(matchesPattern({ detail: { owner: { team: ['payments'] } } }, event)).toBe(true);
    expect(matchesPattern({ detail: { owner: { team: ['search'] } } }, event)).toBe(false);
  });

  it('matches an array in the event when any element matches', () => {
    expect(matchesPattern({ detail: { scopes: ['read_user'] } }, event)).toBe(true);
    expect(matchesPattern({ resources: [{ prefix: 'arn:aws:secretsmanager:' }] }, event)).toBe(true);
    expect(matchesPattern({ detail: { scopes: ['write_repository'] } }, event)).toBe(false);
  });

  it('supports prefix and suffix', () => {
    expect(matchesPattern({ 'detail-type': [{ prefix: 'Token Health' }] }, event)).toBe(true);
    expect(matchesPattern({ 'detail-type': [{ prefix: 'token health' }] }, event)).toBe(false);
    expect(matchesPattern({ 'detail-type': [{ suffix: 'Changed' }] }, event)).toBe(true);
  });

  it('supports anything-but with a value, a list and a prefix', () => {
    expect(matchesPattern({ detail: { previous: [{ 'anything-but': 'invalid' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { previous: [{ 'anything-but': ['ok', 'expiring'] }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { current: [{ 'anything-but': { prefix: 'inv' } }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ 'anything-but': 'x' }] } }, event)).toBe(false);
  });

  it('supports exists true and false', () => {
    expect(matchesPattern({ detail: { severity: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { expiresAt: [{ exists: true }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { expiresAt: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { severity: [{ exists: false }] } }, event)).toBe(false);
  });

  it('supports numeric ranges', () => {
    expect(matchesPattern({ detail: { runs: [{ numeric: ['>=', 3] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { runs: [{ numeric: ['>', 0, '<', 3] }] } }, event)).toBe(false);
  });

  it('supports equals-ignore-case, wildcard and $or', () => {
    expect(matchesPattern({ detail: { env: [{ 'equals-ignore-case': 'QA' }] } }, event)).toBe(true);
    expect(matchesPattern({ source: [{ wildcard: 'token*' }] }, event)).toBe(true);
    expect(matchesPattern({ $or: [{ source: ['nope'] }, { detail: { env: ['qa'] } }] }, event)).toBe(true);
    expect(matchesPattern({ $or: [{ source: ['nope'] }, { detail: { env: ['prod'] } }] }, event)).toBe(false);
  });

  it('throws EventPatternError on a malformed pattern', () => {
    expect(() => matchesPattern({ source: 'tokenwarden' }, event)).toThrow(EventPatternError);
    expect(() => matchesPattern({ source: [{ unknownOperator: 1 }] }, event)).toThrow(EventPatternError);
  });

  describe('the shared stack patterns', () => {
    const scope = { env: 'qa', account: '000000000000', region: 'eu-west-1' };

    it('recoveryPattern matches a return to ok from an alerted state only', () => {
      const back = (previousSeverity: string) => ({
        ...event,
        detail: { ...event.detail, current: 'ok', severity: 'ok', previous: 'invalid', previousSeverity },
      });
      expect(matchesPattern(recoveryPattern(scope), back('critical'))).toBe(true);
      expect(matchesPattern(recoveryPattern(scope), back('warning'))).toBe(true);
      // An indeterminate streak below the alert threshold had severity ok: no "recovered" message.
      expect(matchesPattern(recoveryPattern(scope), back('ok'))).toBe(false);
    });

    it('rotationFailurePattern matches RotationFailed for the environment secrets only', () => {
      const failed = (secretArn: string) => ({
        ...event,
        source: 'aws.secretsmanager',
        'detail-type': 'AWS Service Event via CloudTrail',
        detail: {
          eventSource: 'secretsmanager.amazonaws.com',
          eventName: 'RotationFailed',
          additionalEventData: { SecretId: secretArn },
        },
      });
      const prefix = 'arn:aws:secretsmanager:eu-west-1:000000000000:secret:tokenwarden';
      expect(matchesPattern(rotationFailurePattern(scope), failed(`${prefix}/qa/gitlab-AbCdEf`))).toBe(true);
      expect(matchesPattern(rotationFailurePattern(scope), failed(`${prefix}/prod/gitlab-AbCdEf`))).toBe(false);
    });

    it('currentLabelMovedPattern matches AWSCURRENT moves in the environment', () => {
      const moved = (labelUpdated: string) => ({
        ...event,
        source: 'aws.secretsmanager',
        'detail-type': 'Secret Label Updated',
        detail: { name: 'tokenwarden/qa/gitlab', labelUpdated, versionId: 'v' },
      });
      expect(matchesPattern(currentLabelMovedPattern(scope), moved('AWSCURRENT'))).toBe(true);
      expect(matchesPattern(currentLabelMovedPattern(scope), moved('custom'))).toBe(false);
    });
  });
});
