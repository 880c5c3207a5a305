import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenwardenFunction, type TokenwardenFunctionProps } from '../../lib/constructs/tokenwarden-function';
import { testApp, unacknowledgedNagFindings } from './helpers';

const FIXTURE_ENTRY = resolve('test/fixtures/lambda/handler.ts');

const props = (overrides: Partial<TokenwardenFunctionProps> = {}): TokenwardenFunctionProps => ({
  entry: FIXTURE_ENTRY,
  description: 'test function',
  timeout: Duration.seconds(30),
  memorySize: 256,
  ...overrides,
});

describe('TokenwardenFunction', () => {
  let stack: Stack;

  beforeEach(() => {
    stack = new Stack(testApp(), 'TestStack', { env: { account: '111122223333', region: 'eu-west-1' } });
  });

  it('pins Node.js 22 on ARM64 with active tracing, the given timeout and memory, and source maps', () => {
    // WHEN
    new TokenwardenFunction(stack, 'Fn', props({ environment: { TOKENWARDEN_ENV: 'qa' } }));
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 30,
      MemorySize: 256,
      Handler: 'index.handler',
      Environment: { Variables: { TOKENWARDEN_ENV: 'qa', NODE_OPTIONS: '--enable-source-maps' } },
    });
  });

  it('logs to its own log group, three months by default', () => {
    const fn = new TokenwardenFunction(stack, 'Fn', props());
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: stack.getLogicalId(fn.logGroup.node.defaultChild as logs.CfnLogGroup) } },
    });
  });

  it('takes a log retention', () => {
    new TokenwardenFunction(stack, 'Fn', props({ logRetention: logs.RetentionDays.ONE_YEAR }));
    Template.fromStack(stack).hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('uses its own role with no managed policy', () => {
    new TokenwardenFunction(stack, 'Fn', props());
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      },
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('has no dead-letter queue or reserved concurrency unless asked', () => {
    new TokenwardenFunction(stack, 'Fn', props());
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: Match.absent(),
      ReservedConcurrentExecutions: Match.absent(),
    });
  });

  it('takes a dead-letter queue and reserved concurrency', () => {
    const queue = new sqs.Queue(stack, 'Dlq', { enforceSSL: true });
    new TokenwardenFunction(stack, 'Fn', props({ deadLetterQueue: queue, reservedConcurrentExecutions: 2 }));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as sqs.CfnQueue), 'Arn'] },
      },
      ReservedConcurrentExecutions: 2,
    });
  });

  it('leaves no unacknowledged AwsSolutions finding', () => {
    new TokenwardenFunction(stack, 'Fn', props());
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('is grantable through its execution role', () => {
    const fn = new TokenwardenFunction(stack, 'Fn', props());
    expect(fn.grantPrincipal).toBe(fn.function.grantPrincipal);
    expect(stack.resolve((fn.grantPrincipal as unknown as { roleArn: string }).roleArn)).toEqual(
      stack.resolve(fn.role.roleArn),
    );
  });

  it('resolves lambdas/<name>/handler.ts from the repository root', () => {
    expect(TokenwardenFunction.entryFor('probe')).toBe(resolve('lambdas/probe/handler.ts'));
  });

  describe('validation', () => {
    it('throws naming the construct path for an entry that is not a handler.ts', () => {
      expect(() => new TokenwardenFunction(stack, 'Fn', props({ entry: resolve('lambdas/shared/names.ts') }))).toThrow(
        /^TestStack\/Fn: props\.entry: expected a lambdas\/<name>\/handler\.ts file/,
      );
    });

    it('throws for an entry that does not exist', () => {
      expect(
        () => new TokenwardenFunction(stack, 'Fn', props({ entry: TokenwardenFunction.entryFor('nope') })),
      ).toThrow(/TestStack\/Fn: props\.entry: .*lambdas\/nope\/handler\.ts does not exist/);
    });

    it('throws for a timeout beyond Lambda’s 15 minutes and memory out of range, all at once', () => {
      expect(
        () => new TokenwardenFunction(stack, 'Fn', props({ timeout: Duration.minutes(16), memorySize: 64 })),
      ).toThrow(/props\.timeout: must be between 1 and 900 seconds, got 960; props\.memorySize: .* got 64/);
    });

    it('throws when NODE_OPTIONS would be overridden', () => {
      expect(() => new TokenwardenFunction(stack, 'Fn', props({ environment: { NODE_OPTIONS: '--inspect' } }))).toThrow(
        /props\.environment: NODE_OPTIONS is set by TokenwardenFunction/,
      );
    });
  });

  describe('bundling (smoke test: really runs esbuild)', () => {
    let outdir: string;

    beforeEach(() => {
      // Inside the project, so the bundle's `@aws-sdk/*` imports resolve from node_modules as they
      // resolve from the runtime on Lambda.
      mkdirSync('cdk.out', { recursive: true });
      outdir = mkdtempSync(join('cdk.out', 'bundle-test-'));
    });
    afterEach(() => {
      rmSync(outdir, { recursive: true, force: true });
    });

    it('bundles the handler into one ESM file with a source map and the require shim, the SDK left to the runtime', async () => {
      // GIVEN an app that opts back into bundling (test/setup.ts turns it off for every other test)
      const app = new App({ outdir, postCliContext: { 'aws:cdk:bundling-stacks': ['**'] } });
      const bundled = new Stack(app, 'Bundled', { env: { account: '111122223333', region: 'eu-west-1' } });
      new TokenwardenFunction(bundled, 'Fn', props());
      // WHEN
      app.synth();
      // THEN
      const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
      expect(assets).toHaveLength(1);
      const dir = join(outdir, assets[0] ?? '');
      expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as __twCreateRequire } from 'node:module';")).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*handler/);
      // The SDK is imported from the runtime, not bundled.
      expect(code).toMatch(/from\s*["']@aws-sdk\/client-secrets-manager["']/);
      expect(code).not.toContain('@smithy/core');
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      // AND the bundle loads and runs under Node as Lambda would load it (ESM, require shim in place)
      const bundle = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as {
        handler: () => Promise<{ ok: boolean; region: string }>;
      };
      await expect(bundle.handler()).resolves.toEqual({ ok: true, region: process.env.AWS_REGION });
    }, 120_000);
  });
});
