import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientsFor } from '../../bench/fixtures';
import { runCli } from '../../cli/main';
import type { RuntimeDeps } from '../../cli/runtime';
import type { Inventory, TokenSpec } from '../../lib/inventory/schema';
import { parseInventory } from '../../lib/inventory/load';
import type { DeliveredEvent, PublishedMessage, RequestLogEntry } from '../../local/aws';
import { type FakeProviders, startFakeProviders } from '../../local/providers/server';
import { Notifier, UnsupportedEventError } from '../../lambdas/notify/notify';
import { runProbe } from '../../lambdas/probe/probe';
import { createHttpAdapter } from '../../lambdas/providers/http';
import type { ProviderAdapter } from '../../lambdas/providers/types';
import { eventRoutes } from '../../lambdas/shared/event-patterns';
import { busNameFor, fingerprintKeySecretName, secretNameFor, tokenTags } from '../../lambdas/shared/names';
import { serializeSecretValue } from '../../lambdas/shared/secret-value';
import { MemoryProvider } from '../support/memory-provider';
import { recordingLog } from '../support/rotation-fixtures';
import { type RotationRig, rotateOnce, startRotationRig, tokenAt } from './harness';

/**
 * The canary run: an end-to-end pass over the local stand-in (deploy-like seeding, probe, a health alert
 * through the stack's own event routes to notify → SNS + Slack, a rotation through RotateSecret, the
 * CLI's status/check/exec) with marked token values, then a search for every value in everything the
 * run produced.
 */
const ENV = 'canary';
const LIVE = 'tw-CANARY-live-http-token-7f3a9c';
const DEAD = 'tw-CANARY-dead-http-token-1b2d4e';
const CLIENT_SECRET = 'tw-CANARY-oauth-client-secret-5e6f';
const WEBHOOK = 'https://hooks.slack.example/services/T000/B000/CANARYwebhook';

