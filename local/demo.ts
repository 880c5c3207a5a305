import { pathToFileURL } from 'node:url';
import { GetSecretValueCommand, ListSecretVersionIdsCommand } from '@aws-sdk/client-secrets-manager';
import { runCli } from '../cli/main';
import { processRuntime } from '../cli/runtime';
import type { AlertKind } from '../lambdas/notify/notify';
import { tokenContext } from '../lambdas/providers/context';
import { adapterFor } from '../lambdas/providers/registry';
import { secretNameFor } from '../lambdas/shared/names';
import { parseSecretValue } from '../lambdas/shared/secret-value';
import type { LocalPorts } from './ports';
import { type Pipeline, startPipeline } from './pipeline';
import { mintLocalToken, putTokenValue } from './seed';
import { slackPostAsText } from './slack-sink';
import { renderStatusTable } from './status-table';

/**
 * `npm run demo`: a scripted scenario against the local pipeline, each step asserted:
 * 1. a token nears expiry → warning alert (Slack sink + SNS);
 * 2. a token is revoked at its provider → critical alert → self-healing rotation → recovery alert;
 * 3. a CI step under `tokenwarden exec` gets a verified token (the child only says its variable is set);
 * 4. the status table. Exits 0 on success, 1 with the failed step's message.
 */

/** A step of the demo did not produce what it should have. */
export class DemoStepError extends Error {
  public constructor(step: string, message: string) {
    super(`demo step "${step}" failed: ${message}`);
    this.name = 'DemoStepError';
  }
}

export interface DemoOptions {
  /** Where the step-by-step lines go. @default stdout */
  readonly print?: (line: string) => void;
  /** @default all 0 (free ports), so the demo never collides with a running `npm start` */
  readonly ports?: Partial<LocalPorts>;
  /** @default 'inventory' */
  readonly inventoryDir?: string;
}

export interface DemoResult {
  /** Every token value the run handled (current and previous versions), for canary checks by callers. */
  readonly tokenValues: string[];
  /** Slack posts and SNS messages, as text. */
  readonly alerts: string[];
}

const WARN_TOKEN = 'gitlab-ci';
const REVOKE_TOKEN = 'orders-api';
const CI_TOKENS = ['gitlab-ci', 'stripe-test'];

