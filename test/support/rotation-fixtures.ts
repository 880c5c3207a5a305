import type { Inventory, TokenSpec } from '../../lib/inventory/schema';
import type { ProviderAdapter } from '../../lambdas/providers/types';
import type { RotationDeps } from '../../lambdas/rotation/engine';
import { secretNameFor, tokenTags } from '../../lambdas/shared/names';
import type { Log } from '../../lambdas/shared/logger';
import { serializeSecretValue } from '../../lambdas/shared/secret-value';
import type { SecretsManagerFake } from './secrets-manager-fake';

export const ENV = 'qa';
export const HOUR = 3_600_000;

/** A one-token inventory for the engine tests. */
export function inventoryWith(token: Partial<TokenSpec> & Pick<TokenSpec, 'provider'>): Inventory {
  const spec = {
    name: 'api-token',
    owner: '@qa-platform',
    scopes: [],
    rotation: { every: 24 * HOUR, gracePeriod: HOUR },
    settings: {},
    ...token,
  } as TokenSpec;
  return {
    name: ENV,
    account: '123456789012',
    region: 'eu-west-1',
    probe: { every: 900_000, indeterminateAlertAfter: 3, concurrency: 50 },
    expiry: { warnBefore: 14 * 86_400_000, criticalBefore: 3 * 86_400_000 },
    alerts: { emails: [] },
    ci: [],
    tokens: [spec],
  } as Inventory;
}

/** A logger that keeps every line, so tests can assert no token value was logged. */
export function recordingLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const push =
    (level: string) =>
    (message: string, ...extra: object[]) =>
      lines.push(
        `${level} ${message} ${JSON.stringify(extra, (_k, v) => (v instanceof Error ? `${v.name}: ${v.message}` : v))}`,
      );
  return { lines, debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

/** Creates the token's secret in the fake with `token` as its current value. */
export function seedSecret(sm: SecretsManagerFake, inventory: Inventory, token: string): string {
  const spec = inventory.tokens[0] as TokenSpec;
  return sm.create(
    secretNameFor(inventory.name, spec.name),
    serializeSecretValue({ v: 1, token, issuedAt: new Date(0).toISOString() }),
    tokenTags(inventory.name, spec),
  );
}

export function depsFor(options: {
  sm: SecretsManagerFake;
  inventory: Inventory;
  adapter: ProviderAdapter;
  clock: () => number;
  logger?: Log;
  adminSecret?: string;
}): RotationDeps {
  return {
    secrets: options.sm.client,
    adapterFor: () => options.adapter,
    inventory: options.inventory,
    readAdminSecret: async () => options.adminSecret ?? 'admin-secret-canary',
    logger: options.logger ?? recordingLog(),
    clock: () => new Date(options.clock()),
    sleep: async () => {},
    testRetry: { attempts: 3, baseDelayMs: 1 },
  };
}
