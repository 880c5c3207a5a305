import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { HEALTH_STATES } from '../../lambdas/health/states';
import { canIssue } from '../../lambdas/providers/catalog';
import type { Inventory } from '../inventory/schema';
import { DeadLetterQueue } from './dead-letter-queue';
import type { FingerprintKey } from './fingerprint-key';
import type { ManagedToken } from './managed-token';
import { ScheduledInvoke } from './scheduled-invoke';
import { wholeRate } from './schedule-rate';
import { inlineInventory, TokenAlerts } from './token-alerts';
import { TokenwardenFunction } from './tokenwarden-function';
import { acknowledgeHandMadeSecrets, environmentNameProblem } from './validation';

/** The next run comes one interval later anyway (rotation-facts §5: few retries, 0-2). */
const MAX_PROBE_RETRIES = 2;
/** Powertools Metrics namespace and service dimension (lambdas/shared/metrics.ts). */
const METRICS_NAMESPACE = 'tokenwarden';
const METRICS_SERVICE = 'tokenwarden';

/** Props of {@link TokenProbe}. */
export interface TokenProbeProps {
  /** The environment's inventory; `probe.every` is the schedule, and the probe bundle inlines it. */
  readonly inventory: Inventory;
  /** The environment's token secrets, by token name (TokenPipelineStack.tokens). */
  readonly tokens: ReadonlyMap<string, ManagedToken>;
  /** The HMAC key for duplicate detection. */
  readonly fingerprintKey: FingerprintKey;
  /** The environment's bus (TokenAlerts.bus): the probe may put events there and nowhere else. */
  readonly bus: events.IEventBus;
  /** Where the probe's alarms notify. @default - alarms without actions */
  readonly alarmTopic?: sns.ITopic;
  /** Retries of a failed scheduled invocation; the next run comes one interval later anyway. @default 1 */
  readonly retryAttempts?: number;
  /**
   * Scheduler's flexible window: spreads invocations, at the cost of a less regular probe.
   * @default - off: the probe runs on the interval
   */
  readonly flexibleWindow?: Duration;
  /** Function timeout. @default Duration.minutes(5) */
  readonly timeout?: Duration;
}

/**
 * The scheduled probe (issue 5): the probe Lambda, invoked by EventBridge Scheduler every
 * `inventory.probe.every` and by the `CurrentLabelMoved` rule (AWSCURRENT moved: probe that one token),
 * with dead-letter queues, alarms on errors and dead letters, and a token-health dashboard of the EMF
 * metrics it writes (docs/health.md "Metrics").
 *
 * Least privilege: it reads exactly this environment's token secrets, the fingerprint key and the oauth2
 * admin secrets (introspection authenticates as the client); tags them, rotates only rotatable ones,
 * and puts events on the environment's bus only.
 */
export class TokenProbe extends Construct {
  public readonly function: TokenwardenFunction;
  public readonly schedule: scheduler.Schedule;
  /** Dead letters of the schedule, the label-moved rule and the function's async invocations. */
  public readonly deadLetterQueue: DeadLetterQueue;
  /** The rules that deliver to the probe, by route id (`CurrentLabelMoved`). */
  public readonly rules: ReadonlyMap<string, events.Rule>;
  public readonly errorAlarm: cloudwatch.Alarm;
  public readonly dashboard: cloudwatch.Dashboard;

