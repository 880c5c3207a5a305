import { tokenContext } from '../providers/context';
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  RotateSecretCommand,
  type SecretListEntry,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import pLimit from 'p-limit';
import type { Inventory, TokenSpec } from '../../lib/inventory/schema';
import { type HealthDetailType, healthEventDetail } from '../health/events';
import { assessHealth, type HealthRecord, type StoredValue } from '../health/model';
import { healthSettingsOf } from '../health/settings';
import { HEALTH_STATES, type HealthState, type Severity } from '../health/states';
import { previousFromTags, stateTagChanges, tagMap } from '../health/tags';
import { canIssue, type ProviderName } from '../providers/catalog';
import type { ProviderAdapter, TokenContext, VerifyResult } from '../providers/types';
import { fingerprint } from '../shared/fingerprint';
import type { Log } from '../shared/logger';
import type { MetricSink } from '../shared/metrics';
import { busNameFor, DETAIL_TYPE, EVENT_SOURCE, fingerprintKeySecretName, secretNameFor, TAG } from '../shared/names';
import { parseSecretValue } from '../shared/secret-value';

const HOUR = 3_600_000;
/** ListSecrets returns at most 100 entries a page (rotation-facts §4.1). */
const LIST_PAGE = 100;
/** BatchGetSecretValue takes at most 20 ids a call (rotation-facts §4.1). */
const BATCH_GET = 20;
/** PutEvents takes at most 10 entries a call (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). */
const PUT_EVENTS = 10;
/** BatchGetSecretValue calls in flight at once. */
const READS_IN_FLIGHT = 4;

/**
 * The metrics the probe emits (the handler backs it with Powertools Metrics, EMF): `Tokens` per `State`,
 * `DaysToExpiry` per `Token`, `ProbeDuration`, `ProviderErrors` per `Provider`, `HealFailures`,
 * `TagWriteFailures`.
 */
export type ProbeMetrics = MetricSink;

/** Everything a probe run talks to, injected by the handler (or a test, or the local stand-in). */
export interface ProbeDeps {
  readonly secrets: SecretsManagerClient;
  readonly events: EventBridgeClient;
  /** The adapter of a provider; may throw for a provider without one (reported as indeterminate). */
  readonly adapterFor: (provider: ProviderName) => ProviderAdapter;
  readonly inventory: Inventory;
  readonly clock: () => Date;
  readonly logger: Log;
  readonly metrics?: ProbeMetrics;
  /** Verify calls in flight at once. @default inventory.probe.concurrency */
  readonly concurrency?: number;
  /** Verify calls in flight at once against one provider (its rate limit). @default 5 */
  readonly perProviderLimit?: number;
  /** A token already known invalid is re-probed at most this often (PROVIDERS.md rule 1). @default 1 hour */
  readonly reprobeInvalidAfter?: number;
  /**
   * No verify call starts after this time (by `clock`); the tokens left are reported indeterminate. The
   * handler sets it from the Lambda's remaining time less a margin for calls in flight and the writes
   * that follow, so a slow provider makes some tokens indeterminate instead of timing out the whole run
   * (which would send no event and write no tag for any token). @default no deadline
   */
  readonly verifyDeadline?: Date;
}

/** What one probe run covers. */
export interface ProbeOptions {
  /**
   * Probe only these secrets (by name, `tokenwarden/<env>/<token>`), e.g. the one whose AWSCURRENT just
   * moved. The environment is still listed once (metadata only), so duplicates are found through the other
   * tokens' stored fingerprint tags; only these secrets are read and verified, and the run-level metrics
   * (`Tokens` per state, `ProbeDuration`) are left to full runs so a one-token run does not skew them.
   * @default - every managed token of the environment
   */
  readonly only?: readonly string[];
}

/** One token's outcome in a probe run. */
export interface TokenReport {
  readonly token: string;
  readonly provider: ProviderName;
  readonly owner: string;
  readonly state: HealthState;
  readonly severity: Severity;
  readonly reasons: readonly string[];
  readonly expiresAt?: string;
  readonly daysLeft?: number;
  /** Undefined when the inventory declares the token but no secret exists. */
  readonly secretArn?: string;
  readonly changed: boolean;
  readonly healing: boolean;
  /** The provider was asked this run (false: no usable value, or backing off a known-invalid token). */
  readonly verified: boolean;
  readonly event?: 'changed' | 'reminder';
}

