import { runCli } from '../cli/main';
import { processRuntime } from '../cli/runtime';
import type { Pipeline } from './pipeline';

/**
 * The `tokenwarden status` table of the running pipeline, rendered by the CLI itself (`--local`
 * against the stand-in), so the terminal shows exactly what a user running the CLI would see.
 */
export async function renderStatusTable(
  pipeline: Pipeline,
  options: { readonly colour?: boolean } = {},
): Promise<string> {
  let out = '';
  let err = '';
  const code = await runCli(
    ['--inventory', pipeline.inventoryDir, '--local', 'status', '--env', pipeline.inventory.name],
    {
      ...processRuntime(),
      stdout: (text) => {
        out += text;
      },
      stderr: (text) => {
        err += text;
      },
      env: { ...process.env, ...pipeline.cliEnv, ...(options.colour ? {} : { NO_COLOR: '1' }) },
      isTTY: options.colour === true,
    },
  );
  if (code !== 0) throw new Error(`tokenwarden status exited ${code}: ${err.trim()}`);
  return out;
}
