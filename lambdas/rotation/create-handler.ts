import type { ProviderName } from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import { secretsManager } from '../shared/clients';
import { inventoryForProvider, inventoryFromEnv } from '../shared/config';
import { getRequiredEnv, loggableError } from '../shared/errors';
import { log, logger } from '../shared/logger';
import { createRotationDeps } from './deps';
import { type RotationEvent, rotate } from './engine';
import { isRevokeDueEvent, RevocationSweepError, type RevokeDueEvent, revokeDue } from './revoke';

/** What a provider entry hands the factory: how to build its one adapter. */
export type RotationAdapterFactory = (options: {
  /** Reads an admin secret's value by name (the oauth2 adapter's introspection authenticates as the client). */
  readonly readAdminSecret: (secretName: string) => Promise<string>;
}) => ProviderAdapter;

/** The rotation Lambda's entry point: a Secrets Manager rotation step or the sweep `{ "tokenwarden": "revoke-due" }`. */
export type RotationHandler = (event: RotationEvent | RevokeDueEvent) => Promise<void>;

/** Another provider was asked of this function: attached to the wrong secret, or TOKENWARDEN_PROVIDER mismatched. */
export class ForeignProviderError extends Error {
  public readonly provider: string;

  public constructor(provider: string, own: string) {
    super(`this rotation function serves provider ${own}, not ${provider}`);
    this.name = 'ForeignProviderError';
    this.provider = provider;
  }
}

/**
 * Builds the handler of one provider's rotation Lambda (TOKENWARDEN_PROVIDER). Each provider has its own
 * entry, `lambdas/rotation/providers/<provider>/handler.ts`, that imports only its adapter and calls this,
 * so a rotation bundle holds one adapter and nothing else (lib/constructs/rotation-functions.ts).
 * Called at module scope: clients, configuration and the adapter are built once per container (STYLE.md rec. 4/5).
 */
export function createRotationHandler(provider: ProviderName, createAdapter: RotationAdapterFactory): RotationHandler {
  // The stack sets TOKENWARDEN_PROVIDER next to the entry it bundles; a mismatch is a wiring mistake,
  // caught at cold start before any secret is touched.
  const configured = getRequiredEnv('TOKENWARDEN_PROVIDER');
  if (configured !== provider) throw new ForeignProviderError(configured, provider);
  const inventory = inventoryForProvider(inventoryFromEnv(), provider);
  logger.appendKeys({ env: inventory.name, provider });
  const deps = createRotationDeps({
    secrets: secretsManager,
    inventory,
    logger: log,
    createAdapter: (name, options) => {
      if (name !== provider) throw new ForeignProviderError(name, provider);
      return createAdapter(options);
    },
  });

  // Built at cold start, once per container, so a broken adapter fails before any secret is touched.
  deps.adapterFor(provider);

  return async (event) => {
    if (isRevokeDueEvent(event)) {
      const result = await revokeDue({ ...deps, provider });
      if (result.failed.length > 0) throw new RevocationSweepError(result.failed.map((f) => f.secret));
      return;
    }
    logger.appendKeys({ step: event.Step, versionId: event.ClientRequestToken });
    try {
      await rotate(event, deps);
    } catch (error) {
      // Name and message only: the error object's cause chain could quote a provider's answer.
      logger.error('rotation step failed', { error: loggableError(error) });
      throw error;
    } finally {
      logger.removeKeys(['step', 'versionId']);
    }
  };
}
