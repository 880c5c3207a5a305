import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  InvalidParameterException,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';

/**
 * An in-memory Secrets Manager for the rotation engine's tests: the commands the engine sends, with the
 * label rules of rotation-facts.md §1.2/§1.4/§1.5 (one version per label, AWSPREVIOUS follows AWSCURRENT,
 * versions immutable per ClientRequestToken, RemoveFromVersionId required when a label moves).
 * `hooks` let a test throw before or after any call (crash injection).
 */
interface Version {
  readonly id: string;
  value?: string;
  stages: Set<string>;
  readonly createdAt: number;
}

interface Secret {
  readonly arn: string;
  readonly name: string;
  rotationEnabled: boolean;
  readonly versions: Map<string, Version>;
  tags: Map<string, string>;
}

export interface FakeHooks {
  before?(command: string): void;
  after?(command: string): void;
}

type AnyCommand =
  | DescribeSecretCommand
  | GetSecretValueCommand
  | PutSecretValueCommand
  | UpdateSecretVersionStageCommand
  | TagResourceCommand
  | UntagResourceCommand
  | ListSecretsCommand;

const meta = { $metadata: {} };

function commandName(command: AnyCommand): string {
  if (command instanceof DescribeSecretCommand) return 'DescribeSecret';
  if (command instanceof GetSecretValueCommand) return 'GetSecretValue';
  if (command instanceof PutSecretValueCommand) return 'PutSecretValue';
  if (command instanceof UpdateSecretVersionStageCommand) return 'UpdateSecretVersionStage';
  if (command instanceof TagResourceCommand) return 'TagResource';
  if (command instanceof UntagResourceCommand) return 'UntagResource';
  if (command instanceof ListSecretsCommand) return 'ListSecrets';
  return 'Unknown';
}

export class SecretsManagerFake {
  private readonly secrets = new Map<string, Secret>();
  public hooks: FakeHooks = {};
  /** Times a different value was put under an existing version id (must stay 0). */
  public rejectedOverwrites = 0;
  /** versionId → time (from `now`) it lost AWSCURRENT. */
  public readonly lostCurrentAt = new Map<string, number>();
  public now: () => number = () => Date.now();

  /** `send`, typed as the client's so the fake can be injected where a SecretsManagerClient is expected. */
  public readonly client: Pick<SecretsManagerClient, 'send'> = {
    send: ((command: AnyCommand) => this.dispatch(command)) as unknown as SecretsManagerClient['send'],
  };

  public create(name: string, value: string, tags: Record<string, string> = {}): string {
    const arn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
    const id = randomUUID();
    this.secrets.set(arn, {
      arn,
      name,
      rotationEnabled: true,
      versions: new Map([[id, { id, value, stages: new Set(['AWSCURRENT']), createdAt: this.now() }]]),
      tags: new Map(Object.entries(tags)),
    });
    return arn;
  }

  /** What RotateSecret does before invoking the Lambda: a new version id labelled AWSPENDING, no value. */
  public startRotation(secretId: string, token: string = randomUUID()): string {
    const secret = this.find(secretId);
    const pendingOn = this.versionWith(secret, 'AWSPENDING');
    const current = this.versionWith(secret, 'AWSCURRENT');
    if (pendingOn && pendingOn !== current) {
      throw new InvalidRequestException({
        ...meta,
        message: "A previous rotation isn't complete. That rotation will be reattempted.",
      });
    }
    pendingOn?.stages.delete('AWSPENDING');
    secret.versions.set(token, { id: token, stages: new Set(['AWSPENDING']), createdAt: this.now() });
    return token;
  }

  /** CancelRotateSecret plus the clean-up the docs ask for: AWSPENDING removed from its version. */
  public cancelRotation(secretId: string): void {
    const secret = this.find(secretId);
    const pendingOn = this.versionWith(secret, 'AWSPENDING');
    pendingOn?.stages.delete('AWSPENDING');
    if (pendingOn && pendingOn.value === undefined) secret.versions.delete(pendingOn.id);
  }

  public setRotationEnabled(secretId: string, enabled: boolean): void {
    this.find(secretId).rotationEnabled = enabled;
  }

  public valueOf(secretId: string, stage = 'AWSCURRENT'): string | undefined {
    return this.versionWith(this.find(secretId), stage)?.value;
  }

  public versionIdOf(secretId: string, stage: string): string | undefined {
    return this.versionWith(this.find(secretId), stage)?.id;
  }

  /** Every stored value with its version id and labels (deprecated versions included). */
  public versions(secretId: string): { id: string; value?: string; stages: string[] }[] {
    return [...this.find(secretId).versions.values()].map((v) => ({ id: v.id, value: v.value, stages: [...v.stages] }));
  }

  public tag(secretId: string, key: string): string | undefined {
    return this.find(secretId).tags.get(key);
  }

  private async dispatch(command: AnyCommand): Promise<unknown> {
    const name = commandName(command);
    this.hooks.before?.(name);
    const out = this.execute(command);
    this.hooks.after?.(name);
    return out;
  }

