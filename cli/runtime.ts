import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import type { CliDeps } from './deps';

/** Everything but the AWS/inventory parts of CliDeps: the real process. */
export type RuntimeDeps = Omit<
  CliDeps,
  'secrets' | 'loadInventory' | 'listEnvironments' | 'inventoryDir' | 'adapterFor'
> &
  Partial<Pick<CliDeps, 'adapterFor'>>;

/** The real process: stdio, environment, clock, child processes, signals. */
export function processRuntime(): RuntimeDeps {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    clock: () => new Date(),
    isTTY: process.stdout.isTTY === true,
    spawn,
    stdinIsTTY: process.stdin.isTTY === true,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    prompt: async (question) => {
      // Prompts go to stderr so stdout stays parseable.
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    signals: process,
  };
}
