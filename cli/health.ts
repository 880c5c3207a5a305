import type { DescribeSecretCommandOutput } from '@aws-sdk/client-secrets-manager';
import { assessHealth, type HealthRecord, type SecretFacts, type StoredValue } from '../lambdas/health/model';
import { healthSettingsOf } from '../lambdas/health/settings';
import type { HealthState } from '../lambdas/health/states';
import { previousFromTags, tagMap } from '../lambdas/health/tags';
import type { VerifyResult } from '../lambdas/providers/types';
import type { Inventory, TokenSpec } from '../lib/inventory/schema';
import { EXIT } from './errors';

/**
 * Judges one token with the probe's health model (lambdas/health/model.ts), so `check`, `preflight`
 * and the probe reach the same state and severity for the same facts.
 */
export function assessForCli(input: {
  readonly inventory: Inventory;
  readonly spec: TokenSpec;
  readonly value: StoredValue;
  readonly verify: VerifyResult | undefined;
  /** DescribeSecret's answer when the command read it: rotation facts and the probe's tags. */
  readonly described?: DescribeSecretCommandOutput;
  readonly secretName: string;
  readonly now: Date;
}): HealthRecord {
  const d = input.described;
  const secret: SecretFacts = {
    arn: d?.ARN ?? input.secretName,
    ...(d?.RotationEnabled !== undefined ? { rotationEnabled: d.RotationEnabled } : {}),
    ...(d?.NextRotationDate ? { nextRotationDate: d.NextRotationDate } : {}),
    ...(d?.LastChangedDate ? { lastChangedDate: d.LastChangedDate } : {}),
    ...(d?.VersionIdsToStages ? { versionIdsToStages: d.VersionIdsToStages } : {}),
  };
  return assessHealth({
    token: input.spec,
    settings: healthSettingsOf(input.inventory),
    secret,
    value: input.value,
    verify: input.verify,
    // The probe's last run, so consecutive indeterminate runs count the same way here.
    previous: d ? previousFromTags(tagMap(d.Tags)) : undefined,
    now: input.now,
  });
}

/** States that make a token unusable: exit 2. */
const UNUSABLE: readonly HealthState[] = ['missing', 'expired', 'invalid', 'rotation-failed'];

/**
 * Exit code for a health state: 0 usable (ok, expiring, overscoped, duplicate, rotation-overdue),
 * 2 unusable (missing, expired, invalid, rotation-failed), 3 could not tell (indeterminate).
 */
export function exitCodeForState(state: HealthState): number {
  if (state === 'indeterminate') return EXIT.unreachable;
  return UNUSABLE.includes(state) ? EXIT.token : EXIT.ok;
}
