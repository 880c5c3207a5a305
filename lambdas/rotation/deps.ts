import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Inventory } from '../../lib/inventory/schema';
import type { ProviderName } from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import { adminSecretReader } from '../shared/admin-secret';
import type { Log } from '../shared/logger';
import type { RotationDeps } from './engine';

/** Builds the adapter of one provider; gets the admin-secret reader (oauth2 introspection needs it). */
export type RotationAdapterFactory = (
  provider: ProviderName,
  options: { readonly readAdminSecret: (secretName: string) => Promise<string> },
) => ProviderAdapter;

/** What {@link createRotationDeps} wires into the engine's dependencies. */
export interface RotationDepsOptions {
  readonly secrets: Pick<SecretsManagerClient, 'send'>;
  /** The tokens this rotation function serves (one provider's, on AWS). */
  readonly inventory: Inventory;
  readonly logger: Log;
  /**
   * How adapters are made. The Lambda passes its one adapter (its bundle holds no other); the local
   * stand-in passes the provider registry.
   */
  readonly createAdapter: RotationAdapterFactory;
  /** @default () => new Date() */
  readonly clock?: () => Date;
}

/**
 * The rotation engine's dependencies, wired once: adapters built once per provider, admin secrets read
 * through the same Secrets Manager client. The Lambda factory (create-handler.ts) and the local stand-in
 * (local/pipeline.ts) both call this, so they cannot drift.
 */
export function createRotationDeps(options: RotationDepsOptions): RotationDeps {
  const readAdminSecret = adminSecretReader(options.secrets);
  const adapters = new Map<ProviderName, ProviderAdapter>();
  const adapterFor = (name: ProviderName): ProviderAdapter => {
    let adapter = adapters.get(name);
    if (!adapter) {
      adapter = options.createAdapter(name, { readAdminSecret });
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
