import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';
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
    prompt: async (question, options) => {
      // Prompts go to stderr so stdout stays parseable; a hidden answer is not echoed as it is typed.
      let muted = false;
      const output = new Writable({
        write(chunk, _encoding, done) {
          if (!muted) process.stderr.write(chunk);
          done();
        },
      });
      const rl = createInterface({ input: process.stdin, output, terminal: true });
      try {
        const answer = rl.question(question);
        muted = options?.hidden === true;
        return await answer;
      } finally {
        rl.close();
        if (muted) process.stderr.write('\n');
      }
    },
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const done = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
      }),
    signals: process,
  };
}
