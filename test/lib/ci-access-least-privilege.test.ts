import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GITHUB_ISSUER, subjectsOf } from '../../lib/constructs/ci-access';
import type { CiConsumer, Inventory } from '../../lib/inventory/schema';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { secretNameFor } from '../../lambdas/shared/names';
import { type CfnTemplate, TemplateResolver } from '../support/template-resolver';
import { type Decision, TemplateIam } from '../support/iam-evaluation';
import { shippedInventory, testApp } from './helpers';

/**
 * Least privilege, proven offline: the SYNTHESIZED template's policies (intrinsics resolved to concrete ARNs
 * by test/support/template-resolver.ts) are evaluated by @cloud-copilot/iam-simulate for every CI consumer
 * of the shipped inventories.
 */

const READ_ONLY_REFUSED = [
  'secretsmanager:PutSecretValue',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RotateSecret',
];

function synthesize(inventory: Inventory): { iam: TemplateIam; template: CfnTemplate } {
  const stack = new TokenPipelineStack(testApp(), `tokenwarden-${inventory.name}`, { inventory });
  const template = Template.fromStack(stack).toJSON() as CfnTemplate;
  return { iam: new TemplateIam(template, { account: inventory.account, region: inventory.region }), template };
}

/** The role name a consumer's sessions run as: the imported role's, or the template role's. */
function roleNameOf(iam: TemplateIam, consumer: CiConsumer): string {
  if (consumer.roleArn) return consumer.roleArn.split('/').pop() ?? '';
  return iam.resolver.roleNameOf(roleLogicalId(iam, consumer));
}

function roleLogicalId(iam: TemplateIam, consumer: CiConsumer): string {
  const prefix = `CiAccessRole${consumer.name.replace(/[^A-Za-z0-9]/g, '')}`;
  const ids = iam
    .logicalIdsOf('AWS::IAM::Role')
    .filter((id) => id.startsWith(prefix) && id.length === prefix.length + 8);
  expect(ids, `role of ${consumer.name}`).toHaveLength(1);
  return ids[0] ?? '';
}

