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
});