/** What one probe run found and did; the handler returns a summary of it. */
export interface ProbeReport {
  readonly env: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly tokens: TokenReport[];
  /** Managed secrets of this environment with no inventory entry. */
  readonly orphans: string[];
  readonly eventsSent: number;
  readonly eventsFailed: number;
  /** Duplicate detection ran (the fingerprint key could be read). */
  readonly fingerprinted: boolean;
}

interface Found {
  readonly token: TokenSpec;
  readonly entry: SecretListEntry;
  readonly arn: string;
  readonly tags: Map<string, string>;
}

/** A token after its value was read and its provider asked; assessed once every token is there. */
interface Checked {
  readonly f: Found;
  readonly value: StoredValue;
  readonly previous: ReturnType<typeof previousFromTags>;
  readonly verify: VerifyResult | undefined;
  readonly verified: boolean;
  readonly fingerprint?: string;
}

const NO_ANSWER: StoredValue = { kind: 'unreadable', reason: 'no answer for this secret' };
const OUT_OF_TIME: VerifyResult = {
  verdict: 'indeterminate',
  reason: 'not verified: the probe run ran out of time (a provider answered slowly)',
};

interface Assessed extends Found {
  readonly record: HealthRecord;
  readonly verified: boolean;
  readonly fingerprint?: string;
  healing: boolean;
  event?: 'changed' | 'reminder';
}

/**
 * One probe run over every managed token of the inventory's environment: ListSecrets (tag filter,
 * paginated) → BatchGetSecretValue 20 at a time → verify (bounded concurrency, per-provider limit,
 * backoff on known-invalid tokens) → health model → self-healing RotateSecret → PutEvents (≤10 a call)
 * → state tags, written only when they change. Never logs, tags or emits a token value.
 *
 * Throws only when the secrets cannot be listed at all; per-token failures end up in the report.
 */
