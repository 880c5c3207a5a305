import {
  UpdateSecretVersionStageCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { clientsFor } from '../../bench/fixtures';
import { type AwsStandIn, type AwsStandInOptions, startAwsStandIn } from '../../local/aws';
import type { Inventory } from '../../lib/inventory/schema';
import type { ProviderAdapter } from '../../lambdas/providers/types';
import { type RotationDeps, rotate } from '../../lambdas/rotation/engine';
import { parseEntries } from '../../lambdas/rotation/pending-revocation';
import type { Log } from '../../lambdas/shared/logger';
import { TAG } from '../../lambdas/shared/names';
import { parseSecretValue } from '../../lambdas/shared/secret-value';
import type { SecretsSend } from '../../lambdas/rotation/pending-revocation';

export const ROTATION_LAMBDA = 'arn:aws:lambda:eu-west-1:000000000000:function:tokenwarden-rotation';

/** A stand-in whose rotation invoker runs the real engine with an SDK client to the stand-in itself. */
export interface RotationRig {
  readonly aws: AwsStandIn;
  readonly secrets: SecretsManagerClient;
  close(): Promise<void>;
}

export interface RigOptions {
  readonly inventory: Inventory;
  readonly adapter: ProviderAdapter;
  readonly clock?: () => Date;
  readonly logger?: Log;
  /** Wraps the engine's Secrets Manager client (crash injection). @default as is */
  readonly wrapSecrets?: (client: SecretsSend) => SecretsSend;
  readonly standIn?: AwsStandInOptions;
}

export async function startRotationRig(options: RigOptions): Promise<RotationRig> {
  let deps: RotationDeps | undefined;
  const aws = await startAwsStandIn({
    port: 0,
    rotationRetryDelayMs: 1,
    ...options.standIn,
    rotationFunctions: () => (event) => rotate(event, deps!),
  });
  const { secrets } = clientsFor(aws);
  const engineClient = clientsFor(aws).secrets;
  deps = {
    secrets: options.wrapSecrets ? options.wrapSecrets(engineClient) : engineClient,
    adapterFor: () => options.adapter,
    inventory: options.inventory,
    readAdminSecret: async () => 'admin-CANARY-secret',
    logger: options.logger ?? { debug() {}, info() {}, warn() {}, error() {} },
    clock: options.clock ?? (() => new Date()),
    sleep: async () => {},
    testRetry: { attempts: 2, baseDelayMs: 1 },
  };
  return {
    aws,
    secrets,
    close: async () => {
      secrets.destroy();
      engineClient.destroy();
      await aws.close();
    },
  };
}

/** RotateSecret through the SDK and wait for the stand-in to finish (with its retries). */
export async function rotateOnce(rig: RotationRig, secretId: string): Promise<void> {
  await rig.secrets.send(
    new RotateSecretCommand({
      SecretId: secretId,
      RotationLambdaARN: ROTATION_LAMBDA,
      RotationRules: { AutomaticallyAfterDays: 30 },
    }),
  );
  await rig.aws.waitForRotations();
}

/** The token in a stage (AWSCURRENT by default) or version. */
export async function tokenAt(
  secrets: SecretsManagerClient,
  secretId: string,
  select: { stage?: string; versionId?: string } = {},
): Promise<string> {
  const out = await secrets.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      ...(select.versionId ? { VersionId: select.versionId } : { VersionStage: select.stage ?? 'AWSCURRENT' }),
    }),
  );
  const parsed = parseSecretValue(out.SecretString);
  if (parsed.kind !== 'ok') throw new Error(`secret ${secretId} holds no token value (${parsed.kind})`);
  return parsed.value.token;
}

/** Stages per version, and the versions the pending-revocation tag lists. */
export async function describeSecret(
  secrets: SecretsManagerClient,
  secretId: string,
): Promise<{ stages: Record<string, string[]>; pendingRevocation: string[] }> {
  const out = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const tag = out.Tags?.find((t) => t.Key === TAG.pendingRevocation)?.Value;
  return { stages: out.VersionIdsToStages ?? {}, pendingRevocation: parseEntries(tag).map((e) => e.versionId) };
}

/**
 * Tokens the secret still accounts for: AWSCURRENT, AWSPENDING and the versions awaiting revocation.
 * A live provider token outside this set is lost (nobody will ever revoke it).
 */
export async function accountedTokens(secrets: SecretsManagerClient, secretId: string): Promise<Set<string>> {
  const { stages, pendingRevocation } = await describeSecret(secrets, secretId);
  const versions = new Set(pendingRevocation);
  for (const [versionId, labels] of Object.entries(stages)) {
    if (labels.includes('AWSCURRENT') || labels.includes('AWSPENDING')) versions.add(versionId);
  }
  const tokens = new Set<string>();
  for (const versionId of versions) {
    try {
      tokens.add(await tokenAt(secrets, secretId, { versionId }));
    } catch {
      // A pending version without a value yet holds no token.
    }
  }
  return tokens;
}

/**
 * The operator's fix for a stuck rotation (rotation-facts §7.1: "repair the cause, then CancelRotateSecret
 * or strip AWSPENDING from the orphan version"): strips AWSPENDING, so the next RotateSecret can start.
 * @returns whether there was a stuck AWSPENDING
 */
export async function stripStuckPending(secrets: SecretsManagerClient, secretId: string): Promise<boolean> {
  const { stages } = await describeSecret(secrets, secretId);
  const stuck = Object.entries(stages).find(
    ([, labels]) => labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT'),
  );
  if (!stuck) return false;
  await secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSPENDING',
      RemoveFromVersionId: stuck[0],
    }),
  );
  return true;
}
