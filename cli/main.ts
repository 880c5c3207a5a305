import { pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProviderName } from '../lambdas/providers/catalog';
import type { ProviderAdapter } from '../lambdas/providers/types';
import type { Inventory } from '../lib/inventory/schema';
import type { CliDeps } from './deps';
import { CliError } from './errors';
import { processRuntime, type RuntimeDeps } from './runtime';

const EXIT_CODES = `
Exit codes:
  0  ok
  1  usage or configuration error (bad arguments, invalid inventory, no region)
  2  token problem: invalid, missing (not seeded), expired, rotation failed, or not readable by the CI role;
     scan --fail with findings
  3  AWS or a provider unreachable (indeterminate), access denied, or the AWS session expired
  exec returns its command's own exit code (128+n when a signal ended it, 127 when it is not found,
     126 when it cannot be executed)
  130 Ctrl-C: rotate --wait stopped waiting (the rotation goes on in AWS), or a prompt was cancelled

Tokens are named <env>/<token> (qa/gitlab-ci) or <token> with --env qa (or TOKENWARDEN_ENV).
With --local the CLI talks to the local stand-in on http://127.0.0.1:$TOKENWARDEN_AWS_PORT (default 47660);
otherwise the standard AWS credential chain is used, and AWS_ENDPOINT_URL is honoured.`;

interface GlobalOptions {
  inventory: string;
  local: boolean;
  region?: string;
  json: boolean;
}

