import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeEach, describe, expect, it } from 'vitest';
import { ScheduledInvoke } from '../../lib/constructs/scheduled-invoke';
import { testApp } from './helpers';

describe('ScheduledInvoke', () => {
  let stack: Stack;
  let fn: lambda.Function;
  let template: Template;

  beforeEach(() => {
    // GIVEN
    stack = new Stack(testApp(), 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
    fn = new lambda.Function(stack, 'Fn', {
      code: lambda.Code.fromInline('export const handler = async () => {};'),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
    });
    // WHEN
    new ScheduledInvoke(stack, 'Sweep', {
      description: 'sweep',
      every: Duration.minutes(15),
      target: fn,
      payload: { tokenwarden: 'revoke-due' },
      deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
    });
    template = Template.fromStack(stack);
  });

  it('lets its role invoke exactly the target function, not its versions or aliases (<arn>:*)', () => {
    // THEN
    const fnArn = { 'Fn::GetAtt': [stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction), 'Arn'] };
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const invoke = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[])
      .filter((s) => s.Action === 'lambda:InvokeFunction');
    expect(invoke).toEqual([{ Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: fnArn }]);
  });

  it('is assumable only by Scheduler for schedules of this account’s default schedule group', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: {
                'aws:SourceAccount': '111122223333',
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:eu-west-1:111122223333:schedule-group/default'],
                  ],
                },
              },
            },
          }),
        ],
      },
    });
  });
});
