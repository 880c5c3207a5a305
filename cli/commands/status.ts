import { HEALTH_STATES, type HealthState, SEVERITY_RANK } from '../../lambdas/health/states';
import { TAG } from '../../lambdas/shared/names';
import type { CliDeps } from '../deps';
import { Output } from '../output';
import { listManagedSecrets, loadEnv, tagsOf } from '../tokens';
import { type DisplayState, daysLeft, formatExpiry, severityOf } from '../verdict';

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
  readonly severity: 'ok' | 'warning' | 'critical';
  readonly since?: string;
  readonly expiresAt?: string;
  readonly daysLeft?: number;
  readonly checkedAt?: string;
  readonly lastRotated?: string;
  readonly nextRotation?: string;
}

const isHealthState = (text: string | undefined): text is HealthState =>
  text !== undefined && (HEALTH_STATES as readonly string[]).includes(text);

/**
 * `tokenwarden status`: one ListSecrets sweep, health read from the tags the probe writes.
 * @returns exit code 0 (status reports, it does not judge)
 */
export async function status(options: StatusOptions, deps: CliDeps): Promise<number> {
  const inventory = loadEnv(options.env, deps);
  const out = new Output(deps, options.json);
  const now = deps.clock();
  const entries = await listManagedSecrets(deps.secrets(inventory), inventory.name);
  const rows: StatusRow[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    const tags = tagsOf(entry);
    const name = tags[TAG.token] ?? entry.Name?.split('/').pop() ?? '?';
    seen.add(name);
    const spec = inventory.tokens.find((t) => t.name === name);
    const stateTag = tags[TAG.status];
    const state: DisplayState = isHealthState(stateTag) ? stateTag : 'unknown';
    const expiresAt = tags[TAG.expiresAt] || undefined;
    rows.push(
      clean({
        token: name,
        provider: tags[TAG.provider] ?? spec?.provider ?? '?',
        owner: tags[TAG.owner] ?? spec?.owner ?? '?',
        state,
        severity: severityOf(state),
        since: tags[TAG.since],
        expiresAt,
        daysLeft: daysLeft(expiresAt, now),
        checkedAt: tags[TAG.checkedAt],
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

const day = (iso: string | undefined): string => (iso ? iso.slice(0, 10) : '-');

/** Drops undefined fields so `--json` has no nulls to guess about. */
function clean<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined)) as T;
}
