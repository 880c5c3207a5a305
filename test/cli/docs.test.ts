import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { harness } from './harness';

const doc = readFileSync(join(import.meta.dirname, '../../docs/cli.md'), 'utf8');

/** The body of a `## heading` section of docs/cli.md. */
function section(title: string): string {
  const start = doc.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/cli.md has no section "${title}"`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** Commands documented as bullets: "- `inventory diff --env qa`: ..." → "inventory diff". */
function documentedCommands(): string[] {
  return [...section('Commands').matchAll(/^- `([^`]+)`/gm)].map((m) =>
    (m[1] ?? '')
      .split(' ')
      .filter((_w, i, all) => all.slice(0, i + 1).every((x) => /^[a-z]+$/.test(x)))
      .join(' '),
  );
}

/** Command names in the "Commands:" block of a --help text. */
function helpCommands(help: string): string[] {
  const block = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return [...block.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1] ?? '').filter((c) => c !== 'help');
}

async function help(args: readonly string[]): Promise<string> {
  const h = harness();
  expect(await h.run([...args, '--help'])).toBe(0);
  return h.stdout;
}

describe('docs/cli.md agrees with --help', () => {
  it('documents every command --help lists, and lists every documented command', async () => {
    const top = helpCommands(await help([]));
    const fromHelp: string[] = [];
    for (const command of top) {
      const sub = helpCommands(await help([command]));
      if (sub.length === 0) fromHelp.push(command);
      else fromHelp.push(...sub.map((s) => `${command} ${s}`));
    }

    expect(fromHelp.length).toBeGreaterThanOrEqual(9);
    expect([...documentedCommands()].sort()).toEqual([...fromHelp].sort());
  });

  it('documents the same exit codes as --help', async () => {
    const helpCodes = [...((await help([])).split('\nExit codes:\n')[1] ?? '').matchAll(/^ {2}(\d)\s/gm)].map(
      (m) => m[1],
    );
    const docCodes = [...section('Exit codes').matchAll(/^\| (\d) \|/gm)].map((m) => m[1]);

    expect(helpCodes).toEqual(['0', '1', '2', '3']);
    expect(docCodes).toEqual(helpCodes);
  });

  it('documents every option of every command', async () => {
    const top = helpCommands(await help([]));
    const missing: string[] = [];
    for (const command of top) {
      const sub = helpCommands(await help([command]));
      for (const path of sub.length === 0 ? [[command]] : sub.map((s) => [command, s])) {
        const text = await help(path);
        const options = [...(text.split('\nOptions:\n')[1] ?? '').matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)]
          .map((m) => m[1] ?? '')
          .filter((o) => o !== '--help');
        for (const option of options) if (!doc.includes(option)) missing.push(`${path.join(' ')} ${option}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
