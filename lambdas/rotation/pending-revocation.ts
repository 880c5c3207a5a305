import { type SecretsManagerClient, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { TAG } from '../shared/names';

/**
 * The `tokenwarden:pending-revocation` tag value: a space-separated list of `<id>@<time>` entries
 * (lambdas/shared/names.ts). Secrets Manager tag values are at most 256 characters
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html), so entries are
 * compact: a version id that is a lowercase UUID (what Secrets Manager and the SDKs generate) is written as
 * its 16 bytes in base64url (22 characters), and the time as epoch seconds in base 36 (6 characters until
 * 2038). An entry is then 29 characters and eight fit, so eight rotations can overlap one grace period.
 * Any other version id is written as is (a ClientRequestToken has 32 to 64 characters, so a 22-character
 * id is always the UUID encoding). The older format (`<uuid>@2026-11-23T09:00:00Z`, four entries) is
 * still read, so tags written before this change keep working; the next write re-encodes them.
 * All characters used are allowed in tag values (letters, digits, space and `+ - = . _ : / @`).
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ENCODED_UUID = /^[A-Za-z0-9_-]{22}$/;
const BASE36_SECONDS = /^[0-9a-z]{1,10}$/;

/** A lowercase UUID as base64url of its 16 bytes; any other id as is. */
export function encodeVersionId(versionId: string): string {
  return UUID.test(versionId) ? Buffer.from(versionId.replaceAll('-', ''), 'hex').toString('base64url') : versionId;
}

/** The inverse of {@link encodeVersionId}. */
export function decodeVersionId(id: string): string {
  if (!ENCODED_UUID.test(id)) return id;
  const hex = Buffer.from(id, 'base64url').toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Epoch seconds in base 36, or (older tags) an ISO 8601 time, which always holds a `-`. */
function parseTime(text: string): Date {
  if (BASE36_SECONDS.test(text)) return new Date(Number.parseInt(text, 36) * 1000);
  return new Date(text);
}

/** Parses the tag value; malformed entries are dropped (they cannot name a version we could revoke). */
export function parseEntries(value: string | undefined): RevocationEntry[] {
  if (!value) return [];
  const entries: RevocationEntry[] = [];
  for (const part of value.split(' ')) {
    const at = part.lastIndexOf('@');
    if (at <= 0) continue;
    const revokeAfter = parseTime(part.slice(at + 1));
    if (Number.isNaN(revokeAfter.getTime())) continue;
    entries.push({ versionId: decodeVersionId(part.slice(0, at)), revokeAfter });
  }
  return entries;
}

/**
 * Formats entries for the tag value, in a stable order (by time, then version id). Times are written to
 * the second, rounded up, so a stored time is never before the one asked for.
 */
export function formatEntries(entries: readonly RevocationEntry[]): string {
  return [...entries]
    .sort((a, b) => a.revokeAfter.getTime() - b.revokeAfter.getTime() || a.versionId.localeCompare(b.versionId))
    .map((e) => `${encodeVersionId(e.versionId)}@${Math.ceil(e.revokeAfter.getTime() / 1000).toString(36)}`)
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
