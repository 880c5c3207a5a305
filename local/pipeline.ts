import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import type { NotifyEvent, NotifyResult } from '../lambdas/notify/notify';
import { Notifier } from '../lambdas/notify/notify';
import { type ProbeReport, runProbe } from '../lambdas/probe/probe';
import type { ProviderName } from '../lambdas/providers/catalog';
import { adapterFor } from '../lambdas/providers/registry';
import { createRotationDeps } from '../lambdas/rotation/deps';
import { type RotationEvent, rotate } from '../lambdas/rotation/engine';
import { type RevokeDueResult, revokeDue } from '../lambdas/rotation/revoke';
import { inventoryForProvider } from '../lambdas/shared/config';
import { eventRoutes } from '../lambdas/shared/event-patterns';
import { type Log, silentLog } from '../lambdas/shared/logger';
import { busNameFor } from '../lambdas/shared/names';
import { loadEnvironment } from '../lib/inventory/load';
import type { Inventory } from '../lib/inventory/schema';
import { createLocalAdminSecrets } from './admin-secrets';
import { type AwsStandIn, type DeliveredEvent, type PublishedMessage, startAwsStandIn } from './aws';
import { configureLocalRotation, deployLocal, localRotationFunctionArn } from './deploy';
import { DEFAULT_SCOPES, type RunningOAuthServer, startOAuthServer } from './oauth-server';
import { DEFAULT_PORTS, type LocalPorts, PORT_VARIABLES, portsFromEnv } from './ports';
import { PortInUseError } from './providers/http-fake';
import { type FakeProviders, startFakeProviders } from './providers/server';
import { type Scheduler, startScheduler } from './scheduler';
import { seedLocal } from './seed';
import { type SlackPost, type SlackSink, slackPostAsText, startSlackSink } from './slack-sink';

/**
 * The whole pipeline on 127.0.0.1, in one process: the AWS stand-in, the fake providers, the OAuth 2.0
 * server and the Slack sink, wired with the stack's own definitions (inventory, event routes, names,
 * rotation schedules) and the Lambdas' own cores (rotation engine, probe, notifier, revocation sweep).
 */

const SERVICE_NAMES: Record<keyof LocalPorts, string> = {
  aws: 'AWS stand-in',
  providers: 'fake providers',
  oauth: 'OAuth 2.0 server',
  slack: 'Slack sink',
};

/** A port of the local pipeline is taken; the message names the port and the variable that moves it. */
export class LocalPortInUseError extends PortInUseError {
  public readonly variable: string;

  public constructor(service: keyof LocalPorts, port: number, options?: ErrorOptions) {
    super(port, options);
    this.variable = PORT_VARIABLES[service];
    this.message = `port ${port} on 127.0.0.1 (${SERVICE_NAMES[service]}) is already in use by another program; set ${this.variable} to another port (0 picks a free one)`;
  }
}

export interface PipelineOptions {
  /** @default portsFromEnv() (each 0 = any free port) */
  readonly ports?: Partial<LocalPorts>;
  /** @default 'inventory' */
  readonly inventoryDir?: string;
  /** @default 'local' */
  readonly env?: string;
  /** Persists the stand-in's secrets (mode 0600). @default in memory */
  readonly stateFile?: string;
  /** Deploy and seed at start. @default true */
  readonly deploy?: boolean;
  /** Run the scheduler loop (probe, due rotations, sweep). @default false */
  readonly schedule?: boolean;
  /** Scheduler interval. @default the inventory's probe.every */
  readonly probeIntervalMs?: number;
  /** Injected into the stand-in, the engine, the sweep and the probe. @default () => new Date() */
  readonly clock?: () => Date;
  /** Log of the cores (they never log values). @default silent */
  readonly logger?: Log;
  /** One line per alert, probe or rotation event (never a value). @default none */
  readonly print?: (line: string) => void;
  /** Pause before a stand-in rotation retry. @default 50 */
  readonly rotationRetryDelayMs?: number;
  /** Called after every probe run (scheduled or triggered by an event). */
  readonly onProbe?: (report: ProbeReport) => void;
}