export async function runProbe(deps: ProbeDeps, options: ProbeOptions = {}): Promise<ProbeReport> {
  const { inventory, logger } = deps;
  const only = options.only ? new Set(options.only) : undefined;
  const inScope = (secretName: string | undefined): boolean =>
    only === undefined || (secretName !== undefined && only.has(secretName));
  const env = inventory.name;
  const startedAt = deps.clock();
  const limit = pLimit(deps.concurrency ?? inventory.probe.concurrency);
  const providerLimits = new Map<ProviderName, ReturnType<typeof pLimit>>();
  const providerLimit = (p: ProviderName): ReturnType<typeof pLimit> => {
    let l = providerLimits.get(p);
    if (!l) {
      l = pLimit(deps.perProviderLimit ?? 5);
      providerLimits.set(p, l);
    }
    return l;
  };

  // Pipelined: each ListSecrets page starts the reads of its values (20 a call), and each token is
  // verified as soon as its value is back, so listing, reading and verifying overlap. Run one after
  // the other, listing and reading took 16 s of a 37 s run at 10,000 tokens, before the first verify
  // (bench/, verify at 100 ms and concurrency 50: 20 s of verify time).
  const fingerprintKeyRead = readFingerprintKey(deps.secrets, env, logger);
  const reprobeAfter = deps.reprobeInvalidAfter ?? HOUR;
  const deadline = deps.verifyDeadline?.getTime();
  const pastDeadline = (): boolean => deadline !== undefined && deps.clock().getTime() >= deadline;
  const check = async (f: Found, valueRead: Promise<StoredValue>): Promise<Checked> => {
    const value = await valueRead;
    const key = await fingerprintKeyRead;
    // Keyed fingerprint of the current value; plaintexts are never compared.
    const fp = key !== undefined && value.kind === 'ok' ? fingerprint(value.value.token, key) : undefined;
    const previous = previousFromTags(f.tags);
    const checkedAt = f.tags.get(TAG.checkedAt);
    let verify: VerifyResult | undefined;
    let verified = false;
    if (value.kind === 'ok') {
      // A new value (rotation, `tokenwarden put`) ends the backoff: the keyed fingerprint the last
      // run stored differs from this value's. Without a fingerprint key, the time rule alone applies.
      const storedFp = f.tags.get(TAG.fingerprint);
      const valueChanged = storedFp !== undefined && fp !== undefined && storedFp !== fp;
      const backOff =
        previous?.state === 'invalid' &&
        !valueChanged &&
        checkedAt !== undefined &&
        startedAt.getTime() - Date.parse(checkedAt) < reprobeAfter;
      if (backOff) {
        // PROVIDERS.md rule 1: repeated bad credentials can lock out a user's live tokens too.
        verify = { verdict: 'invalid', reason: `rejected by the provider (last checked ${checkedAt})` };
      } else {
        const answer = await providerLimit(f.token.provider)(() =>
          limit(() => (pastDeadline() ? undefined : verifyOne(deps, env, f.token, value.value))),
        );
        verify = answer ?? OUT_OF_TIME;
        verified = answer !== undefined;
      }
    }
    if (verify?.verdict === 'indeterminate') {
      deps.metrics?.addMetric('ProviderErrors', 'Count', 1, { Provider: f.token.provider });
    }
    return { f, value, previous, verify, verified, ...(fp !== undefined ? { fingerprint: fp } : {}) };
  };

  const byName = new Map(inventory.tokens.map((t) => [t.name, t]));
  const found: Found[] = [];
  const orphans: string[] = [];
  const checks: Promise<Checked>[] = [];
  const readLimit = pLimit(READS_IN_FLIGHT);
  await listManagedSecrets(deps.secrets, env, (entries) => {
    const page: Found[] = [];
    for (const entry of entries) {
      const tags = tagMap(entry.Tags);
      const name = tags.get(TAG.token) ?? entry.Name?.slice(`tokenwarden/${env}/`.length) ?? '';
      const token = byName.get(name);
      if (!token || !entry.ARN) {
        if (inScope(entry.Name)) orphans.push(entry.Name ?? name);
        continue;
      }
      page.push({ token, entry, arn: entry.ARN, tags });
    }
    found.push(...page);
    const targets = page.filter((f) => inScope(f.entry.Name));
    const reads = readValues(
      deps.secrets,
      targets.map((f) => f.arn),
      logger,
      readLimit,
    );
    for (const f of targets) checks.push(check(f, reads.get(f.arn) ?? Promise.resolve(NO_ANSWER)));
  });
  const foundNames = new Set(found.map((f) => f.token.name));
  const checked = await Promise.all(checks);
  const fingerprintKey = await fingerprintKeyRead;

  // Duplicate detection across all managed secrets of the environment, by keyed fingerprint.
  const fingerprints = new Map<string, string>();
  const holders = new Map<string, string[]>();
  const checkedFps = new Map(checked.map((c) => [c.f.arn, c.fingerprint]));
  for (const f of found) {
    // Secrets outside a targeted run are not read: their fingerprint tag from the last run stands in.
    const fp = inScope(f.entry.Name) ? checkedFps.get(f.arn) : f.tags.get(TAG.fingerprint);
    if (fp === undefined) continue;
    fingerprints.set(f.arn, fp);
    holders.set(fp, [...(holders.get(fp) ?? []), f.token.name]);
  }

  // The same thresholds as the CLI's `check` and `preflight`, from one place.
  const settings = healthSettingsOf(inventory);

  const assessed = checked.map(({ f, value, previous, verify, verified }): Assessed => {
    const fp = fingerprints.get(f.arn);
    const others = fp === undefined ? [] : (holders.get(fp) ?? []).filter((n) => n !== f.token.name).sort();
    const record = assessHealth({
      token: f.token,
      settings,
      secret: {
        arn: f.arn,
        ...(f.entry.RotationEnabled !== undefined ? { rotationEnabled: f.entry.RotationEnabled } : {}),
        ...(f.entry.NextRotationDate ? { nextRotationDate: f.entry.NextRotationDate } : {}),
        ...(f.entry.LastChangedDate ? { lastChangedDate: f.entry.LastChangedDate } : {}),
        ...(f.entry.SecretVersionsToStages ? { versionIdsToStages: f.entry.SecretVersionsToStages } : {}),
      },
      value,
      verify,
      previous,
      ...(others[0] !== undefined ? { duplicateOf: others[0] } : {}),
      now: startedAt,
    });
    return { ...f, record, verified, ...(fp !== undefined ? { fingerprint: fp } : {}), healing: false };
  });

  // Self-healing: rotate now. The model already leaves alone a rotation in progress (AWSPENDING on a
  // version other than AWSCURRENT). Only after a real verify: a token in its invalid backoff was healed
  // when it was last probed, and is retried at the same (hourly) pace.
  await Promise.all(
    assessed
      .filter((a) => a.record.shouldHeal && a.verified)
      .map((a) =>
        limit(async () => {
          try {
            await deps.secrets.send(new RotateSecretCommand({ SecretId: a.arn }));
            a.healing = true;
            logger.info('rotation started to heal token', { token: a.token.name, env, state: a.record.state });
          } catch (error) {
            logger.warn('could not start healing rotation', { token: a.token.name, env, errorName: errorName(error) });
            deps.metrics?.addMetric('HealFailures', 'Count', 1);
          }
        }),
      ),
  );

  // Events: one per change, one reminder per still-critical token per day.
  const entries: { a: Assessed; entry: PutEventsRequestEntry }[] = [];
  for (const a of assessed) {
    const previous = previousFromTags(a.tags);
    const firstSightOk = previous === undefined && a.record.severity === 'ok';
    let detailType: HealthDetailType | undefined;
    if (a.record.changed && !firstSightOk) detailType = DETAIL_TYPE.healthChanged;
    else if (a.record.shouldRemind) detailType = DETAIL_TYPE.reminder;
    if (!detailType) continue;
    a.event = detailType === DETAIL_TYPE.reminder ? 'reminder' : 'changed';
    const detail = healthEventDetail({
      env,
      token: a.token,
      record: a.record,
      previous,
      secretArn: a.arn,
      healing: a.healing,
      manual: isManual(a.token),
      checkedAt: startedAt,
    });
    entries.push({
      a,
      entry: {
        Source: EVENT_SOURCE,
        DetailType: detailType,
        Detail: JSON.stringify(detail),
        EventBusName: busNameFor(env),
        Resources: [a.arn],
        Time: startedAt,
      },
    });
    logger.info('token health event', {
      token: a.token.name,
      env,
      kind: a.event,
      previous: previous?.state,
      current: a.record.state,
      severity: a.record.severity,
    });
  }
  const failedEvents = await putEvents(deps.events, entries, logger);

  // State tags, only on change; a token whose event was not delivered keeps its old tags so the next
  // run emits it again.
  await Promise.all(
    assessed
      .filter((a) => !failedEvents.has(a))
      .map((a) =>
        limit(async () => {
          const alertedCritical = a.record.severity === 'critical' && (a.event !== undefined || a.record.changed);
          const changes = stateTagChanges(a.tags, a.record, {
            now: startedAt,
            ...(a.fingerprint !== undefined ? { fingerprint: a.fingerprint } : {}),
            ...(alertedCritical ? { remindedAt: startedAt.toISOString() } : {}),
            refreshCheckedAt: a.verified && a.record.state === 'invalid',
          });
          try {
            const set = Object.entries(changes.set);
            if (set.length > 0) {
              await deps.secrets.send(
                new TagResourceCommand({ SecretId: a.arn, Tags: set.map(([Key, Value]) => ({ Key, Value })) }),
              );
            }
            if (changes.remove.length > 0) {
              await deps.secrets.send(new UntagResourceCommand({ SecretId: a.arn, TagKeys: changes.remove }));
            }
          } catch (error) {
            logger.warn('could not write state tags', { token: a.token.name, env, errorName: errorName(error) });
            deps.metrics?.addMetric('TagWriteFailures', 'Count', 1);
          }
        }),
      ),
  );

  const tokens: TokenReport[] = assessed.map((a) => ({
    token: a.token.name,
    provider: a.token.provider,
    owner: a.token.owner,
    state: a.record.state,
    severity: a.record.severity,
    reasons: a.record.reasons,
    ...(a.record.expiresAt !== undefined ? { expiresAt: a.record.expiresAt, daysLeft: a.record.daysLeft } : {}),
    secretArn: a.arn,
    changed: a.record.changed,
    healing: a.healing,
    verified: a.verified,
    ...(a.event ? { event: a.event } : {}),
  }));
  // Declared but not deployed: reported, nothing to tag, no event (it would repeat every run).
  for (const token of inventory.tokens) {
    if (foundNames.has(token.name) || !inScope(secretNameFor(env, token.name))) continue;
    tokens.push({
      token: token.name,
      provider: token.provider,
      owner: token.owner,
      state: 'missing',
      severity: 'critical',
      reasons: ['no secret exists for this token (deploy the stack)'],
      changed: false,
      healing: false,
      verified: false,
    });
  }

  const durationMs = deps.clock().getTime() - startedAt.getTime();
  if (only === undefined) emitRunMetrics(deps.metrics, tokens, durationMs);
  const report: ProbeReport = {
    env,
    startedAt: startedAt.toISOString(),
    durationMs,
    tokens,
    orphans,
    eventsSent: entries.length - failedEvents.size,
    eventsFailed: failedEvents.size,
    fingerprinted: fingerprintKey !== undefined,
  };
  logger.info('probe run finished', {
    env,
    tokens: tokens.length,
    changed: tokens.filter((t) => t.changed).length,
    eventsSent: report.eventsSent,
    eventsFailed: report.eventsFailed,
    orphans: orphans.length,
    durationMs,
  });
  return report;
}

