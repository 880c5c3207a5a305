import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { InventoryError, loadEnvironment } from '../lib/inventory/load';
import type { Inventory } from '../lib/inventory/schema';
import { TokenPipelineStack } from '../lib/tokenwarden-stack';

// `npx cdk synth|deploy -c env=qa`: one app run = one environment = one account and region.
// `-c inventoryDir=path` reads another folder (e.g. one per organisation); paths in messages stay relative.
const app = new App();
const inventoryDir = relative(
  process.cwd(),
  app.node.tryGetContext('inventoryDir') ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'inventory'),
);

let inventory: Inventory;
try {
  inventory = loadEnvironment(inventoryDir, app.node.tryGetContext('env'));
} catch (error) {
  // An inventory mistake is the user's to fix: print where it is (file:line:col field: message), no stack trace.
  console.error(error instanceof InventoryError ? `invalid inventory:\n${error.message}` : (error as Error).message);
  process.exit(1);
}

new TokenPipelineStack(app, `tokenwarden-${inventory.name}`, { inventory });

// cdk-nag 3 is a policy-validation plugin (not an Aspect); findings fail the synth unless acknowledged with a reason.
// NIST 800-53 R5 as well (ARCHITECTURE.md "where it fits"); its acknowledgements are in README "cdk-nag".
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
