import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NIST80053R5Checks } from 'cdk-nag';
import { beforeEach, describe, expect, it } from 'vitest';
import { ManagedToken } from '../../lib/constructs/managed-token';
import { PLACEHOLDER_VALUE } from '../../lambdas/shared/secret-value';
import { testApp, tokenSpec, unacknowledgedNagFindings } from './helpers';

describe('ManagedToken', () => {
  let stack: Stack;
  let key: kms.Key;

  beforeEach(() => {
    stack = new Stack(testApp(), 'TestStack', { env: { account: '111122223333', region: 'eu-west-1' } });
    key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  });

  it('creates the secret tokenwarden/<env>/<token>, encrypted with the given key, described from the inventory', () => {
    // WHEN
    new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec(), encryptionKey: key });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'tokenwarden/qa/gitlab-ci',
      Description: 'Project token of the e2e suite',
      KmsKeyId: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
    });
  });

  it('falls back to a description naming provider and token when the inventory gives none', () => {
    new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec({ description: undefined }), encryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: 'tokenwarden: gitlab token gitlab-ci',
    });
  });

  it('tags the secret as managed, with env, provider, owner and token', () => {
    new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec(), encryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      Tags: Match.arrayEquals([
        { Key: 'tokenwarden:env', Value: 'qa' },
        { Key: 'tokenwarden:managed', Value: 'true' },
        { Key: 'tokenwarden:owner', Value: '@qa-platform' },
        { Key: 'tokenwarden:provider', Value: 'gitlab' },
        { Key: 'tokenwarden:token', Value: 'gitlab-ci' },
      ]),
    });
  });

  it('starts with the placeholder value and never generates or embeds a token', () => {
    new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec(), encryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: PLACEHOLDER_VALUE,
      GenerateSecretString: Match.absent(),
    });
  });

  it('pins the placeholder text, because changing it would overwrite every seeded token on the next deploy', () => {
    expect(PLACEHOLDER_VALUE).toBe('{"v":1,"placeholder":true,"hint":"seed with: tokenwarden put <env>/<token>"}');
  });

  it('retains the secret when the stack or the inventory entry is removed', () => {
    new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec(), encryptionKey: key });
    Template.fromStack(stack).hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('exposes the secret and the inventory entry', () => {
    const spec = tokenSpec();
    const token = new ManagedToken(stack, 'Token', { env: 'qa', token: spec, encryptionKey: key });
    expect(token.spec).toBe(spec);
    expect(token.secretName).toBe('tokenwarden/qa/gitlab-ci');
    expect(stack.resolve(token.secret.secretName)).toBeDefined();
  });

  describe('grantRead', () => {
    it('allows GetSecretValue and DescribeSecret on this secret only, and kms:Decrypt through Secrets Manager', () => {
      // GIVEN
      const token = new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec(), encryptionKey: key });
      const role = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
      // WHEN
      token.grantRead(role);
      // THEN
      const template = Template.fromStack(stack);
      const secretId = stack.getLogicalId(token.secret.node.defaultChild as secretsmanager.CfnSecret);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
              Effect: 'Allow',
              Resource: { Ref: secretId },
            },
          ]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'kms:Decrypt',
              Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
            }),
          ]),
        },
      });
    });
  });

  describe('cdk-nag', () => {
    it('acknowledges the missing rotation of a manual token only', () => {
      new ManagedToken(stack, 'Manual', {
        env: 'qa',
        token: tokenSpec({ name: 'stripe-test', provider: 'stripe', rotation: 'manual' }),
        encryptionKey: key,
      });
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
      expect(unacknowledgedNagFindings(stack, new NIST80053R5Checks())).toEqual([]);
    });

    it('leaves a rotatable token flagged until a rotation schedule is attached (no blanket acknowledgement)', () => {
      const token = new ManagedToken(stack, 'Rotatable', { env: 'qa', token: tokenSpec(), encryptionKey: key });
      expect(unacknowledgedNagFindings(stack)).toEqual(['AwsSolutions-SMG4 at TestStack/Rotatable/Secret/Resource']);
      const fn = new lambda.Function(stack, 'Fn', {
        code: lambda.Code.fromInline('export const handler = async () => {};'),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
      });
      token.secret.addRotationSchedule('Rotation', { rotationLambda: fn, automaticallyAfter: Duration.days(30) });
      expect(unacknowledgedNagFindings(stack).filter((f) => f.includes('SMG4'))).toEqual([]);
    });
  });

  describe('validation', () => {
    it('throws naming the construct path and field for a token name that cannot be a secret name', () => {
      expect(
        () =>
          new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec({ name: 'Bad Name' }), encryptionKey: key }),
      ).toThrow(/^TestStack\/Token: props\.token\.name: expected a token name .* got "Bad Name"$/);
    });

    it('throws for an owner that cannot be a tag value', () => {
      expect(
        () =>
          new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec({ owner: 'team <a>' }), encryptionKey: key }),
      ).toThrow(/TestStack\/Token: props\.token\.owner: becomes a tag value/);
    });

    it('throws for an invalid environment name', () => {
      expect(() => new ManagedToken(stack, 'Token', { env: 'QA', token: tokenSpec(), encryptionKey: key })).toThrow(
        /TestStack\/Token: props\.env: expected an environment name/,
      );
    });

    it('throws for a description longer than Secrets Manager allows', () => {
      const description = 'x'.repeat(2049);
      expect(
        () => new ManagedToken(stack, 'Token', { env: 'qa', token: tokenSpec({ description }), encryptionKey: key }),
      ).toThrow(/props\.token\.description: at most 2048 characters, got 2049/);
    });
  });
});
