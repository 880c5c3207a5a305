import type { spawn } from 'node:child_process';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ProviderName } from '../lambdas/providers/catalog';
import type { ProviderAdapter } from '../lambdas/providers/types';
import type { Inventory } from '../lib/inventory/schema';

/** Writes text as is (no newline added). */
export type Writer = (text: string) => void;

/** Where signals come from; `process` in production, an EventEmitter in tests. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/**
 * Everything a command touches outside itself, so tests inject fakes (STYLE.md §3).
 * Built once per invocation by cli/main.ts.
 */
export interface CliDeps {
  /** A Secrets Manager client for an environment (the region and `--local` endpoint come from its inventory). */
  readonly secrets: (inventory: Inventory) => SecretsManagerClient;
  readonly adapterFor: (name: ProviderName) => ProviderAdapter;
  /** Loads and validates `<inventory dir>/<env>.yaml`. @throws InventoryError or Error */
  readonly loadInventory: (env: string | undefined) => Inventory;
  /** Names of the environments in the inventory folder. */
  readonly listEnvironments: () => string[];
  /** Inventory folder, for messages. */
  readonly inventoryDir: string;
  readonly stdout: Writer;
  readonly stderr: Writer;
  readonly env: NodeJS.ProcessEnv;
  readonly clock: () => Date;
  /** Whether stdout is a terminal: colour and spinners only then (and never with NO_COLOR). */
  readonly isTTY: boolean;
  readonly spawn: typeof spawn;
  /** Reads all of stdin (for `put`). */
  readonly readStdin: () => Promise<string>;
  /** Whether stdin is a terminal (for `put` prompts). */
  readonly stdinIsTTY: boolean;
  /** Asks one question on the terminal; `hidden` does not echo the answer (for values). */
  readonly prompt: (question: string, options?: { readonly hidden?: boolean }) => Promise<string>;
  /** Waits `ms`; returns early (resolving, not rejecting) once `signal` aborts, leaving no timer behind. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly signals: SignalSource;
}
