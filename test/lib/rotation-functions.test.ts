import { Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { canIssue } from '../../lambdas/providers/catalog';
import type { Inventory } from '../../lib/inventory/schema';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { shippedInventory, testApp } from './helpers';

function synth(inventory: Inventory): { stack: TokenPipelineStack; template: Template } {
  const stack = new TokenPipelineStack(testApp(), `tokenwarden-${inventory.name}`, { inventory });
  return { stack, template: Template.fromStack(stack) };
}

/** Every resource a policy statement names, flattened to strings for membership checks. */
function statementResources(statement: { Resource: unknown }): string[] {
  const list = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
  return list.map((r) => JSON.stringify(r));
}

describe('RotationFunctions', () => {
  const inventory = shippedInventory('qa');
  const { stack, template } = synth(inventory);
  const logicalId = (c: { node: { defaultChild?: unknown } }): string =>
    stack.getLogicalId(c.node.defaultChild as lambda.CfnFunction);
  const secretRef = (token: string): string =>
    JSON.stringify({
      Ref: stack.getLogicalId(stack.tokens.get(token)?.secret.node.defaultChild as secretsmanager.CfnSecret),
    });
  const rotatable = inventory.tokens.filter((t) => t.rotation !== 'manual' && canIssue(t.provider));
  const manual = inventory.tokens.filter((t) => !rotatable.includes(t));

  it('makes one function per issuing provider in use, and none for manual-only providers', () => {
    // GIVEN the qa inventory: gitlab, oauth2, datadog, sendgrid, twilio rotate; stripe, github-app, slack are manual
    const providers = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { TOKENWARDEN_PROVIDER: Match.anyValue() } } },
    });
    // THEN
    const names = Object.values(providers).map((r) => r.Properties.Environment.Variables.TOKENWARDEN_PROVIDER);
    expect(new Set(names)).toEqual(new Set(rotatable.map((t) => t.provider)));
    expect(names).toHaveLength(new Set(names).size);
    for (const t of manual) expect(names).not.toContain(t.provider);
    expect([...stack.rotation.functions.keys()].sort()).toEqual([...new Set(names)].sort());
  });

  it('makes no function for an issuing provider whose tokens are all rotation: manual', () => {
    const onlyManualGitlab: Inventory = {
      ...inventory,
      tokens: inventory.tokens.map((t) => (t.provider === 'gitlab' ? { ...t, rotation: 'manual' } : t)),
    };
    const { stack: s } = synth(onlyManualGitlab);
    expect(s.rotation.functions.has('gitlab')).toBe(false);
    expect(s.rotation.functions.has('datadog')).toBe(true);
  });

  it('runs on Node.js 22 arm64 with reserved concurrency, a DLQ, the provider in its environment and no inventory env var', () => {
    for (const fn of stack.rotation.functions.values()) {
      const props = template.toJSON().Resources[logicalId(fn.function)].Properties;
      expect(props).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], ReservedConcurrentExecutions: 2 });
      // testSecret's worst case against a silent provider is about 130 s: the step must outlive it.
      expect(props.Timeout).toBeGreaterThanOrEqual(150);
      expect(props.DeadLetterConfig.TargetArn).toBeDefined();
      // The inventory is inlined into the bundle (esbuild define), never an environment variable (4 KB limit).
      expect(Object.keys(props.Environment.Variables)).not.toContain('TOKENWARDEN_INVENTORY');
    }
  });

  describe('each role can touch only its own provider’s secrets', () => {
    for (const provider of new Set(rotatable.map((t) => t.provider))) {
      const tokens = rotatable.filter((t) => t.provider === provider);
      it(`${provider}: its token secrets by ARN, its admin secrets by name, nothing of another token`, () => {
        const fn = stack.rotation.functions.get(provider);
        if (fn === undefined) throw new Error(`no rotation function for ${provider}`);
        const policyId = stack.getLogicalId(
          (fn.role.node.findChild('DefaultPolicy') as iam.Policy).node.defaultChild as iam.CfnPolicy,
        );
        const statements: { Action: string | string[]; Resource: unknown; Effect: string }[] =
          template.toJSON().Resources[policyId].Properties.PolicyDocument.Statement;
        const secretStatements = statements.filter((s) =>
          [s.Action]
            .flat()
            .some(
              (a) =>
                a.startsWith('secretsmanager:') &&
                a !== 'secretsmanager:ListSecrets' &&
                a !== 'secretsmanager:GetRandomPassword',
            ),
        );
        const named = new Set(secretStatements.flatMap(statementResources));
        const own = new Set(tokens.map((t) => secretRef(t.name)));
        // THEN every rotation action names exactly its own secrets ...
        for (const t of tokens ?? []) {
          expect(statements).toContainEqual(
            expect.objectContaining({
              Action: [
                'secretsmanager:DescribeSecret',
                'secretsmanager:GetSecretValue',
                'secretsmanager:PutSecretValue',
                'secretsmanager:UpdateSecretVersionStage',
              ],
              Resource: { Ref: JSON.parse(secretRef(t.name)).Ref },
            }),
          );
          expect(statements).toContainEqual(
            expect.objectContaining({
              Action: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
              Resource: JSON.parse(secretRef(t.name)),
            }),
          );
        }
        // ... and no other token's secret appears anywhere in its policy
        for (const other of inventory.tokens.filter((t) => t.provider !== provider)) {
          expect(named).not.toContain(secretRef(other.name));
        }
        const adminNames = [...named].filter((r) => !own.has(r));
        for (const r of adminNames) {
          const admin = tokens.find((t) => t.adminSecret && r.includes(`:secret:${t.adminSecret}-??????`));
          expect(admin, `unexpected resource ${r}`).toBeDefined();
        }
        // ListSecrets is the only secretsmanager action on * besides CDK's unused GetRandomPassword
        const wildcard = statements.filter((s) => s.Resource === '*').flatMap((s) => [s.Action].flat());
        expect(wildcard.filter((a) => a.startsWith('secretsmanager:')).sort()).toEqual([
          'secretsmanager:GetRandomPassword',
          'secretsmanager:ListSecrets',
        ]);
      });
    }
  });

  it('lets only this account’s Secrets Manager invoke each function (SourceAccount on the permission)', () => {
    for (const fn of stack.rotation.functions.values()) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: inventory.account,
        FunctionName: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
      });
    }
    const unscoped = template.findResources('AWS::Lambda::Permission', {
      Properties: { Principal: 'secretsmanager.amazonaws.com', SourceAccount: Match.absent() },
    });
    expect(unscoped).toEqual({});
  });

  it('attaches one rotation schedule per rotatable token, on its provider’s function, never rotating on deploy', () => {
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', rotatable.length);
    const expected: Record<string, string> = {
      'gitlab-ci': 'rate(30 days)',
      'orders-api': 'rate(12 hours)',
      'datadog-ci': 'rate(90 days)',
      'sendgrid-mail': 'rate(60 days)',
      'twilio-sms': 'rate(90 days)',
    };
    for (const t of rotatable) {
      const lambdaArn = new Capture();
      template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: JSON.parse(secretRef(t.name)),
        RotationLambdaARN: lambdaArn,
        RotationRules: Match.objectEquals({ ScheduleExpression: expected[t.name] }),
        RotateImmediatelyOnUpdate: false,
      });
      const fn = stack.rotation.functions.get(t.provider);
      expect(lambdaArn.asObject()).toEqual({ 'Fn::GetAtt': [logicalId(fn?.function as lambda.Function), 'Arn'] });
    }
    for (const t of manual) {
      expect(
        template.findResources('AWS::SecretsManager::RotationSchedule', {
          Properties: { SecretId: JSON.parse(secretRef(t.name)) },
        }),
      ).toEqual({});
    }
  });

  it('sweeps every probe interval with { "tokenwarden": "revoke-due" }, retries and a DLQ', () => {
    for (const fn of stack.rotation.functions.values()) {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(15 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: { 'Fn::GetAtt': [logicalId(fn.function), 'Arn'] },
          Input: JSON.stringify({ tokenwarden: 'revoke-due' }),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        },
      });
    }
  });

  it('alarms on each function’s errors', () => {
    for (const fn of stack.rotation.functions.values()) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }],
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      });
    }
  });

  describe('validation', () => {
    it('throws naming the token and field for an interval Secrets Manager cannot schedule', () => {
      const tooOften: Inventory = {
        ...inventory,
        tokens: inventory.tokens.map((t) =>
          t.name === 'orders-api' && t.rotation !== 'manual'
            ? { ...t, rotation: { ...t.rotation, every: 2 * 3_600_000 } }
            : t,
        ),
      };
      expect(() => synth(tooOften)).toThrow(
        /^tokenwarden-qa\/Rotation: inventory\.tokens\[1\] \(orders-api\)\.rotation\.every: Secrets Manager rotates every 4 hours to 1000 days, in whole hours; got 2 h/,
      );
    });

    it('keeps the stack in one account: the permission’s SourceAccount is the inventory’s', () => {
      expect(Stack.of(stack.rotation).account).toBe(inventory.account);
    });
  });
});
