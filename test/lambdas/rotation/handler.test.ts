import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RevocationSweepError } from '../../../lambdas/rotation/revoke';
import { TAG } from '../../../lambdas/shared/names';
import { inventoryWith } from '../../support/rotation-fixtures';

describe('rotation handler', () => {
  const sm = mockClient(SecretsManagerClient);
  let handler: typeof import('../../../lambdas/rotation/providers/gitlab/handler')['handler'];

  beforeAll(async () => {
    vi.stubEnv('TOKENWARDEN_PROVIDER', 'gitlab');
    vi.stubEnv('TOKENWARDEN_INVENTORY', JSON.stringify(inventoryWith({ provider: 'gitlab', settings: {} })));
    ({ handler } = await import('../../../lambdas/rotation/providers/gitlab/handler'));
  });
  afterEach(() => {
    sm.reset();
  });

  it('runs the revocation sweep for its provider on { tokenwarden: "revoke-due" }', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [] });
    await handler({ tokenwarden: 'revoke-due' });
    expect(sm).toHaveReceivedCommandWith(ListSecretsCommand, {
      Filters: [{ Key: 'tag-key', Values: [TAG.pendingRevocation] }],
    });
  });

  it('fails the sweep invocation when a secret could not be swept', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tokenwarden/qa/api-token-AbCdEf',
          Name: 'tokenwarden/qa/api-token',
          Tags: [
            { Key: TAG.managed, Value: 'true' },
            { Key: TAG.provider, Value: 'gitlab' },
            { Key: TAG.pendingRevocation, Value: 'v1@2020-01-01T00:00:00Z' },
          ],
        },
      ],
    });
    sm.on(DescribeSecretCommand).rejects(new Error('AccessDenied'));
    await expect(handler({ tokenwarden: 'revoke-due' })).rejects.toThrow(RevocationSweepError);
    await expect(handler({ tokenwarden: 'revoke-due' })).rejects.toThrow(/1 secret/);
  });

  it('rethrows a rotation step failure so Secrets Manager sees it', async () => {
    sm.on(DescribeSecretCommand).resolves({
      Name: 'tokenwarden/qa/api-token',
      RotationEnabled: false,
      VersionIdsToStages: {},
      Tags: [{ Key: TAG.token, Value: 'api-token' }],
    });
    await expect(
      handler({ Step: 'createSecret', SecretId: 'tokenwarden/qa/api-token', ClientRequestToken: 'v2' }),
    ).rejects.toThrow(/not enabled for rotation/);
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('logs a failed step by name and message only, never the cause chain or properties that could hold a secret', async () => {
    // GIVEN a step failing with an error whose cause and properties quote a canary value
    const canary = 'CANARY-tw-5e8d2b7c1a9f';
    const failure = Object.assign(new Error('DescribeSecret failed', { cause: new Error(`body: ${canary}`) }), {
      raw: canary,
    });
    sm.on(DescribeSecretCommand).rejects(failure);
    const printed: string[] = [];
    const capture = (...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
    };
    const spies = [
      vi.spyOn(console, 'error').mockImplementation(capture),
      vi.spyOn(console, 'warn').mockImplementation(capture),
      vi.spyOn(console, 'info').mockImplementation(capture),
      vi.spyOn(console, 'log').mockImplementation(capture),
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        printed.push(String(chunk));
        return true;
      }),
    ];
    try {
      // WHEN the handler runs the step
      await expect(
        handler({ Step: 'createSecret', SecretId: 'tokenwarden/qa/api-token', ClientRequestToken: 'v2' }),
      ).rejects.toBe(failure);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // THEN the failure was logged, without the canary
    const all = printed.join('\n');
    expect(all).toContain('rotation step failed');
    expect(all).toContain('DescribeSecret failed');
    expect(all).not.toContain(canary);
  });
});