/** Runs the scenario; throws DemoStepError when a step's expected outcome did not happen. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const sink = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const printed: string[] = [];
  const print = (line: string) => {
    printed.push(line);
    sink(line);
  };
  const pipeline = await startPipeline({
    ports: { aws: 0, providers: 0, oauth: 0, slack: 0, ...options.ports },
    ...(options.inventoryDir ? { inventoryDir: options.inventoryDir } : {}),
    print: (line) => print(`    ${line}`),
  });
  try {
    const env = pipeline.inventory.name;
    print(
      `== deployed and seeded ${pipeline.inventory.tokens.length} tokens of inventory "${env}"; first probe: all ok`,
    );
    const alertsOf = (token: string, kind: AlertKind) =>
      pipeline.notified.filter((n) => n.kind === kind).length > 0 &&
      pipeline.slack.posts.some((p) => slackPostAsText(p).includes(token)) &&
      pipeline.aws.sns.published.some((m) => m.message.includes(token));
    const count = (kind: AlertKind) => pipeline.notified.filter((n) => n.kind === kind).length;

    // 1. Near expiry.
    print(`\n== 1. ${env}/${WARN_TOKEN} is re-seeded with a token that expires in 10 days (warnBefore 14d)`);
    const spec = pipeline.inventory.tokens.find((t) => t.name === WARN_TOKEN);
    if (!spec) throw new DemoStepError('near expiry', `the inventory has no token ${WARN_TOKEN}`);
    const warningsBefore = count('warning');
    const soon = await mintLocalToken(
      spec,
      { inventory: pipeline.inventory, fakes: pipeline.fakes, adminSecrets: pipeline.adminSecrets },
      10 * 86_400_000,
    );
    await putTokenValue(pipeline.clients.secrets, env, WARN_TOKEN, soon);
    await pipeline.settle();
    if (count('warning') !== warningsBefore + 1 || !alertsOf(WARN_TOKEN, 'warning')) {
      throw new DemoStepError('near expiry', `expected one warning alert for ${WARN_TOKEN} on Slack and SNS`);
    }
    print('   ✓ warning alert posted to Slack and published to SNS');

    // 2. Revoked at the provider.
    print(`\n== 2. ${env}/${REVOKE_TOKEN} is revoked at the OAuth 2.0 server`);
    const secretId = secretNameFor(env, REVOKE_TOKEN);
    const revokeSpec = pipeline.inventory.tokens.find((t) => t.name === REVOKE_TOKEN);
    if (!revokeSpec?.adminSecret) throw new DemoStepError('revoke', `${REVOKE_TOKEN} needs an adminSecret`);
    const before = await pipeline.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    const parsed = parseSecretValue(before.SecretString);
    if (parsed.kind !== 'ok') throw new DemoStepError('revoke', `${REVOKE_TOKEN} holds no token`);
    const admin = pipeline.adminSecrets[revokeSpec.adminSecret];
    const adapter = adapterFor(revokeSpec.provider, { readAdminSecret: async () => admin ?? '' });
    await adapter.revoke?.(parsed.value, tokenContext(env, revokeSpec), admin);
    const criticalBefore = count('critical');
    const recoveriesBefore = count('recovery');
    print('   the next probe finds it invalid...');
    await pipeline.probe();
    await pipeline.settle();
    if (count('critical') !== criticalBefore + 1 || !alertsOf(REVOKE_TOKEN, 'critical')) {
      throw new DemoStepError('revoke', `expected one critical alert for ${REVOKE_TOKEN}`);
    }
    print('   ✓ critical alert posted');
    const after = await pipeline.clients.secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (after.VersionId === before.VersionId) {
      throw new DemoStepError('self-healing', `${REVOKE_TOKEN} was not rotated`);
    }
    print('   ✓ self-healing rotation: the probe called RotateSecret, the engine issued a new token');
    if (count('recovery') !== recoveriesBefore + 1 || !alertsOf(REVOKE_TOKEN, 'recovery')) {
      throw new DemoStepError('recovery', `expected one recovery alert for ${REVOKE_TOKEN}`);
    }
    print('   ✓ recovery alert posted');

    // 3. A CI step.
    print(`\n== 3. a CI step runs under: tokenwarden exec --env ${env} --tokens ${CI_TOKENS.join(',')} -- <step>`);
    const child = `const v=['GITLAB_CI_TOKEN','STRIPE_TEST_TOKEN'].filter(n=>!process.env[n]);console.log(v.length?'CI step: missing '+v.join(','):'CI step: GITLAB_CI_TOKEN and STRIPE_TEST_TOKEN are set');process.exit(v.length?1:0)`;
    let cliErr = '';
    const code = await runCli(
      [
        '--inventory',
        pipeline.inventoryDir,
        '--local',
        'exec',
        '--env',
        env,
        '--tokens',
        CI_TOKENS.join(','),
        '--',
        process.execPath,
        '-e',
        child,
      ],
      {
        ...processRuntime(),
        stderr: (text) => {
          cliErr += text;
        },
        env: { ...process.env, ...pipeline.cliEnv },
      },
    );
    if (code !== 0) throw new DemoStepError('tokenwarden exec', `exit code ${code}: ${cliErr.trim().split('\n')[0]}`);
    // The child exits 1 unless both variables are set; its own line goes to the inherited stdout.
    print('   ✓ the step got verified tokens in its environment only');

    // 4. Status.
    print('\n== 4. tokenwarden --local status');
    print(await renderStatusTable(pipeline));
    const result = { tokenValues: await tokenValues(pipeline), alerts: alertTexts(pipeline) };
    // Canary: no value the run handled may appear in what it printed or posted.
    const seen = `${printed.join('\n')}\n${result.alerts.join('\n')}`;
    const leaked = result.tokenValues.filter((v) => seen.includes(v)).length;
    if (leaked > 0) throw new DemoStepError('canary', `${leaked} token value(s) appeared in the output or alerts`);
    print('demo passed');
    return result;
  } finally {
    await pipeline.close();
  }
}

function alertTexts(pipeline: Pipeline): string[] {
  return [
    ...pipeline.slack.posts.map((p) => JSON.stringify(p.payload)),
    ...pipeline.aws.sns.published.map((m) => `${m.subject ?? ''}\n${m.message}`),
  ];
}

async function tokenValues(pipeline: Pipeline): Promise<string[]> {
  const values: string[] = [];
  for (const spec of pipeline.inventory.tokens) {
    const secretId = secretNameFor(pipeline.inventory.name, spec.name);
    const versions = await pipeline.clients.secrets.send(
      new ListSecretVersionIdsCommand({ SecretId: secretId, IncludeDeprecated: true }),
    );
    for (const v of versions.Versions ?? []) {
      const out = await pipeline.clients.secrets
        .send(new GetSecretValueCommand({ SecretId: secretId, VersionId: v.VersionId }))
        .catch(() => undefined);
      const parsed = parseSecretValue(out?.SecretString);
      if (parsed.kind === 'ok') values.push(parsed.value.token);
    }
  }
  return values;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now();
  runDemo().then(
    () => {
      process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`\nnpm run demo FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
