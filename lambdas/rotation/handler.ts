import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { ProviderName } from '../providers/catalog';
import type { ProviderAdapter } from '../providers/types';
import { secretsManager } from '../shared/clients';
import { inventoryForProvider, inventoryFromEnv } from '../shared/config';
import { getRequiredEnv } from '../shared/errors';
import { type Log, logger } from '../shared/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { createGitlabAdapter } from '../providers/gitlab';
import { createOAuth2Adapter } from '../providers/oauth2-client-credentials';
import { type RotationDeps, type RotationEvent, rotate } from './engine';
import { isRevokeDueEvent, type RevokeDueEvent, revokeDue } from './revoke';

/**
 * One rotation Lambda per provider (TOKENWARDEN_PROVIDER). Built once per container (STYLE.md rec. 4/5);
 * it answers Secrets Manager's rotation steps (engine.ts) and the scheduled sweep (revoke.ts).
 */
const provider = getRequiredEnv('TOKENWARDEN_PROVIDER') as ProviderName;
const inventory = inventoryForProvider(inventoryFromEnv(), provider);

// TODO(coordinator): replace with the provider registry (lambdas/providers/registry.ts) once merged.
const factories: Partial<Record<ProviderName, () => ProviderAdapter>> = {
  gitlab: () => createGitlabAdapter(),
  // verify (introspection) authenticates as the client: its secret is the token's admin secret.
  'oauth2-client-credentials': () =>
    createOAuth2Adapter({
      readClientSecret: async (ctx) => {
        const adminSecret = inventory.tokens.find((t) => t.name === ctx.name)?.adminSecret;
        if (!adminSecret) throw new Error(`token ${ctx.name} has no adminSecret holding its client secret`);
        return readAdminSecret(adminSecret);
      },
    }),
};
const adapters = new Map<ProviderName, ProviderAdapter>();
function adapterFor(name: ProviderName): ProviderAdapter {
  let adapter = adapters.get(name);
  if (!adapter) {
    const factory = factories[name];
    if (!factory) throw new Error(`no rotation adapter registered for provider ${name}`);
    adapter = factory();
    adapters.set(name, adapter);
  }
  return adapter;
}

// Powertools' Logger takes LogAttributes; the engine's narrow Log takes plain objects.
const log: Log = {
  debug: (message, ...extra) => logger.debug(message, ...(extra as LogAttributes[])),
  info: (message, ...extra) => logger.info(message, ...(extra as LogAttributes[])),
  warn: (message, ...extra) => logger.warn(message, ...(extra as LogAttributes[])),
  error: (message, ...extra) => logger.error(message, ...(extra as LogAttributes[])),
};

async function readAdminSecret(secretName: string): Promise<string> {
  const out = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretName }));
  if (out.SecretString === undefined) throw new Error(`admin secret ${secretName} has no string value`);
  return out.SecretString;
}

const deps: RotationDeps = {
  secrets: secretsManager,
  adapterFor,
  inventory,
  readAdminSecret,
  logger: log,
  clock: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Entry point: a Secrets Manager rotation step, or the scheduled sweep `{ "tokenwarden": "revoke-due" }`. */
export const handler = async (event: RotationEvent | RevokeDueEvent): Promise<void> => {
  if (isRevokeDueEvent(event)) {
    const result = await revokeDue({ ...deps, provider });
    if (result.failed.length > 0) {
      throw new Error(
        `revocation sweep failed for ${result.failed.length} secret(s): ${result.failed.map((f) => f.secret).join(', ')}`,
      );
    }
    return;
  }
  logger.appendKeys({ step: event.Step, versionId: event.ClientRequestToken });
  try {
    await rotate(event, deps);
  } catch (error) {
    logger.error('rotation step failed', error as Error);
    throw error;
  } finally {
    logger.removeKeys(['step', 'versionId']);
  }
};