/**
 * Every secret tagged as managed in `env`, ≤100 a page, handed to `onPage` page by page. Filters are
 * prefix matches, so tags are re-checked exactly.
 */
async function listManagedSecrets(
  client: SecretsManagerClient,
  env: string,
  onPage: (entries: SecretListEntry[]) => void,
): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListSecretsCommand({
        MaxResults: LIST_PAGE,
        Filters: [
          { Key: 'name', Values: [`tokenwarden/${env}/`] },
          { Key: 'tag-key', Values: [TAG.managed] },
          { Key: 'tag-value', Values: [env] },
        ],
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    onPage(
      (page.SecretList ?? []).filter((entry) => {
        const tags = tagMap(entry.Tags);
        return tags.get(TAG.managed) === 'true' && tags.get(TAG.env) === env;
      }),
    );
    nextToken = page.NextToken;
  } while (nextToken);
}

/**
 * Reads the current values, 20 ids a call (`limit` bounds the calls in flight), and answers each secret's
 * value as soon as its batch is back. Per-secret errors (AccessDenied, DecryptionFailure, ...) and a failed
 * call make those tokens `unreadable` (indeterminate), with the error code as the reason. The promises
 * never reject.
 */
function readValues(
  client: SecretsManagerClient,
  arns: string[],
  logger: Log,
  limit: ReturnType<typeof pLimit>,
): Map<string, Promise<StoredValue>> {
  const reads = new Map<string, Promise<StoredValue>>();
  for (let i = 0; i < arns.length; i += BATCH_GET) {
    const ids = arns.slice(i, i + BATCH_GET);
    const batch = limit(() => readBatch(client, ids, logger));
    for (const id of ids) {
      reads.set(
        id,
        batch.then((values) => values.get(id) ?? NO_ANSWER),
      );
    }
  }
  return reads;
}

