import type { TokenSecretValue } from '../shared/secret-value';
import type { Capability, ProviderName } from './catalog';

/** valid / invalid (the provider said no) / indeterminate (could not tell: network, 5xx, 429, odd answer). */
export type Verdict = 'valid' | 'invalid' | 'indeterminate';

/** An adapter's answer about one token; every field is safe to log and alert on. */
export interface VerifyResult {
  readonly verdict: Verdict;
  /** Why, in words safe to log and alert on (never the token). */
  readonly reason?: string;
  /** As reported by the provider, ISO 8601. */
  readonly expiresAt?: string;
  /** Scopes the provider says the token has; undefined when it does not say. */
  readonly scopes?: readonly string[];
  /** Who the token acts as (user name, client id, app slug, ...). */
  readonly identity?: string;
  /**
   * Problems worth a warning even though the token works, e.g. a Stripe live-mode key in a QA
   * environment. The health model reports them; `reason` stays informational.
   */
  readonly warnings?: readonly string[];
  /** HTTP status of the deciding answer, when there was one. */
  readonly status?: number;
}

/** What an adapter needs to know about the token it works on; from the inventory. */
export interface TokenContext {
  readonly env: string;
  readonly name: string;
  readonly provider: ProviderName;
  /** Scopes the inventory allows; a new token is issued with exactly these. */
  readonly scopes: readonly string[];
  /** The provider's settings, already parsed with its schema (lambdas/providers/settings.ts). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Name of the secret holding the provider's elevated credential (inventory `adminSecret`), if any. */
  readonly adminSecret?: string;
  /** Rotation interval in ms, used as the lifetime of issued tokens where the provider takes one. */
  readonly lifetimeMs?: number;
}

/** What an adapter gets to issue a new token. */
export interface IssueInput {
  readonly ctx: TokenContext;
  /** The token being replaced, when there is one (self-rotating providers need it). */
  readonly current?: TokenSecretValue;
  /** The admin credential's value, read from the token's adminSecret, for providers that need one. */
  readonly admin?: string;
  /**
   * Stable for one rotation (the ClientRequestToken). No supported provider deduplicates on it; adapters
   * put part of it in the issued key's name, so a key orphaned by a crash can be traced to its rotation.
   */
  readonly idempotencyKey: string;
}

/**
 * One adapter per provider. Every network call has a timeout and bounded retries with backoff
 * (lambdas/shared/http.ts). An adapter never logs or throws a token value.
 */
export interface ProviderAdapter {
  readonly name: ProviderName;
  readonly capabilities: readonly Capability[];
  /** Never throws for provider answers: maps them to a verdict. */
  verify(value: TokenSecretValue, ctx: TokenContext): Promise<VerifyResult>;
  /** Issues a new token. For rotate-revokes-old providers (GitLab self rotate) this revokes `current`. */
  issue?(input: IssueInput): Promise<TokenSecretValue>;
  /** Revokes a token; idempotent: a token already revoked or unknown is success. */
  revoke?(value: TokenSecretValue, ctx: TokenContext, admin?: string): Promise<void>;
  /** Providers whose stored secret mints short-lived tokens on read (GitHub App): the token CI gets. */
  mint?(value: TokenSecretValue, ctx: TokenContext): Promise<{ token: string; expiresAt: string }>;
}
