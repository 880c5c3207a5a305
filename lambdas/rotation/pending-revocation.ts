import { type SecretsManagerClient, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { TAG } from '../shared/names';

/**
 * The `tokenwarden:pending-revocation` tag value: a space-separated list of `<versionId>@<revokeAfterIso>`
 * (lambdas/shared/names.ts). Secrets Manager tag values are at most 256 characters
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html), so times are written
 * to the second (`2026-11-23T09:00:00Z`): a UUID entry is then 57 characters and four fit.
 */
export interface RevocationEntry {
  readonly versionId: string;
  readonly revokeAfter: Date;
}

/** Longest tag value Secrets Manager accepts. */
export const MAX_TAG_VALUE = 256;

/** The tag value cannot hold one more entry; the caller fails the step so nothing is forgotten. */
export class RevocationListFullError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RevocationListFullError';
  }
}

/** Parses the tag value; malformed entries are dropped (they cannot name a version we could revoke). */
export function parseEntries(value: string | undefined): RevocationEntry[] {
  if (!value) return [];
  const entries: RevocationEntry[] = [];
  for (const part of value.split(' ')) {
    const at = part.lastIndexOf('@');
    if (at <= 0) continue;
    const revokeAfter = new Date(part.slice(at + 1));
    if (Number.isNaN(revokeAfter.getTime())) continue;
    entries.push({ versionId: part.slice(0, at), revokeAfter });
  }
  return entries;
}

/** Formats entries for the tag value, in a stable order (by time, then version id). */
export function formatEntries(entries: readonly RevocationEntry[]): string {
  return [...entries]
    .sort((a, b) => a.revokeAfter.getTime() - b.revokeAfter.getTime() || a.versionId.localeCompare(b.versionId))
    .map((e) => `${e.versionId}@${e.revokeAfter.toISOString().replace(/\.\d{3}Z$/, 'Z')}`)
    .join(' ');
}

/**
 * Adds or moves the entry of `entry.versionId`. An existing entry keeps the later of the two times, so
 * recording twice never shortens a grace period and recording the same entry twice changes nothing.
 * @throws RevocationListFullError when the result would not fit in a tag value
 */
export function upsertEntry(entries: readonly RevocationEntry[], entry: RevocationEntry): RevocationEntry[] {
  const existing = entries.find((e) => e.versionId === entry.versionId);
  const revokeAfter =
    existing && existing.revokeAfter.getTime() > entry.revokeAfter.getTime() ? existing.revokeAfter : entry.revokeAfter;
  // Times are stored to the second; round up so a stored time is never before the one asked for.
  const rounded = new Date(Math.ceil(revokeAfter.getTime() / 1000) * 1000);
  const next = [
    ...entries.filter((e) => e.versionId !== entry.versionId),
    { versionId: entry.versionId, revokeAfter: rounded },
  ];
  if (formatEntries(next).length > MAX_TAG_VALUE) {
    throw new RevocationListFullError(
      `${next.length} versions await revocation, more than the ${MAX_TAG_VALUE}-character tag ${TAG.pendingRevocation} holds; ` +
        'let the revocation sweep catch up before rotating again',
    );
  }
  return next;
}

/** Drops the entry of `versionId`, if any. */
export function removeEntry(entries: readonly RevocationEntry[], versionId: string): RevocationEntry[] {
  return entries.filter((e) => e.versionId !== versionId);
}

/** What the engine needs from Secrets Manager: the client's `send` (a fake in tests). */
export type SecretsSend = Pick<SecretsManagerClient, 'send'>;

/**
 * Writes `after` to the secret's tag, or removes the tag when empty. No call when nothing changed,
 * so re-running a step is a no-op.
 */
export async function writeEntries(
  secrets: SecretsSend,
  secretId: string,
  before: readonly RevocationEntry[],
  after: readonly RevocationEntry[],
): Promise<void> {
  const value = formatEntries(after);
  if (value === formatEntries(before)) return;
  if (value === '') {
    await secrets.send(new UntagResourceCommand({ SecretId: secretId, TagKeys: [TAG.pendingRevocation] }));
  } else {
    await secrets.send(
      new TagResourceCommand({ SecretId: secretId, Tags: [{ Key: TAG.pendingRevocation, Value: value }] }),
    );
  }
}
