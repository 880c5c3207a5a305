import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeEach, describe, expect, it } from 'vitest';
import { FingerprintKey } from '../../lib/constructs/fingerprint-key';
import { testApp, unacknowledgedNagFindings } from './helpers';

describe('FingerprintKey', () => {
  let stack: Stack;
  let key: kms.Key;

  beforeEach(() => {
    stack = new Stack(testApp(), 'TestStack');
    key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  });

  it('creates tokenwarden/<env>/_internal/fingerprint-key with a long generated value, encrypted with the key', () => {
    // WHEN
    new FingerprintKey(stack, 'FingerprintKey', { env: 'qa', encryptionKey: key });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'tokenwarden/qa/_internal/fingerprint-key',
      GenerateSecretString: { PasswordLength: Match.anyValue() },
      SecretString: Match.absent(),
      KmsKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
    });
    const length = Template.fromStack(stack).findResources('AWS::SecretsManager::Secret');
    const [secret] = Object.values(length);
    expect(secret?.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(64);
  });

  it('carries no token tag, so the probe does not take it for a token', () => {
    new FingerprintKey(stack, 'FingerprintKey', { env: 'qa', encryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::SecretsManager::Secret', { Tags: Match.absent() });
  });

  it('is retained', () => {
    new FingerprintKey(stack, 'FingerprintKey', { env: 'qa', encryptionKey: key });
    Template.fromStack(stack).hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('leaves no unacknowledged AwsSolutions finding', () => {
    new FingerprintKey(stack, 'FingerprintKey', { env: 'qa', encryptionKey: key });
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('throws naming the construct path for an invalid environment name', () => {
    expect(() => new FingerprintKey(stack, 'FingerprintKey', { env: '', encryptionKey: key })).toThrow(
      /^TestStack\/FingerprintKey: props\.env: expected an environment name/,
    );
  });
});
