import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INLINE_POLICY_REASON } from './tokenwarden-function';

/** Scheduler's ranges. https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html */
const MAX_RETRIES = 185;
const MAX_EVENT_AGE_SECONDS = 86_400;
const MIN_EVENT_AGE_SECONDS = 60;

/** Props of {@link ScheduledInvoke}. */
export interface ScheduledInvokeProps {
  /** What the schedule does, shown in the console. */
  readonly description: string;
  /** How often the function is invoked (whole minutes). */
  readonly every: Duration;
  /** The function to invoke (asynchronously, as Scheduler does). */
  readonly target: lambda.IFunction;
  /** The event the function receives. */
  readonly payload: Record<string, unknown>;
  /** Where an invocation goes when Scheduler cannot deliver it. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Delivery retries. @default 2 */
  readonly retryAttempts?: number;
  /** Scheduler's flexible window. @default - off: invoked on the interval */
  readonly flexibleWindow?: Duration;
}

/**
 * An EventBridge Scheduler schedule that invokes one function on a fixed rate, with a retry policy, a
 * DLQ, an event age of at most one interval (a stale run is superseded by the next) and its own role,
 * which only `scheduler.amazonaws.com` of this account may assume (rotation-facts §5: AWS recommends
 * Scheduler over scheduled rules).
 */
export class ScheduledInvoke extends Construct {
  public readonly schedule: scheduler.Schedule;
  /** The role Scheduler assumes to invoke the function. */
  public readonly role: iam.Role;

  /** @throws Error naming this construct's path and the prop when it is out of Scheduler's range */
  public constructor(scope: Construct, id: string, props: ScheduledInvokeProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? 2;
    validate(this.node.path, props, retryAttempts);
    const stack = Stack.of(this);

    // Confused deputy: only Scheduler acting for this account's default schedule group (where these schedules live).
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role
    const scheduleGroupArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: 'default',
    });
    this.role = new iam.Role(this, 'Role', {
      description: `Scheduler: ${props.description}`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': scheduleGroupArn } },
      }),
    });

    const maxAge = Math.max(MIN_EVENT_AGE_SECONDS, Math.min(props.every.toSeconds(), MAX_EVENT_AGE_SECONDS));
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: props.description,
      schedule: scheduler.ScheduleExpression.rate(props.every),
      timeWindow: props.flexibleWindow
        ? scheduler.TimeWindow.flexible(props.flexibleWindow)
        : scheduler.TimeWindow.off(),
      target: new InvokeUnqualified(props.target, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject(props.payload),
        retryAttempts,
        maxEventAge: Duration.seconds(maxAge),
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({ id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: INLINE_POLICY_REASON });
    }
  }
}

/**
 * Scheduler's LambdaInvoke target, minus `fn.grantInvoke`, which also allows the function's versions and aliases
 * (`<arn>:*`). Scheduler invokes the unqualified ARN, so the role may invoke exactly that.
 */
class InvokeUnqualified extends schedulerTargets.LambdaInvoke {
  private readonly fn: lambda.IFunction;

  public constructor(fn: lambda.IFunction, props: schedulerTargets.ScheduleTargetBaseProps) {
    super(fn, props);
    this.fn = fn;
  }

  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.fn.functionArn] }),
    );
  }
}

function validate(path: string, props: ScheduledInvokeProps, retryAttempts: number): void {
  const problems: string[] = [];
  const minutes = props.every.toMinutes({ integral: false });
  if (minutes < 1 || !Number.isInteger(minutes)) {
    problems.push(`props.every: must be a whole number of minutes, got ${minutes}`);
  }
  if (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > MAX_RETRIES) {
    problems.push(`props.retryAttempts: must be a whole number from 0 to ${MAX_RETRIES}, got ${retryAttempts}`);
  }
  const window = props.flexibleWindow?.toMinutes({ integral: false });
  if (window !== undefined && (window < 1 || window > 1440 || !Number.isInteger(window))) {
    problems.push(`props.flexibleWindow: must be 1 to 1440 whole minutes, got ${window}`);
  }
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
}
