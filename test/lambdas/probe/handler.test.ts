import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { secretNameFor, TAG, tokenTags } from '../../../lambdas/shared/names';
import { gitlabToken, inventoryOf, tokenValue } from './fakes';

vi.mock('../../../lambdas/providers/registry', () => ({
  adapterFor: (name: string) => ({
    name,
    capabilities: ['verify'],
    verify: async () => ({ verdict: 'invalid', reason: 'the provider answered 401' }),
  }),
}));

describe('probe handler', () => {
  const sm = mockClient(SecretsManagerClient);
  const eb = mockClient(EventBridgeClient);
  afterAll(() => {
    sm.restore();
    eb.restore();
  });

  it('wires the shared clients, the inventory from the environment and the registry into runProbe', async () => {
    // Prepare
    const token = gitlabToken('gitlab-ci');
    process.env.TOKENWARDEN_INVENTORY = JSON.stringify(inventoryOf([token]));
    const arn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${secretNameFor('qa', 'gitlab-ci')}-AbCdEf`;
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN: arn,
          Name: secretNameFor('qa', 'gitlab-ci'),
          Tags: Object.entries(tokenTags('qa', token)).map(([Key, Value]) => ({ Key, Value })),
          SecretVersionsToStages: { v1: ['AWSCURRENT'] },
        },
      ],
    });
    sm.on(BatchGetSecretValueCommand).resolves({ SecretValues: [{ ARN: arn, SecretString: tokenValue('CANARY-h') }] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'key' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });

    // Act
    const { handler } = await import('../../../lambdas/probe/handler');
    const result = await handler();

    // Assess
    expect(result).toMatchObject({ env: 'qa', eventsSent: 1, eventsFailed: 0 });
    expect(eb).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [expect.objectContaining({ EventBusName: 'tokenwarden-qa', DetailType: 'Token Health Changed' })],
    });
    expect(sm).toHaveReceivedCommandWith(TagResourceCommand, {
      SecretId: arn,
      Tags: expect.arrayContaining([{ Key: TAG.status, Value: 'invalid' }]),
    });
  });

  it('probes only the secret a "Secret Label Updated" event names', async () => {
    // GIVEN the deployed token of the inventory (read once per container by the first test)
    sm.reset();
    eb.reset();
    const token = gitlabToken('gitlab-ci');
    const arn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${secretNameFor('qa', 'gitlab-ci')}-AbCdEf`;
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN: arn,
          Name: secretNameFor('qa', 'gitlab-ci'),
          Tags: Object.entries(tokenTags('qa', token)).map(([Key, Value]) => ({ Key, Value })),
          SecretVersionsToStages: { v1: ['AWSCURRENT'] },
        },
      ],
    });
    sm.on(BatchGetSecretValueCommand).resolves({ SecretValues: [{ ARN: arn, SecretString: tokenValue('CANARY-b') }] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'key' });
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const { handler } = await import('../../../lambdas/probe/handler');
    const labelMoved = (name: string) => ({
      'detail-type': 'Secret Label Updated' as const,
      detail: { name, labelUpdated: 'AWSCURRENT' },
    });

    // WHEN AWSCURRENT moved on another secret of the environment, THEN gitlab-ci is not read
    await handler(labelMoved(secretNameFor('qa', 'other')));
    expect(sm).toHaveReceivedCommandTimes(BatchGetSecretValueCommand, 0);

    // WHEN AWSCURRENT moved on gitlab-ci, THEN exactly its value is read
    await handler(labelMoved(secretNameFor('qa', 'gitlab-ci')));
    expect(sm).toHaveReceivedCommandTimes(BatchGetSecretValueCommand, 1);
    expect(sm).toHaveReceivedCommandWith(BatchGetSecretValueCommand, { SecretIdList: [arn] });
  });

  it('probes everything for a scheduled invocation or a label event of another environment', async () => {
    const { secretOf } = await import('../../../lambdas/probe/handler');
    expect(secretOf({ tokenwarden: 'probe' })).toBeUndefined();
    expect(secretOf(undefined)).toBeUndefined();
    expect(
      secretOf({
        'detail-type': 'Secret Label Updated',
        detail: { name: 'tokenwarden/prod/x', labelUpdated: 'AWSCURRENT' },
      }),
    ).toBeUndefined();
  });
});
