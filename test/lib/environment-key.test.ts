import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeEach, describe, expect, it } from 'vitest';
import { EnvironmentKey } from '../../lib/constructs/environment-key';
import { testApp, unacknowledgedNagFindings } from './helpers';

describe('EnvironmentKey', () => {
  let stack: Stack;

  beforeEach(() => {
    stack = new Stack(testApp(), 'TestStack');
  });

  it('creates a KMS key with rotation enabled and the alias tokenwarden/<env>', () => {
    // WHEN
    new EnvironmentKey(stack, 'Key', { env: 'qa' });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/tokenwarden/qa' });
  });

  it('retains the key, because retained secrets stay encrypted with it', () => {
    new EnvironmentKey(stack, 'Key', { env: 'qa' });
    Template.fromStack(stack).hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('leaves no unacknowledged AwsSolutions finding', () => {
    new EnvironmentKey(stack, 'Key', { env: 'qa' });
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('throws naming the construct path and field for an invalid environment name', () => {
    expect(() => new EnvironmentKey(stack, 'Key', { env: 'qa/prod' })).toThrow(
      /^TestStack\/Key: props\.env: expected an environment name .* got "qa\/prod"$/,
    );
  });
});
