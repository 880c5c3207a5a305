import type { ProviderName } from './catalog';
import type { ProviderAdapter } from './types';

/**
 * STUB so the CLI typechecks: the real registry is written in another branch and replaces this file
 * on merge. Returns the adapter of a provider.
 * @throws Error always, until the real registry lands
 */
export function adapterFor(name: ProviderName): ProviderAdapter {
  throw new Error(`provider adapter "${name}" is not registered (registry stub)`);
}
