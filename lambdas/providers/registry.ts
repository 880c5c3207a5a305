import type { ProviderName } from './catalog';
import type { ProviderAdapter } from './types';

/**
 * STUB for typecheck only: the real registry is written in parallel by the adapters work and replaces
 * this file on merge.
 */
export function adapterFor(name: ProviderName): ProviderAdapter {
  throw new Error(`provider adapter "${name}" is not registered`);
}
