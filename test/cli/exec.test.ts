import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchGetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { batchRead } from '../../cli/tokens';
import { adapter, harness, stored } from './harness';

const sm = mockClient(SecretsManagerClient);
const GITLAB_CANARY = 'fake-gitlab-CANARY-exec-0123456789abcdef';
const STRIPE_CANARY = 'rk_test_CANARY_exec_abcdef0123456789';

function seed(values: Record<string, string>, errors: { SecretId: string; ErrorCode: string }[] = []): void {
  sm.on(BatchGetSecretValueCommand).resolves({
    SecretValues: Object.entries(values).map(([token, secret]) => ({
      Name: `tokenwarden/qa/${token}`,
      SecretString: secret,
    })),
    Errors: errors.map((e) => ({ ...e, Message: 'denied' })),
  });
}

/** A child that writes what it sees of its environment into a marker file. */
const dumpEnv = (marker: string): string[] => [
  'node',
  '-e',
  `require('node:fs').writeFileSync(${JSON.stringify(marker)}, JSON.stringify({ gitlab: process.env.GITLAB_CI_TOKEN, stripe: process.env.STRIPE_TEST_TOKEN }))`,
];

describe('tokenwarden exec', () => {
  afterEach(() => sm.reset());

  it('gives the child the values in its environment and never prints them itself', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY), 'stripe-test': stored(STRIPE_CANARY) });
    const h = harness();
    const marker = join(h.dir, 'env.json');

    const code = await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci,stripe-test', '--', ...dumpEnv(marker)]);

    expect(code).toBe(0);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual({ gitlab: GITLAB_CANARY, stripe: STRIPE_CANARY });
    expect(sm).toHaveReceivedCommandTimes(BatchGetSecretValueCommand, 1);
    expect(h.stdout + h.stderr).not.toContain('CANARY');
  });

  it("returns the child's own exit code", async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY) });
    const h = harness();

    expect(await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', 'node', '-e', 'process.exit(7)'])).toBe(
      7,
    );
  });

  it('forwards SIGTERM to the child', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY) });
    const h = harness();
    const ready = join(h.dir, 'ready');
    const got = join(h.dir, 'got-sigterm');
    const script = `const fs = require('node:fs');
      process.on('SIGTERM', () => { fs.writeFileSync(${JSON.stringify(got)}, 'yes'); process.exit(42); });
      fs.writeFileSync(${JSON.stringify(ready)}, 'ready'); setInterval(() => {}, 1000);`;

    const running = h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', 'node', '-e', script]);
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    h.signals.emit('SIGTERM');

    expect(await running).toBe(42);
    expect(readFileSync(got, 'utf8')).toBe('yes');
    expect(h.signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('reports 128+n when a signal ends the child', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY) });
    const h = harness();

    const code = await h.run([
      'exec',
      '--env',
      'qa',
      '--tokens',
      'gitlab-ci',
      '--',
      'node',
      '-e',
      "process.kill(process.pid, 'SIGKILL')",
    ]);

    expect(code).toBe(128 + 9);
  });

  it('stops before the command runs when a token is invalid, naming token, reason, owner and fix', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY), 'stripe-test': stored(STRIPE_CANARY) });
    const h = harness();
    adapter(h, 'stripe').answers.set(STRIPE_CANARY, {
      verdict: 'invalid',
      reason: 'the provider answered 401',
      status: 401,
    });
    const marker = join(h.dir, 'env.json');

    const code = await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci,stripe-test', '--', ...dumpEnv(marker)]);

    expect(code).toBe(2);
    expect(existsSync(marker)).toBe(false);
    expect(h.stderr).toMatch(
      /invalid\s+qa\/stripe-test: the provider answered 401 \(owner @payments-qa\); fix: .*tokenwarden put qa\/stripe-test/,
    );
    expect(h.stdout + h.stderr).not.toContain('CANARY');
  });

  it('stops with a missing token and tells how to seed it', async () => {
    seed({ 'gitlab-ci': JSON.stringify({ v: 1, placeholder: true }) });
    const h = harness();
    const marker = join(h.dir, 'env.json');

    expect(await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', ...dumpEnv(marker)])).toBe(2);
    expect(existsSync(marker)).toBe(false);
    expect(h.stderr).toMatch(/missing\s+qa\/gitlab-ci: no value seeded yet.*tokenwarden put qa\/gitlab-ci/);
  });

  it("names a token the CI consumer's role may not read", async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY) }, [
      { SecretId: 'tokenwarden/qa/stripe-test', ErrorCode: 'AccessDeniedException' },
    ]);
    const h = harness();
    const marker = join(h.dir, 'env.json');

    expect(await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci,stripe-test', '--', ...dumpEnv(marker)])).toBe(2);
    expect(existsSync(marker)).toBe(false);
    expect(h.stderr).toMatch(
      /denied\s+qa\/stripe-test: the role running this job may not read.*add stripe-test to this CI consumer's tokens/,
    );
  });

  it('keeps an unreachable provider apart from an invalid token: exit 3, or run with --allow-unverified', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY) });
    const h = harness();
    adapter(h, 'gitlab').fallback = { verdict: 'indeterminate', reason: 'timeout after 5000 ms' };
    const marker = join(h.dir, 'env.json');

    expect(await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', ...dumpEnv(marker)])).toBe(3);
    expect(existsSync(marker)).toBe(false);
    expect(h.stderr).toMatch(/indeterminate.*timeout.*--allow-unverified/s);

    expect(
      await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--allow-unverified', '--', ...dumpEnv(marker)]),
    ).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('does not ask the provider with --no-verify', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY) });
    const h = harness();

    expect(await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--no-verify', '--', 'node', '-e', ''])).toBe(
      0,
    );
    expect(adapter(h, 'gitlab').verified).toEqual([]);
  });

  it('prints ::add-mask:: for every value before anything else under GitHub Actions', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY), 'stripe-test': stored(STRIPE_CANARY) });
    const h = harness({ env: { GITHUB_ACTIONS: 'true' } });

    await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci,stripe-test', '--', 'node', '-e', '']);

    const lines = h.stdout.split('\n');
    expect(lines.slice(0, 2).sort()).toEqual([`::add-mask::${GITLAB_CANARY}`, `::add-mask::${STRIPE_CANARY}`].sort());
    expect(h.stderr).not.toContain('CANARY');
  });

  it('masks a multi-line value line by line', async () => {
    seed({ 'gitlab-ci': stored('CANARY-line-one\nCANARY-line-two') });
    const h = harness({ env: { GITHUB_ACTIONS: 'true' } });

    await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', 'node', '-e', '']);

    expect(h.stdout.split('\n').slice(0, 2)).toEqual(['::add-mask::CANARY-line-one', '::add-mask::CANARY-line-two']);
  });

  it('does not forward SIGINT from a terminal, which already delivered it to the child', async () => {
    seed({ 'gitlab-ci': stored(GITLAB_CANARY) });
    const h = harness({ stdinIsTTY: true });
    const ready = join(h.dir, 'ready');
    const script = `const fs = require('node:fs');
      process.on('SIGINT', () => process.exit(99)); process.on('SIGTERM', () => process.exit(15));
      fs.writeFileSync(${JSON.stringify(ready)}, 'ready'); setInterval(() => {}, 1000);`;

    const running = h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', 'node', '-e', script]);
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 20));
    h.signals.emit('SIGINT');
    h.signals.emit('SIGTERM');

    expect(await running).toBe(15);
  });

  it('gives a GitHub App consumer a minted installation token, never the stored key', async () => {
    seed({ 'github-bot': stored('-----BEGIN KEY CANARY-----') });
    const h = harness({ env: { GITHUB_ACTIONS: 'true' } });
    adapter(h, 'github-app').minted = 'ghs_CANARYminted0123456789';
    const marker = join(h.dir, 'gh');

    const code = await h.run([
      'exec',
      '--env',
      'qa',
      '--tokens',
      'github-bot',
      '--',
      'node',
      '-e',
      `require('node:fs').writeFileSync(${JSON.stringify(marker)}, process.env.GITHUB_BOT_TOKEN)`,
    ]);

    expect(code).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('ghs_CANARYminted0123456789');
    expect(h.stdout).toContain('::add-mask::ghs_CANARYminted0123456789');
  });
});

describe('batchRead', () => {
  afterEach(() => sm.reset());

  it('reads at most 20 secrets per BatchGetSecretValue call', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({ SecretValues: [] });
    const names = Array.from({ length: 45 }, (_, i) => `tokenwarden/qa/t${i}`);

    await batchRead(new SecretsManagerClient({}), names);

    expect(sm).toHaveReceivedCommandTimes(BatchGetSecretValueCommand, 3);
    expect(sm).toHaveReceivedNthCommandWith(BatchGetSecretValueCommand, 3, { SecretIdList: names.slice(40) });
  });
});
