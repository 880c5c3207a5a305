import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { ProviderName } from '../lambdas/providers/catalog';
import { fingerprintKeySecretName, secretNameFor, tokenTags } from '../lambdas/shared/names';
import { PLACEHOLDER_VALUE } from '../lambdas/shared/secret-value';
import { type Inventory, rotationExpression } from '../lib/inventory/schema';

/**
 * "Deploys" an inventory into the local stand-in the way the stack does: one secret per token holding
 * the placeholder and the stack's tags, the fingerprint key, the admin secrets, the Slack webhook secret,
 * and rotation (function + schedule from the inventory) on every non-manual token.
 */

/** The local "function" of a provider's rotation Lambda; the pipeline maps this ARN to an in-process invoker. */
export function localRotationFunctionArn(inventory: Inventory, provider: ProviderName): string {
  return `arn:aws:lambda:${inventory.region}:${inventory.account}:function:tokenwarden-${inventory.name}-rotate-${provider}`;
}

export interface DeployLocalOptions {
  readonly secrets: SecretsManagerClient;
  readonly inventory: Inventory;
  /**
   * Admin secret name → value created at the fakes. The fakes live in memory, so these values are
   * written on every start (an admin key from the last run is unknown to the new fakes).
   */
  readonly adminSecrets: Readonly<Record<string, string>>;
  /** URL of the local Slack sink; stored in `alerts.slackWebhookSecret`. */
  readonly slackWebhookUrl?: string;
  /**
   * Configure rotation here (true) or leave it to a later {@link configureLocalRotation} call (false),
   * e.g. after seeding: RotateImmediately=false still runs testSecret, which fails on a placeholder.
   * @default true
   */
  readonly configureRotation?: boolean;
}

export interface DeployLocalResult {
  /** Secrets created by this run (names); empty when the state file already held everything. */
  readonly created: string[];
  /** Tokens whose rotation was configured by this run. */
  readonly rotationConfigured: string[];
}

/**
 * Idempotent: existing secrets keep their values (a token seeded earlier stays), rotation is configured
 * only where it is not enabled yet; admin and webhook values are refreshed (see `adminSecrets`).
 */
export async function deployLocal(options: DeployLocalOptions): Promise<DeployLocalResult> {
  const { secrets, inventory } = options;
  const env = inventory.name;
  const created: string[] = [];
  const ensure = async (name: string, value: string, tags: Record<string, string>, refresh: boolean) => {
    try {
      await secrets.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      created.push(name);
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      if (refresh) await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    }
  };
  await ensure(fingerprintKeySecretName(env), randomBytes(32).toString('hex'), {}, false);
  for (const [name, value] of Object.entries(options.adminSecrets)) await ensure(name, value, {}, true);
  if (inventory.alerts.slackWebhookSecret && options.slackWebhookUrl) {
    await ensure(inventory.alerts.slackWebhookSecret, options.slackWebhookUrl, {}, true);
  }
  for (const token of inventory.tokens) {
    const name = secretNameFor(env, token.name);
    await ensure(name, PLACEHOLDER_VALUE, tokenTags(env, token), false);
  }
  const rotationConfigured =
    options.configureRotation === false ? [] : await configureLocalRotation(secrets, inventory);
  return { created, rotationConfigured };
}

/**
 * RotateSecret with the provider's local function and the inventory's schedule on every non-manual
 * token whose rotation is not enabled yet. Returns the tokens configured.
 */
export async function configureLocalRotation(secrets: SecretsManagerClient, inventory: Inventory): Promise<string[]> {
  const configured: string[] = [];
  for (const token of inventory.tokens) {
    const schedule = rotationExpression(token.rotation);
    if (schedule === undefined) continue;
    const name = secretNameFor(inventory.name, token.name);
    const describe = await secrets.send(new DescribeSecretCommand({ SecretId: name }));
    if (describe.RotationEnabled) continue;
    await secrets.send(
      new RotateSecretCommand({
        SecretId: name,
        RotationLambdaARN: localRotationFunctionArn(inventory, token.provider),
        RotationRules: { ScheduleExpression: schedule },
        // The stack does not rotate at deploy time either: the placeholder has nothing to rotate from.
        RotateImmediately: false,
      }),
    );
    configured.push(token.name);
  }
  return configured;
}
