import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProviderAdapter } from '../../../lambdas/providers/types';
import { type RotationDeps, type RotationEvent, RotationStateError, rotate } from '../../../lambdas/rotation/engine';
import { TAG } from '../../../lambdas/shared/names';
import { inventoryWith, recordingLog } from '../../support/rotation-fixtures';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tokenwarden/qa/api-token-AbCdEf';
const TOKEN = '11111111-1111-4111-8111-111111111111';
const CURRENT = '22222222-2222-4222-8222-222222222222';
const CANARY = 'canary-pending-token-value';

const inventory = inventoryWith({
  provider: 'oauth2-client-credentials',
  adminSecret: 'tokenwarden/qa/oauth-admin',
  settings: { tokenUrl: 'http://127.0.0.1:1/token', introspectionUrl: 'http://127.0.0.1:1/i', clientId: 'c' },
});

describe('rotate (template preamble, with aws-sdk-client-mock)', () => {
  const sm = mockClient(SecretsManagerClient);
  const issue = vi.fn();
  const verify = vi.fn();
  const adapter: ProviderAdapter = {
    name: 'oauth2-client-credentials',
    capabilities: ['verify', 'issue'],
    issue,
    verify,
  };
  const deps = (): RotationDeps => ({
    secrets: new SecretsManagerClient({}),
    adapterFor: () => adapter,
    inventory,
    readAdminSecret: async () => 'client-secret',
    logger: recordingLog(),
    clock: () => new Date('2026-11-23T08:00:00Z'),
    sleep: async () => {},
    testRetry: { attempts: 2, baseDelayMs: 1 },
  });
  const describeWith = (stages: Record<string, string[]>, rotationEnabled = true) =>
    sm.on(DescribeSecretCommand).resolves({
      ARN: SECRET,
      Name: 'tokenwarden/qa/api-token',
      RotationEnabled: rotationEnabled,
      VersionIdsToStages: stages,
      Tags: [{ Key: TAG.token, Value: 'api-token' }],
    });
  const event = (Step: string): RotationEvent =>
    ({ Step, SecretId: SECRET, ClientRequestToken: TOKEN }) as RotationEvent;

  afterEach(() => {
    sm.reset();
    vi.clearAllMocks();
  });

  it('throws when the secret is not enabled for rotation', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] }, false);
    await expect(rotate(event('createSecret'), deps())).rejects.toThrow(/not enabled for rotation/);
    expect(sm).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('throws when the token is not a staged version of the secret', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'] });
    await expect(rotate(event('createSecret'), deps())).rejects.toThrow(RotationStateError);
  });

  it('returns without doing anything when the version is already AWSCURRENT', async () => {
    describeWith({ [TOKEN]: ['AWSCURRENT', 'AWSPENDING'] });
    await rotate(event('finishSecret'), deps());
    expect(sm).toHaveReceivedCommandTimes(DescribeSecretCommand, 1);
    expect(sm).not.toHaveReceivedCommand(UpdateSecretVersionStageCommand);
  });

  it('throws when the version is staged but not AWSPENDING', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPREVIOUS'] });
    await expect(rotate(event('setSecret'), deps())).rejects.toThrow(/not AWSPENDING/);
  });

  it('throws on an unknown step', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    await expect(rotate(event('dropSecret'), deps())).rejects.toThrow(/unknown rotation step/);
  });

  it('createSecret does not issue a token when the pending value already exists', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ v: 1, token: CANARY, issuedAt: 'x' }) });
    await rotate(event('createSecret'), deps());
    expect(issue).not.toHaveBeenCalled();
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('createSecret issues a token and stores it as AWSPENDING under the rotation token', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    sm.on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ v: 1, token: 'old', issuedAt: 'x' }) })
      .on(GetSecretValueCommand, { VersionId: TOKEN, VersionStage: 'AWSPENDING' })
      .rejects(new ResourceNotFoundException({ $metadata: {}, message: 'no pending value' }));
    issue.mockResolvedValue({ v: 1, token: CANARY, issuedAt: '2026-11-23T08:00:00Z' });
    const d = deps();
    await rotate({ ...event('createSecret'), RotationToken: 'rotation-token-1' }, d);
    expect(issue).toHaveBeenCalledWith(expect.objectContaining({ idempotencyKey: TOKEN, admin: 'client-secret' }));
    expect(sm).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: SECRET,
      ClientRequestToken: TOKEN,
      VersionStages: ['AWSPENDING'],
      RotationToken: 'rotation-token-1',
    });
    expect((d.logger as ReturnType<typeof recordingLog>).lines.join('\n')).not.toContain(CANARY);
  });

  it('createSecret rethrows errors other than ResourceNotFoundException without issuing', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    sm.on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ v: 1, token: 'old', issuedAt: 'x' }) })
      .on(GetSecretValueCommand, { VersionId: TOKEN, VersionStage: 'AWSPENDING' })
      .rejects(new Error('throttled'));
    await expect(rotate(event('createSecret'), deps())).rejects.toThrow('throttled');
    expect(issue).not.toHaveBeenCalled();
  });

  it('finishSecret moves AWSCURRENT from the current version to the token', async () => {
    describeWith({ [CURRENT]: ['AWSCURRENT'], [TOKEN]: ['AWSPENDING'] });
    await rotate(event('finishSecret'), deps());
    expect(sm).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, {
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: TOKEN,
      RemoveFromVersionId: CURRENT,
    });
  });
});
