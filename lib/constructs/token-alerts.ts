import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type EventRoute, eventRoutes, type RouteTarget } from '../../lambdas/shared/event-patterns';
import { busNameFor } from '../../lambdas/shared/names';
import type { Inventory } from '../inventory/schema';
import { DeadLetterQueue } from './dead-letter-queue';
import { TokenwardenFunction } from './tokenwarden-function';
import { environmentNameProblem, acknowledgeHandMadeSecrets } from './validation';

/** EventBridge keeps retrying a target for up to 185 attempts / 24 h; 0-185 allowed. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html */
const MAX_RULE_RETRIES = 185;

/** Props of {@link TokenAlerts}. */
export interface TokenAlertsProps {
  /** The environment's inventory: its name, `alerts.emails` and `alerts.slackWebhookSecret`. */
  readonly inventory: Inventory;
  /** The environment's key; encrypts the alert topic. */
  readonly encryptionKey: kms.IKey;
  /** How long the bus archive keeps every event (the audit history of token health). @default Duration.days(365) */
  readonly archiveRetention?: Duration;
  /** Retries of each rule target before its event goes to the dead-letter queue. @default 4 */
  readonly retryAttempts?: number;
}

/** Options of {@link TokenAlerts.ruleFor}. */
export interface RouteRuleOptions {
  /** The environment's bus, for routes with `bus: 'environment'`. */
  readonly environmentBus: events.IEventBus;
  /** The function the route delivers to. */
  readonly target: lambda.IFunction;
  /** Where an event goes after the retries. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Retries of the target. */
  readonly retryAttempts: number;
}

/**
 * The alert path of one environment (ARCHITECTURE.md): the bus `tokenwarden-<env>` the probe writes to,
 * archived for a year (the audit history); the rules of `eventRoutes(...)` that deliver to notify; the
 * notify Lambda, which posts to Slack and publishes to the SNS topic `tokenwarden-<env>-alerts`, encrypted
 * with the environment key and subscribed by the inventory's `alerts.emails`.
 *
 * Only Lambda publishes to the topic (notify, and CloudWatch alarms), so the topic needs no key-policy
 * statement for `events.amazonaws.com`; an EventBridge rule targeting the topic directly would
 * (rotation-facts §5).
 */
export class TokenAlerts extends Construct {
  /** `tokenwarden-<env>`: the probe's health events. */
  public readonly bus: events.EventBus;
  public readonly archive: events.Archive;
  /** `tokenwarden-<env>-alerts`: email (and alarm) notifications. */
  public readonly topic: sns.Topic;
  public readonly notify: TokenwardenFunction;
  /** Dead letters of the notify rules and of notify's asynchronous invocations. */
  public readonly deadLetterQueue: DeadLetterQueue;
  /** The rules that deliver to notify, by route id. */
  public readonly rules: ReadonlyMap<string, events.Rule>;

  /**
   * The rule of one route, on the bus the route names, delivering to `options.target` with retries and a DLQ.
   * Shared with {@link TokenProbe} (the `CurrentLabelMoved` route), so every route becomes a rule the same way.
   */
  public static ruleFor(scope: Construct, route: EventRoute, options: RouteRuleOptions): events.Rule {
    return new events.Rule(scope, route.id, {
      description: `tokenwarden: ${route.description}`,
      // Routes on the default bus match AWS service events (Secrets Manager), which only arrive there.
      ...(route.bus === 'environment' ? { eventBus: options.environmentBus } : {}),
      eventPattern: toCdkPattern(route.pattern),
      targets: [
        new targets.LambdaFunction(options.target, {
          retryAttempts: options.retryAttempts,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: options.deadLetterQueue,
        }),
      ],
    });
  }

  /** The routes of `inventory` that deliver to `target`. */
  public static routesTo(scope: Construct, inventory: Inventory, target: RouteTarget): EventRoute[] {
    const stack = Stack.of(scope);
    return eventRoutes({
      env: inventory.name,
      account: stack.account,
      region: stack.region,
      partition: stack.partition,
    }).filter((r) => r.target === target);
  }

  /** @throws Error naming this construct's path and the field when a prop cannot become an alert path */
  public constructor(scope: Construct, id: string, props: TokenAlertsProps) {
    super(scope, id);
    const { inventory } = props;
    const retryAttempts = props.retryAttempts ?? 4;
    validate(this.node.path, props, retryAttempts);
    const env = inventory.name;

    this.bus = new events.EventBus(this, 'Bus', { eventBusName: busNameFor(env) });
    this.archive = this.bus.archive('Archive', {
      description: `tokenwarden: every event of ${busNameFor(env)} (token health history)`,
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention ?? Duration.days(365),
    });
    // The archive is the audit history: it outlives the stack (like the secrets and the key) and expires by its retention.
    this.archive.applyRemovalPolicy(RemovalPolicy.RETAIN);

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: `tokenwarden-${env}-alerts`,
      displayName: `tokenwarden ${env}`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    for (const email of inventory.alerts.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    this.allowAlarmsToPublish(props.encryptionKey);

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', {
      purpose: 'alert deliveries (notify rules and invocations)',
      alarmTopic: this.topic,
    });

