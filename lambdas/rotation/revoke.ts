/**
 * Revocation of old tokens after their grace period.
 *
 * Design: a rotation ends with the old token still valid (AWSPREVIOUS), because CI jobs that fetched it a
 * moment ago must be able to finish (inventory `rotation.gracePeriod`, default 1 h). Secrets Manager has
 * no timer for "later", so the list of versions waiting lives on the secret itself, in the tag
 * `tokenwarden:pending-revocation` = `<versionId>@<revokeAfterIso> ...` (pending-revocation.ts):
 * - finishSecret records the version that loses AWSCURRENT, before moving the label;
 * - createSecret records the new version too (an "intent" entry) before asking the provider for a token,
 *   so a token minted by a rotation that is later abandoned is not forgotten;
 * - this sweep revokes due entries. It runs on a schedule (`{ "tokenwarden": "revoke-due" }` sent to each
 *   provider's rotation Lambda every probe interval) and at the start of every createSecret.
 *
 * Rules of the sweep, per entry: a version that is AWSCURRENT or AWSPENDING is never revoked (the entry
 * stays; finishSecret or the next createSecret replaces it); an entry not yet due stays; a due entry whose
 * version holds no value (the rotation died before storing it) is dropped; otherwise the adapter revokes
 * the token (idempotent: already revoked or unknown counts as done) and the entry is dropped. A failure
 * stops that secret's sweep after saving what was done, so the next sweep resumes; nothing is dropped
 * that was not revoked. Saving re-reads the tag and removes only the revoked entries, so an entry a
 * concurrent rotation wrote meanwhile is kept.
 *
 * No entry is ever written for providers whose rotate call revokes the old token itself (GitLab
 * self-rotate).
 */
