import { DescribeSecretCommand, RotateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { explainAwsError } from '../aws';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../errors';
import { Output } from '../output';
import { resolveToken } from '../tokens';

export interface RotateOptions {
  readonly env?: string;
  readonly json: boolean;
  readonly wait: boolean;
  /** Give up waiting after this many ms. @default 300000 */
  readonly timeoutMs?: number;
}

const SPINNER = ['|', '/', '-', '\\'];

/**
 * `tokenwarden rotate <token> [--wait]`: starts a rotation with RotateSecret; with `--wait`, follows
 * DescribeSecret until the new version is AWSCURRENT (success) or loses AWSPENDING without becoming
 * current (failure). Polls with backoff 1s, 2s, 4s, ... capped at 10s.
 */
export async function rotate(ref: string, options: RotateOptions, deps: CliDeps): Promise<number> {
  const token = resolveToken(ref, options.env, deps);
  const out = new Output(deps, options.json);
  const label = `${token.env}/${token.spec.name}`;
  if (token.spec.rotation === 'manual') {
    throw new CliError(
      `${label} is rotation: manual (${token.spec.provider} has no API to issue tokens here); issue a new token at the provider, then store it with: tokenwarden put ${label} < token.txt`,
      EXIT.usage,
    );
  }
  const client = deps.secrets(token.inventory);
  let versionId: string | undefined;
  try {
    versionId = (await client.send(new RotateSecretCommand({ SecretId: token.secretName }))).VersionId;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/previous rotation isn't complete/i.test(message)) {
      throw new CliError(
        `${label}: a previous rotation isn't complete; Secrets Manager retries it. Check the rotation Lambda's logs and \`tokenwarden status --env ${token.env}\`. If that rotation is abandoned, move AWSPENDING off its version: aws secretsmanager update-secret-version-stage --secret-id ${token.secretName} --version-stage AWSPENDING --remove-from-version-id <id>`,
        EXIT.token,
        { cause: error },
      );
    }
    throw explainAwsError(error, `rotating ${label}`);
  }
  if (!options.wait || !versionId) {
    if (out.json) out.writeJson({ token: label, versionId, started: true });
    else
      out.line(
        `rotation of ${label} started (version ${versionId ?? '?'}); follow it with: tokenwarden status --env ${token.env}`,
      );
    return 0;
  }
  // Ctrl-C (or SIGTERM) while waiting stops the wait, not the rotation: say so, exit 128+n, and leave no
  // timer running (a pending 10 s sleep would otherwise keep the process alive after the message).
  const stop = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = (): void => {
      stoppedBy ??= signal;
      stop.abort();
    };
    deps.signals.on(signal, listener);
    return { signal, listener };
  });
  try {
    return await follow({ label, env: token.env, secretName: token.secretName, versionId, client }, options, deps, {
      signal: stop.signal,
      by: () => stoppedBy,
    });
  } finally {
    for (const { signal, listener } of listeners) deps.signals.off(signal, listener);
  }
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Polls DescribeSecret until the version is AWSCURRENT, fails, times out or a signal stops the wait. */
async function follow(
  rotation: {
    readonly label: string;
    readonly env: string;
    readonly secretName: string;
    readonly versionId: string;
    readonly client: SecretsManagerClient;
  },
  options: RotateOptions,
  deps: CliDeps,
  stop: { readonly signal: AbortSignal; readonly by: () => NodeJS.Signals | undefined },
): Promise<number> {
  const { label, env, secretName, versionId, client } = rotation;
  const out = new Output(deps, options.json);
  const deadline = deps.clock().getTime() + (options.timeoutMs ?? 300_000);
  const spin = deps.isTTY && !out.json;
  let delay = 1000;
  let turn = 0;
  let lastStages = '';
  const stopped = (by: NodeJS.Signals, now: string): number => {
    if (spin) deps.stderr('\r\u001b[K');
    out.note(
      `stopped waiting: the rotation of ${label} (version ${versionId} is ${now}) goes on in AWS; follow it with: tokenwarden status --env ${env}`,
    );
    return SIGNAL_EXIT[by] ?? 130;
  };
  for (;;) {
    let stages: string[] | undefined;
    try {
      const described = await client.send(new DescribeSecretCommand({ SecretId: secretName }), {
        abortSignal: stop.signal,
      });
      stages = described.VersionIdsToStages?.[versionId];
    } catch (error) {
      const by = stop.by();
      if (by) return stopped(by, lastStages || 'AWSPENDING');
      throw explainAwsError(error, `following the rotation of ${label}`);
    }
    const now = stages?.join(',') ?? '(gone)';
    if (stages?.includes('AWSCURRENT')) {
      if (spin) deps.stderr('\r\u001b[K');
      if (out.json) out.writeJson({ token: label, versionId, result: 'rotated' });
      else
        out.line(
          `${out.paint('green', 'rotated')}: ${label} version ${versionId} is AWSCURRENT; the previous one is AWSPREVIOUS`,
        );
      return 0;
    }
    if (!stages?.includes('AWSPENDING')) {
      if (spin) deps.stderr('\r\u001b[K');
      throw new CliError(
        `rotation of ${label} failed: version ${versionId} lost AWSPENDING without becoming AWSCURRENT; see the rotation Lambda's logs; the old token is still AWSCURRENT`,
        EXIT.token,
      );
    }
    if (deps.clock().getTime() >= deadline) {
      if (spin) deps.stderr('\r\u001b[K');
      throw new CliError(
        `rotation of ${label} still pending after ${Math.round((options.timeoutMs ?? 300_000) / 1000)}s (version ${versionId} is ${now}); it continues in AWS: check later with tokenwarden status --env ${env}`,
        EXIT.unreachable,
      );
    }
    if (spin) deps.stderr(`\r${SPINNER[turn++ % SPINNER.length]} rotating ${label}: version ${versionId} is ${now}`);
    else if (now !== lastStages && !out.json) out.note(`waiting: ${label} version ${versionId} is ${now}`);
    lastStages = now;
    await deps.sleep(delay, stop.signal);
    const by = stop.by();
    if (by) return stopped(by, now);
    delay = Math.min(delay * 2, 10_000);
  }
}
