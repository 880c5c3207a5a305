import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor, inventoryOf, RequestCounter, seedStandIn } from '../../bench/fixtures';
import { runCli } from '../../cli/main';
import type { RuntimeDeps } from '../../cli/runtime';
import { type AwsStandIn, startAwsStandIn } from '../../local/aws';
import { type RunningFake, serveOnLoopback } from '../../local/providers/http-fake';
import { runProbe } from '../../lambdas/probe/probe';
import { createHttpAdapter } from '../../lambdas/providers/http';
import { createOAuth2Adapter } from '../../lambdas/providers/oauth2-client-credentials';
import type { ProviderAdapter } from '../../lambdas/providers/types';
import { secretNameFor, tokenTags } from '../../lambdas/shared/names';
import { MAX_SECRET_BYTES } from '../../lambdas/shared/secret-value';
import { HOUR, inventoryWith, recordingLog } from '../support/rotation-fixtures';
import { describeSecret, rotateOnce, startRotationRig, tokenAt } from './harness';

const CORPUS = join('test', 'fixtures', 'inventory');

/** Runs the CLI in-process against the stand-in; returns exit code and everything it printed. */
async function cli(args: string[], awsPort: number, stdin = ''): Promise<{ code: number; output: string }> {
  let output = '';
  const runtime: RuntimeDeps = {
    stdout: (t) => {
      output += t;
    },
    stderr: (t) => {
      output += t;
    },
    env: { TOKENWARDEN_AWS_PORT: String(awsPort) },
    clock: () => new Date(),
    isTTY: false,
    spawn,
    stdinIsTTY: false,
    readStdin: async () => stdin,
    prompt: async () => '',
    sleep: async () => {},
    signals: new EventEmitter(),
    adapterFor: (name): ProviderAdapter => ({
      name,
      capabilities: ['verify'],
      verify: async () => ({ verdict: 'valid' }),
    }),
  };
  const code = await runCli(['--local', ...args], runtime);
  return { code, output };
}

describe('bad input: the malformed inventory corpus through the CLI', () => {
  const counter = new RequestCounter();
  let aws: AwsStandIn;
  beforeAll(async () => {
    aws = await startAwsStandIn({ port: 0, onRequest: counter.record });
  });
  afterAll(() => aws.close());

  const cases = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''));

  it('has a corpus to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it('every case: `status` and `exec` stop with the loader messages, make no AWS call, print no CANARY', async () => {
    const problems: string[] = [];
    for (const name of cases) {
      const expected = readFileSync(join(CORPUS, `${name}.expected.txt`), 'utf8')
        .trimEnd()
        .split('\n');
      for (const args of [
        ['status', '--env', name],
        ['exec', '--env', name, '--tokens', 'a', '--', 'node', '-e', ''],
      ]) {
        const { code, output } = await cli(['--inventory', CORPUS, ...args], aws.port);
        if (code === 0) problems.push(`${name} ${args[0]}: exit 0`);
        // Each expected line is `<file>:<line>:<col> <field>: <message>`; the CLI prints it with its path.
        for (const line of expected) if (!output.includes(line)) problems.push(`${name} ${args[0]}: missing "${line}"`);
        if (output.includes('CANARY')) problems.push(`${name} ${args[0]}: echoed a CANARY value`);
      }
    }
    expect(problems).toEqual([]);
    expect(counter.total()).toBe(0);
    expect(aws.secrets.snapshot()).toHaveLength(0);
  });
});

