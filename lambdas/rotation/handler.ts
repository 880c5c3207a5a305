import type { ProviderName } from '../providers/catalog';
import { secretsManager } from '../shared/clients';
import { inventoryForProvider, inventoryFromEnv } from '../shared/config';
import { getRequiredEnv } from '../shared/errors';
import { log, logger } from '../shared/logger';
import { createRotationDeps } from './deps';
import { type RotationEvent, rotate } from './engine';
import { isRevokeDueEvent, type RevokeDueEvent, revokeDue } from './revoke';

/**
 * One rotation Lambda per provider (TOKENWARDEN_PROVIDER). Built once per container (STYLE.md rec. 4/5);
 * it answers Secrets Manager's rotation steps (engine.ts) and the scheduled sweep (revoke.ts).
 */
const provider = getRequiredEnv('TOKENWARDEN_PROVIDER') as ProviderName;
const inventory = inventoryForProvider(inventoryFromEnv(), provider);
const deps = createRotationDeps({ secrets: secretsManager, inventory, logger: log });

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
