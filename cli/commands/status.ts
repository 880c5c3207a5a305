import { type HealthState, SEVERITY_RANK, type Severity } from '../../lambdas/health/states';
import { previousFromTags, tagMap } from '../../lambdas/health/tags';
import { TAG } from '../../lambdas/shared/names';
import type { CliDeps } from '../deps';
import { Output } from '../output';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseSecretValue } from '../../lambdas/shared/secret-value';
import { type BatchRead, batchRead, listManagedSecrets, loadEnv } from '../tokens';
import { daysLeft, formatExpiry } from '../verdict';

/** A health state, or a token with no secret deployed, or one the probe has not judged yet. */
export type DisplayState = HealthState | 'not deployed' | 'unknown';

export interface StatusOptions {
  readonly env?: string;
  readonly json: boolean;
}

/** One row of `status`, also its `--json` shape. */
export interface StatusRow {
  readonly token: string;
  readonly provider: string;
  readonly owner: string;
  readonly state: DisplayState;
  readonly severity: Severity;
  readonly since?: string;
  readonly expiresAt?: string;
  readonly daysLeft?: number;
  readonly checkedAt?: string;
  readonly lastRotated?: string;
  readonly nextRotation?: string;
}

/**
 * `tokenwarden status`: one ListSecrets sweep, health read from the tags the probe writes (parsed by
 * the probe's own lambdas/health/tags.ts, so the tag format lives in one place). State and severity are
 * the probe's; a token the probe has not judged yet is `unknown` (warning), one with no secret
 * `not deployed` (critical). Secrets the probe has not judged yet are read once to tell a never-seeded
 * placeholder (`missing`, critical) from a value awaiting its first probe (`unknown`); values are only
 * parsed, never printed.
 * @returns exit code 0 (status reports, it does not judge)
 */
export async function status(options: StatusOptions, deps: CliDeps): Promise<number> {
  const inventory = loadEnv(options.env, deps);
  const out = new Output(deps, options.json);
  const now = deps.clock();
  const client = deps.secrets(inventory);
  const entries = await listManagedSecrets(client, inventory.name);
  const unjudged = await neverSeeded(
    client,
    entries.filter((e) => previousFromTags(tagMap(e.Tags)) === undefined).flatMap((e) => (e.Name ? [e.Name] : [])),
  );
  const rows: StatusRow[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const tags = tagMap(entry.Tags);
    const previous = previousFromTags(tags);
    const placeholder = previous === undefined && entry.Name !== undefined && unjudged.has(entry.Name);
    const name = tags.get(TAG.token) ?? entry.Name?.split('/').pop() ?? '?';
    seen.add(name);
    const spec = inventory.tokens.find((t) => t.name === name);
    const expiresAt = tags.get(TAG.expiresAt) || undefined;
    rows.push(
      clean({
        token: name,
        provider: tags.get(TAG.provider) ?? spec?.provider ?? '?',
        owner: tags.get(TAG.owner) ?? spec?.owner ?? '?',
        state: previous?.state ?? (placeholder ? 'missing' : 'unknown'),
        severity: previous?.severity ?? (placeholder ? 'critical' : 'warning'),
        since: previous?.since,
        expiresAt,
        daysLeft: daysLeft(expiresAt, now),
        checkedAt: tags.get(TAG.checkedAt),
        lastRotated: entry.LastRotatedDate?.toISOString(),
        nextRotation: entry.NextRotationDate?.toISOString(),
      }),
    );
  }
  for (const spec of inventory.tokens) {
    if (!seen.has(spec.name)) {
      rows.push({
        token: spec.name,
        provider: spec.provider,
        owner: spec.owner,
        state: 'not deployed',
        severity: 'critical',
      });
    }
  }
  rows.sort(
    (a, b) =>
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      (a.daysLeft ?? Number.POSITIVE_INFINITY) - (b.daysLeft ?? Number.POSITIVE_INFINITY) ||
      a.token.localeCompare(b.token),
  );
  if (out.json) {
    out.writeJson({ env: inventory.name, tokens: rows });
    return 0;
  }
  out.table(
    ['token', 'state', 'provider', 'owner', 'expires', 'last rotated', 'next rotation', 'checked'],
    rows.map((r) => [
      r.token,
      out.severity(r.severity, r.state),
      r.provider,
      r.owner,
      formatExpiry(r.expiresAt, now),
      day(r.lastRotated),
      day(r.nextRotation),
      r.checkedAt ?? '-',
    ]),
  );
  return 0;
}

/** Names among `names` whose value is still the stack's placeholder; empty when reading is not allowed. */
async function neverSeeded(client: SecretsManagerClient, names: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (names.length === 0) return found;
  let reads: Map<string, BatchRead>;
  try {
    reads = await batchRead(client, names);
  } catch {
    // status needs only ListSecrets; a role that may not read values still gets the table.
    return found;
  }
  for (const [name, read] of reads) {
    if (read.kind === 'value' && parseSecretValue(read.secretString).kind === 'missing') found.add(name);
  }
  return found;
}

const day = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : '-');

/** Drops undefined fields so `--json` has no nulls to guess about. */
function clean<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as T;
}
