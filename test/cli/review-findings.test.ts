import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { harness, stored } from './harness';

const sm = mockClient(SecretsManagerClient);

/** Findings of the CLI review (what a user met), each pinned so it stays fixed. */
describe('tokenwarden as users meet it', () => {
  afterEach(() => sm.reset());

  describe('scan', () => {
    it('refuses a path that does not exist (a typo must not pass `scan --fail` with 0 files)', async () => {
      const h = harness();
      const missing = join(h.dir, 'srcc');

      expect(await h.run(['scan', '--fail', missing])).toBe(1);
      expect(h.stderr).toContain(`${missing}: no such file or directory`);
    });
  });

  describe('put', () => {
    it('names the token and the way to give the value when stdin is empty', async () => {
      const h = harness({ stdin: '' });

      expect(await h.run(['put', 'qa/stripe-test', '--expires-at', '2027-03-01'])).toBe(1);
      expect(h.stderr).toMatch(/qa\/stripe-test: the value read from stdin is empty; nothing stored/);
      expect(h.stderr).toContain('tokenwarden put qa/stripe-test < token.txt');
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    it.each(['03/01/2027', '1 March', '2027', '2027-02-30'])(
      'refuses an --expires-at that is not YYYY-MM-DD (%s would be read as some other day)',
      async (typed) => {
        const h = harness({ stdin: 'rk_test_CANARY' });

        expect(await h.run(['put', 'qa/stripe-test', '--expires-at', typed])).toBe(1);
        expect(h.stderr).toContain(`--expires-at expects a date like 2027-03-01 or "never", got "${typed}"`);
        expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
      },
    );

    it('refuses an --expires-at in the past (the token would be stored as already expired)', async () => {
      const h = harness({ stdin: 'rk_test_CANARY' });

      expect(await h.run(['put', 'qa/stripe-test', '--expires-at', '2026-11-01'])).toBe(1);
      expect(h.stderr).toContain('--expires-at 2026-11-01 is in the past');
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    it('applies the same date rule to the answer typed at the prompt', async () => {
      const h = harness({ stdin: 'rk_test_CANARY', stdinIsTTY: true, prompt: '1 March' });

      expect(await h.run(['put', 'qa/stripe-test'])).toBe(1);
      expect(h.stderr).toContain('expects a date like 2027-03-01 or "never", got "1 March"');
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });

    it('treats Ctrl-C at a prompt as a cancel (exit 130, nothing stored), not an unexpected error', async () => {
      const abort = Object.assign(new Error('Aborted with Ctrl+C'), { name: 'AbortError' });
      const h = harness({ stdinIsTTY: true, promptError: abort });

      expect(await h.run(['put', 'qa/stripe-test'])).toBe(130);
      expect(h.stderr).toBe('tokenwarden: cancelled; nothing changed\n');
      expect(sm).not.toHaveReceivedCommand(PutSecretValueCommand);
    });
  });

  describe('rotate --wait', () => {
    it('on Ctrl-C stops waiting, says the rotation goes on in AWS, exits 130 and leaves no listener behind', async () => {
      sm.on(RotateSecretCommand).resolves({ VersionId: 'v2' });
      const h = harness({ isTTY: true });
      sm.on(DescribeSecretCommand).callsFake(() => {
        h.signals.emit('SIGINT');
        return { VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } };
      });

      expect(await h.run(['rotate', 'qa/gitlab-ci', '--wait'])).toBe(130);
      expect(h.stderr).toContain(
        'stopped waiting: the rotation of qa/gitlab-ci (version v2 is AWSPENDING) goes on in AWS; follow it with: tokenwarden status --env qa',
      );
      expect(sm).toHaveReceivedCommandTimes(DescribeSecretCommand, 1);
      expect(h.signals.listenerCount('SIGINT')).toBe(0);
      expect(h.signals.listenerCount('SIGTERM')).toBe(0);
    });

    it('removes its signal listeners when the rotation completes', async () => {
      sm.on(RotateSecretCommand).resolves({ VersionId: 'v2' });
      sm.on(DescribeSecretCommand).resolves({ VersionIdsToStages: { v2: ['AWSCURRENT'] } });
      const h = harness();

      expect(await h.run(['rotate', 'qa/gitlab-ci', '--wait'])).toBe(0);
      expect(h.signals.listenerCount('SIGINT')).toBe(0);
    });
  });
});

describe('tokenwarden exec when the command cannot run', () => {
  afterEach(() => sm.reset());
  const seeded = () =>
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'tokenwarden/qa/gitlab-ci', SecretString: stored('fake-gitlab-CANARY-exec-0123456789') }],
    });

  it('exits 127 and names the command when it does not exist', async () => {
    seeded();
    const h = harness();

    expect(await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', 'no-such-command-tw'])).toBe(127);
    expect(h.stderr).toContain('tokenwarden: command not found: no-such-command-tw');
    expect(h.stdout + h.stderr).not.toContain('CANARY');
  });

  it('exits 126 (as shells do) and says why when the file exists but cannot be executed', async () => {
    seeded();
    const h = harness();
    const script = join(h.dir, 'smoke.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o644 });

    expect(await h.run(['exec', '--env', 'qa', '--tokens', 'gitlab-ci', '--', script])).toBe(126);
    expect(h.stderr).toContain(
      `tokenwarden: cannot run ${script}: permission denied (EACCES); chmod +x it, or run it through its interpreter`,
    );
  });
});

describe('tokenwarden preflight with a token named twice', () => {
  afterEach(() => sm.reset());

  it('reads, checks and reports it once', async () => {
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'tokenwarden/qa/gitlab-ci', SecretString: stored('fake-gitlab-CANARY-dup-0123456789') }],
    });
    const h = harness();

    expect(await h.run(['preflight', '--env', 'qa', '--tokens', 'gitlab-ci,gitlab-ci'])).toBe(0);
    expect(sm).toHaveReceivedCommandWith(BatchGetSecretValueCommand, { SecretIdList: ['tokenwarden/qa/gitlab-ci'] });
    expect(h.stderr.match(/qa\/gitlab-ci/g)).toHaveLength(1);
  });
});
