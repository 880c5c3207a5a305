import type { VerifyResult } from '../lambdas/providers/types';
import type { TokenSecretValue } from '../lambdas/shared/secret-value';
import type { TokenSpec } from '../lib/inventory/schema';
import type { CliDeps } from './deps';
import { contextFor } from './tokens';

/** How long `check` and `put` wait for a provider (CI's preflight uses a shorter 5 s). */
export const VERIFY_TIMEOUT_MS = 15_000;

/**
 * Asks the provider with a deadline. A timeout or an adapter that throws is `indeterminate`, never
 * `invalid`: neither is evidence that the token is bad.
 */
export async function verifySafely(
  deps: Pick<CliDeps, 'adapterFor'>,
  spec: TokenSpec,
  env: string,
  value: TokenSecretValue,
  timeoutMs: number,
): Promise<VerifyResult> {
  // Outside the try: a provider with no adapter is a setup error to report, not a verdict.
  const adapter = deps.adapterFor(spec.provider);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<VerifyResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ verdict: 'indeterminate', reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([adapter.verify(value, contextFor(env, spec)), timeout]);
  } catch (error) {
    // Only the error's class: adapters promise not to put values in messages, but this is printed.
    return { verdict: 'indeterminate', reason: error instanceof Error ? error.name : 'verify failed' };
  } finally {
    clearTimeout(timer);
  }
}
