import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRotationHandler, ForeignProviderError } from '../../../lambdas/rotation/create-handler';
import { inventoryWith } from '../../support/rotation-fixtures';

describe('createRotationHandler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('refuses to start when TOKENWARDEN_PROVIDER names another provider than the bundled entry', () => {
    // GIVEN a gitlab entry deployed with the datadog provider's configuration
    vi.stubEnv('TOKENWARDEN_PROVIDER', 'datadog');
    vi.stubEnv('TOKENWARDEN_INVENTORY', JSON.stringify(inventoryWith({ provider: 'gitlab', settings: {} })));
    const createAdapter = vi.fn();
    // WHEN / THEN it throws at cold start, before building an adapter
    expect(() => createRotationHandler('gitlab', createAdapter)).toThrow(ForeignProviderError);
    expect(createAdapter).not.toHaveBeenCalled();
  });

  it('builds its one adapter once, with an admin secret reader', () => {
    vi.stubEnv('TOKENWARDEN_PROVIDER', 'gitlab');
    vi.stubEnv('TOKENWARDEN_INVENTORY', JSON.stringify(inventoryWith({ provider: 'gitlab', settings: {} })));
    const createAdapter = vi.fn(() => ({ capabilities: ['verify'] }) as never);
    createRotationHandler('gitlab', createAdapter);
    expect(createAdapter).toHaveBeenCalledTimes(1);
    expect(createAdapter).toHaveBeenCalledWith({ readAdminSecret: expect.any(Function) });
  });
});
