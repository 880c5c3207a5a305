import type { Inventory } from '../../lib/inventory/schema';
import type { HealthSettings } from './model';

/**
 * The model's thresholds from an environment's inventory (`expiry` and `probe`). The CLI uses it so that
 * `check`, `preflight` and the probe judge a token alike.
 */
export function healthSettingsOf(inventory: Inventory): HealthSettings {
  return {
    warnBefore: inventory.expiry.warnBefore,
    criticalBefore: inventory.expiry.criticalBefore,
    ...(inventory.expiry.healBefore !== undefined ? { healBefore: inventory.expiry.healBefore } : {}),
    indeterminateAlertAfter: inventory.probe.indeterminateAlertAfter,
  };
}