/** `--tokens a,b,a` → [a, b]: each token is read, checked and reported once. */
const list = (text: string): string[] => [
  ...new Set(
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

/**
 * Runs the CLI on `argv` (without node and script) and returns the exit code; never calls process.exit.
 * Tests pass a runtime with fake writers, clock, spawn and adapters.
 */
export async function runCli(argv: readonly string[], runtime: RuntimeDeps): Promise<number> {
  let code = 0;
  const program = new Command('tokenwarden');
  // Heavy modules (AWS SDK, provider adapters, secretlint) load only when a command runs, so --help and
  // usage errors start fast.
  const depsFor = async (cmd: Command): Promise<{ deps: CliDeps; json: boolean }> => {
    const g = cmd.optsWithGlobals<GlobalOptions & { env?: string }>();
    const [{ secretsClientFor }, { adapterFor }, { adminSecretReader }, { listEnvironments, loadEnvironment }] =
      await Promise.all([
        import('./aws'),
        import('../lambdas/providers/registry'),
        import('../lambdas/shared/admin-secret'),
        import('../lib/inventory/load'),
      ]);
    // One client per environment and one adapter per provider for the whole run.
    const clients = new Map<string, SecretsManagerClient>();
    let lastClient: SecretsManagerClient | undefined;
    const secrets = (inventory: Inventory): SecretsManagerClient => {
      let client = clients.get(inventory.name);
      if (!client) {
        client = secretsClientFor(
          inventory,
          { local: g.local, ...(g.region ? { region: g.region } : {}) },
          runtime.env,
        );
        clients.set(inventory.name, client);
      }
      lastClient = client;
      return client;
    };
    // The oauth2 adapter authenticates introspection with the client secret held in the token's admin
    // secret; a run works on one environment, whose client has been made by the time a token is verified.
    const readAdminSecret = (name: string): Promise<string> => {
      if (!lastClient) return Promise.reject(new Error(`no Secrets Manager client to read ${name} with`));
      return adminSecretReader(lastClient)(name);
    };
    const adapters = new Map<ProviderName, ProviderAdapter>();
    const cachedAdapterFor = (name: ProviderName): ProviderAdapter => {
      let adapter = adapters.get(name);
      if (!adapter) {
        adapter = adapterFor(name, { readAdminSecret });
        adapters.set(name, adapter);
      }
      return adapter;
    };
    const deps: CliDeps = {
      adapterFor: cachedAdapterFor,
      ...runtime,
      inventoryDir: g.inventory,
      loadInventory: (env) => loadEnvironment(g.inventory, env),
      listEnvironments: () => listEnvironments(g.inventory),
      secrets,
    };
    return { deps, json: g.json };
  };
  const envOption = (): Option =>
    new Option('--env <env>', 'environment (inventory/<env>.yaml); default $TOKENWARDEN_ENV');

  program
    .description('Keeps the API tokens that QA environments depend on alive, scoped and visible.')
    .option('--inventory <dir>', 'inventory folder', 'inventory')
    .option('--local', 'use the local stand-in instead of AWS', false)
    .option('--region <region>', "AWS region (default: the inventory's region)")
    .option('--json', 'machine-readable output on stdout', false)
    .configureOutput({ writeOut: runtime.stdout, writeErr: runtime.stderr })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES);

  program
    .command('status')
    .description('health of every token of an environment, worst first (from the tags the probe writes)')
    .addOption(envOption())
    .addHelpText(
      'after',
      '\nExamples:\n  tokenwarden status --env qa\n  tokenwarden status --env qa --json | jq \'.tokens[] | select(.severity != "ok")\'',
    )
    .action(async (opts: { env?: string }, cmd: Command) => {
      const { deps, json } = await depsFor(cmd);
      code = await (await import('./commands/status')).status({ ...opts, json }, deps);
    });

  program
    .command('check')
    .description('read one token, ask its provider, print what it said and the verdict (never the value)')
    .argument('<token>', '<env>/<token> or <token> with --env')
    .addOption(envOption())
    .addHelpText(
      'after',
      '\nExamples:\n  tokenwarden check qa/gitlab-ci\n  tokenwarden check --env qa stripe-test --json',
    )
    .action(async (ref: string, opts: { env?: string }, cmd: Command) => {
      const { deps, json } = await depsFor(cmd);
      code = await (await import('./commands/check')).check(ref, { ...opts, json }, deps);
    });

  program
    .command('rotate')
    .description('start a rotation now (refuses manual tokens); --wait follows it to the end')
    .argument('<token>', '<env>/<token> or <token> with --env')
    .addOption(envOption())
    .option('--wait', 'wait until the new version is AWSCURRENT', false)
    .option('--timeout <seconds>', 'give up waiting after this long', '300')
    .addHelpText(
      'after',
      '\nExamples:\n  tokenwarden rotate qa/gitlab-ci --wait\n  tokenwarden rotate --env qa orders-api',
    )
    .action(async (ref: string, opts: { env?: string; wait: boolean; timeout: string }, cmd: Command) => {
      const { deps, json } = await depsFor(cmd);
      const timeoutMs = Number(opts.timeout) * 1000;
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
        throw new CliError(`--timeout expects a positive number of seconds, got "${opts.timeout}"`);
      code = await (await import('./commands/rotate')).rotate(
        ref,
        { ...(opts.env ? { env: opts.env } : {}), wait: opts.wait, timeoutMs, json },
        deps,
      );
    });

  program
    .command('put')
    .description('store a token issued by hand, read from stdin or --from-file; verified with the provider first')
    .argument('<token>', '<env>/<token> or <token> with --env')
    // Extra arguments are accepted by the parser only to be refused with the reason, never echoed.
    .allowExcessArguments(true)
    .addOption(envOption())
    .option('--from-file <file>', 'read the value from this file instead of stdin')
    .option('--expires-at <date>', 'expiry for providers that do not report one (YYYY-MM-DD or "never")')
    .option('--force', 'store even if the provider cannot be reached to verify', false)
    .addHelpText(
      'after',
      '\nThe value is never taken from the command line: arguments end up in shell history and are visible\nto every user in process lists (ps). Pipe it in or use --from-file.\n\nExamples:\n  pbpaste | tokenwarden put qa/stripe-test --expires-at 2027-03-01\n  tokenwarden put --env qa sendgrid-mail --from-file ./key.txt',
    )
    .action(
      async (
        ref: string,
        opts: { env?: string; fromFile?: string; expiresAt?: string; force: boolean },
        cmd: Command,
      ) => {
        const { deps, json } = await depsFor(cmd);
        code = await (await import('./commands/put')).put(ref, { ...opts, extra: cmd.args.slice(1), json }, deps);
      },
    );

  program
    .command('exec')
    .description('run a command with tokens in its environment only, after checking them')
    .addOption(envOption())
    .requiredOption('--tokens <names>', 'comma-separated token names')
    .option('--no-verify', 'skip asking the providers (still reads and checks expiry)')
    .option('--allow-unverified', 'run even when a provider cannot be reached', false)
    .argument('<command...>', 'the command, after --')
    .addHelpText(
      'after',
      '\nEach token goes into its envVar (default NAME_TOKEN, e.g. gitlab-ci -> GITLAB_CI_TOKEN). GitHub App tokens\nare exchanged for a 1-hour installation token. Under GitHub Actions the values are masked first (::add-mask::).\n\nExamples:\n  tokenwarden exec --env qa --tokens gitlab-ci,stripe-test -- npm test\n  tokenwarden exec --env qa --tokens orders-api --allow-unverified -- ./smoke.sh',
    )
    .action(
      async (
        command: string[],
        opts: { env?: string; tokens: string; verify: boolean; allowUnverified: boolean },
        cmd: Command,
      ) => {
        const { deps } = await depsFor(cmd);
        code = await (await import('./commands/exec')).exec(
          {
            ...(opts.env ? { env: opts.env } : {}),
            tokens: list(opts.tokens),
            verify: opts.verify,
            allowUnverified: opts.allowUnverified,
            command,
          },
          deps,
        );
      },
    );

  program
    .command('preflight')
    .description(
      "exec's checks without running anything: ok / expiring (exit 0), invalid, missing or expired (exit 2), provider unreachable (exit 3)",
    )
    .addOption(envOption())
    .requiredOption('--tokens <names>', 'comma-separated token names')
    .option('--allow-unverified', 'exit 0 when a provider cannot be reached', false)
    .addHelpText('after', '\nExamples:\n  tokenwarden preflight --env qa --tokens gitlab-ci,stripe-test')
    .action(async (opts: { env?: string; tokens: string; allowUnverified: boolean }, cmd: Command) => {
      const { deps, json } = await depsFor(cmd);
      code = await (await import('./commands/preflight')).preflight(
        {
          ...(opts.env ? { env: opts.env } : {}),
          tokens: list(opts.tokens),
          verify: true,
          allowUnverified: opts.allowUnverified,
          json,
        },
        deps,
      );
    });

  program
    .command('scan')
    .description(
      "find plaintext secrets (secretlint) and leaked values of the environment's managed tokens (by fingerprint)",
    )
    .argument(
      '[paths...]',
      'files or folders (default .); node_modules, .git, binaries and files over 1 MiB are skipped',
    )
    .addOption(envOption())
    .option('--fail', 'exit 2 when anything is found', false)
    .addHelpText('after', '\nExamples:\n  tokenwarden scan --env qa --fail .\n  tokenwarden scan src test --json')
    .action(async (paths: string[], opts: { env?: string; fail: boolean }, cmd: Command) => {
      const { deps, json } = await depsFor(cmd);
      code = await (await import('./commands/scan')).scan(paths, { ...opts, json }, deps);
    });

  const inventory = program.command('inventory').description('check the inventory files');
  inventory
    .command('validate')
    .description('the same checks as cdk synth; every problem as file:line:col (exit 1)')
    .addOption(envOption())
    .addHelpText('after', '\nExamples:\n  tokenwarden inventory validate\n  tokenwarden inventory validate --env qa')
    .action(async (opts: { env?: string }, cmd: Command) => {
      const { deps, json } = await depsFor(cmd);
      code = await (await import('./commands/inventory')).inventoryValidate({ ...opts, json }, deps);
    });
  inventory
    .command('diff')
    .description('inventory vs deployed: not deployed, not declared, drifted tags, values never seeded')
    .addOption(envOption())
    .addHelpText('after', '\nExamples:\n  tokenwarden inventory diff --env qa')
    .action(async (opts: { env?: string }, cmd: Command) => {
      const { deps, json } = await depsFor(cmd);
      code = await (await import('./commands/inventory')).inventoryDiff({ ...opts, json }, deps);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    // Ctrl-C at a prompt (readline rejects the question with an AbortError): a cancel, not a crash.
    if (error instanceof Error && error.name === 'AbortError') {
      runtime.stderr('tokenwarden: cancelled; nothing changed\n');
      return 130;
    }
    if (error instanceof CliError) {
      runtime.stderr(`tokenwarden: ${error.message}\n`);
      return error.exitCode;
    }
    runtime.stderr(
      `tokenwarden: unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : 'unknown'}\n`,
    );
    return 1;
  }
}

/** Entry for bin/tokenwarden.mjs and `npm run tokenwarden`. */
export async function main(): Promise<void> {
  // `tokenwarden scan . | head -1`: a reader that stops early closes the pipe; that ends our output, it is
  // not a crash to report with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  process.exitCode = await runCli(process.argv.slice(2), processRuntime());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
