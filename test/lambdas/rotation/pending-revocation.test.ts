import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeVersionId,
  encodeVersionId,
  formatEntries,
  MAX_TAG_VALUE,
  parseEntries,
  type RevocationEntry,
  RevocationListFullError,
  upsertEntry,
} from '../../../lambdas/rotation/pending-revocation';

const T0 = Date.parse('2026-11-23T09:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

/** The entries of `n` rotations, one every 7 minutes, each recorded with a one-hour grace period. */
function overlappingRotations(n: number): RevocationEntry[] {
  let entries: RevocationEntry[] = [];
  for (let i = 0; i < n; i++) entries = upsertEntry(entries, { versionId: randomUUID(), revokeAfter: at(60 + 7 * i) });
  return entries;
}

describe('pending-revocation tag', () => {
  it('holds eight UUID versions within the 256-character tag value (it held four)', () => {
    const entries = overlappingRotations(8);
    const value = formatEntries(entries);
    expect(value.length).toBeLessThanOrEqual(MAX_TAG_VALUE);
    expect(parseEntries(value)).toEqual([...entries].sort((a, b) => a.revokeAfter.getTime() - b.revokeAfter.getTime()));
  });

  it('still refuses a ninth entry rather than dropping one', () => {
    const entries = overlappingRotations(8);
    expect(() => upsertEntry(entries, { versionId: randomUUID(), revokeAfter: at(200) })).toThrow(
      RevocationListFullError,
    );
  });

  it('reads tags written in the older ISO format, and rewrites them compactly', () => {
    const old = '6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b@2026-11-23T10:00:00Z v1@2020-01-01T00:00:00Z';
    const entries = parseEntries(old);
    expect(entries).toEqual([
      { versionId: '6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b', revokeAfter: new Date('2026-11-23T10:00:00Z') },
      { versionId: 'v1', revokeAfter: new Date('2020-01-01T00:00:00Z') },
    ]);
    const rewritten = formatEntries(entries);
    expect(rewritten.length).toBeLessThan(old.length);
    expect(parseEntries(rewritten)).toEqual([...entries].reverse());
  });

  it('round-trips any version id: UUIDs compactly, anything else as written', () => {
    const uuid = randomUUID();
    expect(encodeVersionId(uuid)).toHaveLength(22);
    expect(decodeVersionId(encodeVersionId(uuid))).toBe(uuid);
    const upper = uuid.toUpperCase();
    expect(encodeVersionId(upper)).toBe(upper);
    fc.assert(
      fc.property(
        fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9_.-]{32,64}$/)),
        fc.integer({ min: 0, max: 4_102_444_800 }),
        (versionId, seconds) => {
          const entry = { versionId, revokeAfter: new Date(seconds * 1000) };
          expect(parseEntries(formatEntries([entry]))).toEqual([entry]);
        },
      ),
    );
  });

  it('writes only characters Secrets Manager allows in tag values', () => {
    const value = formatEntries(overlappingRotations(8));
    expect(value).toMatch(/^[A-Za-z0-9 +\-=._:/@]*$/);
  });
});
