import { ProviderResponseError, ProviderUnavailableError } from './errors';

/**
 * HTTP for provider adapters: a timeout on every attempt, bounded retries with exponential backoff
 * and jitter on network errors, 429 and 5xx, honouring Retry-After. Uses the runtime's fetch
 * (Node 20+/Lambda Node 22), so adapters bundle no HTTP client.
 */
export interface HttpOptions {
  /** Per-attempt timeout. @default 5000 */
  readonly timeoutMs?: number;
  /** Retries after the first attempt. @default 2 */
  readonly retries?: number;
  /** First backoff delay; doubles each retry. @default 200 */
  readonly baseDelayMs?: number;
  /** Longest wait honoured from Retry-After; beyond it the call gives up as unavailable. @default 10000 */
  readonly maxRetryAfterMs?: number;
  /** Largest response body read, so a hostile provider cannot exhaust memory. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /**
   * The request creates something (a new key): retry only a 429, which says the request was not
   * processed. A timeout, a network error or a 5xx may come after the provider created the key, and a
   * retry would then create a second one that nothing records (a live, orphaned credential); Secrets
   * Manager retries the whole rotation instead. @default false
   */
  readonly createsResource?: boolean;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A provider's final answer: status, headers and the body read up to `maxBodyBytes`. */
export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  /** Parses the body as JSON; throws ProviderResponseError (without the body) when it is not. */
  json<T = unknown>(): T;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `url` and returns the final answer, whatever its status, once it is not retryable.
 * @throws ProviderUnavailableError when every attempt failed with a network error, 429 or 5xx
 */
export async function request(
  provider: string,
  url: string,
  init: RequestInit = {},
  options: HttpOptions = {},
): Promise<HttpResponse> {
  const {
    timeoutMs = 5000,
    retries = 2,
    baseDelayMs = 200,
    maxRetryAfterMs = 10_000,
    maxBodyBytes = 1_048_576,
    createsResource = false,
    fetch: fetchImpl = fetch,
    sleep = sleepFor,
  } = options;
  const where = describeUrl(url);
  let lastProblem = '';
  let lastStatus: number | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    let delay = baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
    try {
      // Redirects are not followed: a provider redirecting elsewhere must not receive the token.
      const response = await fetchImpl(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      const body = await readBody(response, maxBodyBytes, provider, where);
      if (response.status !== 429 && response.status < 500) {
        return {
          status: response.status,
          headers: response.headers,
          body,
          json<T>(): T {
            try {
              return JSON.parse(body) as T;
            } catch {
              // No `cause`: V8's SyntaxError quotes the body around the bad character ("…"access_tok"… is
              // not valid JSON"), and loggers print causes, so a token in a broken answer would reach a log.
              throw new ProviderResponseError(provider, `${provider} answered ${where} with a body that is not JSON`);
            }
          },
        };
      }
      lastStatus = response.status;
      lastProblem = `HTTP ${response.status}`;
      if (createsResource && response.status !== 429) break;
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      if (retryAfter !== undefined) {
        if (retryAfter > maxRetryAfterMs) break;
        delay = retryAfter;
      }
    } catch (error) {
      if (error instanceof ProviderResponseError) throw error;
      lastStatus = undefined;
      lastProblem = describeNetworkError(error, timeoutMs);
      if (createsResource) break;
    }
    if (attempt < retries) await sleep(delay);
  }
  throw new ProviderUnavailableError(provider, `${provider} could not be reached at ${where}: ${lastProblem}`, {
    status: lastStatus,
  });
}

async function readBody(response: Response, maxBytes: number, provider: string, where: string): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ProviderResponseError(
        provider,
        `${provider} answered ${where} with a body larger than ${maxBytes} bytes`,
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Scheme, host and path only: query strings may carry credentials. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code) return `network error ${cause.code}`;
    return `network error (${error.name})`;
  }
  return 'network error';
}
