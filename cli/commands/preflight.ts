import type { VerifyResult } from '../../lambdas/providers/types';
import { secretNameFor } from '../../lambdas/shared/names';
import { type TokenSecretValue, parseSecretValue } from '../../lambdas/shared/secret-value';
import type { TokenSpec } from '../../lib/inventory/schema';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../errors';
import { Output } from '../output';
import { batchRead, findSpec, loadEnv } from '../tokens';
import { fixFor } from '../verdict';
import { assessForCli, exitCodeForState } from '../health';
import type { HealthState, Severity } from '../../lambdas/health/states';
import { verifySafely } from '../verify';

export interface PreflightOptions {
  readonly env?: string;
  readonly tokens: readonly string[];
  readonly json: boolean;
  /** Skip asking providers (exec --no-verify). */
  readonly verify: boolean;
  /** Per-token verify timeout. @default 5000 */
  readonly verifyTimeoutMs?: number;
}

/** The outcome for one token. `value` is present only when it may be used (never serialised). */
export interface PreflightResult {
  readonly token: string;
  readonly spec: TokenSpec;
  /** `denied`: the caller's role may not read it. */
  readonly state: HealthState | 'denied';
  /** The health model's severity ('critical' for denied). */
  readonly severity: Severity;
  readonly reason: string;
  readonly fix?: string;
  readonly expiresAt?: string;
  readonly value?: TokenSecretValue;
}

/**
 * Reads the tokens in one BatchGetSecretValue per 20 and verifies each with a short timeout.
 * Shared by `preflight` and `exec`.
 */
export async function preflightTokens(
  options: PreflightOptions,
  deps: CliDeps,
): Promise<{ env: string; results: PreflightResult[] }> {
  const inventory = loadEnv(options.env, deps);
  const env = inventory.name;
  if (options.tokens.length === 0) throw new CliError('name the tokens: --tokens a,b');
  const specs = options.tokens.map((t) => findSpec(inventory, t, deps.inventoryDir));
  const reads = await batchRead(
    deps.secrets(inventory),
    specs.map((s) => secretNameFor(env, s.name)),
  );
  const now = deps.clock();
  const results = await Promise.all(
    specs.map(async (spec): Promise<PreflightResult> => {
      const label = `${env}/${spec.name}`;
      const read = reads.get(secretNameFor(env, spec.name));
      if (!read || (read.kind === 'error' && read.code === 'ResourceNotFoundException')) {
        return {
          token: spec.name,
          spec,
          state: 'missing',
          severity: 'critical',
          reason: 'no secret deployed',
          fix: `deploy the stack for ${env} (cdk deploy -c env=${env})`,
        };
      }
      if (read.kind === 'error') {
        if (read.code === 'AccessDeniedException') {
          return {
            token: spec.name,
            spec,
            state: 'denied',
            severity: 'critical',
            reason: `the role running this job may not read ${label}`,
            fix: `add ${spec.name} to this CI consumer's tokens in inventory/${env}.yaml and deploy`,
          };
        }
        return {
          token: spec.name,
          spec,
          state: 'indeterminate',
          severity: 'warning',
          reason: `${read.code} reading the secret`,
        };
      }
      const parsed = parseSecretValue(read.secretString);
      let verify: VerifyResult | undefined;
      if (parsed.kind === 'ok' && options.verify) {
        verify = await verifySafely(deps, spec, env, parsed.value, options.verifyTimeoutMs ?? 5000);
      }
      const record = assessForCli({
        inventory,
        spec,
        value: parsed,
        verify,
        secretName: secretNameFor(env, spec.name),
        now,
      });
      const state = record.state;
      const fix =
        state === 'missing'
          ? `seed it: tokenwarden put ${label} < token.txt`
          : state === 'invalid' || state === 'expired'
            ? fixFor(spec.rotation === 'manual', label)
            : undefined;
      const reason =
        record.reasons.join('; ') ||
        (options.verify ? (verify?.reason ?? 'the provider accepted the token') : 'not verified (--no-verify)');
      return {
        token: spec.name,
        spec,
        state,
        severity: record.severity,
        reason,
        ...(fix ? { fix } : {}),
        ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
        ...(parsed.kind === 'ok' ? { value: parsed.value } : {}),
      };
    }),
  );
  return { env, results };
}

/** The exit code results add up to: 2 if any token is unusable, else 3 if any is unverified (unless allowed), else 0. */
export function preflightExitCode(results: readonly PreflightResult[], allowUnverified: boolean): number {
  let code: number = EXIT.ok;
  for (const r of results) {
    const stateCode = r.state === 'denied' ? EXIT.token : exitCodeForState(r.state);
    if (stateCode === EXIT.token) return EXIT.token;
    if (stateCode === EXIT.unreachable && !allowUnverified) code = EXIT.unreachable;
  }
  return code;
}

/** Prints the results (never values) and returns their exit code. */
export function reportPreflight(
  env: string,
  results: readonly PreflightResult[],
  out: Output,
  allowUnverified: boolean,
): number {
  for (const r of results) {
    if (out.json) continue;
    const line = `${out.severity(r.severity, r.state.padEnd(13))} ${env}/${r.token}: ${r.reason} (owner ${r.spec.owner})${r.fix ? `; fix: ${r.fix}` : ''}`;
    out.note(line);
  }
  if (out.json) {
    out.writeJson({
      env,
      tokens: results.map((r) => ({
        token: r.token,
        state: r.state,
        severity: r.severity,
        reason: r.reason,
        owner: r.spec.owner,
        ...(r.fix ? { fix: r.fix } : {}),
        ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
      })),
    });
  }
  return preflightExitCode(results, allowUnverified);
}

/**
 * `tokenwarden preflight --env qa --tokens a,b`: exec's checks without running anything.
 * @returns 0 all ok or expiring, 2 a token is invalid/missing/expired/denied, 3 a provider could not be reached
 */
export async function preflight(
  options: PreflightOptions & { allowUnverified?: boolean },
  deps: CliDeps,
): Promise<number> {
  const out = new Output(deps, options.json);
  const { env, results } = await preflightTokens(options, deps);
  return reportPreflight(env, results, out, options.allowUnverified ?? false);
}