describe('canary: no token value leaks anywhere in an end-to-end run', () => {
  const provider = new MemoryProvider('idempotent');
  const logs = recordingLog();
  const requests: RequestLogEntry[] = [];
  const events: DeliveredEvent[] = [];
  const sns: PublishedMessage[] = [];
  const slack: unknown[] = [];
  const cliOutput: string[] = [];
  const processOutput: string[] = [];
  let fakes: FakeProviders;
  let rig: RotationRig;
  let inventory: Inventory;
  let dir: string;

  beforeAll(async () => {
    fakes = await startFakeProviders({ port: 0 });
    fakes.fakes.http.seedToken({ token: LIVE, expiresAt: Math.floor(Date.now() / 1000) + 90 * 86_400 });
    dir = mkdtempSync(join(tmpdir(), 'tw-canary-'));
    const yaml = `name: ${ENV}
account: "000000000000"
region: eu-west-1
alerts:
  emails: [qa@example.com]
  slackWebhookSecret: tokenwarden/${ENV}/slack-webhook
tokens:
  - name: svc-live
    provider: http
    owner: "@qa"
    rotation: manual
    settings: { url: "${fakes.url}/http/check", expiryJsonPath: token.expires_at }
  - name: svc-dead
    provider: http
    owner: "@qa"
    rotation: manual
    settings: { url: "${fakes.url}/http/check" }
  - name: orders-api
    provider: oauth2-client-credentials
    owner: "@orders"
    adminSecret: tokenwarden/${ENV}/orders-client
    rotation: { every: 1d, gracePeriod: 1h }
    settings: { clientId: qa-client, tokenUrl: "http://127.0.0.1:9/token", introspectionUrl: "http://127.0.0.1:9/introspect" }
`;
    writeFileSync(join(dir, `${ENV}.yaml`), yaml);
    inventory = parseInventory(yaml, `${ENV}.yaml`);
    const http = createHttpAdapter({ http: { timeoutMs: 2000, retries: 1, baseDelayMs: 1 } });
    const memory = provider.adapter();
    const adapterFor = (name: string): ProviderAdapter => (name === 'http' ? http : memory);
    rig = await startRotationRig({
      inventory,
      adapter: memory,
      logger: logs,
      standIn: { onRequest: (e) => requests.push(e) },
    });
    // "Deploy": the stack's secrets and tags, the admin and webhook secrets, the stack's event routes.
    const values: Record<string, string> = { 'svc-live': LIVE, 'svc-dead': DEAD, 'orders-api': provider.mint() };
    for (const token of inventory.tokens as TokenSpec[]) {
      rig.aws.secrets.createSecret({
        Name: secretNameFor(ENV, token.name),
        SecretString: serializeSecretValue({ v: 1, token: values[token.name]!, issuedAt: new Date().toISOString() }),
        Tags: Object.entries(tokenTags(ENV, token)).map(([Key, Value]) => ({ Key, Value })),
      });
    }
    rig.aws.secrets.createSecret({ Name: `tokenwarden/${ENV}/orders-client`, SecretString: CLIENT_SECRET });
    rig.aws.secrets.createSecret({ Name: `tokenwarden/${ENV}/slack-webhook`, SecretString: WEBHOOK });
    rig.aws.secrets.createSecret({ Name: fingerprintKeySecretName(ENV), SecretString: 'tw-CANARY-fingerprint-key' });
    const topicArn = rig.aws.sns.createTopic(`tokenwarden-${ENV}-alerts`);
    rig.aws.sns.subscribe(topicArn, (m) => {
      sns.push(m);
    });
    const { secrets, events: eb } = clientsFor(rig.aws);
    const snsClient = new SNSClient({
      region: 'eu-west-1',
      endpoint: rig.aws.url,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    });
    const notifier = new Notifier({
      sns: snsClient,
      secrets,
      topicArn,
      inventory,
      logger: logs,
      postToSlack: async (_url, message) => {
        slack.push(message);
      },
    });
    const probeDeps = { secrets, events: eb, adapterFor, inventory, clock: () => new Date(), logger: logs };
    for (const route of eventRoutes({ env: ENV, account: '000000000000', region: 'eu-west-1' })) {
      rig.aws.events.addRule({
        bus: route.bus === 'environment' ? busNameFor(ENV) : 'default',
        name: route.id,
        pattern: route.pattern as never,
        target: async (event) => {
          events.push(event);
          if (route.target === 'probe') return; // the probe runs explicitly below
          try {
            await notifier.notify(event as never);
          } catch (error) {
            if (!(error instanceof UnsupportedEventError)) throw error;
          }
        },
      });
    }
    const cliRuntime: RuntimeDeps = {
      stdout: (t) => {
        cliOutput.push(t);
      },
      stderr: (t) => {
        cliOutput.push(t);
      },
      env: { TOKENWARDEN_AWS_PORT: String(rig.aws.port), PATH: process.env.PATH ?? '' },
      clock: () => new Date(),
      isTTY: false,
      spawn,
      stdinIsTTY: false,
      readStdin: async () => '',
      prompt: async () => '',
      sleep: async () => {},
      signals: new EventEmitter(),
      adapterFor,
    };

    // Everything the process itself prints (Powertools, SDK warnings) is captured too.
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
    try {
      // The run.
      await runProbe(probeDeps);
      await rig.aws.waitForRotations();
      await rotateOnce(rig, secretNameFor(ENV, 'orders-api'));
      await runProbe(probeDeps);
      await rig.aws.waitForRotations();
      const cli = (args: string[]) => runCli(['--inventory', dir, '--local', ...args], cliRuntime);
      await cli(['status', '--env', ENV]);
      await cli(['--json', 'status', '--env', ENV]);
      await cli(['check', `${ENV}/svc-live`]);
      await cli(['check', `${ENV}/svc-dead`]);
      await cli(['exec', '--env', ENV, '--tokens', 'svc-live,orders-api', '--', process.execPath, '-e', '']);
      await cli(['exec', '--env', ENV, '--tokens', 'svc-live', '--', process.execPath, '-e', 'process.exit(3)']);
      snsClient.destroy();
      secrets.destroy();
      eb.destroy();
    } finally {
      process.stdout.write = writeOut;
      process.stderr.write = writeErr;
    }
  });
  afterAll(async () => {
    await rig.close();
    await fakes.close();
  });

  it('the run did what it should: an alert went to SNS and Slack, the rotation moved AWSCURRENT', async () => {
    expect(sns.length).toBeGreaterThanOrEqual(1);
    expect(slack.length).toBeGreaterThanOrEqual(1);
    expect(events.some((e) => e['detail-type'] === 'Token Health Changed')).toBe(true);
    expect(events.some((e) => e.detail['labelUpdated'] === 'AWSCURRENT')).toBe(true);
    expect(await tokenAt(rig.secrets, secretNameFor(ENV, 'orders-api'))).not.toBe('canary-token-1');
    expect(cliOutput.join('')).toContain('svc-dead');
  });

  it('no value (tokens, admin secret, webhook URL, fingerprint key) appears in any output of the run', () => {
    // Every value the stand-in ever stored, every token the provider issued, and the fixed canaries.
    const values = new Set<string>([
      LIVE,
      DEAD,
      CLIENT_SECRET,
      WEBHOOK,
      'tw-CANARY-fingerprint-key',
      ...provider.tokens.keys(),
    ]);
    for (const secret of rig.aws.secrets.snapshot()) {
      for (const v of secret.versions) {
        if (!v.value?.string) continue;
        values.add(v.value.string);
        try {
          const token = (JSON.parse(v.value.string) as { token?: unknown }).token;
          if (typeof token === 'string') values.add(token);
        } catch {
          // a plain value (webhook URL, client secret) is already in the set
        }
      }
    }
    expect(values.size).toBeGreaterThanOrEqual(7);
    const files = readdirSync(dir);
    const outputs: Record<string, string> = {
      logs: logs.lines.join('\n'),
      'request log': JSON.stringify(requests),
      events: JSON.stringify(events),
      'SNS messages': JSON.stringify(sns),
      'Slack posts': JSON.stringify(slack),
      'CLI output': cliOutput.join(''),
      'process stdout/stderr': processOutput.join(''),
      'files written': files.map((f) => `${f}\n${readFileSync(join(dir, f), 'utf8')}`).join('\n'),
      'dead letters': JSON.stringify(rig.aws.events.deadLetters),
    };
    expect(files).toEqual([`${ENV}.yaml`]);
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(outputs)) {
      for (const value of values)
        if (text.includes(value)) leaks.push(`${where} contains a value (${value.length} chars)`);
      if (/CANARY/.test(text)) leaks.push(`${where} contains the CANARY marker`);
    }
    expect(leaks).toEqual([]);
  });
});
