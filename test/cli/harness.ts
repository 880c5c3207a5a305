import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProviderName } from '../../lambdas/providers/catalog';
import type { ProviderAdapter, VerifyResult } from '../../lambdas/providers/types';
import type { TokenSecretValue } from '../../lambdas/shared/secret-value';
import { runCli } from '../../cli/main';
import type { RuntimeDeps } from '../../cli/runtime';

/** A small inventory: one rotating token, two manual ones and a GitHub App. */
export const QA_INVENTORY = `name: qa
account: "111122223333"
region: eu-west-1
expiry: { warnBefore: 14d, criticalBefore: 3d }
tokens:
  - name: gitlab-ci
    provider: gitlab
    owner: "@qa-platform"
    scopes: [api]
    rotation: { every: 30d }
    settings: { baseUrl: https://gitlab.example.com, tokenType: project, projectId: 4821, rotateWith: self }
  - name: stripe-test
    provider: stripe
    owner: "@payments-qa"
    rotation: manual
  - name: slack-bot
    provider: slack
    owner: "@qa-platform"
    rotation: manual
  - name: github-bot
    provider: github-app
    owner: "@qa-platform"
    rotation: manual
    settings: { appId: 123456, installationId: 7890123 }
`;

export const NOW = new Date('2026-11-23T08:00:00Z');

/** Stored secret JSON for a token value. */
export function stored(token: string, extra: Partial<TokenSecretValue> = {}): string {
  return JSON.stringify({ v: 1, token, issuedAt: '2026-11-01T00:00:00Z', ...extra });
}

/** A fake adapter whose verify answer is decided per token value; records what it was asked. */
export class FakeAdapter implements ProviderAdapter {
  public readonly name: ProviderName;
  public readonly capabilities = ['verify'] as const;
  public readonly verified: string[] = [];
  public answers = new Map<string, VerifyResult>();
  public fallback: VerifyResult = { verdict: 'valid', identity: 'qa-bot', scopes: ['api'] };
  public minted: string | undefined;

  public constructor(name: ProviderName) {
    this.name = name;
  }

  public async verify(value: TokenSecretValue): Promise<VerifyResult> {
    this.verified.push(value.token);
    return this.answers.get(value.token) ?? this.fallback;
  }

  public async mint(): Promise<{ token: string; expiresAt: string }> {
    if (!this.minted) throw new Error('no mint configured');
    return { token: this.minted, expiresAt: '2026-11-23T09:00:00Z' };
  }
}

export interface Harness {
  readonly dir: string;
  readonly adapters: Map<ProviderName, FakeAdapter>;
  readonly signals: EventEmitter;
  stdout: string;
  stderr: string;
  run(args: readonly string[]): Promise<number>;
}

/** Runs the CLI in-process with captured output, a fixed clock and fake adapters. */
export function harness(
  options: {
    env?: NodeJS.ProcessEnv;
    isTTY?: boolean;
    stdinIsTTY?: boolean;
    stdin?: string;
    prompt?: string;
    /** Makes every prompt fail with this error (readline's AbortError on Ctrl-C). */
    promptError?: Error;
    clock?: () => Date;
    sleeps?: number[];
  } = {},
): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'tw-cli-'));
  writeFileSync(join(dir, 'qa.yaml'), QA_INVENTORY);
  const adapters = new Map<ProviderName, FakeAdapter>();
  const signals = new EventEmitter();
  const h: Harness = {
    dir,
    adapters,
    signals,
    stdout: '',
    stderr: '',
    run: (args) => runCli(['--inventory', dir, ...args], runtime),
  };
  const runtime: RuntimeDeps = {
    stdout: (text) => {
      h.stdout += text;
    },
    stderr: (text) => {
      h.stderr += text;
    },
    env: { ...(options.env ?? {}) },
    clock: options.clock ?? (() => NOW),
    isTTY: options.isTTY ?? false,
    spawn,
    stdinIsTTY: options.stdinIsTTY ?? false,
    readStdin: async () => options.stdin ?? '',
    prompt: async (_question, prompt) => {
      if (options.promptError) throw options.promptError;
      return prompt?.hidden ? (options.stdin ?? '') : (options.prompt ?? '');
    },
    sleep: async (ms) => {
      options.sleeps?.push(ms);
    },
    signals,
    adapterFor: (name) => {
      let adapter = adapters.get(name);
      if (!adapter) {
        adapter = new FakeAdapter(name);
        adapters.set(name, adapter);
      }
      return adapter;
    },
  };
  return h;
}

/** The adapter the harness will hand out for a provider (created on first use). */
export function adapter(h: Harness, name: ProviderName): FakeAdapter {
  let found = h.adapters.get(name);
  if (!found) {
    found = new FakeAdapter(name);
    h.adapters.set(name, found);
  }
  return found;
}
