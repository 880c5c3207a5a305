import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PortInUseError } from '../../../local/providers/http-fake';
import { startAwsStandIn } from '../../../local/aws/server';
import type { RequestLogEntry } from '../../../local/aws/server';
import { type Harness, startHarness } from './helpers';

const CANARY = 'glpat-CANARY-aws-standin-0123456789';
const LAMBDA = 'arn:aws:lambda:eu-west-1:000000000000:function:rotate';

describe('local AWS stand-in: server', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tokenwarden-aws-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps secrets, labels, tags and rotation config across a restart with a state file (mode 0600)', async () => {
    const stateFile = join(dir, 'state', 'aws.json');
    const first = await startHarness({ stateFile, rotationFunctions: () => async () => {} });
    const created = await first.sm.send(new CreateSecretCommand({ Name: 'persist/me', SecretString: 'one' }));
    const second = await first.sm.send(new PutSecretValueCommand({ SecretId: 'persist/me', SecretString: 'two' }));
    await first.sm.send(new TagResourceCommand({ SecretId: 'persist/me', Tags: [{ Key: 'team', Value: 'qa' }] }));
    await first.close();
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const restarted = await startHarness({ stateFile });
    try {
      const d = await restarted.sm.send(new DescribeSecretCommand({ SecretId: created.ARN }));
      expect(d.Name).toBe('persist/me');
      expect(d.Tags).toEqual([{ Key: 'team', Value: 'qa' }]);
      expect(d.VersionIdsToStages).toEqual({
        [created.VersionId!]: ['AWSPREVIOUS'],
        [second.VersionId!]: ['AWSCURRENT'],
      });
      expect(d.CreatedDate).toBeInstanceOf(Date);
      const value = await restarted.sm.send(new GetSecretValueCommand({ SecretId: 'persist/me' }));
      expect(value.SecretString).toBe('two');
    } finally {
      await restarted.close();
    }
  });

  it('throws PortInUseError naming the port when the port is taken', async () => {
    const taken = await startAwsStandIn({ port: 0 });
    try {
      const error = await startAwsStandIn({ port: taken.port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PortInUseError);
      expect((error as Error).message).toContain(String(taken.port));
    } finally {
      await taken.close();
    }
  });

  it('answers an unknown operation and a malformed body with 400 and a modeled error', async () => {
    const h: Harness = await startHarness();
    try {
      const res = await fetch(h.standIn.url, {
        method: 'POST',
        headers: {
          'x-amz-target': 'secretsmanager.ReplicateSecretToRegions',
          'content-type': 'application/x-amz-json-1.1',
        },
        body: '{}',
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
      const malformed = await fetch(h.standIn.url, {
        method: 'POST',
        headers: { 'x-amz-target': 'secretsmanager.ListSecrets', 'content-type': 'application/x-amz-json-1.1' },
        body: 'null',
      });
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toMatchObject({ __type: 'SerializationException' });
    } finally {
      await h.close();
    }
  });

  it('never puts a secret value in the request log, the events or the state file errors', async () => {
    const log: RequestLogEntry[] = [];
    const h = await startHarness({
      stateFile: join(dir, 'aws.json'),
      onRequest: (entry) => log.push(entry),
      rotationFunctions: () => async (event) => {
        if (event.Step === 'createSecret') {
          await h.sm.send(
            new PutSecretValueCommand({
              SecretId: event.SecretId,
              ClientRequestToken: event.ClientRequestToken,
              SecretString: `${CANARY}-next`,
              VersionStages: ['AWSPENDING'],
            }),
          );
        }
        if (event.Step === 'setSecret') throw new Error(`provider rejected ${CANARY}`);
      },
    });
    try {
      await h.sm.send(new CreateSecretCommand({ Name: 'canary', SecretString: CANARY }));
      await h.sm.send(new GetSecretValueCommand({ SecretId: 'canary' }));
      await h.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['canary', 'missing'] }));
      await h.sm
        .send(
          new PutSecretValueCommand({ SecretId: 'canary', SecretString: CANARY, ClientRequestToken: 'f'.repeat(36) }),
        )
        .catch(() => {});
      await h.sm
        .send(
          new PutSecretValueCommand({
            SecretId: 'canary',
            SecretString: `${CANARY}2`,
            ClientRequestToken: 'f'.repeat(36),
          }),
        )
        .catch(() => {});
      await h.sm.send(new RotateSecretCommand({ SecretId: 'canary', RotationLambdaARN: LAMBDA }));
      await h.standIn.waitForRotations();
      expect(log.length).toBeGreaterThan(5);
      expect(log.some((e) => e.operation === 'GetSecretValue' && e.resource === 'canary')).toBe(true);
      expect(JSON.stringify(log)).not.toContain('CANARY');
      expect(JSON.stringify(h.standIn.events.archive())).not.toContain('CANARY');
      // The state file does hold the value (that is its job), which is why it is 0600.
      expect(readFileSync(join(dir, 'aws.json'), 'utf8')).toContain(CANARY);
    } finally {
      await h.close();
    }
  });
});
