import type { HealthState, Severity } from '../lambdas/health/states';
import type { VerifyResult } from '../lambdas/providers/types';
import type { ParsedSecretValue } from '../lambdas/shared/secret-value';

/** The states a one-off check can reach (a subset of the health model's). */
export type CheckState = Extract<HealthState, 'ok' | 'expiring' | 'expired' | 'invalid' | 'missing' | 'indeterminate'>;

export interface CheckVerdict {
  readonly state: CheckState;
  /** Safe to print: never the value. */
  readonly reason: string;
  readonly expiresAt?: string;
}

const DAY = 86_400_000;

/**
 * The CLI's own verdict for one token from what the provider said and the expiry. Deliberately small:
 * the coordinator can swap it for the health model (lambdas/health/model.ts) once merged.
 */
export function checkVerdict(input: {
  readonly parsed: ParsedSecretValue;
  readonly verify?: VerifyResult;
  /** The inventory's declared expiry, for providers that report none. */
  readonly declaredExpiresAt?: string;
  readonly now: Date;
  readonly warnBeforeMs: number;
}): CheckVerdict {
  if (input.parsed.kind === 'missing') return { state: 'missing', reason: 'no value seeded yet' };
  if (input.parsed.kind === 'malformed')
    return { state: 'invalid', reason: `stored value unreadable: ${input.parsed.reason}` };
  const expiresAt = input.verify?.expiresAt ?? input.parsed.value.expiresAt ?? input.declaredExpiresAt;
  const left = expiresAt === undefined ? undefined : Date.parse(expiresAt) - input.now.getTime();
  if (left !== undefined && left <= 0)
    return { state: 'expired', reason: `expired on ${expiresAt}`, expiresAt: expiresAt as string };
  const withExpiry = expiresAt === undefined ? {} : { expiresAt };
  if (!input.verify) return { state: 'indeterminate', reason: 'not verified', ...withExpiry };
  if (input.verify.verdict === 'invalid') {
    return { state: 'invalid', reason: input.verify.reason ?? 'the provider rejected the token', ...withExpiry };
  }
  if (input.verify.verdict === 'indeterminate') {
    return {
      state: 'indeterminate',
      reason: input.verify.reason ?? 'the provider could not be reached',
      ...withExpiry,
    };
  }
  if (left !== undefined && left < input.warnBeforeMs) {
    return { state: 'expiring', reason: `expires in ${Math.ceil(left / DAY)} day(s)`, ...withExpiry };
  }
  return { state: 'ok', reason: input.verify.reason ?? 'the provider accepted the token', ...withExpiry };
}

/** Pseudo-state for an inventory token with no secret deployed. */
export type DisplayState = HealthState | 'not deployed' | 'unknown';

/** The one place states map to severities (for colour, sorting and exit codes). */
export function severityOf(state: DisplayState): Severity {
  switch (state) {
    case 'ok':
      return 'ok';
    case 'expired':
    case 'invalid':
    case 'missing':
    case 'rotation-failed':
    case 'not deployed':
      return 'critical';
    default:
      return 'warning';
  }
}

/** Exit code for a check state: 0 fine, 2 token problem, 3 could not tell. */
export function exitCodeFor(state: CheckState): number {
  if (state === 'ok' || state === 'expiring') return 0;
  if (state === 'indeterminate') return 3;
  return 2;
}

/** `2026-12-01 (8d)` / `2026-11-20 (3d ago)`. */
export function formatExpiry(expiresAt: string | undefined, now: Date): string {
  if (!expiresAt) return '-';
  const ms = Date.parse(expiresAt);
  if (Number.isNaN(ms)) return expiresAt;
  const days = Math.floor((ms - now.getTime()) / DAY);
  return `${new Date(ms).toISOString().slice(0, 10)} (${days >= 0 ? `${days}d` : `${-days}d ago`})`;
}

export function daysLeft(expiresAt: string | undefined, now: Date): number | undefined {
  if (!expiresAt) return undefined;
  const ms = Date.parse(expiresAt);
  return Number.isNaN(ms) ? undefined : Math.floor((ms - now.getTime()) / DAY);
}

/** The next step for a bad token: rotate what can rotate, re-seed what cannot. */
export function fixFor(manual: boolean, ref: string): string {
  return manual
    ? `issue a new token at the provider, then: tokenwarden put ${ref} < token.txt`
    : `tokenwarden rotate ${ref} --wait`;
}
