import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type {
  BatchGetSecretValueRequest,
  BatchGetSecretValueResponse,
  CancelRotateSecretRequest,
  CancelRotateSecretResponse,
  CreateSecretRequest,
  CreateSecretResponse,
  DeleteSecretRequest,
  DeleteSecretResponse,
  DescribeSecretRequest,
  DescribeSecretResponse,
  Filter,
  GetRandomPasswordRequest,
  GetRandomPasswordResponse,
  GetSecretValueRequest,
  GetSecretValueResponse,
  ListSecretVersionIdsRequest,
  ListSecretVersionIdsResponse,
  ListSecretsRequest,
  ListSecretsResponse,
  PutSecretValueRequest,
  PutSecretValueResponse,
  RestoreSecretRequest,
  RestoreSecretResponse,
  RotateSecretRequest,
  RotateSecretResponse,
  RotationRulesType,
  SecretListEntry,
  Tag,
  TagResourceRequest,
  UntagResourceRequest,
  UpdateSecretRequest,
  UpdateSecretResponse,
  UpdateSecretVersionStageRequest,
  UpdateSecretVersionStageResponse,
} from '@aws-sdk/client-secrets-manager';
import { AwsApiError, smErrors } from './errors';

/**
 * The Secrets Manager part of the local stand-in, as pure logic (no HTTP): versions, staging labels,
 * rotation, tags, listing. Behaviour follows the Secrets Manager API reference
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/) as summarised in
 * /work/shared/design/research/rotation-facts.md §1.2, §1.4, §1.5, §1.7, §3, §4.1.
 *
 * Inputs and outputs use the SDK's own request/response types, so the HTTP layer only converts
 * wire encodings (epoch seconds, base64) and the store cannot drift from the API's field names.
 */

/** The event Secrets Manager sends to a rotation function (rotation-facts §1.1). */
export interface RotationEvent {
  readonly Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly RotationToken: string;
}

/** Invokes a rotation function synchronously; a rejection fails the step (as a Lambda error does). */
export type RotationInvoker = (event: RotationEvent) => Promise<void>;

/** An event the store sends to EventBridge's default bus. */
export interface ServiceEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly resources: string[];
  readonly time: Date;
}

export interface SecretsStoreOptions {
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly account?: string;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** Receives native and CloudTrail-shaped service events. @default drops them */
  readonly emit?: (event: ServiceEvent) => void;
  /** Finds the rotation function for a RotationLambdaARN. @default none registered */
  readonly rotationFunctions?: (lambdaArn: string) => RotationInvoker | undefined;
  /** Whole-rotation retries after a failed attempt (Secrets Manager "retries the entire rotation"). @default 2 */
  readonly rotationRetries?: number;
  /** Pause before a retry; short for local use. @default 50 */
  readonly rotationRetryDelayMs?: number;
  /** Called after every change to the stored secrets (the state file hooks in here). @default none */
  readonly onChange?: () => void;
}

/** One stored version. `value` is absent on the version RotateSecret pre-creates for AWSPENDING. */
export interface StoredVersion {
  versionId: string;
  value?: { readonly string?: string; readonly binaryBase64?: string };
  stages: string[];
  createdDate: Date;
  lastAccessedDate?: Date;
}

/** One stored secret; exported so the state file can persist it. */
export interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  createdDate: Date;
  lastChangedDate: Date;
  lastAccessedDate?: Date;
  deletedDate?: Date;
  /** When a secret scheduled for deletion is gone for good (end of the recovery window). */
  deletionDate?: Date;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rotationRules?: RotationRulesType;
  lastRotatedDate?: Date;
  nextRotationDate?: Date;
  versions: StoredVersion[];
}

const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';
const PENDING = 'AWSPENDING';
const STEPS: RotationEvent['Step'][] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Versions kept before unlabelled ones older than a day are dropped (rotation-facts §3.4). */
const MAX_VERSIONS = 100;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all']);

interface RunningRotation {
  readonly token: string;
  readonly mode: 'rotate' | 'test';
  readonly control: { stopped: boolean };
  readonly done: Promise<void>;
}

/** Secrets Manager semantics, in memory. Every method throws {@link AwsApiError} the way the API does. */
export class SecretsStore {
  public readonly region: string;
  public readonly account: string;
  private readonly clock: () => Date;
  private readonly emit: (event: ServiceEvent) => void;
  private readonly rotationFunctions: (lambdaArn: string) => RotationInvoker | undefined;
  private readonly rotationRetries: number;
  private readonly rotationRetryDelayMs: number;
  private readonly onChange: () => void;
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly running = new Map<string, RunningRotation>();

  public constructor(options: SecretsStoreOptions = {}) {
    this.region = options.region ?? 'eu-west-1';
    this.account = options.account ?? '000000000000';
    this.clock = options.clock ?? (() => new Date());
    this.emit = options.emit ?? (() => {});
    this.rotationFunctions = options.rotationFunctions ?? (() => undefined);
    this.rotationRetries = options.rotationRetries ?? 2;
    this.rotationRetryDelayMs = options.rotationRetryDelayMs ?? 50;
    this.onChange = options.onChange ?? (() => {});
  }

  // ---------------------------------------------------------------- persistence hooks

  /** All secrets, for the state file. */
  public snapshot(): StoredSecret[] {
    return [...this.secrets.values()];
  }

