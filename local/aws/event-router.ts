import { randomUUID } from 'node:crypto';
import type { PutEventsRequest, PutEventsResponse, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import { AwsApiError } from './errors';
import { type JsonObject, matchesPattern } from './event-pattern';

/**
 * The EventBridge part of the local stand-in: buses, rules registered in code, delivery to target
 * callbacks with retries and a dead-letter list, and an archive of every event per bus.
 * Rules come from the same definitions the stack uses (lambdas/shared/event-patterns.ts).
 */

/** The envelope EventBridge delivers to targets (https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html). */
export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

export type EventTarget = (event: DeliveredEvent) => Promise<void>;

export interface RuleDefinition {
  /** Bus name or ARN. @default 'default' */
  readonly bus?: string;
  readonly name: string;
  readonly pattern: JsonObject;
  readonly target: EventTarget;
}

/** An event a target kept failing on, after the retries. Holds no error text (it could hold a value). */
export interface DeadLetter {
  readonly bus: string;
  readonly rule: string;
  readonly event: DeliveredEvent;
  readonly attempts: number;
  readonly errorName: string;
}

export interface EventRouterOptions {
  readonly region?: string;
  readonly account?: string;
  readonly clock?: () => Date;
  /** Delivery attempts per target before the event goes to the dead-letter list. @default 3 */
  readonly deliveryAttempts?: number;
  /** Pause between delivery attempts. @default 20 */
  readonly retryDelayMs?: number;
}

/** The per-entry maximum of PutEvents (EventBridge quotas). */
const MAX_ENTRIES = 10;
const DEFAULT_BUS = 'default';

/** An event to put from inside the stand-in (Secrets Manager's service events). */
export interface InternalEvent {
  readonly bus?: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly resources?: string[];
  readonly time?: Date;
}

/** Buses, rules, delivery, archive and dead letters. */
export class EventRouter {
  private readonly region: string;
  private readonly account: string;
  private readonly clock: () => Date;
  private readonly deliveryAttempts: number;
  private readonly retryDelayMs: number;
  private readonly rules = new Map<string, RuleDefinition[]>();
  private readonly archives = new Map<string, DeliveredEvent[]>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Events that a target failed on after every attempt. */
  public readonly deadLetters: DeadLetter[] = [];

  public constructor(options: EventRouterOptions = {}) {
    this.region = options.region ?? 'eu-west-1';
    this.account = options.account ?? '000000000000';
    this.clock = options.clock ?? (() => new Date());
    this.deliveryAttempts = options.deliveryAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 20;
    this.archives.set(DEFAULT_BUS, []);
  }

  /** Bus name from a name or ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`). */
  public busName(nameOrArn: string | undefined): string {
    if (!nameOrArn) return DEFAULT_BUS;
    const match = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
    return match?.[1] ?? nameOrArn;
  }

  /** The ARN of a bus. */
  public busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:event-bus/${name}`;
  }

  /** Creates a bus (buses are also created by addRule and by the first PutEvents naming them). */
  public createBus(name: string): void {
    if (!this.archives.has(name)) this.archives.set(name, []);
  }

  /** Registers a rule; its target is called for every matching event on its bus. */
  public addRule(rule: RuleDefinition): void {
    const bus = this.busName(rule.bus);
    this.createBus(bus);
    const rules = this.rules.get(bus) ?? [];
    rules.push(rule);
    this.rules.set(bus, rules);
  }

  /** Every event put on `bus` (name or ARN), oldest first. */
  public archive(bus = DEFAULT_BUS): readonly DeliveredEvent[] {
    return this.archives.get(this.busName(bus)) ?? [];
  }

  /** PutEvents: validates each entry; a bad entry fails alone (FailedEntryCount), the call does not. */
  public putEvents(input: PutEventsRequest): PutEventsResponse {
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new AwsApiError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_ENTRIES}`,
      );
    }
    const results: PutEventsResultEntry[] = entries.map((entry) => {
      if (!entry.Source)
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
        };
      if (!entry.DetailType)
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        };
      if (!entry.Detail)
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
        };
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      const event = this.put({
        bus: entry.EventBusName,
        source: entry.Source,
        detailType: entry.DetailType,
        detail: detail as Record<string, unknown>,
        resources: entry.Resources,
        time: entry.Time,
      });
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results };
  }

  /** Puts one event and starts delivering it to the matching rules' targets. */
  public put(input: InternalEvent): DeliveredEvent {
    const bus = this.busName(input.bus);
    this.createBus(bus);
    const event: DeliveredEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': input.detailType,
      source: input.source,
      account: this.account,
      time: (input.time ?? this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.region,
      resources: input.resources ?? [],
      detail: input.detail,
    };
    this.archives.get(bus)!.push(event);
    for (const rule of this.rules.get(bus) ?? []) {
      let matches = false;
      try {
        matches = matchesPattern(rule.pattern, event as unknown as JsonObject);
      } catch {
        matches = false;
      }
      if (!matches) continue;
      const delivery = this.deliver(bus, rule, event);
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
    return event;
  }

  /** Settles when every delivery started so far (and any they caused) has finished. */
  public async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(bus: string, rule: RuleDefinition, event: DeliveredEvent): Promise<void> {
    // Asynchronous, as EventBridge is: PutEvents has answered before any target runs.
    await new Promise((resolve) => setImmediate(resolve));
    let errorName = 'Error';
    for (let attempt = 1; attempt <= this.deliveryAttempts; attempt++) {
      try {
        await rule.target(event);
        return;
      } catch (error) {
        errorName = error instanceof Error ? error.name : typeof error;
        if (attempt < this.deliveryAttempts) await new Promise((resolve) => setTimeout(resolve, this.retryDelayMs));
      }
    }
    this.deadLetters.push({ bus, rule: rule.name, event, attempts: this.deliveryAttempts, errorName });
  }
}
