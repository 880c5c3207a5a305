import { TokenInvalidError } from '../../lambdas/shared/errors';
import type { ProviderAdapter } from '../../lambdas/providers/types';
import type { TokenSecretValue } from '../../lambdas/shared/secret-value';

/**
 * An in-memory token provider for the engine's property tests. It records every token it issued and
 * revoked, with times, so the test can check invariants.
 * - `idempotent`: issue honours the idempotency key (a retried issue returns the same token).
 * - `revokes-old`: GitLab-like self rotate: issue revokes `current`; rotating a revoked token revokes
 *   its whole family and counts as a violation.
 */
export interface MemoryToken {
  readonly value: string;
  readonly family: number;
  readonly issuedAt: number;
  revokedAt?: number;
  readonly key?: string;
}

export class MemoryProvider {
  public readonly tokens = new Map<string, MemoryToken>();
  public rotationsOfRevokedToken = 0;
  public hooks: { before?(call: string): void; after?(call: string): void } = {};
  private counter = 0;
  private readonly byKey = new Map<string, string>();

  public constructor(
    public readonly mode: 'idempotent' | 'revokes-old',
    public now: () => number = () => Date.now(),
  ) {}

  public mint(family?: number, key?: string): string {
    const value = `canary-token-${++this.counter}`;
    this.tokens.set(value, { value, family: family ?? this.counter, issuedAt: this.now(), key });
    if (key) this.byKey.set(key, value);
    return value;
  }

  public isLive(value: string): boolean {
    const t = this.tokens.get(value);
    return t !== undefined && t.revokedAt === undefined;
  }

  public live(): string[] {
    return [...this.tokens.values()].filter((t) => t.revokedAt === undefined).map((t) => t.value);
  }

  private call<T>(name: string, fn: () => T): T {
    this.hooks.before?.(name);
    const out = fn();
    this.hooks.after?.(name);
    return out;
  }

  public adapter(name: 'gitlab' | 'oauth2-client-credentials' = 'oauth2-client-credentials'): ProviderAdapter {
    const value = (token: string): TokenSecretValue => ({ v: 1, token, issuedAt: new Date(this.now()).toISOString() });
    return {
      name,
      capabilities: ['verify', 'issue', 'revoke'],
      verify: async (v) =>
        this.call('verify', () =>
          this.isLive(v.token) ? { verdict: 'valid' as const } : { verdict: 'invalid' as const, reason: 'revoked' },
        ),
      issue: async ({ current, idempotencyKey }) =>
        this.call('issue', () => {
          if (this.mode === 'idempotent') {
            const known = this.byKey.get(idempotencyKey);
            return value(known ?? this.mint(undefined, idempotencyKey));
          }
          const old = current ? this.tokens.get(current.token) : undefined;
          if (!old) throw new TokenInvalidError(name, 'unknown token');
          if (old.revokedAt !== undefined) {
            this.rotationsOfRevokedToken++;
            for (const t of this.tokens.values()) if (t.family === old.family) t.revokedAt ??= this.now();
            throw new TokenInvalidError(name, 'rotated a revoked token: family revoked');
          }
          old.revokedAt = this.now();
          return value(this.mint(old.family));
        }),
      revoke: async (v) =>
        this.call('revoke', () => {
          const t = this.tokens.get(v.token);
          if (t && t.revokedAt === undefined) t.revokedAt = this.now();
        }),
    };
  }
}
