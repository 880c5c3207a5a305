import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { Inventory, TokenSpec } from '../../../lib/inventory/schema';
import type { ProviderName } from '../../../lambdas/providers/catalog';
import type { ProviderAdapter, VerifyResult } from '../../../lambdas/providers/types';
import type { Log } from '../../../lambdas/shared/logger';
import { fingerprintKeySecretName, secretNameFor, tokenTags } from '../../../lambdas/shared/names';

export const DAY = 86_400_000;

/** One secret in the fake Secrets Manager. */
export interface FakeSecret {
  arn: string;
  name: string;
  value: string | undefined;
  tags: Map<string, string>;
  stages: Record<string, string[]>;
  lastChangedDate: Date;
  nextRotationDate?: Date;
  /** Makes BatchGetSecretValue report this error code for the secret. */
  error?: string;
}

/** A canary: a value shaped like a token that must never leave the secret store. */
export const canary = (name: string): string => `CANARY-${name}-7f3a9c`;

export function tokenValue(token: string, extra: Record<string, string> = {}): string {
  return JSON.stringify({ v: 1, token, issuedAt: '2026-11-01T00:00:00Z', ...extra });
}

export function inventoryOf(tokens: TokenSpec[], overrides: Partial<Inventory> = {}): Inventory {
  return {
    name: 'qa',
    account: '111122223333',
    region: 'eu-west-1',
    probe: { every: 900_000, indeterminateAlertAfter: 3, concurrency: 50 },
    expiry: { warnBefore: 14 * DAY, criticalBefore: 3 * DAY },
    alerts: { emails: [] },
    ci: [],
    tokens,
    ...overrides,
  };
}

export function gitlabToken(name: string): TokenSpec {
  return {
    name,
    provider: 'gitlab',
    owner: '@qa-platform',
    scopes: ['read_api'],
    rotation: { every: 30 * DAY, gracePeriod: 3_600_000 },
    settings: {},
    runbook: 'https://wiki.example.com/runbooks/gitlab',
  };
}

export function stripeToken(name: string): TokenSpec {
  return { name, provider: 'stripe', owner: '@payments-qa', scopes: [], rotation: 'manual', settings: {} };
}

/**
 * A stateful stand-in for Secrets Manager and EventBridge behind aws-sdk-client-mock, so tags written by
 * one probe run are what the next run reads. It also counts calls.
 */
export class FakeAws {
  public readonly sm = mockClient(SecretsManagerClient);
  public readonly eb = mockClient(EventBridgeClient);
  public readonly secrets = new Map<string, FakeSecret>();
  public readonly events: PutEventsRequestEntry[] = [];
  public readonly putEventsBatchSizes: number[] = [];
  public readonly rotated: string[] = [];
  public fingerprintKey: string | undefined = 'fingerprint-key-for-tests';
  /** Answered (once) by the next PutEvents call instead of accepting its entries, e.g. a rejection. */
  public nextPutEventsAnswer: PutEventsCommandOutput | undefined;

