import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../local/demo';

/** Every file under `dir` (recursively), as path and text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) out.push(...filesUnder(path));
    else if (stat.size < 10 * 1024 * 1024) out.push({ path, text: readFileSync(path, 'utf8') });
  }
  return out;
}

describe('canary: the whole demo (npm run demo)', () => {
  it('no token value the demo handled appears in its output, alerts, process output or the files it wrote', async () => {
    // GIVEN the temporary entries that exist before the run
    const before = new Set(readdirSync(tmpdir()));
    const printed: string[] = [];
    const processOutput: string[] = [];
    const writeOut = process.stdout.write.bind(process.stdout);
    const writeErr = process.stderr.write.bind(process.stderr);
    const capture =
      (write: typeof writeOut) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        processOutput.push(String(chunk));
        return (write as (c: unknown, ...r: unknown[]) => boolean)(chunk, ...rest);
      };
    process.stdout.write = capture(writeOut) as typeof process.stdout.write;
    process.stderr.write = capture(writeErr) as typeof process.stderr.write;
    let result: Awaited<ReturnType<typeof runDemo>>;
    try {
      // WHEN the demo runs end to end
      result = await runDemo({ print: (line) => printed.push(line) });
    } finally {
      process.stdout.write = writeOut;
      process.stderr.write = writeErr;
    }
    // THEN it passed, handled real values, and none of them shows anywhere
    expect(printed.join('\n')).toContain('demo passed');
    expect(result.tokenValues.length).toBeGreaterThan(8);
    expect(result.alerts.length).toBeGreaterThan(0);
    const written = readdirSync(tmpdir())
      .filter((name) => !before.has(name) && name.startsWith('tokenwarden'))
      .flatMap((name) => {
        const path = join(tmpdir(), name);
        return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, 'utf8') }];
      });
    const outputs: Record<string, string> = {
      'demo output': printed.join('\n'),
      'alerts (Slack and SNS)': result.alerts.join('\n'),
      'process stdout/stderr': processOutput.join(''),
      ...Object.fromEntries(written.map((f) => [`file ${f.path}`, f.text])),
    };
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(outputs)) {
      for (const value of result.tokenValues)
        if (text.includes(value)) leaks.push(`${where}: a value (${value.length} chars)`);
    }
    expect(leaks).toEqual([]);
  });
});
