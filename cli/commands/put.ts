import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DescribeSecretCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  MAX_SECRET_BYTES,
  parseSecretValue,
  type TokenSecretValue,
  serializeSecretValue,
} from '../../lambdas/shared/secret-value';
import { explainAwsError } from '../aws';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../errors';
import { Output } from '../output';
import { resolveToken } from '../tokens';
import { VERIFY_TIMEOUT_MS, verifySafely } from '../verify';

export interface PutOptions {
  readonly env?: string;
  readonly json: boolean;
  readonly fromFile?: string;
  /** ISO date, or `never`. */
  readonly expiresAt?: string;
  /** Store even when the provider could not be reached. */
  readonly force: boolean;
  /** Anything given after the token on the command line: refused. */
  readonly extra?: readonly string[];
}

/**
 * `tokenwarden put <token>`: stores a value the operator issued by hand, read from stdin or a file.
 * Verifies it first: invalid → nothing stored (exit 2); indeterminate → refused unless `--force`.
 * Writes a new version (AWSCURRENT moves, AWSPREVIOUS keeps the old one).
 */
export async function put(ref: string, options: PutOptions, deps: CliDeps): Promise<number> {
  if (options.extra && options.extra.length > 0) {
    // Never echo what was given: it may be the token.
    throw new CliError(
      'put never takes the value as an argument (it would land in shell history and be visible in process lists); pipe it: tokenwarden put <env>/<token> < token.txt, or use --from-file',
    );
  }
  const token = resolveToken(ref, options.env, deps);
  const out = new Output(deps, options.json);
  const label = `${token.env}/${token.spec.name}`;
  let raw: string;
  if (options.fromFile) {
    try {
      raw = readFileSync(options.fromFile, 'utf8');
    } catch (error) {
      throw new CliError(
        `cannot read ${options.fromFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        EXIT.usage,
      );
    }
  } else if (deps.stdinIsTTY) {
    // On a terminal: one hidden line (reading to EOF would close stdin before the expiry prompt).
    raw = await deps.prompt(`value of ${label} (not shown): `, { hidden: true });
  } else {
    raw = await deps.readStdin();
  }
  const value = raw.replace(/\r?\n$/, '').trim();
  if (value === '') {
    const source = options.fromFile ?? (deps.stdinIsTTY ? 'the prompt' : 'stdin');
    throw new CliError(
      `${label}: the value read from ${source} is empty; nothing stored. Pipe the token in: tokenwarden put ${label} < token.txt (or --from-file token.txt)`,
      EXIT.usage,
    );
  }
  if (Buffer.byteLength(value) > MAX_SECRET_BYTES - 1024)
    throw new CliError('the value is too large for a secret', EXIT.usage);
  const now = deps.clock();
  if (options.expiresAt !== undefined) parseExpiry(options.expiresAt, now, '--expires-at');

  const draft: TokenSecretValue = { v: 1, token: value, issuedAt: now.toISOString() };
  const verify = await verifySafely(deps, token.spec, token.env, draft, VERIFY_TIMEOUT_MS);
  if (verify.verdict === 'invalid') {
    throw new CliError(
      `${label}: ${token.spec.provider} rejected this value (${verify.reason ?? 'invalid'}); nothing stored`,
      EXIT.token,
    );
  }
  if (verify.verdict === 'indeterminate' && !options.force) {
    throw new CliError(
      `${label}: could not verify the value with ${token.spec.provider} (${verify.reason ?? 'unreachable'}); nothing stored. Retry, or store it unverified with --force`,
      EXIT.unreachable,
    );
  }
  // The provider's own expiry wins over anything typed.
  let expiresAt = verify.expiresAt;
  if (!expiresAt && token.spec.rotation === 'manual') {
    let answer = options.expiresAt;
    if (answer === undefined && deps.stdinIsTTY && !options.fromFile) {
      answer = (
        await deps.prompt(`when does this ${token.spec.provider} token expire? (YYYY-MM-DD or "never") `)
      ).trim();
    }
    if (answer === undefined) {
      throw new CliError(
        `${label} is manual and ${token.spec.provider} does not report expiry: pass --expires-at YYYY-MM-DD (or never)`,
      );
    }
    expiresAt = parseExpiry(answer, now, options.expiresAt === undefined ? 'the expiry' : '--expires-at');
  } else if (!expiresAt && options.expiresAt !== undefined) {
    expiresAt = parseExpiry(options.expiresAt, now, '--expires-at');
  }
  const stored: TokenSecretValue = {
    ...draft,
    ...(expiresAt ? { expiresAt } : {}),
    ...(verify.scopes ? { scopes: verify.scopes } : {}),
  };
  const serialized = serializeSecretValue(stored);
  // What the probe and the engine will read back: refuse to store anything they would not parse as a token.
  if (parseSecretValue(serialized).kind !== 'ok') throw new CliError(`${label}: the value cannot be stored as a token`);
  const client = deps.secrets(token.inventory);
  const pending = await rotationInProgress(client, token.secretName);
  if (pending) {
    // rotation-facts §7.9: a manual PutSecretValue during a rotation makes Secrets Manager abandon it.
    out.note(
      `note: a rotation of ${label} is in progress (version ${pending} is AWSPENDING); storing this value abandons it (RotationAbandoned)`,
    );
  }
  const versionId = randomUUID();
  try {
    await client.send(
      new PutSecretValueCommand({
        SecretId: token.secretName,
        SecretString: serialized,
        // Idempotency key and the new version's id; default staging moves AWSCURRENT here.
        ClientRequestToken: versionId,
      }),
    );
  } catch (error) {
    throw explainAwsError(error, `storing ${label}`);
  }
  if (out.json)
    out.writeJson({
      token: label,
      versionId,
      verdict: verify.verdict,
      ...(expiresAt ? { expiresAt } : {}),
      ...(pending ? { abandonedRotation: pending } : {}),
    });
  else
    out.line(
      `stored ${label} as version ${versionId} (provider: ${verify.verdict}${verify.identity ? `, identity ${verify.identity}` : ''}${expiresAt ? `, expires ${expiresAt.slice(0, 10)}` : ''}); the previous value is AWSPREVIOUS`,
    );
  return 0;
}

/** YYYY-MM-DD, optionally with a time, as the ISO date-time stored in the secret. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * An expiry typed by a person: YYYY-MM-DD (or a full ISO date-time) in the future, or `never` (undefined).
 * Anything else is refused: Date.parse reads "03/01/2027" as 1 March and "1 March" as 2001-03-01, so a
 * token would be stored with an expiry nobody meant, or one already past (alerting at once).
 */
function parseExpiry(text: string, now: Date, what: string): string | undefined {
  if (text === 'never') return undefined;
  let at = ISO_DATE.test(text) ? Date.parse(text) : Number.NaN;
  // Date.parse rolls 2027-02-30 over to 2 March; a calendar day must read back as itself.
  if (text.length === 10 && !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) !== text) at = Number.NaN;
  if (Number.isNaN(at)) throw new CliError(`${what} expects a date like 2027-03-01 or "never", got "${text}"`);
  if (at <= now.getTime()) {
    throw new CliError(
      `${what} ${text} is in the past: the token would be stored as expired; give the date the provider shows for it`,
    );
  }
  return new Date(at).toISOString();
}

/**
 * The version a rotation is working on (AWSPENDING on a version that is not AWSCURRENT), or undefined.
 * A secret that cannot be described is left to PutSecretValue to report.
 */
async function rotationInProgress(client: SecretsManagerClient, secretName: string): Promise<string | undefined> {
  let stages: Record<string, string[]> | undefined;
  try {
    stages = (await client.send(new DescribeSecretCommand({ SecretId: secretName }))).VersionIdsToStages;
  } catch {
    return undefined;
  }
  for (const [version, labels] of Object.entries(stages ?? {})) {
    if (labels.includes('AWSPENDING') && !labels.includes('AWSCURRENT')) return version;
  }
  return undefined;
}
