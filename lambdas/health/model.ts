import type { TokenSpec } from '../../lib/inventory/schema';
import { canIssue } from '../providers/catalog';
import type { VerifyResult } from '../providers/types';
import type { ParsedSecretValue } from '../shared/secret-value';
import { type HealthState, SEVERITY_RANK, type Severity } from './states';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * True when the token's scheduled rotation replaces it before it expires, so a near expiry is no
 * finding: short-lived tokens (an OAuth access token living a day, rotated every 12 hours) would
 * otherwise be "expiring" forever. The rotation may happen anywhere in its window: one hour for
 * hour-based schedules, up to the end of the UTC day for day-based ones (rotation-facts §1.7).
 */
function rotatesBeforeExpiry(token: TokenSpec, secret: SecretFacts, expiresAt: string): boolean {
  if (token.rotation === 'manual' || !canIssue(token.provider) || secret.rotationEnabled !== true) return false;
  // Only Secrets Manager's own NextRotationDate counts: without it nothing promises a rotation.
  const next = secret.nextRotationDate?.getTime();
  if (next === undefined) return false;
  const window = token.rotation.every % DAY === 0 ? DAY : HOUR;
  return next + window < Date.parse(expiresAt);
}

/** The environment-wide thresholds the model applies (inventory `expiry` and `probe`). */
export interface HealthSettings {
  /** Expiring within this → warning. */
  readonly warnBefore: number;
  /** Expiring within this → critical. */
  readonly criticalBefore: number;
  /** Rotatable tokens expiring within this are rotated at once. @default warnBefore / 2 */
  readonly healBefore?: number;
  /** Consecutive indeterminate runs before the state becomes a warning (and alerts). @default 3 */
  readonly indeterminateAlertAfter?: number;
  /** AWSPENDING without AWSCURRENT for longer than this is a failed or stuck rotation. @default 2 hours */
  readonly rotationStuckAfter?: number;
  /**
   * How far past NextRotationDate a rotation may lag before it is overdue. Secrets Manager only promises
   * the date, and day-based windows close at the end of the UTC day (rotation-facts §1.7). @default 1 day
   */
  readonly rotationOverdueSlack?: number;
}

/** What ListSecrets says about the secret (no value). */
export interface SecretFacts {
  readonly arn: string;
  readonly rotationEnabled?: boolean;
  readonly nextRotationDate?: Date;
  /**
   * When the secret last changed. Used as the start of an in-progress rotation (createSecret's
   * PutSecretValue changes it); ListSecrets does not tell when a version was created.
   */
  readonly lastChangedDate?: Date;
  readonly versionIdsToStages?: Readonly<Record<string, readonly string[]>>;
}

/** The stored value as the probe could read it. `unreadable` = BatchGetSecretValue reported an error for it. */
export type StoredValue = ParsedSecretValue | { readonly kind: 'unreadable'; readonly reason: string };

/** The state the previous run left in the secret's tags (lambdas/health/tags.ts). */
export interface PreviousHealth {
  readonly state: HealthState;
  readonly severity: Severity;
  readonly since: string;
  readonly indeterminateRuns: number;
  readonly remindedAt?: string;
}

export interface HealthInput {
  readonly token: TokenSpec;
  readonly settings: HealthSettings;
  readonly secret: SecretFacts;
  readonly value: StoredValue;
  /** The provider's answer; undefined when the token was not verified (no usable value). */
  readonly verify: VerifyResult | undefined;
  readonly previous: PreviousHealth | undefined;
  /** Name of another managed token of the environment with the same keyed fingerprint. */
  readonly duplicateOf?: string;
  readonly now: Date;
}

/** The verdict of one run for one token. Safe to log, tag and put in events: it never holds a value. */
export interface HealthRecord {
  /** The headline state: the worst finding (severity first, then the order of STATE_PRIORITY). */
  readonly state: HealthState;
  readonly severity: Severity;
  /** Every finding, worst first, in words (never the value). */
  readonly reasons: string[];
  /** Effective expiry: provider, else stored metadata, else inventory. */
  readonly expiresAt?: string;
  /** Whole days until expiresAt, negative once expired. */
  readonly daysLeft?: number;
  /** When the token entered this state (ISO). */
  readonly since: string;
  /** Consecutive indeterminate runs, capped at indeterminateAlertAfter (so the tag stops changing). */
  readonly indeterminateRuns: number;
  /** State or severity differs from the previous run: write tags, emit a health-changed event. */
  readonly changed: boolean;
  /** The change should reach people (critical or warning, or back to ok from one of those). */
  readonly shouldAlert: boolean;
  /** Still critical, unchanged, and the last alert or reminder is a day old: send a reminder. */
  readonly shouldRemind: boolean;
  /** Start a rotation now (self-healing). */
  readonly shouldHeal: boolean;
  /** A rotation is under way (AWSPENDING on a version without AWSCURRENT, not yet stuck). */
  readonly rotationInProgress: boolean;
}

