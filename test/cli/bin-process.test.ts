import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QA_INVENTORY } from './harness';

/**
 * bin/tokenwarden.mjs as a real process, against a Secrets Manager stand-in on 127.0.0.1 that keeps a
 * rotation pending forever, and an instance-metadata stand-in on 127.0.0.1 (so nothing ever tries
 * 169.254.169.254). Only 127.0.0.1 is contacted.
 */
let aws: Server;
let imds: Server;
let awsUrl = '';
let imdsUrl = '';
const imdsHits: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tw-bin-'));
writeFileSync(join(dir, 'qa.yaml'), QA_INVENTORY);

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

function secretsManager(req: IncomingMessage, res: ServerResponse): void {
  const target = String(req.headers['x-amz-target'] ?? '');
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    if (target.endsWith('.RotateSecret'))
      res.end(JSON.stringify({ Name: 'tokenwarden/qa/gitlab-ci', VersionId: 'v2' }));
    else if (target.endsWith('.DescribeSecret'))
      res.end(JSON.stringify({ VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } }));
    else res.end(JSON.stringify({ SecretList: [] }));
  });
}

beforeAll(async () => {
  aws = createServer(secretsManager);
  imds = createServer((req, res) => {
    imdsHits.push(req.url ?? '');
    res.statusCode = 404;
    res.end();
  });
  [awsUrl, imdsUrl] = await Promise.all([listen(aws), listen(imds)]);
});

afterAll(async () => {
  await Promise.all([new Promise((r) => aws.close(r)), new Promise((r) => imds.close(r))]);
});

/** The child's environment: nothing inherited that could point it elsewhere (no credentials, no profile). */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_ENDPOINT_URL: awsUrl,
    AWS_EC2_METADATA_SERVICE_ENDPOINT: imdsUrl,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, ['bin/tokenwarden.mjs', '--inventory', dir, ...args], { env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  return { child, stderr: () => stderr };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('bin/tokenwarden.mjs as a process', () => {
  it('Ctrl-C during rotate --wait ends the wait at once with 130 and says the rotation goes on', async () => {
    const { child, stderr } = run(
      ['rotate', 'qa/gitlab-ci', '--wait'],
      childEnv({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }),
    );
    const done = exited(child);
    while (!stderr().includes('waiting: qa/gitlab-ci')) await new Promise((r) => setTimeout(r, 20));

    child.kill('SIGINT');

    expect(await done).toEqual({ code: 130, signal: null });
    expect(stderr()).toContain(
      'stopped waiting: the rotation of qa/gitlab-ci (version v2 is AWSPENDING) goes on in AWS',
    );
  });

  it('without credentials fails with what to do (exit 3), having asked only the 127.0.0.1 metadata stand-in', async () => {
    const { child, stderr } = run(['status', '--env', 'qa'], childEnv({}));

    expect(await exited(child)).toEqual({ code: 3, signal: null });
    expect(stderr()).toMatch(/no AWS credentials found; set AWS_PROFILE .* or use --local/);
    expect(stderr()).toContain('AWS_EC2_METADATA_DISABLED=true');
    expect(imdsHits.length).toBeGreaterThan(0);
  });
});

describe('bin/tokenwarden.mjs in a pipe whose reader stops early (| head -1)', () => {
  it('exits quietly instead of crashing with an EPIPE stack trace', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tw-bin-scan-'));
    // Many findings, one line each, so writes continue after the reader has gone.
    for (let i = 0; i < 200; i++) writeFileSync(join(folder, `f${i}.env`), `T=ghp_CANARY${'a1'.repeat(15)}\n`);
    const { child, stderr } = run(['scan', folder], childEnv({}));
    const done = exited(child);
    child.stdout?.once('data', () => child.stdout?.destroy());

    const { code } = await done;

    expect(stderr()).not.toContain('EPIPE');
    expect(stderr()).not.toContain('node:events');
    expect(code).toBe(0);
  });
});