  /** Replaces the contents with previously persisted secrets. */
  public load(secrets: readonly StoredSecret[]): void {
    this.secrets.clear();
    for (const s of secrets) this.secrets.set(s.arn, s);
  }

  // ---------------------------------------------------------------- lookups

  /**
   * Finds a secret by name, full ARN or partial ARN (the ARN without the random 6-character suffix).
   * @throws ResourceNotFoundException
   */
  private find(secretId: string | undefined): StoredSecret {
    if (!secretId) throw smErrors.invalidParameter('You must provide a SecretId.');
    this.purgeExpired();
    const byArn = this.secrets.get(secretId);
    if (byArn) return byArn;
    for (const s of this.secrets.values()) {
      if (s.name === secretId || s.arn.slice(0, -7) === secretId) return s;
    }
    throw smErrors.secretNotFound();
  }

  /** Secrets whose recovery window has ended are deleted for good. */
  private purgeExpired(): void {
    const now = this.clock().getTime();
    let purged = false;
    for (const [arn, s] of this.secrets) {
      if (s.deletionDate && s.deletionDate.getTime() <= now) {
        this.secrets.delete(arn);
        purged = true;
      }
    }
    if (purged) this.onChange();
  }

  private findLive(secretId: string | undefined): StoredSecret {
    const s = this.find(secretId);
    if (s.deletedDate) throw smErrors.markedForDeletion();
    return s;
  }

  private withStage(s: StoredSecret, stage: string): StoredVersion | undefined {
    return s.versions.find((v) => v.stages.includes(stage));
  }

  private arnFor(name: string): string {
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    const suffix = [...randomBytes(6)].map((b) => alphabet[b % alphabet.length]).join('');
    return `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix}`;
  }

  // ---------------------------------------------------------------- label moves

  /**
   * Attaches `stage` to `target`, taking it off whichever version had it. Moving AWSCURRENT moves
   * AWSPREVIOUS to the version AWSCURRENT left. Emits "Secret Label Updated" for labels other than
   * AWSPENDING/AWSPREVIOUS (rotation-facts §1.5, §3.3).
   */
  private attach(s: StoredSecret, stage: string, target: StoredVersion): void {
    const holder = this.withStage(s, stage);
    if (holder === target) return;
    if (holder) holder.stages = holder.stages.filter((l) => l !== stage);
    target.stages.push(stage);
    if (stage === CURRENT && holder) {
      const previous = this.withStage(s, PREVIOUS);
      if (previous) previous.stages = previous.stages.filter((l) => l !== PREVIOUS);
      holder.stages.push(PREVIOUS);
    }
    if (stage !== PENDING && stage !== PREVIOUS) {
      this.emit({
        source: 'aws.secretsmanager',
        detailType: 'Secret Label Updated',
        detail: { name: s.name, labelUpdated: stage, versionId: target.versionId },
        resources: [s.arn],
        time: this.clock(),
      });
    }
  }

  private detach(from: StoredVersion, stage: string): void {
    from.stages = from.stages.filter((l) => l !== stage);
  }

  /** Keeps the version count bounded: past 100, drop unlabelled versions older than 24 h (rotation-facts §3.4). */
  private prune(s: StoredSecret): void {
    if (s.versions.length <= MAX_VERSIONS) return;
    const cutoff = this.clock().getTime() - DAY_MS;
    const removable = s.versions.filter((v) => v.stages.length === 0 && v.createdDate.getTime() < cutoff);
    let excess = s.versions.length - MAX_VERSIONS;
    const drop = new Set<StoredVersion>();
    for (const v of removable) {
      if (excess-- <= 0) break;
      drop.add(v);
    }
    s.versions = s.versions.filter((v) => !drop.has(v));
  }

  private changed(s: StoredSecret): void {
    s.lastChangedDate = this.clock();
    this.onChange();
  }

  // ---------------------------------------------------------------- operations

