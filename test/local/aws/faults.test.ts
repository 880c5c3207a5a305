import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSServiceException } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRequest, InjectedFault } from '../../../local/aws';
import { type Harness, startHarness } from './helpers';

describe('stand-in fault hook', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers the injected error in the JSON 1.1 wire format, and the operation has no effect', async () => {
    // GIVEN
    const seen: FaultRequest[] = [];
    let fault: InjectedFault | undefined = { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' };
    h = await startHarness({
      faults: (request) => {
        seen.push(request);
        return request.operation === 'CreateSecret' ? fault : undefined;
      },
    });
    // WHEN
    const error = await h.sm.send(new CreateSecretCommand({ Name: 'a', SecretString: 'x' })).catch((e: unknown) => e);
    // THEN
    expect(error).toBeInstanceOf(SecretsManagerServiceException);
    expect((error as SecretsManagerServiceException).name).toBe('ThrottlingException');
    expect((error as SecretsManagerServiceException).$metadata.httpStatusCode).toBe(400);
    expect(h.standIn.secrets.snapshot()).toHaveLength(0);
    expect(seen).toContainEqual({ service: 'secretsmanager', operation: 'CreateSecret', resource: 'a' });

    fault = undefined;
    await h.sm.send(new CreateSecretCommand({ Name: 'a', SecretString: 'x' }));
    expect((await h.sm.send(new GetSecretValueCommand({ SecretId: 'a' }))).SecretString).toBe('x');
  });

  it('injects 5xx into EventBridge and SNS calls as well', async () => {
    // GIVEN
    h = await startHarness({
      faults: ({ service }) =>
        service === 'events'
          ? { code: 'InternalException', status: 500 }
          : service === 'sns'
            ? { code: 'InternalError', status: 500 }
            : undefined,
    });
    // WHEN
    const events = await h.eb
      .send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }))
      .catch((e: unknown) => e);
    const sns = await h.sns
      .send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:000000000000:t', Message: 'm' }))
      .catch((e: unknown) => e);
    // THEN
    expect((events as Error).name).toBe('InternalException');
    expect(sns).toBeInstanceOf(SNSServiceException);
    expect((sns as SNSServiceException).$metadata.httpStatusCode).toBe(500);
    expect(h.standIn.events.deadLetters).toHaveLength(0);
  });
});
