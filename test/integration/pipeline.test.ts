import { GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main';
import { processRuntime } from '../../cli/runtime';
import { tokenContext } from '../../lambdas/providers/context';
import { adapterFor } from '../../lambdas/providers/registry';
import { secretNameFor } from '../../lambdas/shared/names';
import { parseSecretValue, type TokenSecretValue } from '../../lambdas/shared/secret-value';
import { type Pipeline, startPipeline } from '../../local/pipeline';
import { mintLocalToken, putTokenValue } from '../../local/seed';

const FREE_PORTS = { aws: 0, providers: 0, oauth: 0, slack: 0 };

async function currentValue(p: Pipeline, token: string): Promise<{ versionId: string; value: TokenSecretValue }> {
  const out = await p.clients.secrets.send(
    new GetSecretValueCommand({ SecretId: secretNameFor(p.inventory.name, token) }),
  );
  const parsed = parseSecretValue(out.SecretString);
  if (parsed.kind !== 'ok' || !out.VersionId) throw new Error(`${token} holds no token`);
  return { versionId: out.VersionId, value: parsed.value };
}

async function cli(p: Pipeline, args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['--inventory', p.inventoryDir, '--local', ...args], {
    ...processRuntime(),
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: { ...process.env, ...p.cliEnv, NO_COLOR: '1' },
    isTTY: false,
  });
  return { code, out, err };
}

describe('the local pipeline (real SDK against the stand-in)', () => {
  let p: Pipeline;
  const printed: string[] = [];
  const cliOutput: string[] = [];
  const seen = new Set<string>();
  const remember = async () => {
    for (const t of p.inventory.tokens) seen.add((await currentValue(p, t.name)).value.token);
  };

  beforeAll(async () => {
    p = await startPipeline({ ports: FREE_PORTS, print: (line) => printed.push(line) });
    await remember();
  });
  afterAll(async () => {
    await p?.close();
  });

  it('deploys and seeds every token of inventory/local.yaml, and a probe run finds every one ok', async () => {
    const report = await p.probe();
    expect(report.tokens.map((t) => [t.token, t.state])).toEqual(p.inventory.tokens.map((t) => [t.name, 'ok']));
    expect(p.slack.posts).toHaveLength(0);
    expect(p.aws.sns.published).toHaveLength(0);
  });

  it('alerts once when a token is revoked at the provider, not again on the next run, and recovers after a re-seed', async () => {
    const { value } = await currentValue(p, 'stripe-test');
    expect(p.fakes.fakes.stripe.revoke(value.token)).toBe(true);
    const slackBefore = p.slack.posts.length;
    const snsBefore = p.aws.sns.published.length;
    await p.probe();
    await p.settle();
    expect(p.slack.posts.length - slackBefore).toBe(1);
    expect(p.aws.sns.published.length - snsBefore).toBe(1);
    expect(p.aws.sns.published.at(-1)?.subject).toContain('CRITICAL');

    await p.probe();
    await p.settle();
    expect(p.slack.posts.length - slackBefore).toBe(1);
    expect(p.aws.sns.published.length - snsBefore).toBe(1);

    const spec = p.inventory.tokens.find((t) => t.name === 'stripe-test');
    if (!spec) throw new Error('no stripe-test');
    const fresh = await mintLocalToken(spec, { inventory: p.inventory, fakes: p.fakes, adminSecrets: p.adminSecrets });
    seen.add(fresh.token);
    await putTokenValue(p.clients.secrets, p.inventory.name, 'stripe-test', fresh);
    await p.settle(); // AWSCURRENT moved: the stack's rule re-probes
    expect(p.aws.sns.published.length - snsBefore).toBe(2);
    expect(p.aws.sns.published.at(-1)?.subject).toContain('RECOVERED');
    expect(p.slack.posts.length - slackBefore).toBe(2);
  });

  it('turns a failed rotation into a Slack post and an SNS message (rotation-failure rule → notify)', async () => {
    p.fakes.faults.datadog.failNext({ kind: 'status', status: 400, body: { errors: ['Bad Request'] } }, 20);
    const before = p.aws.sns.published.length;
    await p.clients.secrets.send(new RotateSecretCommand({ SecretId: secretNameFor(p.inventory.name, 'datadog-ci') }));
    await p.settle();
    p.fakes.faults.datadog.clear();
    const messages = p.aws.sns.published.slice(before);
    expect(
      messages.some((m) => /rotation/i.test(`${m.subject} ${m.message}`) && m.message.includes('datadog-ci')),
    ).toBe(true);
    expect(p.notified.some((n) => n.kind === 'rotation-failed' && n.slack === 'sent')).toBe(true);
  });

  it('answers the CLI: status lists every token, check verifies one (--local)', async () => {
    const status = await cli(p, ['status', '--env', p.inventory.name]);
    cliOutput.push(status.out, status.err);
    expect(status.code).toBe(0);
    for (const t of p.inventory.tokens) expect(status.out).toContain(t.name);
    const check = await cli(p, ['check', `${p.inventory.name}/gitlab-ci`]);
    cliOutput.push(check.out, check.err);
    expect(check.code).toBe(0);
    expect(check.out).not.toMatch(/invalid/);
  });

  it('never lets a token value reach printed lines, events, Slack posts, SNS messages or CLI output', async () => {
    await remember();
    const haystack = [
      ...printed,
      ...cliOutput,
      ...p.slack.posts.map((x) => JSON.stringify(x)),
      ...p.aws.sns.published.map((x) => JSON.stringify(x)),
      ...p.aws.events.archive().map((x) => JSON.stringify(x)),
      ...p.aws.events.archive(`tokenwarden-${p.inventory.name}`).map((x) => JSON.stringify(x)),
    ].join('\n');
    expect(seen.size).toBeGreaterThanOrEqual(p.inventory.tokens.length);
    for (const value of seen) expect(haystack).not.toContain(value);
    for (const value of Object.values(p.adminSecrets)) expect(haystack).not.toContain(value);
  });
});

