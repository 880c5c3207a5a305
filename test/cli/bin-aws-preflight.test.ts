import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BatchGetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { explainAwsError, localEndpoint, secretsClientFor } from '../../cli/aws';
import { parseTokenRef } from '../../cli/tokens';
import { assessForCli, exitCodeForState } from '../../cli/health';
import { parseInventory } from '../../lib/inventory/load';
import { NOW, QA_INVENTORY, adapter, harness, stored } from './harness';

const sm = mockClient(SecretsManagerClient);
const run = promisify(execFile);

describe('bin/tokenwarden.mjs', () => {
  it('prints help with the exit codes as a real process', async () => {
    const { stdout } = await run(process.execPath, ['bin/tokenwarden.mjs', '--help'], { cwd: process.cwd() });

    expect(stdout).toContain('Usage: tokenwarden');
    expect(stdout).toMatch(/Exit codes:[\s\S]*2 {2}token problem/);
    for (const command of ['status', 'check', 'rotate', 'put', 'exec', 'preflight', 'scan', 'inventory']) {
      expect(stdout).toContain(command);
    }
  });
});

describe('tokenwarden preflight', () => {
  afterEach(() => sm.reset());

  it('warns about an expiring token and exits 0', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [
        {
          Name: 'tokenwarden/qa/gitlab-ci',
          SecretString: stored('fake-gitlab-CANARY', { expiresAt: '2026-11-26T00:00:00Z' }),
        },
      ],
    });
    const h = harness();

    expect(await h.run(['preflight', '--env', 'qa', '--tokens', 'gitlab-ci'])).toBe(0);
    expect(h.stderr).toMatch(/expiring\s+qa\/gitlab-ci: expires on 2026-11-26 \(2 days left\)/);
  });

  it('exits 2 for an expired token with owner and fix, in --json too', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [
        {
          Name: 'tokenwarden/qa/gitlab-ci',
          SecretString: stored('fake-gitlab-CANARY', { expiresAt: '2026-11-20T00:00:00Z' }),
        },
      ],
    });
    const h = harness();

    expect(await h.run(['--json', 'preflight', '--env', 'qa', '--tokens', 'gitlab-ci'])).toBe(2);
    expect(JSON.parse(h.stdout)).toEqual({
      env: 'qa',
      tokens: [
        expect.objectContaining({
          token: 'gitlab-ci',
          state: 'expired',
          owner: '@qa-platform',
          fix: 'tokenwarden rotate qa/gitlab-ci --wait',
        }),
      ],
    });
    expect(h.stdout).not.toContain('CANARY');
  });

  it('rejects a token the inventory does not declare (exit 1)', async () => {
    const h = harness();

    expect(await h.run(['preflight', '--env', 'qa', '--tokens', 'nope'])).toBe(1);
    expect(h.stderr).toMatch(/"nope" is not declared.*declared: gitlab-ci/);
  });

  it('treats an adapter that throws as indeterminate, not invalid', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'tokenwarden/qa/gitlab-ci', SecretString: stored('fake-gitlab-CANARY') }],
    });
    const h = harness();
    adapter(h, 'gitlab').verify = async () => {
      throw new TypeError('boom');
    };

    expect(await h.run(['preflight', '--env', 'qa', '--tokens', 'gitlab-ci'])).toBe(3);
  });
});

describe('cli/aws', () => {
  const inventory = parseInventory(QA_INVENTORY, 'qa.yaml');

  it('points --local at 127.0.0.1 on TOKENWARDEN_AWS_PORT or 47660, with dummy credentials and the inventory region', async () => {
    expect(localEndpoint({})).toBe('http://127.0.0.1:47660');
    expect(localEndpoint({ TOKENWARDEN_AWS_PORT: '50001' })).toBe('http://127.0.0.1:50001');
    const client = secretsClientFor(inventory, { local: true }, {});
    const endpoint = await client.config.endpoint?.();
    expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:47660');
    expect(await client.config.region()).toBe('eu-west-1');
    expect((await client.config.credentials()).accessKeyId).toBe('local');
  });

  it('rejects a port variable that is not a port', () => {
    expect(() => localEndpoint({ TOKENWARDEN_AWS_PORT: 'abc' })).toThrow(/TOKENWARDEN_AWS_PORT=abc is not a port/);
  });

  it('names the fix for missing credentials and missing region', () => {
    const noCreds = explainAwsError(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'listing',
    );
    expect(noCreds.exitCode).toBe(3);
    expect(noCreds.message).toMatch(/AWS_PROFILE.*--local/);
    const noRegion = explainAwsError(new Error('Region is missing'), 'listing');
    expect(noRegion.exitCode).toBe(1);
    expect(noRegion.message).toContain('--region');
  });
});

describe('parseTokenRef', () => {
  it('accepts <env>/<token>, --env and TOKENWARDEN_ENV, and refuses a conflict', () => {
    expect(parseTokenRef('qa/gitlab-ci', undefined, {})).toEqual({ env: 'qa', token: 'gitlab-ci' });
    expect(parseTokenRef('gitlab-ci', 'qa', {})).toEqual({ env: 'qa', token: 'gitlab-ci' });
    expect(parseTokenRef('gitlab-ci', undefined, { TOKENWARDEN_ENV: 'qa' })).toEqual({ env: 'qa', token: 'gitlab-ci' });
    expect(() => parseTokenRef('qa/gitlab-ci', 'staging', {})).toThrow(/--env says staging/);
  });
});

describe('assessForCli (the health model, as check and preflight use it)', () => {
  const inventory = parseInventory(QA_INVENTORY, 'qa.yaml');
  const spec = inventory.tokens.find((t) => t.name === 'stripe-test')!;
  const ok = { kind: 'ok', value: { v: 1, token: 't', issuedAt: '2026-11-01T00:00:00Z' } } as const;
  const judge = (over: Partial<Parameters<typeof assessForCli>[0]>) =>
    assessForCli({
      inventory,
      spec,
      value: ok,
      verify: undefined,
      secretName: 'tokenwarden/qa/stripe-test',
      now: NOW,
      ...over,
    });

  it('never calls an unreachable provider invalid, and exits 3 for it', () => {
    const record = judge({ verify: { verdict: 'indeterminate', reason: 'HTTP 503' } });
    expect(record.state).toBe('indeterminate');
    expect(exitCodeForState(record.state)).toBe(3);
  });

  it("lets the provider's expiry win over the stored one", () => {
    const record = judge({
      value: { kind: 'ok', value: { ...ok.value, expiresAt: '2026-11-01T00:00:00Z' } },
      verify: { verdict: 'valid', expiresAt: '2027-06-01T00:00:00Z' },
    });
    expect(record).toMatchObject({ state: 'ok', severity: 'ok', expiresAt: '2027-06-01T00:00:00.000Z' });
  });

  it("takes the model's severities and exit codes: missing/invalid/expired exit 2, expiring exits 0", () => {
    expect(judge({ value: { kind: 'missing' } })).toMatchObject({ state: 'missing', severity: 'critical' });
    expect(judge({ verify: { verdict: 'invalid', reason: '401' } })).toMatchObject({
      state: 'invalid',
      severity: 'critical',
    });
    const soon = judge({ verify: { verdict: 'valid', expiresAt: '2026-12-01T00:00:00Z' } });
    expect(soon).toMatchObject({ state: 'expiring', severity: 'warning' });
    expect(
      ['missing', 'invalid', 'expired', 'rotation-failed', 'expiring', 'ok'].map((s) => exitCodeForState(s as 'ok')),
    ).toEqual([2, 2, 2, 2, 0, 0]);
  });
});