export interface Pipeline {
  readonly aws: AwsStandIn;
  readonly fakes: FakeProviders;
  readonly oauth: RunningOAuthServer;
  readonly slack: SlackSink;
  readonly slackWebhookUrl: string;
  /** The inventory with every URL pointing at the ports actually used. */
  readonly inventory: Inventory;
  /** A folder holding `<env>.yaml` with those URLs, for the CLI's `--inventory`. */
  readonly inventoryDir: string;
  readonly topicArn: string;
  /** SDK clients pointed at the stand-in. */
  readonly clients: {
    readonly secrets: SecretsManagerClient;
    readonly events: EventBridgeClient;
    readonly sns: SNSClient;
  };
  /** Environment for the CLI with `--local`: TOKENWARDEN_AWS_PORT and dummy credentials. */
  readonly cliEnv: Record<string, string>;
  /** Admin secret values, by name (for seeding more tokens). */
  readonly adminSecrets: Readonly<Record<string, string>>;
  /** Notify results, in order (for tests). */
  readonly notified: NotifyResult[];
  /** Runs one probe (serialised with the ones events trigger). */
  probe(): Promise<ProbeReport>;
  /** The revocation sweep of every provider in use. */
  sweep(): Promise<RevokeDueResult[]>;
  /** One scheduler tick: due rotations, sweep, probe. */
  tick(): Promise<ProbeReport>;
  /** Waits until rotations, event deliveries and probes they triggered are done. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const firstLine = (text: string): string => text.split('\n')[0] ?? '';

/** Points an inventory file's default local URLs at the ports actually bound. */
export function localizeInventoryText(text: string, urls: { providers: string; oauth: string }): string {
  return text
    .replaceAll(`http://127.0.0.1:${DEFAULT_PORTS.providers}`, urls.providers)
    .replaceAll(`http://127.0.0.1:${DEFAULT_PORTS.oauth}`, urls.oauth);
}

async function bind<T>(service: keyof LocalPorts, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof PortInUseError) throw new LocalPortInUseError(service, port, { cause: error });
    throw error;
  }
}

/**
 * Starts everything; with `deploy` (default) the inventory is deployed and seeded before it returns.
 * @throws LocalPortInUseError when a port is taken
 */
