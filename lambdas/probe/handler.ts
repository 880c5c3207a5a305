import { eventBridge, secretsManager } from '../shared/clients';
import { inventoryFromEnv } from '../shared/config';
import { log, logger } from '../shared/logger';
import { metrics, powertoolsSink } from '../shared/metrics';
import type { ProviderName } from '../providers/catalog';
import { adapterFor } from '../providers/registry';
import type { ProviderAdapter } from '../providers/types';
import { adminSecretReader } from '../shared/admin-secret';
import { type ProbeReport, runProbe } from './probe';

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

/**
 * Scheduled probe (EventBridge Scheduler), also invoked by the "AWSCURRENT moved" rule. The event
 * carries nothing the probe needs: every run scans the whole environment.
 */
export const handler = async (): Promise<Pick<ProbeReport, 'env' | 'durationMs' | 'eventsSent' | 'eventsFailed'>> => {
  try {
    const report = await runProbe({
      secrets: secretsManager,
      events: eventBridge,
      adapterFor: adapterOf,
      inventory,
      clock: () => new Date(),
      logger: log,
      metrics: powertoolsSink(metrics),
    });
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
