import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Inventory } from '../../lib/inventory/schema';
import type { ProviderName } from '../providers/catalog';
import { adapterFor as registryAdapterFor } from '../providers/registry';
import type { ProviderAdapter } from '../providers/types';
import { adminSecretReader } from '../shared/admin-secret';
import type { Log } from '../shared/logger';
import type { RotationDeps } from './engine';

export interface RotationDepsOptions {
  readonly secrets: SecretsManagerClient;
  /** The tokens this rotation function serves (one provider's, on AWS). */
  readonly inventory: Inventory;
  readonly logger: Log;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/**
 * The rotation engine's dependencies, wired the way the rotation Lambda wires them: adapters from the
 * provider registry (built once per provider), admin secrets read through the same Secrets Manager
 * client. The Lambda handler and the local stand-in both call this, so they cannot drift.
 */
export function createRotationDeps(options: RotationDepsOptions): RotationDeps {
  const readAdminSecret = adminSecretReader(options.secrets);
  const adapters = new Map<ProviderName, ProviderAdapter>();
  const adapterFor = (name: ProviderName): ProviderAdapter => {
    let adapter = adapters.get(name);
    if (!adapter) {
      adapter = registryAdapterFor(name, { readAdminSecret });
      adapters.set(name, adapter);
    }
    return adapter;
  };
  return {
    secrets: options.secrets,
    adapterFor,
    inventory: options.inventory,
    readAdminSecret,
    logger: options.logger,
    clock: options.clock ?? (() => new Date()),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