  public constructor(private readonly env = 'qa') {
    this.sm.on(ListSecretsCommand).callsFake((input: { NextToken?: string; MaxResults?: number }) => {
      const all = [...this.secrets.values()];
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const size = input.MaxResults ?? 100;
      const page = all.slice(start, start + size);
      return {
        SecretList: page.map((s) => ({
          ARN: s.arn,
          Name: s.name,
          Tags: [...s.tags].map(([Key, Value]) => ({ Key, Value })),
          SecretVersionsToStages: s.stages,
          LastChangedDate: s.lastChangedDate,
          ...(s.nextRotationDate ? { NextRotationDate: s.nextRotationDate, RotationEnabled: true } : {}),
        })),
        ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
      };
    });
    this.sm.on(BatchGetSecretValueCommand).callsFake((input: { SecretIdList?: string[] }) => {
      const ids = input.SecretIdList ?? [];
      if (ids.length > 20) throw new Error('more than 20 ids');
      const found = ids.map((id) => this.secrets.get(id)).filter((s): s is FakeSecret => s !== undefined);
      return {
        SecretValues: found
          .filter((s) => !s.error)
          .map((s) => ({ ARN: s.arn, Name: s.name, SecretString: s.value, VersionStages: ['AWSCURRENT'] })),
        Errors: found.filter((s) => s.error).map((s) => ({ SecretId: s.arn, ErrorCode: s.error, Message: 'denied' })),
      };
    });
    this.sm.on(GetSecretValueCommand).callsFake((input: { SecretId?: string }) => {
      if (input.SecretId === fingerprintKeySecretName(this.env) && this.fingerprintKey !== undefined) {
        return { SecretString: this.fingerprintKey };
      }
      throw new ResourceNotFoundException({ $metadata: {}, message: 'not found' });
    });
    this.sm.on(TagResourceCommand).callsFake((input: { SecretId: string; Tags: { Key: string; Value: string }[] }) => {
      const s = this.secrets.get(input.SecretId);
      for (const t of input.Tags) s?.tags.set(t.Key, t.Value);
      return {};
    });
    this.sm.on(UntagResourceCommand).callsFake((input: { SecretId: string; TagKeys: string[] }) => {
      const s = this.secrets.get(input.SecretId);
      for (const k of input.TagKeys) s?.tags.delete(k);
      return {};
    });
    this.sm.on(RotateSecretCommand).callsFake((input: { SecretId: string }) => {
      this.rotated.push(input.SecretId);
      return { ARN: input.SecretId };
    });
    this.eb.on(PutEventsCommand).callsFake((input: { Entries: PutEventsRequestEntry[] }) => {
      const failure = this.nextPutEventsAnswer;
      if (failure) {
        this.nextPutEventsAnswer = undefined;
        return failure;
      }
      this.putEventsBatchSizes.push(input.Entries.length);
      this.events.push(...input.Entries);
      return {
        FailedEntryCount: 0,
        Entries: input.Entries.map((_, i) => ({ EventId: `e-${this.events.length + i}` })),
      };
    });
  }

  /** Creates a secret for the token as the stack would, with `value` (undefined = placeholder). */
  public addToken(token: TokenSpec, value: string | undefined): FakeSecret {
    const name = secretNameFor(this.env, token.name);
    const arn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${name}-AbCdEf`;
    const secret: FakeSecret = {
      arn,
      name,
      value: value ?? JSON.stringify({ v: 1, placeholder: true, hint: 'seed' }),
      tags: new Map(Object.entries(tokenTags(this.env, token))),
      stages: { v1: ['AWSCURRENT'] },
      lastChangedDate: new Date('2026-11-01T00:00:00Z'),
    };
    this.secrets.set(arn, secret);
    return secret;
  }

  public details(): Record<string, unknown>[] {
    return this.events.map((e) => ({ detailType: e.DetailType, ...JSON.parse(e.Detail ?? '{}') }));
  }

  public calls(command: Parameters<typeof this.sm.commandCalls>[0]): number {
    return this.sm.commandCalls(command).length;
  }

  public restore(): void {
    this.sm.restore();
    this.eb.restore();
  }
}

/** A provider adapter whose answers the test sets per token value; counts in-flight calls. */
export class FakeAdapter implements ProviderAdapter {
  public readonly capabilities = ['verify', 'issue'] as const;
  public readonly answers = new Map<string, VerifyResult>();
  public calls = 0;
  public inFlight = 0;
  public maxInFlight = 0;

  public constructor(public readonly name: ProviderName) {}

  public async verify(value: { token: string }): Promise<VerifyResult> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    return this.answers.get(value.token) ?? { verdict: 'valid' };
  }
}

/** A logger that keeps every line, so tests can look for canaries. */
export function captureLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (message: string, ...extra: unknown[]): void => {
      lines.push(`${level} ${message} ${JSON.stringify(extra)}`);
    };
  return { lines, debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}
