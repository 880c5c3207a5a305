/**
 * Monthly AWS cost of one environment, from call counts measured against the stand-in.
 *
 * Prices: us-east-1 list prices, no free tier, read from the public pricing pages on 2026-11-23:
 * - Secrets Manager: $0.40 per secret-month, $0.05 per 10,000 API calls
 *   (https://aws.amazon.com/secrets-manager/pricing/)
 * - Lambda (arm64): $0.20 per 1M requests, $0.0000133334 per GB-second
 *   (https://aws.amazon.com/lambda/pricing/)
 * - EventBridge: $1.00 per 1M custom events (PutEvents entries); Scheduler $1.00 per 1M invocations
 *   (https://aws.amazon.com/eventbridge/pricing/)
 * - SNS: $0.50 per 1M publishes, email deliveries $2.00 per 100,000
 *   (https://aws.amazon.com/sns/pricing/)
 */
export const PRICES = {
  secretMonth: 0.4,
  secretsCallPer10k: 0.05,
  lambdaRequestPerM: 0.2,
  lambdaGbSecond: 0.0000133334,
  eventsPerM: 1.0,
  schedulerPerM: 1.0,
  snsPublishPerM: 0.5,
} as const;

/** Probe runs a month at the default 15-minute interval (30 days). */
export const PROBE_RUNS_PER_MONTH = 30 * 24 * 4;

export interface CostInput {
  readonly tokens: number;
  /** Secrets Manager calls of one steady-state probe run. */
  readonly probeCallsPerRun: number;
  /** Wall time of one probe run (billed Lambda duration). */
  readonly probeRunMs: number;
  /** Secrets Manager calls of one rotation (the engine's, plus RotateSecret). */
  readonly callsPerRotation: number;
  /** Duration of one rotation (four invocations in all). */
  readonly rotationMs: number;
  /** Assumptions the stack does not fix yet. @default 256 */
  readonly memoryMb?: number;
  /** Rotations per token and month. @default 1 (every 30 days) */
  readonly rotationsPerTokenMonth?: number;
  /** Health events (and alerts) per month. @default 10% of the tokens */
  readonly eventsPerMonth?: number;
}

export interface CostBreakdown {
  readonly tokens: number;
  readonly secretsStorage: number;
  readonly secretsCalls: number;
  readonly lambda: number;
  readonly eventBridge: number;
  readonly sns: number;
  readonly total: number;
}

/** The model; every figure in USD per month. */
export function monthlyCost(input: CostInput): CostBreakdown {
  const memoryGb = (input.memoryMb ?? 256) / 1024;
  const rotations = input.tokens * (input.rotationsPerTokenMonth ?? 1);
  const events = input.eventsPerMonth ?? Math.ceil(input.tokens * 0.1);
  // The fingerprint key is one more secret per environment.
  const secretsStorage = (input.tokens + 1) * PRICES.secretMonth;
  const calls = PROBE_RUNS_PER_MONTH * input.probeCallsPerRun + rotations * input.callsPerRotation;
  const secretsCalls = (calls / 10_000) * PRICES.secretsCallPer10k;
  const invocations = PROBE_RUNS_PER_MONTH + rotations * 4 + events;
  const gbSeconds =
    PROBE_RUNS_PER_MONTH * (input.probeRunMs / 1000) * memoryGb + rotations * (input.rotationMs / 1000) * memoryGb;
  const lambda = (invocations / 1e6) * PRICES.lambdaRequestPerM + gbSeconds * PRICES.lambdaGbSecond;
  const eventBridge = (events / 1e6) * PRICES.eventsPerM + (PROBE_RUNS_PER_MONTH / 1e6) * PRICES.schedulerPerM;
  const sns = (events / 1e6) * PRICES.snsPublishPerM;
  const total = secretsStorage + secretsCalls + lambda + eventBridge + sns;
  return { tokens: input.tokens, secretsStorage, secretsCalls, lambda, eventBridge, sns, total };
}
