import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { isDeepStrictEqual as isEqual } from 'node:util';
import { NIST80053R5Checks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../lib/inventory/schema';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { PLACEHOLDER_VALUE } from '../../lambdas/shared/secret-value';
import { shippedInventory, testApp, tokenSpec, unacknowledgedNagFindings } from './helpers';

/** secretlint's recommended rules (AWS, GitHub, GitLab, Slack, Stripe, SendGrid, private keys ...) over `text`. */
async function secretFindings(text: string): Promise<string[]> {
  const result = await lintSource({
    source: { content: text, filePath: '/template.json', ext: '.json', contentType: 'text' },
    options: {
      config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] },
      maskSecrets: true,
      noPhysicFilePath: true,
    },
  });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

function synth(inventory: Inventory): { stack: TokenPipelineStack; template: Template } {
  const stack = new TokenPipelineStack(testApp(), `tokenwarden-${inventory.name}`, { inventory });
  return { stack, template: Template.fromStack(stack) };
}

describe('TokenPipelineStack', () => {
  describe.each(['qa', 'local'] as const)('with the shipped inventory/%s.yaml', (env) => {
    const inventory = shippedInventory(env);
    const { stack, template } = synth(inventory);

    it('is bound to the inventory’s account and region', () => {
      expect(stack.account).toBe(inventory.account);
      expect(stack.region).toBe(inventory.region);
    });

    it('creates one secret per inventory token plus the fingerprint key', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', inventory.tokens.length + 1);
      for (const token of inventory.tokens) {
        template.hasResourceProperties('AWS::SecretsManager::Secret', {
          Name: `tokenwarden/${env}/${token.name}`,
          // CDK sorts tags by key.
          Tags: Match.arrayEquals([
            { Key: 'tokenwarden:env', Value: env },
            { Key: 'tokenwarden:managed', Value: 'true' },
            { Key: 'tokenwarden:owner', Value: token.owner },
            { Key: 'tokenwarden:provider', Value: token.provider },
            { Key: 'tokenwarden:token', Value: token.name },
          ]),
        });
      }
      expect([...stack.tokens.keys()]).toEqual(inventory.tokens.map((t) => t.name));
    });

    it('encrypts every secret with the one environment key, which rotates', () => {
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/tokenwarden/${env}` });
      const keyRef = { 'Fn::GetAtt': [Match.stringLikeRegexp('^EnvironmentKey'), 'Arn'] };
      for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret'))) {
        expect(secret.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EnvironmentKey/), 'Arn'] });
      }
      template.hasResourceProperties('AWS::SecretsManager::Secret', { KmsKeyId: keyRef });
    });

    it('retains every secret and the key', () => {
      for (const type of ['AWS::SecretsManager::Secret', 'AWS::KMS::Key']) {
        const resources = Object.values(template.findResources(type));
        expect(resources.length).toBeGreaterThan(0);
        for (const resource of resources) {
          expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
        }
      }
    });

    it('denies DeleteSecret in every token secret’s resource policy, rotatable or manual, once', () => {
      const policies = Object.values(template.findResources('AWS::SecretsManager::ResourcePolicy'));
      const secretIds = policies.map((p) => p.Properties.SecretId.Ref).sort();
      const tokenIds = [...stack.tokens.values()]
        .map((t) => stack.getLogicalId(t.secret.node.defaultChild as never))
        .sort();
      expect(secretIds).toEqual(tokenIds);
      for (const policy of policies) {
        expect(policy.Properties.ResourcePolicy.Statement).toEqual([
          expect.objectContaining({ Effect: 'Deny', Action: 'secretsmanager:DeleteSecret' }),
        ]);
      }
    });

    it('holds no secret value other than the placeholder', () => {
      const secretStrings = Object.values(template.findResources('AWS::SecretsManager::Secret'))
        .map((r) => r.Properties.SecretString)
        .filter((s) => s !== undefined);
      expect(secretStrings).toHaveLength(inventory.tokens.length);
      expect(new Set(secretStrings)).toEqual(new Set([PLACEHOLDER_VALUE]));
      const json = JSON.stringify(template.toJSON());
      expect(json).toContain(JSON.stringify(PLACEHOLDER_VALUE).slice(1, -1));
    });

    it('passes a plaintext-secret scan (secretlint recommended rules)', async () => {
      expect(await secretFindings(JSON.stringify(template.toJSON(), null, 2))).toEqual([]);
    });

    it('grants no KMS action through IAM: every use of the key is in the key policy, with a condition', () => {
      const iamActions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) =>
        (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((st) => [st.Action].flat()),
      );
      expect(iamActions.filter((a) => a.startsWith('kms:'))).toEqual([]);
      const [key] = Object.values(template.findResources('AWS::KMS::Key'));
      const statements: { Principal: { AWS?: unknown; Service?: string }; Condition?: Record<string, unknown> }[] =
        key?.Properties.KeyPolicy.Statement ?? [];
      const root = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${inventory.account}:root`]] };
      // Role principals (not the account root, not a service) may use the key only through a named service.
      const roleStatements = statements.filter(
        (st) => st.Principal.AWS !== undefined && !isEqual(st.Principal.AWS, root),
      );
      expect(roleStatements.length).toBeGreaterThan(0);
      for (const st of roleStatements) {
        expect(st.Condition).toEqual({
          StringEquals: {
            'kms:ViaService': expect.stringMatching(/^(secretsmanager|sns)\.[a-z0-9-]+\.amazonaws\.com$/),
          },
        });
      }
      expect(statements.filter((st) => st.Principal.Service !== undefined).map((st) => st.Principal.Service)).toEqual([
        'cloudwatch.amazonaws.com',
      ]);
    });

    it('outputs what an operator wires to: the alert topic, the bus, the key alias and the dashboard', () => {
      const ref = (c: { node: { defaultChild?: unknown } }) => ({
        Ref: stack.getLogicalId(c.node.defaultChild as never),
      });
      template.hasOutput('AlertTopicArn', { Value: ref(stack.alerts.topic) });
      template.hasOutput('EventBusName', { Value: ref(stack.alerts.bus) });
      template.hasOutput('KeyAlias', { Value: `alias/tokenwarden/${env}` });
      template.hasOutput('DashboardName', { Value: ref(stack.probe.dashboard) });
    });

    it('leaves no unacknowledged AwsSolutions finding', () => {
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });

    it('leaves no unacknowledged NIST 800-53 R5 finding', () => {
      expect(unacknowledgedNagFindings(stack, new NIST80053R5Checks())).toEqual([]);
    });
  });

  it('never puts a value seeded into the inventory description or settings into a secret value', () => {
    // GIVEN a canary in every free-text field that reaches the template
    const canary = 'CANARY-do-not-leak-7f3a';
    const base = shippedInventory('qa');
    const inventory: Inventory = {
      ...base,
      ci: [], // qa's CI consumers name tokens this one-token inventory does not declare
      tokens: [tokenSpec({ description: `owner note ${canary}`, settings: { baseUrl: `https://x/${canary}` } })],
    };
    // WHEN
    const { template } = synth(inventory);
    // THEN the canary is only where it was written (the description), never in a SecretString
    for (const secret of Object.values(template.findResources('AWS::SecretsManager::Secret'))) {
      expect(String(secret.Properties.SecretString ?? '')).not.toContain(canary);
    }
    expect(JSON.stringify(template.toJSON())).not.toContain(`https://x/${canary}`);
  });

  it('has a plaintext scan that does catch a token-shaped value (so the scan above can fail)', async () => {
    const canary = `glpat-${'a1B2c3D4e5F6g7H8i9J0'}`;
    expect(await secretFindings(JSON.stringify({ SecretString: canary }))).not.toEqual([]);
  });

  it('throws naming the stack for a duplicate token name that bypassed the loader', () => {
    const base = shippedInventory('qa');
    const inventory: Inventory = { ...base, tokens: [tokenSpec(), tokenSpec()] };
    expect(() => synth(inventory)).toThrow(/^tokenwarden-qa: inventory\.tokens: duplicate token name "gitlab-ci"$/);
  });
});
