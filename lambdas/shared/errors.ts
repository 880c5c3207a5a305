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

export function assertIsError(error: unknown): asserts error is Error {
  if (!(error instanceof Error)) throw error;
}
