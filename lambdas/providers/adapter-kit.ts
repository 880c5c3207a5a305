import { ProviderResponseError, ProviderUnavailableError, SecretValueError, TokenInvalidError } from '../shared/errors';
import type { HttpOptions, HttpResponse } from '../shared/http';
import { describeUrl } from '../shared/http';
import type { VerifyResult } from './types';

/**
 * What every adapter shares: turning failures into the three verdicts (PROVIDERS.md rule 7),
 * checking admin answers on issue/revoke, and reading provider rate-limit headers into the
 * Retry-After that lambdas/shared/http.ts honours (rule 8). Nothing here ever sees a token in a
 * message: reasons name the provider, the endpoint path and the status only.
 */

/** Options every adapter factory takes. */
export interface AdapterOptions {
  /** Timeouts, retries, fetch and sleep for every call. @default lambdas/shared/http.ts defaults */
  readonly http?: HttpOptions;
  /**
   * Reads an admin secret's value by name. Only the oauth2 adapter needs it to verify (introspection
   * authenticates as the client, whose secret is the token's `adminSecret`).
   */
  readonly readAdminSecret?: (secretName: string) => Promise<string>;
}

/**
 * Runs a verify body and maps what it throws to a verdict: unreachable / 5xx / 429 after retries and
 * unreadable answers are indeterminate, never invalid. Unknown errors are reported by class name only,
 * because their message could quote a header value (and so the token).
 */
export async function verifying(provider: string, body: () => Promise<VerifyResult>): Promise<VerifyResult> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof ProviderUnavailableError) {
      return { verdict: 'indeterminate', reason: error.message, status: error.status };
    }
    if (error instanceof ProviderResponseError) return { verdict: 'indeterminate', reason: error.message };
    if (error instanceof TokenInvalidError) return { verdict: 'invalid', reason: error.message, status: error.status };
    if (error instanceof SecretValueError) return { verdict: 'indeterminate', reason: error.message };
    const name = error instanceof Error ? error.name : typeof error;
    return { verdict: 'indeterminate', reason: `${provider} verification failed unexpectedly (${name})` };
  }
}

/** An answer the adapter has no mapping for: indeterminate, with the status and path only. */
export function unexpectedAnswer(provider: string, url: string, response: HttpResponse): VerifyResult {
  const redirect = response.status >= 300 && response.status < 400 ? ' (redirect not followed)' : '';
  return {
    verdict: 'indeterminate',
    reason: `${provider} answered ${describeUrl(url)} with unexpected HTTP ${response.status}${redirect}`,
    status: response.status,
  };
}

/**
 * Checks an issue/revoke answer made with an admin (or the token's own) credential.
 * @throws TokenInvalidError when the provider rejected the credential (401/403)
 * @throws ProviderResponseError for any other status outside `ok`
 */
export function expectStatus(
  provider: string,
  url: string,
  response: HttpResponse,
  ok: readonly number[],
  what: string,
): void {
  if (ok.includes(response.status)) return;
  if (response.status >= 300 && response.status < 400) {
    throw new ProviderUnavailableError(
      provider,
      `${provider} answered ${describeUrl(url)} with HTTP ${response.status} (redirect not followed) while trying to ${what}`,
      { status: response.status },
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new TokenInvalidError(
      provider,
      `${provider} rejected the credential used to ${what} (HTTP ${response.status} from ${describeUrl(url)})`,
      { status: response.status },
    );
  }
  throw new ProviderResponseError(
    provider,
    `${provider} answered ${describeUrl(url)} with unexpected HTTP ${response.status} while trying to ${what}`,
  );
}

/** Reads a JSON admin secret with string fields `fields`; the error names the expected shape, never the value. */
export function parseAdminSecret<K extends string>(
  provider: string,
  admin: string | undefined,
  fields: readonly K[],
): Record<K, string> {
  const shape = `{ ${fields.map((f) => `"${f}": "…"`).join(', ')} }`;
  if (admin === undefined || admin === '') {
    throw new SecretValueError(`${provider} needs its admin secret to do this; store it as JSON ${shape}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(admin);
  } catch {
    throw new SecretValueError(`${provider} admin secret is not JSON; expected ${shape}`);
  }
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const field of fields) {
    const value = record[field];
    if (typeof value !== 'string' || value === '') {
      throw new SecretValueError(`${provider} admin secret lacks string field "${field}"; expected ${shape}`);
    }
    out[field] = value;
  }
  return out;
}

/** HTTP Basic credentials (RFC 7617). */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Joins a base URL (maybe with a path, e.g. https://slack.com/api) and an endpoint path. */
export function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * Wraps fetch so a 429 without Retry-After gets one computed from the provider's own rate-limit
 * header (Datadog's X-RateLimit-Reset in seconds, SendGrid's in epoch seconds), which request()
 * then honours like any Retry-After.
 */
export function withRateLimitRetryAfter(
  http: HttpOptions | undefined,
  toRetryAfterSeconds: (headers: Headers, nowMs: number) => number | undefined,
): HttpOptions {
  const inner = http?.fetch ?? fetch;
  const wrapped: typeof fetch = async (input, init) => {
    const response = await inner(input, init);
    if (response.status !== 429 || response.headers.has('retry-after')) return response;
    const seconds = toRetryAfterSeconds(response.headers, Date.now());
    if (seconds === undefined || !Number.isFinite(seconds)) return response;
    const headers = new Headers(response.headers);
    headers.set('retry-after', String(Math.max(0, Math.ceil(seconds))));
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
  return { ...http, fetch: wrapped };
}

/** Converts an ISO string or epoch seconds into ISO 8601, or undefined when it is neither. */
export function toIsoDate(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+$/.test(value.trim())) return new Date(Number(value.trim()) * 1000).toISOString();
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  return undefined;
}

/**
 * Scopes from an `x-oauth-scopes` response header (comma separated; GitHub classic PATs and Slack send
 * it), or undefined when the header is absent (the provider does not say).
 */
export function scopesFromHeader(headers: Headers): string[] | undefined {
  const header = headers.get('x-oauth-scopes');
  if (header === null) return undefined;
  return header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Scopes the inventory allows but the provider did not report, for a health warning. */
export function missingScopes(wanted: readonly string[], granted: readonly string[] | undefined): string[] {
  if (granted === undefined) return [];
  return wanted.filter((scope) => !granted.includes(scope));
}

/** Appends a scope-drift note to a reason. */
export function withScopeNote(reason: string, missing: readonly string[]): string {
  return missing.length === 0 ? reason : `${reason}; lacks inventory scopes: ${missing.join(', ')}`;
}
