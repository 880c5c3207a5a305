import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../lambdas/providers/catalog';
import { TokenPipelineStack } from '../../lib/tokenwarden-stack';
import { shippedInventory } from './helpers';

/**
 * A string only that adapter's code contains (an endpoint path or a message), to prove a rotation
 * bundle holds its own adapter and no other.
 */
const ADAPTER_MARKERS: Partial<Record<ProviderName, string>> = {
  gitlab: 'personal_access_tokens',
  'oauth2-client-credentials': 'introspection answered HTTP',
  datadog: '/api/v2/validate_keys',
  sendgrid: '/v3/scopes',
  twilio: '/2010-04-01/Accounts/',
};

/**
 * Bundle size budget (issue 8: each bundle under 300 KB). The SDK comes from the runtime
 * (TokenwardenFunction), so a bundle is our code, one adapter, zod and Powertools; this also guards
 * against a second adapter or a bundled SDK client slipping back in.
 */
const ROTATION_BUDGET_BYTES = 300 * 1024;
const PROBE_NOTIFY_BUDGET_BYTES = 300 * 1024;

/** Whether the inlined inventory in `code` declares token `name` (esbuild may or may not escape the quotes). */
function inlinesToken(code: string, name: string): boolean {
  return code.includes(`"name":"${name}"`) || code.includes(`\\"name\\":\\"${name}\\"`);
}

/** Boolean checks keep a failure message short (a bundle is ~0.5 MB of text). */
function has(code: string, text: string): boolean {
  return code.includes(text);
}

describe('Lambda bundles of the qa stack (smoke test: really runs esbuild)', () => {
  const inventory = shippedInventory('qa');
  let outdir: string;
  let stack: TokenPipelineStack;
  let template: Template;

  /** The bundled index.mjs of `fn`, found through the asset hash in its Code.S3Key. */
  const bundleOf = (fn: lambda.IFunction): { path: string; code: string } => {
    const id = stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction);
    const key: string = template.toJSON().Resources[id].Properties.Code.S3Key;
    const path = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
    return { path, code: readFileSync(path, 'utf8') };
  };

  beforeAll(() => {
    // GIVEN an app that opts back into bundling (test/setup.ts turns it off for every other test)
    outdir = mkdtempSync(join(tmpdir(), 'tokenwarden-stack-bundles-'));
    const app = new App({ outdir, postCliContext: { 'aws:cdk:bundling-stacks': ['**'] } });
    stack = new TokenPipelineStack(app, 'tokenwarden-qa', { inventory });
    // WHEN
    app.synth();
    template = Template.fromStack(stack);
  }, 300_000);
  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('gives each rotation function its own adapter and no other, and only its provider’s tokens', () => {
    expect(stack.rotation.functions.size).toBe(Object.keys(ADAPTER_MARKERS).length);
    for (const [provider, fn] of stack.rotation.functions) {
      const { code, path } = bundleOf(fn.function);
      expect(has(code, ADAPTER_MARKERS[provider] ?? '?'), `${provider} bundle has its own adapter`).toBe(true);
      for (const [other, marker] of Object.entries(ADAPTER_MARKERS)) {
        if (other !== provider)
          expect(has(code, marker), `${provider} bundle contains the ${other} adapter`).toBe(false);
      }
      for (const token of inventory.tokens) {
        const inlined = inlinesToken(code, token.name);
        expect(inlined, `${provider} bundle and token ${token.name}`).toBe(token.provider === provider);
      }
      expect(statSync(path).size, `${provider} bundle size`).toBeLessThan(ROTATION_BUDGET_BYTES);
    }
  });

  it('inlines the inventory into the probe and notify bundles (esbuild define, no env var)', () => {
    for (const fn of [stack.probe.function.function, stack.alerts.notify.function]) {
      const { code, path } = bundleOf(fn);
      expect(has(code, 'process.env.TOKENWARDEN_INVENTORY'), 'inventory left to the environment').toBe(false);
      for (const token of inventory.tokens) expect(inlinesToken(code, token.name), token.name).toBe(true);
      expect(statSync(path).size).toBeLessThan(PROBE_NOTIFY_BUDGET_BYTES);
    }
    // The probe verifies every provider; notify verifies none.
    const probe = bundleOf(stack.probe.function.function).code;
    const notify = bundleOf(stack.alerts.notify.function).code;
    for (const marker of Object.values(ADAPTER_MARKERS)) {
      expect(has(probe, marker), `probe has ${marker}`).toBe(true);
      expect(has(notify, marker), `notify has ${marker}`).toBe(false);
    }
  });
});
