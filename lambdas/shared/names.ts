/**
 * Names and tags that the stack, the Lambdas, the local stand-in and the CLI all agree on.
 * Health state lives on the secret itself as tags, so `status` needs one ListSecrets and no database.
 */

/** `tokenwarden/<env>/<token>`: the secret of one token. */
export function secretNameFor(env: string, token: string): string {
  return `tokenwarden/${env}/${token}`;
}

/**
 * The secret holding the environment's HMAC key for token fingerprints (lambdas/shared/fingerprint.ts).
 * Created by the stack with a generated value; not tagged as a managed token, so the probe skips it.
 */
export function fingerprintKeySecretName(env: string): string {
  return `tokenwarden/${env}/_internal/fingerprint-key`;
}

/** The event bus of one environment. */
export function busNameFor(env: string): string {
  return `tokenwarden-${env}`;
}

export const TAG = {
  managed: 'tokenwarden:managed',
  env: 'tokenwarden:env',
  provider: 'tokenwarden:provider',
  owner: 'tokenwarden:owner',
  token: 'tokenwarden:token',
  /** Written by the probe, only when it changes. */
  status: 'tokenwarden:status',
  /** Severity of `status` (ok / warning / critical): an expiring token or a long indeterminate streak escalates without changing state. */
  severity: 'tokenwarden:severity',
  since: 'tokenwarden:since',
  expiresAt: 'tokenwarden:expires-at',
  checkedAt: 'tokenwarden:checked-at',
  indeterminateRuns: 'tokenwarden:indeterminate-runs',
  remindedAt: 'tokenwarden:reminded-at',
  /** Keyed fingerprint (HMAC) of the current value, for duplicate detection without plaintext. */
  fingerprint: 'tokenwarden:fingerprint',
  /** Previous versions waiting for revocation after their grace period (format: rotation/pending-revocation.ts). */
  pendingRevocation: 'tokenwarden:pending-revocation',
} as const;

/** Event source and detail-types on the environment's bus. */
export const EVENT_SOURCE = 'tokenwarden';
export const DETAIL_TYPE = {
  healthChanged: 'Token Health Changed',
  reminder: 'Token Health Reminder',
} as const;

/** The tags every managed token's secret carries, set by the stack (and by the local stand-in's deploy). */
export function tokenTags(
  env: string,
  token: { name: string; provider: string; owner: string },
): Record<string, string> {
  return {
    [TAG.managed]: 'true',
    [TAG.env]: env,
    [TAG.provider]: token.provider,
    [TAG.owner]: token.owner,
    [TAG.token]: token.name,
  };
}
