import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Inventory, TokenSpec } from '../lib/inventory/schema';
import type { AwsStandIn, RequestLogEntry } from '../local/aws';
import type { ProviderName } from '../lambdas/providers/catalog';
import type { ProviderAdapter, VerifyResult } from '../lambdas/providers/types';
import { fingerprintKeySecretName, secretNameFor, tokenTags } from '../lambdas/shared/names';
import { serializeSecretValue } from '../lambdas/shared/secret-value';

/**
 * Shared set-up of the benchmarks and the reliability suite: inventories of any size, seeding the
 * local stand-in directly (its in-process SecretsStore, not the SDK: 10,000 CreateSecret calls over
 * HTTP would dominate the run), SDK clients pointed at the stand-in, and a request counter.
 */

export const DAY_MS = 86_400_000;

/** A value no log, event or output may ever contain; tests search for the CANARY marker. */
export function canaryValue(i: number): string {
  return `tw-CANARY-${String(i).padStart(5, '0')}-9f8e7d6c5b4a`;
}

/** `count` verify-only tokens of one provider (manual rotation), in an inventory shaped like the loader's output. */
export function inventoryOf(
  count: number,
  options: { env?: string; provider?: ProviderName; concurrency?: number; token?: Partial<TokenSpec> } = {},
): Inventory {
  const provider = options.provider ?? 'datadog';
  const tokens: TokenSpec[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push({
      name: `tok-${String(i).padStart(5, '0')}`,
      provider,
      owner: '@qa-platform',
      scopes: [],
      rotation: 'manual',
      settings: {},
      ...options.token,
    } as TokenSpec);
  }
  return {
    name: options.env ?? 'bench',
    account: '000000000000',
    region: 'eu-west-1',
    probe: { every: 900_000, indeterminateAlertAfter: 3, concurrency: options.concurrency ?? 50 },
    expiry: { warnBefore: 14 * DAY_MS, criticalBefore: 3 * DAY_MS },
    alerts: { emails: [] },
    ci: [],
    tokens,
  } as Inventory;
}

/**
 * Creates every token's secret (with the stack's tags) and the environment's fingerprint key straight
 * in the stand-in's store. Returns the secret ARNs by token name.
 */
export function seedStandIn(
  aws: AwsStandIn,
  inventory: Inventory,
  tokenValue: (token: TokenSpec, index: number) => string = (_t, i) => canaryValue(i),
): Map<string, string> {
  const arns = new Map<string, string>();
  inventory.tokens.forEach((token, i) => {
    const out = aws.secrets.createSecret({
      Name: secretNameFor(inventory.name, token.name),
      SecretString: serializeSecretValue({ v: 1, token: tokenValue(token, i), issuedAt: new Date().toISOString() }),
      Tags: Object.entries(tokenTags(inventory.name, token)).map(([Key, Value]) => ({ Key, Value })),
    });
    if (out.ARN) arns.set(token.name, out.ARN);
  });
  aws.secrets.createSecret({
    Name: fingerprintKeySecretName(inventory.name),
    SecretString: 'bench-fingerprint-key-0123456789abcdef',
  });
  return arns;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** SDK clients as the Lambdas build them (maxAttempts 3), pointed at the stand-in. */
export function clientsFor(aws: AwsStandIn): { secrets: SecretsManagerClient; events: EventBridgeClient } {
  const common = { region: 'eu-west-1', endpoint: aws.url, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 };
  return { secrets: new SecretsManagerClient(common), events: new EventBridgeClient(common) };
}

/** Counts the stand-in's requests per operation (hook it into `onRequest`). */
export class RequestCounter {
  public readonly counts = new Map<string, number>();

  public readonly record = (entry: RequestLogEntry): void => {
    this.counts.set(entry.operation, (this.counts.get(entry.operation) ?? 0) + 1);
  };

  public get(operation: string): number {
    return this.counts.get(operation) ?? 0;
  }

  public total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  public reset(): void {
    this.counts.clear();
  }
}

/** A verify-only adapter that answers `valid` after `latencyMs` (a timer, no socket). */
export function latencyAdapter(name: ProviderName, latencyMs: number, answer: VerifyResult = { verdict: 'valid' }) {
  let inFlight = 0;
  let maxInFlight = 0;
  let firstStart: number | undefined;
  let lastEnd: number | undefined;
  const adapter: ProviderAdapter = {
    name,
    capabilities: ['verify'],
    verify: async () => {
      firstStart ??= performance.now();
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      inFlight--;
      lastEnd = performance.now();
      return answer;
    },
  };
  return {
    adapter,
    maxInFlight: () => maxInFlight,
    /** performance.now() of the first verify call and of the last answer; reset with `resetTimes`. */
    times: () => ({ firstStart, lastEnd }),
    resetTimes: () => {
      firstStart = undefined;
      lastEnd = undefined;
    },
  };
}
