import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSecretValue } from '../../lambdas/shared/secret-value';
import { adapter, harness, stored } from './harness';

const sm = mockClient(SecretsManagerClient);
const CANARY = 'fake-gitlab-CANARY-check-0123456789abcdef';

describe('tokenwarden check', () => {
  afterEach(() => sm.reset());

  it('prints what the provider said and the verdict, never the value', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'tokenwarden/qa/gitlab-ci' }).resolves({ SecretString: stored(CANARY) });
    const h = harness();
    adapter(h, 'gitlab').fallback = {
      verdict: 'valid',
      identity: 'project_4821_bot',
      scopes: ['api'],
      expiresAt: '2026-12-20T00:00:00Z',
    };

    const code = await h.run(['check', 'qa/gitlab-ci']);

    expect(code).toBe(0);
    expect(h.stdout).toMatch(/identity:\s+project_4821_bot/);
    expect(h.stdout).toMatch(/scopes:\s+api/);
    expect(h.stdout).toMatch(/expires:\s+2026-12-20 \(26d\)/);
    expect(h.stdout).toMatch(/verdict:\s+ok/);
    expect(h.stdout + h.stderr).not.toContain('CANARY');
  });

  it('has a --json shape with the verdict and what the provider said', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: stored(CANARY) });
    const h = harness();
    adapter(h, 'gitlab').fallback = { verdict: 'invalid', reason: 'token revoked', status: 401 };

    const code = await h.run(['--json', 'check', '--env', 'qa', 'gitlab-ci']);

    expect(code).toBe(2);
    expect(JSON.parse(h.stdout)).toMatchObject({
      token: 'qa/gitlab-ci',
      state: 'invalid',
      reason: 'token revoked',
      provider_said: { verdict: 'invalid', status: 401 },
    });
  });

  it('reports a token that was never seeded as missing (exit 2)', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ $metadata: {}, message: 'not found' }));
    const h = harness();

    expect(await h.run(['check', 'qa/gitlab-ci'])).toBe(2);
    expect(h.stdout).toMatch(/missing.*\n.*tokenwarden put qa\/gitlab-ci/);
  });

  it('reports an unreachable provider as indeterminate (exit 3), not invalid', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: stored(CANARY) });
    const h = harness();
    adapter(h, 'gitlab').fallback = { verdict: 'indeterminate', reason: 'HTTP 503' };

    expect(await h.run(['check', 'qa/gitlab-ci'])).toBe(3);
    expect(h.stdout).toMatch(/verdict:\s+indeterminate: could not verify \(HTTP 503\)/);
  });

  it('reports an adapter that throws as indeterminate, never invalid', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: stored(CANARY) });
    const h = harness();
    adapter(h, 'gitlab').verify = async () => {
      throw new TypeError('socket closed');
    };

    expect(await h.run(['check', 'qa/gitlab-ci'])).toBe(3);
    expect(h.stdout).toMatch(/verdict:\s+indeterminate/);
  });

  it('needs an environment', async () => {
    const h = harness();

    expect(await h.run(['check', 'gitlab-ci'])).toBe(1);
    expect(h.stderr).toContain('write <env>/gitlab-ci or pass --env');
  });
});

describe('tokenwarden rotate', () => {
  afterEach(() => sm.reset());

  it('refuses a manual token and points at put', async () => {
    const h = harness();

    expect(await h.run(['rotate', 'qa/stripe-test'])).toBe(1);
    expect(h.stderr).toContain('tokenwarden put qa/stripe-test');
    expect(sm).not.toHaveReceivedCommand(RotateSecretCommand);
  });

  it('waits until the new version is AWSCURRENT', async () => {
    sm.on(RotateSecretCommand).resolves({ VersionId: 'v2' });
    sm.on(DescribeSecretCommand)
      .resolvesOnce({ VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } })
      .resolvesOnce({ VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } })
      .resolves({ VersionIdsToStages: { v1: ['AWSPREVIOUS'], v2: ['AWSCURRENT'] } });
    const h = harness();

    const code = await h.run(['rotate', 'qa/gitlab-ci', '--wait']);

    expect(code).toBe(0);
    expect(sm).toHaveReceivedCommandWith(RotateSecretCommand, { SecretId: 'tokenwarden/qa/gitlab-ci' });
    expect(sm).toHaveReceivedCommandTimes(DescribeSecretCommand, 3);
    expect(h.stderr).toContain('waiting: qa/gitlab-ci version v2 is AWSPENDING');
    expect(h.stdout).toMatch(/rotated: qa\/gitlab-ci version v2 is AWSCURRENT/);
  });

  it('shows a spinner line on a terminal and backs off up to 10 s, then gives up at the timeout (exit 3)', async () => {
    sm.on(RotateSecretCommand).resolves({ VersionId: 'v2' });
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } });
    let now = Date.parse('2026-11-23T08:00:00Z');
    const sleeps: number[] = [];
    const h = harness({
      isTTY: true,
      sleeps,
      clock: () => {
        now += 15_000;
        return new Date(now);
      },
    });

    const code = await h.run(['rotate', 'qa/gitlab-ci', '--wait', '--timeout', '120']);

    expect(code).toBe(3);
    expect(h.stderr).toContain('\r| rotating qa/gitlab-ci: version v2 is AWSPENDING');
    expect(h.stderr).toMatch(/still pending after 120s/);
    expect(sleeps.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('fails when the pending version disappears without becoming current', async () => {
    sm.on(RotateSecretCommand).resolves({ VersionId: 'v2' });
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ['AWSCURRENT'] } });
    const h = harness();

    expect(await h.run(['rotate', 'qa/gitlab-ci', '--wait'])).toBe(2);
    expect(h.stderr).toMatch(/rotation of qa\/gitlab-ci failed/);
  });

  it('explains a rotation that is still in progress', async () => {
    sm.on(RotateSecretCommand).rejects(
      new InvalidRequestException({
        $metadata: {},
        message: "A previous rotation isn't complete. That rotation will be reattempted.",
      }),
    );
    const h = harness();

    expect(await h.run(['rotate', 'qa/gitlab-ci'])).toBe(2);
    expect(h.stderr).toMatch(/previous rotation isn't complete.*rotation Lambda's logs/);
  });
});

