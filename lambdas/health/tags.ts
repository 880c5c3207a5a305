import { TAG } from '../shared/names';
import type { HealthRecord, PreviousHealth } from './model';
import { HEALTH_STATES, type HealthState, type Severity } from './states';

/** Tags as ListSecrets returns them. */
export type TagList = readonly { readonly Key?: string; readonly Value?: string }[] | undefined;

/** The tags as a map (last one wins, as Secrets Manager keeps keys unique anyway). */
export function tagMap(tags: TagList): Map<string, string> {
  const map = new Map<string, string>();
  for (const tag of tags ?? []) if (tag.Key !== undefined) map.set(tag.Key, tag.Value ?? '');
  return map;
}

/** Reads the state the previous probe run left on the secret; undefined when it never ran (or a tag is unreadable). */
export function previousFromTags(tags: ReadonlyMap<string, string>): PreviousHealth | undefined {
  const state = tags.get(TAG.status);
  const since = tags.get(TAG.since);
  if (state === undefined || since === undefined || !(HEALTH_STATES as readonly string[]).includes(state)) {
    return undefined;
  }
  const severityTag = tags.get(TAG.severity);
  const severity: Severity =
    severityTag === 'critical' || severityTag === 'warning' || severityTag === 'ok' ? severityTag : 'ok';
  const runs = Number.parseInt(tags.get(TAG.indeterminateRuns) ?? '0', 10);
  const remindedAt = tags.get(TAG.remindedAt);
  return {
    state: state as HealthState,
    severity,
    since,
    indeterminateRuns: Number.isFinite(runs) && runs > 0 ? runs : 0,
    ...(remindedAt ? { remindedAt } : {}),
  };
}

/** Tags to set and tag keys to remove so the secret reflects `record`; both empty when nothing changed. */
export interface TagChanges {
  readonly set: Record<string, string>;
  readonly remove: string[];
}

/**
 * The state tags a record calls for, diffed against the current tags, so the probe writes only on change.
 *
 * `checked-at` is written with every state change, and also whenever `refreshCheckedAt` is set (the
 * probe does it when it re-probes a token it backs off from, at most hourly). It is not refreshed on
 * every run: that would be a write per token per run, and would keep moving the secret's LastChangedDate
 * that the rotation-stuck check reads. The time of the last run is in the probe's metrics and events.
 */
export function stateTagChanges(
  current: ReadonlyMap<string, string>,
  record: HealthRecord,
  opts: { now: Date; fingerprint?: string; remindedAt?: string; refreshCheckedAt?: boolean },
): TagChanges {
  const wanted: Record<string, string | undefined> = {
    [TAG.status]: record.state,
    [TAG.severity]: record.severity,
    [TAG.since]: record.since,
    [TAG.expiresAt]: record.expiresAt,
    [TAG.indeterminateRuns]: String(record.indeterminateRuns),
    // Only a still-critical token carries a reminder mark; an alert to critical counts as the first notice.
    [TAG.remindedAt]: record.severity === 'critical' ? (opts.remindedAt ?? current.get(TAG.remindedAt)) : undefined,
  };
  if (opts.fingerprint !== undefined) wanted[TAG.fingerprint] = opts.fingerprint;
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const [key, value] of Object.entries(wanted)) {
    if (value === undefined) {
      if (current.has(key)) remove.push(key);
    } else if (current.get(key) !== value) {
      set[key] = value;
    }
  }
  if (opts.refreshCheckedAt || Object.keys(set).length > 0 || remove.length > 0) {
    set[TAG.checkedAt] = opts.now.toISOString();
  }
  return { set, remove };
}
