import { tokenContext } from '../lambdas/providers/context';
import {
  BatchGetSecretValueCommand,
  ListSecretsCommand,
  type SecretListEntry,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { TAG, secretNameFor } from '../lambdas/shared/names';
import type { Inventory, TokenSpec } from '../lib/inventory/schema';
import type { TokenContext } from '../lambdas/providers/types';
import type { CliDeps } from './deps';
import { explainAwsError } from './aws';
import { CliError, EXIT } from './errors';

/** A token named on the command line, resolved against its environment's inventory. */
export interface ResolvedToken {
  readonly env: string;
  readonly inventory: Inventory;
  readonly spec: TokenSpec;
  readonly secretName: string;
}

/**
 * Splits `<env>/<token>` (or `<token>` with `--env`, or TOKENWARDEN_ENV) into its parts.
 * @throws CliError when no environment is given or both disagree
 */
export function parseTokenRef(
  ref: string,
  envOption: string | undefined,
  env: NodeJS.ProcessEnv,
): { env: string; token: string } {
  const slash = ref.indexOf('/');
  if (slash >= 0) {
    const refEnv = ref.slice(0, slash);
    const token = ref.slice(slash + 1);
    if (envOption && envOption !== refEnv) {
      throw new CliError(`"${ref}" names environment ${refEnv} but --env says ${envOption}; give one of them`);
    }
    if (!refEnv || !token) throw new CliError(`expected <env>/<token>, got "${ref}"`);
    return { env: refEnv, token };
  }
  const chosen = envOption ?? env['TOKENWARDEN_ENV'];
  if (!chosen) throw new CliError(`which environment is "${ref}" in? write <env>/${ref} or pass --env <env>`);
  return { env: chosen, token: ref };
}

/** Loads the environment and finds the token in it. @throws CliError naming the declared tokens */
export function resolveToken(ref: string, envOption: string | undefined, deps: CliDeps): ResolvedToken {
  const { env, token } = parseTokenRef(ref, envOption, deps.env);
  const inventory = loadEnv(env, deps);
  return { env, inventory, spec: findSpec(inventory, token, deps.inventoryDir), secretName: secretNameFor(env, token) };
}

/** Loads an environment, turning loader errors into CliErrors (exit 1). */
export function loadEnv(env: string | undefined, deps: CliDeps): Inventory {
  try {
    return deps.loadInventory(env ?? deps.env['TOKENWARDEN_ENV']);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage, { cause: error });
  }
}

export function findSpec(inventory: Inventory, token: string, dir: string): TokenSpec {
  const spec = inventory.tokens.find((t) => t.name === token);
  if (!spec) {
    throw new CliError(
      `token "${token}" is not declared in ${dir}/${inventory.name}.yaml; declared: ${inventory.tokens.map((t) => t.name).join(', ')}`,
    );
  }
  return spec;
}

/** What an adapter needs about a token, from its inventory entry. */
export function contextFor(env: string, spec: TokenSpec): TokenContext {
  return tokenContext(env, spec);
}

/** Tags of a ListSecrets entry as a map. */
export function tagsOf(entry: SecretListEntry): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of entry.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return tags;
}

/**
 * Every managed secret of an environment, all pages (100 per call). The name prefix and tag key narrow
 * the server side; tag values are checked here because ListSecrets matches tag keys and values
 * independently (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Filter.html).
 */
export async function listManagedSecrets(client: SecretsManagerClient, env: string): Promise<SecretListEntry[]> {
  const found: SecretListEntry[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await client.send(
        new ListSecretsCommand({
          MaxResults: 100,
          NextToken: nextToken,
          Filters: [
            { Key: 'tag-key', Values: [TAG.managed] },
            { Key: 'name', Values: [`tokenwarden/${env}/`] },
          ],
        }),
      );
      for (const entry of page.SecretList ?? []) {
        const tags = tagsOf(entry);
        if (tags[TAG.managed] === 'true' && tags[TAG.env] === env) found.push(entry);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  } catch (error) {
    throw explainAwsError(error, `listing the secrets of ${env}`);
  }
  return found;
}

/** One secret read by BatchGetSecretValue: its string, or the error Secrets Manager reported for it. */
export type BatchRead =
  | { readonly kind: 'value'; readonly secretString: string | undefined }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** Reads secrets by name, 20 per call (the API's limit), never holding the values in anything but the result map. */
export async function batchRead(
  client: SecretsManagerClient,
  names: readonly string[],
): Promise<Map<string, BatchRead>> {
  const results = new Map<string, BatchRead>();
  for (let i = 0; i < names.length; i += 20) {
    const chunk = names.slice(i, i + 20);
    let nextToken: string | undefined;
    try {
      do {
        const page = await client.send(new BatchGetSecretValueCommand({ SecretIdList: chunk, NextToken: nextToken }));
        for (const value of page.SecretValues ?? []) {
          const key = chunk.find((n) => n === value.Name || n === value.ARN) ?? value.Name ?? '';
          results.set(key, { kind: 'value', secretString: value.SecretString });
        }
        for (const error of page.Errors ?? []) {
          const key =
            chunk.find((n) => error.SecretId === n || error.SecretId?.includes(`:secret:${n}`)) ?? error.SecretId ?? '';
          results.set(key, { kind: 'error', code: error.ErrorCode ?? 'Error', message: error.Message ?? '' });
        }
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw explainAwsError(error, 'reading token values');
    }
  }
  return results;
}
