import { DETAIL_TYPE, EVENT_SOURCE } from './names';

/**
 * EventBridge event patterns, in the wire format (`detail-type`), defined once and used both by the
 * stack's rules (lib/) and by the local stand-in's event router (local/), so the two cannot drift.
 */
export type EventPattern = Readonly<Record<string, unknown>>;

export interface PatternScope {
  readonly env: string;
  readonly account: string;
  readonly region: string;
  readonly partition?: string;
}

function secretArnPrefix(s: PatternScope): string {
  return `arn:${s.partition ?? 'aws'}:secretsmanager:${s.region}:${s.account}:secret:tokenwarden/${s.env}/`;
}

/** On the environment's bus: a token became critical or warning, or a daily reminder for one that still is. */
export function healthAlertPattern(s: PatternScope): EventPattern {
  return {
    source: [EVENT_SOURCE],
    'detail-type': [DETAIL_TYPE.healthChanged, DETAIL_TYPE.reminder],
    detail: { env: [s.env], severity: ['critical', 'warning'] },
  };
}

/**
 * On the environment's bus: a token came back to ok from a state that had been alerted (warning or
 * critical). Matching on `previousSeverity` rather than `previous` keeps an indeterminate streak that
 * never reached the alert threshold (severity ok) from producing a "recovered" message nobody needs.
 */
export function recoveryPattern(s: PatternScope): EventPattern {
  return {
    source: [EVENT_SOURCE],
    'detail-type': [DETAIL_TYPE.healthChanged],
    detail: { env: [s.env], severity: ['ok'], previousSeverity: ['critical', 'warning'] },
  };
}

/**
 * On the default bus: Secrets Manager rotation failures. They are service events delivered via
 * CloudTrail (detail-type "AWS Service Event via CloudTrail"), not API calls (rotation-facts §3.1-3.2).
 */
export function rotationFailurePattern(s: PatternScope): EventPattern {
  return {
    source: ['aws.secretsmanager'],
    'detail-type': ['AWS Service Event via CloudTrail'],
    detail: {
      eventSource: ['secretsmanager.amazonaws.com'],
      eventName: ['RotationFailed', 'RotationAbandoned', 'TestRotationFailed'],
      additionalEventData: { SecretId: [{ prefix: secretArnPrefix(s) }] },
    },
  };
}

/** On the default bus: AWSCURRENT moved on one of this environment's secrets: re-probe that token (rotation-facts §3.3). */
export function currentLabelMovedPattern(s: PatternScope): EventPattern {
  return {
    source: ['aws.secretsmanager'],
    'detail-type': ['Secret Label Updated'],
    detail: { labelUpdated: ['AWSCURRENT'], name: [{ prefix: `tokenwarden/${s.env}/` }] },
  };
}

/** Which Lambda a rule delivers to. */
export type RouteTarget = 'notify' | 'probe';

/** One EventBridge rule of an environment: where it listens, what it matches, where it delivers. */
export interface EventRoute {
  /** Stable id: the rule's construct id in the stack and its name in the local stand-in. */
  readonly id: string;
  /** `environment`: the bus tokenwarden-<env>; `default`: the account's default bus (AWS service events). */
  readonly bus: 'environment' | 'default';
  readonly description: string;
  readonly pattern: EventPattern;
  readonly target: RouteTarget;
}

/**
 * Every rule of an environment, defined once: the stack makes one `events.Rule` per route and the local
 * stand-in registers the same routes with its router, so what runs locally is what deploys.
 */
export function eventRoutes(s: PatternScope): readonly EventRoute[] {
  return [
    {
      id: 'HealthAlerts',
      bus: 'environment',
      description: 'A token became critical or warning, or a daily reminder for one that still is',
      pattern: healthAlertPattern(s),
      target: 'notify',
    },
    {
      id: 'Recoveries',
      bus: 'environment',
      description: 'A token that had been alerted is healthy again',
      pattern: recoveryPattern(s),
      target: 'notify',
    },
    {
      id: 'RotationFailures',
      bus: 'default',
      description: 'Secrets Manager reports a failed, abandoned or failed test rotation of a token',
      pattern: rotationFailurePattern(s),
      target: 'notify',
    },
    {
      id: 'CurrentLabelMoved',
      bus: 'default',
      description: 'AWSCURRENT moved on a token (rotation or manual update): probe that token again',
      pattern: currentLabelMovedPattern(s),
      target: 'probe',
    },
  ];
}
