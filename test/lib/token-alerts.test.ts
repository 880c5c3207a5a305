import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { eventRoutes } from '../../lambdas/shared/event-patterns';
import type { Inventory } from '../../lib/inventory/schema';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { shippedInventory, testApp } from './helpers';

function synth(inventory: Inventory): { stack: TokenPipelineStack; template: Template } {
  const stack = new TokenPipelineStack(testApp(), `tokenwarden-${inventory.name}`, { inventory });
  return { stack, template: Template.fromStack(stack) };
}

describe('TokenAlerts', () => {
  describe.each(['qa', 'local'] as const)('with inventory/%s.yaml', (env) => {
    const inventory = shippedInventory(env);
    const { stack, template } = synth(inventory);
    const busRef = { Ref: stack.getLogicalId(stack.alerts.bus.node.defaultChild as events.CfnEventBus) };
    const fnId = (fn: lambda.IFunction) => stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    const targetOf: Record<string, string> = {
      notify: fnId(stack.alerts.notify.function),
      probe: fnId(stack.probe.function.function),
    };

    it('creates the bus tokenwarden-<env> with a year-long archive of every event', () => {
      template.hasResourceProperties('AWS::Events::EventBus', { Name: `tokenwarden-${env}` });
      template.hasResourceProperties('AWS::Events::Archive', {
        SourceArn: { 'Fn::GetAtt': [busRef.Ref, 'Arn'] },
        RetentionDays: 365,
        EventPattern: { account: [inventory.account] },
      });
    });

    it('makes one rule per route of eventRoutes, on the route’s bus, with its exact pattern, target, retries and DLQ', () => {
      // The stack's partition is a token (AWS::Partition), resolved the way the template renders it.
      const routes = eventRoutes({
        env,
        account: inventory.account,
        region: inventory.region,
        partition: stack.partition,
      });
      template.resourceCountIs('AWS::Events::Rule', routes.length);
      for (const route of routes) {
        template.hasResourceProperties('AWS::Events::Rule', {
          EventBusName: route.bus === 'environment' ? busRef : Match.absent(),
          EventPattern: Match.objectEquals(stack.resolve(route.pattern) as Record<string, unknown>),
          Targets: [
            Match.objectLike({
              Arn: { 'Fn::GetAtt': [targetOf[route.target], 'Arn'] },
              RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: 86_400 },
              DeadLetterConfig: { Arn: Match.anyValue() },
            }),
          ],
        });
      }
    });

    it('gives notify the topic ARN in ALERT_TOPIC_ARN, a DLQ and log retention', () => {
      const topicRef = new Capture();
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { ALERT_TOPIC_ARN: { Ref: topicRef } } },
        DeadLetterConfig: { TargetArn: Match.anyValue() },
      });
      expect(template.toJSON().Resources[topicRef.asString()].Type).toBe('AWS::SNS::Topic');
    });

    it('encrypts the topic tokenwarden-<env>-alerts with the environment key, enforces TLS and subscribes the inventory’s emails', () => {
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: `tokenwarden-${env}-alerts`,
        KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EnvironmentKey'), 'Arn'] },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.resourceCountIs('AWS::SNS::Subscription', inventory.alerts.emails.length);
      for (const email of inventory.alerts.emails) {
        template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email });
      }
    });

    it('lets notify publish to the topic and read the Slack webhook secret by name, nothing else of secretsmanager', () => {
      const policyId = stack.getLogicalId(
        (stack.alerts.notify.role.node.findChild('DefaultPolicy') as iam.Policy).node.defaultChild as iam.CfnPolicy,
      );
      const statements: { Action: string | string[]; Resource: unknown }[] =
        template.toJSON().Resources[policyId].Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: 'sns:Publish',
          Resource: { Ref: stack.getLogicalId(stack.alerts.topic.node.defaultChild as never) },
        }),
      );
      const secrets = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
      expect(secrets).toHaveLength(1);
      expect(JSON.stringify(secrets[0]?.Resource)).toContain(`:secret:${inventory.alerts.slackWebhookSecret}-??????`);
      expect(secrets[0]?.Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    });

    // Review finding: alarms targeted a CMK-encrypted topic whose policy (replaced by enforceSSL) and key policy
    // let no CloudWatch in, so every alarm notification was dropped (aws/aws-cdk#11121).
    it('lets CloudWatch alarms of this account and region publish to the topic', () => {
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: {
                StringEquals: { 'aws:SourceAccount': inventory.account },
                ArnLike: { 'aws:SourceArn': Match.anyValue() },
              },
            }),
          ]),
        },
      });
      expect(
        JSON.stringify(stack.resolve(template.toJSON().Resources)).includes(
          `:cloudwatch:${inventory.region}:${inventory.account}:alarm:*`,
        ),
      ).toBe(true);
    });

    it('lets CloudWatch use the environment key for the encrypted topic, and only Decrypt and GenerateDataKey*', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
    });

    it('lets notify use the environment key only through SNS (kms:ViaService), not directly', () => {
      const role = stack.alerts.notify.role;
      const policyId = stack.getLogicalId(
        (role.node.findChild('DefaultPolicy') as iam.Policy).node.defaultChild as iam.CfnPolicy,
      );
      const statements: { Action: string | string[] }[] =
        template.toJSON().Resources[policyId].Properties.PolicyDocument.Statement;
      expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('kms:'))).toEqual([]);
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: { StringEquals: { 'kms:ViaService': `sns.${inventory.region}.amazonaws.com` } },
              Principal: { AWS: { 'Fn::GetAtt': [stack.getLogicalId(role.node.defaultChild as iam.CfnRole), 'Arn'] } },
            }),
          ]),
        },
      });
    });

    it('retains the archive (the audit history) when the stack is deleted', () => {
      template.hasResource('AWS::Events::Archive', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });
  });

  it('throws naming the field for an out-of-range retry count', async () => {
    const { TokenAlerts } = await import('../../lib/constructs/token-alerts');
    const { stack } = synth(shippedInventory('qa'));
    expect(
      () =>
        new TokenAlerts(stack, 'More', {
          inventory: shippedInventory('qa'),
          encryptionKey: stack.key,
          retryAttempts: 200,
        }),
    ).toThrow(/^tokenwarden-qa\/More: props\.retryAttempts: must be a whole number from 0 to 185, got 200/);
  });
});