describe('full rotations of every issuing provider, then the sweep after the grace period', () => {
  let p: Pipeline;
  let now = Date.now();
  beforeAll(async () => {
    p = await startPipeline({ ports: FREE_PORTS, clock: () => new Date(now) });
  });
  afterAll(async () => {
    await p?.close();
  });

  it('rotates oauth2, gitlab, datadog, sendgrid and twilio through RotateSecret and the engine; the sweep revokes the old tokens', async () => {
    const names = ['orders-api', 'gitlab-ci', 'datadog-ci', 'sendgrid-mail', 'twilio-sms'];
    const old = new Map<string, { versionId: string; value: TokenSecretValue }>();
    for (const name of names) old.set(name, await currentValue(p, name));
    for (const name of names) {
      await p.clients.secrets.send(new RotateSecretCommand({ SecretId: secretNameFor(p.inventory.name, name) }));
    }
    await p.settle();
    for (const name of names) {
      const now2 = await currentValue(p, name);
      expect(now2.versionId, name).not.toBe(old.get(name)?.versionId);
      expect(now2.value.token, name).not.toBe(old.get(name)?.value.token);
    }
    const report = await p.probe();
    for (const name of names) expect(report.tokens.find((t) => t.token === name)?.state, name).toBe('ok');

    const verifyOld = async (name: string) => {
      const spec = p.inventory.tokens.find((t) => t.name === name);
      if (!spec) throw new Error(name);
      const adapter = adapterFor(spec.provider, { readAdminSecret: async (s) => p.adminSecrets[s] ?? '' });
      return (await adapter.verify(old.get(name)?.value as TokenSecretValue, tokenContext(p.inventory.name, spec)))
        .verdict;
    };
    // GitLab's self-rotate revokes the old token at once; the others stay valid through their grace period.
    expect(await verifyOld('gitlab-ci')).toBe('invalid');
    for (const name of ['orders-api', 'datadog-ci', 'sendgrid-mail', 'twilio-sms']) {
      expect(await verifyOld(name), name).toBe('valid');
    }
    expect((await p.sweep()).reduce((n, r) => n + r.revoked, 0)).toBe(0);

    now += 3 * 3_600_000; // past every grace period of inventory/local.yaml (30m..2h; default 1h)
    const swept = await p.sweep();
    expect(swept.flatMap((r) => r.failed)).toEqual([]);
    expect(swept.reduce((n, r) => n + r.revoked, 0)).toBe(4);
    for (const name of ['orders-api', 'datadog-ci', 'sendgrid-mail', 'twilio-sms']) {
      expect(await verifyOld(name), name).toBe('invalid');
    }
  });
});