  /** CreateSecret. The first version (if a value is given) gets AWSCURRENT; its id is ClientRequestToken. */
  public createSecret(input: CreateSecretRequest): CreateSecretResponse {
    const name = input.Name;
    if (!name || !NAME_PATTERN.test(name)) {
      throw smErrors.invalidParameter(
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: /_+=.@-',
      );
    }
    if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
      throw smErrors.invalidParameter(
        "You can't specify both a binary secret value and a string secret value in the same secret.",
      );
    }
    const requestValue = secretValueOf(input);
    this.purgeExpired();
    for (const s of this.secrets.values()) {
      if (s.name !== name) continue;
      // A retried CreateSecret (same token, same value) is ignored, as the API reference says.
      const retried = s.versions.find((v) => v.versionId === input.ClientRequestToken);
      if (!s.deletedDate && retried?.value && requestValue && sameValue(retried.value, requestValue)) {
        return { ARN: s.arn, Name: s.name, VersionId: retried.versionId };
      }
      if (s.deletedDate) {
        throw smErrors.invalidRequest(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      }
      throw smErrors.exists(`The operation failed because the secret ${name} already exists.`);
    }
    const now = this.clock();
    const secret: StoredSecret = {
      arn: this.arnFor(name),
      name,
      description: input.Description,
      kmsKeyId: input.KmsKeyId,
      tags: (input.Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value })),
      createdDate: now,
      lastChangedDate: now,
      rotationEnabled: false,
      versions: [],
    };
    this.secrets.set(secret.arn, secret);
    let versionId: string | undefined;
    if (requestValue) {
      const version: StoredVersion = {
        versionId: input.ClientRequestToken ?? randomUUID(),
        value: requestValue,
        stages: [],
        createdDate: now,
      };
      secret.versions.push(version);
      this.attach(secret, CURRENT, version);
      versionId = version.versionId;
    }
    this.onChange();
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId };
  }

  /** DescribeSecret: metadata only, never a value. Works on secrets scheduled for deletion. */
  public describeSecret(input: DescribeSecretRequest): DescribeSecretResponse {
    // Same metadata as a ListSecrets entry; only the name of the stages map differs.
    const { SecretVersionsToStages, ...metadata } = this.listEntry(this.find(input.SecretId));
    return { ...metadata, VersionIdsToStages: SecretVersionsToStages };
  }

  /**
   * GetSecretValue. Defaults to AWSCURRENT; with both VersionId and VersionStage they must name the
   * same version (rotation-facts §4.1).
   */
  public getSecretValue(input: GetSecretValueRequest): GetSecretValueResponse {
    const s = this.findLive(input.SecretId);
    const version = this.resolveVersion(s, input.VersionId, input.VersionStage);
    const now = this.clock();
    // LastAccessedDate is kept to the day, as AWS documents ("rounded to the day").
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    version.lastAccessedDate = day;
    s.lastAccessedDate = day;
    const value = version.value ?? {};
    return {
      ARN: s.arn,
      Name: s.name,
      VersionId: version.versionId,
      SecretString: value.string,
      SecretBinary: value.binaryBase64 === undefined ? undefined : Buffer.from(value.binaryBase64, 'base64'),
      VersionStages: [...version.stages],
      CreatedDate: version.createdDate,
    };
  }

  private resolveVersion(s: StoredSecret, versionId?: string, versionStage?: string): StoredVersion {
    if (versionId !== undefined) {
      const version = s.versions.find((v) => v.versionId === versionId);
      if (!version) throw smErrors.versionNotFound(versionId);
      if (versionStage !== undefined && !version.stages.includes(versionStage)) {
        throw smErrors.invalidRequest('You provided a VersionStage that is not associated to the provided VersionId.');
      }
      // The AWSPENDING version RotateSecret pre-created has no value until createSecret stores one:
      // the templates rely on this ResourceNotFoundException (rotation-facts §1.3).
      if (!version.value) {
        throw versionStage === undefined ? smErrors.versionNotFound(versionId) : smErrors.stageNotFound(versionStage);
      }
      return version;
    }
    const stage = versionStage ?? CURRENT;
    const version = this.withStage(s, stage);
    if (!version?.value) throw smErrors.stageNotFound(stage);
    return version;
  }

  /**
   * PutSecretValue. An existing ClientRequestToken with the same value is a no-op; with another value
   * it is ResourceExistsException (versions are immutable, rotation-facts §1.4). Filling the empty
   * version RotateSecret pre-created is allowed. Without VersionStages the new version gets
   * AWSCURRENT; a manual AWSCURRENT move during a rotation abandons that rotation.
   */
  public putSecretValue(input: PutSecretValueRequest): PutSecretValueResponse {
    const s = this.findLive(input.SecretId);
    const value = secretValueOf(input);
    if (!value) throw smErrors.invalidParameter('You must provide either SecretString or SecretBinary.');
    if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
      throw smErrors.invalidParameter(
        "You can't specify both a binary secret value and a string secret value in the same secret.",
      );
    }
    const token = input.ClientRequestToken ?? randomUUID();
    const stages = input.VersionStages ?? [CURRENT];
    let version = s.versions.find((v) => v.versionId === token);
    if (version?.value) {
      if (sameValue(version.value, value)) {
        return { ARN: s.arn, Name: s.name, VersionId: version.versionId, VersionStages: [...version.stages] };
      }
      // Versions are immutable (PutSecretValue, API reference).
      throw smErrors.exists("You can't modify an existing version, you can only create a new version.");
    }
    if (version) {
      version.value = value;
    } else {
      version = { versionId: token, value, stages: [], createdDate: this.clock() };
      s.versions.push(version);
    }
    const currentBefore = this.withStage(s, CURRENT);
    for (const stage of stages) this.attach(s, stage, version);
    if (stages.includes(CURRENT) && currentBefore !== version) {
      this.abandonRotation(s);
      // A manual update counts as a rotation for the next-date computation (rotation-facts §1.6).
      if (s.rotationEnabled) s.nextRotationDate = this.nextRotation(s);
    }
    this.prune(s);
    this.changed(s);
    return { ARN: s.arn, Name: s.name, VersionId: version.versionId, VersionStages: [...version.stages] };
  }

  /**
   * UpdateSecret: changes Description/KmsKeyId; a new value becomes a new version with AWSCURRENT,
   * exactly as PutSecretValue without VersionStages.
   */
  public updateSecret(input: UpdateSecretRequest): UpdateSecretResponse {
    const s = this.findLive(input.SecretId);
    if (input.Description !== undefined) s.description = input.Description;
    if (input.KmsKeyId !== undefined) s.kmsKeyId = input.KmsKeyId;
    if (input.SecretString === undefined && input.SecretBinary === undefined) {
      this.changed(s);
      return { ARN: s.arn, Name: s.name };
    }
    const put = this.putSecretValue({
      SecretId: s.arn,
      ClientRequestToken: input.ClientRequestToken,
      SecretString: input.SecretString,
      SecretBinary: input.SecretBinary,
    });
    return { ARN: put.ARN, Name: put.Name, VersionId: put.VersionId };
  }

  /** GetRandomPassword (API reference defaults: 32 characters, every type, one of each required). */
  public getRandomPassword(input: GetRandomPasswordRequest): GetRandomPasswordResponse {
    const length = input.PasswordLength ?? 32;
    if (!Number.isInteger(length) || length < 1 || length > 4096) {
      throw smErrors.invalidParameter('PasswordLength must be between 1 and 4096.');
    }
    const excluded = new Set(input.ExcludeCharacters ?? '');
    const keep = (chars: string): string => [...chars].filter((c) => !excluded.has(c)).join('');
    const classes = [
      input.ExcludeLowercase ? '' : keep('abcdefghijklmnopqrstuvwxyz'),
      input.ExcludeUppercase ? '' : keep('ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
      input.ExcludeNumbers ? '' : keep('0123456789'),
      input.ExcludePunctuation ? '' : keep('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'),
      input.IncludeSpace ? keep(' ') : '',
    ].filter((c) => c.length > 0);
    const all = classes.join('');
    if (all.length === 0) throw smErrors.invalidParameter('The password contains no characters to choose from.');
    const pick = (chars: string): string => chars[randomInt(chars.length)]!;
    const required = (input.RequireEachIncludedType ?? true) ? classes.map(pick).slice(0, length) : [];
    const chars = [...required, ...Array.from({ length: length - required.length }, () => pick(all))];
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j]!, chars[i]!];
    }
    return { RandomPassword: chars.join('') };
  }

  /**
   * UpdateSecretVersionStage (rotation-facts §1.5): when the label sits on another version,
   * RemoveFromVersionId is required and must name it; omit MoveToVersionId to remove a label;
   * moving AWSCURRENT moves AWSPREVIOUS to the version AWSCURRENT left.
   */
  public updateSecretVersionStage(input: UpdateSecretVersionStageRequest): UpdateSecretVersionStageResponse {
    const s = this.findLive(input.SecretId);
    const stage = input.VersionStage;
    if (!stage) throw smErrors.invalidParameter('You must provide a VersionStage.');
    const holder = this.withStage(s, stage);
    const removeFrom = input.RemoveFromVersionId;
    if (removeFrom !== undefined && holder && holder.versionId !== removeFrom) {
      throw smErrors.invalidParameter(
        `When you move staging label ${stage}, if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label ${stage}.`,
      );
    }
    if (removeFrom !== undefined && !holder) {
      throw smErrors.invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}.`);
    }
    if (input.MoveToVersionId === undefined) {
      if (removeFrom === undefined || !holder) {
        throw smErrors.invalidParameter('You must provide MoveToVersionId, RemoveFromVersionId, or both.');
      }
      this.detach(holder, stage);
      this.changed(s);
      return { ARN: s.arn, Name: s.name };
    }
    const target = s.versions.find((v) => v.versionId === input.MoveToVersionId);
    if (!target) throw smErrors.versionNotFound(input.MoveToVersionId);
    if (holder && holder !== target && removeFrom === undefined) {
      throw smErrors.invalidParameter(
        `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    this.attach(s, stage, target);
    this.prune(s);
    this.changed(s);
    return { ARN: s.arn, Name: s.name };
  }

  /**
   * ListSecrets (rotation-facts §4.1): prefix filters, `!` negation, MaxResults 1-100, NextToken,
   * sorted by CreatedDate. Entries carry SecretVersionsToStages, never values.
   */
  public listSecrets(input: ListSecretsRequest): ListSecretsResponse {
    const matching = this.filtered(input.Filters, input.IncludePlannedDeletion ?? false);
    if (input.SortOrder === 'desc') matching.reverse();
    const { page, nextToken } = paginate(matching, input.MaxResults, input.NextToken, 100);
    return { SecretList: page.map((s) => this.listEntry(s)), NextToken: nextToken };
  }

  private filtered(filters: Filter[] | undefined, includeDeleted: boolean): StoredSecret[] {
    validateFilters(filters);
    this.purgeExpired();
    return [...this.secrets.values()]
      .filter((s) => includeDeleted || !s.deletedDate)
      .filter((s) => (filters ?? []).every((f) => filterMatches(s, f, this.region)))
      .sort((a, b) => a.createdDate.getTime() - b.createdDate.getTime());
  }

  private listEntry(s: StoredSecret): SecretListEntry {
    return {
      ARN: s.arn,
      Name: s.name,
      Description: s.description,
      KmsKeyId: s.kmsKeyId,
      RotationEnabled: s.rotationEnabled,
      RotationLambdaARN: s.rotationLambdaArn,
      RotationRules: s.rotationRules,
      LastRotatedDate: s.lastRotatedDate,
      LastChangedDate: s.lastChangedDate,
      LastAccessedDate: s.lastAccessedDate,
      DeletedDate: s.deletedDate,
      NextRotationDate: s.rotationEnabled ? s.nextRotationDate : undefined,
      Tags: s.tags.length > 0 ? s.tags.map((t) => ({ ...t })) : undefined,
      SecretVersionsToStages: stagesMap(s),
      CreatedDate: s.createdDate,
    };
  }

  /**
   * BatchGetSecretValue: SecretIdList (1-20) or Filters, never both; MaxResults only with Filters.
   * A missing secret is an entry in Errors[], not a failure of the call (rotation-facts §4.1).
   */
  public batchGetSecretValue(input: BatchGetSecretValueRequest): BatchGetSecretValueResponse {
    const ids = input.SecretIdList;
    if (ids !== undefined && input.Filters !== undefined) {
      throw smErrors.invalidParameter('Either provide SecretIdList or Filters, but not both.');
    }
    if (ids === undefined && input.Filters === undefined) {
      throw smErrors.invalidParameter('You must provide either SecretIdList or Filters.');
    }
    const values: NonNullable<BatchGetSecretValueResponse['SecretValues']> = [];
    const errors: NonNullable<BatchGetSecretValueResponse['Errors']> = [];
    const read = (secretId: string): void => {
      try {
        const v = this.getSecretValue({ SecretId: secretId });
        values.push({
          ARN: v.ARN,
          Name: v.Name,
          VersionId: v.VersionId,
          SecretString: v.SecretString,
          SecretBinary: v.SecretBinary,
          VersionStages: v.VersionStages,
          CreatedDate: v.CreatedDate,
        });
      } catch (error) {
        if (!(error instanceof Error) || !('code' in error)) throw error;
        errors.push({ SecretId: secretId, ErrorCode: String(error.code), Message: error.message });
      }
    };
    if (ids !== undefined) {
      if (ids.length < 1 || ids.length > 20) {
        throw smErrors.invalidParameter('SecretIdList must contain between 1 and 20 secret IDs.');
      }
      if (input.MaxResults !== undefined) {
        throw smErrors.invalidParameter('MaxResults can only be used with Filters.');
      }
      for (const id of ids) read(id);
      return { SecretValues: values, Errors: errors };
    }
    const { page, nextToken } = paginate(this.filtered(input.Filters, false), input.MaxResults, input.NextToken, 20);
    for (const s of page) read(s.arn);
    return { SecretValues: values, Errors: errors, NextToken: nextToken };
  }

  /** ListSecretVersionIds: unlabelled ("deprecated") versions only with IncludeDeprecated. */
  public listSecretVersionIds(input: ListSecretVersionIdsRequest): ListSecretVersionIdsResponse {
    const s = this.find(input.SecretId);
    const versions = s.versions.filter((v) => input.IncludeDeprecated || v.stages.length > 0);
    const { page, nextToken } = paginate(versions, input.MaxResults, input.NextToken, 100);
    return {
      ARN: s.arn,
      Name: s.name,
      NextToken: nextToken,
      Versions: page.map((v) => ({
        VersionId: v.versionId,
        VersionStages: [...v.stages],
        CreatedDate: v.createdDate,
        LastAccessedDate: v.lastAccessedDate,
      })),
    };
  }

  /** TagResource: adds tags, overwriting the value of keys already present. */
  public tagResource(input: TagResourceRequest): void {
    const s = this.find(input.SecretId);
    for (const tag of input.Tags ?? []) {
      const existing = s.tags.find((t) => t.Key === tag.Key);
      if (existing) existing.Value = tag.Value;
      else s.tags.push({ Key: tag.Key, Value: tag.Value });
    }
    this.changed(s);
  }

  /** UntagResource. */
  public untagResource(input: UntagResourceRequest): void {
    const s = this.find(input.SecretId);
    const keys = new Set(input.TagKeys ?? []);
    s.tags = s.tags.filter((t) => !keys.has(t.Key ?? ''));
    this.changed(s);
  }

  /** DeleteSecret: a recovery window of 7-30 days (default 30), or ForceDeleteWithoutRecovery. */
  public deleteSecret(input: DeleteSecretRequest): DeleteSecretResponse {
    const s = this.find(input.SecretId);
    if (input.ForceDeleteWithoutRecovery && input.RecoveryWindowInDays !== undefined) {
      throw smErrors.invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    const now = this.clock();
    if (input.ForceDeleteWithoutRecovery) {
      const rotation = this.running.get(s.arn);
      if (rotation) rotation.control.stopped = true;
      this.secrets.delete(s.arn);
      this.onChange();
      return { ARN: s.arn, Name: s.name, DeletionDate: now };
    }
    if (s.deletedDate) throw smErrors.markedForDeletion();
    const days = input.RecoveryWindowInDays ?? 30;
    if (days < 7 || days > 30) {
      throw smErrors.invalidParameter('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
    }
    s.deletedDate = now;
    s.deletionDate = new Date(now.getTime() + days * DAY_MS);
    this.onChange();
    return { ARN: s.arn, Name: s.name, DeletionDate: s.deletionDate };
  }

  /** RestoreSecret: cancels a scheduled deletion. */
  public restoreSecret(input: RestoreSecretRequest): RestoreSecretResponse {
    const s = this.find(input.SecretId);
    s.deletedDate = undefined;
    s.deletionDate = undefined;
    this.changed(s);
    return { ARN: s.arn, Name: s.name };
  }

  /**
   * CancelRotateSecret: turns rotation off and stops a running rotation. AWSPENDING stays where it is;
   * the API reference says to remove it with UpdateSecretVersionStage.
   */
  public cancelRotateSecret(input: CancelRotateSecretRequest): CancelRotateSecretResponse {
    const s = this.findLive(input.SecretId);
    const rotation = this.running.get(s.arn);
    if (rotation) rotation.control.stopped = true;
    s.rotationEnabled = false;
    s.nextRotationDate = undefined;
    this.changed(s);
    const pending = this.withStage(s, PENDING);
    return { ARN: s.arn, Name: s.name, VersionId: pending?.versionId };
  }

  /**
   * RotateSecret (rotation-facts §1.1, §1.2, §1.7). Fails while AWSPENDING sits on a version other
   * than AWSCURRENT's; otherwise pre-creates the AWSPENDING version id (= ClientRequestToken), returns
   * at once, and drives the four steps in the background. RotateImmediately=false runs only
   * testSecret against a temporary AWSPENDING copy of the current value.
   */
  public rotateSecret(input: RotateSecretRequest): RotateSecretResponse {
    const s = this.findLive(input.SecretId);
    const lambdaArn = input.RotationLambdaARN ?? s.rotationLambdaArn;
    if (!lambdaArn) throw smErrors.invalidRequest('No Lambda rotation function ARN is associated with this secret.');
    if (input.RotationRules) validateRotationRules(input.RotationRules);
    const invoker = this.rotationFunctions(lambdaArn);
    if (!invoker) {
      // The error AWS returns when it may not invoke the function (aws/aws-cdk#26481).
      throw new AwsApiError(
        'AccessDeniedException',
        'Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.',
      );
    }
    const current = this.withStage(s, CURRENT);
    const pending = this.withStage(s, PENDING);
    if ((pending && pending !== current) || this.running.has(s.arn)) {
      throw smErrors.invalidRequest("A previous rotation isn't complete. That rotation will be reattempted.");
    }
    const token = input.ClientRequestToken ?? randomUUID();
    if (s.versions.some((v) => v.versionId === token)) {
      throw smErrors.exists('A resource with the ID you requested already exists.');
    }
    s.rotationEnabled = true;
    s.rotationLambdaArn = lambdaArn;
    if (input.RotationRules) s.rotationRules = { ...input.RotationRules };
    const immediately = input.RotateImmediately ?? true;
    const version: StoredVersion = {
      versionId: token,
      value: immediately ? undefined : current?.value,
      stages: [],
      createdDate: this.clock(),
    };
    s.versions.push(version);
    this.attach(s, PENDING, version);
    if (!immediately) s.nextRotationDate = this.nextRotation(s);
    this.changed(s);
    this.startRotation(s, token, lambdaArn, invoker, immediately ? 'rotate' : 'test');
    return { ARN: s.arn, Name: s.name, VersionId: token };
  }

  // ---------------------------------------------------------------- rotation driver

  /**
   * Starts a rotation for every secret whose NextRotationDate has passed, as the rotation schedule
   * does on AWS; for the local scheduler loop. A secret whose previous rotation is stuck, or whose
   * function is not registered, is skipped. Returns the ARNs of the rotations started.
   */
  public rotateDue(): string[] {
    this.purgeExpired();
    const now = this.clock().getTime();
    const started: string[] = [];
    for (const s of [...this.secrets.values()]) {
      if (!s.rotationEnabled || s.deletedDate || this.running.has(s.arn)) continue;
      if (!s.nextRotationDate || s.nextRotationDate.getTime() > now) continue;
      try {
        this.rotateSecret({ SecretId: s.arn });
        started.push(s.arn);
      } catch {
        // Stuck AWSPENDING or no function: the probe reports these as rotation-overdue.
      }
    }
    return started;
  }

  /** Stops every running rotation after its current step (on shutdown). */
  public stopRotations(): void {
    for (const rotation of this.running.values()) rotation.control.stopped = true;
  }

  /** Settles when no rotation is running (for tests and demos). */
  public async waitForRotations(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
    }
  }

  private startRotation(
    s: StoredSecret,
    token: string,
    lambdaArn: string,
    invoker: RotationInvoker,
    mode: 'rotate' | 'test',
  ): void {
    const arn = s.arn;
    // `stopped` is read by the driver between steps; cancel, abandon and force-delete set it.
    const control = { stopped: false };
    const done = (async () => {
      // Run after the RotateSecret response, as Secrets Manager does.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        await this.drive(arn, token, lambdaArn, invoker, mode, control);
      } finally {
        this.running.delete(arn);
      }
    })();
    const rotation: RunningRotation = { token, mode, control, done };
    this.running.set(arn, rotation);
  }

  private async drive(
    arn: string,
    token: string,
    lambdaArn: string,
    invoker: RotationInvoker,
    mode: 'rotate' | 'test',
    rotation: { readonly stopped: boolean },
  ): Promise<void> {
    const test = mode === 'test';
    const steps = test ? (['testSecret'] as const) : STEPS;
    const requestId = `Rotation-${arn}-${randomUUID()}`;
    const rotationToken = randomUUID();
    this.serviceEvent(arn, test ? 'TestRotationStarted' : 'RotationStarted', requestId);
    let failedStep: string | undefined;
    for (let attempt = 0; attempt <= this.rotationRetries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.rotationRetryDelayMs));
      failedStep = undefined;
      for (const step of steps) {
        if (rotation.stopped || !this.secrets.has(arn)) return;
        try {
          await invoker({ Step: step, SecretId: arn, ClientRequestToken: token, RotationToken: rotationToken });
        } catch {
          // The function's error text is not copied anywhere: it could contain a token value.
          failedStep = step;
          break;
        }
      }
      if (rotation.stopped || !this.secrets.has(arn)) return;
      if (failedStep === undefined) {
        const s = this.secrets.get(arn)!;
        const version = s.versions.find((v) => v.versionId === token);
        if (test) {
          this.removeTestVersion(s, token);
          this.serviceEvent(arn, 'TestRotationSucceeded', requestId);
          return;
        }
        if (version?.stages.includes(CURRENT)) {
          // "Our backend cleans up the pending label on rotation" (rotation-facts §1.5).
          this.detach(version, PENDING);
          s.lastRotatedDate = this.clock();
          s.nextRotationDate = this.nextRotation(s);
          this.changed(s);
          this.serviceEvent(arn, 'RotationSucceeded', requestId);
          return;
        }
        failedStep = 'finishSecret';
      }
    }
    const s = this.secrets.get(arn);
    if (test && s) this.removeTestVersion(s, token);
    this.serviceEvent(
      arn,
      test ? 'TestRotationFailed' : 'RotationFailed',
      requestId,
      `Error when executing lambda ${lambdaArn} during ${failedStep} step`,
    );
  }

  /**
   * The AWSPENDING version of a RotateImmediately=false test is temporary (rotation-facts §1.7): drop
   * it, unless someone has since put another label on it, in which case only AWSPENDING goes.
   */
  private removeTestVersion(s: StoredSecret, token: string): void {
    const version = s.versions.find((v) => v.versionId === token);
    if (!version) return;
    this.detach(version, PENDING);
    if (version.stages.length === 0) s.versions = s.versions.filter((v) => v !== version);
    this.onChange();
  }

  /** A manual AWSCURRENT move during a rotation abandons it (rotation-facts §7.9). */
  private abandonRotation(s: StoredSecret): void {
    const rotation = this.running.get(s.arn);
    if (rotation?.mode !== 'rotate' || rotation.control.stopped) return;
    rotation.control.stopped = true;
    const pending = s.versions.find((v) => v.versionId === rotation.token);
    if (pending && !pending.stages.includes(CURRENT)) this.detach(pending, PENDING);
    this.serviceEvent(s.arn, 'RotationAbandoned', `Rotation-${s.arn}-${randomUUID()}`);
  }

  private nextRotation(s: StoredSecret): Date | undefined {
    const interval = rotationIntervalMs(s.rotationRules);
    return interval === undefined ? undefined : new Date(this.clock().getTime() + interval);
  }

  /** A CloudTrail-shaped service event (rotation-facts §3.1), on the default bus. */
  private serviceEvent(arn: string, eventName: string, requestId: string, errorMessage?: string): void {
    const time = this.clock();
    this.emit({
      source: 'aws.secretsmanager',
      detailType: 'AWS Service Event via CloudTrail',
      resources: [],
      time,
      detail: {
        eventVersion: '1.08',
        userIdentity: { accountId: this.account, invokedBy: 'secretsmanager.amazonaws.com' },
        eventTime: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource: 'secretsmanager.amazonaws.com',
        eventName,
        awsRegion: this.region,
        sourceIPAddress: 'secretsmanager.amazonaws.com',
        userAgent: 'secretsmanager.amazonaws.com',
        requestParameters: null,
        responseElements: null,
        ...(errorMessage === undefined ? {} : { errorMessage }),
        additionalEventData: { SecretId: arn },
        requestID: requestId,
        eventID: randomUUID(),
        readOnly: false,
        eventType: 'AwsServiceEvent',
        managementEvent: true,
        recipientAccountId: this.account,
        eventCategory: 'Management',
      },
    });
  }
}