export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const ports = { ...portsFromEnv(), ...options.ports };
  const env = options.env ?? 'local';
  const sourceDir = options.inventoryDir ?? 'inventory';
  const clock = options.clock ?? (() => new Date());
  const logger = options.logger ?? silentLog;
  const print = options.print ?? (() => {});
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    const slack = await bind('slack', ports.slack, () =>
      startSlackSink(ports.slack, (post) => print(`SLACK ${firstLine(slackPostAsText(post))}`)),
    );
    closers.push(() => slack.running.close());
    const fakes = await bind('providers', ports.providers, () => startFakeProviders({ port: ports.providers }));
    closers.push(() => fakes.close());

    // The inventory names the default ports; point it at the ones bound (a copy, for the CLI too).
    const sourceText = readFileSync(join(sourceDir, `${env}.yaml`), 'utf8');
    const raw = loadEnvironment(sourceDir, env);
    const clientIds = new Set(
      raw.tokens.filter((t) => t.provider === 'oauth2-client-credentials').map((t) => String(t.settings['clientId'])),
    );
    const clientSecrets = new Map([...clientIds].map((id) => [id, randomBytes(24).toString('base64url')]));
    const scopes = new Set<string>([...DEFAULT_SCOPES, ...raw.tokens.flatMap((t) => t.scopes)]);
    const oauth = await bind('oauth', ports.oauth, () =>
      startOAuthServer({
        port: ports.oauth,
        clients: [...clientSecrets].map(([clientId, clientSecret]) => ({
          clientId,
          clientSecret,
          scopes: [...scopes],
        })),
        // Longer than expiry.criticalBefore, so a fresh token is ok; rotation replaces it long before.
        tokenTtlSeconds: 30 * 86_400,
      }),
    );
    closers.push(() => oauth.close());
    const text = localizeInventoryText(sourceText, { providers: fakes.url, oauth: oauth.url });
    let inventoryDir = sourceDir;
    if (text !== sourceText) {
      inventoryDir = mkdtempSync(join(tmpdir(), 'tokenwarden-inventory-'));
      writeFileSync(join(inventoryDir, `${env}.yaml`), text);
      const dir = inventoryDir;
      closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    }
    const inventory = loadEnvironment(inventoryDir, env);
    const providers = [...new Set(inventory.tokens.map((t) => t.provider))];

    let secrets: SecretsManagerClient | undefined;
    const rotationDeps = new Map<ProviderName, ReturnType<typeof createRotationDeps>>();
    const depsOf = (provider: ProviderName) => {
      let deps = rotationDeps.get(provider);
      if (!deps) {
        if (!secrets) throw new Error('the stand-in is not started');
        deps = createRotationDeps({
          secrets,
          inventory: inventoryForProvider(inventory, provider),
          logger,
          clock,
          createAdapter: (name, options) => adapterFor(name, options),
        });
        rotationDeps.set(provider, deps);
      }
      return deps;
    };
    // The stand-in invokes these as Secrets Manager invokes the rotation Lambdas; one line per rotation.
    const invoke = async (provider: ProviderName, event: RotationEvent): Promise<void> => {
      const name = event.SecretId.replace(/^arn:.*:secret:/, '').replace(/-[A-Za-z0-9]{6}$/, '');
      try {
        await rotate(event, depsOf(provider));
        if (event.Step === 'createSecret') print(`ROTATE ${name}: new token issued (AWSPENDING)`);
        if (event.Step === 'finishSecret') print(`ROTATE ${name}: new token is AWSCURRENT`);
      } catch (error) {
        print(`ROTATE ${name}: ${event.Step} failed (${error instanceof Error ? error.name : 'error'})`);
        throw error;
      }
    };
    const functions = new Map<string, (event: RotationEvent) => Promise<void>>(
      providers.map((p) => [localRotationFunctionArn(inventory, p), (event) => invoke(p, event)]),
    );
    const aws = await bind('aws', ports.aws, () =>
      startAwsStandIn({
        port: ports.aws,
        region: inventory.region,
        account: inventory.account,
        clock,
        ...(options.stateFile ? { stateFile: options.stateFile } : {}),
        rotationFunctions: (arn) => functions.get(arn),
        rotationRetryDelayMs: options.rotationRetryDelayMs ?? 50,
      }),
    );
    closers.push(() => aws.close());

    const clientConfig = {
      endpoint: aws.url,
      region: inventory.region,
      // Dummy credentials: the stand-in does not check signatures, and no real AWS is ever called.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    };
    secrets = new SecretsManagerClient(clientConfig);
    const events = new EventBridgeClient(clientConfig);
    const sns = new SNSClient(clientConfig);
    closers.push(async () => {
      secrets?.destroy();
      events.destroy();
      sns.destroy();
    });
    const sm = secrets;

    const topicArn = aws.sns.createTopic(`tokenwarden-${env}-alerts`);
    aws.sns.subscribe(topicArn, (message: PublishedMessage) => print(`SNS   ${message.subject ?? '(no subject)'}`));
    const notifier = new Notifier({ sns, secrets: sm, topicArn, inventory, logger });
    const notified: NotifyResult[] = [];

    // Probes are serialised; events arriving during a run coalesce into one more run.
    let probing: Promise<ProbeReport> | undefined;
    let again = false;
    const probeOnce = async (): Promise<ProbeReport> => {
      const report = await runProbe({
        secrets: sm,
        events,
        adapterFor: (p) => depsOf(p).adapterFor(p),
        inventory,
        clock,
        logger,
      });
      options.onProbe?.(report);
      return report;
    };
    const probe = (): Promise<ProbeReport> => {
      if (probing) {
        again = true;
        return probing.then(() => probe());
      }
      const run = (async () => {
        try {
          let report = await probeOnce();
          while (again) {
            again = false;
            report = await probeOnce();
          }
          return report;
        } finally {
          probing = undefined;
        }
      })();
      probing = run;
      return run;
    };

    let ready = options.deploy === false;
    const scope = { env, account: inventory.account, region: inventory.region };
    for (const route of eventRoutes(scope)) {
      const bus = route.bus === 'environment' ? busNameFor(env) : 'default';
      const target =
        route.target === 'notify'
          ? async (event: DeliveredEvent) => {
              notified.push(await notifier.notify(event as unknown as NotifyEvent));
            }
          : async () => {
              // While deploying and seeding, a label move would probe tokens still holding the
              // placeholder and alert "missing" for each; the first probe runs once seeding is done.
              if (ready) await probe();
            };
      aws.events.addRule({ bus, name: route.id, pattern: route.pattern as never, target });
    }

    const sweep = async (): Promise<RevokeDueResult[]> => {
      const results: RevokeDueResult[] = [];
      for (const provider of providers) results.push(await revokeDue({ ...depsOf(provider), provider }));
      return results;
    };
    const tick = async (): Promise<ProbeReport> => {
      const started = aws.secrets.rotateDue();
      if (started.length > 0) print(`ROTATE scheduled rotation started for ${started.length} secret(s)`);
      await sweep();
      return probe();
    };
    const settle = async (): Promise<void> => {
      // A rotation emits events, an event triggers a probe, a probe emits events: loop until all is quiet.
      for (let round = 0; round < 50; round++) {
        await aws.waitForRotations();
        await aws.events.idle();
        if (probing) {
          await probing.catch(() => undefined);
          continue;
        }
        await aws.events.idle();
        if (!probing) return;
      }
    };

    let adminSecrets: Record<string, string> = {};
    if (options.deploy !== false) {
      adminSecrets = createLocalAdminSecrets(inventory, fakes, (id) => clientSecrets.get(id) ?? '');
      await deployLocal({
        secrets: sm,
        inventory,
        adminSecrets,
        slackWebhookUrl: slack.webhookUrl,
        configureRotation: false,
      });
      await seedLocal({ secrets: sm, inventory, fakes, adminSecrets, clock });
      await configureLocalRotation(sm, inventory);
      await settle();
      ready = true;
      await probe();
      await settle();
    }

    let scheduler: Scheduler | undefined;
    if (options.schedule) {
      scheduler = startScheduler({
        everyMs: options.probeIntervalMs ?? inventory.probe.every,
        tick,
        onError: (error) => print(`ERROR scheduler tick failed (${error instanceof Error ? error.name : 'error'})`),
      });
      const running = scheduler;
      closers.push(async () => running.stop());
    }

    return {
      aws,
      fakes,
      oauth,
      slack: slack.sink,
      slackWebhookUrl: slack.webhookUrl,
      inventory,
      inventoryDir,
      topicArn,
      clients: { secrets: sm, events, sns },
      cliEnv: {
        TOKENWARDEN_AWS_PORT: String(aws.port),
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
      adminSecrets,
      notified,
      probe,
      sweep,
      tick,
      settle,
      close: async () => {
        scheduler?.stop();
        aws.secrets.stopRotations();
        await probing?.catch(() => undefined);
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

export type { SlackPost };
