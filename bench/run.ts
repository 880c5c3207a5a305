import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Table from 'cli-table3';
import { monthlyCost, PRICES, PROBE_RUNS_PER_MONTH } from './cost';
import {
  benchBundles,
  benchCliStartup,
  benchExec,
  benchProbe,
  benchRotation,
  PROVIDER_LATENCY_MS,
  type ProbeResult,
} from './scenarios';

/**
 * `npm run bench [-- --quick]`: every figure of issue 8 against the local stand-in, printed as tables
 * and as JSON, and written to bench/results/ (gitignored). `--quick` skips the 10,000-token probe.
 * The machine is shared and noisy: compare the ratios of one run, not absolute times across runs.
 */

const quick = process.argv.includes('--quick');
const RESULTS = join('bench', 'results');
const log = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

const ms = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KB`;
const usd = (n: number): string => `$${n < 0.1 ? n.toFixed(3) : n.toFixed(2)}`;
const callsOf = (calls: Record<string, number>): number => Object.values(calls).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const started = performance.now();
  const sizes = quick ? [100, 1_000] : [100, 1_000, 10_000];
  const probes: ProbeResult[] = [];
  for (const n of sizes) {
    log(`probe: ${n} tokens ...`);
    probes.push(await benchProbe(n, 50));
  }
  log('probe: 1,000 tokens, default per-provider limit (5) ...');
  const providerCapped = await benchProbe(1_000, 50, 5);
  const small = await benchProbe(10, 50);

  log('rotation ...');
  const rotations = [await benchRotation(0), await benchRotation(100)];
  log('exec ...');
  const execs = await benchExec([1, 10, 20]);
  const startupMs = benchCliStartup();
  log('bundles ...');
  const bundles = await benchBundles(join(RESULTS, 'bundles'));

  const rotation100 = rotations[1]!;
  const byTokens = new Map([small, ...probes].map((p) => [p.tokens, p]));
  const costs = [10, 100, 1_000].map((n) => {
    const p = byTokens.get(n)!;
    return monthlyCost({
      tokens: n,
      probeCallsPerRun: callsOf(p.calls),
      probeRunMs: p.wallMs,
      callsPerRotation: callsOf(rotation100.calls),
      rotationMs: rotation100.medianMs,
    });
  });

  const probeTable = new Table({
    head: [
      'tokens',
      'conc. (per provider)',
      'run 1 (tags)',
      'run 2',
      'ideal',
      'ratio',
      'to 1st verify',
      'in flight',
      'ListSecrets (min)',
      'BatchGet (min)',
      'other calls',
    ],
  });
  for (const p of [...probes, providerCapped]) {
    const other = callsOf(p.calls) - (p.calls.ListSecrets ?? 0) - (p.calls.BatchGetSecretValue ?? 0);
    probeTable.push([
      p.tokens.toLocaleString('en'),
      `${p.concurrency} (${p.perProviderLimit})`,
      ms(p.firstRunMs),
      ms(p.wallMs),
      ms(p.idealMs),
      p.ratio.toFixed(2),
      ms(p.phases.readMs),
      p.maxInFlight,
      `${p.calls.ListSecrets ?? 0} (${p.minListSecrets})`,
      `${p.calls.BatchGetSecretValue ?? 0} (${p.minBatchGet})`,
      other,
    ]);
  }
  const rotationTable = new Table({ head: ['provider latency', 'median', 'min', 'runs', 'Secrets Manager calls'] });
  for (const r of rotations) {
    rotationTable.push([`${r.latencyMs} ms`, ms(r.medianMs), ms(r.minMs), r.runs, JSON.stringify(r.calls)]);
  }
  const execTable = new Table({ head: ['exec tokens', 'wall (incl. child)', 'AWS calls'] });
  for (const e of execs) execTable.push([e.tokens, ms(e.wallMs), JSON.stringify(e.calls)]);
  execTable.push(['tokenwarden --help (cold)', ms(startupMs), '-']);
  const bundleTable = new Table({ head: ['bundle', 'size (min.)', 'cold import', 'targets', 'largest parts'] });
  for (const b of bundles) {
    const ok = b.bytes < 300 * 1024 && b.importMs < 150;
    const parts = Object.entries(b.largest)
      .slice(0, 3)
      .map(([pkg, bytes]) => `${pkg} ${kb(bytes)}`)
      .join(', ');
    bundleTable.push([b.name, kb(b.bytes), ms(b.importMs), ok ? 'met' : 'MISSED (<300 KB, <150 ms)', parts]);
  }
  const costTable = new Table({
    head: ['tokens', 'SM storage', 'SM calls', 'Lambda', 'EventBridge', 'SNS', 'total / month'],
  });
  for (const c of costs) {
    costTable.push([
      c.tokens,
      usd(c.secretsStorage),
      usd(c.secretsCalls),
      usd(c.lambda),
      usd(c.eventBridge),
      usd(c.sns),
      usd(c.total),
    ]);
  }

  const out = process.stdout;
  out.write(
    `\nProbe (fake adapter, verify = ${PROVIDER_LATENCY_MS} ms timer; stand-in over HTTP; seeded in-process)\n${probeTable.toString()}\n`,
  );
  out.write(`\nRotation (four steps through the stand-in, MemoryProvider adapter)\n${rotationTable.toString()}\n`);
  out.write(`\nCLI\n${execTable.toString()}\n`);
  out.write(
    `\nLambda bundles (esbuild, stack options, @aws-sdk/* external: from the runtime)\n${bundleTable.toString()}\n`,
  );
  out.write(
    `\nMonthly cost (${PROBE_RUNS_PER_MONTH} probe runs, 1 rotation per token, 256 MB; prices in bench/cost.ts)\n${costTable.toString()}\n`,
  );

  const results = {
    date: new Date().toISOString(),
    quick,
    node: process.version,
    totalMs: Math.round(performance.now() - started),
    prices: PRICES,
    probe: probes,
    probeDefaultPerProviderLimit: providerCapped,
    rotation: rotations,
    exec: execs,
    cliHelpMs: startupMs,
    bundles,
    cost: costs,
  };
  const json = JSON.stringify(results, null, 2);
  out.write(`\n${json}\n`);
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, `bench-${results.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, json);
  writeFileSync(join(RESULTS, 'latest.json'), json);
  log(`written ${file} (${ms(results.totalMs)} in all)`);
}

await main();
