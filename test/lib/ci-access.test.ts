import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NIST80053R5Checks } from 'cdk-nag';
import { beforeEach, describe, expect, it } from 'vitest';
import { CiAccess, type CiAccessProps } from '../../lib/constructs/ci-access';
import { ManagedToken } from '../../lib/constructs/managed-token';
import type { CiConsumer } from '../../lib/inventory/schema';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { shippedInventory, testApp, tokenSpec, unacknowledgedNagFindings } from './helpers';

const ACCOUNT = '111122223333';

function consumer(overrides: Partial<CiConsumer> & Pick<CiConsumer, 'name'>): CiConsumer {
  return { tokens: ['gitlab-ci'], maxSession: 3_600_000, ...overrides };
}

const github = (name: string, extra: Partial<CiConsumer> = {}): CiConsumer =>
  consumer({ name, github: { repos: ['acme/web-app'], branches: ['main'], environments: ['qa'] }, ...extra });

describe('CiAccess', () => {
  let stack: Stack;
  let props: Omit<CiAccessProps, 'consumers'>;

  beforeEach(() => {
    stack = new Stack(testApp(), 'TestStack', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const tokens = new Map<string, ManagedToken>();
    for (const name of ['gitlab-ci', 'orders-api', 'stripe-test']) {
      tokens.set(
        name,
        new ManagedToken(stack, `Token-${name}`, { env: 'qa', token: tokenSpec({ name }), encryptionKey: key }),
      );
    }
    props = { env: 'qa', tokens, key };
  });

  const build = (...consumers: CiConsumer[]) => new CiAccess(stack, 'CiAccess', { ...props, consumers });

  describe('a GitHub Actions consumer', () => {
    it('gets a role trusted by the GitHub OIDC provider for aud sts.amazonaws.com and the listed branch and environment subs', () => {
      build(
        github('web-e2e', {
          github: { repos: ['acme/web-app', 'acme/api'], branches: ['main', 'release/*'], environments: ['qa'] },
        }),
      );
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::IAM::OIDCProvider', {
        Url: 'https://token.actions.githubusercontent.com',
        ClientIdList: ['sts.amazonaws.com'],
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRoleWithWebIdentity',
              Effect: 'Allow',
              Principal: { Federated: { Ref: Match.stringLikeRegexp('^CiAccessOidcProvidertokenactions') } },
              Condition: {
                StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
                StringLike: {
                  'token.actions.githubusercontent.com:sub': [
                    'repo:acme/web-app:ref:refs/heads/main',
                    'repo:acme/web-app:ref:refs/heads/release/*',
                    'repo:acme/web-app:environment:qa',
                    'repo:acme/api:ref:refs/heads/main',
                    'repo:acme/api:ref:refs/heads/release/*',
                    'repo:acme/api:environment:qa',
                  ],
                },
              },
            },
          ],
        },
        MaxSessionDuration: 3600,
      });
    });

    it('uses the native AWS::IAM::OIDCProvider, so no custom-resource Lambda is deployed', () => {
      build(github('web-e2e'));
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::Lambda::Function', 0);
      template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
    });

    it('shares one OIDC provider between consumers of the same issuer (IAM allows one per URL)', () => {
      build(github('one'), github('two'));
      Template.fromStack(stack).resourceCountIs('AWS::IAM::OIDCProvider', 1);
    });

    it('reuses the provider the inventory names in oidcProviderArn instead of creating one', () => {
      const arn = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
      build(github('one', { oidcProviderArn: arn }), github('two'));
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
      const roles = Object.values(template.findResources('AWS::IAM::Role'));
      expect(roles).toHaveLength(2);
      for (const role of roles)
        expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Federated: arn });
    });

    it('takes MaxSessionDuration from maxSession', () => {
      build(github('web-e2e', { maxSession: 2 * 3_600_000 }));
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 7200 });
    });
  });

  describe('a GitLab CI consumer', () => {
    it('gets a role trusted by its issuer’s provider for the project_path/branch subs', () => {
      build(
        consumer({
          name: 'contract',
          gitlab: { issuer: 'https://gitlab.example.com/', projects: ['acme/team/orders-api'], refs: ['main'] },
        }),
      );
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://gitlab.example.com' });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Condition: {
                StringEquals: { 'gitlab.example.com:aud': 'sts.amazonaws.com' },
                StringLike: {
                  'gitlab.example.com:sub': ['project_path:acme/team/orders-api:ref_type:branch:ref:main'],
                },
              },
            }),
          ],
        },
      });
    });
  });

  describe('permissions', () => {
    it('grants GetSecretValue and DescribeSecret on exactly the consumer’s secrets, and BatchGetSecretValue on *', () => {
      build(github('web-e2e', { tokens: ['gitlab-ci', 'stripe-test'] }));
      const template = Template.fromStack(stack);
      const secretRef = (name: string) => stack.resolve(props.tokens.get(name)?.secret.secretArn);
      // Statements may or may not be merged (the @aws-cdk/aws-iam:minimizePolicies flag): compare action/resource pairs.
      const pairs = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
        (
          policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown; Condition?: unknown }[]
        ).flatMap((statement) => {
          expect(statement.Condition).toBeUndefined();
          return [statement.Action]
            .flat()
            .flatMap((action) => [statement.Resource].flat().map((resource) => JSON.stringify([action, resource])));
        }),
      );
      const expected = ['gitlab-ci', 'stripe-test'].flatMap((name) =>
        ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'].map((action) =>
          JSON.stringify([action, secretRef(name)]),
        ),
      );
      expect(pairs.sort()).toEqual([...expected, JSON.stringify(['secretsmanager:BatchGetSecretValue', '*'])].sort());
    });

    it('never grants GetSecretValue or any kms action on a wildcard resource, and no other action', () => {
      build(github('web-e2e'), consumer({ name: 'jenkins', roleArn: `arn:aws:iam::${ACCOUNT}:role/jenkins` }));
      const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'));
      const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Record<string, unknown>[]);
      const actions = new Set(statements.flatMap((s) => [s['Action']].flat()));
      expect([...actions].sort()).toEqual([
        'secretsmanager:BatchGetSecretValue',
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
      ]);
      for (const s of statements) {
        const wildcard = JSON.stringify(s['Resource']).includes('*');
        if (wildcard) expect(s['Action']).toBe('secretsmanager:BatchGetSecretValue');
      }
    });

    it('lets the role decrypt with the key only via Secrets Manager (key policy, kms:ViaService)', () => {
      build(github('web-e2e'));
      Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Action: 'kms:Decrypt',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CiAccessRolewebe2e'), 'Arn'] } },
              Resource: '*',
              Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } },
            },
          ]),
        },
      });
    });
  });

  describe('an existing role (roleArn)', () => {
    it('creates no role and attaches the policies to the imported role by name (same account)', () => {
      const access = build(consumer({ name: 'jenkins', roleArn: `arn:aws:iam::${ACCOUNT}:role/ci/jenkins-agents` }));
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::IAM::Role', 0);
      template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
      const attached = Object.values(template.findResources('AWS::IAM::Policy')).map((p) => p.Properties.Roles);
      expect(attached).toEqual([['jenkins-agents'], ['jenkins-agents']]);
      expect(access.roles.get('jenkins')?.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/ci/jenkins-agents`);
    });

    it('refuses a role in another account, where CDK could not attach a policy', () => {
      expect(() => build(consumer({ name: 'jenkins', roleArn: 'arn:aws:iam::999988887777:role/jenkins' }))).toThrow(
        /^TestStack\/CiAccess: CI consumer "jenkins": roleArn is in account 999988887777, not this environment's account 111122223333/,
      );
    });
  });

  it('exposes each consumer’s role and outputs its ARN', () => {
    const access = build(
      github('web-e2e'),
      consumer({ name: 'jenkins', roleArn: `arn:aws:iam::${ACCOUNT}:role/jenkins` }),
    );
    expect([...access.roles.keys()]).toEqual(['web-e2e', 'jenkins']);
    const outputs = Template.fromStack(stack).findOutputs('*');
    const values = Object.values(outputs).map((o) => o.Value);
    expect(values).toContainEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CiAccessRolewebe2e/), 'Arn'] });
    expect(values).toContain(`arn:aws:iam::${ACCOUNT}:role/jenkins`);
    expect(Object.keys(outputs)).toHaveLength(2);
  });

  it('leaves no unacknowledged AwsSolutions or NIST 800-53 R5 finding', () => {
    const access = build(
      github('web-e2e'),
      consumer({ name: 'jenkins', roleArn: `arn:aws:iam::${ACCOUNT}:role/jenkins` }),
    );
    // Only CiAccess's own findings: this test's tokens are rotatable but have no RotationSchedule (SMG4 on them).
    expect(unacknowledgedNagFindings(access)).toEqual([]);
    expect(unacknowledgedNagFindings(access, new NIST80053R5Checks())).toEqual([]);
  });

  describe('validation at synth', () => {
    it('throws naming the consumer and the unknown token', () => {
      expect(() => build(github('web-e2e', { tokens: ['gitlab-ci', 'nope'] }))).toThrow(
        /^TestStack\/CiAccess: CI consumer "web-e2e" names token "nope", which is not declared; declared: gitlab-ci, orders-api, stripe-test$/,
      );
    });

    it('throws for a GitHub consumer with neither branches nor environments (no sub to trust)', () => {
      expect(() =>
        build(github('web-e2e', { github: { repos: ['acme/web-app'], branches: [], environments: [] } })),
      ).toThrow(/CI consumer "web-e2e": github lists no branches and no environments/);
    });

    it('throws for a GitLab consumer without refs', () => {
      expect(() =>
        build(consumer({ name: 'gl', gitlab: { issuer: 'https://gitlab.com', projects: ['a/b'], refs: [] } })),
      ).toThrow(/CI consumer "gl": gitlab lists no refs/);
    });

    it('throws for a maxSession outside IAM’s 1h..12h', () => {
      expect(() => build(github('web-e2e', { maxSession: 13 * 3_600_000 }))).toThrow(
        /maxSession must be whole seconds between 1h and 12h/,
      );
    });

    it('throws when two consumers of one issuer name different provider ARNs', () => {
      const arn = (n: string) => `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com${n}`;
      expect(() =>
        build(github('one', { oidcProviderArn: arn('') }), github('two', { oidcProviderArn: arn('/x') })),
      ).toThrow(/CI consumer "two": oidcProviderArn .* differs from .*one OIDC provider per issuer/);
    });

    it('throws for a consumer declared twice', () => {
      expect(() => build(github('dup'), github('dup'))).toThrow(/CI consumer "dup": declared twice/);
    });
  });
});

describe('TokenPipelineStack with CI access', () => {
  it.each(['qa', 'local'] as const)(
    'creates one role output per consumer of inventory/%s.yaml and stays nag-clean',
    (env) => {
      const inventory = shippedInventory(env);
      const stack = new TokenPipelineStack(testApp(), `tokenwarden-${env}`, { inventory });
      const outputs = Object.keys(Template.fromStack(stack).findOutputs('*'));
      expect(outputs.filter((id) => id.startsWith('CiAccessRoleArn'))).toHaveLength(inventory.ci.length);
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    },
  );
});
