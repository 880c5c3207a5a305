import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import type { RuntimeDeps } from '../../cli/runtime';
import { adapterFor } from '../../lambdas/providers/registry';
import { rotate } from '../../lambdas/rotation/engine';
import { adminSecretReader } from '../../lambdas/shared/admin-secret';
import { silentLog } from '../../lambdas/shared/logger';
import { fingerprintKeySecretName, secretNameFor, tokenTags } from '../../lambdas/shared/names';
import { PLACEHOLDER_VALUE, parseSecretValue } from '../../lambdas/shared/secret-value';
import { loadEnvironment } from '../../lib/inventory/load';
import { type AwsStandIn, startAwsStandIn } from '../../local/aws';
import { createFakeGitlab, type FakeGitlab } from '../../local/providers/gitlab';
import { FaultInjector, fakeListener, type RunningFake, serveOnLoopback } from '../../local/providers/http-fake';
import { type FakeProviders, startFakeProviders } from '../../local/providers/server';
import { type RunningOAuthServer, startOAuthServer } from '../../local/oauth-server';
import { tokenContext } from '../../lambdas/providers/context';
import { createOAuth2Adapter } from '../../lambdas/providers/oauth2-client-credentials';

/**
 * The CLI end to end against the local stand-in (Secrets Manager on 127.0.0.1), the fake providers and
 * the real adapters and rotation engine. Secrets are created the way the stack creates them (name,
 * tags, placeholder); the CLI is driven through runCli with --local and TOKENWARDEN_AWS_PORT.
 */

