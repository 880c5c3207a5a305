import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm start as a process', () => {
  it('prints the CLI line README shows, and stops cleanly on Ctrl-C during the first probe', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'tw-start-')), 'state.json');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'local/start.ts', '--fast', '--no-rotate-at-start', '--state-file', state],
      {
        env: {
          ...process.env,
          TOKENWARDEN_AWS_PORT: '0',
          TOKENWARDEN_PROVIDERS_PORT: '0',
          TOKENWARDEN_OAUTH_PORT: '0',
          TOKENWARDEN_SLACK_PORT: '0',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    while (!output.includes('  try: ')) await new Promise((r) => setTimeout(r, 10));

    child.kill('SIGINT');

    expect(await done).toBe(0);
    expect(output).toContain('stopping');
    expect(output).not.toContain('status table unavailable');
    // The line README's Quick start shows is the line npm start prints (here with moved ports, so with the
    // rewritten inventory copy).
    const tryLine = / {2}try: (.*)/.exec(output)?.[1] ?? '';
    const readmeLine = / {2}try: (.*)/.exec(readFileSync('README.md', 'utf8'))?.[1] ?? '';
    expect(readmeLine.replace(/=\d+/, '=PORT')).toBe(tryLine.replace(/=\d+/, '=PORT').replace(/ --inventory \S+/, ''));
  });
});