/** Tie-break between findings of the same severity: the more specific or more actionable first. */
const STATE_PRIORITY: readonly HealthState[] = [
  'missing',
  'expired',
  'invalid',
  'rotation-failed',
  'indeterminate',
  'expiring',
  'overscoped',
  'duplicate',
  'rotation-overdue',
  'ok',
];

interface Finding {
  readonly state: HealthState;
  readonly severity: Severity;
  readonly reason: string;
}

/**
 * The health model: one pure function from (inventory entry, secret metadata, stored value, verify
 * result, previous state, now) to a health record (ARCHITECTURE.md "Health model").
 *
 * Decisions worth knowing:
 * - `indeterminate` (timeout, 5xx, 429, DNS, unreadable secret) is never `invalid`. Before
 *   `indeterminateAlertAfter` consecutive runs its severity is `ok` (recorded, not alerted); at N it
 *   becomes a warning, which changes the severity and so emits one alert.
 * - On a `valid` verdict, an adapter's `warnings` are findings (e.g. "Stripe live key in a QA
 *   environment": more access than a QA environment should hold): reported as `overscoped`,
 *   severity warning. Its `reason` is informational only.
 * - Overscoped is only judged when the inventory lists scopes; an empty list means "not declared".
 * - AWSPENDING on the same version as AWSCURRENT is legal (rotation-facts §1.5) and never flagged.
 * - Expiry and rotation findings are judged even when the provider could not be asked.
 */
