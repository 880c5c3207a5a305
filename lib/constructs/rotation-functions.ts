import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { canIssue, type ProviderName } from '../../lambdas/providers/catalog';
import { inventoryForProvider } from '../../lambdas/shared/config';
import { TAG } from '../../lambdas/shared/names';
import type { Inventory } from '../inventory/schema';
import { DeadLetterQueue } from './dead-letter-queue';
import type { ManagedToken } from './managed-token';
import { ScheduledInvoke } from './scheduled-invoke';
import { wholeRate } from './schedule-rate';
import { inlineInventory } from './token-alerts';
import { TokenwardenFunction } from './tokenwarden-function';
import { acknowledgeHandMadeSecrets, environmentNameProblem } from './validation';

/** Secrets Manager's rotation interval range. https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html */
const MIN_ROTATION_HOURS = 4;
const MAX_ROTATION_DAYS = 1000;

/** Props of {@link RotationFunctions}. */
export interface RotationFunctionsProps {
  /** The environment's inventory: rotation intervals, and the tokens each function's bundle inlines. */
  readonly inventory: Inventory;
  /** The environment's token secrets, by token name (TokenPipelineStack.tokens). */
  readonly tokens: ReadonlyMap<string, ManagedToken>;
  /** Where the functions' error alarms and dead-letter alarms notify. @default - alarms without actions */
  readonly alarmTopic?: sns.ITopic;
  /**
   * How often each function sweeps previous versions due for revocation (`{ "tokenwarden": "revoke-due" }`).
   * @default the inventory's probe.every
   */
  readonly sweepEvery?: Duration;
  /**
   * Reserved concurrency of each function: keeps one provider's rotations from exceeding its API rate limit
   * and from starving the account. Secrets Manager retries a throttled rotation.
   * @default 2
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Timeout of one rotation step or sweep. testSecret's worst case against a provider that never answers
   * is 6 verifications of up to ~16 s (5 s timeout, 2 retries) plus 31 s of waits: about 130 s.
   * @default Duration.minutes(3)
   */
  readonly timeout?: Duration;
}

/**
 * The rotation Lambdas (issue 4): one per *issuing* provider among the environment's rotatable tokens
 * (rotation other than `manual`), each bundled from `lambdas/rotation/providers/<provider>/handler.ts`
 * so it holds only that provider's adapter and only that provider's tokens (inlined inventory).
 * Each token gets a RotationSchedule on its function; each function gets a Scheduler schedule for the
 * revocation sweep.
 *
 * Least privilege per function: the rotation actions and tags on exactly its provider's token secrets
 * (by ARN), its tokens' admin secrets read-only, the environment key through Secrets Manager only,
 * ListSecrets (the sweep; no resource-level support). `secretsmanager:GetRandomPassword`, which CDK's
 * RotationSchedule adds on `*`, is not used: tokens come from the provider's API.
 */
export class RotationFunctions extends Construct {
  /** The function of each issuing provider in use, by provider. */
  public readonly functions: ReadonlyMap<ProviderName, TokenwardenFunction>;
  /** The rotation schedule of each rotatable token, by token name. */
  public readonly schedules: ReadonlyMap<string, secretsmanager.RotationSchedule>;
  /** The revocation sweep of each function, by provider. */
  public readonly sweeps: ReadonlyMap<ProviderName, scheduler.Schedule>;
  /** Dead letters of the sweeps (Scheduler and the functions' async invocations), by provider. */
  public readonly deadLetterQueues: ReadonlyMap<ProviderName, DeadLetterQueue>;
  /** Error alarm of each function, by provider. */
  public readonly errorAlarms: ReadonlyMap<ProviderName, cloudwatch.Alarm>;

