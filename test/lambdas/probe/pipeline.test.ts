import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  BatchGetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../../../lambdas/probe/probe';
import { secretNameFor, tokenTags } from '../../../lambdas/shared/names';
import { FakeAdapter, gitlabToken, inventoryOf, tokenValue } from './fakes';

describe('runProbe pipelining', () => {
  it('verifies the tokens of the first ListSecrets page before it asks for the next page', async () => {
    // GIVEN two pages of secrets, and a second page that is only answered once a verify has started
    // (or after a fallback, so a sequential probe fails the assertion instead of hanging)
    const tokens = Array.from({ length: 101 }, (_, i) => gitlabToken(`t${i}`));
    const inventory = inventoryOf(tokens);
    const entry = (i: number) => ({
      ARN: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${secretNameFor('qa', `t${i}`)}-abcdef`,
      Name: secretNameFor('qa', `t${i}`),
      Tags: Object.entries(tokenTags('qa', tokens[i]!)).map(([Key, Value]) => ({ Key, Value })),
    });
    const adapter = new FakeAdapter('gitlab');
    let firstVerify: () => void = () => {};
    const verifying = new Promise<void>((resolve) => {
      firstVerify = resolve;
    });
    const verify = adapter.verify.bind(adapter);
    adapter.verify = async (value) => {
      firstVerify();
      return verify(value);
    };
    let verifiedBeforeSecondPage: boolean | undefined;
    const secrets = {
      send: async (command: unknown) => {
        if (command instanceof ListSecretsCommand) {
          if (!command.input.NextToken) {
            return { SecretList: Array.from({ length: 100 }, (_, i) => entry(i)), NextToken: 'page-2' };
          }
          const fallback = new Promise<void>((resolve) => setTimeout(resolve, 2000));
          await Promise.race([verifying, fallback]);
          verifiedBeforeSecondPage = adapter.calls > 0;
          return { SecretList: [entry(100)] };
        }
        if (command instanceof BatchGetSecretValueCommand) {
          return {
            SecretValues: (command.input.SecretIdList ?? []).map((arn) => ({
              ARN: arn,
              SecretString: tokenValue(`value-of-${arn}`),
            })),
          };
        }
        // The fingerprint key is absent; tag writes succeed.
        if (command && (command as { constructor: { name: string } }).constructor.name === 'GetSecretValueCommand') {
          throw new ResourceNotFoundException({ $metadata: {}, message: 'not found' });
        }
        return {};
      },
    } as unknown as SecretsManagerClient;
    const events = { send: async () => ({ Entries: [] }) } as unknown as EventBridgeClient;

    // WHEN
    const report = await runProbe({
      secrets,
      events,
      adapterFor: () => adapter,
      inventory,
      clock: () => new Date('2026-11-23T08:00:00Z'),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });

    // THEN
    expect(verifiedBeforeSecondPage).toBe(true);
    expect(adapter.calls).toBe(101);
    expect(report.tokens.filter((t) => t.state === 'ok')).toHaveLength(101);
  });
});
