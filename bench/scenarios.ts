import { spawn, spawnSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { build, type Metafile } from 'esbuild';
import { runCli } from '../cli/main';
import type { RuntimeDeps } from '../cli/runtime';
import { startAwsStandIn } from '../local/aws';
import { runProbe } from '../lambdas/probe/probe';
import type { ProviderAdapter } from '../lambdas/providers/types';
import { rotate } from '../lambdas/rotation/engine';
import { silentLog } from '../lambdas/shared/logger';
import { MemoryProvider } from '../test/support/memory-provider';
import { inventoryWith } from '../test/support/rotation-fixtures';
import { clientsFor, inventoryOf, latencyAdapter, RequestCounter, seedStandIn } from './fixtures';

/** Verify latency of the fake provider in the probe benchmark (issue 8). */
export const PROVIDER_LATENCY_MS = 100;

export interface ProbeResult {
  readonly tokens: number;
  readonly concurrency: number;
  readonly perProviderLimit: number;
  /** Wall time of the first run (first sight: writes every token's state tags). */
  readonly firstRunMs: number;
  /** Wall time of the second run (steady state: nothing changed, no tag writes). */
  readonly wallMs: number;
  /** tokens × latency ÷ effective concurrency. */
  readonly idealMs: number;
  readonly ratio: number;
  readonly maxInFlight: number;
  /** Steady-state run split in phases: list + read values (until the first verify), verify, the rest. */
  readonly phases: { readonly readMs: number; readonly verifyMs: number; readonly tailMs: number };
  /** Calls of the steady-state run, by operation. */
  readonly calls: Record<string, number>;
  readonly firstRunCalls: Record<string, number>;
  readonly minListSecrets: number;
  readonly minBatchGet: number;
}

/**
 * One probe over `tokens` verify-only tokens through the stand-in (real SDK, real HTTP on 127.0.0.1),
 * with a fake adapter whose verify waits {@link PROVIDER_LATENCY_MS} on a timer.
 */
export async function benchProbe(
  tokens: number,
  concurrency = 50,
  perProviderLimit = concurrency,
): Promise<ProbeResult> {
  const counter = new RequestCounter();
  const aws = await startAwsStandIn({ port: 0, onRequest: counter.record });
  try {
    const inventory = inventoryOf(tokens, { concurrency });
    seedStandIn(aws, inventory);
    const { secrets, events } = clientsFor(aws);
    const fake = latencyAdapter('datadog', PROVIDER_LATENCY_MS);
    const deps = {
      secrets,
      events,
      adapterFor: (): ProviderAdapter => fake.adapter,
      inventory,
      clock: () => new Date(),
      logger: silentLog,
      concurrency,
      perProviderLimit,
    };
    let started = performance.now();
    await runProbe(deps);
    const firstRunMs = performance.now() - started;
    const firstRunCalls = Object.fromEntries(counter.counts);
    counter.reset();
    fake.resetTimes();
    started = performance.now();
    const report = await runProbe(deps);
    const ended = performance.now();
    const wallMs = ended - started;
    const { firstStart = started, lastEnd = ended } = fake.times();
    const phases = { readMs: firstStart - started, verifyMs: lastEnd - firstStart, tailMs: ended - lastEnd };
    const notOk = report.tokens.filter((t) => t.state !== 'ok');
    if (notOk.length > 0)
      throw new Error(
        `bench probe: ${notOk.length} tokens not ok, e.g. ${notOk[0]?.state}: ${notOk[0]?.reasons.join('; ')}`,
      );
    const effective = Math.min(concurrency, perProviderLimit);
    const idealMs = (tokens * PROVIDER_LATENCY_MS) / effective;
    secrets.destroy();
    events.destroy();
    return {
      tokens,
      concurrency,
      perProviderLimit,
      firstRunMs,
      wallMs,
      idealMs,
      ratio: wallMs / idealMs,
      maxInFlight: fake.maxInFlight(),
      phases,
      calls: Object.fromEntries(counter.counts),
      firstRunCalls,
      minListSecrets: Math.ceil(tokens / 100),
      minBatchGet: Math.ceil(tokens / 20),
    };
  } finally {
    await aws.close();
  }
}

/** Wraps every adapter call in a delay, to model provider latency. */
function slowed(adapter: ProviderAdapter, latencyMs: number): ProviderAdapter {
  const wait = (): Promise<void> => new Promise((r) => setTimeout(r, latencyMs));
  return {
    ...adapter,
    verify: async (...args) => {
      await wait();
      return adapter.verify(...args);
    },
    ...(adapter.issue
      ? {
          issue: async (...args: Parameters<NonNullable<ProviderAdapter['issue']>>) => {
            await wait();
            return adapter.issue!(...args);
          },
        }
      : {}),
  };
}

export interface RotationResult {
  readonly latencyMs: number;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  /** Secrets Manager calls of one rotation, by operation (RotateSecret included). */
  readonly calls: Record<string, number>;
}

/**
 * One four-step rotation end to end: RotateSecret through the SDK → the stand-in's rotation driver →
 * the engine (its own SDK client to the stand-in) → AWSCURRENT moved. Timed until the stand-in reports
 * the rotation and its events finished.
 */
export async function benchRotation(latencyMs: number, runs = 5): Promise<RotationResult> {
  const counter = new RequestCounter();
  const provider = new MemoryProvider('idempotent');
  const one = inventoryWith({
    name: 'orders-api',
    provider: 'oauth2-client-credentials',
    adminSecret: 'tokenwarden/qa/orders-client',
    settings: { clientId: 'c', tokenUrl: 'http://127.0.0.1:9/token' },
  });
  // One secret per run: a secret accepts only so many rotations within its grace period (the
  // pending-revocation tag holds eight entries; lambdas/rotation/pending-revocation.ts).
  const inventory = {
    ...one,
    tokens: Array.from({ length: runs }, (_, i) => ({ ...one.tokens[0]!, name: `orders-api-${i}` })),
  };
  const adapter = slowed(provider.adapter(), latencyMs);
  let deps: Parameters<typeof rotate>[1] | undefined;
  const aws = await startAwsStandIn({
    port: 0,
    onRequest: counter.record,
    rotationFunctions: () => (event) => rotate(event, deps!),
  });
  try {
    const { secrets } = clientsFor(aws);
    deps = {
      secrets,
      adapterFor: () => adapter,
      inventory,
      readAdminSecret: async () => 'bench-admin-secret',
      logger: silentLog,
      clock: () => new Date(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    };
    const arns = seedStandIn(aws, inventory, () => provider.mint());
    const times: number[] = [];
    let calls: Record<string, number> = {};
    for (let i = 0; i < runs; i++) {
      const arn = arns.get(`orders-api-${i}`)!;
      counter.reset();
      const started = performance.now();
      await secrets.send(
        new RotateSecretCommand({
          SecretId: arn,
          RotationLambdaARN: 'arn:aws:lambda:eu-west-1:000000000000:function:rotation',
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
      await aws.waitForRotations();
      times.push(performance.now() - started);
      calls = Object.fromEntries(counter.counts);
      const described = await secrets.send(new DescribeSecretCommand({ SecretId: arn }));
      const pending = Object.values(described.VersionIdsToStages ?? {}).some((s) => s.includes('AWSPENDING'));
      if (pending) throw new Error('bench rotation: the rotation did not finish');
    }
    secrets.destroy();
    times.sort((a, b) => a - b);
    return { latencyMs, runs, medianMs: times[Math.floor(times.length / 2)]!, minMs: times[0]!, calls };
  } finally {
    await aws.close();
  }
}

export interface ExecResult {
  readonly tokens: number;
  readonly wallMs: number;
  readonly calls: Record<string, number>;
}

function yamlInventory(count: number): string {
  const lines = ['name: bench', 'account: "000000000000"', 'region: eu-west-1', 'tokens:'];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - name: tok-${String(i).padStart(5, '0')}`,
      '    provider: datadog',
      '    owner: "@qa"',
      '    rotation: manual',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `tokenwarden --local exec --env bench --tokens <n tokens> -- node -e ""`, in-process (runCli with a
 * quiet runtime and a 0 ms fake adapter), against the stand-in. Wall time includes the child process.
 */
export async function benchExec(counts: readonly number[]): Promise<ExecResult[]> {
  const counter = new RequestCounter();
  const aws = await startAwsStandIn({ port: 0, onRequest: counter.record });
  const dir = mkdtempSync(join(tmpdir(), 'tw-bench-'));
  try {
    const max = Math.max(...counts);
    writeFileSync(join(dir, 'bench.yaml'), yamlInventory(max));
    const inventory = inventoryOf(max);
    seedStandIn(aws, inventory);
    const fake = latencyAdapter('datadog', 0);
    const runtime: RuntimeDeps = {
      stdout: () => {},
      stderr: () => {},
      env: { TOKENWARDEN_AWS_PORT: String(aws.port), PATH: process.env.PATH ?? '' },
      clock: () => new Date(),
      isTTY: false,
      spawn,
      stdinIsTTY: false,
      readStdin: async () => '',
      prompt: async () => '',
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      signals: new EventEmitter(),
      adapterFor: () => fake.adapter,
    };
    const results: ExecResult[] = [];
    // One warm-up so module loading and the first connection are not in the first figure.
    await runCli(
      [
        '--inventory',
        dir,
        '--local',
        'exec',
        '--env',
        'bench',
        '--tokens',
        'tok-00000',
        '--',
        process.execPath,
        '-e',
        '',
      ],
      runtime,
    );
    for (const n of counts) {
      const names = inventory.tokens.slice(0, n).map((t) => t.name);
      counter.reset();
      const started = performance.now();
      const code = await runCli(
        [
          '--inventory',
          dir,
          '--local',
          'exec',
          '--env',
          'bench',
          '--tokens',
          names.join(','),
          '--',
          process.execPath,
          '-e',
          '',
        ],
        runtime,
      );
      const wallMs = performance.now() - started;
      if (code !== 0) throw new Error(`bench exec: exit code ${code}`);
      results.push({ tokens: n, wallMs, calls: Object.fromEntries(counter.counts) });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await aws.close();
  }
}

/** Median wall time of `node bin/tokenwarden.mjs --help` in a fresh process (tsx loader included). */
export function benchCliStartup(runs = 3): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const out = spawnSync(process.execPath, ['bin/tokenwarden.mjs', '--help'], { encoding: 'utf8' });
    times.push(performance.now() - started);
    if (out.status !== 0) throw new Error(`tokenwarden --help exited with ${out.status}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface BundleResult {
  readonly name: string;
  readonly bytes: number;
  /** Bytes of the output that come from each of the largest packages (by esbuild's metafile). */
  readonly largest: Record<string, number>;
  /** Median time of `await import(bundle)` in a fresh Node process. */
  readonly importMs: number;
}

/** The Lambda entries of the stack (lib/constructs/): one rotation function per provider, the probe, notify. */
const HANDLERS: Record<string, { readonly entry: string; readonly provider?: string }> = {
  'rotation (gitlab)': { entry: 'lambdas/rotation/providers/gitlab/handler.ts', provider: 'gitlab' },
  'rotation (oauth2)': {
    entry: 'lambdas/rotation/providers/oauth2-client-credentials/handler.ts',
    provider: 'oauth2-client-credentials',
  },
  probe: { entry: 'lambdas/probe/handler.ts' },
  notify: { entry: 'lambdas/notify/handler.ts' },
};

/** What the handlers read from their environment at init (the stack sets these). */
const HANDLER_ENV: Record<string, string> = {
  TOKENWARDEN_INVENTORY: JSON.stringify(inventoryOf(10, { env: 'qa' })),
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:tokenwarden-qa-alerts',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_SERVICE_NAME: 'tokenwarden',
};

/**
 * Bundles each Lambda handler with esbuild's JS API and the options of lib/constructs/tokenwarden-function.ts
 * (platform node, target node22, ESM, minify, keepNames, mainFields module/main, `@aws-sdk/*` external as
 * with `bundleAwsSDK: false`: the runtime provides it, the createRequire banner; source maps written to a
 * separate file so they do not count), then imports it cold in a fresh Node process, as Lambda's init
 * phase does (the external SDK then loads from node_modules, as it loads from the runtime in Lambda).
 */
export async function benchBundles(outDir: string, importRuns = 3): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const [name, { entry, provider }] of Object.entries(HANDLERS)) {
    const dir = resolve(outDir, name.replace(/\W+/g, '-'));
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, 'index.mjs');
    const result = await build({
      metafile: true,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      keepNames: true,
      sourcemap: 'external',
      mainFields: ['module', 'main'],
      external: ['@aws-sdk/*'],
      banner: {
        js: "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    const times: number[] = [];
    const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(outfile).href)}); process.stdout.write(String(performance.now() - t));`;
    for (let i = 0; i < importRuns; i++) {
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...HANDLER_ENV, ...(provider ? { TOKENWARDEN_PROVIDER: provider } : {}) },
      });
      if (out.status !== 0) throw new Error(`importing the ${name} bundle failed: ${out.stderr.slice(0, 500)}`);
      times.push(Number(out.stdout));
    }
    times.sort((a, b) => a - b);
    results.push({
      name,
      bytes: statSync(outfile).size,
      largest: largestPackages(result.metafile, 5),
      importMs: times[Math.floor(times.length / 2)]!,
    });
  }
  return results;
}

/** Groups the bundle's bytes by package (`@aws-sdk/*`, `@smithy/*` and the project's own code as `(project)`). */
function largestPackages(metafile: Metafile, top: number): Record<string, number> {
  const sizes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const key = match
        ? match[1]!.startsWith('@aws-sdk/') || match[1]!.startsWith('@smithy/')
          ? match[1]!.split('/')[0]!
          : match[1]!
        : '(project)';
      sizes.set(key, (sizes.get(key) ?? 0) + bytesInOutput);
    }
  }
  return Object.fromEntries([...sizes].sort((a, b) => b[1] - a[1]).slice(0, top));
}