async function readBatch(client: SecretsManagerClient, ids: string[], logger: Log): Promise<Map<string, StoredValue>> {
  const values = new Map<string, StoredValue>();
  try {
    const out = await client.send(new BatchGetSecretValueCommand({ SecretIdList: ids }));
    for (const v of out.SecretValues ?? []) {
      if (v.ARN) values.set(v.ARN, parseSecretValue(v.SecretString));
    }
    for (const e of out.Errors ?? []) {
      if (!e.SecretId) continue;
      const arn = ids.find((id) => id === e.SecretId) ?? e.SecretId;
      values.set(arn, {
        kind: 'unreadable',
        reason: `cannot read the secret: ${e.ErrorCode ?? 'unknown error'}`,
      });
    }
  } catch (error) {
    logger.warn('BatchGetSecretValue failed', { secrets: ids.length, errorName: errorName(error) });
    for (const id of ids) {
      values.set(id, { kind: 'unreadable', reason: `cannot read the secret: ${errorName(error)}` });
    }
  }
  return values;
}

/** The environment's fingerprint key: the one single GetSecretValue of a run. Without it, no duplicate detection. */
async function readFingerprintKey(client: SecretsManagerClient, env: string, logger: Log): Promise<string | undefined> {
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: fingerprintKeySecretName(env) }));
    if (out.SecretString) return out.SecretString;
    logger.warn('fingerprint key secret is empty; duplicate detection skipped', { env });
  } catch (error) {
    logger.warn('cannot read the fingerprint key; duplicate detection skipped', { env, errorName: errorName(error) });
  }
  return undefined;
}