// ---------------------------------------------------------------- helpers (module private)

function secretValueOf(input: {
  SecretString?: string;
  SecretBinary?: Uint8Array;
}): StoredVersion['value'] | undefined {
  if (input.SecretString !== undefined) return { string: input.SecretString };
  if (input.SecretBinary !== undefined) return { binaryBase64: Buffer.from(input.SecretBinary).toString('base64') };
  return undefined;
}

function sameValue(a: NonNullable<StoredVersion['value']>, b: NonNullable<StoredVersion['value']>): boolean {
  return a.string === b.string && a.binaryBase64 === b.binaryBase64;
}

function stagesMap(s: StoredSecret): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const v of s.versions) if (v.stages.length > 0) map[v.versionId] = [...v.stages];
  return map;
}

/** NextToken is an opaque offset; anything else is InvalidNextTokenException. */
function paginate<T>(
  items: T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  limit: number,
): { page: T[]; nextToken?: string } {
  const size = maxResults ?? limit;
  if (!Number.isInteger(size) || size < 1 || size > limit) {
    throw smErrors.invalidParameter(`MaxResults must be between 1 and ${limit}.`);
  }
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = Buffer.from(nextToken, 'base64url').toString('utf8');
    if (!/^offset:\d+$/.test(decoded)) throw smErrors.invalidNextToken();
    offset = Number(decoded.slice(7));
  }
  const page = items.slice(offset, offset + size);
  const end = offset + page.length;
  return {
    page,
    nextToken: end < items.length ? Buffer.from(`offset:${end}`).toString('base64url') : undefined,
  };
}

