import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { TAG, tokenTags } from '../../lambdas/shared/names';
import { harness } from './harness';

const sm = mockClient(SecretsManagerClient);

const SEVERITY: Record<string, string> = { ok: 'ok', expiring: 'warning', invalid: 'critical' };

/** A ListSecrets entry with the tags the probe writes (status, severity, since) when a status is given. */
function entry(token: string, provider: string, extra: Record<string, string>) {
  const status = extra[TAG.status];
  if (status !== undefined) {
    extra = { [TAG.severity]: SEVERITY[status] ?? 'warning', [TAG.since]: '2026-11-20T00:00:00Z', ...extra };
  }
  return {
    Name: `tokenwarden/qa/${token}`,
    Tags: Object.entries({ ...tokenTags('qa', { name: token, provider, owner: '@qa-platform' }), ...extra }).map(
      ([Key, Value]) => ({ Key, Value }),
    ),
    LastRotatedDate: new Date('2026-11-01T00:00:00Z'),
  };
}

describe('tokenwarden status', () => {
  afterEach(() => sm.reset());

  it('lists every token worst first, following pagination, with not-deployed tokens from the inventory', async () => {
    sm.on(ListSecretsCommand)
      .resolvesOnce({
        SecretList: [
          entry('gitlab-ci', 'gitlab', { [TAG.status]: 'ok', [TAG.expiresAt]: '2026-12-20T00:00:00Z' }),
          entry('stripe-test', 'stripe', { [TAG.status]: 'expiring', [TAG.expiresAt]: '2026-11-30T00:00:00Z' }),
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ SecretList: [entry('slack-bot', 'slack', { [TAG.status]: 'invalid' })] });
    const h = harness();

    const code = await h.run(['status', '--env', 'qa', '--json']);

    expect(code).toBe(0);
    expect(sm).toHaveReceivedCommandTimes(ListSecretsCommand, 2);
    expect(sm).toHaveReceivedNthCommandWith(ListSecretsCommand, 2, { NextToken: 'page-2', MaxResults: 100 });
    const body = JSON.parse(h.stdout) as { tokens: { token: string; state: string; daysLeft?: number }[] };
    expect(body.tokens.map((t) => [t.token, t.state])).toEqual([
      ['github-bot', 'not deployed'],
      ['slack-bot', 'invalid'],
      ['stripe-test', 'expiring'],
      ['gitlab-ci', 'ok'],
    ]);
    expect(body.tokens.find((t) => t.token === 'stripe-test')?.daysLeft).toBe(6);
  });

  it('shows expiry as a date with days left in the table', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [entry('gitlab-ci', 'gitlab', { [TAG.status]: 'expiring', [TAG.expiresAt]: '2026-11-30T12:00:00Z' })],
    });
    const h = harness();

    await h.run(['status', '--env', 'qa']);

    expect(h.stdout).toMatch(/gitlab-ci.*expiring.*2026-11-30 \(7d\).*2026-11-01/);
  });

  it('ignores secrets whose tags belong to another environment', async () => {
    const other = entry('gitlab-ci', 'gitlab', { [TAG.status]: 'ok', [TAG.env]: 'staging' });
    sm.on(ListSecretsCommand).resolves({ SecretList: [other] });
    const h = harness();

    await h.run(['--json', 'status', '--env', 'qa']);

    const body = JSON.parse(h.stdout) as { tokens: { token: string; state: string }[] };
    expect(body.tokens.find((t) => t.token === 'gitlab-ci')?.state).toBe('not deployed');
  });

  it('colours states on a terminal', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [entry('gitlab-ci', 'gitlab', { [TAG.status]: 'ok' })] });
    const h = harness({ isTTY: true });

    await h.run(['status', '--env', 'qa']);

    expect(h.stdout).toContain('\u001b[32mok\u001b[0m');
    expect(h.stdout).toContain('\u001b[31mnot deployed\u001b[0m');
    expect(h.stdout).toContain('not deployed');
  });

  it('prints no colour when NO_COLOR is set, even on a terminal', async () => {
    sm.on(ListSecretsCommand).resolves({ SecretList: [entry('gitlab-ci', 'gitlab', { [TAG.status]: 'ok' })] });
    const h = harness({ isTTY: true, env: { NO_COLOR: '1' } });

    await h.run(['status', '--env', 'qa']);

    expect(h.stdout).not.toContain('\u001b[');
    expect(h.stdout).toMatch(/gitlab-ci.*ok/);
    expect(h.stdout).toMatch(/stripe-test.*not deployed/);
  });

  it('names the fix when access is denied (exit 3)', async () => {
    sm.on(ListSecretsCommand).rejects(
      Object.assign(
        new Error('User: arn:aws:sts::1:assumed-role/x is not authorized to perform: secretsmanager:ListSecrets'),
        {
          name: 'AccessDeniedException',
        },
      ),
    );
    const h = harness();

    expect(await h.run(['status', '--env', 'qa'])).toBe(3);
    expect(h.stderr).toMatch(/access denied.*your role needs/);
  });

  it('explains an expired SSO session (exit 3)', async () => {
    sm.on(ListSecretsCommand).rejects(
      Object.assign(new Error('Token is expired. To refresh this SSO session run aws sso login'), {
        name: 'CredentialsProviderError',
      }),
    );
    const h = harness();

    expect(await h.run(['status', '--env', 'qa'])).toBe(3);
    expect(h.stderr).toContain('aws sso login');
  });

  it('fails with exit 1 and the available environments for an unknown environment', async () => {
    const h = harness();

    expect(await h.run(['status', '--env', 'prod'])).toBe(1);
    expect(h.stderr).toMatch(/unknown environment "prod".*available: qa/);
  });
});
