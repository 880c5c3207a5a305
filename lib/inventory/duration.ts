/** Durations in the inventory are written `30d`, `4h` or `15m`: one number, one unit. */
const DURATION = /^(\d+)(d|h|m)$/;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000 } as const;

export const DURATION_HELP = 'a duration like "30d", "4h" or "15m"';

/** Parses `30d` / `4h` / `15m` into milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  if (amount <= 0) return undefined;
  return amount * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

/** Writes milliseconds back in the largest whole unit, e.g. 172800000 → `2d`. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
