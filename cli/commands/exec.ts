import { constants } from 'node:os';
import { TokenInvalidError } from '../../lambdas/shared/errors';
import { envVarFor } from '../../lib/inventory/schema';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../errors';
import { Output } from '../output';
import { contextFor } from '../tokens';
import { preflightTokens, reportPreflight } from './preflight';

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
  if (mask) for (const r of results) if (r.value) deps.stdout(`::add-mask::${r.value.token}\n`);

  const code = reportPreflight(env, results, out, options.allowUnverified);
  if (code !== EXIT.ok) {
    out.note(
      code === EXIT.unreachable
        ? 'not running the command: a provider could not be reached, so the tokens are unverified (--allow-unverified runs it anyway)'
        : 'not running the command: fix the tokens above first',
    );
    return code;
  }

  const vars: Record<string, string> = {};
  for (const r of results) {
    if (!r.value) continue;
    let secret = r.value.token;
    const adapter = deps.adapterFor(r.spec.provider);
    if (r.spec.provider === 'github-app' && adapter.mint) {
      try {
        // The stored secret is the App's key; CI gets a 1-hour installation token instead.
        secret = (await adapter.mint(r.value, contextFor(env, r.spec))).token;
      } catch (error) {
        const invalid = error instanceof TokenInvalidError;
        throw new CliError(
          `${env}/${r.token}: could not mint a GitHub App installation token (${error instanceof Error ? error.message : 'error'}); owner ${r.spec.owner}`,
          invalid ? EXIT.token : EXIT.unreachable,
          { cause: error },
        );
      }
      if (mask) deps.stdout(`::add-mask::${secret}\n`);
    }
    vars[envVarFor(r.spec)] = secret;
  }
  return runChild(options.command, { ...deps.env, ...vars }, deps);
}

/** Spawns the command, forwards SIGINT/SIGTERM, resolves with its exit code (128+n for a signal). */
function runChild(command: readonly string[], env: NodeJS.ProcessEnv, deps: CliDeps): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = deps.spawn(file, args, { env, stdio: 'inherit' });
    const forwarders = FORWARDED.map((signal) => {
      const forward = (): void => {
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
      reject(
        new CliError(
          error.code === 'ENOENT' ? `command not found: ${file}` : `cannot run ${file}: ${error.code ?? error.message}`,
          127,
        ),
      );
    });
    child.once('exit', (code, signal) => {
      cleanup();
      resolve(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}
