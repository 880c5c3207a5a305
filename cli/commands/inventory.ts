import { TAG, secretNameFor } from '../../lambdas/shared/names';
import { parseSecretValue } from '../../lambdas/shared/secret-value';
import { InventoryError, type InventoryProblem, formatProblem } from '../../lib/inventory/load';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../errors';
import { Output } from '../output';
import { batchRead, listManagedSecrets, loadEnv, tagsOf } from '../tokens';

export interface InventoryOptions {
  readonly env?: string;
  readonly json: boolean;
}

/**
 * `tokenwarden inventory validate [--env qa]`: the same checks as `cdk synth`, every problem as
 * file:line:col. Without --env, every environment in the folder.
 * @returns 0 valid, 1 problems found
 */
export async function inventoryValidate(options: InventoryOptions, deps: CliDeps): Promise<number> {
  const out = new Output(deps, options.json);
  const envs = options.env ? [options.env] : deps.listEnvironments();
  if (envs.length === 0)
    throw new CliError(`no inventory files in ${deps.inventoryDir}: add ${deps.inventoryDir}/<env>.yaml`);
  const problems: InventoryProblem[] = [];
  const valid: string[] = [];
  for (const env of envs) {
    try {
      deps.loadInventory(env);
      valid.push(env);
    } catch (error) {
      if (error instanceof InventoryError) problems.push(...error.problems);
      else throw new CliError(error instanceof Error ? error.message : String(error), EXIT.usage, { cause: error });
    }
  }
  if (out.json) out.writeJson({ valid, problems });
  else {
    for (const p of problems) out.line(formatProblem(p));
    for (const env of valid) out.note(`${env}: valid`);
  }
  return problems.length > 0 ? EXIT.usage : EXIT.ok;
}

/** A difference between the inventory and what is deployed. */
export interface Drift {
  readonly token: string;
  readonly kind: 'not deployed' | 'not declared' | 'tag drift' | 'missing value';
  readonly detail: string;
}

/**
 * `tokenwarden inventory diff --env qa`: inventory vs deployed secrets (ListSecrets, and one batched read
 * to find tokens still holding the placeholder).
 * @returns 0 always (a report; deploy or seed to converge)
 */
export async function inventoryDiff(options: InventoryOptions, deps: CliDeps): Promise<number> {
  const inventory = loadEnv(options.env, deps);
  const env = inventory.name;
  const out = new Output(deps, options.json);
  const client = deps.secrets(inventory);
  const deployed = new Map<string, Record<string, string>>();
  for (const entry of await listManagedSecrets(client, env)) {
    const tags = tagsOf(entry);
    deployed.set(tags[TAG.token] ?? entry.Name?.split('/').pop() ?? '?', tags);
  }
  const drift: Drift[] = [];
  const present: string[] = [];
  for (const spec of inventory.tokens) {
    const tags = deployed.get(spec.name);
    if (!tags) {
      drift.push({ token: spec.name, kind: 'not deployed', detail: `deploy: cdk deploy -c env=${env}` });
      continue;
    }
    present.push(spec.name);
    for (const [tag, want] of [
      [TAG.provider, spec.provider],
      [TAG.owner, spec.owner],
    ] as const) {
      if (tags[tag] !== want) {
        drift.push({
          token: spec.name,
          kind: 'tag drift',
          detail: `${tag} is "${tags[tag] ?? ''}", inventory says "${want}"`,
        });
      }
    }
  }
  for (const name of deployed.keys()) {
    if (!inventory.tokens.some((t) => t.name === name)) {
      drift.push({ token: name, kind: 'not declared', detail: `deployed but not in ${deps.inventoryDir}/${env}.yaml` });
    }
  }
  const reads = await batchRead(
    client,
    present.map((n) => secretNameFor(env, n)),
  );
  for (const name of present) {
    const read = reads.get(secretNameFor(env, name));
    if (read?.kind === 'value' && parseSecretValue(read.secretString).kind === 'missing') {
      drift.push({ token: name, kind: 'missing value', detail: `seed it: tokenwarden put ${env}/${name} < token.txt` });
    }
  }
  if (out.json) out.writeJson({ env, drift });
  else if (drift.length === 0) out.line(`${env}: inventory and deployed secrets agree`);
  else
    out.table(
      ['token', 'difference', 'detail'],
      drift.map((d) => [d.token, out.paint('yellow', d.kind), d.detail]),
    );
  return EXIT.ok;
}
