import {
  CancelRotateSecretCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  type SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { currentLabelMovedPattern, rotationFailurePattern } from '../../../lambdas/shared/event-patterns';
import type { DeliveredEvent } from '../../../local/aws/event-router';
import type { RotationEvent, RotationInvoker } from '../../../local/aws/secrets-store';
import { type Harness, startHarness } from './helpers';

const LAMBDA = 'arn:aws:lambda:eu-west-1:000000000000:function:tokenwarden-rotate-gitlab';
const NOW = new Date('2026-11-23T08:00:00Z');

/**
 * A rotation function in the shape of the official template: createSecret stores AWSPENDING under the
 * token, finishSecret moves AWSCURRENT with RemoveFromVersionId. `failOn` makes one step throw.
 */
function templateFunction(sm: SecretsManagerClient, calls: RotationEvent[], failOn?: RotationEvent['Step']) {
  const invoker: RotationInvoker = async (event) => {
    calls.push(event);
    if (event.Step === failOn) throw new Error(`boom in ${event.Step}`);
    if (event.Step === 'createSecret') {
      await sm.send(
        new PutSecretValueCommand({
          SecretId: event.SecretId,
          ClientRequestToken: event.ClientRequestToken,
          SecretString: 'rotated-value',
          VersionStages: ['AWSPENDING'],
        }),
      );
    }
    if (event.Step === 'finishSecret') {
      const d = await sm.send(new DescribeSecretCommand({ SecretId: event.SecretId }));
      const current = Object.entries(d.VersionIdsToStages ?? {}).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
      if (current === event.ClientRequestToken) return;
      await sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: event.SecretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: event.ClientRequestToken,
          RemoveFromVersionId: current,
        }),
      );
    }
  };
  return invoker;
}