import {
  type DescribeSecretCommandOutput,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-secrets-manager';
import type { TokenSpec } from '../../lib/inventory/schema';
import type { ProviderName } from '../providers/catalog';
import { TAG } from '../shared/names';
import { parseSecretValue } from '../shared/secret-value';
import { type RotationDeps, tokenContext, tokenSpecFor } from './engine';
import { parseEntries, type RevocationEntry, removeEntry, writeEntries } from './pending-revocation';

/** The sweep event the schedule sends to a rotation Lambda. */
export interface RevokeDueEvent {
  readonly tokenwarden: 'revoke-due';
}

/** Whether a rotation Lambda's event is the scheduled sweep rather than a Secrets Manager step. */
export function isRevokeDueEvent(event: unknown): event is RevokeDueEvent {
  return (
    typeof event === 'object' && event !== null && (event as Record<string, unknown>)['tokenwarden'] === 'revoke-due'
  );
}

/** The sweep could not finish some secrets; thrown by the handler so the invocation counts as failed. */
export class RevocationSweepError extends Error {
  /** The secrets whose sweep stopped, by name. */
  public readonly secrets: readonly string[];

  public constructor(secrets: readonly string[], options?: ErrorOptions) {
    super(`revocation sweep failed for ${secrets.length} secret(s): ${secrets.join(', ')}`, options);
    this.name = 'RevocationSweepError';
    this.secrets = secrets;
  }
}

/** What one sweep did. */
export interface RevokeDueResult {
  /** Secrets that had entries. */
  readonly secrets: number;
  /** Versions revoked (or found already gone) and removed from the tags. */
  readonly revoked: number;
  /** Secrets whose sweep stopped on an error; retried by the next sweep. */
  readonly failed: readonly { readonly secret: string; readonly error: string }[];
}

/**
 * Sweeps every secret of `provider` that has versions awaiting revocation.
 * Never throws for one secret's failure: it is reported in `failed` and the others are still swept.
 */
export async function revokeDue(deps: RotationDeps & { readonly provider: ProviderName }): Promise<RevokeDueResult> {
  let revoked = 0;
  let secrets = 0;
  const failed: { secret: string; error: string }[] = [];
  let nextToken: string | undefined;
  do {
    // ListSecrets filters are prefix matches on tag keys and values separately, not key=value pairs
    // (rotation-facts §4.1): filter on the key, then check managed/provider on the returned tags.
    const page = await deps.secrets.send(
      new ListSecretsCommand({
        Filters: [{ Key: 'tag-key', Values: [TAG.pendingRevocation] }],
        MaxResults: 100,
        NextToken: nextToken,
      }),
    );
    nextToken = page.NextToken;
    for (const entry of page.SecretList ?? []) {
      const tags = new Map((entry.Tags ?? []).map((t) => [t.Key, t.Value]));
      if (tags.get(TAG.managed) !== 'true' || tags.get(TAG.provider) !== deps.provider) continue;
      const secretId = entry.ARN ?? entry.Name;
      if (!secretId) continue;
      secrets++;
      try {
        // ListSecrets can lag five minutes (rotation-facts §4.1): decide on fresh state.
        const describe = await deps.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
        const spec = tokenSpecFor(describe, deps.inventory);
        const before = parseEntries(tagOf(describe));
        const after = await revokeDueForSecret(secretId, describe, spec, deps);
        // Counted by version: `after` may hold entries a concurrent rotation added meanwhile.
        revoked += before.filter((e) => !after.some((a) => a.versionId === e.versionId)).length;
      } catch (error) {
        const message = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
        deps.logger.warn('revocation sweep failed for a secret', { secret: entry.Name, error: message });
        failed.push({ secret: entry.Name ?? secretId, error: message });
      }
    }
  } while (nextToken);
  deps.logger.info('revocation sweep done', { provider: deps.provider, secrets, revoked, failed: failed.length });
  return { secrets, revoked, failed };
}

/**
 * Revokes the due entries of one secret and returns the entries left.
 * @throws whatever the provider or Secrets Manager threw, after saving the entries already handled
 */
export async function revokeDueForSecret(
  secretId: string,
  describe: DescribeSecretCommandOutput,
  spec: TokenSpec,
  deps: RotationDeps,
): Promise<RevocationEntry[]> {
  const original = parseEntries(tagOf(describe));
  let remaining = original;
  const now = deps.clock().getTime();
  const ctx = tokenContext(spec, deps.inventory);
  const log = (message: string, versionId: string, extra: object = {}) =>
    deps.logger.info(message, { token: spec.name, env: deps.inventory.name, step: 'revoke', versionId, ...extra });
  try {
    for (const entry of original) {
      const stages = describe.VersionIdsToStages?.[entry.versionId] ?? [];
      if (stages.includes('AWSCURRENT') || stages.includes('AWSPENDING')) continue;
      if (entry.revokeAfter.getTime() > now) continue;
      let secretString: string | undefined;
      try {
        const out = await deps.secrets.send(
          new GetSecretValueCommand({ SecretId: secretId, VersionId: entry.versionId }),
        );
        secretString = out.SecretString;
      } catch (error) {
        if (!(error instanceof Error && error.name === ResourceNotFoundException.name)) throw error;
      }
      const parsed = parseSecretValue(secretString);
      if (parsed.kind !== 'ok') {
        log('nothing to revoke for version', entry.versionId, { reason: parsed.kind });
      } else {
        const adapter = deps.adapterFor(spec.provider);
        if (!adapter.revoke) {
          log('provider cannot revoke; old token left to expire', entry.versionId);
        } else {
          const admin = spec.adminSecret ? await deps.readAdminSecret(spec.adminSecret) : undefined;
          await adapter.revoke(parsed.value, ctx, admin);
          log('old token revoked', entry.versionId);
        }
      }
      remaining = removeEntry(remaining, entry.versionId);
    }
  } finally {
    remaining = await saveRemovals(secretId, original, remaining, deps);
  }
  return remaining;
}

/**
 * Saves the sweep's removals. Tags have no compare-and-set, and a rotation of the same secret may have
 * recorded an entry (its intent, or the version it replaced) while the provider answered the revoke
 * calls; writing the list read at the start would drop that entry and its token would never be revoked.
 * So the tag is read again and only the revoked versions are taken out. (The window left is the time
 * between this read and the write, not the provider's answer time.)
 */
async function saveRemovals(
  secretId: string,
  original: readonly RevocationEntry[],
  remaining: readonly RevocationEntry[],
  deps: RotationDeps,
): Promise<RevocationEntry[]> {
  const revoked = new Set(original.map((e) => e.versionId).filter((id) => !remaining.some((r) => r.versionId === id)));
  if (revoked.size === 0) return [...remaining];
  const fresh = parseEntries(tagOf(await deps.secrets.send(new DescribeSecretCommand({ SecretId: secretId }))));
  const next = fresh.filter((e) => !revoked.has(e.versionId));
  await writeEntries(deps.secrets, secretId, fresh, next);
  return next;
}

function tagOf(describe: DescribeSecretCommandOutput): string | undefined {
  return describe.Tags?.find((t) => t.Key === TAG.pendingRevocation)?.Value;
}
