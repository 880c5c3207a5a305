/**
 * Exit codes of `tokenwarden` (documented in `--help` and docs/cli.md). `exec` returns its child's own code.
 */
export const EXIT = {
  ok: 0,
  /** Bad arguments, unreadable or invalid inventory, missing region. */
  usage: 1,
  /** A token is invalid, missing (never seeded) or expired. */
  token: 2,
  /** AWS or a provider could not be reached, or access was denied. */
  unreachable: 3,
} as const;

/** An error the CLI reports as one message (never a token value) and an exit code. */
export class CliError extends Error {
  public readonly exitCode: number;

  public constructor(message: string, exitCode: number = EXIT.usage, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
