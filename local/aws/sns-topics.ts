import { randomUUID } from 'node:crypto';
import { AwsApiError } from './errors';

/**
 * The SNS part of the local stand-in: topics (registered in code, by CreateTopic, or on the first
 * Publish), subscriber callbacks, and a list of every published message for inspection.
 */

/** A message attribute as Publish takes it (https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html). */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export interface PublishedMessage {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageAttributes: Record<string, SnsMessageAttribute>;
  readonly timestamp: string;
}

export type SnsSubscriber = (message: PublishedMessage) => void | Promise<void>;

export interface SnsTopicsOptions {
  readonly region?: string;
  readonly account?: string;
  readonly clock?: () => Date;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** Topics, subscribers and the published list. */
export class SnsTopics {
  private readonly region: string;
  private readonly account: string;
  private readonly clock: () => Date;
  private readonly subscribers = new Map<string, SnsSubscriber[]>();
  /** Every message published, oldest first. */
  public readonly published: PublishedMessage[] = [];
  /** Subscriber failures (SNS retries deliveries on its own; locally they are only recorded). */
  public readonly failedDeliveries: { readonly topicArn: string; readonly messageId: string }[] = [];

  public constructor(options: SnsTopicsOptions = {}) {
    this.region = options.region ?? 'eu-west-1';
    this.account = options.account ?? '000000000000';
    this.clock = options.clock ?? (() => new Date());
  }

  /** CreateTopic: idempotent, returns the topic ARN. */
  public createTopic(name: string): string {
    if (!TOPIC_NAME.test(name)) {
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: Topic Name');
    }
    const arn = `arn:aws:sns:${this.region}:${this.account}:${name}`;
    if (!this.subscribers.has(arn)) this.subscribers.set(arn, []);
    return arn;
  }

  /** The ARNs of all topics. */
  public topics(): string[] {
    return [...this.subscribers.keys()];
  }

  /** Calls `subscriber` for every message published to `topicArn` (creating the topic). */
  public subscribe(topicArn: string, subscriber: SnsSubscriber): void {
    const list = this.subscribers.get(topicArn) ?? [];
    list.push(subscriber);
    this.subscribers.set(topicArn, list);
  }

  /** Publish: records the message and hands it to the topic's subscribers; returns the MessageId. */
  public publish(input: {
    readonly topicArn?: string;
    readonly subject?: string;
    readonly message?: string;
    readonly messageAttributes?: Record<string, SnsMessageAttribute>;
  }): string {
    const topicArn = input.topicArn;
    if (!topicArn)
      throw new AwsApiError(
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
      );
    if (!/^arn:aws:sns:[^:]+:\d{12}:[A-Za-z0-9_.-]+$/.test(topicArn)) {
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: TopicArn');
    }
    if (input.message === undefined || input.message === '') {
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: Empty message');
    }
    if (input.subject !== undefined && input.subject.length > 100) {
      throw new AwsApiError('InvalidParameter', 'Invalid parameter: Subject');
    }
    if (!this.subscribers.has(topicArn)) this.subscribers.set(topicArn, []);
    const message: PublishedMessage = {
      messageId: randomUUID(),
      topicArn,
      subject: input.subject,
      message: input.message,
      messageAttributes: input.messageAttributes ?? {},
      timestamp: this.clock().toISOString(),
    };
    this.published.push(message);
    for (const subscriber of this.subscribers.get(topicArn) ?? []) {
      void Promise.resolve()
        .then(() => subscriber(message))
        .catch(() => this.failedDeliveries.push({ topicArn, messageId: message.messageId }));
    }
    return message.messageId;
  }
}
