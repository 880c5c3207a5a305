import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** SQS's longest message retention. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html */
const MAX_RETENTION_DAYS = 14;

/** Props of {@link DeadLetterQueue}. */
export interface DeadLetterQueueProps {
  /** What lands here, for the queue's alarm description (e.g. "probe invocations"). */
  readonly purpose: string;
  /** Where the depth alarm notifies. @default - the alarm has no action (visible in the console only) */
  readonly alarmTopic?: sns.ITopic;
  /** How long a failed event is kept for inspection and redrive. @default Duration.days(14), SQS's maximum */
  readonly retentionPeriod?: Duration;
}

/**
 * A dead-letter queue for tokenwarden's asynchronous deliveries (Scheduler targets, EventBridge rule
 * targets, Lambda async invocations), with an alarm as soon as one message arrives: a message here is
 * a probe, sweep or alert that did not happen.
 *
 * Encrypted with SQS-managed keys rather than the environment key: EventBridge and Scheduler would need
 * key-policy grants to write to a CMK-encrypted queue, and the messages are event envelopes (names,
 * ARNs, states), never a token value. TLS is enforced by the queue policy.
 */
export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  /** Fires when at least one message is visible. */
  public readonly depthAlarm: cloudwatch.Alarm;

  /** @throws Error naming this construct's path when the retention is outside SQS's range */
  public constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    const retention = props.retentionPeriod ?? Duration.days(MAX_RETENTION_DAYS);
    const seconds = retention.toSeconds();
    if (seconds < 60 || seconds > MAX_RETENTION_DAYS * 86_400) {
      throw new Error(`${this.node.path}: props.retentionPeriod: must be 1 minute to 14 days, got ${seconds} s`);
    }

    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: retention,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself the dead-letter queue of ${props.purpose}; its depth alarm replaces a further DLQ`,
    });

    this.depthAlarm = new cloudwatch.Alarm(this, 'DepthAlarm', {
      alarmDescription: `tokenwarden: failed ${props.purpose} are waiting in ${this.node.path}`,
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) this.depthAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}
