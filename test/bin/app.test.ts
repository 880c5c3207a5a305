import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const outdir = mkdtempSync(join(tmpdir(), 'tokenwarden-app-'));

/** Runs bin/app.ts the way `cdk synth` does: context in CDK_CONTEXT_JSON, output folder in CDK_OUTDIR. */
function runApp(context: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    encoding: 'utf8',
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bin/app.ts', () => {
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('fails with the available environments when no env is given', () => {
    const result = runApp({});
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('no environment given: pass -c env=NAME');
    expect(result.stderr).toContain('available in inventory: local, qa');
  });

  it('fails naming the missing file when the env is unknown', () => {
    const result = runApp({ env: 'nope' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'unknown environment "nope": there is no inventory/nope.yaml; available: local, qa',
    );
  });

  it('prints every inventory problem as file:line:col without a stack trace', () => {
    const result = runApp({ env: 'several-errors', inventoryDir: 'test/fixtures/inventory' });
    expect(result.status).toBe(1);
    const expected = readFileSync('test/fixtures/inventory/several-errors.expected.txt', 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => `test/fixtures/inventory/${line}`);
    expect(result.stderr).toBe(`invalid inventory:\n${expected.join('\n')}\n`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('synthesizes the qa stack with cdk-nag passing', () => {
    // WHEN
    const result = runApp({ env: 'qa' });
    // THEN cdk-nag findings would fail the synth with a validation report
    expect(result.stderr).not.toMatch(/AwsSolutions|Validation failed/);
    expect(result.status).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'tokenwarden-qa.template.json'), 'utf8'));
    const secrets = Object.values(template.Resources as Record<string, { Type: string }>).filter(
      (r) => r.Type === 'AWS::SecretsManager::Secret',
    );
    expect(secrets).toHaveLength(9); // 8 tokens in inventory/qa.yaml + the fingerprint key
  }, 60_000);
});
