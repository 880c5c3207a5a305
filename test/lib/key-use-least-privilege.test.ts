import { Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { type Decision, TemplateIam } from '../support/iam-evaluation';
import type { CfnTemplate } from '../support/template-resolver';
import { shippedInventory, testApp } from './helpers';

/**
 * The environment key, simulated with iam-simulate over the synthesized identity and key policies: each
 * tokenwarden function may use it only through the service it needs, never by calling KMS directly.
 */
describe('environment key use by the functions of inventory/qa.yaml (iam-simulate)', () => {
  const inventory = shippedInventory('qa');
  const viaSecretsManager = { 'kms:ViaService': `secretsmanager.${inventory.region}.amazonaws.com` };
  const viaSns = { 'kms:ViaService': `sns.${inventory.region}.amazonaws.com` };
  let sim: TemplateIam;
  let roleOf: (role: iam.IRole) => string;

  beforeAll(() => {
    const stack = new TokenPipelineStack(testApp(), 'tokenwarden-qa', { inventory });
    sim = new TemplateIam(Template.fromStack(stack).toJSON() as CfnTemplate, {
      account: inventory.account,
      region: inventory.region,
    });
    roleOf = (role) => sim.resolver.roleNameOf(stack.getLogicalId(role.node.defaultChild as iam.CfnRole));
    roles = {
      notify: roleOf(stack.alerts.notify.role),
      probe: roleOf(stack.probe.function.role),
      gitlab: roleOf(stack.rotation.functions.get('gitlab')?.role as iam.IRole),
    };
  });
  let roles: Record<'notify' | 'probe' | 'gitlab', string>;

  const decide = (roleName: string, action: string, context: Record<string, string>) =>
    sim.decide({ roleName, action, resource: sim.key().arn, context, resourcePolicy: sim.key().policy });

  it('lets notify get data keys for the encrypted topic through SNS only, not by calling KMS itself', async () => {
    expect(await decide(roles.notify, 'kms:GenerateDataKey', viaSns)).toBe<Decision>('Allowed');
    expect(await decide(roles.notify, 'kms:GenerateDataKey', {})).toBe<Decision>('ImplicitlyDenied');
    expect(await decide(roles.notify, 'kms:Decrypt', {})).toBe<Decision>('ImplicitlyDenied');
    // The Slack webhook secret is read through Secrets Manager.
    expect(await decide(roles.notify, 'kms:Decrypt', viaSecretsManager)).toBe<Decision>('Allowed');
  });

  it('lets the probe decrypt through Secrets Manager only, and never encrypt', async () => {
    expect(await decide(roles.probe, 'kms:Decrypt', viaSecretsManager)).toBe<Decision>('Allowed');
    expect(await decide(roles.probe, 'kms:Decrypt', {})).toBe<Decision>('ImplicitlyDenied');
    expect(await decide(roles.probe, 'kms:Decrypt', viaSns)).toBe<Decision>('ImplicitlyDenied');
    expect(await decide(roles.probe, 'kms:GenerateDataKey', viaSecretsManager)).toBe<Decision>('ImplicitlyDenied');
  });

  it('lets a rotation function encrypt and decrypt through Secrets Manager only', async () => {
    expect(await decide(roles.gitlab, 'kms:GenerateDataKey', viaSecretsManager)).toBe<Decision>('Allowed');
    expect(await decide(roles.gitlab, 'kms:Decrypt', viaSecretsManager)).toBe<Decision>('Allowed');
    expect(await decide(roles.gitlab, 'kms:Decrypt', {})).toBe<Decision>('ImplicitlyDenied');
    expect(await decide(roles.gitlab, 'kms:Decrypt', viaSns)).toBe<Decision>('ImplicitlyDenied');
  });
});
