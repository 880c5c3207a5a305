import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import type { VerifyResult } from '../../lambdas/providers/types';
import { type ParsedSecretValue, parseSecretValue } from '../../lambdas/shared/secret-value';
import { awsErrorName, explainAwsError } from '../aws';
import type { CliDeps } from '../deps';
import { Output } from '../output';
import { resolveToken } from '../tokens';
import { VERIFY_TIMEOUT_MS, verifySafely } from '../verify';
import { fixFor, formatExpiry } from '../verdict';
import { assessForCli, exitCodeForState } from '../health';

export interface CheckOptions {
  readonly env?: string;
  readonly json: boolean;
}

/**
 * `tokenwarden check <token>`: reads one value, asks the provider, prints what it said and the verdict.
 * The value never leaves this function except into the adapter.
 * The verdict is the probe's health model (cli/health.ts), so `check` and the probe agree.
 * @returns 0 usable (ok, expiring, overscoped, ...), 2 invalid/missing/expired/rotation-failed, 3 indeterminate
 */
export async function check(ref: string, options: CheckOptions, deps: CliDeps): Promise<number> {
  const token = resolveToken(ref, options.env, deps);
  const out = new Output(deps, options.json);
  const client = deps.secrets(token.inventory);
  let parsed: ParsedSecretValue;
  let described: DescribeSecretCommandOutput | undefined;
  try {
    const [value, meta] = await Promise.all([
      client.send(new GetSecretValueCommand({ SecretId: token.secretName })),
      client.send(new DescribeSecretCommand({ SecretId: token.secretName })),
    ]);
    parsed = parseSecretValue(value.SecretString);
    described = meta;
  } catch (error) {
    if (awsErrorName(error) !== 'ResourceNotFoundException')
      throw explainAwsError(error, `reading ${token.secretName}`);
    parsed = { kind: 'missing' };
  }
  let verify: VerifyResult | undefined;
  if (parsed.kind === 'ok') verify = await verifySafely(deps, token.spec, token.env, parsed.value, VERIFY_TIMEOUT_MS);
  const now = deps.clock();
  const record = assessForCli({
    inventory: token.inventory,
    spec: token.spec,
    value: parsed,
    verify,
    ...(described ? { described } : {}),
    secretName: token.secretName,
    now,
  });
  const reason = record.reasons.join('; ') || (verify?.reason ?? 'the provider accepted the token');
  const code = exitCodeForState(record.state);
  const label = `${token.env}/${token.spec.name}`;
  if (out.json) {
    out.writeJson({
      token: label,
      provider: token.spec.provider,
      owner: token.spec.owner,
      state: record.state,
      severity: record.severity,
      reason,
      reasons: record.reasons,
      ...(record.expiresAt ? { expiresAt: record.expiresAt } : {}),
      ...(record.rotationInProgress ? { rotationInProgress: true } : {}),
      ...(verify
        ? {
            provider_said: {
              verdict: verify.verdict,
              ...(verify.reason ? { reason: verify.reason } : {}),
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
  out.line(`${label} (${token.spec.provider}, owner ${token.spec.owner})`);
  if (verify) {
    out.line(
      `  provider says: ${verify.verdict}${verify.status ? ` (HTTP ${verify.status})` : ''}${verify.reason ? `: ${verify.reason}` : ''}`,
    );
    out.line(`  identity:      ${verify.identity ?? '-'}`);
    out.line(`  scopes:        ${verify.scopes ? verify.scopes.join(', ') || '(none)' : '(not reported)'}`);
  }
  out.line(`  expires:       ${formatExpiry(record.expiresAt, now)}`);
  out.line(`  verdict:       ${out.severity(record.severity, record.state)}: ${reason}`);
  if (record.rotationInProgress) out.line('  rotation:      in progress (AWSPENDING on a new version)');
  if (record.state === 'missing') out.line(`  fix:           tokenwarden put ${label} < token.txt`);
  if (record.state === 'invalid' || record.state === 'expired')
    out.line(`  fix:           ${fixFor(token.spec.rotation === 'manual', label)}`);
  return code;
}