for (const env of ['qa', 'local'] as const) {
  describe(`CI access of inventory/${env}.yaml, simulated with iam-simulate`, () => {
    const inventory = shippedInventory(env);
    let iam: TemplateIam;
    const via = `secretsmanager.${inventory.region}.amazonaws.com`;

    beforeAll(() => {
      iam = synthesize(inventory).iam;
    });

    it('has at least one consumer to check', () => {
      expect(inventory.ci.length).toBeGreaterThan(0);
    });

    for (const consumer of inventory.ci) {
      const others = inventory.tokens.map((t) => t.name).filter((name) => !consumer.tokens.includes(name));
      const decide = (action: string, resource: string, context?: Record<string, string>, withKeyPolicy = false) =>
        iam.decide({
          roleName: roleNameOf(iam, consumer),
          action,
          resource,
          context,
          resourcePolicy: withKeyPolicy ? iam.key().policy : undefined,
        });

      describe(`consumer ${consumer.name}`, () => {
        it.each(consumer.tokens)('may GetSecretValue and DescribeSecret its token %s', async (token) => {
          const arn = iam.secretArn(secretNameFor(env, token));
          expect(await decide('secretsmanager:GetSecretValue', arn)).toBe<Decision>('Allowed');
          expect(await decide('secretsmanager:DescribeSecret', arn)).toBe<Decision>('Allowed');
        });

        it.runIf(others.length > 0).each(others)(
          'may not GetSecretValue the environment’s other token %s',
          async (token) => {
            expect(
              await decide('secretsmanager:GetSecretValue', iam.secretArn(secretNameFor(env, token))),
            ).toBe<Decision>('ImplicitlyDenied');
          },
        );

        it('may not GetSecretValue the same token name in another environment (tokenwarden/prod/...)', async () => {
          for (const token of consumer.tokens) {
            const prodArn = `arn:aws:secretsmanager:${inventory.region}:${inventory.account}:secret:${secretNameFor('prod', token)}-AbCdEf`;
            expect(await decide('secretsmanager:GetSecretValue', prodArn)).toBe<Decision>('ImplicitlyDenied');
          }
        });

        it('may not write, delete or rotate its own tokens', async () => {
          for (const token of consumer.tokens) {
            const arn = iam.secretArn(secretNameFor(env, token));
            for (const action of READ_ONLY_REFUSED)
              expect(await decide(action, arn), action).toBe<Decision>('ImplicitlyDenied');
          }
        });

        it('may not list secrets, nor read the fingerprint key', async () => {
          expect(await decide('secretsmanager:ListSecrets', '*')).toBe<Decision>('ImplicitlyDenied');
          const fingerprint = iam.secretArn(`tokenwarden/${env}/_internal/fingerprint-key`);
          expect(await decide('secretsmanager:GetSecretValue', fingerprint)).toBe<Decision>('ImplicitlyDenied');
        });

        it('may not read the admin credentials its tokens are issued with', async () => {
          const admins = inventory.tokens.flatMap((t) => (t.adminSecret ? [t.adminSecret] : []));
          expect(admins.length).toBeGreaterThan(0);
          for (const name of admins) {
            const arn = `arn:aws:secretsmanager:${inventory.region}:${inventory.account}:secret:${name}-AbCdEf`;
            expect(await decide('secretsmanager:GetSecretValue', arn), name).toBe<Decision>('ImplicitlyDenied');
          }
        });

        it('may call BatchGetSecretValue (no resource-level permissions exist for it)', async () => {
          expect(await decide('secretsmanager:BatchGetSecretValue', '*')).toBe<Decision>('Allowed');
        });

        it('may decrypt with the environment key through Secrets Manager only', async () => {
          const key = iam.key().arn;
          expect(await decide('kms:Decrypt', key, { 'kms:ViaService': via }, true)).toBe<Decision>('Allowed');
          expect(await decide('kms:Decrypt', key, {}, true)).toBe<Decision>('ImplicitlyDenied');
          expect(
            await decide('kms:Decrypt', key, { 'kms:ViaService': `s3.${inventory.region}.amazonaws.com` }, true),
          ).toBe<Decision>('ImplicitlyDenied');
          expect(await decide('kms:Encrypt', key, { 'kms:ViaService': via }, true)).toBe<Decision>('ImplicitlyDenied');
          expect(await decide('kms:GenerateDataKey', key, { 'kms:ViaService': via }, true)).toBe<Decision>(
            'ImplicitlyDenied',
          );
        });

        if (consumer.roleArn) return;
        const github = consumer.github !== undefined;
        const issuerHost = (github ? GITHUB_ISSUER : (consumer.gitlab?.issuer ?? '')).replace(/^https:\/\//, '');
        const providerArn = `arn:aws:iam::${inventory.account}:oidc-provider/${issuerHost}`;
        const assume = (claims: Record<string, string>, provider = providerArn) =>
          iam.decideWebIdentity({ roleLogicalId: roleLogicalId(iam, consumer), providerArn: provider, claims });
        const good = subjectsOf(consumer);

        it.each(good)('trusts a web identity with sub %s and aud sts.amazonaws.com', async (sub) => {
          expect(await assume({ sub, aud: 'sts.amazonaws.com' })).toBe<Decision>('Allowed');
        });

        it('refuses a wrong aud, or no aud at all', async () => {
          for (const sub of good) {
            expect(await assume({ sub, aud: 'https://gitlab.com' })).toBe<Decision>('ImplicitlyDenied');
            expect(await assume({ sub })).toBe<Decision>('ImplicitlyDenied');
          }
        });

        it('refuses another repo/project, a fork-like name prefix, another branch, and a pull request', async () => {
          const [owner, repo] =
            (github ? consumer.github?.repos[0] : consumer.gitlab?.projects[0])?.split(/\/(?=[^/]+$)/) ?? [];
          const wrong = github
            ? [
                `repo:${owner}/other-repo:ref:refs/heads/main`,
                `repo:${owner}/${repo}-fork:ref:refs/heads/main`,
                `repo:${owner}-evil/${repo}:ref:refs/heads/main`,
                `repo:${owner}/${repo}:ref:refs/heads/feature-x`,
                `repo:${owner}/${repo}:ref:refs/heads/main-x`,
                `repo:${owner}/${repo}:pull_request`,
                `repo:${owner}/${repo}:environment:prod`,
              ]
            : [
                `project_path:${owner}/other-project:ref_type:branch:ref:main`,
                `project_path:${owner}/${repo}-fork:ref_type:branch:ref:main`,
                `project_path:${owner}/${repo}:ref_type:branch:ref:feature-x`,
                `project_path:${owner}/${repo}:ref_type:tag:ref:main`,
              ];
          for (const sub of wrong)
            expect(await assume({ sub, aud: 'sts.amazonaws.com' }), sub).toBe<Decision>('ImplicitlyDenied');
        });

        it('refuses a token from another issuer, even with a matching sub', async () => {
          const other = github ? 'gitlab.com' : 'token.actions.githubusercontent.com';
          const otherProvider = `arn:aws:iam::${inventory.account}:oidc-provider/${other}`;
          for (const sub of good) {
            expect(await assume({ sub, aud: 'sts.amazonaws.com' }, otherProvider)).toBe<Decision>('ImplicitlyDenied');
          }
        });
      });
    }
  });
}

describe('TemplateIam on a synthesized stack', () => {
  it('resolves every policy document of the qa template without an unknown intrinsic', () => {
    const { template } = synthesize(shippedInventory('qa'));
    const resolver = new TemplateResolver(template, { account: '111122223333', region: 'eu-west-1' });
    for (const [id, resource] of Object.entries(template.Resources)) {
      const props = resource.Properties ?? {};
      for (const field of ['PolicyDocument', 'AssumeRolePolicyDocument', 'KeyPolicy']) {
        if (props[field] !== undefined) expect(() => resolver.resolve(props[field]), `${id}.${field}`).not.toThrow();
      }
    }
  });
});
