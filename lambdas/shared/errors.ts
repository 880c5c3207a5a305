/**
 * Errors are types callers branch on (STYLE.md §7). None of them ever carries a token value:
 * messages name the token, the provider and the endpoint path, never what was sent.
 */

/** The provider definitely said the token is not valid (401, revoked, inactive, ...). */
export class TokenInvalidError extends Error {
  public readonly provider: string;
  public readonly status: number | undefined;

  public constructor(provider: string, message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = 'TokenInvalidError';
    this.provider = provider;
    this.status = options?.status;
  }
}

/** The provider could not be reached or did not give a usable answer (timeout, DNS, 5xx, 429 after retries). */
export class ProviderUnavailableError extends Error {
  public readonly provider: string;
  public readonly status: number | undefined;

  public constructor(provider: string, message: string, options?: ErrorOptions & { status?: number }) {
    super(message, options);
    this.name = 'ProviderUnavailableError';
    this.provider = provider;
    this.status = options?.status;
  }
}

/** The provider answered something the adapter cannot interpret (wrong content type, malformed body). */
export class ProviderResponseError extends Error {
  public readonly provider: string;

  public constructor(provider: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProviderResponseError';
    this.provider = provider;
  }
}

/** A stored secret value cannot be read as tokenwarden's format. */
export class SecretValueError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretValueError';
  }
}

/** Configuration missing at cold start. */
export function getRequiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} environment variable is not set`);
  return value;
}

/** What a log line may say about an error: see {@link loggableError}. */
export interface LoggableError {
  readonly name: string;
  readonly message: string;
}

/**
 * The name and message of an error, for a log line. Never log the error object itself: Powertools
 * Logger prints its `cause` chain and every enumerable property, and those are where secrets hide (a
 * fetch failure's cause, a JSON SyntaxError quoting a response body, an SDK error's raw response).
 * tokenwarden's own error classes keep values out of their messages (this file's header).
 */
export function loggableError(error: unknown): LoggableError {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'UnknownError', message: 'a non-Error value was thrown' };
}

/** Narrows `error` to an Error, rethrowing anything else. */
export function assertIsError(error: unknown): asserts error is Error {
  if (!(error instanceof Error)) throw error;
}