describe('local AWS stand-in: RotateSecret', () => {
  let h: Harness;
  let calls: RotationEvent[];
  let invoker: RotationInvoker | undefined;
  let serviceEvents: DeliveredEvent[];
  let labelEvents: DeliveredEvent[];

  beforeEach(async () => {
    calls = [];
    invoker = undefined;
    h = await startHarness({
      clock: () => NOW,
      rotationRetries: 2,
      rotationFunctions: (arn) => (arn === LAMBDA ? (event) => invoker!(event) : undefined),
    });
    serviceEvents = [];
    labelEvents = [];
    h.standIn.events.addRule({
      name: 'service-events',
      pattern: { source: ['aws.secretsmanager'], 'detail-type': ['AWS Service Event via CloudTrail'] },
      target: async (e) => {
        serviceEvents.push(e);
      },
    });
    h.standIn.events.addRule({
      name: 'label-events',
      pattern: { source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'] },
      target: async (e) => {
        labelEvents.push(e);
      },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  async function seed(name: string) {
    return h.sm.send(new CreateSecretCommand({ Name: name, SecretString: 'seed-value' }));
  }

  const names = (events: DeliveredEvent[]) => events.map((e) => e.detail.eventName);

  it('pre-creates the AWSPENDING version, returns at once, then invokes the four steps in order', async () => {
    const { ARN } = await seed('rot/ok');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const template = templateFunction(h.sm, calls);
    // Hold the function back so the state between RotateSecret and createSecret can be observed.
    invoker = async (event) => {
      await gate;
      await template(event);
    };
    const token = 'e'.repeat(36);
    const response = await h.sm.send(
      new RotateSecretCommand({
        SecretId: 'rot/ok',
        RotationLambdaARN: LAMBDA,
        RotationRules: { AutomaticallyAfterDays: 30 },
        ClientRequestToken: token,
      }),
    );
    expect(response).toMatchObject({ ARN, Name: 'rot/ok', VersionId: token });
    const during = await h.sm.send(new DescribeSecretCommand({ SecretId: 'rot/ok' }));
    expect(during.VersionIdsToStages?.[token]).toEqual(['AWSPENDING']);
    expect(during.RotationEnabled).toBe(true);
    // The pre-created version has no value yet: the templates' createSecret check relies on this.
    const empty = await h.sm
      .send(new GetSecretValueCommand({ SecretId: 'rot/ok', VersionId: token, VersionStage: 'AWSPENDING' }))
      .catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(ResourceNotFoundException);
    expect((empty as Error).message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );

    release();
    await h.standIn.waitForRotations();

    expect(calls.map((c) => c.Step)).toEqual(['createSecret', 'setSecret', 'testSecret', 'finishSecret']);
    for (const call of calls) {
      expect(call).toMatchObject({ SecretId: ARN, ClientRequestToken: token });
      expect(call.RotationToken).toBe(calls[0]!.RotationToken);
    }
    const after = await h.sm.send(new DescribeSecretCommand({ SecretId: 'rot/ok' }));
    // The backend removes AWSPENDING once AWSCURRENT moved (rotation-facts §1.5).
    expect(after.VersionIdsToStages?.[token]).toEqual(['AWSCURRENT']);
    expect(after.LastRotatedDate).toEqual(NOW);
    expect(after.NextRotationDate).toEqual(new Date(NOW.getTime() + 30 * 86_400_000));
    expect((await h.sm.send(new GetSecretValueCommand({ SecretId: 'rot/ok' }))).SecretString).toBe('rotated-value');
    expect(names(serviceEvents)).toEqual(['RotationStarted', 'RotationSucceeded']);
  });

  it('emits Secret Label Updated when AWSCURRENT moves, not for AWSPENDING or AWSPREVIOUS', async () => {
    const { ARN } = await seed('rot/label');
    invoker = templateFunction(h.sm, calls);
    const { VersionId } = await h.sm.send(
      new RotateSecretCommand({ SecretId: 'rot/label', RotationLambdaARN: LAMBDA }),
    );
    await h.standIn.waitForRotations();
    const moved = labelEvents.filter((e) => e.detail.versionId === VersionId);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({
      source: 'aws.secretsmanager',
      'detail-type': 'Secret Label Updated',
      resources: [ARN],
      detail: { name: 'rot/label', labelUpdated: 'AWSCURRENT', versionId: VersionId },
    });
    expect(labelEvents.map((e) => e.detail.labelUpdated)).not.toContain('AWSPENDING');
    expect(labelEvents.map((e) => e.detail.labelUpdated)).not.toContain('AWSPREVIOUS');
  });

  it('refuses a new rotation while AWSPENDING sits on another version', async () => {
    await seed('rot/stuck');
    await h.sm.send(
      new PutSecretValueCommand({ SecretId: 'rot/stuck', SecretString: 'p', VersionStages: ['AWSPENDING'] }),
    );
    invoker = templateFunction(h.sm, calls);
    const error = await h.sm
      .send(new RotateSecretCommand({ SecretId: 'rot/stuck', RotationLambdaARN: LAMBDA }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestException);
    expect((error as Error).message).toBe("A previous rotation isn't complete. That rotation will be reattempted.");
    expect(calls).toEqual([]);
  });

  it('retries the whole rotation with the same token, then emits RotationFailed naming the step', async () => {
    const { ARN } = await seed('rot/fail');
    invoker = templateFunction(h.sm, calls, 'setSecret');
    const { VersionId } = await h.sm.send(new RotateSecretCommand({ SecretId: 'rot/fail', RotationLambdaARN: LAMBDA }));
    await h.standIn.waitForRotations();
    // 1 attempt + 2 retries, each createSecret then the failing setSecret.
    expect(calls.map((c) => c.Step)).toEqual([
      'createSecret',
      'setSecret',
      'createSecret',
      'setSecret',
      'createSecret',
      'setSecret',
    ]);
    expect(new Set(calls.map((c) => c.ClientRequestToken))).toEqual(new Set([VersionId]));
    expect(names(serviceEvents)).toEqual(['RotationStarted', 'RotationFailed']);
    const failed = serviceEvents[1]!;
    expect(failed.detail).toMatchObject({
      eventSource: 'secretsmanager.amazonaws.com',
      eventName: 'RotationFailed',
      eventType: 'AwsServiceEvent',
      errorMessage: `Error when executing lambda ${LAMBDA} during setSecret step`,
      additionalEventData: { SecretId: ARN },
    });
    expect(String(failed.detail.requestID)).toMatch(new RegExp(`^Rotation-${ARN}-[0-9a-f-]{36}$`));
    expect(JSON.stringify(failed)).not.toContain('boom');
    // AWSPENDING stays on the failed version, so the next RotateSecret reports the rotation incomplete.
    await expect(
      h.sm.send(new RotateSecretCommand({ SecretId: 'rot/fail', RotationLambdaARN: LAMBDA })),
    ).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it("delivers its events to the stack's own rules (lambdas/shared/event-patterns.ts)", async () => {
    const scope = { env: 'qa', account: '000000000000', region: 'eu-west-1' };
    const failures: DeliveredEvent[] = [];
    const moves: DeliveredEvent[] = [];
    h.standIn.events.addRule({
      name: 'rotation-failures',
      pattern: rotationFailurePattern(scope),
      target: async (e) => {
        failures.push(e);
      },
    });
    h.standIn.events.addRule({
      name: 'current-moved',
      pattern: currentLabelMovedPattern(scope),
      target: async (e) => {
        moves.push(e);
      },
    });
    await seed('tokenwarden/qa/gitlab');
    await seed('tokenwarden/prod/gitlab');
    invoker = templateFunction(h.sm, calls, 'testSecret');
    await h.sm.send(new RotateSecretCommand({ SecretId: 'tokenwarden/qa/gitlab', RotationLambdaARN: LAMBDA }));
    await h.sm.send(new RotateSecretCommand({ SecretId: 'tokenwarden/prod/gitlab', RotationLambdaARN: LAMBDA }));
    await h.standIn.waitForRotations();
    expect(failures.map((e) => [e.detail.eventName, e.detail.errorMessage])).toEqual([
      ['RotationFailed', `Error when executing lambda ${LAMBDA} during testSecret step`],
    ]);
    expect(moves.map((e) => e.detail.name)).toEqual(['tokenwarden/qa/gitlab']);
  });

  it('abandons a running rotation when PutSecretValue moves AWSCURRENT', async () => {
    await seed('rot/abandon');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let created = false;
    const template = templateFunction(h.sm, calls);
    invoker = async (event) => {
      await template(event);
      if (event.Step === 'createSecret') {
        created = true;
        await gate;
      }
    };
    const { VersionId } = await h.sm.send(
      new RotateSecretCommand({ SecretId: 'rot/abandon', RotationLambdaARN: LAMBDA }),
    );
    while (!created) await new Promise((resolve) => setTimeout(resolve, 1));
    const manual = await h.sm.send(new PutSecretValueCommand({ SecretId: 'rot/abandon', SecretString: 'manual' }));
    release();
    await h.standIn.waitForRotations();
    expect(calls.map((c) => c.Step)).toEqual(['createSecret']);
    expect(names(serviceEvents)).toEqual(['RotationStarted', 'RotationAbandoned']);
    const d = await h.sm.send(new DescribeSecretCommand({ SecretId: 'rot/abandon' }));
    expect(d.VersionIdsToStages?.[manual.VersionId!]).toEqual(['AWSCURRENT']);
    expect(d.VersionIdsToStages?.[VersionId!]).toBeUndefined();
  });

  it('with RotateImmediately=false runs only testSecret on a temporary AWSPENDING copy, then removes it', async () => {
    const { VersionId: current } = await seed('rot/test');
    let seenValue: string | undefined;
    invoker = async (event) => {
      calls.push(event);
      const pending = await h.sm.send(
        new GetSecretValueCommand({
          SecretId: event.SecretId,
          VersionId: event.ClientRequestToken,
          VersionStage: 'AWSPENDING',
        }),
      );
      seenValue = pending.SecretString;
    };
    const { VersionId } = await h.sm.send(
      new RotateSecretCommand({
        SecretId: 'rot/test',
        RotationLambdaARN: LAMBDA,
        RotateImmediately: false,
        RotationRules: { ScheduleExpression: 'rate(12 hours)' },
      }),
    );
    await h.standIn.waitForRotations();
    expect(calls.map((c) => c.Step)).toEqual(['testSecret']);
    expect(seenValue).toBe('seed-value');
    const d = await h.sm.send(new DescribeSecretCommand({ SecretId: 'rot/test' }));
    expect(d.VersionIdsToStages).toEqual({ [current!]: ['AWSCURRENT'] });
    expect(d.VersionIdsToStages?.[VersionId!]).toBeUndefined();
    expect(d.RotationEnabled).toBe(true);
    expect(d.NextRotationDate).toEqual(new Date(NOW.getTime() + 12 * 3_600_000));
    expect(names(serviceEvents)).toEqual(['TestRotationStarted', 'TestRotationSucceeded']);
  });

  it('rejects rotation schedules under 4 hours and cron forms Secrets Manager does not take', async () => {
    await seed('rot/rules');
    invoker = templateFunction(h.sm, calls);
    for (const ScheduleExpression of [
      'rate(3 hours)',
      'cron(0 * * * ? *)',
      'cron(0 */2 * * ? *)',
      'cron(30 8 * * ? *)',
      'cron(0 8 * * ? 2027)',
    ]) {
      await expect(
        h.sm.send(
          new RotateSecretCommand({
            SecretId: 'rot/rules',
            RotationLambdaARN: LAMBDA,
            RotationRules: { ScheduleExpression },
          }),
        ),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    }
    await h.sm.send(
      new RotateSecretCommand({
        SecretId: 'rot/rules',
        RotationLambdaARN: LAMBDA,
        RotationRules: { ScheduleExpression: 'cron(0 8 ? * MON *)' },
      }),
    );
    await h.standIn.waitForRotations();
    expect(calls).toHaveLength(4);
  });

  it('fails when no function is registered for the RotationLambdaARN, or none is configured', async () => {
    await seed('rot/nofn');
    const unknown = await h.sm
      .send(new RotateSecretCommand({ SecretId: 'rot/nofn', RotationLambdaARN: `${LAMBDA}-other` }))
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(SecretsManagerServiceException);
    expect((unknown as Error).name).toBe('AccessDeniedException');
    await expect(h.sm.send(new RotateSecretCommand({ SecretId: 'rot/nofn' }))).rejects.toBeInstanceOf(
      InvalidRequestException,
    );
  });

  it('CancelRotateSecret turns rotation off and leaves AWSPENDING for the caller to remove', async () => {
    await seed('rot/cancel');
    await h.sm.send(
      new PutSecretValueCommand({ SecretId: 'rot/cancel', SecretString: 'p', VersionStages: ['AWSPENDING'] }),
    );
    const cancelled = await h.sm.send(new CancelRotateSecretCommand({ SecretId: 'rot/cancel' }));
    const d = await h.sm.send(new DescribeSecretCommand({ SecretId: 'rot/cancel' }));
    expect(d.RotationEnabled).toBe(false);
    expect(d.VersionIdsToStages?.[cancelled.VersionId!]).toEqual(['AWSPENDING']);
  });
});