  private execute(command: AnyCommand): unknown {
    if (command instanceof DescribeSecretCommand) return this.describe(command.input.SecretId ?? '');
    if (command instanceof GetSecretValueCommand) {
      const { SecretId, VersionId, VersionStage } = command.input;
      const secret = this.find(SecretId ?? '');
      const version = VersionId
        ? secret.versions.get(VersionId)
        : this.versionWith(secret, VersionStage ?? 'AWSCURRENT');
      if (!version || version.value === undefined || (VersionStage && !version.stages.has(VersionStage))) {
        throw new ResourceNotFoundException({
          ...meta,
          message: "Secrets Manager can't find the specified secret value",
        });
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: [...version.stages],
      };
    }
    if (command instanceof PutSecretValueCommand) {
      const { SecretId, ClientRequestToken, SecretString, VersionStages } = command.input;
      const secret = this.find(SecretId ?? '');
      const id = ClientRequestToken ?? randomUUID();
      const existing = secret.versions.get(id);
      if (existing?.value !== undefined) {
        if (existing.value !== SecretString) {
          this.rejectedOverwrites++;
          throw new ResourceExistsException({
            ...meta,
            message: 'A resource with the ID you requested already exists.',
          });
        }
        return { ARN: secret.arn, VersionId: id, VersionStages: [...existing.stages] };
      }
      const version = existing ?? { id, stages: new Set<string>(), createdAt: this.now() };
      version.value = SecretString;
      secret.versions.set(id, version);
      for (const stage of VersionStages ?? ['AWSCURRENT']) this.moveLabel(secret, stage, version);
      return { ARN: secret.arn, VersionId: id, VersionStages: [...version.stages] };
    }
    if (command instanceof UpdateSecretVersionStageCommand) {
      const { SecretId, VersionStage, MoveToVersionId, RemoveFromVersionId } = command.input;
      const secret = this.find(SecretId ?? '');
      const stage = VersionStage ?? '';
      const holder = this.versionWith(secret, stage);
      if (holder && holder.id !== MoveToVersionId && holder.id !== RemoveFromVersionId) {
        throw new InvalidParameterException({
          ...meta,
          message: `The parameter RemoveFromVersionId must match ${stage}'s version`,
        });
      }
      if (!MoveToVersionId) {
        holder?.stages.delete(stage);
        return { ARN: secret.arn };
      }
      const target = secret.versions.get(MoveToVersionId);
      if (!target) throw new ResourceNotFoundException({ ...meta, message: 'version not found' });
      this.moveLabel(secret, stage, target);
      return { ARN: secret.arn };
    }
    if (command instanceof TagResourceCommand) {
      const secret = this.find(command.input.SecretId ?? '');
      for (const tag of command.input.Tags ?? []) {
        if ((tag.Value ?? '').length > 256)
          throw new InvalidParameterException({ ...meta, message: 'tag value too long' });
        secret.tags.set(tag.Key ?? '', tag.Value ?? '');
      }
      return {};
    }
    if (command instanceof UntagResourceCommand) {
      const secret = this.find(command.input.SecretId ?? '');
      for (const key of command.input.TagKeys ?? []) secret.tags.delete(key);
      return {};
    }
    if (command instanceof ListSecretsCommand) {
      const filters = command.input.Filters ?? [];
      const list = [...this.secrets.values()].filter((s) =>
        filters.every((f) => {
          const values = f.Values ?? [];
          if (f.Key === 'tag-key') return [...s.tags.keys()].some((k) => values.some((v) => k.startsWith(v)));
          if (f.Key === 'tag-value') return [...s.tags.values()].some((k) => values.some((v) => k.startsWith(v)));
          if (f.Key === 'name') return values.some((v) => s.name.startsWith(v));
          return true;
        }),
      );
      return {
        SecretList: list.map((s) => ({
          ARN: s.arn,
          Name: s.name,
          Tags: this.tagList(s),
          SecretVersionsToStages: this.stagesOf(s),
        })),
      };
    }
    throw new Error(`fake Secrets Manager does not implement ${(command as object).constructor.name}`);
  }

  private describe(secretId: string): DescribeSecretCommandOutput {
    const secret = this.find(secretId);
    return {
      $metadata: {},
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: secret.rotationEnabled,
      VersionIdsToStages: this.stagesOf(secret),
      Tags: this.tagList(secret),
    };
  }

  private stagesOf(secret: Secret): Record<string, string[]> {
    // Deprecated versions (no labels) are hidden, as in DescribeSecret.
    return Object.fromEntries(
      [...secret.versions.values()].filter((v) => v.stages.size > 0).map((v) => [v.id, [...v.stages]]),
    );
  }

  private tagList(secret: Secret): { Key: string; Value: string }[] {
    return [...secret.tags.entries()].map(([Key, Value]) => ({ Key, Value }));
  }

  private moveLabel(secret: Secret, stage: string, target: Version): void {
    const holder = this.versionWith(secret, stage);
    if (holder === target) return;
    holder?.stages.delete(stage);
    target.stages.add(stage);
    if (stage === 'AWSCURRENT' && holder) {
      this.lostCurrentAt.set(holder.id, this.now());
      this.moveLabel(secret, 'AWSPREVIOUS', holder);
    }
  }

  private versionWith(secret: Secret, stage: string): Version | undefined {
    return [...secret.versions.values()].find((v) => v.stages.has(stage));
  }

  private find(secretId: string): Secret {
    const secret = this.secrets.get(secretId) ?? [...this.secrets.values()].find((s) => s.name === secretId);
    if (!secret)
      throw new ResourceNotFoundException({ ...meta, message: "Secrets Manager can't find the specified secret." });
    return secret;
  }
}
