import { Duration } from 'aws-cdk-lib';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * An inventory interval (ms) as the largest whole unit that expresses it exactly, so
 * `rate(...)` expressions read `rate(15 minutes)`, `rate(12 hours)`, `rate(30 days)`.
 * Undefined when `ms` is not a positive whole number of minutes (rate() has no seconds).
 */
export function wholeRate(ms: number): Duration | undefined {
  if (!Number.isInteger(ms) || ms <= 0 || ms % MINUTE !== 0) return undefined;
  if (ms % DAY === 0) return Duration.days(ms / DAY);
  if (ms % HOUR === 0) return Duration.hours(ms / HOUR);
  return Duration.minutes(ms / MINUTE);
}
