/**
 * Health states and severities (ARCHITECTURE.md "Health model"). The pure health function that
 * decides them lives in lambdas/health/model.ts.
 */
export const HEALTH_STATES = [
  'ok',
  'expiring',
  'expired',
  'invalid',
  'missing',
  'overscoped',
  'duplicate',
  'rotation-failed',
  'rotation-overdue',
  'indeterminate',
] as const;

export type HealthState = (typeof HEALTH_STATES)[number];
export type Severity = 'ok' | 'warning' | 'critical';

/** Worst first: used to sort `status` and to pick the headline state when several apply. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, ok: 2 };
