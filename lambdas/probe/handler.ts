import type { Context } from 'aws-lambda';
import { eventBridge, secretsManager } from '../shared/clients';
import { inventoryFromEnv } from '../shared/config';
import { log, logger } from '../shared/logger';
import { metrics, powertoolsSink } from '../shared/metrics';
import type { ProviderName } from '../providers/catalog';
import { adapterFor } from '../providers/registry';
import type { ProviderAdapter } from '../providers/types';
import { adminSecretReader } from '../shared/admin-secret';
import { type ProbeReport, runProbe } from './probe';

/** Time kept free after the last verify starts (see the handler). */
const VERIFY_MARGIN_MS = 60_000;

// Read once per container (STYLE.md §5): the inventory is inlined at synth time.
const inventory = inventoryFromEnv();
logger.appendKeys({ env: inventory.name });
const adapters = new Map<ProviderName, ProviderAdapter>();
const readAdminSecret = adminSecretReader(secretsManager);
function adapterOf(provider: ProviderName): ProviderAdapter {
  let adapter = adapters.get(provider);
  if (!adapter) {
    adapter = adapterFor(provider, { readAdminSecret });
    adapters.set(provider, adapter);
  }
  return adapter;
}

/** The "AWSCURRENT moved" event (rule CurrentLabelMoved, rotation-facts §3.3); only the fields read here. */
export interface SecretLabelUpdatedEvent {
  readonly 'detail-type': 'Secret Label Updated';
  readonly detail: { readonly name?: string; readonly labelUpdated?: string };
}

/** What invokes the probe: the schedule (`{ "tokenwarden": "probe" }`, or anything else) or a label move. */
export type ProbeEvent = SecretLabelUpdatedEvent | Readonly<Record<string, unknown>> | undefined;

/** The one secret a "Secret Label Updated" event names, or undefined (probe everything). */
export function secretOf(event: ProbeEvent): string | undefined {
  if (event?.['detail-type'] !== 'Secret Label Updated') return undefined;
  const name = (event as SecretLabelUpdatedEvent).detail?.name;
  // Only this environment's tokens (the rule matches the same prefix): anything else means probe everything.
  return typeof name === 'string' && name.startsWith(`tokenwarden/${inventory.name}/`) ? name : undefined;
}

/**
 * Scheduled probe (EventBridge Scheduler): every run scans the whole environment. Also the target of
 * the "AWSCURRENT moved" rule: that event names one secret, and only that token is read and verified.
 */
export const handler = async (
  event?: ProbeEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<Pick<ProbeReport, 'env' | 'durationMs' | 'eventsSent' | 'eventsFailed'>> => {
  const secret = secretOf(event);
  // Room after the last verify starts: calls in flight (a provider call is bounded at about 35 s,
  // lambdas/shared/http.ts), then PutEvents and the tag writes.
  const remaining = context?.getRemainingTimeInMillis();
  const verifyDeadline =
    remaining === undefined ? undefined : new Date(Date.now() + Math.max(0, remaining - VERIFY_MARGIN_MS));
  try {
    const report = await runProbe(
      {
        secrets: secretsManager,
        events: eventBridge,
        adapterFor: adapterOf,
        inventory,
        clock: () => new Date(),
        logger: log,
        metrics: powertoolsSink(metrics),
        ...(verifyDeadline ? { verifyDeadline } : {}),
      },
      secret === undefined ? {} : { only: [secret] },
    );
    return {
      env: report.env,
      durationMs: report.durationMs,
      eventsSent: report.eventsSent,
      eventsFailed: report.eventsFailed,
    };
  } finally {
    metrics.publishStoredMetrics();
  }
};
