/**
 * The JSON stored in each token's secret. Readers (CLI, CI) only ever need `token`; the rest is
 * metadata for the probe, the rotation engine and `status`. Provider-specific fields needed to verify
 * or revoke live under `provider` and are opaque to everyone but that provider's adapter.
 *
 * ```json
 * { "v": 1, "token": "…", "issuedAt": "2026-11-23T07:00:00Z", "expiresAt": "2026-12-23T00:00:00Z",
 *   "providerTokenId": "4821", "scopes": ["api"], "provider": { "keySid": "SK…" } }
 * ```
 */
export interface TokenSecretValue {
  readonly v: 1;
  /** The token itself. Never logged, never put in an event, alert or error message. */
  readonly token: string;
  readonly issuedAt: string;
  readonly expiresAt?: string;
  /** The provider's id for this token (GitLab token id, Datadog key id, Twilio key SID, ...), used to revoke it. */
  readonly providerTokenId?: string;
  readonly scopes?: readonly string[];
  readonly provider?: Readonly<Record<string, string | number | boolean>>;
}

/** What the stack stores before anyone seeds a value: the probe reports the token as `missing`. */
export const PLACEHOLDER_VALUE = JSON.stringify({
  v: 1,
  placeholder: true,
  hint: 'seed with: tokenwarden put <env>/<token>',
});

/** A stored value read back: usable, absent (or the placeholder), or malformed with a reason safe to show. */
export type ParsedSecretValue =
  | { readonly kind: 'ok'; readonly value: TokenSecretValue }
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed'; readonly reason: string };

/** Largest value we accept; Secrets Manager's own limit is 65,536 bytes. */
export const MAX_SECRET_BYTES = 65_536;

/**
 * Reads a stored secret string. Never throws and never echoes the value: a malformed value's reason
 * names what is wrong, not what is there.
 */
export function parseSecretValue(secretString: string | undefined): ParsedSecretValue {
  if (secretString === undefined || secretString === '') return { kind: 'missing' };
  if (Buffer.byteLength(secretString) > MAX_SECRET_BYTES)
    return { kind: 'malformed', reason: 'value is larger than 64 KiB' };
  let data: unknown;
  try {
    data = JSON.parse(secretString);
  } catch {
    return { kind: 'malformed', reason: 'value is not JSON (store it with `tokenwarden put`)' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { kind: 'malformed', reason: 'value is not a JSON object' };
  }
  const record = data as Record<string, unknown>;
  if (record['placeholder'] === true) return { kind: 'missing' };
  if (record['v'] !== 1) return { kind: 'malformed', reason: 'unknown format version (expected "v": 1)' };
  if (typeof record['token'] !== 'string' || record['token'].length === 0) {
    return { kind: 'malformed', reason: 'field "token" is missing or empty' };
  }
  if (typeof record['issuedAt'] !== 'string') return { kind: 'malformed', reason: 'field "issuedAt" is missing' };
  for (const field of ['expiresAt', 'providerTokenId'] as const) {
    if (record[field] !== undefined && typeof record[field] !== 'string') {
      return { kind: 'malformed', reason: `field "${field}" must be a string` };
    }
  }
  if (
    record['scopes'] !== undefined &&
    !(Array.isArray(record['scopes']) && record['scopes'].every((s) => typeof s === 'string'))
  ) {
    return { kind: 'malformed', reason: 'field "scopes" must be a list of strings' };
  }
  return { kind: 'ok', value: record as unknown as TokenSecretValue };
}

/** The stored form of a token value (the JSON that parseSecretValue reads). */
export function serializeSecretValue(value: TokenSecretValue): string {
  return JSON.stringify(value);
}
