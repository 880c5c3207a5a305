import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { VerifyResult } from '../../lambdas/providers/types';
import { type ParsedSecretValue, parseSecretValue } from '../../lambdas/shared/secret-value';
import { awsErrorName, explainAwsError } from '../aws';
import type { CliDeps } from '../deps';
import { Output } from '../output';
import { resolveToken } from '../tokens';
import { VERIFY_TIMEOUT_MS, verifySafely } from '../verify';
import { checkVerdict, exitCodeFor, fixFor, formatExpiry, severityOf } from '../verdict';

export interface CheckOptions {
  readonly env?: string;
  readonly json: boolean;
}

/**
 * `tokenwarden check <token>`: reads one value, asks the provider, prints what it said and the verdict.
 * The value never leaves this function except into the adapter.
 * @returns 0 ok/expiring, 2 invalid/missing/expired, 3 indeterminate
 */
export async function check(ref: string, options: CheckOptions, deps: CliDeps): Promise<number> {
  const token = resolveToken(ref, options.env, deps);
  const out = new Output(deps, options.json);
  let parsed: ParsedSecretValue;
  try {
    const result = await deps.secrets(token.inventory).send(new GetSecretValueCommand({ SecretId: token.secretName }));
    parsed = parseSecretValue(result.SecretString);
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException')
      throw explainAwsError(error, `reading ${token.secretName}`);
    parsed = { kind: 'missing' };
  }
  let verify: VerifyResult | undefined;
  if (parsed.kind === 'ok') verify = await verifySafely(deps, token.spec, token.env, parsed.value, VERIFY_TIMEOUT_MS);
  const verdict = checkVerdict({
    parsed,
    ...(verify ? { verify } : {}),
    ...(token.spec.expiresAt ? { declaredExpiresAt: token.spec.expiresAt } : {}),
    now: deps.clock(),
    warnBeforeMs: token.inventory.expiry.warnBefore,
  });
  const code = exitCodeFor(verdict.state);
  if (out.json) {
    out.writeJson({
      token: `${token.env}/${token.spec.name}`,
      provider: token.spec.provider,
      owner: token.spec.owner,
      state: verdict.state,
      reason: verdict.reason,
      ...(verdict.expiresAt ? { expiresAt: verdict.expiresAt } : {}),
      ...(verify
        ? {
            provider_said: {
              verdict: verify.verdict,
              ...(verify.identity ? { identity: verify.identity } : {}),
              ...(verify.scopes ? { scopes: verify.scopes } : {}),
              ...(verify.expiresAt ? { expiresAt: verify.expiresAt } : {}),
              ...(verify.status ? { status: verify.status } : {}),
            },
          }
        : {}),
    });
    return code;
  }
  out.line(`${token.env}/${token.spec.name} (${token.spec.provider}, owner ${token.spec.owner})`);
  if (verify) {
    out.line(`  provider says: ${verify.verdict}${verify.status ? ` (HTTP ${verify.status})` : ''}`);
    out.line(`  identity:      ${verify.identity ?? '-'}`);
    out.line(`  scopes:        ${verify.scopes ? verify.scopes.join(', ') || '(none)' : '(not reported)'}`);
  }
  out.line(`  expires:       ${formatExpiry(verdict.expiresAt, deps.clock())}`);
  out.line(`  verdict:       ${out.severity(severityOf(verdict.state), verdict.state)}: ${verdict.reason}`);
  if (verdict.state === 'missing')
    out.line(`  fix:           tokenwarden put ${token.env}/${token.spec.name} < token.txt`);
  if (verdict.state === 'invalid' || verdict.state === 'expired')
    out.line(`  fix:           ${fixFor(token.spec.rotation === 'manual', `${token.env}/${token.spec.name}`)}`);
  return code;
}