const ROTATION_LAMBDA = 'arn:aws:lambda:eu-west-1:000000000000:function:tokenwarden-qa-rotate-gitlab';
const STRIPE_CANARY = 'rk_test_CANARYe2e0123456789abcdef';
const STRIPE_WRONG = 'rk_test_CANARYwrong0123456789abcdef';
const CLIENT_SECRET = 'CANARY-e2e-oauth-client-secret';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('tokenwarden CLI end to end (local stand-in, fake providers, real adapters and engine)', () => {
  let aws: AwsStandIn;
  let providers: FakeProviders;
  let gitlabServer: RunningFake;
  let gitlab: FakeGitlab;
  let sm: SecretsManagerClient;
  let dir: string;
  /** Every value the test handled; none may appear in any CLI output. */
  const values: string[] = [STRIPE_CANARY, STRIPE_WRONG, CLIENT_SECRET];
  let oauth: RunningOAuthServer;
  const outputs: string[] = [];

  const cli = async (args: readonly string[], options: { stdin?: string } = {}): Promise<Run> => {
    const run: Run = { code: -1, stdout: '', stderr: '' };
    const runtime: RuntimeDeps = {
      stdout: (text) => {
        run.stdout += text;
      },
      stderr: (text) => {
        run.stderr += text;
      },
      env: { TOKENWARDEN_AWS_PORT: String(aws.port), PATH: process.env['PATH'] ?? '' },
      clock: () => new Date(),
      isTTY: false,
      spawn,
      stdinIsTTY: false,
      readStdin: async () => options.stdin ?? '',
      prompt: async () => '',
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 50))),
      signals: new EventEmitter(),
    };
    run.code = await runCli(['--inventory', dir, '--local', ...args], runtime);
    outputs.push(run.stdout, run.stderr);
    return run;
  };

  /** Creates a token's secret as the stack does: name, tags, placeholder value. */
  const deploy = async (token: { name: string; provider: string; owner: string }): Promise<void> => {
    await sm.send(
      new CreateSecretCommand({
        Name: secretNameFor('qa', token.name),
        SecretString: PLACEHOLDER_VALUE,
        Tags: Object.entries(tokenTags('qa', token)).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
  };
  const storedToken = async (name: string): Promise<string | undefined> => {
    const out = await sm.send(new GetSecretValueCommand({ SecretId: secretNameFor('qa', name) }));
    const parsed = parseSecretValue(out.SecretString);
    return parsed.kind === 'ok' ? parsed.value.token : undefined;
  };

  beforeAll(async () => {
    providers = await startFakeProviders({ port: 0 });
    gitlab = createFakeGitlab();
    gitlabServer = await serveOnLoopback(fakeListener(gitlab.route, new FaultInjector()), 0);
    oauth = await startOAuthServer({ port: 0, clients: [{ clientId: 'qa-client', clientSecret: CLIENT_SECRET }] });
    dir = mkdtempSync(join(tmpdir(), 'tw-e2e-'));
    writeFileSync(
      join(dir, 'qa.yaml'),
      `name: qa
account: "000000000000"
region: eu-west-1
tokens:
  - name: gitlab-ci
    provider: gitlab
    owner: "@qa-platform"
    scopes: [api, self_rotate]
    rotation: { every: 30d }
    settings: { baseUrl: ${gitlabServer.url}, tokenType: personal, rotateWith: self }
  - name: stripe-test
    provider: stripe
    owner: "@payments-qa"
    rotation: manual
    settings: { baseUrl: ${providers.url}/stripe }
  - name: orders-api
    provider: oauth2-client-credentials
    owner: "@orders-qa"
    adminSecret: tokenwarden/qa/orders-client
    rotation: { every: 1d }
    settings:
      clientId: qa-client
      tokenUrl: ${oauth.tokenUrl}
      introspectionUrl: ${oauth.introspectionUrl}
  - name: sendgrid-mail
    provider: sendgrid
    owner: "@qa-platform"
    rotation: manual
`,
    );
    const inventory = loadEnvironment(dir, 'qa');
    // The rotation Lambda, as the stand-in invokes it: the engine with clients pointed at the stand-in.
    aws = await startAwsStandIn({
      port: 0,
      rotationRetries: 0,
      rotationFunctions: (arn) => {
        if (arn !== ROTATION_LAMBDA) return undefined;
        const client = new SecretsManagerClient({
          region: 'eu-west-1',
          endpoint: aws.url,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        const readAdminSecret = adminSecretReader(client);
        return (event) =>
          rotate(event, {
            secrets: client,
            adapterFor: (provider) => adapterFor(provider, { readAdminSecret }),
            inventory,
            readAdminSecret,
            logger: silentLog,
            clock: () => new Date(),
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 20))),
            testRetry: { attempts: 2, baseDelayMs: 10 },
          });
      },
    });
    sm = new SecretsManagerClient({
      region: 'eu-west-1',
      endpoint: aws.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await deploy({ name: 'gitlab-ci', provider: 'gitlab', owner: '@qa-platform' });
    await deploy({ name: 'stripe-test', provider: 'stripe', owner: '@payments-qa' });
    await deploy({ name: 'orders-api', provider: 'oauth2-client-credentials', owner: '@orders-qa' });
    await sm.send(new CreateSecretCommand({ Name: 'tokenwarden/qa/orders-client', SecretString: CLIENT_SECRET }));
    // Deployed once, since removed from the inventory.
    await deploy({ name: 'legacy-bot', provider: 'slack', owner: '@qa-platform' });
    await sm.send(
      new CreateSecretCommand({ Name: fingerprintKeySecretName('qa'), SecretString: 'e2e-fingerprint-key' }),
    );
    // The stack's RotationSchedule: rotation enabled with the provider's function (no rotation yet).
    const gitlabSecret = aws.secrets.snapshot().find((s) => s.name === secretNameFor('qa', 'gitlab-ci'));
    if (!gitlabSecret) throw new Error('gitlab-ci secret not created');
    gitlabSecret.rotationEnabled = true;
    gitlabSecret.rotationLambdaArn = ROTATION_LAMBDA;
    gitlabSecret.rotationRules = { AutomaticallyAfterDays: 30 };
  });

  afterAll(async () => {
    await aws?.close();
    await providers?.close();
    await gitlabServer?.close();
    await oauth?.close();
  });

  it('status lists the deployed tokens, placeholders as missing, and declared-only ones as not deployed', async () => {
    const run = await cli(['status', '--env', 'qa', '--json']);

    expect(run.code).toBe(0);
    const rows = (JSON.parse(run.stdout) as { tokens: { token: string; state: string; severity: string }[] }).tokens;
    expect(Object.fromEntries(rows.map((r) => [r.token, r.state]))).toEqual({
      'gitlab-ci': 'missing',
      'stripe-test': 'missing',
      'orders-api': 'missing',
      'legacy-bot': 'missing',
      'sendgrid-mail': 'not deployed',
    });
    expect(rows.every((r) => r.severity === 'critical')).toBe(true);
  });

  it('put refuses a value the provider rejects and stores nothing', async () => {
    const run = await cli(['put', 'qa/stripe-test', '--expires-at', 'never'], { stdin: `${STRIPE_WRONG}\n` });

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/stripe rejected this value .*nothing stored/);
    expect(await storedToken('stripe-test')).toBeUndefined();
  });

  it('put stores values the fake providers accept, in the format the probe and engine read', async () => {
    providers.fakes.stripe.seedKey(STRIPE_CANARY);
    const glpat = gitlab.seed({ scopes: ['api', 'self_rotate'] });
    values.push(glpat);

    const stripe = await cli(['put', 'qa/stripe-test', '--expires-at', 'never'], { stdin: `${STRIPE_CANARY}\n` });
    const gl = await cli(['put', 'qa/gitlab-ci'], { stdin: glpat });

    expect(stripe.code).toBe(0);
    expect(stripe.stdout).toMatch(/stored qa\/stripe-test as version .*provider: valid/);
    expect(gl.code).toBe(0);
    expect(await storedToken('stripe-test')).toBe(STRIPE_CANARY);
    expect(await storedToken('gitlab-ci')).toBe(glpat);
  });

  it("check reports ok with the provider's words, and invalid once the provider revokes the key", async () => {
    const ok = await cli(['check', 'qa/stripe-test']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/provider says: valid/);
    expect(ok.stdout).toMatch(/verdict:\s+ok/);

    providers.fakes.stripe.revoke(STRIPE_CANARY);
    const bad = await cli(['check', 'qa/stripe-test', '--json']);
    providers.fakes.stripe.seedKey(STRIPE_CANARY);

    expect(bad.code).toBe(2);
    const body = JSON.parse(bad.stdout) as { state: string; provider_said: { verdict: string; status?: number } };
    expect(body.state).toBe('invalid');
    expect(body.provider_said).toMatchObject({ verdict: 'invalid', status: 401 });
  });

  it('check verifies an oauth2 token, reading the client secret from its admin secret in Secrets Manager', async () => {
    const inventory = loadEnvironment(dir, 'qa');
    const spec = inventory.tokens.find((t) => t.name === 'orders-api');
    if (!spec) throw new Error('orders-api not in the inventory');
    const issued = await createOAuth2Adapter({ readClientSecret: async () => CLIENT_SECRET }).issue?.({
      ctx: tokenContext('qa', spec),
      admin: CLIENT_SECRET,
      idempotencyKey: 'e2e-seed',
    });
    if (!issued) throw new Error('the oauth2 adapter did not issue a token');
    values.push(issued.token);
    await sm.send(
      new PutSecretValueCommand({ SecretId: secretNameFor('qa', 'orders-api'), SecretString: JSON.stringify(issued) }),
    );

    const run = await cli(['check', 'qa/orders-api', '--json']);

    expect(run.code).toBe(0);
    // Access tokens live an hour, so the model calls the token expiring (usable: exit 0), never invalid.
    const body = JSON.parse(run.stdout) as { state: string; provider_said: { verdict: string } };
    expect(body.provider_said.verdict).toBe('valid');
    expect(['ok', 'expiring']).toContain(body.state);
  });

  it('rotate --wait drives a full rotation through the engine and names the new AWSCURRENT version', async () => {
    const before = await storedToken('gitlab-ci');

    const run = await cli(['rotate', 'qa/gitlab-ci', '--wait', '--timeout', '30']);
    await aws.waitForRotations();

    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(
      /^rotated: qa\/gitlab-ci version [0-9a-f-]{36} is AWSCURRENT; the previous one is AWSPREVIOUS$/,
    );
    const after = await storedToken('gitlab-ci');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    values.push(after as string);
    expect(gitlab.isActive(after as string)).toBe(true);
    expect(gitlab.isActive(before as string)).toBe(false);
    const described = await sm.send(new DescribeSecretCommand({ SecretId: secretNameFor('qa', 'gitlab-ci') }));
    expect(Object.values(described.VersionIdsToStages ?? {}).flat()).not.toContain('AWSPENDING');
  });

  it('rotate refuses a manual token and says how to replace it', async () => {
    const run = await cli(['rotate', 'qa/stripe-test']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rotation: manual');
    expect(run.stderr).toContain('tokenwarden put qa/stripe-test < token.txt');
  });

  it('exec gives the child its tokens and prints no value itself', async () => {
    const marker = join(dir, 'seen.json');
    const script = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, JSON.stringify({ stripe: process.env.STRIPE_TEST_TOKEN, gitlab: process.env.GITLAB_CI_TOKEN }))`;

    const run = await cli([
      'exec',
      '--env',
      'qa',
      '--tokens',
      'stripe-test,gitlab-ci',
      '--',
      process.execPath,
      '-e',
      script,
    ]);

    expect(run.code).toBe(0);
    const seen = JSON.parse(readFileSync(marker, 'utf8')) as { stripe: string; gitlab: string };
    expect(seen.stripe).toBe(STRIPE_CANARY);
    expect(seen.gitlab).toBe(await storedToken('gitlab-ci'));
  });

  it('preflight exits 0 for good tokens, 2 for a missing or rejected one, 3 when a provider is down', async () => {
    expect((await cli(['preflight', '--env', 'qa', '--tokens', 'stripe-test,gitlab-ci'])).code).toBe(0);
    expect((await cli(['preflight', '--env', 'qa', '--tokens', 'stripe-test,sendgrid-mail'])).code).toBe(2);

    providers.faults.stripe.failNext({ kind: 'status', status: 503 }, 10);
    const down = await cli(['preflight', '--env', 'qa', '--tokens', 'stripe-test']);
    const allowed = await cli(['preflight', '--env', 'qa', '--tokens', 'stripe-test', '--allow-unverified']);
    providers.faults.stripe.clear();

    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/indeterminate\s+qa\/stripe-test/);
    expect(allowed.code).toBe(0);
  });

  it('inventory diff finds a token deployed but not declared and one declared but not deployed', async () => {
    const run = await cli(['inventory', 'diff', '--env', 'qa', '--json']);

    expect(run.code).toBe(0);
    const drift = (JSON.parse(run.stdout) as { drift: { token: string; kind: string }[] }).drift;
    expect(drift).toContainEqual(expect.objectContaining({ token: 'legacy-bot', kind: 'not declared' }));
    expect(drift).toContainEqual(expect.objectContaining({ token: 'sendgrid-mail', kind: 'not deployed' }));
    expect(drift.some((d) => d.token === 'stripe-test' || d.token === 'gitlab-ci')).toBe(false);
  });

  it('scan finds a planted managed token by its fingerprint', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    writeFileSync(join(repo, 'notes.txt'), `harmless line\nkey = "${STRIPE_CANARY}"\n`);

    const run = await cli(['scan', '--env', 'qa', '--fail', '--json', repo]);

    expect(run.code).toBe(2);
    const findings = (JSON.parse(run.stdout) as { findings: { file: string; line: number; token?: string }[] })
      .findings;
    expect(findings).toContainEqual(expect.objectContaining({ line: 2, token: 'qa/stripe-test' }));
  });

  it('never printed a token value in any command', () => {
    const all = outputs.join('\n');
    for (const value of values) expect(all).not.toContain(value);
    expect(all).not.toContain('CANARY');
  });
});
