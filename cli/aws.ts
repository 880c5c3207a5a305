import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Inventory } from '../lib/inventory/schema';
import { DEFAULT_PORTS, PORT_VARIABLES } from '../local/ports';
import { CliError, EXIT } from './errors';

/** Options that decide where the CLI's AWS calls go. */
export interface AwsTarget {
  /** Talk to the local stand-in on 127.0.0.1 instead of AWS. */
  readonly local: boolean;
  /** Overrides the inventory's region. */
  readonly region?: string;
}

/** The endpoint of the local stand-in: http://127.0.0.1:<TOKENWARDEN_AWS_PORT or 47660>. */
export function localEndpoint(env: NodeJS.ProcessEnv): string {
  const text = env[PORT_VARIABLES.aws];
  const port = text === undefined || text === '' ? DEFAULT_PORTS.aws : Number(text);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new CliError(`${PORT_VARIABLES.aws}=${text} is not a port number`, EXIT.usage);
  }
  return `http://127.0.0.1:${port}`;
}

/**
 * A Secrets Manager client for an environment. AWS: the standard credential chain (env, SSO, profile,
 * instance role) and the SDK's own AWS_ENDPOINT_URL support
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html); region from `--region`,
 * else the inventory (the environment lives in that region). Local: the stand-in with dummy credentials.
 */
export function secretsClientFor(
  inventory: Inventory,
  target: AwsTarget,
  env: NodeJS.ProcessEnv,
): SecretsManagerClient {
  const region = target.region ?? inventory.region;
  if (target.local) {
    return new SecretsManagerClient({
      region,
      endpoint: localEndpoint(env),
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
    });
  }
  return new SecretsManagerClient({ region, maxAttempts: 3 });
}

/** Reads the SDK error name without trusting its shape. */
export function awsErrorName(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const record = error as { name?: unknown; Code?: unknown };
  return typeof record.name === 'string' ? record.name : typeof record.Code === 'string' ? record.Code : '';
}

/**
 * Turns an SDK failure into a message that names the fix. AWS messages are kept (they carry ARNs and
 * actions, never secret values).
 */
export function explainAwsError(error: unknown, doing: string): CliError {
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (
    /Token is expired|SSO session .*expired|ExpiredToken|token.*has expired/i.test(message) ||
    name === 'ExpiredTokenException'
  ) {
    return new CliError(
      `${doing}: your AWS session has expired; run \`aws sso login\` (with --profile if you use one) and retry`,
      EXIT.unreachable,
      { cause: error },
    );
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new CliError(
      `${doing}: no AWS credentials found; set AWS_PROFILE (then \`aws sso login\`) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use --local for the local stand-in. The chain also asks the EC2 instance metadata endpoint; off EC2, AWS_EC2_METADATA_DISABLED=true skips that`,
      EXIT.unreachable,
      { cause: error },
    );
  }
  if (/Region is missing/i.test(message)) {
    return new CliError(`${doing}: no AWS region; pass --region or set AWS_REGION`, EXIT.usage, { cause: error });
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || /not authorized to perform/i.test(message)) {
    return new CliError(
      `${doing}: access denied (${message}); your role needs this permission on the environment's tokenwarden/* secrets: ask the stack owner, or assume the environment's operator role`,
      EXIT.unreachable,
      { cause: error },
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new CliError(
      `${doing}: the secret does not exist; deploy the environment's stack (cdk deploy -c env=<env>) or check the name`,
      EXIT.token,
      { cause: error },
    );
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up/i.test(message) || name === 'TimeoutError') {
    return new CliError(
      `${doing}: cannot reach the Secrets Manager endpoint (${message}); with --local, start the stand-in with \`npm start\``,
      EXIT.unreachable,
      { cause: error },
    );
  }
  return new CliError(`${doing}: ${name || 'error'}: ${message}`, EXIT.unreachable, { cause: error });
}
