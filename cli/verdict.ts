/**
 * Display helpers for verdicts. The verdict itself is the health model's (cli/health.ts wraps
 * lambdas/health/model.ts); this file only formats dates and names the fix.
 */

const DAY = 86_400_000;

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