  /** @throws Error naming this construct's path and the inventory field when a token cannot be rotated */
  public constructor(scope: Construct, id: string, props: RotationFunctionsProps) {
    super(scope, id);
    const { inventory } = props;
    const env = inventory.name;
    const { sweepEvery, intervals } = validate(this.node.path, props);
    const stack = Stack.of(this);

    const byProvider = new Map<ProviderName, ManagedToken[]>();
    for (const token of props.tokens.values()) {
      if (!intervals.has(token.spec.name)) continue;
      byProvider.set(token.spec.provider, [...(byProvider.get(token.spec.provider) ?? []), token]);
    }

    const functions = new Map<ProviderName, TokenwardenFunction>();
    const schedules = new Map<string, secretsmanager.RotationSchedule>();
    const sweeps = new Map<ProviderName, scheduler.Schedule>();
    const queues = new Map<ProviderName, DeadLetterQueue>();
    const alarms = new Map<ProviderName, cloudwatch.Alarm>();
    for (const [provider, tokens] of byProvider) {
      const scope = new Construct(this, provider);
      const dlq = new DeadLetterQueue(scope, 'DeadLetters', {
        purpose: `${provider} revocation sweeps`,
        ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      });
      const fn = new TokenwardenFunction(scope, 'Function', {
        entry: TokenwardenFunction.entryFor(`rotation/providers/${provider}`),
        description: `tokenwarden ${env}: rotates the ${provider} tokens and revokes their previous versions`,
        timeout: props.timeout ?? Duration.minutes(3),
        memorySize: 256,
        environment: { TOKENWARDEN_PROVIDER: provider },
        define: inlineInventory(inventoryForProvider(inventory, provider)),
        deadLetterQueue: dlq.queue,
        reservedConcurrentExecutions: props.reservedConcurrentExecutions ?? 2,
      });
      functions.set(provider, fn);
      queues.set(provider, dlq);

      // CDK grants: the four rotation actions on each secret's ARN, the environment key via Secrets Manager,
      // and lambda:InvokeFunction to secretsmanager.amazonaws.com (patched with SourceAccount below).
      for (const token of tokens) {
        schedules.set(
          token.spec.name,
          token.secret.addRotationSchedule('Rotation', {
            rotationLambda: fn.function,
            automaticallyAfter: intervals.get(token.spec.name),
            // A deploy never rotates: the first value is seeded by hand (`tokenwarden put`), rotation-facts §2.2.
            rotateImmediatelyOnUpdate: false,
          }),
        );
      }
      // The pending-revocation record lives in a tag on the token's secret (lambdas/rotation/pending-revocation.ts).
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'PendingRevocationTags',
          actions: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
          resources: tokens.map((t) => t.secret.secretArn),
        }),
      );
      // The sweep finds secrets with a pending-revocation tag; ListSecrets has no resource-level permissions.
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'SweepList', actions: ['secretsmanager:ListSecrets'], resources: ['*'] }),
      );
      const adminSecrets = [...new Set(tokens.flatMap((t) => (t.spec.adminSecret ? [t.spec.adminSecret] : [])))];
      adminSecrets.forEach((name, i) => {
        secretsmanager.Secret.fromSecretNameV2(scope, `AdminSecret${i}`, name).grantRead(fn);
      });
      requireSourceAccount(fn.function, stack.account);

      sweeps.set(
        provider,
        new ScheduledInvoke(scope, 'Sweep', {
          description: `tokenwarden ${env}: revoke ${provider} tokens whose grace period is over`,
          every: sweepEvery,
          target: fn.function,
          payload: { tokenwarden: 'revoke-due' },
          deadLetterQueue: dlq.queue,
          retryAttempts: 2,
        }).schedule,
      );

      const alarm = new cloudwatch.Alarm(scope, 'ErrorAlarm', {
        alarmDescription: `tokenwarden ${env}: a ${provider} rotation step or revocation sweep failed`,
        metric: fn.function.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (props.alarmTopic) alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      alarms.set(provider, alarm);

      acknowledge(fn, adminSecrets);
    }
    this.functions = functions;
    this.schedules = schedules;
    this.sweeps = sweeps;
    this.deadLetterQueues = queues;
    this.errorAlarms = alarms;
  }
}

/**
 * CDK's RotationSchedule grants secretsmanager.amazonaws.com lambda:InvokeFunction without
 * `aws:SourceAccount` (aws/aws-cdk#28406, rotation-facts §2.2): add it on the AWS::Lambda::Permission,
 * so no other account's Secrets Manager can invoke the function (confused deputy, rotation-facts §1.8).
 */
function requireSourceAccount(fn: lambda.IFunction, account: string): void {
  for (const child of fn.node.children) {
    if (child instanceof lambda.CfnPermission && child.principal === 'secretsmanager.amazonaws.com') {
      child.addPropertyOverride('SourceAccount', account);
    }
  }
}

function acknowledge(fn: TokenwardenFunction, adminSecrets: readonly string[]): void {
  const policy = fn.role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Action::secretsmanager:ListSecrets]',
    reason: `The revocation sweep lists secrets tagged ${TAG.pendingRevocation}; ListSecrets supports no resource-level permissions and returns metadata only`,
  });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ListSecrets, X-Ray and secretsmanager:GetRandomPassword (added by CDK’s RotationSchedule, unused: tokens come from the provider’s API; it generates a random string and touches no resource) take no resource ARN',
  });
  acknowledgeHandMadeSecrets(policy, adminSecrets, (name) => `Admin secret ${name}`);
}

function validate(
  path: string,
  props: RotationFunctionsProps,
): { sweepEvery: Duration; intervals: Map<string, Duration> } {
  const problems: string[] = [];
  const envProblem = environmentNameProblem(props.inventory.name);
  if (envProblem) problems.push(`props.inventory.name: ${envProblem}`);
  const intervals = new Map<string, Duration>();
  props.inventory.tokens.forEach((token, i) => {
    if (token.rotation === 'manual' || !canIssue(token.provider)) return;
    if (!props.tokens.has(token.name)) {
      problems.push(`props.tokens: no secret for inventory.tokens[${i}] (${token.name})`);
      return;
    }
    const rate = wholeRate(token.rotation.every);
    const hours = token.rotation.every / 3_600_000;
    if (
      rate === undefined ||
      !Number.isInteger(hours) ||
      hours < MIN_ROTATION_HOURS ||
      hours > MAX_ROTATION_DAYS * 24
    ) {
      problems.push(
        `inventory.tokens[${i}] (${token.name}).rotation.every: Secrets Manager rotates every ${MIN_ROTATION_HOURS} hours to ${MAX_ROTATION_DAYS} days, in whole hours; got ${hours} h`,
      );
      return;
    }
    intervals.set(token.name, rate);
  });
  const sweepEvery = props.sweepEvery ?? wholeRate(props.inventory.probe.every);
  const sweepMinutes = sweepEvery?.toMinutes({ integral: false });
  if (sweepEvery === undefined || sweepMinutes === undefined || sweepMinutes < 1 || !Number.isInteger(sweepMinutes)) {
    problems.push(
      `props.sweepEvery: must be a whole number of minutes, got ${sweepMinutes ?? props.inventory.probe.every}`,
    );
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 1)) {
    problems.push(
      `props.reservedConcurrentExecutions: must be a whole number >= 1 (0 would disable rotation), got ${reserved}`,
    );
  }
  if (problems.length > 0 || sweepEvery === undefined) throw new Error(`${path}: ${problems.join('; ')}`);
  return { sweepEvery, intervals };
}
