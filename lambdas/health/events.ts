import type { TokenSpec } from '../../lib/inventory/schema';
import type { DETAIL_TYPE } from '../shared/names';
import type { HealthRecord } from './model';
import type { HealthState, Severity } from './states';

/**
 * The detail of "Token Health Changed" and "Token Health Reminder" events on the environment's bus.
 * It names the token and what is wrong; it never carries a value. The shared rule patterns
 * (lambdas/shared/event-patterns.ts) match on `env`, `severity`, `current` and `previousSeverity`.
 */
export interface HealthEventDetail {
  readonly token: string;
  readonly env: string;
  readonly provider: string;
  readonly owner: string;
  /** State before this run; null the first time a token is seen. */
  readonly previous: HealthState | null;
  readonly previousSeverity: Severity | null;
  readonly current: HealthState;
  readonly severity: Severity;
  readonly reasons: readonly string[];
  readonly expiresAt: string | null;
  readonly daysLeft: number | null;
  readonly runbook: string | null;
  readonly secretArn: string;
  /** A rotation was started by this run to fix the token. */
  readonly healing: boolean;
  /** `rotation: manual` or a provider that cannot issue tokens: a person must seed a new value. */
  readonly manual: boolean;
  /** When the probe run that decided this started (ISO). */
  readonly checkedAt: string;
  /** When the token entered its current state (ISO). */
  readonly since: string;
}

export type HealthDetailType = (typeof DETAIL_TYPE)[keyof typeof DETAIL_TYPE];

/** Builds the event detail for one token's record. */
export function healthEventDetail(args: {
  env: string;
  token: TokenSpec;
  record: HealthRecord;
  previous: { state: HealthState; severity: Severity } | undefined;
  secretArn: string;
  healing: boolean;
  manual: boolean;
  checkedAt: Date;
}): HealthEventDetail {
  const { token, record } = args;
  return {
    token: token.name,
    env: args.env,
    provider: token.provider,
    owner: token.owner,
    previous: args.previous?.state ?? null,
    previousSeverity: args.previous?.severity ?? null,
    current: record.state,
    severity: record.severity,
    reasons: record.reasons,
    expiresAt: record.expiresAt ?? null,
    daysLeft: record.daysLeft ?? null,
    runbook: token.runbook ?? null,
    secretArn: args.secretArn,
    healing: args.healing,
    manual: args.manual,
    checkedAt: args.checkedAt.toISOString(),
    since: record.since,
  };
}