function validateFilters(filters: Filter[] | undefined): void {
  if (!filters) return;
  if (filters.length > 10) throw smErrors.invalidParameter('You can specify up to 10 filters.');
  for (const f of filters) {
    if (!f.Key || !FILTER_KEYS.has(f.Key)) throw smErrors.invalidParameter(`Invalid filter key: ${f.Key}`);
    const values = f.Values ?? [];
    if (values.length < 1 || values.length > 10) {
      throw smErrors.invalidParameter('Each filter must have between 1 and 10 values.');
    }
    if (values.some((v) => v.length > 512))
      throw smErrors.invalidParameter('Filter values can be up to 512 characters.');
  }
}

/**
 * One filter: its values are ORed, each a prefix match; a `!` value negates (the secret must match
 * none of them). description and all are case-insensitive (ListSecrets Filter, API reference).
 */
function filterMatches(s: StoredSecret, f: Filter, region: string): boolean {
  const fold = f.Key === 'description' || f.Key === 'all';
  const candidates = (): string[] => {
    const tagKeys = s.tags.map((t) => t.Key ?? '');
    const tagValues = s.tags.map((t) => t.Value ?? '');
    switch (f.Key) {
      case 'name':
        return [s.name];
      case 'description':
        return s.description === undefined ? [] : [s.description];
      case 'tag-key':
        return tagKeys;
      case 'tag-value':
        return tagValues;
      case 'primary-region':
        return [region];
      case 'owning-service':
        return [];
      default:
        return [s.name, ...(s.description === undefined ? [] : [s.description]), ...tagKeys, ...tagValues];
    }
  };
  const fields = candidates().map((c) => (fold ? c.toLowerCase() : c));
  // `all` "breaks the filter value string into words and then searches all attributes for
  // matches": every word must prefix-match an attribute or a word inside one.
  const words = f.Key === 'all' ? fields.flatMap((c) => [c, ...c.split(/[\s/_+=.@:-]+/)]) : fields;
  const hit = (prefix: string): boolean => {
    const p = fold ? prefix.toLowerCase() : prefix;
    if (f.Key !== 'all') return fields.some((c) => c.startsWith(p));
    return p
      .split(/\s+/)
      .filter(Boolean)
      .every((word) => words.some((c) => c.startsWith(word)));
  };
  const values = f.Values ?? [];
  const positive = values.filter((v) => !v.startsWith('!'));
  const negative = values.filter((v) => v.startsWith('!')).map((v) => v.slice(1));
  return (positive.length === 0 || positive.some(hit)) && !negative.some(hit);
}

