import { describe, expect, it } from 'vitest';
import { type CfnTemplate, TemplateResolver, UnresolvableError } from './template-resolver';

const template: CfnTemplate = {
  Resources: {
    TokenA: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'tokenwarden/qa/a' } },
    TokenB: { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'tokenwarden/qa/b' } },
    Key: { Type: 'AWS::KMS::Key', Properties: {} },
    Role: { Type: 'AWS::IAM::Role', Properties: {} },
    NamedRole: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'ci-reader' } },
    Provider: { Type: 'AWS::IAM::OIDCProvider', Properties: { Url: 'https://gitlab.example.com' } },
    Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
    Stream: { Type: 'AWS::Kinesis::Stream', Properties: {} },
  },
};
const target = { account: '111122223333', region: 'eu-west-1' };
const resolver = new TemplateResolver(template, target);

describe('TemplateResolver', () => {
  it('resolves Ref of a secret to a full secret ARN with a six-character suffix, in the target account and region', () => {
    expect(resolver.resolve({ Ref: 'TokenA' })).toMatch(
      /^arn:aws:secretsmanager:eu-west-1:111122223333:secret:tokenwarden\/qa\/a-[A-Za-z0-9]{6}$/,
    );
  });

  it('gives different secrets different ARNs and the same secret the same ARN every time', () => {
    expect(resolver.resolve({ Ref: 'TokenA' })).not.toEqual(resolver.resolve({ Ref: 'TokenB' }));
    expect(new TemplateResolver(template, target).resolve({ Ref: 'TokenA' })).toEqual(
      resolver.resolve({ Ref: 'TokenA' }),
    );
  });

  it('resolves GetAtt Arn of a key, a role and an OIDC provider', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Key', 'Arn'] })).toMatch(
      /^arn:aws:kms:eu-west-1:111122223333:key\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('arn:aws:iam::111122223333:role/Role');
    expect(resolver.resolve({ 'Fn::GetAtt': ['NamedRole', 'Arn'] })).toBe('arn:aws:iam::111122223333:role/ci-reader');
    expect(resolver.resolve({ Ref: 'Provider' })).toBe('arn:aws:iam::111122223333:oidc-provider/gitlab.example.com');
  });

  it('resolves Ref of a role to its name, as CloudFormation does', () => {
    expect(resolver.resolve({ Ref: 'NamedRole' })).toBe('ci-reader');
  });

  it('resolves Fn::Join with pseudo parameters inside nested documents', () => {
    const doc = {
      Statement: [
        {
          Principal: {
            AWS: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
            },
          },
          Condition: {
            StringEquals: {
              'kms:ViaService': {
                'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]],
              },
            },
          },
          Resource: '*',
        },
      ],
    };
    expect(resolver.resolve(doc)).toEqual({
      Statement: [
        {
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
          Resource: '*',
        },
      ],
    });
  });

  it('throws on an intrinsic it does not know instead of guessing', () => {
    expect(() => resolver.resolve({ 'Fn::Sub': 'arn:aws:s3:::bucket' })).toThrow(UnresolvableError);
    expect(() => resolver.resolve({ 'Fn::GetAtt': ['Role', 'RoleId'] })).toThrow(/Role\.RoleId is not supported/);
  });

  it('throws on a reference to a missing resource or a type without a rule', () => {
    expect(() => resolver.resolve({ Ref: 'Nope' })).toThrow(/Ref to Nope, which is not in the template/);
    expect(resolver.resolve({ Ref: 'Topic' })).toBe('arn:aws:sns:eu-west-1:111122223333:Topic');
    expect(() => resolver.resolve({ Ref: 'Stream' })).toThrow(/no Ref rule for Stream of type AWS::Kinesis::Stream/);
  });
});