  /** @throws Error naming this construct's path and the field when a prop cannot become a probe */
  public constructor(scope: Construct, id: string, props: TokenProbeProps) {
    super(scope, id);
    const { inventory } = props;
    const env = inventory.name;
    const retryAttempts = props.retryAttempts ?? 1;
    const every = validate(this.node.path, props, retryAttempts);
    const timeout = props.timeout ?? Duration.minutes(5);

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', {
      purpose: 'probe invocations',
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
    });

    this.function = new TokenwardenFunction(this, 'Function', {
      entry: TokenwardenFunction.entryFor('probe'),
      description: `tokenwarden ${env}: verifies every token with its provider every ${every.toHumanString()}`,
      timeout,
      memorySize: 512,
      define: inlineInventory(inventory),
      deadLetterQueue: this.deadLetterQueue.queue,
      // A scheduled run and a label-moved run may overlap; more would write the same tags twice. Throttled
      // async invocations are retried by Lambda, so a burst of label moves waits rather than fails.
      reservedConcurrentExecutions: 2,
    });
    const fn = this.function;

    // Read: this environment's token secrets (GetSecretValue + DescribeSecret, kms:Decrypt via Secrets Manager).
    for (const token of props.tokens.values()) token.grantRead(fn);
    props.fingerprintKey.grantRead(fn);
    // The oauth2 adapter's introspection authenticates as the client: its secret is the token's admin secret.
    const adminSecrets = [
      ...new Set(
        [...props.tokens.values()]
          .filter((t) => t.spec.provider === 'oauth2-client-credentials' && t.spec.adminSecret !== undefined)
          .map((t) => t.spec.adminSecret as string),
      ),
    ];
    adminSecrets.forEach((name, i) => {
      secretsmanager.Secret.fromSecretNameV2(this, `AdminSecret${i}`, name).grantRead(fn);
    });
    // Write state tags on the token secrets only; self-heal (RotateSecret) only the rotatable ones.
    const tokens = [...props.tokens.values()];
    if (tokens.length > 0) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TagTokenSecrets',
          actions: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
          resources: tokens.map((t) => t.secret.secretArn),
        }),
      );
    }
    const rotatable = tokens.filter((t) => t.spec.rotation !== 'manual' && canIssue(t.spec.provider));
    if (rotatable.length > 0) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SelfHealRotatableTokens',
          actions: ['secretsmanager:RotateSecret'],
          resources: rotatable.map((t) => t.secret.secretArn),
        }),
      );
    }
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListAndBatchRead',
        actions: ['secretsmanager:ListSecrets', 'secretsmanager:BatchGetSecretValue'],
        resources: ['*'],
      }),
    );
    props.bus.grantPutEventsTo(fn);

    this.schedule = new ScheduledInvoke(this, 'Schedule', {
      description: `tokenwarden ${env}: probe every token`,
      every,
      target: fn.function,
      payload: { tokenwarden: 'probe' },
      deadLetterQueue: this.deadLetterQueue.queue,
      retryAttempts,
      ...(props.flexibleWindow ? { flexibleWindow: props.flexibleWindow } : {}),
    }).schedule;

    const rules = new Map<string, events.Rule>();
    for (const route of TokenAlerts.routesTo(this, inventory, 'probe')) {
      rules.set(
        route.id,
        TokenAlerts.ruleFor(this, route, {
          environmentBus: props.bus,
          target: fn.function,
          deadLetterQueue: this.deadLetterQueue.queue,
          retryAttempts: 2,
        }),
      );
    }
    this.rules = rules;

    this.errorAlarm = new cloudwatch.Alarm(this, 'ErrorAlarm', {
      alarmDescription: `tokenwarden ${env}: the probe failed (no token was checked this run)`,
      metric: fn.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.errorAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));

    this.dashboard = this.healthDashboard(env, inventory);

    const policy = fn.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Action::secretsmanager:ListSecrets]',
        reason:
          'ListSecrets supports no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html); it returns metadata only',
      });
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ListSecrets and BatchGetSecretValue support no resource-level permissions; BatchGetSecretValue returns only the values GetSecretValue is granted for (the token secrets above); X-Ray takes no ARN either',
      });
      acknowledgeHandMadeSecrets(policy, adminSecrets, (name) => `Admin secret ${name}`);
    }
  }

  private healthDashboard(env: string, inventory: Inventory): cloudwatch.Dashboard {
    const metric = (name: string, dimensions: Record<string, string>, statistic = 'Maximum'): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: METRICS_SERVICE, ...dimensions },
        statistic,
        period: Duration.minutes(15),
      });
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `tokenwarden-${env}-token-health`,
    });
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Tokens per state',
        left: HEALTH_STATES.map((state) => metric('Tokens', { State: state }).with({ label: state })),
        stacked: true,
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Days to expiry',
        left: inventory.tokens.map((t) => metric('DaysToExpiry', { Token: t.name }, 'Minimum').with({ label: t.name })),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Probe duration (ms)',
        left: [metric('ProbeDuration', {}, 'Maximum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Provider errors, heal and tag-write failures',
        left: [
          ...[...new Set(inventory.tokens.map((t) => t.provider))].map((p) =>
            metric('ProviderErrors', { Provider: p }, 'Sum').with({ label: `ProviderErrors ${p}` }),
          ),
          metric('HealFailures', {}, 'Sum'),
          metric('TagWriteFailures', {}, 'Sum'),
        ],
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Probe alarms',
        alarms: [this.errorAlarm, this.deadLetterQueue.depthAlarm],
        width: 8,
      }),
    );
    return dashboard;
  }
}

function validate(path: string, props: TokenProbeProps, retryAttempts: number): Duration {
  const problems: string[] = [];
  const envProblem = environmentNameProblem(props.inventory.name);
  if (envProblem) problems.push(`props.inventory.name: ${envProblem}`);
  const every = wholeRate(props.inventory.probe.every);
  if (every === undefined) {
    problems.push(
      `props.inventory.probe.every: must be a whole number of minutes, got ${props.inventory.probe.every} ms`,
    );
  }
  // Scheduler allows 185, but a probe retried more than twice only delays the next run (ScheduledInvoke checks the window).
  if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > MAX_PROBE_RETRIES) {
    problems.push(`props.retryAttempts: must be a whole number from 0 to ${MAX_PROBE_RETRIES}, got ${retryAttempts}`);
  }
  if (problems.length > 0 || every === undefined) throw new Error(`${path}: ${problems.join('; ')}`);
  return every;
}
