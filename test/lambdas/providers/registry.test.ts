import { describe, expect, it } from 'vitest';
import { PROVIDER_NAMES, PROVIDERS } from '../../../lambdas/providers/catalog';
import { ADAPTER_FACTORIES, AdapterNotRegisteredError, adapterFor } from '../../../lambdas/providers/registry';

describe('adapterFor', () => {
  const registered = PROVIDER_NAMES.filter((name) => ADAPTER_FACTORIES[name] !== undefined);

  it('covers every provider except the two another helper delivers', () => {
    expect(PROVIDER_NAMES.filter((name) => !registered.includes(name)).sort()).toEqual([
      'gitlab',
      'oauth2-client-credentials',
    ]);
  });

  it.each(registered)('returns the %s adapter with the catalog capabilities and matching methods', (name) => {
    const adapter = adapterFor(name);
    expect(adapter.name).toBe(name);
    expect(adapter.capabilities).toEqual(PROVIDERS[name].capabilities);
    expect(typeof adapter.issue === 'function').toBe(adapter.capabilities.includes('issue'));
    expect(typeof adapter.revoke === 'function').toBe(adapter.capabilities.includes('revoke'));
    expect(typeof adapter.mint === 'function').toBe(adapter.capabilities.includes('mintOnRead'));
  });

  it('throws a clear error for a provider without an adapter', () => {
    expect(() => adapterFor('gitlab')).toThrow(AdapterNotRegisteredError);
    expect(() => adapterFor('gitlab')).toThrow('no adapter is registered for provider "gitlab"');
  });
});