export function assessHealth(input: HealthInput): HealthRecord {
  const { token, settings, secret, value, verify, previous, now } = input;
  const alertAfter = settings.indeterminateAlertAfter ?? 3;
  const findings: Finding[] = [];

  // Stored value.
  let indeterminate: string | undefined;
  if (value.kind === 'missing') {
    findings.push({
      state: 'missing',
      severity: 'critical',
      reason: 'no value seeded yet (the secret holds the placeholder or nothing)',
    });
  } else if (value.kind === 'malformed') {
    findings.push({ state: 'invalid', severity: 'critical', reason: `stored value is malformed: ${value.reason}` });
  } else if (value.kind === 'unreadable') {
    indeterminate = value.reason;
  }

  // Provider verdict.
  if (verify?.verdict === 'invalid') {
    findings.push({
      state: 'invalid',
      severity: 'critical',
      reason: verify.reason ?? 'the provider rejected the token',
    });
  } else if (verify?.verdict === 'indeterminate') {
    indeterminate = verify.reason ?? 'the provider could not be asked';
  } else if (verify?.verdict === 'valid') {
    for (const warning of verify.warnings ?? [])
      findings.push({ state: 'overscoped', severity: 'warning', reason: warning });
  }
  const indeterminateRuns =
    indeterminate === undefined ? 0 : Math.min((previous?.indeterminateRuns ?? 0) + 1, alertAfter);
  if (indeterminate !== undefined) {
    const alerting = indeterminateRuns >= alertAfter;
    findings.push({
      state: 'indeterminate',
      // A warning, not critical: nobody knows the token is bad, only that it could not be checked.
      severity: alerting ? 'warning' : 'ok',
      reason: `could not verify (${indeterminate})${alerting ? `, ${alertAfter} runs in a row` : ''}`,
    });
  }

  // Scopes.
  if (verify?.verdict === 'valid' && verify.scopes && token.scopes.length > 0) {
    const extra = verify.scopes.filter((s) => !token.scopes.includes(s));
    if (extra.length > 0) {
      findings.push({
        state: 'overscoped',
        severity: 'warning',
        reason: `the provider reports scopes the inventory does not allow: ${extra.join(', ')}`,
      });
    }
  }

  // Duplicate.
  if (input.duplicateOf !== undefined) {
    findings.push({
      state: 'duplicate',
      severity: 'warning',
      reason: `same value as token "${input.duplicateOf}" (keyed fingerprint)`,
    });
  }

  // Expiry: provider > stored metadata > inventory.
  const storedExpiry = value.kind === 'ok' ? value.value.expiresAt : undefined;
  const expiresAt = normalizeDate(verify?.expiresAt) ?? normalizeDate(storedExpiry) ?? normalizeDate(token.expiresAt);
  let daysLeft: number | undefined;
  let msLeft: number | undefined;
  const coveredByRotation = expiresAt !== undefined && rotatesBeforeExpiry(token, secret, expiresAt);
  if (expiresAt !== undefined) {
    msLeft = Date.parse(expiresAt) - now.getTime();
    daysLeft = Math.floor(msLeft / DAY);
    if (msLeft <= 0) {
      findings.push({ state: 'expired', severity: 'critical', reason: `expired on ${expiresAt.slice(0, 10)}` });
    } else if (!coveredByRotation && (msLeft <= settings.criticalBefore || msLeft <= settings.warnBefore)) {
      findings.push({
        state: 'expiring',
        severity: msLeft <= settings.criticalBefore ? 'critical' : 'warning',
        reason: `expires on ${expiresAt.slice(0, 10)} (${daysLeft} day${daysLeft === 1 ? '' : 's'} left)`,
      });
    }
  }

  // Rotation, from metadata only.
  const stuckAfter = settings.rotationStuckAfter ?? 2 * HOUR;
  const pendingAlone = Object.values(secret.versionIdsToStages ?? {}).some(
    (stages) => stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT'),
  );
  const pendingAge = secret.lastChangedDate
    ? now.getTime() - secret.lastChangedDate.getTime()
    : Number.POSITIVE_INFINITY;
  const rotationStuck = pendingAlone && pendingAge > stuckAfter;
  if (rotationStuck) {
    findings.push({
      state: 'rotation-failed',
      severity: 'critical',
      reason: `a rotation has been pending for more than ${Math.round(stuckAfter / HOUR)}h (AWSPENDING on a version without AWSCURRENT)`,
    });
  }
  const slack = settings.rotationOverdueSlack ?? DAY;
  if (
    token.rotation !== 'manual' &&
    secret.rotationEnabled !== false &&
    secret.nextRotationDate !== undefined &&
    now.getTime() - secret.nextRotationDate.getTime() > slack
  ) {
    findings.push({
      state: 'rotation-overdue',
      severity: 'warning',
      reason: `rotation was due on ${secret.nextRotationDate.toISOString().slice(0, 10)}`,
    });
  }

  findings.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      STATE_PRIORITY.indexOf(a.state) - STATE_PRIORITY.indexOf(b.state),
  );
  const head = findings[0] ?? { state: 'ok' as const, severity: 'ok' as const, reason: '' };
  const state = head.state;
  const severity = head.severity;

  const changed = previous === undefined || previous.state !== state || previous.severity !== severity;
  const since = previous !== undefined && previous.state === state ? previous.since : now.toISOString();
  // A first sighting of a healthy token is recorded in tags but is not news.
  const shouldAlert =
    changed &&
    (severity !== 'ok' || (previous !== undefined && previous.severity !== 'ok' && state === 'ok')) &&
    !(previous === undefined && severity === 'ok');
  const lastNotice = previous?.remindedAt ?? previous?.since;
  const shouldRemind =
    !changed && severity === 'critical' && lastNotice !== undefined && now.getTime() - Date.parse(lastNotice) >= DAY;

  const rotationInProgress = pendingAlone && !rotationStuck;
  const healBefore = settings.healBefore ?? settings.warnBefore / 2;
  const healable = token.rotation !== 'manual' && canIssue(token.provider) && value.kind === 'ok';
  const needsHeal =
    verify?.verdict === 'invalid' ||
    (msLeft !== undefined && msLeft <= 0) ||
    (msLeft !== undefined && msLeft <= healBefore && !coveredByRotation);
  const shouldHeal = healable && needsHeal && !pendingAlone;

  return {
    state,
    severity,
    reasons: findings.map((f) => f.reason),
    ...(expiresAt !== undefined ? { expiresAt, daysLeft } : {}),
    since,
    indeterminateRuns,
    changed,
    shouldAlert,
    shouldRemind,
    shouldHeal,
    rotationInProgress,
  };
}

/** ISO 8601 of a date or date-time; a date alone (GitLab) means the start of that day, UTC. */
function normalizeDate(text: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
