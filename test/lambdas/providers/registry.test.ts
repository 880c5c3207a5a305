import { describe, expect, it } from 'vitest';
import { PROVIDER_NAMES, PROVIDERS } from '../../../lambdas/providers/catalog';
import { ADAPTER_FACTORIES, AdapterNotRegisteredError, adapterFor } from '../../../lambdas/providers/registry';

describe('adapterFor', () => {
  const registered = PROVIDER_NAMES.filter((name) => ADAPTER_FACTORIES[name] !== undefined);

  it('covers every provider of the catalog', () => {
    expect(PROVIDER_NAMES.filter((name) => !registered.includes(name))).toEqual([]);
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
    const unknown = 'nope' as (typeof PROVIDER_NAMES)[number];
    expect(() => adapterFor(unknown)).toThrow(AdapterNotRegisteredError);
    expect(() => adapterFor(unknown)).toThrow('no adapter is registered for provider "nope"');
  });

  it('lets the oauth2 adapter read its client secret from the token admin secret', async () => {
    const read: string[] = [];
    const adapter = adapterFor('oauth2-client-credentials', {
      readAdminSecret: async (name) => {
        read.push(name);
        throw new Error('unreachable in this test');
      },
      http: { retries: 0, timeoutMs: 200 },
    });
    const result = await adapter.verify(
      { v: 1, token: 'canary-token', issuedAt: '2026-01-01T00:00:00Z' },
      {
        env: 'qa',
        name: 'orders-api',
        provider: 'oauth2-client-credentials',
        scopes: [],
        adminSecret: 'tokenwarden/qa/admin/orders',
        settings: {
          tokenUrl: 'http://127.0.0.1:9/token',
          introspectionUrl: 'http://127.0.0.1:9/introspect',
          clientId: 'c',
        },
      },
    );
    expect(read).toEqual(['tokenwarden/qa/admin/orders']);
    expect(result.verdict).toBe('indeterminate');
  });
});
