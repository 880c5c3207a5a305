import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { AdapterOptions } from '../../../lambdas/providers/adapter-kit';
import type { ProviderName } from '../../../lambdas/providers/catalog';
import { parseProviderSettings } from '../../../lambdas/providers/settings';
import type { ProviderAdapter, TokenContext, VerifyResult } from '../../../lambdas/providers/types';
import type { HttpOptions } from '../../../lambdas/shared/http';
import type { TokenSecretValue } from '../../../lambdas/shared/secret-value';
import type { FaultInjector } from '../../../local/providers/http-fake';
import { startFakeProviders } from '../../../local/providers/server';
import type { FakeProviders } from '../../../local/providers/server';

/** Shared set-up for adapter tests: all fakes on 127.0.0.1:0, recorded (not real) backoff sleeps. */
export interface Harness {
  readonly providers: FakeProviders;
  /** Every wait request() asked for, in ms, since the last test started. */
  readonly waits: number[];
  /** Fast HTTP options: no real sleeping, short timeouts. */
  http(overrides?: HttpOptions): HttpOptions;
  base(prefix: string): string;
  ctx(provider: ProviderName, settings: Record<string, unknown>, scopes?: string[]): TokenContext;
}

/** Starts the fakes around a test file and clears faults and recorded waits before each test. */
export function useFakeProviders(): Harness {
  let providers: FakeProviders | undefined;
  const waits: number[] = [];
  beforeAll(async () => {
    providers = await startFakeProviders({ port: 0 });
  });
  afterAll(async () => {
    await providers?.close();
  });
  beforeEach(() => {
    waits.length = 0;
    for (const injector of Object.values(providers?.faults ?? {})) {
      injector.clear();
      injector.requests = 0;
    }
  });
  return {
    get providers() {
      if (!providers) throw new Error('fake providers not started');
      return providers;
    },
    waits,
    http: (overrides = {}) => ({
      timeoutMs: 2000,
      retries: 2,
      baseDelayMs: 1,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
      ...overrides,
    }),
    base(prefix) {
      return `${this.providers.url}/${prefix}`;
    },
    ctx: (provider, settings, scopes = []) => ({
      env: 'qa',
      name: `${provider}-token`,
      provider,
      scopes,
      settings: parseProviderSettings(provider, settings) as Record<string, unknown>,
    }),
  };
}

/** A token value that tests look for in every output: it must never appear. */
export function canary(prefix = ''): string {
  return `${prefix}CANARY${randomBytes(12).toString('hex')}`;
}

export function secretValue(token: string, extra: Partial<TokenSecretValue> = {}): TokenSecretValue {
  return { v: 1, token, issuedAt: '2026-11-01T00:00:00Z', ...extra };
}

/** Everything a caller could see of a result or an error, including causes. */
export function visible(thing: unknown): string {
  const parts: string[] = [];
  let node: unknown = thing;
  for (let depth = 0; depth < 5 && node !== undefined; depth++) {
    if (node instanceof Error) {
      parts.push(node.name, node.message, String(node.stack), JSON.stringify(node));
      node = node.cause;
    } else {
      parts.push(JSON.stringify(node) ?? String(node));
      node = undefined;
    }
  }
  return parts.join('\n');
}

export function expectNoSecret(secret: string, ...things: unknown[]): void {
  for (const thing of things) expect(visible(thing)).not.toContain(secret);
}

/** Captures what an async call throws (fails the test when it does not throw). */
export async function thrown(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

export interface TransportCase {
  readonly harness: Harness;
  readonly factory: (options?: AdapterOptions) => ProviderAdapter;
  /** The fault injector of the fake the adapter talks to. */
  readonly faults: () => FaultInjector;
  /** A valid token and its context, freshly seeded. */
  readonly valid: () => { value: TokenSecretValue; ctx: TokenContext };
}

/**
 * The rules every adapter follows for answers that are not the provider's verdict
 * (PROVIDERS.md rule 7): registered as `it` blocks inside the caller's describe.
 */
export function itFollowsTransportRules(c: TransportCase): void {
  const results: VerifyResult[] = [];
  const verify = async (options: HttpOptions = c.harness.http()) => {
    const { value, ctx } = c.valid();
    const result = await c.factory({ http: options }).verify(value, ctx);
    results.push(result);
    expectNoSecret(value.token, result);
    return result;
  };

  it('waits as long as Retry-After says on 429, then uses the answer', async () => {
    c.faults().failNext({
      kind: 'status',
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { message: 'slow down' },
    });
    const result = await verify();
    expect(c.harness.waits).toEqual([7000]);
    expect(result.verdict).toBe('valid');
  });

  it('is indeterminate, never invalid, when 429 outlasts the retries', async () => {
    c.faults().failNext({ kind: 'status', status: 429, headers: { 'Retry-After': '1' } }, 3);
    const result = await verify();
    expect(result).toMatchObject({ verdict: 'indeterminate', status: 429 });
  });

  it('is indeterminate on 5xx after bounded retries', async () => {
    c.faults().failNext({ kind: 'status', status: 503 }, 3);
    const result = await verify();
    expect(result).toMatchObject({ verdict: 'indeterminate', status: 503 });
    expect(c.faults().requests).toBe(3);
  });

  it('is indeterminate when the provider does not answer in time', async () => {
    c.faults().failNext({ kind: 'hang' });
    const result = await verify(c.harness.http({ timeoutMs: 100, retries: 0 }));
    expect(result.verdict).toBe('indeterminate');
    expect(result.reason).toContain('no answer within 100 ms');
  });

  it('is indeterminate when the body is not JSON', async () => {
    c.faults().failNext({ kind: 'malformed' });
    const result = await verify();
    expect(result.verdict).toBe('indeterminate');
    expect(result.reason).toContain('not JSON');
  });

  it('does not follow a redirect to another host', async () => {
    c.faults().failNext({ kind: 'status', status: 302, headers: { Location: 'http://127.0.0.2:9/steal' } });
    const result = await verify();
    expect(result).toMatchObject({ verdict: 'indeterminate', status: 302 });
    expect(result.reason).toContain('redirect not followed');
    expect(c.faults().requests).toBe(1);
  });

  it('is indeterminate when the connection is reset', async () => {
    c.faults().failNext({ kind: 'reset' }, 3);
    const result = await verify();
    expect(result.verdict).toBe('indeterminate');
  });
}
