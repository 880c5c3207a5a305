import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretVersionIdsCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers';

/** Fidelity tests: each runs the real SDK client against the stand-in and checks one documented rule. */
describe('local AWS stand-in: Secrets Manager', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  async function create(name: string, value = 'v1', tags?: { Key: string; Value: string }[]) {
    return h.sm.send(new CreateSecretCommand({ Name: name, SecretString: value, Tags: tags }));
  }

  async function stages(secretId: string): Promise<Record<string, string[]>> {
    const d = await h.sm.send(new DescribeSecretCommand({ SecretId: secretId }));
    return d.VersionIdsToStages ?? {};
  }

  describe('CreateSecret', () => {
    it('returns an ARN with a 6-character suffix and puts AWSCURRENT on the first version', async () => {
      const created = await h.sm.send(
        new CreateSecretCommand({ Name: 'team/a', SecretString: 'v1', ClientRequestToken: 'a'.repeat(32) }),
      );
      expect(created.ARN).toMatch(/^arn:aws:secretsmanager:eu-west-1:000000000000:secret:team\/a-[A-Za-z0-9]{6}$/);
      expect(created.VersionId).toBe('a'.repeat(32));
      expect(await stages('team/a')).toEqual({ ['a'.repeat(32)]: ['AWSCURRENT'] });
    });

    it('throws ResourceExistsException for a name already taken', async () => {
      await create('dup');
      const error = await create('dup').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceExistsException);
      expect((error as Error).message).toBe('The operation failed because the secret dup already exists.');
    });

    it('ignores a retried CreateSecret with the same ClientRequestToken and value', async () => {
      const input = { Name: 'retry', SecretString: 'v1', ClientRequestToken: '9'.repeat(36) };
      const first = await h.sm.send(new CreateSecretCommand(input));
      const again = await h.sm.send(new CreateSecretCommand(input));
      expect(again).toMatchObject({ ARN: first.ARN, VersionId: first.VersionId });
    });

    it('creates a secret without a version when no value is given', async () => {
      await h.sm.send(new CreateSecretCommand({ Name: 'empty' }));
      expect(await stages('empty')).toEqual({});
      const error = await h.sm.send(new GetSecretValueCommand({ SecretId: 'empty' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect((error as Error).message).toBe(
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      );
    });
  });

  describe('secret ids', () => {
    it('accepts the name, the full ARN and the partial ARN', async () => {
      const { ARN } = await create('ids/x', 'value');
      for (const id of ['ids/x', ARN!, ARN!.slice(0, -7)]) {
        const got = await h.sm.send(new GetSecretValueCommand({ SecretId: id }));
        expect(got.SecretString).toBe('value');
      }
    });

    it('throws ResourceNotFoundException with the AWS message for an unknown secret', async () => {
      const error = await h.sm.send(new DescribeSecretCommand({ SecretId: 'nope' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect((error as Error).message).toBe("Secrets Manager can't find the specified secret.");
      expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(400);
    });
  });

  describe('PutSecretValue', () => {
    it('moves AWSCURRENT to the new version and AWSPREVIOUS follows to the old one', async () => {
      const first = await create('labels');
      const second = await h.sm.send(new PutSecretValueCommand({ SecretId: 'labels', SecretString: 'v2' }));
      expect(second.VersionStages).toEqual(['AWSCURRENT']);
      expect(await stages('labels')).toEqual({
        [first.VersionId!]: ['AWSPREVIOUS'],
        [second.VersionId!]: ['AWSCURRENT'],
      });
      const third = await h.sm.send(new PutSecretValueCommand({ SecretId: 'labels', SecretString: 'v3' }));
      // The first version lost its last label: deprecated, hidden from VersionIdsToStages.
      expect(await stages('labels')).toEqual({
        [second.VersionId!]: ['AWSPREVIOUS'],
        [third.VersionId!]: ['AWSCURRENT'],
      });
    });

    it('is a no-op for a repeated ClientRequestToken with the same value', async () => {
      await create('idem');
      const token = 'b'.repeat(36);
      const once = await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token }),
      );
      const twice = await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'idem', SecretString: 'v2', ClientRequestToken: token }),
      );
      expect(twice.VersionId).toBe(once.VersionId);
      const versions = await h.sm.send(new ListSecretVersionIdsCommand({ SecretId: 'idem', IncludeDeprecated: true }));
      expect(versions.Versions).toHaveLength(2);
    });

    it('throws ResourceExistsException for a repeated ClientRequestToken with another value', async () => {
      await create('immutable');
      const token = 'c'.repeat(36);
      await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'immutable', SecretString: 'v2', ClientRequestToken: token }),
      );
      const error = await h.sm
        .send(new PutSecretValueCommand({ SecretId: 'immutable', SecretString: 'other', ClientRequestToken: token }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceExistsException);
      expect((error as Error).message).toBe("You can't modify an existing version, you can only create a new version.");
      const current = await h.sm.send(new GetSecretValueCommand({ SecretId: 'immutable' }));
      expect(current.SecretString).toBe('v2');
    });

    it('with VersionStages [AWSPENDING] leaves AWSCURRENT where it is', async () => {
      const first = await create('pending');
      const pending = await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'pending', SecretString: 'p', VersionStages: ['AWSPENDING'] }),
      );
      expect(await stages('pending')).toEqual({
        [first.VersionId!]: ['AWSCURRENT'],
        [pending.VersionId!]: ['AWSPENDING'],
      });
    });

    it('stores binary values', async () => {
      await h.sm.send(new CreateSecretCommand({ Name: 'bin', SecretBinary: new Uint8Array([1, 2, 255]) }));
      const got = await h.sm.send(new GetSecretValueCommand({ SecretId: 'bin' }));
      expect([...(got.SecretBinary ?? [])]).toEqual([1, 2, 255]);
      expect(got.SecretString).toBeUndefined();
    });
  });

  describe('UpdateSecret and GetRandomPassword', () => {
    it('UpdateSecret changes the description and, with a value, moves AWSCURRENT', async () => {
      const first = await create('update');
      const updated = await h.sm.send(
        new UpdateSecretCommand({ SecretId: 'update', Description: 'qa token', SecretString: 'v2' }),
      );
      const d = await h.sm.send(new DescribeSecretCommand({ SecretId: 'update' }));
      expect(d.Description).toBe('qa token');
      expect(d.VersionIdsToStages).toEqual({
        [first.VersionId!]: ['AWSPREVIOUS'],
        [updated.VersionId!]: ['AWSCURRENT'],
      });
    });

    it('GetRandomPassword honours length and exclusions', async () => {
      const { RandomPassword } = await h.sm.send(
        new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true, ExcludeCharacters: 'aA0' }),
      );
      expect(RandomPassword).toHaveLength(40);
      expect(RandomPassword).toMatch(/^[b-zB-Z1-9]+$/);
    });
  });

  it('is reached through AWS_ENDPOINT_URL by a client built with no endpoint', async () => {
    await create('via-env', 'env-value');
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = h.standIn.url;
    const client = new SecretsManagerClient({ region: 'eu-west-1', maxAttempts: 1 });
    try {
      const got = await client.send(new GetSecretValueCommand({ SecretId: 'via-env' }));
      expect(got.SecretString).toBe('env-value');
    } finally {
      client.destroy();
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });

  describe('GetSecretValue', () => {
    it('reads AWSCURRENT by default, and a version by stage or by id', async () => {
      const first = await create('get', 'one');
      await h.sm.send(new PutSecretValueCommand({ SecretId: 'get', SecretString: 'two' }));
      expect((await h.sm.send(new GetSecretValueCommand({ SecretId: 'get' }))).SecretString).toBe('two');
      const previous = await h.sm.send(new GetSecretValueCommand({ SecretId: 'get', VersionStage: 'AWSPREVIOUS' }));
      expect(previous.SecretString).toBe('one');
      expect(previous.VersionStages).toEqual(['AWSPREVIOUS']);
      const byId = await h.sm.send(new GetSecretValueCommand({ SecretId: 'get', VersionId: first.VersionId }));
      expect(byId.SecretString).toBe('one');
    });

    it('requires VersionId and VersionStage to name the same version', async () => {
      const first = await create('mismatch');
      await h.sm.send(new PutSecretValueCommand({ SecretId: 'mismatch', SecretString: 'two' }));
      const ok = await h.sm.send(
        new GetSecretValueCommand({ SecretId: 'mismatch', VersionId: first.VersionId, VersionStage: 'AWSPREVIOUS' }),
      );
      expect(ok.SecretString).toBe('v1');
      const error = await h.sm
        .send(
          new GetSecretValueCommand({ SecretId: 'mismatch', VersionId: first.VersionId, VersionStage: 'AWSCURRENT' }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRequestException);
    });

    it('names the missing staging label or version id as AWS does', async () => {
      await create('missing');
      const byStage = await h.sm
        .send(new GetSecretValueCommand({ SecretId: 'missing', VersionStage: 'AWSPENDING' }))
        .catch((e: unknown) => e);
      expect(byStage).toBeInstanceOf(ResourceNotFoundException);
      expect((byStage as Error).message).toBe(
        "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
      );
      const byId = await h.sm
        .send(new GetSecretValueCommand({ SecretId: 'missing', VersionId: 'd'.repeat(36) }))
        .catch((e: unknown) => e);
      expect(byId).toBeInstanceOf(ResourceNotFoundException);
      expect((byId as Error).message).toBe(
        `Secrets Manager can't find the specified secret value for VersionId: ${'d'.repeat(36)}`,
      );
    });
  });

  describe('UpdateSecretVersionStage', () => {
    it('requires RemoveFromVersionId when the label sits on another version', async () => {
      const first = await create('move');
      const second = await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'move', SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
      );
      const error = await h.sm
        .send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'move',
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: second.VersionId,
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toContain(`currently attached to version ${first.VersionId}`);
    });

    it('rejects a RemoveFromVersionId that does not hold the label', async () => {
      await create('wrong-remove');
      const second = await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'wrong-remove', SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
      );
      const error = await h.sm
        .send(
          new UpdateSecretVersionStageCommand({
            SecretId: 'wrong-remove',
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: second.VersionId,
            RemoveFromVersionId: second.VersionId,
          }),
        )
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidParameterException);
      expect((error as Error).message).toBe(
        'When you move staging label AWSCURRENT, if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label AWSCURRENT.',
      );
    });

    it('moving AWSCURRENT moves AWSPREVIOUS to the version AWSCURRENT left', async () => {
      const first = await create('finish');
      const second = await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'finish', SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
      );
      await h.sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'finish',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: second.VersionId,
          RemoveFromVersionId: first.VersionId,
        }),
      );
      expect(await stages('finish')).toEqual({
        [first.VersionId!]: ['AWSPREVIOUS'],
        [second.VersionId!]: ['AWSPENDING', 'AWSCURRENT'],
      });
    });

    it('removes a label when MoveToVersionId is omitted', async () => {
      await create('remove');
      const pending = await h.sm.send(
        new PutSecretValueCommand({ SecretId: 'remove', SecretString: 'p', VersionStages: ['AWSPENDING'] }),
      );
      await h.sm.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'remove',
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: pending.VersionId,
        }),
      );
      expect(Object.values(await stages('remove')).flat()).toEqual(['AWSCURRENT']);
      const all = await h.sm.send(new ListSecretVersionIdsCommand({ SecretId: 'remove', IncludeDeprecated: true }));
      expect(all.Versions?.map((v) => v.VersionId)).toContain(pending.VersionId);
      const visible = await h.sm.send(new ListSecretVersionIdsCommand({ SecretId: 'remove' }));
      expect(visible.Versions?.map((v) => v.VersionId)).not.toContain(pending.VersionId);
    });
  });

  describe('ListSecrets', () => {
    beforeEach(async () => {
      await create('tokenwarden/qa/gitlab', 'x', [
        { Key: 'tokenwarden:managed', Value: 'true' },
        { Key: 'tokenwarden:provider', Value: 'gitlab' },
      ]);
      await create('tokenwarden/qa/github', 'x', [
        { Key: 'tokenwarden:managed', Value: 'true' },
        { Key: 'tokenwarden:provider', Value: 'github' },
      ]);
      await create('other/secret', 'x', [{ Key: 'team', Value: 'payments' }]);
    });

    const names = async (filters: { Key: 'tag-key' | 'tag-value' | 'name' | 'all'; Values: string[] }[]) =>
      ((await h.sm.send(new ListSecretsCommand({ Filters: filters }))).SecretList ?? []).map((s) => s.Name).sort();

    it('filters by tag key, tag value and name prefix', async () => {
      expect(await names([{ Key: 'tag-key', Values: ['tokenwarden:managed'] }])).toEqual([
        'tokenwarden/qa/github',
        'tokenwarden/qa/gitlab',
      ]);
      expect(await names([{ Key: 'tag-value', Values: ['gitl'] }])).toEqual(['tokenwarden/qa/gitlab']);
      expect(await names([{ Key: 'name', Values: ['other/'] }])).toEqual(['other/secret']);
      expect(await names([{ Key: 'all', Values: ['PAYMENTS'] }])).toEqual(['other/secret']);
      expect(await names([{ Key: 'all', Values: ['gitlab'] }])).toEqual(['tokenwarden/qa/gitlab']);
    });

    it('negates a value that starts with !', async () => {
      expect(await names([{ Key: 'tag-key', Values: ['!tokenwarden:'] }])).toEqual(['other/secret']);
      expect(
        await names([
          { Key: 'tag-key', Values: ['tokenwarden:managed'] },
          { Key: 'tag-value', Values: ['!github'] },
        ]),
      ).toEqual(['tokenwarden/qa/gitlab']);
    });

    it('carries SecretVersionsToStages and Tags, never a value', async () => {
      const list = await h.sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['other/'] }] }));
      const entry = list.SecretList?.[0];
      expect(Object.values(entry?.SecretVersionsToStages ?? {})).toEqual([['AWSCURRENT']]);
      expect(entry?.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
      expect(JSON.stringify(entry)).not.toContain('SecretString');
    });

    it('paginates over more than 100 secrets with NextToken', async () => {
      for (let i = 0; i < 120; i++)
        await create(`bulk/${String(i).padStart(3, '0')}`, 'x', [{ Key: 'bulk', Value: '1' }]);
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await h.sm.send(
          new ListSecretsCommand({
            Filters: [{ Key: 'tag-key', Values: ['bulk'] }],
            MaxResults: 100,
            NextToken: nextToken,
          }),
        );
        seen.push(...(page.SecretList ?? []).map((s) => s.Name!));
        nextToken = page.NextToken;
        pages++;
      } while (nextToken);
      expect(pages).toBe(2);
      expect(new Set(seen).size).toBe(120);
    });

    it('rejects MaxResults above 100 and a forged NextToken', async () => {
      await expect(h.sm.send(new ListSecretsCommand({ MaxResults: 101 }))).rejects.toBeInstanceOf(
        InvalidParameterException,
      );
      await expect(h.sm.send(new ListSecretsCommand({ NextToken: 'forged' }))).rejects.toThrow(
        'The NextToken value is invalid.',
      );
    });
  });

  describe('BatchGetSecretValue', () => {
    it('returns values and reports missing ids in Errors[] without failing the call', async () => {
      await create('batch/a', 'A');
      await create('batch/b', 'B');
      const result = await h.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ['batch/a', 'nope', 'batch/b'] }));
      expect(result.SecretValues?.map((v) => v.SecretString)).toEqual(['A', 'B']);
      expect(result.Errors).toEqual([
        {
          SecretId: 'nope',
          ErrorCode: 'ResourceNotFoundException',
          Message: "Secrets Manager can't find the specified secret.",
        },
      ]);
    });

    it('accepts at most 20 ids', async () => {
      const ids = Array.from({ length: 21 }, (_, i) => `id-${i}`);
      await expect(h.sm.send(new BatchGetSecretValueCommand({ SecretIdList: ids }))).rejects.toBeInstanceOf(
        InvalidParameterException,
      );
    });

    it('takes Filters instead of ids, never both', async () => {
      await create('batch/f', 'F', [{ Key: 'pick', Value: 'me' }]);
      const byFilter = await h.sm.send(
        new BatchGetSecretValueCommand({ Filters: [{ Key: 'tag-key', Values: ['pick'] }] }),
      );
      expect(byFilter.SecretValues?.map((v) => v.Name)).toEqual(['batch/f']);
      await expect(
        h.sm.send(
          new BatchGetSecretValueCommand({ SecretIdList: ['batch/f'], Filters: [{ Key: 'name', Values: ['x'] }] }),
        ),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    });
  });

  describe('tags and deletion', () => {
    it('adds, overwrites and removes tags', async () => {
      await create('tags', 'x', [{ Key: 'a', Value: '1' }]);
      await h.sm.send(
        new TagResourceCommand({
          SecretId: 'tags',
          Tags: [
            { Key: 'a', Value: '2' },
            { Key: 'b', Value: '3' },
          ],
        }),
      );
      await h.sm.send(new UntagResourceCommand({ SecretId: 'tags', TagKeys: ['b'] }));
      const d = await h.sm.send(new DescribeSecretCommand({ SecretId: 'tags' }));
      expect(d.Tags).toEqual([{ Key: 'a', Value: '2' }]);
    });

    it('hides a secret scheduled for deletion and refuses to read it until restored', async () => {
      await create('deleted', 'x');
      const deleted = await h.sm.send(new DeleteSecretCommand({ SecretId: 'deleted', RecoveryWindowInDays: 7 }));
      expect(deleted.DeletionDate).toBeInstanceOf(Date);
      await expect(h.sm.send(new GetSecretValueCommand({ SecretId: 'deleted' }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
      const listed = await h.sm.send(new ListSecretsCommand({}));
      expect(listed.SecretList?.map((s) => s.Name)).not.toContain('deleted');
      await h.sm.send(new RestoreSecretCommand({ SecretId: 'deleted' }));
      expect((await h.sm.send(new GetSecretValueCommand({ SecretId: 'deleted' }))).SecretString).toBe('x');
    });

    it('deletes at once with ForceDeleteWithoutRecovery', async () => {
      await create('gone', 'x');
      await h.sm.send(new DeleteSecretCommand({ SecretId: 'gone', ForceDeleteWithoutRecovery: true }));
      await expect(h.sm.send(new DescribeSecretCommand({ SecretId: 'gone' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });
});
