import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { type AwsStandIn, type AwsStandInOptions, startAwsStandIn } from '../../../local/aws/server';

/** A stand-in on a free port and the three unmodified SDK clients pointed at it with dummy credentials. */
export interface Harness {
  readonly standIn: AwsStandIn;
  readonly sm: SecretsManagerClient;
  readonly eb: EventBridgeClient;
  readonly sns: SNSClient;
  close(): Promise<void>;
}

export async function startHarness(options: AwsStandInOptions = {}): Promise<Harness> {
  const standIn = await startAwsStandIn({ port: 0, rotationRetryDelayMs: 1, ...options });
  const config = {
    endpoint: standIn.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // One attempt: a retried 500 would hide stand-in bugs.
    maxAttempts: 1,
  };
  const sm = new SecretsManagerClient(config);
  const eb = new EventBridgeClient(config);
  const sns = new SNSClient(config);
  return {
    standIn,
    sm,
    eb,
    sns,
    close: async () => {
      sm.destroy();
      eb.destroy();
      sns.destroy();
      await standIn.close();
    },
  };
}
