import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../lambdas/shared/fingerprint';
import { TAG, fingerprintKeySecretName, tokenTags } from '../../lambdas/shared/names';
import { PLACEHOLDER_VALUE } from '../../lambdas/shared/secret-value';
import { harness, stored } from './harness';

const sm = mockClient(SecretsManagerClient);
const KEY = 'fingerprint-key-for-tests';
const GITLAB_CANARY = 'fake-gitlab-CANARYscan0123456789ab';
const STRIPE_CANARY = 'rk_test_CANARYscan_abcdef012345';
// Shaped like a GitHub classic PAT (ghp_ + exactly 36 characters) so secretlint's GitHub rule reports it.
const GITHUB_SHAPED = `ghp_CANARY${'a1'.repeat(15)}`;

function secretEntry(token: string, provider: string, owner: string, extra: Record<string, string> = {}) {
  return {
    Name: `tokenwarden/qa/${token}`,
    Tags: Object.entries({ ...tokenTags('qa', { name: token, provider, owner }), ...extra }).map(([Key, Value]) => ({
      Key,
      Value,
    })),
  };
}

describe('tokenwarden scan', () => {
  afterEach(() => sm.reset());

  it('finds managed tokens by fingerprint (tagged or computed) and secretlint findings, never printing values', async () => {
    sm.on(GetSecretValueCommand, { SecretId: fingerprintKeySecretName('qa') }).resolves({ SecretString: KEY });
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        secretEntry('gitlab-ci', 'gitlab', '@qa-platform', { [TAG.fingerprint]: fingerprint(GITLAB_CANARY, KEY) }),
        secretEntry('stripe-test', 'stripe', '@payments-qa'),
      ],
    });
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [{ Name: 'tokenwarden/qa/stripe-test', SecretString: stored(STRIPE_CANARY) }],
    });
    const h = harness();
    const src = join(h.dir, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'config.ts'), `const a = 1;\nexport const token = "${GITLAB_CANARY}";\n`);
    writeFileSync(join(src, '.env'), `STRIPE_KEY=${STRIPE_CANARY}\nGH=${GITHUB_SHAPED}\n`);
    mkdirSync(join(src, 'node_modules'));
    writeFileSync(join(src, 'node_modules', 'leak.js'), GITLAB_CANARY);
    writeFileSync(join(src, 'huge.log'), `${'x'.repeat(1024 * 1024)}\n${GITLAB_CANARY}\n`);
    writeFileSync(join(src, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(GITLAB_CANARY)]));

    const code = await h.run(['scan', '--env', 'qa', '--fail', src]);

    expect(code).toBe(2);
    expect(h.stdout).toMatch(
      /config\.ts:2:\d+ managed token leaked: qa\/gitlab-ci; rotate it: tokenwarden rotate qa\/gitlab-ci/,
    );
    expect(h.stdout).toMatch(/\.env:1:\d+ managed token leaked: qa\/stripe-test/);
    expect(h.stdout).toMatch(/\.env:2:\d+ @secretlint\/secretlint-rule-github/);
    expect(h.stdout).not.toContain('node_modules');
    expect(h.stdout).not.toContain('blob.bin');
    expect(h.stdout).not.toContain('huge.log');
    expect(h.stdout + h.stderr).not.toContain('CANARY');
    expect(sm).toHaveReceivedCommandWith(BatchGetSecretValueCommand, { SecretIdList: ['tokenwarden/qa/stripe-test'] });
  });

  it('runs secretlint alone without an environment and exits 0 without --fail', async () => {
    const h = harness();
    const file = join(h.dir, 'notes.md');
    writeFileSync(file, `token: ${GITHUB_SHAPED}\n`);

    const code = await h.run(['--json', 'scan', file]);

    expect(code).toBe(0);
    const body = JSON.parse(h.stdout) as { files: number; findings: { rule: string; line: number }[] };
    expect(body.files).toBe(1);
    expect(body.findings).toEqual([expect.objectContaining({ rule: '@secretlint/secretlint-rule-github', line: 1 })]);
    expect(h.stdout + h.stderr).not.toContain('CANARY');
    expect(sm).not.toHaveReceivedCommand(ListSecretsCommand);
  });
});

describe('tokenwarden inventory', () => {
  afterEach(() => sm.reset());

  it('validate prints every problem as file:line:col and exits 1', async () => {
    const h = harness();
    writeFileSync(
      join(h.dir, 'staging.yaml'),
      'name: staging\naccount: "111122223333"\nregion: eu-west-1\ntokens:\n  - name: x\n    provider: nope\n    owner: "@a"\n    rotation: manual\n    colour: red\n',
    );

    const code = await h.run(['inventory', 'validate']);

    expect(code).toBe(1);
    expect(h.stdout).toMatch(/staging\.yaml:6:\d+ tokens\[0\]\.provider: expected one of the providers/);
    expect(h.stdout).toMatch(/staging\.yaml:9:\d+ tokens\[0\]\.colour: unknown key "colour"/);
    expect(h.stderr).toContain('qa: valid');
  });

  it('validate --env qa exits 0 for a valid file', async () => {
    const h = harness();

    expect(await h.run(['inventory', 'validate', '--env', 'qa'])).toBe(0);
  });

  it('diff reports undeployed, undeclared, drifted and never-seeded tokens', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        secretEntry('gitlab-ci', 'gitlab', '@someone-else'),
        secretEntry('stripe-test', 'stripe', '@payments-qa'),
        secretEntry('old-token', 'http', '@qa-platform'),
      ],
    });
    sm.on(BatchGetSecretValueCommand).resolves({
      SecretValues: [
        { Name: 'tokenwarden/qa/gitlab-ci', SecretString: stored('fake-gitlab-CANARY') },
        { Name: 'tokenwarden/qa/stripe-test', SecretString: PLACEHOLDER_VALUE },
      ],
    });
    const h = harness();

    expect(await h.run(['--json', 'inventory', 'diff', '--env', 'qa'])).toBe(0);

    const body = JSON.parse(h.stdout) as { drift: { token: string; kind: string }[] };
    expect(body.drift.map((d) => `${d.token}:${d.kind}`).sort()).toEqual(
      [
        'github-bot:not deployed',
        'gitlab-ci:tag drift',
        'old-token:not declared',
        'slack-bot:not deployed',
        'stripe-test:missing value',
      ].sort(),
    );
    expect(h.stdout).not.toContain('CANARY');
  });
});
