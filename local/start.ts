import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { ProbeReport } from '../lambdas/probe/probe';
import { secretNameFor } from '../lambdas/shared/names';
import { LocalPortInUseError, type Pipeline, startPipeline } from './pipeline';
import { renderStatusTable } from './status-table';

/**
 * `npm start`: the whole pipeline on 127.0.0.1 with inventory/local.yaml, deployed and seeded, then
 * running: probes every interval, scheduled rotations, the revocation sweep, alerts printed as they
 * happen (one line each, never a value) and the status table. One rotation of the OAuth 2.0 token is
 * started a few seconds in, so a rotation is visible within the first minute.
 *
 * Flags (or env): --fast (TOKENWARDEN_DEMO_FAST=1): probe every 10 s instead of the inventory's
 * probe.every; --interval <seconds> (TOKENWARDEN_PROBE_INTERVAL); --state-file <path>
 * (TOKENWARDEN_STATE_FILE, default .local-state/state.json); --no-rotate-at-start.
 */

const HELP = `Usage: npm start -- [--fast] [--interval <seconds>] [--state-file <path>] [--no-rotate-at-start]
Ports (127.0.0.1): TOKENWARDEN_AWS_PORT (47660), TOKENWARDEN_PROVIDERS_PORT (47661),
TOKENWARDEN_OAUTH_PORT (47662), TOKENWARDEN_SLACK_PORT (47663).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      fast: { type: 'boolean', default: process.env['TOKENWARDEN_DEMO_FAST'] === '1' },
      interval: { type: 'string', default: process.env['TOKENWARDEN_PROBE_INTERVAL'] },
      'state-file': { type: 'string', default: process.env['TOKENWARDEN_STATE_FILE'] ?? '.local-state/state.json' },
      'no-rotate-at-start': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const intervalSeconds = values.interval !== undefined ? Number(values.interval) : values.fast ? 10 : undefined;
  if (intervalSeconds !== undefined && !(intervalSeconds > 0)) {
    process.stderr.write(`--interval expects a number of seconds, got ${values.interval}\n`);
    return 1;
  }
  const stateFile = values['state-file'];
  mkdirSync(dirname(stateFile), { recursive: true });

  // Listen from the start, so Ctrl-C during start-up also closes what is already running.
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const tty = process.stdout.isTTY === true;
  const recent: string[] = [];
  const print = (line: string) => {
    const stamped = `${new Date().toISOString().slice(11, 19)}  ${line}`;
    recent.push(stamped);
    if (recent.length > 12) recent.shift();
    process.stdout.write(`${stamped}\n`);
  };
  let pipeline: Pipeline | undefined;
  let drawing = Promise.resolve();
  const draw = (report: ProbeReport) => {
    const p = pipeline;
    if (!p) return;
    const summary = `PROBE ${report.tokens.length} tokens, ${report.tokens.filter((t) => t.severity !== 'ok').length} not ok, ${report.eventsSent} event(s)`;
    drawing = drawing.then(async () => {
      const table = await renderStatusTable(p, { colour: tty && !process.env['NO_COLOR'] }).catch(
        (error: unknown) => `(status table unavailable: ${error instanceof Error ? error.message : 'error'})\n`,
      );
      if (tty) {
        // Redraw in place: header, table, the latest lines.
        process.stdout.write('\x1b[2J\x1b[H');
        process.stdout.write(`tokenwarden local: ${p.aws.url} (Ctrl-C to stop)\n\n${table}\n`);
        process.stdout.write(`${recent.join('\n')}\n`);
        print(summary);
      } else {
        print(summary);
        process.stdout.write(table);
      }
    });
  };

  print('starting the local stand-in (AWS, fake providers, OAuth 2.0 server, Slack sink) on 127.0.0.1');
  try {
    pipeline = await startPipeline({
      stateFile,
      schedule: true,
      ...(intervalSeconds !== undefined ? { probeIntervalMs: intervalSeconds * 1000 } : {}),
      print,
      onProbe: draw,
    });
  } catch (error) {
    if (error instanceof LocalPortInUseError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const p = pipeline;
  print(`ready: AWS ${p.aws.url}, providers ${p.fakes.url}, OAuth ${p.oauth.url}, Slack sink ${p.slackWebhookUrl}`);
  // Moved ports: the providers' URLs live in the inventory, so the CLI needs the rewritten copy.
  const inventoryFlag = p.inventoryDir === 'inventory' ? '' : ` --inventory ${p.inventoryDir}`;
  print(
    `try: TOKENWARDEN_AWS_PORT=${p.aws.port} npx tokenwarden --local${inventoryFlag} status --env ${p.inventory.name}`,
  );
  await p.probe();

  let rotateTimer: NodeJS.Timeout | undefined;
  if (!values['no-rotate-at-start']) {
    const target =
      p.inventory.tokens.find((t) => t.provider === 'oauth2-client-credentials' && t.rotation !== 'manual') ??
      p.inventory.tokens.find((t) => t.rotation !== 'manual');
    if (target) {
      rotateTimer = setTimeout(() => {
        print(`ROTATE ${p.inventory.name}/${target.name}: rotation requested (as \`tokenwarden rotate\` does)`);
        p.clients.secrets
          .send(new RotateSecretCommand({ SecretId: secretNameFor(p.inventory.name, target.name) }))
          .catch((error: unknown) => print(`ROTATE request failed (${error instanceof Error ? error.name : 'error'})`));
      }, 5000);
    }
  }

  await stopRequested;
  if (rotateTimer) clearTimeout(rotateTimer);
  print('stopping');
  // A table still being drawn reads the stand-in (and the inventory copy close() removes): finish it first.
  await drawing;
  await p.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