    this.notify = new TokenwardenFunction(this, 'Notify', {
      entry: TokenwardenFunction.entryFor('notify'),
      description: `tokenwarden ${env}: health events to Slack and SNS`,
      timeout: Duration.seconds(30),
      memorySize: 256,
      environment: { ALERT_TOPIC_ARN: this.topic.topicArn },
      define: inlineInventory(inventory),
      deadLetterQueue: this.deadLetterQueue.queue,
      // A burst of health changes (a provider outage) queues as throttled async invocations, which Lambda retries
      // for up to 6 h, rather than taking the account's concurrency; and notify always has its share.
      reservedConcurrentExecutions: 5,
    });
    // Not topic.grantPublish: that also puts kms:Decrypt/GenerateDataKey* on the environment key into notify's IAM
    // policy with no condition, usable outside SNS. Here notify may use the key only when SNS calls KMS for it.
    // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
    this.notify.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }),
    );
    props.encryptionKey.grant(
      new kms.ViaServicePrincipal(`sns.${Stack.of(this).region}.amazonaws.com`, this.notify.grantPrincipal),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );

    const webhook = inventory.alerts.slackWebhookSecret;
    if (webhook !== undefined) {
      // Created by hand (`tokenwarden put`), so imported by name: the grant covers `<name>-??????`.
      secretsmanager.Secret.fromSecretNameV2(this, 'SlackWebhook', webhook).grantRead(this.notify);
      // The webhook secret is stored with the environment key; decrypt only through Secrets Manager.
      props.encryptionKey.grantDecrypt(
        new kms.ViaServicePrincipal(
          `secretsmanager.${Stack.of(this).region}.amazonaws.com`,
          this.notify.grantPrincipal,
        ),
      );
    }

    const rules = new Map<string, events.Rule>();
    for (const route of TokenAlerts.routesTo(this, inventory, 'notify')) {
      rules.set(
        route.id,
        TokenAlerts.ruleFor(this, route, {
          environmentBus: this.bus,
          target: this.notify.function,
          deadLetterQueue: this.deadLetterQueue.queue,
          retryAttempts,
        }),
      );
    }
    this.rules = rules;

    const policy = this.notify.role.node.tryFindChild('DefaultPolicy');
    if (policy && webhook !== undefined) {
      acknowledgeHandMadeSecrets(policy, [webhook], () => 'The Slack webhook secret');
    }
  }

  /**
   * CloudWatch alarms (every DLQ depth and function error alarm) notify through this topic. `enforceSSL` replaced
   * SNS's default topic policy, and the topic is encrypted with the environment key, so CloudWatch needs both a
   * topic-policy statement and a key-policy statement, or each notification fails silently in the alarm history
   * (aws/aws-cdk#11121; https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
   * The topic statement admits only alarms of this account and region (confused deputy); the key statement carries
   * no source condition, as AWS documents it, and is only exercised by a publish the topic policy admitted.
   * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
   */
  private allowAlarmsToPublish(key: kms.IKey): void {
    const stack = Stack.of(this);
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAlarmsOfThisAccount',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToEncryptedTopic',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
  }
}

/**
 * esbuild `define` that inlines the inventory into a bundle as `process.env.TOKENWARDEN_INVENTORY`
 * (lambdas/shared/config.ts): not an environment variable, which Lambda caps at 4 KB in total.
 * The inventory holds names, owners and settings, never a token value.
 */
export function inlineInventory(inventory: Inventory): Record<string, string> {
  return { 'process.env.TOKENWARDEN_INVENTORY': JSON.stringify(JSON.stringify(inventory)) };
}

/** The wire-format pattern (`detail-type`) as CDK's EventPattern (`detailType`), unchanged in the template. */
function toCdkPattern(pattern: Readonly<Record<string, unknown>>): events.EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, ...(detailType !== undefined ? { detailType: detailType as string[] } : {}) };
}

function validate(path: string, props: TokenAlertsProps, retryAttempts: number): void {
  const problems: string[] = [];
  const envProblem = environmentNameProblem(props.inventory.name);
  if (envProblem) problems.push(`props.inventory.name: ${envProblem}`);
  if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > MAX_RULE_RETRIES) {
    problems.push(`props.retryAttempts: must be a whole number from 0 to ${MAX_RULE_RETRIES}, got ${retryAttempts}`);
  }
  const days = props.archiveRetention?.toDays({ integral: false });
  if (days !== undefined && (days < 1 || !Number.isInteger(days))) {
    problems.push(`props.archiveRetention: must be a whole number of days >= 1, got ${days}`);
  }
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
}
