import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Step {
  readonly name?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly shell?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly with?: Record<string, string>;
}
interface Action {
  readonly inputs: Record<string, { required?: boolean; default?: string; description?: string }>;
  readonly runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(join(import.meta.dirname, '../../action.yml'), 'utf8')) as Action;
const runStep = action.runs.steps.find((s) => s.run !== undefined);

describe('action.yml (composite GitHub Action wrapping tokenwarden exec)', () => {
  it('takes env, tokens, command and aws-region as required inputs, role-to-assume as optional', () => {
    for (const name of ['env', 'tokens', 'command', 'aws-region']) {
      expect(action.inputs[name], name).toMatchObject({ required: true });
      expect(action.inputs[name]?.description).toBeTruthy();
    }
    expect(action.inputs['role-to-assume']).toMatchObject({ required: false, default: '' });
    expect(action.runs.using).toBe('composite');
  });

  it('assumes the role with aws-actions/configure-aws-credentials only when one is given', () => {
    const assume = action.runs.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    expect(assume).toBeDefined();
    expect(assume?.if).toMatch(/inputs\.role-to-assume != ''/);
    expect(assume?.with).toMatchObject({
      'role-to-assume': `\${{ inputs.role-to-assume }}`,
      'aws-region': `\${{ inputs.aws-region }}`,
    });
    expect(action.runs.steps.indexOf(assume as Step)).toBeLessThan(action.runs.steps.indexOf(runStep as Step));
  });

  it('runs tokenwarden exec with --env and --tokens from the inputs', () => {
    expect(runStep?.shell).toBe('bash');
    expect(runStep?.run).toMatch(/npx --no tokenwarden exec .*--env "\$TW_ENV" --tokens "\$TW_TOKENS"/);
    expect(runStep?.env).toMatchObject({
      TW_ENV: `\${{ inputs.env }}`,
      TW_TOKENS: `\${{ inputs.tokens }}`,
      TW_COMMAND: `\${{ inputs.command }}`,
    });
  });

  it('never echoes anything and never splices inputs into the script (no injection, no values in logs)', () => {
    const run = runStep?.run ?? '';
    expect(run).not.toMatch(/\becho\b|\bprintf\b|set -x|\bcat\b|\benv\b\s*$|::add-mask::|GITHUB_OUTPUT|GITHUB_ENV/m);
    expect(run).not.toContain('${{');
  });
});
