/**
 * "Did you mean" for inventory typos: the closest known word within two edits, or the first known word the
 * given one abbreviates, compared case-insensitively.
 * @returns the suggestion, or undefined when nothing is close enough to be a likely typo
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of new Set(candidates)) {
    if (candidate === word) continue;
    // A shortened key (`grace` for `gracePeriod`) is as likely a slip as a typo.
    if (word.length >= 4 && candidate.toLowerCase().startsWith(word.toLowerCase()) && best === undefined) {
      best = candidate;
      bestDistance = 1;
      continue;
    }
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
