import type { TokenSpec } from '../../lib/inventory/schema';
import type { TokenContext } from './types';

/**
 * The adapter's view of an inventory token, built in one place for the rotation engine, the probe and
 * the CLI. Issued tokens live as long as the rotation interval where the provider takes a lifetime.
 */
export function tokenContext(env: string, spec: TokenSpec): TokenContext {
  return {
    env,
    name: spec.name,
    provider: spec.provider,
    scopes: spec.scopes,
    settings: spec.settings,
    ...(spec.adminSecret === undefined ? {} : { adminSecret: spec.adminSecret }),
    ...(spec.rotation === 'manual' ? {} : { lifetimeMs: spec.rotation.every }),
  };
}
