import { constants } from 'node:os';
import { TokenInvalidError } from '../../lambdas/shared/errors';
import { envVarFor } from '../../lib/inventory/schema';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../errors';
import { Output } from '../output';
import { contextFor } from '../tokens';
import { type PreflightResult, preflightExitCode, preflightTokens, reportPreflight } from './preflight';
import type { TokenSecretValue } from '../../lambdas/shared/secret-value';

export interface ExecOptions {
  readonly env?: string;
  readonly tokens: readonly string[];
  readonly verify: boolean;
  readonly allowUnverified: boolean;
  readonly command: readonly string[];
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * `tokenwarden exec --env qa --tokens a,b -- <command...>`: reads the tokens, checks them, and runs the
 * command with the values in its environment only. Nothing is written to disk or printed, except
 * GitHub Actions' `::add-mask::` lines, which exist so the runner hides the values in its logs
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#masking-a-value-in-a-log).
 * @returns the child's exit code (128+n when a signal ended it), or 2/3 when the checks stop the job
 */
export async function exec(options: ExecOptions, deps: CliDeps): Promise<number> {
  if (options.command.length === 0)
    throw new CliError('give the command to run after --, e.g. tokenwarden exec --env qa --tokens a -- npm test');
  // Diagnostics go to stderr; stdout carries only the mask commands, then the child's own output.
  const out = new Output(deps, false);
  const { env, results } = await preflightTokens({ ...options, json: false }, deps);
  const mask = deps.env['GITHUB_ACTIONS'] === 'true';
  const vars: Record<string, string> = {};
  if (preflightExitCode(results, options.allowUnverified) === EXIT.ok) {
    for (const r of results) {
      if (r.value) vars[envVarFor(r.spec)] = await childValue(env, r, deps);
    }
  }
  if (mask) {
    // First output of all. GitHub masks line by line, so a multi-line value is masked per line.
    const values =
      Object.keys(vars).length > 0 ? Object.values(vars) : results.flatMap((r) => (r.value ? [r.value.token] : []));
    for (const value of values) {
      for (const line of value.split(/\r?\n/)) if (line.trim() !== '') deps.stdout(`::add-mask::${line}\n`);
    }
  }
  const code = reportPreflight(env, results, out, options.allowUnverified);
  if (code !== EXIT.ok) {
    out.note(
      code === EXIT.unreachable
        ? 'not running the command: a provider could not be reached, so the tokens are unverified (--allow-unverified runs it anyway)'
        : 'not running the command: fix the tokens above first',
    );
    return code;
  }
  return runChild(options.command, { ...deps.env, ...vars }, deps);
}

/** What the child gets for a token: the value, or for a GitHub App a freshly minted installation token. */
async function childValue(env: string, r: PreflightResult, deps: CliDeps): Promise<string> {
  const value = r.value as TokenSecretValue;
  const adapter = deps.adapterFor(r.spec.provider);
  if (r.spec.provider !== 'github-app' || !adapter.mint) return value.token;
  try {
    // The stored secret is the App's private key; CI gets a 1-hour installation token instead.
    return (await adapter.mint(value, contextFor(env, r.spec))).token;
  } catch (error) {
    throw new CliError(
      `${env}/${r.token}: could not mint a GitHub App installation token (${error instanceof Error ? error.name : 'error'}); owner ${r.spec.owner}`,
      error instanceof TokenInvalidError ? EXIT.token : EXIT.unreachable,
      { cause: error },
    );
  }
}

/** Spawns the command, forwards SIGINT/SIGTERM, resolves with its exit code (128+n for a signal). */
function runChild(command: readonly string[], env: NodeJS.ProcessEnv, deps: CliDeps): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = deps.spawn(file, args, { env, stdio: 'inherit' });
    const forwarders = FORWARDED.map((signal) => {
      const forward = (): void => {
        // Ctrl-C on a terminal already reached the child (same process group): forwarding would send it twice.
        if (signal === 'SIGINT' && deps.stdinIsTTY) return;
        child.kill(signal);
      };
      deps.signals.on(signal, forward);
      return { signal, forward };
    });
    const cleanup = (): void => {
      for (const { signal, forward } of forwarders) deps.signals.off(signal, forward);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      // Shell conventions: 127 not found, 126 found but not executable.
      if (error.code === 'ENOENT') reject(new CliError(`command not found: ${file}`, 127));
      else if (error.code === 'EACCES')
        reject(
          new CliError(
            `cannot run ${file}: permission denied (EACCES); chmod +x it, or run it through its interpreter`,
            126,
          ),
        );
      else reject(new CliError(`cannot run ${file}: ${error.code ?? error.message}`, 126));
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}