describe('bad input: malformed secret values', () => {
  const VALUES: Record<string, string> = {
    'not-json': 'tw-CANARY-plain-text-token',
    'not-an-object': '["tw-CANARY-in-an-array"]',
    'missing-token': '{"v":1,"issuedAt":"2026-11-01T00:00:00Z","note":"tw-CANARY-note"}',
    'unknown-version': '{"v":7,"token":"tw-CANARY-v7"}',
    huge: JSON.stringify({ v: 1, token: `tw-CANARY-${'x'.repeat(MAX_SECRET_BYTES)}` }),
  };
  let aws: AwsStandIn;
  const inventory = inventoryOf(Object.keys(VALUES).length, { env: 'badvalues' });
  const names = Object.keys(VALUES);
  let dir: string;

  beforeAll(async () => {
    aws = await startAwsStandIn({ port: 0 });
    // Written as is (seedStandIn would wrap them in the tokenwarden format).
    inventory.tokens.forEach((token, i) => {
      aws.secrets.createSecret({
        Name: secretNameFor(inventory.name, token.name),
        SecretString: VALUES[names[i]!]!,
        Tags: Object.entries(tokenTags(inventory.name, token)).map(([Key, Value]) => ({ Key, Value })),
      });
    });
    dir = mkdtempSync(join(tmpdir(), 'tw-bad-'));
    const yaml = ['name: badvalues', 'account: "000000000000"', 'region: eu-west-1', 'tokens:'];
    for (const t of inventory.tokens)
      yaml.push(`  - name: ${t.name}`, '    provider: datadog', '    owner: "@qa"', '    rotation: manual');
    writeFileSync(join(dir, 'badvalues.yaml'), `${yaml.join('\n')}\n`);
  });
  afterAll(() => aws.close());

  it('the probe reports each one as a malformed stored value (critical), asks no provider, logs no value', async () => {
    const { secrets, events } = clientsFor(aws);
    const log = recordingLog();
    let verified = 0;
    const report = await runProbe({
      secrets,
      events,
      adapterFor: () => ({
        name: 'datadog',
        capabilities: ['verify'],
        verify: async () => {
          verified++;
          return { verdict: 'valid' };
        },
      }),
      inventory,
      clock: () => new Date(),
      logger: log,
    });
    expect(verified).toBe(0);
    for (const t of report.tokens) {
      expect(t.severity).toBe('critical');
      expect(t.reasons.join(' ')).toMatch(/stored value is malformed: .+/);
    }
    expect(JSON.stringify(report)).not.toContain('CANARY');
    expect(log.lines.join('\n')).not.toContain('CANARY');
    secrets.destroy();
    events.destroy();
  });

  it('`exec` refuses to run the command and names the problem, without the value', async () => {
    const { code, output } = await cli(
      [
        '--inventory',
        dir,
        'exec',
        '--env',
        'badvalues',
        '--tokens',
        inventory.tokens.map((t) => t.name).join(','),
        '--',
        'node',
        '-e',
        '',
      ],
      aws.port,
    );
    expect(code).not.toBe(0);
    expect(output).toMatch(/malformed|not JSON|missing|format version|64 KiB/);
    expect(output).not.toContain('CANARY');
  });

  it('`put` of a value over 64 KiB is refused and nothing is stored', async () => {
    const secret = `tokenwarden/badvalues/${inventory.tokens[0]!.name}`;
    const before = aws.secrets.snapshot().find((s) => s.name === secret)!.versions.length;
    const { code, output } = await cli(
      ['--inventory', dir, 'put', '--env', 'badvalues', inventory.tokens[0]!.name],
      aws.port,
      `tw-CANARY-${'y'.repeat(70_000)}`,
    );
    expect(code).not.toBe(0);
    expect(output).not.toContain('CANARY');
    expect(aws.secrets.snapshot().find((s) => s.name === secret)!.versions.length).toBe(before);
  });
});

/** A provider that answers badly on purpose. */
function hostile(): Promise<RunningFake> {
  return serveOnLoopback((req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    req.resume();
    if (path.startsWith('/huge')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"access_token":"${'A'.repeat(3 * 1024 * 1024)}"}`);
    } else if (path.startsWith('/html')) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Login</body></html>');
    } else if (path.startsWith('/redirect')) {
      res.writeHead(302, { location: 'http://evil.example/steal' }).end();
    } else {
      res.writeHead(404).end();
    }
  }, 0);
}

describe('bad input: hostile provider responses', () => {
  let server: RunningFake;
  const http = { timeoutMs: 2000, retries: 0, baseDelayMs: 1 };
  beforeAll(async () => {
    server = await hostile();
  });
  afterAll(() => server.close());

  it.each(['huge', 'html', 'redirect'])(
    'verify against a %s answer: indeterminate with a reason, never valid or invalid',
    async (kind) => {
      const adapter = createHttpAdapter({ http });
      const result = await adapter.verify(
        { v: 1, token: 'tw-CANARY-hostile', issuedAt: '2026-11-01T00:00:00Z' },
        {
          env: 'qa',
          name: 'svc',
          provider: 'http',
          scopes: [],
          settings: { url: `${server.url}/${kind}`, expiryJsonPath: 'token.expires_at' },
        },
      );
      expect(result.verdict).toBe('indeterminate');
      expect(result.reason).toBeTruthy();
      expect(JSON.stringify(result)).not.toContain('CANARY');
    },
  );

  it.each(['huge', 'html', 'redirect'])(
    'rotation whose token endpoint gives a %s answer: fails, AWSCURRENT untouched, no half-written version',
    async (kind) => {
      const inventory = inventoryWith({
        name: 'orders-api',
        provider: 'oauth2-client-credentials',
        adminSecret: 'tokenwarden/qa/orders-client',
        rotation: { every: 24 * HOUR, gracePeriod: HOUR },
        settings: {
          clientId: 'c',
          tokenUrl: `${server.url}/${kind}`,
          introspectionUrl: `${server.url}/${kind}`,
        },
      });
      const adapter = createOAuth2Adapter({ http, readClientSecret: async () => 'tw-CANARY-client-secret' });
      const log = recordingLog();
      const rig = await startRotationRig({ inventory, adapter, logger: log });
      try {
        const secretId = seedStandIn(rig.aws, inventory, () => 'tw-CANARY-seed').get('orders-api')!;
        await rotateOnce(rig, secretId);
        expect(await tokenAt(rig.secrets, secretId)).toBe('tw-CANARY-seed');
        const stored = rig.aws.secrets.snapshot().find((s) => s.arn === secretId)!;
        // Only the seed holds a value; the pre-created AWSPENDING version (if any) is empty.
        expect(stored.versions.filter((v) => v.value !== undefined)).toHaveLength(1);
        const { stages } = await describeSecret(rig.secrets, secretId);
        expect(Object.values(stages).filter((s) => s.includes('AWSCURRENT'))).toHaveLength(1);
        expect(log.lines.join('\n')).not.toContain('CANARY');
      } finally {
        await rig.close();
      }
    },
  );
});
