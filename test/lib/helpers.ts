import { App } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks, type NagPack } from 'cdk-nag';
import { loadEnvironment } from '../../lib/inventory/load';
import type { Inventory, TokenSpec } from '../../lib/inventory/schema';

/** A fresh app that never bundles Lambda code (test/setup.ts sets the same through CDK_CONTEXT_JSON). */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

/** A shipped inventory, loaded and validated like `cdk synth` does. */
export function shippedInventory(env: 'qa' | 'local'): Inventory {
  return loadEnvironment('inventory', env);
}

/** A valid token spec, with fields overridable per test. */
export function tokenSpec(overrides: Partial<TokenSpec> = {}): TokenSpec {
  return {
    name: 'gitlab-ci',
    provider: 'gitlab',
    owner: '@qa-platform',
    description: 'Project token of the e2e suite',
    scopes: ['api'],
    rotation: { every: 30 * 86_400_000, gracePeriod: 3_600_000 },
    settings: { baseUrl: 'https://gitlab.com', tokenType: 'personal', rotateWith: 'self' },
    ...overrides,
  };
}

/** Every unacknowledged finding of `pack` (default AwsSolutions) under `scope`, as `rule at path` lines (empty when clean). */
export function unacknowledgedNagFindings(scope: IConstruct, pack: NagPack = new AwsSolutionsChecks()): string[] {
  const report = pack.validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`),
  );
}
