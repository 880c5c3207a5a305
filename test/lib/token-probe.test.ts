import { Duration } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { currentLabelMovedPattern } from '../../lambdas/shared/event-patterns';
import type { Inventory } from '../../lib/inventory/schema';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { shippedInventory, testApp } from './helpers';

function synth(inventory: Inventory): { stack: TokenPipelineStack; template: Template } {
  const stack = new TokenPipelineStack(testApp(), `tokenwarden-${inventory.name}`, { inventory });
  return { stack, template: Template.fromStack(stack) };
}

describe('TokenProbe', () => {
  describe.each([
    ['qa', 'rate(15 minutes)', 900],
    ['local', 'rate(1 minute)', 60],
  ] as const)('with inventory/%s.yaml', (env, rate, maxAge) => {
    const inventory = shippedInventory(env);
    const { stack, template } = synth(inventory);
    const fnId = stack.getLogicalId(stack.probe.function.function.node.defaultChild as lambda.CfnFunction);

    it(`is invoked by EventBridge Scheduler at probe.every (${rate}), with bounded retries, a max event age and a DLQ`, () => {
      const dlq = new Capture();
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: rate,
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
          Input: JSON.stringify({ tokenwarden: 'probe' }),
          RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: maxAge },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        },
      });
      template.hasResource('AWS::SQS::Queue', {
        Properties: { SqsManagedSseEnabled: true },
      });
      expect(template.toJSON().Resources[dlq.asString()].Type).toBe('AWS::SQS::Queue');
    });
  });

  const inventory = shippedInventory('qa');
  const { stack, template } = synth(inventory);
  const resources = template.toJSON().Resources;
  const policyId = stack.getLogicalId(
    (stack.probe.function.role.node.findChild('DefaultPolicy') as iam.Policy).node.defaultChild as iam.CfnPolicy,
  );
  const statements: { Action: string | string[]; Resource: unknown; Condition?: unknown }[] =
    resources[policyId].Properties.PolicyDocument.Statement;
  const actionsOn = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));
  const secretRef = (token: string) => ({
    Ref: stack.getLogicalId(stack.tokens.get(token)?.secret.node.defaultChild as secretsmanager.CfnSecret),
  });
  const busArn = {
    'Fn::GetAtt': [stack.getLogicalId(stack.alerts.bus.node.defaultChild as events.CfnEventBus), 'Arn'],
  };

  it('may put events on the environment bus only', () => {
    const puts = actionsOn('events:PutEvents');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.Resource).toEqual(busArn);
  });

  it('reads exactly the token secrets and the fingerprint key, and the oauth2 admin secret by name', () => {
    const read = actionsOn('secretsmanager:GetSecretValue').flatMap((s) => [s.Resource].flat());
    const expected = [
      ...inventory.tokens.map((t) => secretRef(t.name)),
      { Ref: stack.getLogicalId(stack.fingerprintKey.secret.node.defaultChild as secretsmanager.CfnSecret) },
    ];
    for (const r of expected) expect(read).toContainEqual(r);
    const byName = read.filter((r) => !expected.some((e) => JSON.stringify(e) === JSON.stringify(r)));
    expect(byName.map((r) => JSON.stringify(r))).toEqual([
      expect.stringContaining(':secret:tokenwarden/qa/admin/orders-api-client-??????'),
    ]);
  });

  it('tags only token secrets and self-heals (RotateSecret) only the rotatable ones', () => {
    const tag = actionsOn('secretsmanager:TagResource');
    expect(tag).toHaveLength(1);
    expect(tag[0]?.Resource).toEqual(inventory.tokens.map((t) => secretRef(t.name)));
    const rotate = actionsOn('secretsmanager:RotateSecret');
    expect(rotate).toHaveLength(1);
    expect(rotate[0]?.Resource).toEqual(
      ['gitlab-ci', 'orders-api', 'datadog-ci', 'sendgrid-mail', 'twilio-sms'].map(secretRef),
    );
  });

  it('has ListSecrets and BatchGetSecretValue on * only (no resource-level permissions), nothing else of secretsmanager', () => {
    const wildcard = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
    expect(wildcard.filter((a) => a.startsWith('secretsmanager:')).sort()).toEqual([
      'secretsmanager:BatchGetSecretValue',
      'secretsmanager:ListSecrets',
    ]);
  });

  it('decrypts with the environment key only through Secrets Manager', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ProbeFunctionRole'), 'Arn'] } },
            Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
          }),
        ]),
      },
    });
  });

  it('is the target of the CurrentLabelMoved rule on the default bus, with the exact pattern, retries and a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.absent(),
      EventPattern: Match.objectEquals(
        currentLabelMovedPattern({ env: 'qa', account: inventory.account, region: inventory.region }) as Record<
          string,
          unknown
        >,
      ),
      Targets: [
        Match.objectLike({
          Arn: {
            'Fn::GetAtt': [
              stack.getLogicalId(stack.probe.function.function.node.defaultChild as lambda.CfnFunction),
              'Arn',
            ],
          },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
  });

  it('keeps its logs with a retention and alarms on errors and dead letters', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [
        {
          Name: 'FunctionName',
          Value: { Ref: stack.getLogicalId(stack.probe.function.function.node.defaultChild as lambda.CfnFunction) },
        },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('has a token-health dashboard of the probe’s EMF metrics (namespace tokenwarden)', () => {
    const body = JSON.stringify(
      Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardBody,
    );
    for (const metric of [
      'Tokens',
      'DaysToExpiry',
      'ProbeDuration',
      'ProviderErrors',
      'HealFailures',
      'TagWriteFailures',
    ]) {
      expect(body).toContain(`\\"tokenwarden\\",\\"${metric}\\"`);
    }
  });

  it('throws naming the field for a probe interval that is not whole minutes', () => {
    const odd: Inventory = { ...inventory, probe: { ...inventory.probe, every: 90_500 } };
    expect(() => synth(odd)).toThrow(
      /^tokenwarden-qa\/Probe: props\.inventory\.probe\.every: must be a whole number of minutes/,
    );
  });

  it('rejects more than two scheduler retries', async () => {
    const { TokenProbe } = await import('../../lib/constructs/token-probe');
    const s = synth(inventory).stack;
    expect(
      () =>
        new TokenProbe(s, 'Other', {
          inventory,
          tokens: s.tokens,
          fingerprintKey: s.fingerprintKey,
          bus: s.alerts.bus,
          retryAttempts: 5,
          timeout: Duration.minutes(1),
        }),
    ).toThrow(/^tokenwarden-qa\/Other: props\.retryAttempts: must be a whole number from 0 to 2, got 5/);
  });
});
