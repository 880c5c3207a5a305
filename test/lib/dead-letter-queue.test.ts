import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterQueue } from '../../lib/constructs/dead-letter-queue';
import { ScheduledInvoke } from '../../lib/constructs/scheduled-invoke';
import { testApp, unacknowledgedNagFindings } from './helpers';

describe('DeadLetterQueue and ScheduledInvoke', () => {
  let stack: Stack;
  beforeEach(() => {
    stack = new Stack(testApp(), 'TestStack', { env: { account: '111122223333', region: 'eu-west-1' } });
  });

  it('makes an encrypted, TLS-only queue that keeps messages 14 days, alarmed at the first message', () => {
    new DeadLetterQueue(stack, 'Dlq', { purpose: 'tests' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('throws naming the path for a retention SQS cannot keep', () => {
    expect(() => new DeadLetterQueue(stack, 'Dlq', { purpose: 'tests', retentionPeriod: Duration.days(15) })).toThrow(
      /^TestStack\/Dlq: props\.retentionPeriod: must be 1 minute to 14 days/,
    );
  });

  it('schedules with its own role that only this account’s Scheduler may assume', () => {
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {}'),
    });
    new ScheduledInvoke(stack, 'Every', {
      description: 'test',
      every: Duration.hours(1),
      target: fn,
      payload: { tokenwarden: 'probe' },
      deadLetterQueue: new sqs.Queue(stack, 'Q'),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: { RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 } },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
          }),
        ],
      },
    });
  });

  it('throws naming the prop for an interval of seconds or too many retries', () => {
    const fn = lambda.Function.fromFunctionName(stack, 'Fn', 'f');
    const queue = new sqs.Queue(stack, 'Q');
    const base = { description: 'x', target: fn, payload: {}, deadLetterQueue: queue };
    expect(() => new ScheduledInvoke(stack, 'A', { ...base, every: Duration.seconds(90) })).toThrow(
      /^TestStack\/A: props\.every: must be a whole number of minutes, got 1\.5/,
    );
    expect(() => new ScheduledInvoke(stack, 'B', { ...base, every: Duration.minutes(5), retryAttempts: 186 })).toThrow(
      /^TestStack\/B: props\.retryAttempts: must be a whole number from 0 to 185, got 186/,
    );
  });
});
