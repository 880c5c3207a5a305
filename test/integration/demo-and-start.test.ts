import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../local/demo';
import { deployLocal } from '../../local/deploy';
import { LocalPortInUseError, localizeInventoryText, startPipeline } from '../../local/pipeline';

describe('npm run demo (runDemo)', () => {
  it('passes every step and never prints a token value', async () => {
    const lines: string[] = [];
    const result = await runDemo({ print: (l) => lines.push(l) });
    const output = lines.join('\n');
    expect(output).toContain('demo passed');
    expect(output).toContain('the step got verified tokens');
    expect(output).toMatch(/WARNING: local\/gitlab-ci/);
    expect(output).toMatch(/CRITICAL: local\/orders-api/);
    expect(output).toMatch(/RECOVERED: local\/orders-api/);
    expect(result.tokenValues.length).toBeGreaterThan(8);
    const haystack = `${output}\n${result.alerts.join('\n')}`;
    for (const value of result.tokenValues) expect(haystack).not.toContain(value);
  });
});

describe('startPipeline', () => {
  it('names the port and the variable to change when a port is taken', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const attempt = startPipeline({ ports: { aws: 0, providers: 0, oauth: 0, slack: port }, deploy: false });
      await expect(attempt).rejects.toBeInstanceOf(LocalPortInUseError);
      await expect(attempt).rejects.toThrow(new RegExp(`port ${port} .*TOKENWARDEN_SLACK_PORT`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('runs the scheduler loop (due rotations, sweep, probe) until closed', async () => {
    let probes = 0;
    let ticked: () => void = () => {};
    const twoTicks = new Promise<void>((resolve) => {
      ticked = resolve;
    });
    const p = await startPipeline({
      ports: { aws: 0, providers: 0, oauth: 0, slack: 0 },
      schedule: true,
      probeIntervalMs: 20,
      onProbe: () => {
        probes++;
        if (probes >= 3) ticked();
      },
    });
    await twoTicks;
    await p.close();
    expect(probes).toBeGreaterThanOrEqual(3);
  });

  it('points the inventory at the ports actually bound', () => {
    const text = 'a: http://127.0.0.1:47661/gitlab\nb: http://127.0.0.1:47662/token\nc: http://127.0.0.1:47663/x\n';
    expect(localizeInventoryText(text, { providers: 'http://127.0.0.1:1', oauth: 'http://127.0.0.1:2' })).toBe(
      'a: http://127.0.0.1:1/gitlab\nb: http://127.0.0.1:2/token\nc: http://127.0.0.1:47663/x\n',
    );
  });

  it('restarts from its state file: deploy is idempotent, tokens are re-seeded and probe ok', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-state-'));
    const stateFile = join(dir, 'state.json');
    const ports = { aws: 0, providers: 0, oauth: 0, slack: 0 };
    try {
      const first = await startPipeline({ ports, stateFile });
      await first.close();
      expect(statSync(stateFile).mode & 0o777).toBe(0o600);
      const second = await startPipeline({ ports, stateFile });
      try {
        const again = await deployLocal({
          secrets: second.clients.secrets,
          inventory: second.inventory,
          adminSecrets: second.adminSecrets,
        });
        expect(again).toEqual({ created: [], rotationConfigured: [] });
        const report = await second.probe();
        expect(report.tokens.every((t) => t.state === 'ok')).toBe(true);
        expect(second.slack.posts).toHaveLength(0);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