const RATE = /^rate\((\d+) (hour|hours|day|days)\)$/;
const CRON = /^cron\((.+)\)$/;

/** RotationRules: AutomaticallyAfterDays 1-1000 or ScheduleExpression rate()/cron(), at least 4 hours apart. */
function validateRotationRules(rules: RotationRulesType): void {
  if (rules.AutomaticallyAfterDays !== undefined && rules.ScheduleExpression !== undefined) {
    throw smErrors.invalidParameter('You can use either AutomaticallyAfterDays or ScheduleExpression, but not both.');
  }
  if (rules.AutomaticallyAfterDays !== undefined) {
    const days = rules.AutomaticallyAfterDays;
    if (!Number.isInteger(days) || days < 1 || days > 1000) {
      throw smErrors.invalidParameter('AutomaticallyAfterDays must be between 1 and 1000.');
    }
    return;
  }
  if (rules.Duration !== undefined && !/^[0-9h]+$/.test(rules.Duration)) {
    throw smErrors.invalidParameter(`The rotation window ${rules.Duration} is invalid; use hours, e.g. 3h.`);
  }
  const expression = rules.ScheduleExpression;
  if (expression === undefined) return;
  if (expression.length > 256) throw smErrors.invalidParameter('ScheduleExpression can be up to 256 characters.');
  const rate = RATE.exec(expression);
  if (rate) {
    const ms = Number(rate[1]) * (rate[2]!.startsWith('hour') ? HOUR_MS : DAY_MS);
    if (ms < 4 * HOUR_MS || ms > 1000 * DAY_MS) {
      throw smErrors.invalidParameter(
        `The rotation schedule ${expression} is invalid: rotation must be at least 4 hours and at most 1000 days apart.`,
      );
    }
    return;
  }
  const cron = CRON.exec(expression);
  const fields = cron?.[1]?.trim().split(/\s+/) ?? [];
  // Secrets Manager cron: cron(Min Hours DoM Month DoW Year), minutes 0 and year * (rotation-facts §1.7).
  if (fields.length !== 6 || fields[0] !== '0' || fields[5] !== '*') {
    throw smErrors.invalidParameter(`The schedule expression ${expression} is not valid.`);
  }
  const hours = fields[1] ?? '';
  const step = /\/(\d+)$/.exec(hours);
  const frequentHours = hours === '*' || (step !== null && Number(step[1]) < 4) || hours.split(',').length > 6;
  if (frequentHours) {
    throw smErrors.invalidParameter(
      `The rotation schedule ${expression} is invalid: rotation must be at least 4 hours apart.`,
    );
  }
}

/** The interval for NextRotationDate; undefined for cron schedules (not computed locally). */
function rotationIntervalMs(rules: RotationRulesType | undefined): number | undefined {
  if (!rules) return undefined;
  if (rules.AutomaticallyAfterDays !== undefined) return rules.AutomaticallyAfterDays * DAY_MS;
  const rate = rules.ScheduleExpression === undefined ? null : RATE.exec(rules.ScheduleExpression);
  if (!rate) return undefined;
  return Number(rate[1]) * (rate[2]!.startsWith('hour') ? HOUR_MS : DAY_MS);
}