describe('tokenwarden put', () => {
  afterEach(() => sm.reset());

  it('refuses a value given as an argument, without echoing it', async () => {
    const h = harness();

    expect(await h.run(['put', 'qa/stripe-test', 'rk_test_CANARY_argv'])).toBe(1);
    expect(h.stderr).toMatch(/shell history.*process lists/);
    expect(h.stderr).not.toContain('CANARY');
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('stores nothing when the provider says the value is invalid (exit 2)', async () => {
    const h = harness({ stdin: 'rk_test_CANARY_bad\n' });
    adapter(h, 'stripe').fallback = { verdict: 'invalid', reason: 'the provider answered 401' };

    expect(await h.run(['put', 'qa/stripe-test', '--expires-at', '2027-03-01'])).toBe(2);
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(h.stderr).not.toContain('CANARY');
  });

  it('says so when a rotation is in progress, since storing abandons it', async () => {
    sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } });
    sm.on(PutSecretValueCommand).resolves({});
    const h = harness({ stdin: 'rk_test_CANARY_pending' });

    expect(await h.run(['put', 'qa/stripe-test', '--expires-at', '2027-03-01'])).toBe(0);
    expect(h.stderr).toMatch(/rotation of qa\/stripe-test is in progress \(version v2 is AWSPENDING\).*abandons it/);
    const stored = sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString;
    expect(parseSecretValue(stored)).toMatchObject({ kind: 'ok', value: { v: 1, token: 'rk_test_CANARY_pending' } });
    expect(h.stdout + h.stderr).not.toContain('CANARY');
  });

  it('refuses an unverifiable value unless --force', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    const h = harness({ stdin: 'rk_test_CANARY_x' });
    adapter(h, 'stripe').fallback = { verdict: 'indeterminate', reason: 'timeout' };

    expect(await h.run(['put', 'qa/stripe-test', '--expires-at', '2027-03-01'])).toBe(3);
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(await h.run(['put', 'qa/stripe-test', '--expires-at', '2027-03-01', '--force'])).toBe(0);
    expect(sm).toHaveReceivedCommandTimes(PutSecretValueCommand, 1);
  });

  it('rejects an empty value', async () => {
    const h = harness({ stdin: '\n' });

    expect(await h.run(['put', 'qa/stripe-test'])).toBe(1);
    expect(h.stderr).toContain('empty');
  });

  it('stores a TokenSecretValue as a new version with a ClientRequestToken, expiry from --expires-at', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    const h = harness();
    const file = join(h.dir, 'key.txt');
    writeFileSync(file, 'rk_test_CANARY_file\n');

    const code = await h.run(['put', 'qa/stripe-test', '--from-file', file, '--expires-at', '2027-03-01']);

    expect(code).toBe(0);
    const input = sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(input?.SecretId).toBe('tokenwarden/qa/stripe-test');
    expect(input?.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(input?.VersionStages).toBeUndefined();
    const parsed = parseSecretValue(input?.SecretString);
    expect(parsed).toMatchObject({
      kind: 'ok',
      value: { v: 1, token: 'rk_test_CANARY_file', expiresAt: '2027-03-01T00:00:00.000Z' },
    });
    expect(h.stdout + h.stderr).not.toContain('CANARY');
  });

  it("prefers the provider's reported expiry over the one typed", async () => {
    sm.on(PutSecretValueCommand).resolves({});
    const h = harness({ stdin: 'xoxb-CANARY' });
    adapter(h, 'slack').fallback = { verdict: 'valid', expiresAt: '2027-01-01T00:00:00Z' };

    expect(await h.run(['put', 'qa/slack-bot', '--expires-at', '2030-01-01'])).toBe(0);
    const input = sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(parseSecretValue(input?.SecretString)).toMatchObject({ value: { expiresAt: '2027-01-01T00:00:00Z' } });
  });

  it('uses the answer to the prompt on a terminal', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    const h = harness({ stdin: 'rk_test_CANARY', stdinIsTTY: true, prompt: '2027-05-01' });

    expect(await h.run(['put', 'qa/stripe-test'])).toBe(0);
    const input = sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(parseSecretValue(input?.SecretString)).toMatchObject({ value: { expiresAt: '2027-05-01T00:00:00.000Z' } });
  });

  it('asks for the expiry of a manual token when none is known and refuses without one off a terminal', async () => {
    const h = harness({ stdin: 'rk_test_CANARY' });

    expect(await h.run(['put', 'qa/stripe-test'])).toBe(1);
    expect(h.stderr).toContain('--expires-at');
    expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
  });
});