async function verifyOne(
  deps: ProbeDeps,
  env: string,
  token: TokenSpec,
  value: Parameters<ProviderAdapter['verify']>[0],
): Promise<VerifyResult> {
  const ctx: TokenContext = tokenContext(env, token);
  try {
    return await deps.adapterFor(token.provider).verify(value, ctx);
  } catch (error) {
    // Adapters map provider answers themselves; a throw is a bug or an outage, never "invalid".
    deps.logger.warn('verify threw', { token: token.name, env, provider: token.provider, errorName: errorName(error) });
    return { verdict: 'indeterminate', reason: `verify failed (${errorName(error)})` };
  }
}

/** Sends the entries ≤10 a call; returns the tokens whose event was not accepted. */
async function putEvents(
  client: EventBridgeClient,
  entries: { a: Assessed; entry: PutEventsRequestEntry }[],
  logger: Log,
): Promise<Set<Assessed>> {
  const failed = new Set<Assessed>();
  for (let i = 0; i < entries.length; i += PUT_EVENTS) {
    const chunk = entries.slice(i, i + PUT_EVENTS);
    try {
      const out = await client.send(new PutEventsCommand({ Entries: chunk.map((c) => c.entry) }));
      // Entries come back in request order; a failed one has an ErrorCode and no EventId
      // (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html). When the
      // answer reports failures it cannot attribute, every entry without an EventId counts as failed:
      // a failed entry keeps its token's old tags, so the next run sends it again.
      const someFailed = (out.FailedEntryCount ?? 0) > 0;
      chunk.forEach((sent, j) => {
        const result = out.Entries?.[j];
        if (result?.ErrorCode || (someFailed && !result?.EventId)) failed.add(sent.a);
      });
      if (someFailed)
        logger.warn('PutEvents rejected entries', { entries: chunk.length, failed: out.FailedEntryCount });
    } catch (error) {
      logger.warn('PutEvents failed', { entries: chunk.length, errorName: errorName(error) });
      for (const c of chunk) failed.add(c.a);
    }
  }
  return failed;
}

function emitRunMetrics(metrics: ProbeMetrics | undefined, tokens: TokenReport[], durationMs: number): void {
  if (!metrics) return;
  for (const state of HEALTH_STATES) {
    metrics.addMetric('Tokens', 'Count', tokens.filter((t) => t.state === state).length, { State: state });
  }
  for (const t of tokens) {
    if (t.daysLeft !== undefined) metrics.addMetric('DaysToExpiry', 'None', t.daysLeft, { Token: t.token });
  }
  metrics.addMetric('ProbeDuration', 'Milliseconds', durationMs);
}

function isManual(token: TokenSpec): boolean {
  return token.rotation === 'manual' || !canIssue(token.provider);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}
